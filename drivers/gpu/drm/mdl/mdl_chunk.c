// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The chunk allocator: fills one physical window with pages.
 *
 * Like TTM's pool it takes the largest chunk that the remaining count allows
 * and, like the dma-buf system heap, never retries an order that has failed.
 * The buddy allocator knows zones, not windows, so chunks it hands out
 * outside the window are held until the request ends (otherwise the next
 * call would return the very same chunk) and the attempts are bounded. When
 * the buddy allocator will not place memory inside the window, or a request
 * needs blocks larger than the buddy allocator's largest order, exact
 * placement (mdl_contig.c) takes the pfn range instead.
 */

#include <linux/bitmap.h>
#include <linux/gfp.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/pageblock-flags.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>

#include "mdl_internal.h"

/* Out-of-window chunks in a row before an order is given up for a window. */
#define MDL_REJECT_STREAK_MAX		64
/* FAST_LARGE_PAGES takes only what is readily free, so it gives up sooner. */
#define MDL_REJECT_STREAK_FAST		4

static atomic_long_t mdl_engine_pages = ATOMIC_LONG_INIT(0);

/**
 * mdl_pages_in_use - pages the engine holds right now
 *
 * Counts every page between allocation and release, held ones included, so
 * tests can prove that a failed request gives back every page it touched.
 *
 * Return: the number of pages.
 */
long mdl_pages_in_use(void)
{
	return atomic_long_read(&mdl_engine_pages);
}

static unsigned int mdl_max_buddy_order(void)
{
	return MAX_PAGE_ORDER;
}

/**
 * mdl_chunk_ctx_init - prepare the per-request allocator state
 * @ctx: the state
 * @plan: a validated plan
 * @nid: the device's NUMA node, or NUMA_NO_NODE
 * @gfp_extra: gfp bits the caller adds (e.g. __GFP_ACCOUNT for user space)
 */
void mdl_chunk_ctx_init(struct mdl_chunk_ctx *ctx, const struct mdl_plan *plan,
			int nid, gfp_t gfp_extra)
{
	ctx->plan = plan;
	ctx->nid = nid;
	if ((plan->flags & DRM_MDL_ALLOC_LOCAL_NODE_ONLY) && nid == NUMA_NO_NODE)
		ctx->nid = numa_node_id();
	ctx->gfp_extra = gfp_extra;
	ctx->max_order = mdl_max_buddy_order();
	INIT_LIST_HEAD(&ctx->held);
	ctx->nr_held = 0;
	ctx->nr_rejected = 0;
	ctx->contig_budget = MDL_CONTIG_FAILURES_MAX + 4 * plan->nr_pages;
	ctx->pb_checked = ULONG_MAX;
	ctx->pb_isolatable = false;
	ctx->bulk_short = false;
	ctx->ram_end_pfn = mdl_top_of_ram_pfn();
}

static u64 mdl_window_last_byte(const struct mdl_window *window)
{
	return PFN_PHYS(window->last_pfn + 1) - 1;
}

/* The narrowest zone whose pages can all lie inside the window. */
static gfp_t mdl_zone_gfp(const struct mdl_window *window)
{
	u64 last = mdl_window_last_byte(window);

	if (IS_ENABLED(CONFIG_ZONE_DMA) && last < SZ_16M)
		return GFP_USER | GFP_DMA;
	if (IS_ENABLED(CONFIG_ZONE_DMA32) && last < SZ_4G)
		return GFP_USER | GFP_DMA32;
	return GFP_HIGHUSER;
}

/**
 * mdl_chunk_gfp - the gfp mask for one chunk
 * @ctx: the request's allocator state
 * @window: the window the chunk is for
 * @order: the chunk's order
 *
 * Return: the mask for alloc_pages_node().
 */
