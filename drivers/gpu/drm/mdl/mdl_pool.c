// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The pre-zeroed page pool, in the spirit of Windows' zeroed-page list and
 * TTM's write-combined and uncached pools.
 *
 * Freed allocations park their pages here as "dirty" blocks; a worker zeroes
 * them off the allocating caller's path and files them as "clean", by order
 * and cache type. Like Windows' zero-page thread, the worker runs at the
 * lowest priority: zeroing is done with CPU time nobody else wants, never
 * by preempting the task that just freed the pages. Pages keep their
 * caching state while pooled, so the costly attribute change and TLB flush
 * happen once, not per allocation. A shrinker gives pooled pages back under
 * memory pressure and a module parameter bounds the pool.
 *
 * Small allocations are kept whole: descriptor, entries and pages stay
 * together, and once zeroed the next request of the same size and cache
 * type takes them as they are. That skips gathering and describing, which
 * for a page or four cost more than the page allocation itself. Their
 * frees do not wake the worker until a megabyte is dirty, or until a
 * request misses while dirty pages wait: waking it on every free cost more
 * than the rest of a small warm free.
 *
 * Pages charged to a memory cgroup (__GFP_ACCOUNT, the ioctl path) never
 * enter the pool: 6.1 exports no way to move a charge, and a pooled page
 * handed to another cgroup would escape its limit.
 */

#include <linux/debugfs.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/shrinker.h>
#include <linux/spinlock.h>
#include <linux/highmem.h>

#include "mdl_internal.h"
#include "mdl_trace.h"

/* PMD-sized blocks (IOMMU superpages), 64 KiB blocks, single pages. */
static const unsigned int mdl_pool_orders[] = {
	PMD_SHIFT - PAGE_SHIFT, 4, 0
};

#define MDL_POOL_NR_ORDERS	ARRAY_SIZE(mdl_pool_orders)
#define MDL_POOL_NR_TYPES	3
/* Non-fitting blocks looked at per list before giving up on it. */
#define MDL_POOL_SCAN_MAX	8

/*
 * Freed pages wait this long for company before the worker wakes, so a
 * burst of frees costs one wakeup, not one each; this much dirty memory
 * wakes it at once.
 */
#define MDL_POOL_ZERO_DELAY	max(1, HZ / 100)
#define MDL_POOL_ZERO_NOW_PAGES	(SZ_128M >> PAGE_SHIFT)
/*
 * Small allocations kept whole wake the worker only once this much is
 * dirty, or when a request finds nothing clean while dirty pages wait
 * (mdl_pool_count_miss()). Arming its timer on every free was a third of
 * a warm 4 KiB free behind an IOMMU; the next request of the size either
 * finds the allocation zeroed or asks for it.
 */
#define MDL_POOL_LAZY_PAGES	(SZ_1M >> PAGE_SHIFT)

static unsigned int mdl_pool_max_mb = 256;
module_param_named(pool_max_mb, mdl_pool_max_mb, uint, 0644);
MODULE_PARM_DESC(pool_max_mb,
		 "Most memory the pre-zeroed page pool keeps, in MiB; 0 disables it (default: 256, at most a quarter of RAM)");

/*
 * Allocations of every size up to this many pages are kept whole, and of
 * the powers of two above it up to MDL_SMALL_PAGES...
 */
#define MDL_POOL_WHOLE_ANY_PAGES	16
#define MDL_POOL_WHOLE_SIZES		(MDL_POOL_WHOLE_ANY_PAGES + \
					 const_ilog2(MDL_SMALL_PAGES) - \
					 const_ilog2(MDL_POOL_WHOLE_ANY_PAGES))
/* ... up to this many of each size and cache type. */
#define MDL_POOL_WHOLE_MAX_COUNT	64

struct mdl_pool_list {
	struct list_head blocks;
	unsigned long nr_pages;
};

/* Zeroed allocations of one size and cache type, kept whole. */
struct mdl_pool_whole {
	struct list_head mdls;
	unsigned int count;	/* here and waiting in whole_dirty */
};

