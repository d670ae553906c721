// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The exported API. One allocation runs:
 *
 *   validate (mdl_request.c) -> walk windows (mdl_window.c)
 *     -> fill each window: pooled pages (mdl_pool.c), then fresh chunks
 *        (mdl_chunk.c) switched to the cache type (mdl_cache.c)
 *     -> describe: the runs, one u64 each (mdl_describe.c)
 *     -> DMA map the runs (mdl_dma.c)
 *
 * and either ends with a complete struct drm_mdl or undoes every step.
 * Freeing unmaps and parks the pages in the pool, which zeroes them off the
 * allocating path, or returns them to the buddy allocator.
 */

#include <linux/device.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
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

static void mdl_drop_pages(const struct mdl_plan *plan,
			   struct mdl_page_list *list)
{
	if (list->block_order)
		mdl_chunk_split(list->pages[0], &list->block_order);
	mdl_chunk_release_pages(list->pages, list->count, plan->cache_type);
	list->count = 0;
	list->nr_runs = 0;
	list->nr_entries = 0;
}

/*
 * Fills @list from the windows, then switches the fresh pages to the cache
 * type; on failure nothing is held.
 */
static int mdl_gather_pages(struct device *dev, const struct mdl_plan *plan,
			    gfp_t gfp_extra, struct mdl_page_list *list,
			    u64 *t)
{
	struct mdl_window_walker walker __uninitialized;
	struct mdl_chunk_ctx ctx __uninitialized;
	struct mdl_window window __uninitialized;
	int ret = 0;

	mdl_chunk_ctx_init(&ctx, plan, dev_to_node(dev), gfp_extra);
	mdl_window_walker_init(&walker, plan,
			       mdl_dma_pfn_limit(dev, ctx.ram_end_pfn));
	while (list->count < list->capacity &&
	       mdl_window_next(&walker, &window)) {
		ret = mdl_chunk_fill_window(&ctx, &window, list);
		if (ret || (list->count < list->capacity &&
			    mdl_chunk_spent(&ctx)))
			break;
	}
	if (!list_empty(&ctx.held))
		mdl_chunk_release_held(&ctx);

	if (!ret && !list->count)
		ret = -ENOMEM;
	if (!ret && list->count < list->capacity &&
	    (plan->flags & DRM_MDL_ALLOC_FULLY_REQUIRED))
		ret = -ENOMEM;
	mdl_phase_mark(DRM_MDL_PHASE_GATHER, t);
	if (!ret && plan->cache_type != DRM_MDL_CACHE_CACHED)
		ret = mdl_chunk_apply_cache(list, plan->cache_type);
	if (ret) {
		mdl_drop_pages(plan, list);
		return ret;
	}
	mdl_phase_mark(DRM_MDL_PHASE_CACHE, t);
	return 0;
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
 * The kernel's GPU memory counters (GPUActive in /proc/meminfo, per node
 * and memory cgroup, where the kernel has them): an allocation's pages
 * count from the moment it is handed out until it is freed, a run at a
 * time, as TTM's pool counts a block at a time.
 */
static void mdl_gpu_account_runs(const struct drm_mdl *mdl, long sign)
{
	struct page *first = NULL;
	struct mdl_run_iter it __uninitialized;
	long nr = 0;

	if (!MDL_HAVE_GPU_COUNTERS)
		return;
	/*
	 * With one node every page is on it: finding each run's node would
	 * read a struct page per run, a cache miss per run of a scattered
	 * request, on alloc and again on free.
	 */
	if (num_online_nodes() == 1) {
		mdl_gpu_account(mdl_first_page(mdl), MDL_GPU_ACTIVE,
				sign * (long)mdl->page_count);
		return;
	}
	/* One counter update per node, not per run: a scattered GiB is 262144. */
	mdl_run_start(&it, mdl);
	while (mdl_run_next(&it)) {
		struct page *page = pfn_to_page(it.pfn);

		if (nr && page_pgdat(page) != page_pgdat(first)) {
			mdl_gpu_account(first, MDL_GPU_ACTIVE, sign * nr);
			nr = 0;
		}
		if (!nr)
			first = page;
		nr += it.nr_pages;
	}
	if (nr)
		mdl_gpu_account(first, MDL_GPU_ACTIVE, sign * nr);
}