gfp_t mdl_chunk_gfp(const struct mdl_chunk_ctx *ctx,
		    const struct mdl_window *window, unsigned int order)
{
	u32 flags = ctx->plan->flags;
	gfp_t gfp = mdl_zone_gfp(window) | __GFP_NOWARN | ctx->gfp_extra;

	if (!(flags & DRM_MDL_ALLOC_DONT_ZERO))
		gfp |= __GFP_ZERO;
	if (flags & DRM_MDL_ALLOC_LOCAL_NODE_ONLY)
		gfp |= __GFP_THISNODE;

	if (!order)
		/* Every request can fail cleanly: never wake the OOM killer. */
		gfp |= __GFP_RETRY_MAYFAIL;
	else if (flags & DRM_MDL_ALLOC_PREFER_CONTIGUOUS)
		gfp |= __GFP_RETRY_MAYFAIL;
	else if (flags & DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS)
		/* The blocks are the request: one round of reclaim for them. */
		gfp |= __GFP_NORETRY | __GFP_NOMEMALLOC;
	else
		/*
		 * A large chunk is only a nicety here: take what is free now,
		 * as the system heap does. In fragmented memory, reclaim and
		 * compaction for each order, or kswapd woken to compact for
		 * it, would cost more than the single pages that the request
		 * falls back to.
		 */
		gfp = (gfp | __GFP_NORETRY | __GFP_NOMEMALLOC) & ~__GFP_RECLAIM;

	if (flags & (DRM_MDL_ALLOC_NO_WAIT | DRM_MDL_ALLOC_FAST_LARGE_PAGES))
		gfp &= ~__GFP_DIRECT_RECLAIM;
	return gfp;
}

static struct page *mdl_buddy_alloc(const struct mdl_chunk_ctx *ctx,
				    const struct mdl_window *window,
				    unsigned int order)
{
	struct page *page;

	if (mdl_fault_should_fail(MDL_FAULT_PAGE))
		return NULL;
	page = alloc_pages_node(ctx->nid, mdl_chunk_gfp(ctx, window, order),
				order);
	if (page)
		atomic_long_add(1L << order, &mdl_engine_pages);
	return page;
}

/* Order 0 one page at a time; returns how many it stored at @pages. */
static unsigned long mdl_buddy_alloc_each(const struct mdl_chunk_ctx *ctx,
					  const struct mdl_window *window,
					  unsigned long nr_pages,
					  struct page **pages)
{
	unsigned long got;

	for (got = 0; got < nr_pages; got++) {
		pages[got] = mdl_buddy_alloc(ctx, window, 0);
		if (!pages[got])
			break;
	}
	return got;
}

/*
 * Order 0 in batches: the bulk allocator takes the zone and per-cpu list
 * locks once per batch instead of once per page. Returns how many of
 * @nr_pages it stored at the start of @pages.
 */
static unsigned long mdl_buddy_alloc_bulk(struct mdl_chunk_ctx *ctx,
					  const struct mdl_window *window,
					  unsigned long nr_pages,
					  struct page **pages)
{
	unsigned long got;

	/*
	 * For one page the bulk allocator only calls the single one, after
	 * its slot array was cleared for it; once it came back short in
	 * this request, it would for every page (below).
	 */
	if (nr_pages == 1 || ctx->bulk_short)
		return mdl_buddy_alloc_each(ctx, window, nr_pages, pages);
	if (mdl_fault_should_fail(MDL_FAULT_PAGE))
		return 0;
	/* It fills only empty slots. */
	memset(pages, 0, nr_pages * sizeof(*pages));
	got = alloc_pages_bulk_node(mdl_chunk_gfp(ctx, window, 0),
				    ctx->nid, nr_pages, pages);
	atomic_long_add(got, &mdl_engine_pages);
	/*
	 * In fragmented memory a batch comes back with a single page: the
	 * bulk allocator will not take from another migrate type's blocks
	 * and leaves that to the single page allocator, for one page. Each
	 * further batch would pay for both allocators per page (UML, 7.3:
	 * a scattered 64 MiB took 4.66 ms this way, 3.69 ms page by page).
	 */
	if (got < nr_pages)
		ctx->bulk_short = true;
	return got;
}

static bool mdl_range_in_window(const struct mdl_window *window,
				unsigned long pfn, unsigned long nr_pages)
{
	return pfn >= window->first_pfn &&
	       pfn + nr_pages - 1 <= window->last_pfn;
}