static struct mdl_pool {
	spinlock_t lock;	/* protects the lists, their counts, ready, hits */
	struct mdl_pool_list clean[MDL_POOL_NR_TYPES][MDL_POOL_NR_ORDERS];
	struct mdl_pool_whole whole[MDL_POOL_NR_TYPES][MDL_POOL_WHOLE_SIZES];
	struct list_head dirty;
	struct list_head adopted;
	struct list_head whole_dirty;
	unsigned long nr_clean;
	unsigned long nr_dirty;
	bool ready;
	/* Counted under the lock that taking the pages holds anyway. */
	unsigned long hits;
	atomic_long_t misses;
	struct kthread_worker *zero_worker;
	struct kthread_delayed_work zero_work;
	struct shrinker *shrinker;
	struct dentry *debugfs;
} mdl_pool = {
	.lock = __SPIN_LOCK_UNLOCKED(mdl_pool.lock),
	.dirty = LIST_HEAD_INIT(mdl_pool.dirty),
	.adopted = LIST_HEAD_INIT(mdl_pool.adopted),
	.whole_dirty = LIST_HEAD_INIT(mdl_pool.whole_dirty),
};

/* A block is its first page on a list; page->private says what it is. */
static unsigned long mdl_block_tag(unsigned int order_index, u32 cache_type)
{
	return order_index | (cache_type << 8);
}

static unsigned int mdl_block_order_index(struct page *head)
{
	return page_private(head) & 0xff;
}

static u32 mdl_block_cache_type(struct page *head)
{
	return page_private(head) >> 8;
}

static unsigned long mdl_block_pages(struct page *head)
{
	return 1UL << mdl_pool_orders[mdl_block_order_index(head)];
}

static unsigned long mdl_pool_limit(void)
{
	unsigned long limit = (unsigned long)READ_ONCE(mdl_pool_max_mb) <<
			      (20 - PAGE_SHIFT);

	return min(limit, totalram_pages() / 4);
}

/*
 * Gives pages back to the buddy allocator in write-back state: single pages,
 * or with @unsplit the one block of 2^n pages they are.
 */
static void mdl_pool_release(struct page *head, unsigned long nr_pages,
			     u32 cache_type, bool unsplit)
{
	/* Written before it is read: no need for the stack's zeroing. */
	struct page *pages[64] __uninitialized;
	unsigned long i, done = 0;

	/* set_pages_array_wb() wants an array; convert in small batches. */
	while (done < nr_pages) {
		unsigned long n = min_t(unsigned long, nr_pages - done,
					ARRAY_SIZE(pages));

		for (i = 0; i < n; i++)
			pages[i] = head + done + i;
		mdl_cache_restore(pages, n, cache_type);
		for (i = 0; i < n && !unsplit; i++)
			__free_page(pages[i]);
		done += n;
	}
	if (unsplit)
		__free_pages(head, ilog2(nr_pages));
}

static bool mdl_block_fits(struct page *head, unsigned long nr_pages,
			   const struct mdl_window *window, int nid)
{
	unsigned long pfn = page_to_pfn(head);

	if (pfn < window->first_pfn || pfn + nr_pages - 1 > window->last_pfn)
		return false;
	return nid == NUMA_NO_NODE || page_to_nid(head) == nid;
}

/**
 * mdl_pool_take - hand out clean pooled pages for one window
 * @list: pages gathered so far; filled towards its capacity
 * @window: the window the pages must lie in
 * @cache_type: the caching state the pages must already be in
 * @nid: required node, or NUMA_NO_NODE
 *
 * Largest blocks first, never more than the list still wants.
 *
 * Return: the number of pages added to @list.
 */
unsigned long mdl_pool_take(struct mdl_page_list *list,
			    const struct mdl_window *window, u32 cache_type,
			    int nid)
{
	unsigned long taken = 0;
	unsigned int o;

	if (cache_type >= MDL_POOL_NR_TYPES || !READ_ONCE(mdl_pool.nr_clean))
		return 0;

	spin_lock(&mdl_pool.lock);
	for (o = 0; o < MDL_POOL_NR_ORDERS; o++) {
		struct mdl_pool_list *clean = &mdl_pool.clean[cache_type][o];
		unsigned long n = 1UL << mdl_pool_orders[o];
		struct page *head, *tmp;
		unsigned int scanned = 0;

		list_for_each_entry_safe(head, tmp, &clean->blocks, lru) {
			unsigned long left = list->capacity - list->count;

			if (left < n)
				break;
			/* Bound only the misses: every fitting block is taken. */
			if (!mdl_block_fits(head, n, window, nid)) {
				if (++scanned >= MDL_POOL_SCAN_MAX)
					break;
				continue;
			}
			list_del(&head->lru);
			clean->nr_pages -= n;
			mdl_pool.nr_clean -= n;
			set_page_private(head, 0);
			mdl_page_list_add(list, head, n);
			taken += n;
		}
	}
	mdl_pool.hits += taken;
	spin_unlock(&mdl_pool.lock);
	return taken;
}

