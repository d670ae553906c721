// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Exact placement: pages at the pfns a window names, taken with
 * alloc_contig_range(), which migrates what is movable out of the way.
 *
 * The chunk allocator (mdl_chunk.c) comes here when the buddy allocator
 * keeps handing out pages outside the window, or when a request wants
 * blocks larger than its largest order. Isolation is expensive and fails
 * for a whole pageblock if one page in it is pinned, so each attempt is
 * preceded by a cheap look at the pageblock, and failures are budgeted.
 */

#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/pageblock-flags.h>

#include "mdl_internal.h"

/**
 * mdl_contig_prepare - clear the way before exact placement
 * @ctx: the request's allocator state
 *
 * Held chunks and idle pooled pages are allocated and unmovable, so they
 * would only block the isolation of their pageblocks. The pool is a cache;
 * a window that bites empties it.
 */
void mdl_contig_prepare(struct mdl_chunk_ctx *ctx)
{
	struct drm_mdl_pool_stats stats;

	mdl_chunk_release_held(ctx);
	drm_mdl_pool_get_stats(&stats);
	if (stats.clean_pages || stats.dirty_pages)
		drm_mdl_pool_drain();
}

/**
 * mdl_contig_allowed - whether a request may use exact placement
 * @ctx: the request's allocator state
 *
 * alloc_contig_range() charges no memory cgroup, and 6.1 exports no way to
 * charge pages afterwards. A request charged to a cgroup (an ioctl caller
 * in one, see mdl_user_gfp()) therefore never gets exact placement: each
 * such request would take memory past memory.max, and a container could
 * repeat it without bound. It gets what the buddy allocator can place, or
 * -ENOMEM. Requests that must not sleep, or want only what is readily
 * free, do not migrate pages either, and neither do those of callers
 * without CAP_SYS_ADMIN (MDL_PLAN_UNPRIVILEGED).
 *
 * Return: true if mdl_contig_fill() and mdl_contig_scatter() may be used.
 */
bool mdl_contig_allowed(const struct mdl_chunk_ctx *ctx)
{
	return IS_ENABLED(CONFIG_CONTIG_ALLOC) &&
	       !(ctx->gfp_extra & __GFP_ACCOUNT) &&
	       !(ctx->plan->flags & (DRM_MDL_ALLOC_NO_WAIT |
				     DRM_MDL_ALLOC_FAST_LARGE_PAGES |
				     MDL_PLAN_UNPRIVILEGED));
}

/*
 * A page in the buddy allocator or on a per-cpu list. A reference count of
 * 0 alone does not tell: see mdl_page_free_or_movable().
 */
static bool mdl_page_free(struct page *page)
{
	if (PageBuddy(page))
		return true;
	return !page_count(page) && !PageCompound(page) && !page_has_type(page);
}

/**
 * mdl_page_free_or_movable - whether isolation could take a page
 * @page: any online page
 *
 * Free pages, in the buddy allocator or on a per-cpu list, and pages on the
 * LRU, which migrate; other movable pages are rare enough to leave alone.
 * A reference count of 0 alone does not mean free: since 6.14 slab pages,
 * and later large kmalloc ones, are allocated frozen, with a count of 0
 * that only their page type or compound head tells apart, and isolation
 * refuses the pageblocks that hold them.
 *
 * Return: true when the page need not block its pageblock's isolation.
 */
bool mdl_page_free_or_movable(struct page *page)
{
	return mdl_page_free(page) || PageLRU(page);
}

/*
 * A cheap look before the expensive isolation: alloc_contig_range() can take
 * a page only when it is free or movable, and a range only inside one zone.
 *
 * Never from ZONE_MOVABLE: the pages would stay pinned where the kernel
 * promised memory offline and hot-remove that everything is movable, and
 * isolation there checks nothing (FOLL_LONGTERM migrates pins out of it for
 * the same reason). Never from an offline section either, which pfn_valid()
 * still accepts. CMA pageblocks refuse isolation as movable ones (see
 * mdl_alloc_contig_range()); their pages look free, and the first attempt
 * that fails there gives the whole pageblock up (mdl_pageblock_refused()).
 */
static bool mdl_page_takeable(const struct mdl_chunk_ctx *ctx, unsigned long pfn,
			      struct zone *zone)
{
	struct page *page = pfn_to_online_page(pfn);