/*
 * Rejected pages are bounded per request, not per window: windows can be
 * millions, and held pages go back before each exact placement, so only a
 * count over the whole request bounds the buddy allocator's futile work.
 */
static bool mdl_may_hold_more(const struct mdl_chunk_ctx *ctx)
{
	return ctx->nr_rejected <= 2 * ctx->plan->nr_pages + SZ_1K;
}

static void mdl_hold(struct mdl_chunk_ctx *ctx, struct page *page,
		     unsigned int order)
{
	set_page_private(page, order);
	list_add_tail(&page->lru, &ctx->held);
	ctx->nr_held += 1UL << order;
	ctx->nr_rejected += 1UL << order;
}

/**
 * mdl_chunk_release_held - give back the out-of-window chunks of a request
 * @ctx: the request's allocator state
 */
void mdl_chunk_release_held(struct mdl_chunk_ctx *ctx)
{
	struct page *page, *tmp;

	list_for_each_entry_safe(page, tmp, &ctx->held, lru) {
		unsigned int order = page_private(page);

		list_del(&page->lru);
		set_page_private(page, 0);
		__free_pages(page, order);
		atomic_long_sub(1L << order, &mdl_engine_pages);
	}
	ctx->nr_held = 0;
}

/**
 * mdl_chunk_free_pages - release pages the engine handed out
 * @pages: order-0 pages, each individually refcounted
 * @count: number of pages
 */
void mdl_chunk_free_pages(struct page **pages, unsigned long count)
{
	unsigned long i;

	for (i = 0; i < count; i++)
		__free_page(pages[i]);
	atomic_long_sub(count, &mdl_engine_pages);
}

/* Hands the pages of a chunk to the list as individually freeable pages. */
static void mdl_accept(struct mdl_page_list *list, struct page *page,
		       unsigned int order)
{
	if (order)
		split_page(page, order);
	mdl_page_list_add(list, page, 1UL << order);
}

/* A chunk allocated as 2^order pages of which only @keep are wanted. */
static void mdl_accept_trimmed(struct mdl_page_list *list, struct page *page,
			       unsigned int order, unsigned long keep)
{
	unsigned long i;

	split_page(page, order);
	mdl_page_list_add(list, page, keep);
	for (i = keep; i < (1UL << order); i++) {
		__free_page(page + i);
		atomic_long_dec(&mdl_engine_pages);
	}
}

/**
 * mdl_chunk_check_interrupt - stop on a fatal signal, yield where allowed
 * @ctx: the request's allocator state
 *
 * Return: 0, or -EINTR when the caller is being killed.
 */
int mdl_chunk_check_interrupt(const struct mdl_chunk_ctx *ctx)
{
	if (fatal_signal_pending(current))
		return -EINTR;
	if (!(ctx->plan->flags & DRM_MDL_ALLOC_NO_WAIT))
		cond_resched();
	return 0;
}

static unsigned int mdl_reject_limit(const struct mdl_chunk_ctx *ctx)
{
	return (ctx->plan->flags & DRM_MDL_ALLOC_FAST_LARGE_PAGES) ?
	       MDL_REJECT_STREAK_FAST : MDL_REJECT_STREAK_MAX;
}

/**
 * mdl_chunk_spent - whether later windows could still get pages
 * @ctx: the request's allocator state
 *
 * Once the buddy allocator has given too many pages outside the windows,
 * exact placement is ruled out or out of attempts and the pool is empty,
 * every further window would come back empty: the walk may stop there
 * rather than visit each of millions of windows.
 *
 * Return: true when no later window can deliver.
 */
bool mdl_chunk_spent(const struct mdl_chunk_ctx *ctx)
{
	return !mdl_may_hold_more(ctx) &&
	       (!mdl_contig_allowed(ctx) || !ctx->contig_budget) &&
	       !mdl_pool_pages();
}