/**
 * mdl_pool_pages - pages the pool holds, clean or waiting to be zeroed
 *
 * Return: a snapshot; memory the pool would give back under pressure.
 */
unsigned long mdl_pool_pages(void)
{
	return READ_ONCE(mdl_pool.nr_clean) + READ_ONCE(mdl_pool.nr_dirty);
}

static void mdl_pool_kick(unsigned long dirty)
{
	if (dirty >= MDL_POOL_ZERO_NOW_PAGES)
		kthread_mod_delayed_work(mdl_pool.zero_worker,
					 &mdl_pool.zero_work, 0);
	else
		kthread_queue_delayed_work(mdl_pool.zero_worker,
					   &mdl_pool.zero_work,
					   MDL_POOL_ZERO_DELAY);
}

/**
 * mdl_pool_count_miss - note pages that had to come from the buddy allocator
 * @nr_pages: how many
 */
void mdl_pool_count_miss(unsigned long nr_pages)
{
	unsigned long dirty = READ_ONCE(mdl_pool.nr_dirty);

	atomic_long_add(nr_pages, &mdl_pool.misses);
	/* Zeroed, those would have served the next request like this one. */
	if (dirty)
		mdl_pool_kick(dirty);
}

/* The largest pooled order that starts at @pfn and fits in @nr_pages. */
static unsigned int mdl_pool_order_for(unsigned long pfn, unsigned long nr_pages)
{
	unsigned int o;

	for (o = 0; o < MDL_POOL_NR_ORDERS - 1; o++) {
		unsigned long n = 1UL << mdl_pool_orders[o];

		if (IS_ALIGNED(pfn, n) && n <= nr_pages)
			break;
	}
	return o;
}

/*
 * Cuts the physically contiguous runs of @mdl into naturally aligned
 * blocks, tagged and linked on @blocks; returns the pages they hold.
 */
static unsigned long mdl_pool_cut(const struct drm_mdl *mdl,
				  struct list_head *blocks)
{
	unsigned long total = 0;
	struct mdl_run_iter it __uninitialized;

	mdl_run_start(&it, mdl);
	while (mdl_run_next(&it)) {
		unsigned long pfn = it.pfn;
		unsigned long left = it.nr_pages;

		while (left) {
			unsigned int o = mdl_pool_order_for(pfn, left);
			unsigned long n = 1UL << mdl_pool_orders[o];
			struct page *head = pfn_to_page(pfn);

			set_page_private(head, mdl_block_tag(o, mdl->cache_type));
			list_add_tail(&head->lru, blocks);
			total += n;
			pfn += n;
			left -= n;
		}
	}
	return total;
}

/*
 * Parks @mdl on @list for the zeroing worker when the pool has room for its
 * pages and @count, if given, for one more allocation.
 */
static bool mdl_pool_park(struct drm_mdl *mdl, struct list_head *list,
			  unsigned int *count)
{
	unsigned long dirty;

	spin_lock(&mdl_pool.lock);
	if (!mdl_pool.ready || (count && *count >= MDL_POOL_WHOLE_MAX_COUNT) ||
	    mdl_pool.nr_clean + mdl_pool.nr_dirty + mdl->page_count >
	    mdl_pool_limit()) {
		spin_unlock(&mdl_pool.lock);
		return false;
	}
	if (count)
		(*count)++;
	list_add_tail(&mdl->pool_link, list);
	mdl_pool.nr_dirty += mdl->page_count;
	dirty = mdl_pool.nr_dirty;
	spin_unlock(&mdl_pool.lock);
	if (!count || dirty >= MDL_POOL_LAZY_PAGES)
		mdl_pool_kick(dirty);
	return true;
}

