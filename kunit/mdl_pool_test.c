// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The pre-zeroed pool: freed pages come back zeroed and in their caching
 * state, small allocations come back whole, cache types never mix, the
 * shrinker returns pages, the pool obeys its bound, cgroup-charged pages
 * bypass it, and unloading leaks nothing.
 */

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/shrinker.h>

#include "mdl_test.h"

static int mdl_pool_test_init(struct kunit *test)
{
	drm_mdl_pool_drain();
	return mdl_test_env_init(test, DMA_BIT_MASK(64));
}

static void mdl_pool_test_exit(struct kunit *test)
{
	drm_mdl_pool_drain();
	mdl_test_env_exit(test);
}

static void mdl_pool_dirty_and_free(struct kunit *test,
				    struct drm_mdl_request *req)
{
	struct drm_mdl *mdl = drm_mdl_alloc(mdl_test_dev(test), req);
	unsigned long i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	for (i = 0; i < mdl->page_count; i++) {
		u8 *vaddr = kmap_local_page(drm_mdl_page(mdl, i));

		memset(vaddr, 0xa5, PAGE_SIZE);
		kunmap_local(vaddr);
	}
	drm_mdl_free(mdl);
}

static void mdl_pool_pages_come_back_zeroed_and_typed(struct kunit *test)
{
	struct drm_mdl_request req = mdl_test_request(SZ_4M);
	struct drm_mdl_pool_stats before, after;
	struct drm_mdl *mdl;

	req.cache_type = DRM_MDL_CACHE_WRITE_COMBINED;
	mdl_pool_dirty_and_free(test, &req);
	drm_mdl_pool_flush();
	drm_mdl_pool_get_stats(&before);
	KUNIT_ASSERT_GE(test, before.clean_pages, SZ_4M >> PAGE_SHIFT);
	KUNIT_EXPECT_EQ(test, before.dirty_pages, 0UL);

	mdl = drm_mdl_alloc(mdl_test_dev(test), &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	drm_mdl_pool_get_stats(&after);
	/* Every page came from the pool, already write-combined. */
	KUNIT_EXPECT_EQ(test, after.hits - before.hits, mdl->page_count);
	KUNIT_EXPECT_EQ(test, mdl->cache_type, (u32)DRM_MDL_CACHE_WRITE_COMBINED);
	mdl_test_expect_zeroed(test, mdl);
	/* 2 MiB blocks survive the round trip: IOMMU superpage material. */
	KUNIT_EXPECT_LE(test, mdl->nr_runs, 2U);
	drm_mdl_free(mdl);
}

static void mdl_pool_keeps_cache_types_apart(struct kunit *test)
{
	struct drm_mdl_request req = mdl_test_request(SZ_1M);
	struct drm_mdl_pool_stats before, after;
	struct drm_mdl *mdl;

	req.cache_type = DRM_MDL_CACHE_NON_CACHED;
	mdl_pool_dirty_and_free(test, &req);
	drm_mdl_pool_flush();
	drm_mdl_pool_get_stats(&before);
	KUNIT_ASSERT_GT(test, before.clean_pages, 0UL);

	req.cache_type = DRM_MDL_CACHE_CACHED;
	mdl = drm_mdl_alloc(mdl_test_dev(test), &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	drm_mdl_pool_get_stats(&after);
	/* An uncached page must never be handed out as cached. */
	KUNIT_EXPECT_EQ(test, after.hits, before.hits);
	KUNIT_EXPECT_EQ(test, after.clean_pages, before.clean_pages);
	drm_mdl_free(mdl);
}

static void mdl_pool_shrinker_returns_pages(struct kunit *test)
{
	struct drm_mdl_request req = mdl_test_request(SZ_2M);
	struct shrinker *shrinker = mdl_pool_shrinker();
	struct shrink_control sc = {
		.gfp_mask = GFP_KERNEL,
		.nr_to_scan = 256,
	};
	struct drm_mdl_pool_stats before, after;
	unsigned long free_before, freed;

	mdl_pool_dirty_and_free(test, &req);
	drm_mdl_pool_flush();
	drm_mdl_pool_get_stats(&before);
	KUNIT_ASSERT_EQ(test, shrinker->count_objects(shrinker, &sc),
			before.clean_pages + before.dirty_pages);

	free_before = mdl_test_free_pages();
	freed = shrinker->scan_objects(shrinker, &sc);
	KUNIT_EXPECT_GE(test, freed, 256UL);
	drm_mdl_pool_get_stats(&after);
	KUNIT_EXPECT_EQ(test, before.clean_pages - after.clean_pages, freed);
	KUNIT_EXPECT_GE(test, mdl_test_free_pages(), free_before + freed);

	/* Nothing left: the shrinker says so instead of spinning. */
	drm_mdl_pool_drain();
	KUNIT_EXPECT_EQ(test, shrinker->count_objects(shrinker, &sc),
			SHRINK_EMPTY);
}

/*
 * A large allocation goes to the pool whole and waits there for the worker;
 * whether or not the worker got to it, the shrinker returns every page and
 * the descriptor goes with them (kmemleak's suite would see it otherwise).
 */
static void mdl_pool_shrinker_takes_waiting_allocations(struct kunit *test)
{
	struct drm_mdl_request req = mdl_test_request(SZ_4M);
	struct shrinker *shrinker = mdl_pool_shrinker();
	struct shrink_control sc = {
		.gfp_mask = GFP_KERNEL,
		.nr_to_scan = ULONG_MAX,
	};
	struct drm_mdl_pool_stats before, after;
	long engine = mdl_pages_in_use();
	unsigned long freed;

	drm_mdl_pool_get_stats(&before);
	KUNIT_ASSERT_EQ(test, before.clean_pages + before.dirty_pages, 0UL);
	mdl_pool_dirty_and_free(test, &req);
	drm_mdl_pool_get_stats(&after);
	KUNIT_EXPECT_EQ(test, after.clean_pages + after.dirty_pages,
			(unsigned long)SZ_4M >> PAGE_SHIFT);
	KUNIT_EXPECT_EQ(test, mdl_pages_in_use(), engine);

	freed = shrinker->scan_objects(shrinker, &sc);
	KUNIT_EXPECT_EQ(test, freed, (unsigned long)SZ_4M >> PAGE_SHIFT);
	drm_mdl_pool_get_stats(&after);
	KUNIT_EXPECT_EQ(test, after.clean_pages + after.dirty_pages, 0UL);

	/* The worker finds nothing left to zero or to free twice. */
	drm_mdl_pool_flush();
	drm_mdl_pool_get_stats(&after);
	KUNIT_EXPECT_EQ(test, after.clean_pages + after.dirty_pages, 0UL);
}

/*
 * A small allocation comes back whole: the same descriptor and pages,
 * zeroed by the worker, mapped again, for the next request of its size and
 * cache type; the shrinker returns it like any pooled page.
 */
static void mdl_pool_small_allocations_come_back_whole(struct kunit *test)
{
	struct drm_mdl_request req = mdl_test_request(4 * PAGE_SIZE);
	struct device *dev = mdl_test_dev(test);
	struct drm_mdl_pool_stats before, after;
	long engine = mdl_pages_in_use();
	struct drm_mdl *mdl, *again;
	unsigned long pfn;

	mdl = drm_mdl_alloc(dev, &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	pfn = drm_mdl_pfn(mdl, 0);
	drm_mdl_free(mdl);
	req.total_bytes = 4 * PAGE_SIZE;
	mdl_pool_dirty_and_free(test, &req);
	drm_mdl_pool_flush();
	drm_mdl_pool_get_stats(&before);
	KUNIT_ASSERT_GE(test, before.clean_pages, 4UL);
	KUNIT_EXPECT_EQ(test, before.dirty_pages, 0UL);
	KUNIT_EXPECT_EQ(test, mdl_pages_in_use(), engine);

	/* Another size, or another cache type, does not take it. */
	req.total_bytes = 3 * PAGE_SIZE;
	again = drm_mdl_alloc(dev, &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, again);
	KUNIT_EXPECT_PTR_NE(test, again, mdl);
	drm_mdl_free(again);
	req.total_bytes = 4 * PAGE_SIZE;
	req.cache_type = DRM_MDL_CACHE_WRITE_COMBINED;
	again = drm_mdl_alloc(dev, &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, again);
	KUNIT_EXPECT_PTR_NE(test, again, mdl);
	drm_mdl_free(again);
	req.cache_type = DRM_MDL_CACHE_CACHED;
	drm_mdl_pool_flush();
	drm_mdl_pool_get_stats(&before);

	/* The same size does, first in first out: the first one freed. */
	again = drm_mdl_alloc(dev, &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, again);
	drm_mdl_pool_get_stats(&after);
	KUNIT_EXPECT_EQ(test, after.hits - before.hits, 4UL);
	KUNIT_EXPECT_EQ(test, before.clean_pages - after.clean_pages, 4UL);
	KUNIT_EXPECT_EQ(test, drm_mdl_pfn(again, 0), pfn);
	KUNIT_EXPECT_PTR_EQ(test, again->dev, dev);
	KUNIT_EXPECT_GT(test, drm_mdl_dma_segment_count(again), 0U);
	KUNIT_EXPECT_EQ(test, mdl_pages_in_use(), engine + 4);
	mdl_test_expect_zeroed(test, again);
	drm_mdl_free(again);

	/* Gone with the rest of the pool, descriptors included. */
	drm_mdl_pool_drain();
	drm_mdl_pool_get_stats(&after);
	KUNIT_EXPECT_EQ(test, after.clean_pages + after.dirty_pages, 0UL);
	KUNIT_EXPECT_EQ(test, mdl_pages_in_use(), engine);
}

/*
 * Pages the rest of the kernel may take while the pool is torn down, out
 * of the free count this test reads. On 6.12 exactly one page went
 * missing in 4 boots out of 12, in every retry of the boot, with the pool's
 * own counters and the engine's page count right. The likely taker (not
 * proven): the teardown frees the shrinker and the debugfs entry through
 * RCU, and kvfree_rcu() keeps a per-CPU cache of pages that it refills on
 * its own schedule. A pool that lost fewer pages than this goes unseen
 * here; one that lost a block of 16 or 512 does not.
 */
#define MDL_TEST_UNRELATED_PAGES	4

/* One more than the pool keeps whole of a size (MDL_POOL_WHOLE_MAX_COUNT). */
#define MDL_TEST_BLOCKS		65

/*
 * A small power-of-two request is one buddy block, never split: the pool
 * keeps it whole and a request of its size gets it back as the block.
 * Past the pool's count for the size, the block is split and its pages
 * pooled like any others. Either way every page goes back to the buddy
 * allocator, which refuses a page freed with the wrong order or count.
 */
static void mdl_pool_blocks_stay_whole_or_split(struct kunit *test)
{
	struct drm_mdl_request req = mdl_test_request(SZ_64K);
	struct device *dev = mdl_test_dev(test);
	long engine = mdl_pages_in_use();
	struct drm_mdl_pool_stats stats;
	unsigned long free_filled, i;
	struct drm_mdl **mdls, *mdl;

	mdls = kunit_kcalloc(test, MDL_TEST_BLOCKS, sizeof(*mdls), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mdls);
	drm_mdl_pool_drain();
	for (i = 0; i < MDL_TEST_BLOCKS; i++) {
		mdls[i] = drm_mdl_alloc(dev, &req);
		if (IS_ERR(mdls[i]))
			break;
		KUNIT_EXPECT_EQ(test, mdls[i]->block_order, 4U);
		KUNIT_EXPECT_EQ(test, mdls[i]->nr_runs, 1U);
	}
	KUNIT_EXPECT_EQ(test, i, (unsigned long)MDL_TEST_BLOCKS);
	KUNIT_EXPECT_EQ(test, mdl_pages_in_use(), engine + (long)i * 16);
	while (i--)
		drm_mdl_free(mdls[i]);
	drm_mdl_pool_flush();
	drm_mdl_pool_get_stats(&stats);
	KUNIT_EXPECT_EQ(test, stats.clean_pages, MDL_TEST_BLOCKS * 16UL);
	KUNIT_EXPECT_EQ(test, stats.dirty_pages, 0UL);

	mdl = drm_mdl_alloc(dev, &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	KUNIT_EXPECT_EQ(test, mdl->block_order, 4U);
	mdl_test_expect_zeroed(test, mdl);
	drm_mdl_free(mdl);

	/* Descriptors go to slab caches; the pages must all be back. */
	drm_mdl_pool_flush();
	free_filled = mdl_test_free_pages();
	drm_mdl_pool_drain();
	KUNIT_EXPECT_EQ(test, mdl_pages_in_use(), engine);
	KUNIT_EXPECT_GE(test, mdl_test_free_pages() + MDL_TEST_UNRELATED_PAGES,
			free_filled + MDL_TEST_BLOCKS * 16);
}

/* Waits up to two seconds for the worker to leave nothing dirty. */
static bool mdl_pool_wait_clean(struct drm_mdl_pool_stats *stats)
{
	unsigned int i;

	for (i = 0; i < 100; i++) {
		drm_mdl_pool_get_stats(stats);
		if (!stats->dirty_pages)
			return true;
		msleep(20);
	}
	return false;
}

/*
 * A small free parks its allocation without waking the worker; the next
 * request that misses while it waits does, and so does a large free. A
 * flush zeroes what waits without the worker.
 */
static void mdl_pool_small_frees_wake_the_worker_on_demand(struct kunit *test)
{
	struct drm_mdl_request req = mdl_test_request(PAGE_SIZE);
	struct drm_mdl_pool_stats stats;
	struct drm_mdl *mdl;

	mdl_pool_dirty_and_free(test, &req);
	/* Many times the worker's delay: it would have run if woken. */
	msleep(200);
	drm_mdl_pool_get_stats(&stats);
	KUNIT_EXPECT_EQ(test, stats.dirty_pages, 1UL);
	KUNIT_EXPECT_EQ(test, stats.clean_pages, 0UL);

	/* A miss while a page waits wakes it. */
	mdl = drm_mdl_alloc(mdl_test_dev(test), &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	KUNIT_EXPECT_TRUE(test, mdl_pool_wait_clean(&stats));
	KUNIT_EXPECT_EQ(test, stats.clean_pages, 1UL);

	/* A flush zeroes in the caller's context. */
	drm_mdl_free(mdl);
	drm_mdl_pool_get_stats(&stats);
	KUNIT_EXPECT_EQ(test, stats.dirty_pages, 1UL);
	drm_mdl_pool_flush();
	drm_mdl_pool_get_stats(&stats);
	KUNIT_EXPECT_EQ(test, stats.dirty_pages, 0UL);
	KUNIT_EXPECT_EQ(test, stats.clean_pages, 2UL);
	mdl = drm_mdl_alloc(mdl_test_dev(test), &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	mdl_test_expect_zeroed(test, mdl);
	drm_mdl_free(mdl);
	drm_mdl_pool_drain();

	/* A free of more than the pool keeps whole wakes it at once. */
	req.total_bytes = SZ_1M;
	mdl_pool_dirty_and_free(test, &req);
	KUNIT_EXPECT_TRUE(test, mdl_pool_wait_clean(&stats));
	KUNIT_EXPECT_EQ(test, stats.clean_pages, SZ_1M >> PAGE_SHIFT);
}

/* A kept allocation outside the request's window stays where it is. */
static void mdl_pool_whole_allocation_stays_out_of_other_windows(struct kunit *test)
{
	struct drm_mdl_request req = mdl_test_request(2 * PAGE_SIZE);
	struct device *dev = mdl_test_dev(test);
	struct drm_mdl_pool_stats before, after;
	struct drm_mdl *mdl;
	unsigned long pfn;

	mdl = drm_mdl_alloc(dev, &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	pfn = max(drm_mdl_pfn(mdl, 0), drm_mdl_pfn(mdl, 1));
	drm_mdl_free(mdl);
	drm_mdl_pool_flush();
	drm_mdl_pool_get_stats(&before);
	KUNIT_ASSERT_GE(test, before.clean_pages, 2UL);

	req.low = PFN_PHYS(pfn + 1);
	mdl = drm_mdl_alloc(dev, &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	/*
	 * Not handed out: no pool hit. (The clean count may still drop: a
	 * window high in memory holds the pages it rejects, and the pressure
	 * that makes may run the pool's shrinker.)
	 */
	drm_mdl_pool_get_stats(&after);
	KUNIT_EXPECT_EQ(test, after.hits, before.hits);
	KUNIT_EXPECT_GT(test, drm_mdl_pfn(mdl, 0), pfn);
	KUNIT_EXPECT_GT(test, drm_mdl_pfn(mdl, 1), pfn);
	drm_mdl_free(mdl);
}

static void mdl_pool_obeys_its_bound(struct kunit *test)
{
	struct drm_mdl_request req = mdl_test_request(SZ_4M);
	struct drm_mdl_pool_stats stats;

	drm_mdl_pool_get_stats(&stats);
	KUNIT_EXPECT_GT(test, stats.limit_pages, 0UL);
	KUNIT_EXPECT_LE(test, stats.limit_pages, totalram_pages() / 4);

	/* Fill past the bound: the pool keeps at most its limit. */
	mdl_pool_dirty_and_free(test, &req);
	mdl_pool_dirty_and_free(test, &req);
	drm_mdl_pool_flush();
	drm_mdl_pool_get_stats(&stats);
	KUNIT_EXPECT_LE(test, stats.clean_pages + stats.dirty_pages,
			stats.limit_pages);
}

static void mdl_pool_skips_cgroup_charged_pages(struct kunit *test)
{
	struct drm_mdl_request req = mdl_test_request(SZ_1M);
	struct drm_mdl_pool_stats before, after;
	struct drm_mdl *mdl;

	drm_mdl_pool_get_stats(&before);
	mdl = mdl_alloc(mdl_test_dev(test), &req, __GFP_ACCOUNT, 0);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	KUNIT_EXPECT_FALSE(test, mdl->poolable);
	drm_mdl_free(mdl);
	drm_mdl_pool_flush();
	drm_mdl_pool_get_stats(&after);
	KUNIT_EXPECT_EQ(test, after.clean_pages + after.dirty_pages,
			before.clean_pages + before.dirty_pages);
}

/*
 * Unloading returns the pooled pages and, for allocations still waiting
 * for the worker, their descriptors: at most 32 bytes a page in arrays,
 * which slab pages of a few objects each can make four times as many.
 */
static bool mdl_pool_unload_returned(unsigned long free_filled,
				     unsigned long free_unloaded,
				     unsigned long pooled)
{
	return free_unloaded + MDL_TEST_UNRELATED_PAGES >= free_filled + pooled &&
	       free_unloaded <= free_filled + pooled + pooled / 32;
}

static void mdl_pool_unload_leaks_nothing(struct kunit *test)
{
	struct drm_mdl_request req = mdl_test_request(SZ_4M);
	unsigned long pooled = 0, free_filled = 0, free_unloaded = 0;
	struct drm_mdl_pool_stats stats;
	long engine = mdl_pages_in_use();
	int try;

	/* Retries absorb pages unrelated kernel threads take meanwhile. */
	for (try = 0; try < 5; try++) {
		mdl_pool_dirty_and_free(test, &req);
		mdl_pool_dirty_and_free(test, &req);
		drm_mdl_pool_get_stats(&stats);
		pooled = stats.clean_pages + stats.dirty_pages;
		KUNIT_ASSERT_GT(test, pooled, 0UL);
		free_filled = mdl_test_free_pages();

		/* Module unload with dirty and clean pages in the pool. */
		mdl_pool_fini();
		free_unloaded = mdl_test_free_pages();
		drm_mdl_pool_get_stats(&stats);
		KUNIT_EXPECT_EQ(test, stats.clean_pages + stats.dirty_pages, 0UL);
		KUNIT_ASSERT_EQ(test, mdl_pool_init(), 0);
		if (mdl_pool_unload_returned(free_filled, free_unloaded, pooled))
			break;
	}
	/* Every pooled page went back to the buddy allocator. */
	KUNIT_EXPECT_TRUE(test, mdl_pool_unload_returned(free_filled,
							 free_unloaded, pooled));
	KUNIT_EXPECT_GE(test, free_unloaded + MDL_TEST_UNRELATED_PAGES,
			free_filled + pooled);
	KUNIT_EXPECT_EQ(test, mdl_pages_in_use(), engine);
}

static struct kunit_case mdl_pool_cases[] = {
	KUNIT_CASE(mdl_pool_pages_come_back_zeroed_and_typed),
	KUNIT_CASE(mdl_pool_keeps_cache_types_apart),
	KUNIT_CASE(mdl_pool_shrinker_returns_pages),
	KUNIT_CASE(mdl_pool_shrinker_takes_waiting_allocations),
	KUNIT_CASE(mdl_pool_small_allocations_come_back_whole),
	KUNIT_CASE(mdl_pool_blocks_stay_whole_or_split),
	KUNIT_CASE(mdl_pool_small_frees_wake_the_worker_on_demand),
	KUNIT_CASE(mdl_pool_whole_allocation_stays_out_of_other_windows),
	KUNIT_CASE(mdl_pool_obeys_its_bound),
	KUNIT_CASE(mdl_pool_skips_cgroup_charged_pages),
	KUNIT_CASE(mdl_pool_unload_leaks_nothing),
	{}
};

static struct kunit_suite mdl_pool_suite = {
	.name = "mdl_pool",
	.init = mdl_pool_test_init,
	.exit = mdl_pool_test_exit,
	.test_cases = mdl_pool_cases,
};

kunit_test_suite(mdl_pool_suite);