	if (!page || page_zone(page) != zone || PageReserved(page))
		return false;
	if ((ctx->plan->flags & DRM_MDL_ALLOC_LOCAL_NODE_ONLY) &&
	    zone_to_nid(zone) != ctx->nid)
		return false;
	return mdl_page_free_or_movable(page);
}

static struct zone *mdl_pfn_zone(unsigned long pfn)
{
	struct page *page = pfn_to_online_page(pfn);
	struct zone *zone = page ? page_zone(page) : NULL;

	return zone && zone_idx(zone) != ZONE_MOVABLE ? zone : NULL;
}

/*
 * Whether @pfn's pageblock was found busy or refused earlier in this
 * request: it stays so, and windows sharing it look once.
 */
static bool mdl_pageblock_known_refused(const struct mdl_chunk_ctx *ctx,
					unsigned long pfn)
{
	return ctx->pb_checked == ALIGN_DOWN(pfn, pageblock_nr_pages) &&
	       !ctx->pb_isolatable;
}

/*
 * 6.1's page isolation checks the whole pageblock at either end of a range,
 * not only the pages asked for, so a pageblock holding one unmovable page
 * cannot give even its free pages. Look before paying for the attempt.
 * The look also keeps isolation away from pageblocks that hold kernel
 * allocations: alloc_contig_range() leaves every pageblock it touched
 * MIGRATE_MOVABLE, which is only true of one whose pages are all free or
 * movable.
 */
static bool mdl_pageblock_isolatable(struct mdl_chunk_ctx *ctx,
				     unsigned long pfn)
{
	unsigned long start = ALIGN_DOWN(pfn, pageblock_nr_pages);
	struct zone *zone = mdl_pfn_zone(pfn);
	unsigned long i;

	if (mdl_pageblock_known_refused(ctx, pfn))
		return false;
	ctx->pb_checked = start;
	ctx->pb_isolatable = false;
	if (!zone)
		return false;
	for (i = start; i < start + pageblock_nr_pages; i++)
		if (!mdl_page_takeable(ctx, i, zone))
			return false;
	ctx->pb_isolatable = true;
	return true;
}

/*
 * After a failed attempt at @nr_pages from @pfn: when every page of the
 * range is free, the cause was its pageblock, not a page in it. CMA
 * pageblocks refuse isolation as movable, and somebody else may hold one
 * isolated; no part of the range would do better, so the pageblock is
 * recorded as refused instead of being bisected down to single pages.
 */
static bool mdl_pageblock_refused(struct mdl_chunk_ctx *ctx, unsigned long pfn,
				  unsigned long nr_pages)
{
	unsigned long i;

	for (i = pfn; i < pfn + nr_pages; i++)
		if (!mdl_page_free(pfn_to_page(i)))
			return false;
	ctx->pb_checked = ALIGN_DOWN(pfn, pageblock_nr_pages);
	ctx->pb_isolatable = false;
	return true;
}

static bool mdl_contig_candidate(struct mdl_chunk_ctx *ctx,
				 unsigned long pfn, unsigned long nr_pages)
{
	unsigned long i;

	for (i = ALIGN_DOWN(pfn, pageblock_nr_pages); i < pfn + nr_pages;
	     i += pageblock_nr_pages)
		if (!mdl_pageblock_isolatable(ctx, i))
			return false;
	return true;
}

static int mdl_contig_take(const struct mdl_chunk_ctx *ctx,
			   unsigned long pfn, unsigned long nr_pages)
{
#ifdef CONFIG_CONTIG_ALLOC
	gfp_t gfp = GFP_KERNEL | __GFP_NOWARN | __GFP_RETRY_MAYFAIL;
	unsigned long i;
	int ret;

	if (mdl_fault_should_fail(MDL_FAULT_CONTIG))
		return -EBUSY;
	ret = mdl_alloc_contig_range(pfn, pfn + nr_pages, gfp);
	if (ret)
		return ret;
	mdl_chunk_own_pages(nr_pages);
	if (!(ctx->plan->flags & DRM_MDL_ALLOC_DONT_ZERO))
		for (i = 0; i < nr_pages; i++)
			clear_highpage(pfn_to_page(pfn + i));
	return 0;
#else
	return -EOPNOTSUPP;
#endif
}