/**
 * mdl_pool_adopt - park a freed allocation whole, descriptor included
 * @mdl: the allocation, unmapped, its device reference dropped
 *
 * The free path's cost then no longer grows with the pages: the zeroing
 * worker cuts the runs into blocks as it files them, and frees the
 * descriptor. Only when the pool has room for every page.
 *
 * Return: true if the pool owns @mdl now; false if the caller still does.
 */
bool mdl_pool_adopt(struct drm_mdl *mdl)
{
	return mdl_pool_park(mdl, &mdl_pool.adopted, NULL);
}

/* The pool's list for allocations of @nr_pages, or -1 if it keeps none. */
static int mdl_pool_whole_index(unsigned long nr_pages)
{
	if (nr_pages && nr_pages <= MDL_POOL_WHOLE_ANY_PAGES)
		return nr_pages - 1;
	if (nr_pages <= MDL_SMALL_PAGES && is_power_of_2(nr_pages))
		return MDL_POOL_WHOLE_ANY_PAGES - 1 + ilog2(nr_pages) -
		       const_ilog2(MDL_POOL_WHOLE_ANY_PAGES);
	return -1;
}

/**
 * mdl_pool_keeps_whole - whether freed allocations of a size are kept whole
 * @nr_pages: the allocation's size
 *
 * Return: true when the pool keeps such allocations whole rather than
 * cutting their pages into its own blocks.
 */
bool mdl_pool_keeps_whole(unsigned long nr_pages)
{
	return mdl_pool_whole_index(nr_pages) >= 0;
}

static struct mdl_pool_whole *
mdl_pool_whole_of(unsigned long nr_pages, u32 cache_type)
{
	int i = mdl_pool_whole_index(nr_pages);

	if (i < 0 || cache_type >= MDL_POOL_NR_TYPES)
		return NULL;
	return &mdl_pool.whole[cache_type][i];
}

/**
 * mdl_pool_may_have_whole - whether mdl_pool_take_whole() could find one
 * @nr_pages: pages wanted
 * @cache_type: the caching state wanted
 *
 * Return: false when the pool keeps no allocation of this size and type
 * right now; a hint only, read without the lock.
 */
bool mdl_pool_may_have_whole(unsigned long nr_pages, u32 cache_type)
{
	struct mdl_pool_whole *whole;

	/* Nothing clean: no need to touch the lists' cache lines. */
	if (!READ_ONCE(mdl_pool.nr_clean))
		return false;
	whole = mdl_pool_whole_of(nr_pages, cache_type);
	return whole && !list_empty_careful(&whole->mdls);
}

/**
 * mdl_pool_keep_whole - park a small freed allocation to be handed out whole
 * @mdl: the allocation, unmapped, its device reference dropped; compact
 *
 * The zeroing worker zeroes its pages and files it by size and cache type
 * for mdl_pool_take_whole().
 *
 * Return: true if the pool owns @mdl now; false if the caller still does.
 */
bool mdl_pool_keep_whole(struct drm_mdl *mdl)
{
	struct mdl_pool_whole *whole;

	whole = mdl_pool_whole_of(mdl->page_count, mdl->cache_type);
	if (!whole || !mdl->compact)
		return false;
	return mdl_pool_park(mdl, &mdl_pool.whole_dirty, &whole->count);
}

/* Whether every run of @mdl lies in @window and on @nid. */
static bool mdl_whole_fits(const struct drm_mdl *mdl,
			   const struct mdl_window *window, int nid)
{
	struct mdl_run_iter it __uninitialized;

	mdl_run_start(&it, mdl);
	while (mdl_run_next(&it))
		if (!mdl_block_fits(pfn_to_page(it.pfn), it.nr_pages, window,
				    nid))
			return false;
	return true;
}

/**
 * mdl_pool_take_whole - a zeroed allocation of exactly the size wanted
 * @nr_pages: pages wanted
 * @cache_type: the caching state the pages must be in
 * @window: the window every page must lie in
 * @nid: required node, or NUMA_NO_NODE
 *
 * Only the oldest one of its size and type is looked at: a request whose
 * window it misses gathers pages as usual.
 *
 * Return: the descriptor, unmapped and owned by the caller, or NULL.
 */
