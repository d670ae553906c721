/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * drm-mdl in-kernel API: DxgkCbAllocatePagesForMdl / MmAllocatePagesForMdlEx
 * for Linux drivers.
 */
#ifndef __DRM_MDL_H__
#define __DRM_MDL_H__

#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/types.h>
#include <uapi/drm/mdl_drm.h>

struct device;
struct page;

/* Windows' limit on one MDL: 4 GiB - PAGE_SIZE. */
#define DRM_MDL_MAX_BYTES	(SZ_4G - PAGE_SIZE)

/**
 * struct drm_mdl_request - what to allocate
 * @low: first byte of physical window 0
 * @high: last byte of physical window 0, inclusive; DRM_MDL_HIGH_UNLIMITED
 *        for no upper limit
 * @skip: SkipBytes: window k is [@low + k * @skip, @high + k * @skip];
 *        0 means window 0 only
 * @total_bytes: bytes wanted, rounded up to whole pages
 * @cache_type: DRM_MDL_CACHE_*, applied to every CPU mapping of the pages
 * @flags: DRM_MDL_ALLOC_*, with the MM_ALLOCATE_* bit values
 */
struct drm_mdl_request {
	u64 low;
	u64 high;
	u64 skip;
	u64 total_bytes;
	u32 cache_type;
	u32 flags;
};

/**
 * struct drm_mdl - the memory descriptor list of one allocation
 * @byte_count: bytes described, always @page_count * PAGE_SIZE; in partial
 *              mode it may be less than requested
 * @page_count: number of pages
 * @nr_runs: physically contiguous runs the pages form
 * @dev: the device the pages are mapped on
 * @cache_type: the DRM_MDL_CACHE_* applied to the pages
 * @flags: the DRM_MDL_ALLOC_* flags the request was made with
 * @poolable: private to drm-mdl: the pages may go back to its pre-zeroed
 *            pool when freed (they are not charged to a memory cgroup)
 * @compact: private to drm-mdl: the runs live in the descriptor's own
 *           allocation
 * @in_place: private to drm-mdl: the runs were written over the page array
 *            the request gathered into, which the descriptor kept
 * @block_order: private to drm-mdl: nonzero when the pages are one buddy
 *               block of 2^@block_order pages that was never split, so
 *               only the first holds a page reference
 * @pool_link: private to drm-mdl: after drm_mdl_free(), the pool's list of
 *             descriptors whose pages wait for its zeroing worker
 *
 * The pages are in allocation order (lower windows first). The descriptor
 * keeps one entry per physically contiguous run and nothing per page, and
 * no scatterlist where the kernel can map without one: a scattered
 * gigabyte is 262144 runs. drm_mdl_page(), drm_mdl_pfn(),
 * drm_mdl_get_pages() and drm_mdl_get_pfns() read the CPU side;
 * drm_mdl_get_dma_addrs() and drm_mdl_dma_segment_count() the mapping on
 * @dev (DMA_BIDIRECTIONAL), which is gone once the device is;
 * drm_mdl_get_sg_table() builds a table for another device to map.
 *
 * Everything here is read-only for the caller; drm_mdl_free() releases it.
 */
struct drm_mdl {
	u64 byte_count;
	unsigned long page_count;
	unsigned int nr_runs;
	struct device *dev;
	u32 cache_type;
	u32 flags;
	bool poolable;
	bool compact;
	bool in_place;
	unsigned int block_order;
	struct list_head pool_link;
	/* mdl_descriptor_init() sets each field: a new one goes there too. */
};

struct drm_mdl *drm_mdl_alloc(struct device *dev,
			      const struct drm_mdl_request *req);
struct drm_mdl *drm_mdl_dxgk_allocate_pages(struct device *dev,
					    const struct drm_mdl_request *req);
void drm_mdl_free(struct drm_mdl *mdl);
struct page *drm_mdl_page(const struct drm_mdl *mdl, unsigned long index);
unsigned long drm_mdl_get_pfns(const struct drm_mdl *mdl, unsigned long first,
			       unsigned long count, unsigned long *pfns);
unsigned long drm_mdl_get_pages(const struct drm_mdl *mdl, unsigned long first,
				unsigned long count, struct page **pages);
