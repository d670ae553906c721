// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The exported API. One allocation runs:
 *
 *   validate (mdl_request.c) -> walk windows (mdl_window.c)
 *     -> fill each window: pooled pages (mdl_pool.c), then fresh chunks
 *        (mdl_chunk.c) switched to the cache type (mdl_cache.c)
 *     -> describe: pfns and contiguous runs (here)
 *     -> DMA map (mdl_dma.c)
 *
 * and either ends with a complete struct drm_mdl or undoes every step.
 * Freeing unmaps and parks the pages in the pool, which zeroes them off the
 * allocating path, or returns them to the buddy allocator.
 */

#include <linux/device.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/vmalloc.h>
#include <linux/vmstat.h>

#include "mdl_internal.h"
#include "mdl_trace.h"

static gfp_t mdl_table_gfp(const struct mdl_plan *plan, gfp_t gfp_extra)
{
	gfp_t gfp = (plan->flags & DRM_MDL_ALLOC_NO_WAIT) ? GFP_NOWAIT :
							     GFP_KERNEL;

	/*
	 * The arrays of a large request are megabytes of vmalloc; like the
	 * pages they describe they must fail rather than wake the OOM killer.
	 */
	return gfp | __GFP_NOWARN | __GFP_RETRY_MAYFAIL |
	       (gfp_extra & __GFP_ACCOUNT);
}

/*
 * kvmalloc_array() for the descriptor arrays, without its habit of passing
 * __GFP_RETRY_MAYFAIL on to the physically contiguous attempt: that one
 * would reclaim and compact, round after round, for an array that vmalloc
 * serves just as well. Contiguous only when it is free right now; else
 * vmalloc, which keeps @gfp (it fails rather than wake the OOM killer).
 * Callers that cannot sleep get kmalloc() only, as with kvmalloc().
 */
static void *mdl_table_alloc(size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;
	void *table;

	if (unlikely(check_mul_overflow(n, size, &bytes)))
		return NULL;
	if (bytes <= PAGE_SIZE || (gfp & GFP_KERNEL) != GFP_KERNEL)
		return kmalloc(bytes, gfp);
	table = kmalloc(bytes, (gfp | __GFP_NOWARN) &
			       ~(__GFP_RECLAIM | __GFP_RETRY_MAYFAIL));
	return table ? table : __vmalloc(bytes, gfp);
}

static unsigned long mdl_pfn_limit(struct device *dev)
{
	u64 reach_pfns = (mdl_dma_reach(dev) >> PAGE_SHIFT) + 1;

	return min_t(u64, mdl_top_of_ram_pfn(), reach_pfns);
}

static void mdl_drop_pages(const struct mdl_plan *plan,
			   struct mdl_page_list *list)
{
	mdl_chunk_release_pages(list->pages, list->count, plan->cache_type);
	list->count = 0;
}

/*
 * Fills @list from the windows, then switches the fresh pages to the cache
 * type; on failure nothing is held.
 */
static int mdl_gather_pages(struct device *dev, const struct mdl_plan *plan,
			    gfp_t gfp_extra, struct mdl_page_list *list,
			    u64 *t)
{
	struct mdl_window_walker walker;
	struct mdl_chunk_ctx ctx;
	struct mdl_window window;
	int ret = 0;

	mdl_chunk_ctx_init(&ctx, plan, dev_to_node(dev), gfp_extra);
	mdl_window_walker_init(&walker, plan, mdl_pfn_limit(dev));
	while (list->count < list->capacity &&
	       mdl_window_next(&walker, &window)) {
		ret = mdl_chunk_fill_window(&ctx, &window, list);
		if (ret || mdl_chunk_spent(&ctx))
			break;
	}
	mdl_chunk_release_held(&ctx);

	if (!ret && !list->count)
		ret = -ENOMEM;
	if (!ret && list->count < list->capacity &&
	    (plan->flags & DRM_MDL_ALLOC_FULLY_REQUIRED))
		ret = -ENOMEM;
	mdl_phase_mark(DRM_MDL_PHASE_GATHER, t);
	if (!ret)
		ret = mdl_chunk_apply_cache(list, plan->cache_type);
	if (ret) {
		mdl_drop_pages(plan, list);
		return ret;
	}
	mdl_phase_mark(DRM_MDL_PHASE_CACHE, t);
	return 0;
}