struct drm_mdl *mdl_pool_take_whole(unsigned long nr_pages, u32 cache_type,
				    const struct mdl_window *window, int nid)
{
	struct mdl_pool_whole *whole = mdl_pool_whole_of(nr_pages, cache_type);
	struct drm_mdl *mdl;

	if (!whole)
		return NULL;
	spin_lock(&mdl_pool.lock);
	mdl = list_first_entry_or_null(&whole->mdls, struct drm_mdl,
				       pool_link);
	if (mdl && mdl_whole_fits(mdl, window, nid)) {
		list_del(&mdl->pool_link);
		whole->count--;
		mdl_pool.nr_clean -= nr_pages;
		mdl_pool.hits += nr_pages;
	} else {
		mdl = NULL;
	}
	spin_unlock(&mdl_pool.lock);
	return mdl;
}

/* Gives the pages of an adopted descriptor back, and the descriptor. */
static void mdl_pool_release_adopted(struct drm_mdl *mdl)
{
	struct mdl_run_iter it __uninitialized;

	if (mdl->block_order) {
		mdl_pool_release(mdl_first_page(mdl), mdl->page_count,
				 mdl->cache_type, true);
		mdl_release_descriptor(mdl);
		return;
	}
	mdl_run_start(&it, mdl);
	while (mdl_run_next(&it))
		mdl_pool_release(pfn_to_page(it.pfn), it.nr_pages,
				 mdl->cache_type, false);
	mdl_release_descriptor(mdl);
}

/* Zeroes an adopted descriptor's pages and files them as clean blocks. */
static void mdl_pool_zero_adopted(struct drm_mdl *mdl)
{
	struct page *head, *tmp, *page;
	struct mdl_run_iter it __uninitialized;
	unsigned long n = 0;
	LIST_HEAD(blocks);

	mdl_run_start(&it, mdl);
	while ((page = mdl_run_next_page(&it))) {
		clear_highpage(page);
		if (!(++n % 512))
			cond_resched();
	}
	mdl_pool_cut(mdl, &blocks);

	spin_lock(&mdl_pool.lock);
	list_for_each_entry_safe(head, tmp, &blocks, lru) {
		struct mdl_pool_list *clean =
			&mdl_pool.clean[mdl_block_cache_type(head)]
				       [mdl_block_order_index(head)];

		list_move(&head->lru, &clean->blocks);
		clean->nr_pages += mdl_block_pages(head);
	}
	mdl_pool.nr_dirty -= mdl->page_count;
	mdl_pool.nr_clean += mdl->page_count;
	trace_mdl_pool_refill(mdl->page_count, mdl_pool.nr_clean,
			      mdl_pool.nr_dirty);
	spin_unlock(&mdl_pool.lock);
	mdl_release_descriptor(mdl);
}

/* Zeroes a whole allocation's pages and files it for the next request. */
static void mdl_pool_zero_whole(struct drm_mdl *mdl)
{
	struct mdl_pool_whole *whole;
	struct mdl_run_iter it __uninitialized;
	struct page *page;

	mdl_run_start(&it, mdl);
	while ((page = mdl_run_next_page(&it)))
		clear_highpage(page);
	whole = mdl_pool_whole_of(mdl->page_count, mdl->cache_type);
	spin_lock(&mdl_pool.lock);
	list_add_tail(&mdl->pool_link, &whole->mdls);
	mdl_pool.nr_dirty -= mdl->page_count;
	mdl_pool.nr_clean += mdl->page_count;
	trace_mdl_pool_refill(mdl->page_count, mdl_pool.nr_clean,
			      mdl_pool.nr_dirty);
	spin_unlock(&mdl_pool.lock);
}