/*
 * One batch of single pages: those inside the window join the list, the
 * others are held. Sets @window_bites when too many in a row were outside
 * or the hold budget is spent. Returns how many pages the buddy allocator
 * gave; 0 means it has none left.
 */
static unsigned long mdl_fill_order0_batch(struct mdl_chunk_ctx *ctx,
					   const struct mdl_window *window,
					   struct mdl_page_list *list,
					   unsigned long nr_pages,
					   unsigned int *streak,
					   bool *window_bites)
{
	struct page **batch = list->pages + list->count;
	unsigned long got, i;

	got = mdl_buddy_alloc_bulk(ctx, window, nr_pages, batch);
	/* Compacts in place: the list never overtakes the batch. */
	for (i = 0; i < got; i++) {
		struct page *page = batch[i];

		if (mdl_range_in_window(window, page_to_pfn(page), 1)) {
			mdl_page_list_add(list, page, 1);
			*streak = 0;
		} else {
			mdl_hold(ctx, page, 0);
			++*streak;
		}
	}
	if (*streak >= mdl_reject_limit(ctx) || !mdl_may_hold_more(ctx))
		*window_bites = true;
	return got;
}

/*
 * The order ladder pays from a few hundred KiB up: chunks of 2 MiB map as
 * IOMMU superpages and a gigabyte is a few hundred runs to describe. Below
 * it single pages win. They come hot from the per-cpu lists, where the
 * last frees went, while a higher order comes from the buddy lists, cold
 * in the cache, and a freed request goes back as single pages, never
 * as the block it came from (measured in UML, pool drained: 16 KiB 2.6 us
 * with the ladder, 1.15 us without; 64 KiB 8.9 against 3.3; 256 KiB 26.6
 * against 11.1). A caller that asks for contiguity still gets the ladder.
 */
static unsigned int mdl_order_cap(const struct mdl_chunk_ctx *ctx,
				  const struct mdl_page_list *list)
{
	if (list->capacity <= MDL_SMALL_PAGES &&
	    !(ctx->plan->flags & DRM_MDL_ALLOC_PREFER_CONTIGUOUS))
		return 0;
	return ctx->max_order;
}

/* Scattered pages: the order ladder, then exact ranges if the window bites. */
static int mdl_fill_scattered(struct mdl_chunk_ctx *ctx,
			      const struct mdl_window *window,
			      struct mdl_page_list *list)
{
	unsigned long span = window->last_pfn - window->first_pfn + 1;
	unsigned int order_cap = mdl_order_cap(ctx, list);
	unsigned int streak = 0;
	bool window_bites = !mdl_may_hold_more(ctx);
	int ret;

	while (!window_bites && list->count < list->capacity) {
		unsigned long remaining = list->capacity - list->count;
		unsigned int order;
		struct page *page;

		order = min3(order_cap, (unsigned int)ilog2(remaining),
			     (unsigned int)ilog2(span));
		ret = mdl_chunk_check_interrupt(ctx);
		if (ret)
			return ret;

		if (!order) {
			unsigned long batch = min3(remaining, span,
						   (unsigned long)mdl_reject_limit(ctx));

			if (!mdl_fill_order0_batch(ctx, window, list, batch,
						   &streak, &window_bites))
				break;
			continue;
		}
		page = mdl_buddy_alloc(ctx, window, order);
		if (!page) {
			/* An order that failed once is not retried. */
			ctx->max_order = min(ctx->max_order, order - 1);
			order_cap = min(order_cap, order - 1);
			continue;
		}
		if (mdl_range_in_window(window, page_to_pfn(page), 1UL << order)) {
			mdl_accept(list, page, order);
			streak = 0;
			continue;
		}
		mdl_hold(ctx, page, order);
		if (++streak < mdl_reject_limit(ctx) && mdl_may_hold_more(ctx))
			continue;
		streak = 0;
		if (mdl_may_hold_more(ctx)) {
			order_cap = order - 1;
			continue;
		}
		window_bites = true;
		break;
	}

	if (list->count < list->capacity && window_bites &&
	    mdl_contig_allowed(ctx)) {
		mdl_contig_prepare(ctx);
		return mdl_contig_scatter(ctx, window, list);
	}
	return 0;
}