/*
 * Physically contiguous runs in @pages, each cut every @max_pages pages:
 * the chunks with ULONG_MAX, the sg_table entries with the device's
 * segment limit.
 */
static unsigned int mdl_count_runs(struct page **pages, unsigned long count,
				   unsigned long max_pages)
{
	unsigned long i, run = 0;
	unsigned int runs = 0;

	for (i = 0; i < count; i++) {
		if (i && run < max_pages &&
		    page_to_pfn(pages[i]) == page_to_pfn(pages[i - 1]) + 1) {
			run++;
			continue;
		}
		runs++;
		run = 1;
	}
	return runs;
}

/* pfns and the runs of @mdl->pages, into arrays that have room. */
static void mdl_fill_runs(struct drm_mdl *mdl)
{
	struct drm_mdl_chunk *chunk = mdl->chunks - 1;
	unsigned long i;

	for (i = 0; i < mdl->page_count; i++) {
		mdl->pfns[i] = page_to_pfn(mdl->pages[i]);
		if (!i || mdl->pfns[i] != mdl->pfns[i - 1] + 1) {
			chunk++;
			chunk->pfn = mdl->pfns[i];
			chunk->nr_pages = 0;
		}
		chunk->nr_pages++;
	}
	mdl->nr_chunks = chunk - mdl->chunks + 1;
}

static int mdl_describe(struct drm_mdl *mdl, gfp_t gfp)
{
	mdl->pfns = mdl_table_alloc(mdl->page_count, sizeof(*mdl->pfns), gfp);
	if (!mdl->pfns)
		return -ENOMEM;
	mdl->chunks = mdl_table_alloc(mdl_count_runs(mdl->pages, mdl->page_count,
						     ULONG_MAX),
				      sizeof(*mdl->chunks), gfp);
	if (!mdl->chunks)
		return -ENOMEM;
	mdl_fill_runs(mdl);
	return 0;
}

/*
 * What sg_alloc_table() takes for @nents entries: pages of
 * SG_MAX_SINGLE_ALLOC entries, each but the last giving one to the chain
 * link, and a slab object for the rest.
 */
static u64 mdl_sg_table_bytes(unsigned int nents)
{
	u64 bytes = 0;

	while (nents > SG_MAX_SINGLE_ALLOC) {
		bytes += PAGE_SIZE;
		nents -= SG_MAX_SINGLE_ALLOC - 1;
	}
	if (nents == SG_MAX_SINGLE_ALLOC)
		return bytes + PAGE_SIZE;
	return bytes + kmalloc_size_roundup(nents * sizeof(struct scatterlist));
}

/* Everything the descriptor of a finished allocation takes. */
static u64 mdl_descriptor_bytes(const struct drm_mdl *mdl)
{
	return mdl_table_bytes(mdl, sizeof(*mdl)) +
	       mdl_table_bytes(mdl->pages,
			       mdl->page_count * sizeof(*mdl->pages)) +
	       mdl_table_bytes(mdl->pfns,
			       mdl->page_count * sizeof(*mdl->pfns)) +
	       mdl_table_bytes(mdl->chunks,
			       mdl->nr_chunks * sizeof(*mdl->chunks)) +
	       mdl_sg_table_bytes(mdl->sgt.orig_nents);
}

/**
 * mdl_release_descriptor - free a descriptor and its arrays, not its pages
 * @mdl: the descriptor, unmapped
 */
void mdl_release_descriptor(struct drm_mdl *mdl)
{
	if (mdl->compact) {
		kfree(mdl);
		return;
	}
	kvfree(mdl->chunks);
	kvfree(mdl->pfns);
	kvfree(mdl->pages);
	kfree(mdl);
}

/*
 * Whether @nr_pages could be had even after reclaim. si_mem_available()
 * walks every zone, which costs more than a small allocation itself;
 * a request that fits in half of the free pages needs no estimate.
 */
static bool mdl_may_fit(unsigned long nr_pages)
{
	if (nr_pages <= global_zone_page_state(NR_FREE_PAGES) / 2)
		return true;
	return nr_pages <= si_mem_available() + mdl_pool_pages();
}