/**
 * mdl_contig_fill - blocks of exact ranges inside a window
 * @ctx: the request's allocator state
 * @window: the window, in pfns
 * @list: pages gathered so far; filled towards its capacity
 * @run: pages per range
 * @align: pfn alignment of each range's start
 *
 * Takes ranges of @run pages, starting on @align boundaries inside the
 * window, until @list is full, the window is spent or
 * MDL_CONTIG_FAILURES_MAX attempts in a row failed.
 *
 * Return: 0 (check @list->count for progress), or -EINTR.
 */
int mdl_contig_fill(struct mdl_chunk_ctx *ctx, const struct mdl_window *window,
		    struct mdl_page_list *list, unsigned long run,
		    unsigned long align)
{
	unsigned long pfn = ALIGN(window->first_pfn, align);
	unsigned int failures = 0;
	int ret;

	while (list->count < list->capacity && pfn <= window->last_pfn &&
	       run - 1 <= window->last_pfn - pfn &&
	       failures < MDL_CONTIG_FAILURES_MAX) {
		ret = mdl_chunk_check_interrupt(ctx);
		if (ret)
			return ret;
		/* Only real attempts count: the cheap look may skip any number. */
		if (!mdl_contig_candidate(ctx, pfn, run)) {
			pfn += align;
			continue;
		}
		if (mdl_contig_take(ctx, pfn, run)) {
			mdl_pageblock_refused(ctx, pfn, run);
			failures++;
			pfn += align;
			continue;
		}
		mdl_page_list_add(list, pfn_to_page(pfn), run);
		failures = 0;
		pfn += ALIGN(run, align);
	}
	return 0;
}

/*
 * Takes @nr_pages at @pfn, or failing that each half of them, down to single
 * pages: one page in use must not cost the free pages around it.
 */
static int mdl_contig_bisect(struct mdl_chunk_ctx *ctx, unsigned long pfn,
			     unsigned long nr_pages, struct mdl_page_list *list,
			     unsigned long *budget)
{
	unsigned long half;
	int ret;

	nr_pages = min(nr_pages, list->capacity - list->count);
	if (!nr_pages || !*budget)
		return 0;
	/* The other half of a refused pageblock is refused too. */
	if (mdl_pageblock_known_refused(ctx, pfn))
		return 0;
	ret = mdl_chunk_check_interrupt(ctx);
	if (ret)
		return ret;
	if (!mdl_contig_take(ctx, pfn, nr_pages)) {
		mdl_page_list_add(list, pfn_to_page(pfn), nr_pages);
		return 0;
	}
	(*budget)--;
	if (nr_pages == 1 || mdl_pageblock_refused(ctx, pfn, nr_pages))
		return 0;
	half = nr_pages / 2;
	ret = mdl_contig_bisect(ctx, pfn, half, list, budget);
	if (ret)
		return ret;
	return mdl_contig_bisect(ctx, pfn + half, nr_pages - half, list, budget);
}

/**
 * mdl_contig_scatter - single pages by exact placement inside a window
 * @ctx: the request's allocator state
 * @window: the window, in pfns
 * @list: pages gathered so far; filled towards its capacity
 *
 * Takes the window's part of every pageblock that isolation can take,
 * until the window is dry. Failed attempts are budgeted in proportion to
 * the request, across its windows (@ctx->contig_budget), so windows of
 * pinned pages cost bounded time.
 *
 * Return: 0 (check @list->count for progress), or -EINTR.
 */
int mdl_contig_scatter(struct mdl_chunk_ctx *ctx,
		       const struct mdl_window *window,
		       struct mdl_page_list *list)
{
	unsigned long *budget = &ctx->contig_budget;
	unsigned long pfn = window->first_pfn;
	int ret;

	while (list->count < list->capacity && pfn <= window->last_pfn &&
	       *budget) {
		unsigned long end = min3(ALIGN(pfn + 1, pageblock_nr_pages),
					 window->last_pfn + 1,
					 pfn + (list->capacity - list->count));

		if (mdl_pageblock_isolatable(ctx, pfn)) {
			ret = mdl_contig_bisect(ctx, pfn, end - pfn, list,
						budget);
			if (ret)
				return ret;
		}
		pfn = ALIGN(pfn + 1, pageblock_nr_pages);
	}
	return 0;
}