/* Zeroes and files everything dirty; the worker's job, or a flush's. */
static void mdl_pool_zero_dirty(void)
{
	struct drm_mdl *mdl;
	struct page *head;

	spin_lock(&mdl_pool.lock);
	while ((mdl = list_first_entry_or_null(&mdl_pool.whole_dirty,
					       struct drm_mdl, pool_link))) {
		list_del(&mdl->pool_link);
		spin_unlock(&mdl_pool.lock);
		mdl_pool_zero_whole(mdl);
		spin_lock(&mdl_pool.lock);
	}
	while ((mdl = list_first_entry_or_null(&mdl_pool.adopted,
					       struct drm_mdl, pool_link))) {
		list_del(&mdl->pool_link);
		spin_unlock(&mdl_pool.lock);
		mdl_pool_zero_adopted(mdl);
		cond_resched();
		spin_lock(&mdl_pool.lock);
	}
	while ((head = list_first_entry_or_null(&mdl_pool.dirty, struct page,
						lru))) {
		unsigned long i, n = mdl_block_pages(head);
		struct mdl_pool_list *clean;

		list_del(&head->lru);
		mdl_pool.nr_dirty -= n;
		spin_unlock(&mdl_pool.lock);

		for (i = 0; i < n; i++)
			clear_highpage(head + i);

		spin_lock(&mdl_pool.lock);
		clean = &mdl_pool.clean[mdl_block_cache_type(head)]
				       [mdl_block_order_index(head)];
		list_add(&head->lru, &clean->blocks);
		clean->nr_pages += n;
		mdl_pool.nr_clean += n;
		trace_mdl_pool_refill(n, mdl_pool.nr_clean, mdl_pool.nr_dirty);
		spin_unlock(&mdl_pool.lock);
		cond_resched();
		spin_lock(&mdl_pool.lock);
	}
	spin_unlock(&mdl_pool.lock);
}

static void mdl_pool_zero_worker(struct kthread_work *work)
{
	mdl_pool_zero_dirty();
}

/**
 * mdl_pool_give - park the pages of a freed allocation
 * @mdl: the allocation, already unmapped from its device
 *
 * Cuts the physically contiguous runs into naturally aligned blocks and
 * queues what the pool has room for as dirty, still in @mdl's caching state;
 * the rest goes back to the buddy allocator in write-back state.
 */
void mdl_pool_give(const struct drm_mdl *mdl)
{
	unsigned long limit = mdl_pool_limit(), room, total, kept = 0;
	unsigned long dirty;
	struct page *head, *tmp;
	LIST_HEAD(blocks);

	/* Cut and tag without the lock; one acquisition for the whole free. */
	total = mdl_pool_cut(mdl, &blocks);

	spin_lock(&mdl_pool.lock);
	room = mdl_pool.nr_clean + mdl_pool.nr_dirty;
	room = mdl_pool.ready && room < limit ? limit - room : 0;
	if (total <= room) {
		/* The common case, and it touches no page under the lock. */
		list_splice_tail_init(&blocks, &mdl_pool.dirty);
		kept = total;
	}
	list_for_each_entry_safe(head, tmp, &blocks, lru) {
		unsigned long n = mdl_block_pages(head);

		if (n > room)
			continue;
		list_move_tail(&head->lru, &mdl_pool.dirty);
		room -= n;
		kept += n;
	}
	mdl_pool.nr_dirty += kept;
	dirty = mdl_pool.nr_dirty;
	spin_unlock(&mdl_pool.lock);

	/* What did not fit goes back to the buddy allocator. */
	list_for_each_entry_safe(head, tmp, &blocks, lru) {
		unsigned long n = mdl_block_pages(head);

		list_del(&head->lru);
		set_page_private(head, 0);
		mdl_pool_release(head, n, mdl->cache_type, false);
	}
	if (kept)
		mdl_pool_kick(dirty);
}

/*
 * Stops the worker: a queued run is dropped, a running one finished. What
 * is still dirty stays on the lists for the caller to handle.
 */
static void mdl_pool_stop_worker(void)
{
	kthread_cancel_delayed_work_sync(&mdl_pool.zero_work);
}

/*
 * Under the lock: the first allocation kept whole, waiting ones first,
 * taken off its list and out of the page counts.
 */
static struct drm_mdl *mdl_pool_first_whole(void)
{
	struct drm_mdl *mdl;
	unsigned int t, n;

	mdl = list_first_entry_or_null(&mdl_pool.whole_dirty, struct drm_mdl,
				       pool_link);
	if (mdl) {
		list_del(&mdl->pool_link);
		mdl_pool.nr_dirty -= mdl->page_count;
		return mdl;
	}
	for (t = 0; t < MDL_POOL_NR_TYPES; t++) {
		for (n = 0; n < MDL_POOL_WHOLE_SIZES; n++) {
			mdl = list_first_entry_or_null(&mdl_pool.whole[t][n].mdls,
						       struct drm_mdl,
						       pool_link);
			if (mdl) {
				list_del(&mdl->pool_link);
				mdl_pool.nr_clean -= mdl->page_count;
				return mdl;
			}
		}
	}
	return NULL;
}