/*
 * Describes (unless compact, whose runs are filled in already), maps and
 * completes @mdl, whose pages are gathered and in their cache type;
 * @entries is the compact descriptor's room for the sg_table, or NULL. On
 * failure the pages and the descriptor are gone.
 */
static struct drm_mdl *mdl_finish(struct device *dev,
				  const struct mdl_plan *plan,
				  struct drm_mdl *mdl, gfp_t gfp, gfp_t gfp_extra,
				  struct scatterlist *entries, u64 *t)
{
	int ret = 0;

	if (!mdl->compact)
		ret = mdl_fault_should_fail(MDL_FAULT_TABLE) ? -ENOMEM :
		      mdl_describe(mdl, gfp);
	if (ret)
		goto err;
	mdl_phase_mark(DRM_MDL_PHASE_DESCRIBE, t);
	ret = mdl_dma_map(dev, &mdl->sgt, mdl->chunks, mdl->nr_chunks, gfp,
			  entries);
	trace_mdl_map(dev, mdl->page_count, ret ? 0 : mdl->sgt.nents, ret);
	if (ret)
		goto err;
	mdl_phase_mark(DRM_MDL_PHASE_MAP, t);
	if (mdl_phase_counting())
		__mdl_phase_count(mdl->page_count,
				  mdl->compact ? ksize(mdl) :
						 mdl_descriptor_bytes(mdl));

	mdl->dev = get_device(dev);
	mdl->cache_type = plan->cache_type;
	mdl->flags = plan->flags;
	mdl->poolable = !(gfp_extra & __GFP_ACCOUNT);
	return mdl;

err:
	mdl_chunk_release_pages(mdl->pages, mdl->page_count, plan->cache_type);
	mdl_release_descriptor(mdl);
	return ERR_PTR(ret);
}

/*
 * Their descriptor, arrays and sg_table entries included, then takes one
 * slab object when it fits in this many bytes: one allocation and one
 * free instead of five each, which at 4 KiB cost more than the page
 * itself. Past it a single object is rounded up to the next power of two
 * by more than what the separate arrays would waste.
 */
#define MDL_COMPACT_MAX_BYTES	2048

static struct drm_mdl *mdl_alloc_small(struct device *dev,
				       const struct mdl_plan *plan,
				       gfp_t gfp, gfp_t gfp_extra, u64 t)
{
	unsigned long pooled[BITS_TO_LONGS(MDL_SMALL_PAGES)] = { };
	struct page *pages[MDL_SMALL_PAGES];
	struct mdl_page_list list = {
		.pages = pages,
		.capacity = plan->nr_pages,
		.pooled = plan->cache_type != DRM_MDL_CACHE_CACHED ? pooled : NULL,
	};
	size_t pages_off, pfns_off, chunks_off, sg_off, bytes;
	struct drm_mdl *mdl;
	bool compact;
	void *base;
	int ret;

	ret = mdl_gather_pages(dev, plan, gfp_extra, &list, &t);
	if (ret)
		return ERR_PTR(ret);

	/* The arrays' sizes depend on the runs: find them first. */
	pages_off = ALIGN(sizeof(*mdl), sizeof(void *));
	pfns_off = pages_off + list.count * sizeof(*mdl->pages);
	chunks_off = pfns_off + list.count * sizeof(*mdl->pfns);
	sg_off = ALIGN(chunks_off +
		       mdl_count_runs(pages, list.count, ULONG_MAX) *
		       sizeof(*mdl->chunks),
		       __alignof__(struct scatterlist));
	bytes = sg_off + mdl_count_runs(pages, list.count,
					mdl_dma_max_seg_pages(dev)) *
			 sizeof(struct scatterlist);
	compact = bytes <= MDL_COMPACT_MAX_BYTES;

	base = mdl_fault_should_fail(MDL_FAULT_TABLE) ? NULL :
	       kmalloc(compact ? bytes : sizeof(*mdl), gfp);
	if (!base) {
		mdl_drop_pages(plan, &list);
		return ERR_PTR(-ENOMEM);
	}
	mdl = base;
	memset(mdl, 0, sizeof(*mdl));
	mdl->page_count = list.count;
	mdl->byte_count = (u64)list.count << PAGE_SHIFT;
	if (!compact) {
		/* Too big for one object: the arrays on their own. */
		mdl->pages = mdl_table_alloc(list.count, sizeof(*mdl->pages),
					     gfp);
		if (!mdl->pages) {
			mdl_drop_pages(plan, &list);
			kfree(mdl);
			return ERR_PTR(-ENOMEM);
		}
		memcpy(mdl->pages, pages, list.count * sizeof(*pages));
		return mdl_finish(dev, plan, mdl, gfp, gfp_extra, NULL, &t);
	}

	mdl->compact = true;
	mdl->pages = base + pages_off;
	mdl->pfns = base + pfns_off;
	mdl->chunks = base + chunks_off;
	memcpy(mdl->pages, pages, list.count * sizeof(*pages));
	mdl_fill_runs(mdl);
	return mdl_finish(dev, plan, mdl, gfp, gfp_extra, base + sg_off, &t);
}