/*
 * Whether every page the buddy allocator could return lies inside @window:
 * it starts at pfn 0 and the device reaches all of RAM.
 */
static bool mdl_window_takes_any(const struct mdl_chunk_ctx *ctx,
				 const struct mdl_window *window)
{
	return !window->first_pfn && window->last_pfn + 1 >= ctx->ram_end_pfn;
}

/*
 * A whole small cached request of 2^order pages as one buddy block, left
 * unsplit. Freed, it goes back as that block: from the pool's drain or
 * the free of a request charged to a cgroup it lands on the per-cpu list
 * of its order, hot, where the next request of its size finds it, as
 * TTM's pool does with its blocks. Split, its pages would go back one by
 * one and the next block would come cold from the buddy lists, slower
 * than single pages (mdl_order_cap()). Only sizes the pool keeps whole,
 * which it never cuts into its own blocks.
 */
static bool mdl_fill_block(struct mdl_chunk_ctx *ctx,
			   const struct mdl_window *window,
			   struct mdl_page_list *list)
{
	unsigned long n = list->capacity;
	struct page *page;

	if (list->count || n < 2 || !is_power_of_2(n) ||
	    !mdl_pool_keeps_whole(n) ||
	    ctx->plan->cache_type != DRM_MDL_CACHE_CACHED)
		return false;
	page = mdl_buddy_alloc(ctx, window, ilog2(n));
	if (!page)
		return false;
	mdl_page_list_add(list, page, n);
	list->block_order = ilog2(n);
	return true;
}

/*
 * A small request that any page fits: one block, or single pages as
 * mdl_order_cap() explains, straight into the list. Nothing can land
 * outside the window, so there is nothing to check, hold or give up on,
 * and the ladder's bookkeeping, a tenth of a cold 4 KiB request, is
 * skipped.
 */