/* Frees up to @nr_pages pooled pages, dirty ones first; returns how many. */
static unsigned long mdl_pool_shrink(unsigned long nr_pages)
{
	unsigned long freed = 0;

	while (freed < nr_pages) {
		struct page *head = NULL;
		struct drm_mdl *mdl;
		unsigned int t, o;
		unsigned long n;

		spin_lock(&mdl_pool.lock);
		mdl = list_first_entry_or_null(&mdl_pool.adopted,
					       struct drm_mdl, pool_link);
		if (mdl) {
			list_del(&mdl->pool_link);
			mdl_pool.nr_dirty -= mdl->page_count;
			spin_unlock(&mdl_pool.lock);
			freed += mdl->page_count;
			mdl_pool_release_adopted(mdl);
			cond_resched();
			continue;
		}
		mdl = mdl_pool_first_whole();
		if (mdl) {
			mdl_pool_whole_of(mdl->page_count,
					  mdl->cache_type)->count--;
			spin_unlock(&mdl_pool.lock);
			freed += mdl->page_count;
			mdl_pool_release_adopted(mdl);
			cond_resched();
			continue;
		}
		head = list_first_entry_or_null(&mdl_pool.dirty, struct page,
						lru);
		if (head) {
			n = mdl_block_pages(head);
			mdl_pool.nr_dirty -= n;
		}
		/* Small blocks first: they are the least useful to keep. */
		for (o = MDL_POOL_NR_ORDERS; !head && o-- > 0;) {
			for (t = 0; t < MDL_POOL_NR_TYPES && !head; t++) {
				struct mdl_pool_list *clean = &mdl_pool.clean[t][o];

				head = list_first_entry_or_null(&clean->blocks,
								struct page,
								lru);
				if (head) {
					n = mdl_block_pages(head);
					clean->nr_pages -= n;
					mdl_pool.nr_clean -= n;
				}
			}
		}
		if (head)
			list_del(&head->lru);
		spin_unlock(&mdl_pool.lock);
		if (!head)
			break;

		t = mdl_block_cache_type(head);
		set_page_private(head, 0);
		mdl_pool_release(head, n, t, false);
		freed += n;
		cond_resched();
	}
	if (freed)
		trace_mdl_pool_shrink(freed, READ_ONCE(mdl_pool.nr_clean),
				      READ_ONCE(mdl_pool.nr_dirty));
	return freed;
}

static unsigned long mdl_pool_shrink_count(struct shrinker *shrinker,
					   struct shrink_control *sc)
{
	unsigned long n = mdl_pool_pages();

	return n ? n : SHRINK_EMPTY;
}

static unsigned long mdl_pool_shrink_scan(struct shrinker *shrinker,
					  struct shrink_control *sc)
{
	unsigned long freed = mdl_pool_shrink(sc->nr_to_scan);

	return freed ? freed : SHRINK_STOP;
}

static const struct mdl_shrinker_ops mdl_pool_shrinker_ops = {
	.count = mdl_pool_shrink_count,
	.scan = mdl_pool_shrink_scan,
};

/**
 * drm_mdl_pool_drain - give every pooled page back to the buddy allocator
 *
 * For benchmarks that want a cold pool, and for callers that know memory is
 * about to be tight. Dirty pages go back without being zeroed first; a
 * block the zeroing worker is busy with is waited for.
 */
void drm_mdl_pool_drain(void)
{
	mdl_pool_stop_worker();
	mdl_pool_shrink(ULONG_MAX);
}
EXPORT_SYMBOL_GPL(drm_mdl_pool_drain);

/**
 * drm_mdl_pool_flush - zero every freed page now
 *
 * After it returns, pages freed before the call are clean and can be handed
 * out without zeroing on the allocating path. The zeroing runs in the
 * caller's context: handing it to the worker and waiting for it would cost
 * two context switches, which cost more than zeroing a small allocation
 * and disturb the caller's caches and TLB.
 *
 * Context: process context; may sleep.
 */