static struct drm_mdl *__mdl_alloc(struct device *dev,
				   const struct drm_mdl_request *req,
				   gfp_t gfp_extra)
{
	u64 t = mdl_phase_begin();
	struct mdl_page_list list = {};
	struct mdl_plan plan;
	struct drm_mdl *mdl;
	gfp_t gfp;
	int ret;

	ret = mdl_request_to_plan(req, &plan);
	if (ret)
		return ERR_PTR(ret);
	might_sleep_if(!(plan.flags & DRM_MDL_ALLOC_NO_WAIT));
	gfp = mdl_table_gfp(&plan, gfp_extra);

	/*
	 * All or nothing, and more than the machine could give even after
	 * reclaim: fail now. Trying would first take every free page down to
	 * the min watermark, where everybody else's allocations meet the OOM
	 * killer before this one gives up. The pool's pages count as
	 * available: the request takes them first.
	 */
	if ((plan.flags & DRM_MDL_ALLOC_FULLY_REQUIRED) &&
	    !mdl_may_fit(plan.nr_pages))
		return ERR_PTR(-ENOMEM);
	mdl_phase_mark(DRM_MDL_PHASE_VALIDATE, &t);

	if (plan.nr_pages <= MDL_SMALL_PAGES)
		return mdl_alloc_small(dev, &plan, gfp, gfp_extra, t);

	if (mdl_fault_should_fail(MDL_FAULT_TABLE))
		return ERR_PTR(-ENOMEM);
	mdl = kzalloc(sizeof(*mdl), gfp);
	if (!mdl)
		return ERR_PTR(-ENOMEM);
	list.capacity = plan.nr_pages;
	list.pages = mdl_table_alloc(list.capacity, sizeof(*list.pages), gfp);
	if (!list.pages) {
		ret = -ENOMEM;
		goto err_descriptor;
	}
	mdl->pages = list.pages;
	if (plan.cache_type != DRM_MDL_CACHE_CACHED) {
		list.pooled = mdl_table_alloc(BITS_TO_LONGS(list.capacity),
					      sizeof(unsigned long),
					      gfp | __GFP_ZERO);
		if (!list.pooled) {
			ret = -ENOMEM;
			goto err_descriptor;
		}
	}

	ret = mdl_gather_pages(dev, &plan, gfp_extra, &list, &t);
	kvfree(list.pooled);
	if (ret)
		goto err_descriptor;
	mdl->page_count = list.count;
	mdl->byte_count = (u64)list.count << PAGE_SHIFT;
	return mdl_finish(dev, &plan, mdl, gfp, gfp_extra, NULL, &t);

err_descriptor:
	mdl_release_descriptor(mdl);
	return ERR_PTR(ret);
}

/**
 * mdl_alloc - allocate, describe and map an MDL
 * @dev: the device the pages are mapped on
 * @req: the request
 * @gfp_extra: extra gfp bits; the ioctl passes __GFP_ACCOUNT so user
 *             allocations are charged to the caller's memory cgroup
 *
 * Return: the descriptor, or an ERR_PTR; on error nothing stays allocated.
 */