static int mdl_fill_any(struct mdl_chunk_ctx *ctx,
			const struct mdl_window *window,
			struct mdl_page_list *list)
{
	if (mdl_fill_block(ctx, window, list))
		return 0;
	while (list->count < list->capacity) {
		struct page **batch = list->pages + list->count;
		unsigned long got, i;
		int ret;

		got = mdl_buddy_alloc_bulk(ctx, window,
					   list->capacity - list->count, batch);
		if (!got)
			break;
		for (i = 0; i < got; i++)
			mdl_page_list_add(list, batch[i], 1);
		if (list->count < list->capacity) {
			ret = mdl_chunk_check_interrupt(ctx);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/*
 * A buddy chunk of 2^@order pages whose first @nr_pages lie inside the
 * window. Chunks outside it are held; after mdl_reject_limit() of them in a
 * row, or when the buddy allocator has none, NULL.
 */
static struct page *mdl_buddy_in_window(struct mdl_chunk_ctx *ctx,
					const struct mdl_window *window,
					unsigned int order,
					unsigned long nr_pages)
{
	unsigned int attempt;
	int ret;

	if (order > mdl_max_buddy_order())
		return NULL;
	for (attempt = 0; attempt < mdl_reject_limit(ctx); attempt++) {
		struct page *page;

		ret = mdl_chunk_check_interrupt(ctx);
		if (ret)
			return ERR_PTR(ret);
		page = mdl_buddy_alloc(ctx, window, order);
		if (!page)
			return NULL;
		if (mdl_range_in_window(window, page_to_pfn(page), nr_pages))
			return page;
		mdl_hold(ctx, page, order);
	}
	return NULL;
}

/* Blocks of 2^order pages, aligned to their size, inside the window. */
static int mdl_fill_blocks(struct mdl_chunk_ctx *ctx,
			   const struct mdl_window *window,
			   struct mdl_page_list *list, unsigned int order)
{
	unsigned long block = 1UL << order;

	while (list->count < list->capacity) {
		struct page *page = mdl_buddy_in_window(ctx, window, order,
							block);

		if (IS_ERR(page))
			return PTR_ERR(page);
		if (!page)
			break;
		mdl_accept(list, page, order);
	}
	if (list->count < list->capacity && mdl_contig_allowed(ctx)) {
		mdl_contig_prepare(ctx);
		return mdl_contig_fill(ctx, window, list, block, block);
	}
	return 0;
}

/* One contiguous block of exactly the requested size. */
static int mdl_fill_single_block(struct mdl_chunk_ctx *ctx,
				 const struct mdl_window *window,
				 struct mdl_page_list *list)
{
	unsigned long want = list->capacity - list->count;
	unsigned int order = order_base_2(want);
	struct page *page = mdl_buddy_in_window(ctx, window, order, want);

	if (IS_ERR(page))
		return PTR_ERR(page);
	if (page) {
		mdl_accept_trimmed(list, page, order, want);
		return 0;
	}
	if (!mdl_contig_allowed(ctx))
		return 0;
	mdl_contig_prepare(ctx);
	return mdl_contig_fill(ctx, window, list, want,
			       min_t(unsigned long, roundup_pow_of_two(want),
				     pageblock_nr_pages));
}

/**
 * mdl_chunk_release_pages - restore write-back and free pages of a request
 * @pages: order-0 pages in @cache_type's state
 * @count: number of pages
 * @cache_type: their DRM_MDL_CACHE_*
 */
void mdl_chunk_release_pages(struct page **pages, unsigned long count,
			     u32 cache_type)
{
	mdl_cache_restore(pages, count, cache_type);
	mdl_chunk_free_pages(pages, count);
}

/**
 * mdl_chunk_split - make an unsplit block single pages
 * @head: the block's first page
 * @block_order: the &drm_mdl.block_order or &mdl_page_list.block_order of
 *               the pages; 0 afterwards
 *
 * For whoever hands the pages on one by one: the pool, which files them by
 * its own block sizes, and the error paths, which free a list page by page.
 */
void mdl_chunk_split(struct page *head, unsigned int *block_order)
{
	if (!*block_order)
		return;
	split_page(head, *block_order);
	*block_order = 0;
}

/**
 * mdl_chunk_release_runs - restore write-back and free the pages of an MDL
 * @mdl: the allocation, unmapped; its descriptor stays
 */
void mdl_chunk_release_runs(const struct drm_mdl *mdl)
{
	/* Written before it is read: no need for the stack's zeroing. */
	struct page *batch[64] __uninitialized;
	struct mdl_run_iter it __uninitialized;
	struct page *page;
	unsigned int n = 0;

	if (mdl->block_order) {
		struct page *head = mdl_first_page(mdl);

		for (n = 0; n < mdl->page_count; n++)
			batch[n] = mdl_page_at(head, n);
		mdl_cache_restore(batch, n, mdl->cache_type);
		__free_pages(head, mdl->block_order);
		atomic_long_sub(n, &mdl_engine_pages);
		return;
	}

	/* set_pages_array_wb() wants an array: a small one at a time. */
	mdl_run_start(&it, mdl);
	while ((page = mdl_run_next_page(&it))) {
		batch[n++] = page;
		if (n == ARRAY_SIZE(batch)) {
			mdl_chunk_release_pages(batch, n, mdl->cache_type);
			n = 0;
		}
	}
	mdl_chunk_release_pages(batch, n, mdl->cache_type);
}

/**
 * mdl_chunk_disown_pages - pages leave the engine's count for the pool
 * @count: number of pages
 */
void mdl_chunk_disown_pages(unsigned long count)
{
	atomic_long_sub(count, &mdl_engine_pages);
}

/**
 * mdl_chunk_own_pages - pages from outside the buddy ladder join the count
 * @count: number of pages (from the pool or from exact placement)
 */
void mdl_chunk_own_pages(unsigned long count)
{
	atomic_long_add(count, &mdl_engine_pages);
}

/*
 * Pooled pages are zeroed and already in their caching state. Blocks and
 * single contiguous blocks need exact sizes the pool does not keep, and
 * pages charged to a memory cgroup must come fresh (see mdl_pool.c).
 */
static bool mdl_chunk_may_use_pool(const struct mdl_chunk_ctx *ctx)
{
	return !(ctx->plan->flags & DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS) &&
	       !(ctx->gfp_extra & __GFP_ACCOUNT);
}

static int mdl_chunk_fill_fresh(struct mdl_chunk_ctx *ctx,
				const struct mdl_window *window,
				struct mdl_page_list *list)
{
	const struct mdl_plan *plan = ctx->plan;

	if (!(plan->flags & DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS)) {
		if (!mdl_order_cap(ctx, list) &&
		    mdl_window_takes_any(ctx, window))
			return mdl_fill_any(ctx, window, list);
		return mdl_fill_scattered(ctx, window, list);
	}
	if (plan->skip)
		return mdl_fill_blocks(ctx, window, list, plan->block_order);
	return mdl_fill_single_block(ctx, window, list);
}

/**
 * mdl_chunk_fill_window - allocate pages inside one window
 * @ctx: the request's allocator state
 * @window: the window, in pfns
 * @list: pages gathered so far; filled towards its capacity
 *
 * Takes clean pooled pages first, then fresh ones. Fresh pages stay
 * write-back until mdl_chunk_apply_cache(): a request that cannot be met
 * must not pay for attribute changes, whose page-table splits need memory
 * the request may just have taken. Stops when @list is full or the window
 * gives nothing more. Chunks that came back outside the window stay on
 * @ctx's held list until mdl_chunk_release_held().
 *
 * Return: 0 (check @list->count for progress), or -EINTR on a fatal signal.
 */
int mdl_chunk_fill_window(struct mdl_chunk_ctx *ctx,
			  const struct mdl_window *window,
			  struct mdl_page_list *list)
{
	const struct mdl_plan *plan = ctx->plan;
	unsigned long fresh;
	int ret;

	/*
	 * The pool path never sleeps or loops: check for a kill up front,
	 * except in the first window of a small request, which is done
	 * sooner than a check costs it.
	 */
	if (window->index || list->capacity > MDL_SMALL_PAGES) {
		ret = mdl_chunk_check_interrupt(ctx);
		if (ret)
			return ret;
	}
	if (mdl_chunk_may_use_pool(ctx)) {
		int nid = (plan->flags & DRM_MDL_ALLOC_LOCAL_NODE_ONLY) ?
			  ctx->nid : NUMA_NO_NODE;
		unsigned long first = list->count, taken;

		taken = mdl_pool_take(list, window, plan->cache_type, nid);
		if (taken) {
			mdl_chunk_own_pages(taken);
			if (list->pooled)
				bitmap_set(list->pooled, first, taken);
		}
	}
	fresh = list->count;
	ret = mdl_chunk_fill_fresh(ctx, window, list);
	if (list->count > fresh && mdl_chunk_may_use_pool(ctx))
		mdl_pool_count_miss(list->count - fresh);
	return ret;
}

/**
 * mdl_chunk_apply_cache - switch the fresh pages of a list to the cache type
 * @list: every page of a request that will succeed
 * @cache_type: DRM_MDL_CACHE_*
 *
 * Pooled pages are skipped: they kept their caching state in the pool. On
 * failure the pages are in mixed states; mdl_chunk_release_pages() restores
 * write-back on all of them, which is harmless for the unconverted ones.
 *
 * Return: 0 or the error of the attribute change.
 */
int mdl_chunk_apply_cache(struct mdl_page_list *list, u32 cache_type)
{
	unsigned long start, end;
	int ret;

	if (!list->pooled)
		return mdl_cache_apply(list->pages, list->count, cache_type);

	/* One call per run of fresh pages: each call costs a TLB flush. */
	for (start = find_first_zero_bit(list->pooled, list->count);
	     start < list->count;
	     start = find_next_zero_bit(list->pooled, list->count, end)) {
		end = find_next_bit(list->pooled, list->count, start);
		ret = mdl_cache_apply(list->pages + start, end - start,
				      cache_type);
		if (ret)
			return ret;
	}
	return 0;
}