/* @mdl is mapped on @dev: fill in the rest. */
static struct drm_mdl *mdl_complete(struct device *dev,
				    const struct mdl_plan *plan,
				    struct drm_mdl *mdl, gfp_t gfp_extra, u64 *t)
{
	mdl_phase_mark(DRM_MDL_PHASE_MAP, t);
	if (mdl_phase_counting())
		__mdl_phase_count(mdl->page_count, mdl->nr_runs,
				  mdl_descriptor_bytes(mdl));

	mdl->dev = get_device(dev);
	mdl->cache_type = plan->cache_type;
	mdl->flags = plan->flags & DRM_MDL_ALLOC_FLAGS_ALL;
	mdl->poolable = !(gfp_extra & __GFP_ACCOUNT);
	mdl_gpu_account_runs(mdl, 1);
	return mdl;
}

/*
 * A small allocation the pool kept whole, zeroed, of exactly the size and
 * cache type wanted and inside window 0: nothing to gather or describe.
 * NULL when there is none (or the request wants what it cannot promise).
 */
static struct drm_mdl *mdl_alloc_whole(struct device *dev,
				       const struct mdl_plan *plan, gfp_t gfp,
				       gfp_t gfp_extra, u64 *t)
{
	struct mdl_window_walker walker __uninitialized;
	struct mdl_window window __uninitialized;
	struct drm_mdl *mdl;
	int ret, nid;

	if ((plan->flags & (DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS |
			    DRM_MDL_ALLOC_PREFER_CONTIGUOUS)) ||
	    (gfp_extra & __GFP_ACCOUNT) ||
	    !mdl_pool_may_have_whole(plan->nr_pages, plan->cache_type))
		return NULL;
	mdl_window_walker_init(&walker, plan,
			       mdl_dma_pfn_limit(dev, mdl_top_of_ram_pfn()));
	if (!mdl_window_next(&walker, &window))
		return NULL;
	nid = (plan->flags & DRM_MDL_ALLOC_LOCAL_NODE_ONLY) ? dev_to_node(dev) :
							      NUMA_NO_NODE;
	mdl = mdl_pool_take_whole(plan->nr_pages, plan->cache_type, &window,
				  nid);
	if (!mdl)
		return NULL;
	mdl_chunk_own_pages(mdl->page_count);
	mdl_phase_mark(DRM_MDL_PHASE_GATHER, t);
	ret = mdl_dma_map(dev, mdl, gfp);
	trace_mdl_map(dev, mdl->page_count,
		      ret ? 0 : drm_mdl_dma_segment_count(mdl), ret);
	if (ret) {
		mdl_chunk_release_runs(mdl);
		mdl_release_descriptor(mdl);
		return ERR_PTR(ret);
	}
	return mdl_complete(dev, plan, mdl, gfp_extra, t);
}

/*
 * Describes and maps the pages of @list, gathered and in their cache type.
 * On failure the pages are gone.
 */
static struct drm_mdl *mdl_finish(struct device *dev,
				  const struct mdl_plan *plan,
				  struct mdl_page_list *list, gfp_t gfp,
				  gfp_t gfp_extra, u64 *t)
{
	struct drm_mdl *mdl;
	int ret;

	mdl = mdl_describe(list, gfp);
	if (!mdl) {
		mdl_drop_pages(plan, list);
		return ERR_PTR(-ENOMEM);
	}
	mdl_phase_mark(DRM_MDL_PHASE_DESCRIBE, t);
	ret = mdl_dma_map(dev, mdl, gfp);
	trace_mdl_map(dev, mdl->page_count,
		      ret ? 0 : drm_mdl_dma_segment_count(mdl), ret);
	if (ret) {
		/* The runs may have been written over the list's pages. */
		mdl->cache_type = plan->cache_type;
		mdl_chunk_release_runs(mdl);
		mdl_release_descriptor(mdl);
		return ERR_PTR(ret);
	}
	return mdl_complete(dev, plan, mdl, gfp_extra, t);
}