struct drm_mdl *mdl_alloc(struct device *dev, const struct drm_mdl_request *req,
			  gfp_t gfp_extra)
{
	struct drm_mdl *mdl;
	u64 start;

	/* Some clocksources cost microseconds a read (HPET in a VM). */
	if (!trace_mdl_alloc_enabled())
		return __mdl_alloc(dev, req, gfp_extra);
	start = ktime_get_ns();
	mdl = __mdl_alloc(dev, req, gfp_extra);
	trace_mdl_alloc(req, IS_ERR(mdl) ? NULL : mdl, PTR_ERR_OR_ZERO(mdl),
			ktime_get_ns() - start);
	return mdl;
}

/**
 * drm_mdl_alloc - allocate pages inside physical windows and map them
 * @dev: the device to map the pages on; its DMA mask and IOMMU decide the
 *       DMA addresses
 * @req: the request, validated against every rule of the drm-mdl contract
 *
 * The MmAllocatePagesForMdlEx() of Linux. Pages come zero-filled (unless
 * DRM_MDL_ALLOC_DONT_ZERO), from window 0 first and from window k only for
 * what windows 0..k-1 could not supply. Without
 * DRM_MDL_ALLOC_FULLY_REQUIRED the result may describe less than requested;
 * read &drm_mdl.byte_count.
 *
 * Context: process context; may sleep unless DRM_MDL_ALLOC_NO_WAIT is set.
 * Return: the descriptor, or an ERR_PTR: -EINVAL for a malformed request,
 * -ENOMEM when the pages cannot be had, -EINTR on a fatal signal. On error
 * nothing is left allocated or mapped.
 */
struct drm_mdl *drm_mdl_alloc(struct device *dev,
			      const struct drm_mdl_request *req)
{
	return mdl_alloc(dev, req, 0);
}
EXPORT_SYMBOL_GPL(drm_mdl_alloc);

/**
 * drm_mdl_dxgk_allocate_pages - DxgkCbAllocatePagesForMdl semantics
 * @dev: the device to map the pages on
 * @req: the request; DRM_MDL_ALLOC_FULLY_REQUIRED is added to its flags
 *
 * Dxgkrnl always passes MM_ALLOCATE_FULLY_REQUIRED, so this entry point is
 * all or nothing whatever @req says.
 *
 * Context: process context; may sleep unless DRM_MDL_ALLOC_NO_WAIT is set.
 * Return: as drm_mdl_alloc(), never a partial allocation.
 */
struct drm_mdl *drm_mdl_dxgk_allocate_pages(struct device *dev,
					    const struct drm_mdl_request *req)
{
	struct drm_mdl_request full = *req;

	full.flags |= DRM_MDL_ALLOC_FULLY_REQUIRED;
	return mdl_alloc(dev, &full, 0);
}
EXPORT_SYMBOL_GPL(drm_mdl_dxgk_allocate_pages);

/**
 * drm_mdl_free - unmap and free everything an allocation holds
 * @mdl: the descriptor from drm_mdl_alloc(); NULL and ERR_PTR are ignored
 *
 * Unmaps the pages from the device and frees the descriptor. The pages go to
 * drm-mdl's pre-zeroed pool, which zeroes them off the caller's path, or,
 * when the pool is full or the pages are charged to a memory cgroup, back
 * to the page allocator in write-back state.
 *
 * Context: process context.
 */
void drm_mdl_free(struct drm_mdl *mdl)
{
	u64 t;

	if (IS_ERR_OR_NULL(mdl))
		return;
	t = mdl_phase_begin();
	trace_mdl_free(mdl, mdl->poolable);
	mdl_dma_unmap(mdl);
	put_device(mdl->dev);
	if (!mdl->poolable) {
		mdl_chunk_release_pages(mdl->pages, mdl->page_count,
					mdl->cache_type);
		mdl_release_descriptor(mdl);
	} else {
		mdl_chunk_disown_pages(mdl->page_count);
		/*
		 * A large descriptor goes to the pool whole: cutting its runs
		 * into blocks touches every struct page, which for scattered
		 * pages costs more than the rest of the free. The zeroing
		 * worker does it, and frees the descriptor.
		 */
		if (mdl->compact || !mdl_pool_adopt(mdl)) {
			mdl_pool_give(mdl);
			mdl_release_descriptor(mdl);
		}
	}
	if (t) {
		mdl_phase_mark(DRM_MDL_PHASE_FREE, &t);
		__mdl_phase_count_free();
	}
}
EXPORT_SYMBOL_GPL(drm_mdl_free);