unsigned long drm_mdl_get_dma_addrs(const struct drm_mdl *mdl,
				    unsigned long first, unsigned long count,
				    dma_addr_t *addrs);
unsigned int drm_mdl_dma_segment_count(const struct drm_mdl *mdl);
void drm_mdl_dma_sync_for_device(struct drm_mdl *mdl);
void drm_mdl_dma_sync_for_cpu(struct drm_mdl *mdl);
int drm_mdl_get_sg_table(struct device *dev, struct sg_table *sgt,
			 const struct drm_mdl *mdl, gfp_t gfp);

/**
 * drm_mdl_pfn - page frame number of one page of an allocation
 * @mdl: the allocation
 * @index: the page, below &drm_mdl.page_count
 *
 * MmGetMdlPfnArray(mdl)[index] of a Windows driver. For a walk over every
 * page, drm_mdl_get_pfns() or drm_mdl_get_pages() is cheaper.
 *
 * Return: the pfn.
 */
static inline unsigned long drm_mdl_pfn(const struct drm_mdl *mdl,
					unsigned long index)
{
	return page_to_pfn(drm_mdl_page(mdl, index));
}

int drm_mdl_validate_request(const struct drm_mdl_request *req);
u64 drm_mdl_large_page_size(void);

/**
 * struct drm_mdl_pool_stats - state of the pre-zeroed page pool
 * @clean_pages: zeroed pages ready to hand out, all cache types
 * @dirty_pages: freed pages waiting for the zeroing worker
 * @limit_pages: most pages the pool keeps (the pool_max_mb parameter)
 * @hits: pages handed out from the pool since load
 * @misses: pages that had to come from the buddy allocator since load
 */
struct drm_mdl_pool_stats {
	unsigned long clean_pages;
	unsigned long dirty_pages;
	unsigned long limit_pages;
	unsigned long hits;
	unsigned long misses;
};

/**
 * enum drm_mdl_phase - the steps of an allocation, for the phase counters
 * @DRM_MDL_PHASE_VALIDATE: the request checked and turned into a plan
 * @DRM_MDL_PHASE_GATHER: pages taken from the pool and the buddy allocator,
 *                        descriptor arrays included
 * @DRM_MDL_PHASE_CACHE: fresh pages switched to the cache type
 * @DRM_MDL_PHASE_DESCRIBE: page frame numbers and contiguous runs
 * @DRM_MDL_PHASE_MAP: the runs DMA-mapped
 * @DRM_MDL_PHASE_FREE: drm_mdl_free(), all of it
 * @DRM_MDL_PHASE_COUNT: number of phases
 */
enum drm_mdl_phase {
	DRM_MDL_PHASE_VALIDATE,
	DRM_MDL_PHASE_GATHER,
	DRM_MDL_PHASE_CACHE,
	DRM_MDL_PHASE_DESCRIBE,
	DRM_MDL_PHASE_MAP,
	DRM_MDL_PHASE_FREE,
	DRM_MDL_PHASE_COUNT
};

/**
 * struct drm_mdl_phase_stats - where allocations spent their time
 * @ns: nanoseconds per phase, summed over the allocations counted
 * @allocs: successful allocations counted
 * @frees: frees counted
 * @pages: pages those allocations described
 * @runs: physically contiguous runs those pages formed
 * @desc_bytes: bytes their descriptors took: struct drm_mdl, its runs,
 *              its index and its mapping's table if it has one, as the
 *              slab and vmalloc allocators gave them out
 */
struct drm_mdl_phase_stats {
	u64 ns[DRM_MDL_PHASE_COUNT];
	u64 allocs;
	u64 frees;
	u64 pages;
	u64 runs;
	u64 desc_bytes;
};

void drm_mdl_phase_stats_enable(bool enable);
void drm_mdl_phase_stats_read(struct drm_mdl_phase_stats *stats);
void drm_mdl_phase_stats_reset(void);

void drm_mdl_pool_drain(void);
void drm_mdl_pool_flush(void);
void drm_mdl_pool_get_stats(struct drm_mdl_pool_stats *stats);

#endif /* __DRM_MDL_H__ */