void drm_mdl_pool_flush(void)
{
	mdl_pool_stop_worker();
	mdl_pool_zero_dirty();
}
EXPORT_SYMBOL_GPL(drm_mdl_pool_flush);

/**
 * drm_mdl_pool_get_stats - read the pool's state
 * @stats: filled with a snapshot
 */
void drm_mdl_pool_get_stats(struct drm_mdl_pool_stats *stats)
{
	spin_lock(&mdl_pool.lock);
	stats->clean_pages = mdl_pool.nr_clean;
	stats->dirty_pages = mdl_pool.nr_dirty;
	stats->hits = mdl_pool.hits;
	spin_unlock(&mdl_pool.lock);
	stats->limit_pages = mdl_pool_limit();
	stats->misses = atomic_long_read(&mdl_pool.misses);
}
EXPORT_SYMBOL_GPL(drm_mdl_pool_get_stats);

/**
 * mdl_pool_shrinker - the pool's shrinker, for tests that simulate pressure
 *
 * Return: the registered shrinker.
 */
struct shrinker *mdl_pool_shrinker(void)
{
	return mdl_pool.shrinker;
}

static int mdl_pool_state_show(struct seq_file *m, void *data)
{
	static const char * const type_names[] = { "uc", "cached", "wc" };
	struct drm_mdl_pool_stats stats;
	unsigned int t, o;

	drm_mdl_pool_get_stats(&stats);
	seq_printf(m, "clean_pages: %lu\ndirty_pages: %lu\nlimit_pages: %lu\n",
		   stats.clean_pages, stats.dirty_pages, stats.limit_pages);
	seq_printf(m, "hits: %lu\nmisses: %lu\n", stats.hits, stats.misses);
	spin_lock(&mdl_pool.lock);
	for (t = 0; t < MDL_POOL_NR_TYPES; t++)
		for (o = 0; o < MDL_POOL_NR_ORDERS; o++)
			seq_printf(m, "%s order %u: %lu pages\n", type_names[t],
				   mdl_pool_orders[o],
				   mdl_pool.clean[t][o].nr_pages);
	spin_unlock(&mdl_pool.lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mdl_pool_state);

/**
 * mdl_pool_init - set up the pool at module load
 *
 * Return: 0 or a negative errno.
 */
int mdl_pool_init(void)
{
	unsigned int t, o;

	for (t = 0; t < MDL_POOL_NR_TYPES; t++) {
		for (o = 0; o < MDL_POOL_NR_ORDERS; o++)
			INIT_LIST_HEAD(&mdl_pool.clean[t][o].blocks);
		for (o = 0; o < MDL_POOL_WHOLE_SIZES; o++)
			INIT_LIST_HEAD(&mdl_pool.whole[t][o].mdls);
	}
	kthread_init_delayed_work(&mdl_pool.zero_work, mdl_pool_zero_worker);
	mdl_pool.zero_worker = kthread_run_worker(0, "mdl_pool_zero");
	if (IS_ERR(mdl_pool.zero_worker))
		return PTR_ERR(mdl_pool.zero_worker);
	sched_set_normal(mdl_pool.zero_worker->task, MAX_NICE);
	mdl_pool.shrinker = mdl_shrinker_create("drm-mdl-pool",
						&mdl_pool_shrinker_ops);
	if (IS_ERR(mdl_pool.shrinker)) {
		kthread_destroy_worker(mdl_pool.zero_worker);
		return PTR_ERR(mdl_pool.shrinker);
	}
	/* The pool is shared by every device, so it sits at the top level. */
	mdl_pool.debugfs = debugfs_create_file("mdl_pool", 0444, NULL, NULL,
					       &mdl_pool_state_fops);
	spin_lock(&mdl_pool.lock);
	mdl_pool.ready = true;
	spin_unlock(&mdl_pool.lock);
	return 0;
}

/**
 * mdl_pool_fini - give everything back at module unload
 */
void mdl_pool_fini(void)
{
	spin_lock(&mdl_pool.lock);
	mdl_pool.ready = false;
	spin_unlock(&mdl_pool.lock);
	debugfs_remove(mdl_pool.debugfs);
	mdl_shrinker_destroy(mdl_pool.shrinker);
	drm_mdl_pool_drain();
	kthread_destroy_worker(mdl_pool.zero_worker);
}