/*
 * An empty list for @capacity pages. Field by field: the kernel's zeroing
 * of stack variables (INIT_STACK_ALL_ZERO, on in Debian's kernels) and a
 * designated initializer both clear the whole structure with a string
 * instruction, whose start-up alone costs a few percent of a 4 KiB request.
 */
static void mdl_page_list_init(struct mdl_page_list *list, struct page **pages,
			       unsigned long capacity, unsigned long *pooled,
			       struct device *dev)
{
	list->pages = pages;
	list->count = 0;
	list->capacity = capacity;
	list->pooled = pooled;
	list->max_seg_pages = mdl_dma_max_seg_pages(dev);
	list->seg_boundary_pages = mdl_dma_seg_boundary_pages(dev);
	list->nr_runs = 0;
	list->nr_entries = 0;
	list->next_pfn = 0;
	list->entry_room = 0;
	list->run_starts = NULL;
	list->run_room = 0;
	list->block_order = 0;
	list->table = NULL;
}

/*
 * Small requests gather on the stack, and their few runs are found by
 * walking the pages. The page array is only read below the list's count,
 * which every addition writes first: it needs none of the stack zeroing,
 * which would clear its 512 bytes on every request, a tenth of a cold
 * 4 KiB allocation.
 */
static struct drm_mdl *mdl_alloc_small(struct device *dev,
				       const struct mdl_plan *plan,
				       gfp_t gfp, gfp_t gfp_extra, u64 t)
{
	unsigned long pooled[BITS_TO_LONGS(MDL_SMALL_PAGES)] = { };
	struct page *pages[MDL_SMALL_PAGES] __uninitialized;
	struct mdl_page_list list __uninitialized;
	struct drm_mdl *mdl;
	int ret;

	mdl = mdl_alloc_whole(dev, plan, gfp, gfp_extra, &t);
	if (mdl)
		return mdl;
	mdl_page_list_init(&list, pages, plan->nr_pages,
			   plan->cache_type != DRM_MDL_CACHE_CACHED ? pooled :
								      NULL,
			   dev);
	ret = mdl_gather_pages(dev, plan, gfp_extra, &list, &t);
	if (ret)
		return ERR_PTR(ret);
	return mdl_finish(dev, plan, &list, gfp, gfp_extra, &t);
}

/*
 * Large requests gather into a table as long as the request. The run
 * starts share its allocation: one more would cost as much as the rest of
 * describing a warm 2 MiB request. A scattered request's runs are written
 * over it, and the descriptor keeps it (mdl_describe()); otherwise it
 * lives only until the runs are described.
 */
static struct drm_mdl *mdl_alloc_large(struct device *dev,
				       const struct mdl_plan *plan,
				       gfp_t gfp, gfp_t gfp_extra, u64 t)
{
	unsigned int run_room = mdl_page_list_run_room(plan->nr_pages);
	struct mdl_page_list list __uninitialized;
	unsigned long *pooled = NULL;
	struct page **pages;
	struct drm_mdl *mdl;
	int ret;

	pages = mdl_fault_should_fail(MDL_FAULT_TABLE) ? NULL :
		mdl_table_alloc(mdl_gather_table_words(plan->nr_pages),
				sizeof(*pages), gfp);
	if (!pages)
		return ERR_PTR(-ENOMEM);
	if (plan->cache_type != DRM_MDL_CACHE_CACHED) {
		pooled = mdl_table_alloc(BITS_TO_LONGS(plan->nr_pages),
					 sizeof(unsigned long),
					 gfp | __GFP_ZERO);
		if (!pooled) {
			mdl = ERR_PTR(-ENOMEM);
			goto out;
		}
	}
	mdl_page_list_init(&list, pages, plan->nr_pages, pooled, dev);
	list.run_starts = (u32 *)(pages + plan->nr_pages);
	list.run_room = run_room;
	list.table = pages;

	ret = mdl_gather_pages(dev, plan, gfp_extra, &list, &t);
	kvfree(pooled);
	mdl = ret ? ERR_PTR(ret) :
		    mdl_finish(dev, plan, &list, gfp, gfp_extra, &t);
	kvfree(list.table);
	return mdl;
out:
	kvfree(pages);
	return mdl;
}

