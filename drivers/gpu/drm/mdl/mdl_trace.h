/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Tracepoints of drm-mdl: what was asked, what came back, and where the
 * time went, for engineers chasing a slow or failing allocation.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM mdl

#if !defined(_MDL_TRACE_H_) || defined(TRACE_HEADER_MULTI_READ)
#define _MDL_TRACE_H_

#include <linux/tracepoint.h>
#include <drm/drm_mdl.h>

#include "mdl_compat.h"

TRACE_EVENT(mdl_alloc,
	TP_PROTO(const struct drm_mdl_request *req, const struct drm_mdl *mdl,
		 int error, u64 duration_ns),
	TP_ARGS(req, mdl, error, duration_ns),
	TP_STRUCT__entry(
		__field(u64, low)
		__field(u64, high)
		__field(u64, skip)
		__field(u64, total_bytes)
		__field(u32, cache_type)
		__field(u32, flags)
		__field(int, error)
		__field(u64, byte_count)
		__field(unsigned int, chunks)
		__field(unsigned int, dma_segments)
		__field(u64, duration_ns)
	),
	TP_fast_assign(
		__entry->low = req->low;
		__entry->high = req->high;
		__entry->skip = req->skip;
		__entry->total_bytes = req->total_bytes;
		__entry->cache_type = req->cache_type;
		__entry->flags = req->flags;
		__entry->error = error;
		__entry->byte_count = mdl ? mdl->byte_count : 0;
		__entry->chunks = mdl ? mdl->nr_runs : 0;
		__entry->dma_segments = mdl ? drm_mdl_dma_segment_count(mdl) : 0;
		__entry->duration_ns = duration_ns;
	),
	TP_printk("low=0x%llx high=0x%llx skip=0x%llx total=%llu cache=%u flags=0x%x error=%d bytes=%llu chunks=%u dma_segments=%u ns=%llu",
		  __entry->low, __entry->high, __entry->skip,
		  __entry->total_bytes, __entry->cache_type, __entry->flags,
		  __entry->error, __entry->byte_count, __entry->chunks,
		  __entry->dma_segments, __entry->duration_ns)
);

TRACE_EVENT(mdl_free,
	TP_PROTO(const struct drm_mdl *mdl, bool pooled),
	TP_ARGS(mdl, pooled),
	TP_STRUCT__entry(
		__field(u64, byte_count)
		__field(unsigned int, chunks)
		__field(u32, cache_type)
		__field(bool, pooled)
	),
	TP_fast_assign(
		__entry->byte_count = mdl->byte_count;
		__entry->chunks = mdl->nr_runs;
		__entry->cache_type = mdl->cache_type;
		__entry->pooled = pooled;
	),
	TP_printk("bytes=%llu chunks=%u cache=%u pooled=%d",
		  __entry->byte_count, __entry->chunks, __entry->cache_type,
		  __entry->pooled)
);

TRACE_EVENT(mdl_map,
	TP_PROTO(const struct device *dev, unsigned long pages,
		 unsigned int segments, int error),
	TP_ARGS(dev, pages, segments, error),
	TP_STRUCT__entry(
		__string(dev, dev_name(dev))
		__field(unsigned long, pages)
		__field(unsigned int, segments)
		__field(int, error)
	),
	TP_fast_assign(
		mdl_assign_str(dev, dev_name(dev));
		__entry->pages = pages;
		__entry->segments = segments;
		__entry->error = error;
	),
	TP_printk("dev=%s pages=%lu dma_segments=%u error=%d",
		  __get_str(dev), __entry->pages, __entry->segments,
		  __entry->error)
);

DECLARE_EVENT_CLASS(mdl_pool_event,
	TP_PROTO(unsigned long pages, unsigned long clean, unsigned long dirty),
	TP_ARGS(pages, clean, dirty),
	TP_STRUCT__entry(
		__field(unsigned long, pages)
		__field(unsigned long, clean)
		__field(unsigned long, dirty)
	),
	TP_fast_assign(
		__entry->pages = pages;
		__entry->clean = clean;
		__entry->dirty = dirty;
	),
	TP_printk("pages=%lu clean=%lu dirty=%lu",
		  __entry->pages, __entry->clean, __entry->dirty)
);

/* Pages the zeroing worker moved from dirty to clean. */
DEFINE_EVENT(mdl_pool_event, mdl_pool_refill,
	TP_PROTO(unsigned long pages, unsigned long clean, unsigned long dirty),
	TP_ARGS(pages, clean, dirty)
);

/* Pages the shrinker or a drain gave back to the buddy allocator. */
DEFINE_EVENT(mdl_pool_event, mdl_pool_shrink,
	TP_PROTO(unsigned long pages, unsigned long clean, unsigned long dirty),
	TP_ARGS(pages, clean, dirty)
);

#endif /* _MDL_TRACE_H_ */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE mdl_trace
#include <trace/define_trace.h>