static struct drm_mdl *__mdl_alloc(struct device *dev,
				   const struct drm_mdl_request *req,
				   gfp_t gfp_extra, u32 plan_flags)
{
	u64 t = mdl_phase_begin();
	struct mdl_plan plan __uninitialized;
	gfp_t gfp;
	int ret;

	ret = mdl_request_to_plan(req, &plan);
	if (ret)
		return ERR_PTR(ret);
	plan.flags |= plan_flags;
	if (mdl_dma_bounces(dev))
		return ERR_PTR(-ENXIO);
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
	return mdl_alloc_large(dev, &plan, gfp, gfp_extra, t);
}

/**
 * mdl_alloc - allocate, describe and map an MDL
 * @dev: the device the pages are mapped on
 * @req: the request
 * @gfp_extra: extra gfp bits; the ioctl passes __GFP_ACCOUNT so user
 *             allocations are charged to the caller's memory cgroup
 * @plan_flags: 0, or MDL_PLAN_UNPRIVILEGED for an ioctl caller without
 *              CAP_SYS_ADMIN
 *
 * Return: the descriptor, or an ERR_PTR; on error nothing stays allocated.
 */
struct drm_mdl *mdl_alloc(struct device *dev, const struct drm_mdl_request *req,
			  gfp_t gfp_extra, u32 plan_flags)
{
	struct drm_mdl *mdl;
	u64 start;

	/* Some clocksources cost microseconds a read (HPET in a VM). */
	if (!trace_mdl_alloc_enabled())
		return __mdl_alloc(dev, req, gfp_extra, plan_flags);
	start = ktime_get_ns();
	mdl = __mdl_alloc(dev, req, gfp_extra, plan_flags);
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
 * -EOPNOTSUPP for a cache type the architecture cannot give, -ENXIO when
 * the platform would bounce every DMA of @dev through swiotlb (see
 * mdl_dma_bounces()), -ENOMEM when the pages cannot be had, -EINTR on a
 * fatal signal. On error nothing is left allocated or mapped.
 */
struct drm_mdl *drm_mdl_alloc(struct device *dev,
			      const struct drm_mdl_request *req)
{
	return mdl_alloc(dev, req, 0, 0);
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
	return mdl_alloc(dev, &full, 0, 0);
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
	mdl_gpu_account_runs(mdl, -1);
	mdl_dma_unmap(mdl);
	put_device(mdl->dev);
	if (!mdl->poolable) {
		mdl_chunk_release_runs(mdl);
		mdl_release_descriptor(mdl);
	} else {
		mdl_chunk_disown_pages(mdl->page_count);
		/*
		 * A small descriptor stays whole for the next request of its
		 * size. A large one goes to the pool whole: cutting its runs
		 * into blocks touches every struct page, which for scattered
		 * pages costs more than the rest of the free. The zeroing
		 * worker does it, and frees the descriptor.
		 */
		if (!mdl_pool_keep_whole(mdl)) {
			mdl_chunk_split(mdl_first_page(mdl),
					&mdl->block_order);
			if (mdl->compact || !mdl_pool_adopt(mdl)) {
				mdl_pool_give(mdl);
				mdl_release_descriptor(mdl);
			}
		}
	}
	if (t) {
		mdl_phase_mark(DRM_MDL_PHASE_FREE, &t);
		__mdl_phase_count_free();
	}
}
EXPORT_SYMBOL_GPL(drm_mdl_free);
