// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Real allocations through the exported API on a DMA-direct platform
 * device. Windows are placed around pages the test has just freed, so the
 * test knows they are free without assuming anything about UML's layout.
 */

#include <kunit/test.h>
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/pageblock-flags.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/scatterlist.h>

#include "mdl_test.h"

static int mdl_alloc_test_init(struct kunit *test)
{
	return mdl_test_env_init(test, DMA_BIT_MASK(64));
}

/*
 * A free, naturally aligned block of at least 2^order pages, as its first
 * pfn. It spans whole pageblocks: exact placement in 6.1 can isolate only
 * pageblocks without unmovable pages, so a window placed in such a block is
 * known to be obtainable.
 */
static unsigned long mdl_free_block(struct kunit *test, unsigned int order)
{
	struct page *page;

	order = max_t(unsigned int, order, pageblock_order);
	page = alloc_pages(GFP_KERNEL, order);
	unsigned long pfn;

	KUNIT_ASSERT_NOT_NULL(test, page);
	pfn = page_to_pfn(page);
	__free_pages(page, order);
	return pfn;
}

static void mdl_fill_page(struct page *page, u8 value)
{
	u8 *vaddr = kmap_local_page(page);

	memset(vaddr, value, PAGE_SIZE);
	kunmap_local(vaddr);
}

/*
 * The descriptor is internally consistent: the runs cover the pages, the
 * run count is of maximal runs, and every lookup agrees with the runs.
 */
static void mdl_expect_consistent(struct kunit *test, const struct drm_mdl *mdl)
{
	unsigned long i = 0, covered = 0, next_pfn = 0, *pfns;
	struct page **pages, *page;
	struct mdl_run_iter it;

	KUNIT_EXPECT_EQ(test, mdl->byte_count, (u64)mdl->page_count << PAGE_SHIFT);
	mdl_run_start(&it, mdl);
	while (mdl_run_next(&it)) {
		KUNIT_EXPECT_GT(test, it.nr_pages, 0UL);
		KUNIT_EXPECT_EQ(test, it.first_page, covered);
		/* Maximal: a run never continues the one before it. */
		if (covered)
			KUNIT_EXPECT_NE(test, it.pfn, next_pfn);
		next_pfn = it.pfn + it.nr_pages;
		covered += it.nr_pages;
	}
	KUNIT_EXPECT_EQ(test, covered, mdl->page_count);
	KUNIT_EXPECT_EQ(test, it.next, mdl->nr_runs);

	/* Expected, not asserted: some callers own the pages themselves. */
	pfns = kunit_kcalloc(test, mdl->page_count + 1, sizeof(*pfns),
			     GFP_KERNEL);
	pages = kunit_kcalloc(test, mdl->page_count + 1, sizeof(*pages),
			      GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, pfns);
	KUNIT_EXPECT_NOT_NULL(test, pages);
	if (!pfns || !pages)
		return;
	KUNIT_EXPECT_EQ(test, drm_mdl_get_pfns(mdl, 0, mdl->page_count + 1, pfns),
			mdl->page_count);
	KUNIT_EXPECT_EQ(test, drm_mdl_get_pages(mdl, 0, mdl->page_count + 1,
						pages), mdl->page_count);
	mdl_run_start(&it, mdl);
	while ((page = mdl_run_next_page(&it))) {
		KUNIT_EXPECT_PTR_EQ(test, drm_mdl_page(mdl, i), page);
		KUNIT_EXPECT_EQ(test, drm_mdl_pfn(mdl, i), page_to_pfn(page));
		KUNIT_EXPECT_EQ(test, pfns[i], page_to_pfn(page));
		KUNIT_EXPECT_PTR_EQ(test, pages[i], page);
		i++;
	}
	KUNIT_EXPECT_EQ(test, i, mdl->page_count);
	/* A copy from the middle starts at its own page. */
	if (mdl->page_count > 1) {
		i = mdl->page_count / 2;
		KUNIT_EXPECT_EQ(test, drm_mdl_get_pfns(mdl, i, 1, pfns), 1UL);
		KUNIT_EXPECT_EQ(test, pfns[0], drm_mdl_pfn(mdl, i));
		KUNIT_EXPECT_EQ(test, drm_mdl_get_pages(mdl, i, 1, pages), 1UL);
		KUNIT_EXPECT_PTR_EQ(test, pages[0], drm_mdl_page(mdl, i));
	}
	KUNIT_EXPECT_EQ(test, drm_mdl_get_pfns(mdl, mdl->page_count, 1, pfns),
			0UL);
	KUNIT_EXPECT_EQ(test, drm_mdl_get_pages(mdl, mdl->page_count, 1, pages),
			0UL);
}

/* Whether [@addr, @addr + @len) crosses a multiple of @mask + 1. */
static bool mdl_crosses(u64 addr, u64 len, u64 mask)
{
	return (addr & ~mask) != ((addr + len - 1) & ~mask);
}

/*
 * The DMA segments of @mdl, directly mapped (UML has no IOMMU): each at
 * most @max_bytes, across no multiple of @mask + 1, at the address of the
 * page at its offset, and together every byte; as many as the mapping
 * says. Returns their number.
 */
static unsigned int mdl_expect_dma_segments(struct kunit *test,
					    const struct drm_mdl *mdl,
					    u64 max_bytes, u64 mask)
{
	struct mdl_dma_iter it;
	unsigned int n = 0;
	u64 offset = 0;
	bool more;

	for (more = mdl_dma_seek(&it, mdl, 0); more; more = mdl_dma_next(&it)) {
		struct page *page = drm_mdl_page(mdl, offset >> PAGE_SHIFT);

		KUNIT_EXPECT_TRUE(test, PAGE_ALIGNED(it.len));
		KUNIT_EXPECT_LE(test, it.len, max_bytes);
		KUNIT_EXPECT_FALSE_MSG(test, mdl_crosses(it.addr, it.len, mask),
				       "DMA segment %u: %pad, %llu bytes", n,
				       &it.addr, it.len);
		KUNIT_EXPECT_EQ(test, (u64)it.addr,
				(u64)phys_to_dma(mdl->dev, page_to_phys(page)));
		offset += it.len;
		n++;
	}
	KUNIT_EXPECT_EQ(test, offset, mdl->byte_count);
	KUNIT_EXPECT_EQ(test, n, drm_mdl_dma_segment_count(mdl));
	return n;
}

static void mdl_alloc_basic_descriptor(struct kunit *test)
{
	struct drm_mdl_request req = mdl_test_request(SZ_1M + 1);
	long before = mdl_pages_in_use();
	struct drm_mdl *mdl;

	mdl = drm_mdl_alloc(mdl_test_dev(test), &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	KUNIT_EXPECT_EQ(test, mdl->page_count, SZ_1M / PAGE_SIZE + 1);
	KUNIT_EXPECT_EQ(test, mdl->cache_type, (u32)DRM_MDL_CACHE_CACHED);
	KUNIT_EXPECT_PTR_EQ(test, mdl->dev, mdl_test_dev(test));
	KUNIT_EXPECT_EQ(test, mdl_pages_in_use(), before + (long)mdl->page_count);
	mdl_expect_consistent(test, mdl);
	drm_mdl_free(mdl);
	KUNIT_EXPECT_EQ(test, mdl_pages_in_use(), before);
}

/*
 * The phase counters count only while on, and then every allocation and
 * free with the bytes its descriptor takes.
 */
static void mdl_alloc_phase_counters(struct kunit *test)
{
	struct drm_mdl_request req = mdl_test_request(SZ_64K);
	struct drm_mdl_phase_stats st;
	struct drm_mdl *mdl;
	u64 least;

	drm_mdl_phase_stats_reset();
	mdl = drm_mdl_alloc(mdl_test_dev(test), &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	drm_mdl_free(mdl);
	drm_mdl_phase_stats_read(&st);
	KUNIT_EXPECT_EQ(test, st.allocs, 0ULL);
	KUNIT_EXPECT_EQ(test, st.frees, 0ULL);

	drm_mdl_phase_stats_enable(true);
	mdl = drm_mdl_alloc(mdl_test_dev(test), &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	/* Failures are not counted as allocations. */
	req.flags = ~0U;
	KUNIT_EXPECT_TRUE(test, IS_ERR(drm_mdl_alloc(mdl_test_dev(test), &req)));
	drm_mdl_free(mdl);
	drm_mdl_phase_stats_enable(false);
	drm_mdl_phase_stats_read(&st);
	KUNIT_EXPECT_EQ(test, st.allocs, 1ULL);
	KUNIT_EXPECT_EQ(test, st.frees, 1ULL);
	KUNIT_EXPECT_EQ(test, st.pages, (u64)(SZ_64K >> PAGE_SHIFT));
	KUNIT_EXPECT_GE(test, st.runs, 1ULL);
	KUNIT_EXPECT_LE(test, st.runs, st.pages);
	/*
	 * The descriptor with its runs (and its table, where the kernel maps
	 * with one), at most doubled by the slab.
	 */
	least = mdl_compact_bytes(st.runs, st.runs);
	KUNIT_EXPECT_GE(test, st.desc_bytes, least);
	KUNIT_EXPECT_LE(test, st.desc_bytes, 2 * least);
	drm_mdl_phase_stats_reset();
	drm_mdl_phase_stats_read(&st);
	KUNIT_EXPECT_EQ(test, st.allocs, 0ULL);
	KUNIT_EXPECT_EQ(test, st.desc_bytes, 0ULL);
}

static void mdl_alloc_largest_chunks_first(struct kunit *test)
{
	struct drm_mdl_request req = mdl_test_request(SZ_4M);
	struct drm_mdl *mdl;

	/*
	 * An idle UML has free high-order blocks: far fewer runs than pages.
	 * The pool would hand out whatever earlier cases freed, so empty it.
	 */
	drm_mdl_pool_drain();
	mdl = drm_mdl_alloc(mdl_test_dev(test), &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	KUNIT_EXPECT_LE(test, mdl->nr_runs, mdl->page_count / 64);
	mdl_expect_consistent(test, mdl);
	drm_mdl_free(mdl);
}

static void mdl_alloc_dma_addresses_match_pages(struct kunit *test)
{
	struct drm_mdl_request req = mdl_test_request(SZ_2M + 3 * PAGE_SIZE);
	struct device *dev = mdl_test_dev(test);
	struct drm_mdl *mdl;
	dma_addr_t *addrs;
	unsigned long i;

	mdl = drm_mdl_alloc(dev, &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	addrs = kunit_kcalloc(test, mdl->page_count + 1, sizeof(*addrs),
			      GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, addrs);
	KUNIT_EXPECT_EQ(test, drm_mdl_get_dma_addrs(mdl, 0, mdl->page_count + 1,
						    addrs), mdl->page_count);
	for (i = 0; i < mdl->page_count; i++)
		KUNIT_EXPECT_EQ(test, (u64)addrs[i],
				(u64)phys_to_dma(dev, page_to_phys(drm_mdl_page(mdl, i))));
	/* From the middle: the same addresses. */
	i = mdl->page_count / 2;
	KUNIT_EXPECT_EQ(test, drm_mdl_get_dma_addrs(mdl, i, 2, addrs), 2UL);
	KUNIT_EXPECT_EQ(test, (u64)addrs[1],
			(u64)phys_to_dma(dev, page_to_phys(drm_mdl_page(mdl, i + 1))));
	KUNIT_EXPECT_EQ(test, drm_mdl_get_dma_addrs(mdl, mdl->page_count, 1,
						    addrs), 0UL);
	/* Direct mapping: one DMA segment per physically contiguous run. */
	KUNIT_EXPECT_EQ(test, mdl_expect_dma_segments(test, mdl, U64_MAX,
						      U64_MAX), mdl->nr_runs);
	drm_mdl_free(mdl);
}

static void mdl_alloc_zeroes_dirty_pages(struct kunit *test)
{
	struct drm_mdl_request req = mdl_test_request(64 * PAGE_SIZE);
	struct drm_mdl *mdl;
	unsigned long i;
	int round;

	for (round = 0; round < 3; round++) {
		mdl = drm_mdl_alloc(mdl_test_dev(test), &req);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
		for (i = 0; i < mdl->page_count; i++) {
			KUNIT_EXPECT_TRUE(test, mdl_test_page_is_zero(drm_mdl_page(mdl, i)));
			mdl_fill_page(drm_mdl_page(mdl, i), 0x5a);
		}
		drm_mdl_free(mdl);
	}
}

static void mdl_alloc_dont_zero_skips_zeroing(struct kunit *test)
{
	struct drm_mdl_request req = mdl_test_request(64 * PAGE_SIZE);
	unsigned long i, dirty = 0;
	struct drm_mdl *mdl;

	if (want_init_on_alloc(GFP_KERNEL))
		kunit_skip(test, "init_on_alloc zeroes every page anyway");

	mdl = drm_mdl_alloc(mdl_test_dev(test), &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	for (i = 0; i < mdl->page_count; i++)
		mdl_fill_page(drm_mdl_page(mdl, i), 0x5a);
	drm_mdl_free(mdl);

	/*
	 * Out of the pool (which would zero them), freed pages hold our
	 * pattern or the page-poison pattern, not zero.
	 */
	drm_mdl_pool_drain();
	req.flags |= DRM_MDL_ALLOC_DONT_ZERO;
	mdl = drm_mdl_alloc(mdl_test_dev(test), &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	for (i = 0; i < mdl->page_count; i++)
		dirty += !mdl_test_page_is_zero(drm_mdl_page(mdl, i));
	KUNIT_EXPECT_EQ(test, dirty, mdl->page_count);
	drm_mdl_free(mdl);
}

/*
 * The middle half of RAM, for a request small enough to take single pages
 * straight from the per-cpu lists when its window holds all of RAM, and for
 * one that climbs the order ladder.
 */
static void mdl_alloc_pages_inside_window(struct kunit *test)
{
	static const u64 sizes[] = { PAGE_SIZE, SZ_16K, SZ_1M };
	unsigned long top = mdl_test_top_pfn();
	unsigned int s;

	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		struct drm_mdl_request req = mdl_test_request(sizes[s]);
		struct drm_mdl *mdl;
		unsigned long i;

		req.low = PFN_PHYS(top / 4);
		req.high = PFN_PHYS(top / 4 * 3) - 1;
		mdl = drm_mdl_alloc(mdl_test_dev(test), &req);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
		KUNIT_EXPECT_EQ(test, mdl->byte_count, sizes[s]);
		for (i = 0; i < mdl->page_count; i++) {
			u64 first = PFN_PHYS(drm_mdl_pfn(mdl, i));

			KUNIT_EXPECT_GE(test, first, req.low);
			KUNIT_EXPECT_LE(test, first + PAGE_SIZE - 1, req.high);
		}
		drm_mdl_free(mdl);
	}
}

/*
 * A small cached request of a power of two pages, in a window that holds all
 * of RAM, is one unsplit buddy block; any other small request is single
 * pages. Both free cleanly, charged to a cgroup (past the pool) or not.
 */
static void mdl_alloc_small_power_of_two_is_one_block(struct kunit *test)
{
	static const struct {
		unsigned long pages;
		u32 cache_type;
		u64 low;
		unsigned int block_order;
	} cases[] = {
		{ 2, DRM_MDL_CACHE_CACHED, 0, 1 },
		{ 16, DRM_MDL_CACHE_CACHED, 0, 4 },
		{ 64, DRM_MDL_CACHE_CACHED, 0, 6 },
		{ 1, DRM_MDL_CACHE_CACHED, 0, 0 },
		{ 3, DRM_MDL_CACHE_CACHED, 0, 0 },
		{ 128, DRM_MDL_CACHE_CACHED, 0, 0 },
		{ 4, DRM_MDL_CACHE_WRITE_COMBINED, 0, 0 },
		{ 4, DRM_MDL_CACHE_CACHED, PAGE_SIZE, 0 },
	};
	struct device *dev = mdl_test_dev(test);
	long before = mdl_pages_in_use();
	unsigned int c;
	gfp_t account;

	drm_mdl_pool_drain();
	for (c = 0; c < ARRAY_SIZE(cases); c++) {
		for (account = 0; account <= __GFP_ACCOUNT;
		     account += __GFP_ACCOUNT) {
			struct drm_mdl_request req =
				mdl_test_request(cases[c].pages << PAGE_SHIFT);
			struct drm_mdl *mdl;

			req.cache_type = cases[c].cache_type;
			req.low = cases[c].low;
			mdl = mdl_alloc(dev, &req, account, 0);
			KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
			KUNIT_EXPECT_EQ_MSG(test, mdl->block_order,
					    cases[c].block_order, "case %u", c);
			if (mdl->block_order)
				KUNIT_EXPECT_EQ(test, mdl->nr_runs, 1U);
			mdl_expect_consistent(test, mdl);
			mdl_test_expect_zeroed(test, mdl);
			drm_mdl_free(mdl);
			/* Not the pool's whole allocation, a new one. */
			drm_mdl_pool_drain();
		}
	}
	KUNIT_EXPECT_EQ(test, mdl_pages_in_use(), before);
}

/*
 * One run is mapped as a range, more run by run or as a table: either way
 * each DMA segment is where its pages are on a direct-mapped device, and a
 * pooled allocation handed out again is mapped afresh.
 */
static void mdl_alloc_dma_segments_match_runs(struct kunit *test)
{
	static const u64 sizes[] = { PAGE_SIZE, PAGE_SIZE, SZ_64K, SZ_1M };
	struct device *dev = mdl_test_dev(test);
	unsigned int s;

	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		struct drm_mdl_request req = mdl_test_request(sizes[s]);
		struct drm_mdl *mdl;

		mdl = drm_mdl_alloc(dev, &req);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
		KUNIT_EXPECT_GE(test, mdl_expect_dma_segments(test, mdl, U64_MAX,
							      U64_MAX), 1U);
		drm_mdl_free(mdl);
		/* The second 4 KiB request takes the first one from the pool. */
		drm_mdl_pool_flush();
	}
}

static void mdl_alloc_boundary_page_at_inclusive_high(struct kunit *test)
{
	unsigned long pfn = mdl_free_block(test, 4) + 15;
	struct drm_mdl_request req = mdl_test_request(PAGE_SIZE);
	long before = mdl_pages_in_use();
	struct drm_mdl *mdl;

	/* A window of exactly one page, high being that page's last byte. */
	req.low = PFN_PHYS(pfn);
	req.high = PFN_PHYS(pfn) + PAGE_SIZE - 1;
	mdl = drm_mdl_alloc(mdl_test_dev(test), &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	KUNIT_EXPECT_EQ(test, mdl->page_count, 1UL);
	KUNIT_EXPECT_EQ(test, drm_mdl_pfn(mdl, 0), pfn);
	drm_mdl_free(mdl);

	/* One byte less and no page fits. */
	req.high--;
	mdl = drm_mdl_alloc(mdl_test_dev(test), &req);
	KUNIT_EXPECT_EQ(test, PTR_ERR(mdl), -ENOMEM);
	KUNIT_EXPECT_EQ(test, mdl_pages_in_use(), before);
}

static void mdl_alloc_unaligned_low_skips_partial_page(struct kunit *test)
{
	unsigned long pfn = mdl_free_block(test, 4) + 8;
	struct drm_mdl_request req = mdl_test_request(PAGE_SIZE);
	struct drm_mdl *mdl;

	/* Page pfn starts below low; only pfn + 1 lies inside. */
	req.low = PFN_PHYS(pfn) + 1;
	req.high = PFN_PHYS(pfn + 2) - 1;
	mdl = drm_mdl_alloc(mdl_test_dev(test), &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	KUNIT_EXPECT_EQ(test, drm_mdl_pfn(mdl, 0), pfn + 1);
	drm_mdl_free(mdl);
}

static void mdl_alloc_skip_zero_is_one_window(struct kunit *test)
{
	unsigned long pfn = mdl_free_block(test, 4);
	struct drm_mdl_request req = mdl_test_request(64 * PAGE_SIZE);
	long before = mdl_pages_in_use();
	struct drm_mdl *mdl;
	unsigned long i;

	/* A 16-page window and no skip: partial mode gets 16 at most. */
	req.low = PFN_PHYS(pfn);
	req.high = PFN_PHYS(pfn + 16) - 1;
	req.flags = 0;
	mdl = drm_mdl_alloc(mdl_test_dev(test), &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	KUNIT_EXPECT_GT(test, mdl->page_count, 0UL);
	KUNIT_EXPECT_LE(test, mdl->page_count, 16UL);
	for (i = 0; i < mdl->page_count; i++) {
		KUNIT_EXPECT_GE(test, drm_mdl_pfn(mdl, i), pfn);
		KUNIT_EXPECT_LT(test, drm_mdl_pfn(mdl, i), pfn + 16);
	}
	drm_mdl_free(mdl);

	/* Fully required, the same window cannot hold 64 pages. */
	req.flags = DRM_MDL_ALLOC_FULLY_REQUIRED;
	mdl = drm_mdl_alloc(mdl_test_dev(test), &req);
	KUNIT_EXPECT_EQ(test, PTR_ERR(mdl), -ENOMEM);
	KUNIT_EXPECT_EQ(test, mdl_pages_in_use(), before);
}

static void mdl_alloc_partial_reports_byte_count(struct kunit *test)
{
	unsigned long pfn = mdl_free_block(test, 3);
	struct drm_mdl_request req = mdl_test_request(SZ_1M);
	struct drm_mdl *mdl;

	req.low = PFN_PHYS(pfn);
	req.high = PFN_PHYS(pfn + 8) - 1;
	req.flags = 0;
	mdl = drm_mdl_alloc(mdl_test_dev(test), &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	KUNIT_EXPECT_LT(test, mdl->byte_count, req.total_bytes);
	KUNIT_EXPECT_GT(test, mdl->byte_count, 0ULL);
	KUNIT_EXPECT_EQ(test, mdl->byte_count, (u64)mdl->page_count * PAGE_SIZE);
	mdl_expect_consistent(test, mdl);
	drm_mdl_free(mdl);
}

static void mdl_alloc_partial_nothing_is_enomem(struct kunit *test)
{
	struct drm_mdl_request req = mdl_test_request(PAGE_SIZE);
	long before = mdl_pages_in_use();

	/* A window entirely above RAM has no page at all. */
	req.low = PFN_PHYS(mdl_test_top_pfn());
	req.flags = 0;
	KUNIT_EXPECT_EQ(test, PTR_ERR(drm_mdl_alloc(mdl_test_dev(test), &req)),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, mdl_pages_in_use(), before);
}

static void mdl_alloc_dxgk_is_always_fully_required(struct kunit *test)
{
	unsigned long pfn = mdl_free_block(test, 2);
	struct drm_mdl_request req = mdl_test_request(16 * PAGE_SIZE);
	long before = mdl_pages_in_use();
	struct drm_mdl *mdl;

	req.low = PFN_PHYS(pfn);
	req.high = PFN_PHYS(pfn + 4) - 1;
	req.flags = 0;
	mdl = drm_mdl_dxgk_allocate_pages(mdl_test_dev(test), &req);
	KUNIT_EXPECT_EQ(test, PTR_ERR(mdl), -ENOMEM);
	KUNIT_EXPECT_EQ(test, mdl_pages_in_use(), before);

	req = mdl_test_request(16 * PAGE_SIZE);
	req.flags = 0;
	mdl = drm_mdl_dxgk_allocate_pages(mdl_test_dev(test), &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	KUNIT_EXPECT_TRUE(test, mdl->flags & DRM_MDL_ALLOC_FULLY_REQUIRED);
	KUNIT_EXPECT_EQ(test, mdl->page_count, 16UL);
	drm_mdl_free(mdl);
}

/* The window index a pfn belongs to, or -1. */
static long mdl_window_of(unsigned long pfn, unsigned long base,
			  unsigned long width, unsigned long stride)
{
	if (pfn < base || (pfn - base) % stride >= width)
		return -1;
	return (pfn - base) / stride;
}

static void mdl_alloc_skip_uses_later_ranges_only_when_dry(struct kunit *test)
{
	unsigned long base = mdl_free_block(test, 4);
	unsigned long stride = SZ_16M >> PAGE_SHIFT;
	struct drm_mdl_request req = mdl_test_request(48 * PAGE_SIZE);
	unsigned long i, in_window0 = 0;
	long last = 0, k;
	struct drm_mdl *mdl;

	/* 16-page windows every 16 MiB; window 0 is a block we just freed. */
	req.low = PFN_PHYS(base);
	req.high = PFN_PHYS(base + 16) - 1;
	req.skip = SZ_16M;
	req.flags = 0;
	mdl = drm_mdl_alloc(mdl_test_dev(test), &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	for (i = 0; i < mdl->page_count; i++) {
		k = mdl_window_of(drm_mdl_pfn(mdl, i), base, 16, stride);
		KUNIT_ASSERT_GE(test, k, 0L);
		/* Allocation order never goes back to a lower window. */
		KUNIT_EXPECT_GE(test, k, last);
		last = k;
		in_window0 += !k;
	}
	/* Window 0 was drained before window 1 was touched. */
	KUNIT_EXPECT_EQ(test, in_window0, 16UL);
	KUNIT_EXPECT_GT(test, mdl->page_count, 16UL);
	KUNIT_EXPECT_GE(test, last, 1L);
	drm_mdl_free(mdl);
}

static void mdl_alloc_skip_stays_in_window0_when_enough(struct kunit *test)
{
	unsigned long base = mdl_free_block(test, 5);
	struct drm_mdl_request req = mdl_test_request(32 * PAGE_SIZE);
	struct drm_mdl *mdl;
	unsigned long i;

	req.low = PFN_PHYS(base);
	req.high = PFN_PHYS(base + 32) - 1;
	req.skip = SZ_16M;
	mdl = drm_mdl_alloc(mdl_test_dev(test), &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	for (i = 0; i < mdl->page_count; i++)
		KUNIT_EXPECT_LT(test, drm_mdl_pfn(mdl, i) - base, 32UL);
	drm_mdl_free(mdl);
}

static void mdl_alloc_single_contiguous_block(struct kunit *test)
{
	struct drm_mdl_request req = mdl_test_request(37 * PAGE_SIZE);
	unsigned long top = mdl_test_top_pfn();
	struct drm_mdl *mdl;

	req.low = PFN_PHYS(top / 2);
	req.flags |= DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS;
	mdl = drm_mdl_alloc(mdl_test_dev(test), &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	KUNIT_EXPECT_EQ(test, mdl->page_count, 37UL);
	KUNIT_EXPECT_EQ(test, mdl->nr_runs, 1U);
	KUNIT_EXPECT_GE(test, drm_mdl_pfn(mdl, 0), top / 2);
	mdl_expect_consistent(test, mdl);
	drm_mdl_free(mdl);
}

static void mdl_expect_blocks(struct kunit *test, const struct drm_mdl *mdl,
			      unsigned long block_pages, unsigned long first,
			      unsigned long last)
{
	unsigned long i;

	KUNIT_EXPECT_EQ(test, mdl->page_count % block_pages, 0UL);
	for (i = 0; i < mdl->page_count; i += block_pages) {
		unsigned long j;

		/* Each block is aligned to its size ... */
		KUNIT_EXPECT_EQ(test, drm_mdl_pfn(mdl, i) % block_pages, 0UL);
		/* ... contiguous ... */
		for (j = 1; j < block_pages; j++)
			KUNIT_EXPECT_EQ(test, drm_mdl_pfn(mdl, i + j), drm_mdl_pfn(mdl, i) + j);
		/* ... and inside [low, high]. */
		KUNIT_EXPECT_GE(test, drm_mdl_pfn(mdl, i), first);
		KUNIT_EXPECT_LE(test, drm_mdl_pfn(mdl, i) + block_pages - 1, last);
	}
}

/*
 * Scattered pages (one-page windows two pages apart): one slab object
 * holds the descriptor while it fits, its runs come on their own once
 * scattered pages make it too big; both describe and map the same way.
 * (mdl_describe_compare() covers the run index past
 * MDL_RUN_INDEX_STRIDE runs.)
 */
static void mdl_alloc_scattered_descriptor(struct kunit *test)
{
	static const unsigned long counts[] = { 1, 8, 64 };
	unsigned long top = mdl_test_top_pfn();
	struct drm_mdl *mdl;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(counts); i++) {
		struct drm_mdl_request req =
			mdl_test_request(counts[i] * PAGE_SIZE);
		unsigned int eighth;

		/*
		 * Exact placement needs every other page of a stretch free or
		 * movable; what the suite's earlier cases left behind may
		 * block one stretch (on 7.3's UML the one at a quarter of RAM:
		 * ENOMEM after the suite, not alone), so try a few. The
		 * descriptor is what is tested.
		 */
		mdl = ERR_PTR(-ENOMEM);
		for (eighth = 2; eighth <= 6 && IS_ERR(mdl); eighth++) {
			req.low = PFN_PHYS(top / 8 * eighth);
			req.high = req.low + PAGE_SIZE - 1;
			req.skip = 2 * PAGE_SIZE;
			mdl = drm_mdl_alloc(mdl_test_dev(test), &req);
		}
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
		KUNIT_EXPECT_EQ(test, mdl->page_count, counts[i]);
		KUNIT_EXPECT_EQ(test, (unsigned long)mdl->nr_runs, counts[i]);
		KUNIT_EXPECT_EQ(test, mdl->compact,
				mdl_compact_bytes(counts[i], counts[i]) <=
				MDL_COMPACT_MAX_BYTES);
		/* Small requests gather on the stack: nothing to keep. */
		KUNIT_EXPECT_FALSE(test, mdl->in_place);
		/* Past the stride, page lookups start from the run index. */
		KUNIT_EXPECT_EQ(test, !!mdl_desc(mdl)->run_index,
				counts[i] > MDL_RUN_INDEX_STRIDE);
		/*
		 * Nothing per page beside a run's u64 and, where the kernel
		 * maps with one, the mapping's table entry; the runs' table
		 * may be rounded up to a power of two.
		 */
		KUNIT_EXPECT_LE(test, mdl_descriptor_bytes(mdl),
				(u64)counts[i] * (2 * sizeof(u64) +
				(MDL_HAVE_DMA_BY_RUN ? 0 :
				 sizeof(struct scatterlist))) + 2 * PAGE_SIZE);
		mdl_expect_consistent(test, mdl);
		drm_mdl_free(mdl);
	}
}

/*
 * The smallest request's descriptor, mapped: one 128-byte slab object
 * (struct drm_mdl is 64 of them). The mapping state once pushed it into
 * the 192-byte class, half as much again for every small buffer.
 */
static void mdl_alloc_one_page_descriptor_is_128_bytes(struct kunit *test)
{
	struct drm_mdl_request req = mdl_test_request(PAGE_SIZE);
	struct drm_mdl *mdl;

	if (!IS_ENABLED(CONFIG_64BIT))
		kunit_skip(test, "sized for 64-bit pointers");
	mdl = drm_mdl_alloc(mdl_test_dev(test), &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	KUNIT_EXPECT_EQ(test, mdl->nr_runs, 1U);
	KUNIT_EXPECT_TRUE(test, mdl->compact);
	KUNIT_EXPECT_LE(test, mdl_descriptor_bytes(mdl), 128ULL);
	drm_mdl_free(mdl);
}

/*
 * A device that takes one page per DMA segment: the mapping is cut into
 * single pages, the runs are not.
 */
static void mdl_alloc_segment_limit_cuts_the_mapping_not_the_runs(struct kunit *test)
{
	struct drm_mdl_request req = mdl_test_request(SZ_4M + 3 * PAGE_SIZE);
	struct device *dev = mdl_test_dev(test);
	struct drm_mdl *mdl;

	dma_set_max_seg_size(dev, PAGE_SIZE);
	mdl = drm_mdl_alloc(dev, &req);
	dma_set_max_seg_size(dev, UINT_MAX);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	KUNIT_EXPECT_LT(test, (unsigned long)mdl->nr_runs, mdl->page_count);
	KUNIT_EXPECT_EQ(test, (unsigned long)mdl_expect_dma_segments(test, mdl,
								     PAGE_SIZE,
								     U64_MAX),
			mdl->page_count);
	mdl_expect_consistent(test, mdl);
	drm_mdl_free(mdl);
}

/*
 * Seeking to a byte finds the segment a walk from the start finds, for a
 * device whose segments are cut every 3 pages and at a boundary every 8:
 * one run mapped as one range, starting 3 pages into a boundary, which
 * seeking skips through without a walk.
 */
static void mdl_alloc_dma_seek_matches_the_walk(struct kunit *test)
{
	unsigned long base = mdl_free_block(test, 5);
	struct drm_mdl_request req = mdl_test_request(20 * PAGE_SIZE);
	struct device *dev = mdl_test_dev(test);
	struct mdl_dma_iter walk, seek;
	struct drm_mdl *mdl;
	u64 offset = 0;
	bool more;

	req.low = PFN_PHYS(base + 3);
	req.high = PFN_PHYS(base + 23) - 1;
	req.flags = DRM_MDL_ALLOC_PREFER_CONTIGUOUS;
	dma_set_max_seg_size(dev, 3 * PAGE_SIZE);
	dma_set_seg_boundary(dev, 8 * PAGE_SIZE - 1);
	mdl = drm_mdl_alloc(dev, &req);
	dma_set_max_seg_size(dev, UINT_MAX);
	dma_set_seg_boundary(dev, ULONG_MAX);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	KUNIT_EXPECT_EQ(test, mdl->nr_runs, 1U);
	KUNIT_EXPECT_EQ(test, drm_mdl_pfn(mdl, 0), base + 3);

	for (more = mdl_dma_seek(&walk, mdl, 0); more;
	     more = mdl_dma_next(&walk)) {
		u64 in;

		for (in = 0; in < walk.len; in += PAGE_SIZE) {
			KUNIT_ASSERT_TRUE(test, mdl_dma_seek(&seek, mdl,
							     offset + in));
			KUNIT_EXPECT_EQ(test, (u64)seek.addr,
					(u64)walk.addr + in);
			KUNIT_EXPECT_EQ(test, seek.len, walk.len - in);
		}
		offset += walk.len;
	}
	KUNIT_EXPECT_EQ(test, offset, mdl->byte_count);
	KUNIT_EXPECT_FALSE(test, mdl_dma_seek(&seek, mdl, mdl->byte_count));
	mdl_expect_dma_segments(test, mdl, 3 * PAGE_SIZE, 8 * PAGE_SIZE - 1);
	drm_mdl_free(mdl);
}

/*
 * A segment limit that divides no run: every DMA segment is cut at the
 * limit and no shorter, so the segments a run takes are its length over
 * the limit, rounded up.
 */
static void mdl_alloc_runs_cut_at_an_odd_segment_limit(struct kunit *test)
{
	struct drm_mdl_request req = mdl_test_request(SZ_4M + 3 * PAGE_SIZE);
	const unsigned long limit = 3;
	struct device *dev = mdl_test_dev(test);
	struct mdl_run_iter it;
	struct drm_mdl *mdl;
	unsigned long want = 0;

	dma_set_max_seg_size(dev, limit * PAGE_SIZE);
	mdl = drm_mdl_alloc(dev, &req);
	dma_set_max_seg_size(dev, UINT_MAX);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	mdl_run_start(&it, mdl);
	while (mdl_run_next(&it))
		want += DIV_ROUND_UP(it.nr_pages, limit);
	KUNIT_EXPECT_EQ(test, (unsigned long)mdl_expect_dma_segments(test, mdl,
								     limit * PAGE_SIZE,
								     U64_MAX),
			want);
	KUNIT_EXPECT_GT(test, want, (unsigned long)mdl->nr_runs);
	mdl_expect_consistent(test, mdl);
	drm_mdl_free(mdl);
}

/*
 * A device whose DMA segments must not cross a 64 KiB boundary: its
 * mapping is cut at every multiple of 64 KiB, the runs longer than that
 * are not, and every page is still described.
 */
static void mdl_alloc_runs_cut_at_the_segment_boundary(struct kunit *test)
{
	struct drm_mdl_request req = mdl_test_request(SZ_4M + 3 * PAGE_SIZE);
	const u64 mask = SZ_64K - 1;
	struct device *dev = mdl_test_dev(test);
	unsigned long longest = 0;
	struct mdl_run_iter it;
	struct drm_mdl *mdl;

	req.flags |= DRM_MDL_ALLOC_PREFER_CONTIGUOUS;
	drm_mdl_pool_drain();
	dma_set_seg_boundary(dev, mask);
	KUNIT_ASSERT_EQ(test, (u64)dma_get_seg_boundary(dev), mask);
	mdl = drm_mdl_alloc(dev, &req);
	dma_set_seg_boundary(dev, ULONG_MAX);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	mdl_run_start(&it, mdl);
	while (mdl_run_next(&it))
		longest = max(longest, it.nr_pages);
	/* Only runs longer than the boundary prove anything. */
	KUNIT_EXPECT_GT(test, longest << PAGE_SHIFT, (unsigned long)SZ_64K);
	KUNIT_EXPECT_GT(test, mdl_expect_dma_segments(test, mdl, U64_MAX, mask),
			mdl->nr_runs);
	mdl_expect_consistent(test, mdl);
	drm_mdl_free(mdl);
}

/*
 * Describing from the runs a list recorded as pages came in gives the
 * runs and index that walking its pages gives: for runs that span several
 * additions and blocks that happen to be adjacent. The entries the list
 * counts for a device's segment limit (@limit pages) and boundary (every
 * @boundary pages, 0 for none), which size the table of kernels that map
 * with one, are those of a table cut for such a device.
 */
static void mdl_describe_compare(struct kunit *test, unsigned int nr_blocks,
				 unsigned long limit, unsigned long boundary)
{
	const unsigned int big_order = 5;
	const unsigned long capacity = nr_blocks * 3 + (1UL << big_order);
	struct mdl_page_list recorded = {
		.capacity = capacity,
		.max_seg_pages = limit,
		.seg_boundary_pages = boundary,
		.run_room = capacity,
	};
	struct device *dev = mdl_test_dev(test);
	struct mdl_page_list walked;
	struct drm_mdl *from_runs = NULL, *by_walking = NULL;
	const struct mdl_descriptor *a, *b;
	struct page **blocks, *big;
	struct mdl_run_iter it;
	struct sg_table sgt = {};
	unsigned int i, k;

	blocks = kunit_kcalloc(test, nr_blocks, sizeof(*blocks), GFP_KERNEL);
	recorded.pages = kunit_kcalloc(test, capacity, sizeof(struct page *),
				       GFP_KERNEL);
	recorded.run_starts = kunit_kcalloc(test, capacity, sizeof(u32),
					    GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, blocks);
	KUNIT_ASSERT_NOT_NULL(test, recorded.pages);
	KUNIT_ASSERT_NOT_NULL(test, recorded.run_starts);
	big = alloc_pages(GFP_KERNEL, big_order);
	KUNIT_ASSERT_NOT_NULL(test, big);

	mdl_page_list_add(&recorded, big, 8);
	mdl_page_list_add(&recorded, mdl_page_at(big, 8), 8);
	/* Pages 0, 2 and 3 of each block: at least a run per block. */
	for (i = 0; i < nr_blocks; i++) {
		blocks[i] = alloc_pages(GFP_KERNEL, 2);
		if (!blocks[i])
			break;
		mdl_page_list_add(&recorded, blocks[i], 1);
		if (i % 2) {
			mdl_page_list_add(&recorded, mdl_page_at(blocks[i], 2), 2);
			continue;
		}
		for (k = 2; k < 4; k++)
			mdl_page_list_add(&recorded, mdl_page_at(blocks[i], k), 1);
	}
	if (i < nr_blocks) {
		KUNIT_FAIL(test, "no order-2 block for the list");
		goto out;
	}
	mdl_page_list_add(&recorded, mdl_page_at(big, 16), 16);
	KUNIT_EXPECT_EQ(test, recorded.count, capacity);
	KUNIT_EXPECT_LE(test, recorded.nr_runs, recorded.run_room);
	KUNIT_EXPECT_GT(test, recorded.nr_runs, MDL_RUN_INDEX_STRIDE);

	walked = recorded;
	walked.run_room = 0;
	from_runs = mdl_describe(&recorded, GFP_KERNEL);
	by_walking = mdl_describe(&walked, GFP_KERNEL);
	/* The pages are the test's own: every check below must reach out. */
	if (!from_runs || !by_walking ||
	    from_runs->nr_runs != recorded.nr_runs ||
	    by_walking->nr_runs != recorded.nr_runs ||
	    !mdl_desc(from_runs)->run_index ||
	    !mdl_desc(by_walking)->run_index) {
		KUNIT_FAIL(test, "descriptors missing or of the wrong size");
		goto out;
	}
	a = mdl_desc(from_runs);
	b = mdl_desc(by_walking);
	mdl_run_start(&it, from_runs);
	for (k = 0; mdl_run_next(&it); k++) {
		if (!(k % MDL_RUN_INDEX_STRIDE)) {
			KUNIT_EXPECT_EQ(test, a->run_index[k / MDL_RUN_INDEX_STRIDE],
					it.first_page);
			KUNIT_EXPECT_EQ(test, b->run_index[k / MDL_RUN_INDEX_STRIDE],
					it.first_page);
		}
		KUNIT_EXPECT_EQ(test, a->runs[k], b->runs[k]);
	}
	KUNIT_EXPECT_EQ(test, it.first_page + it.nr_pages, capacity);
	mdl_expect_consistent(test, from_runs);

	/*
	 * A run is 8 bytes, its table (up to a power of two) and the index
	 * all there is.
	 */
	KUNIT_EXPECT_LE(test, mdl_descriptor_bytes(from_runs),
			2 * recorded.nr_runs * sizeof(u64) + PAGE_SIZE);
	from_runs->dev = dev;
	if (mdl_dma_map(dev, from_runs, GFP_KERNEL)) {
		KUNIT_FAIL(test, "the descriptor could not be mapped");
		goto table;
	}
	mdl_expect_dma_segments(test, from_runs, U64_MAX, U64_MAX);
	/*
	 * The test device maps directly, outside any IOMMU: on every kernel
	 * a page's bus address is its physical one plus an offset, and the
	 * mapping keeps that offset, not a table entry per run.
	 */
	KUNIT_EXPECT_EQ(test, mdl_desc(from_runs)->dma.mode, MDL_DMA_OFFSET);
	KUNIT_EXPECT_LE(test, mdl_descriptor_bytes(from_runs),
			2 * recorded.nr_runs * sizeof(u64) + PAGE_SIZE);
	mdl_dma_unmap(from_runs);
	KUNIT_EXPECT_EQ(test, drm_mdl_dma_segment_count(from_runs), 0U);
table:

	/* A table for a device with the list's limits: as many entries. */
	dma_set_max_seg_size(dev, limit * PAGE_SIZE);
	dma_set_seg_boundary(dev, boundary ? boundary * PAGE_SIZE - 1 :
				  ULONG_MAX);
	k = drm_mdl_get_sg_table(dev, &sgt, from_runs, GFP_KERNEL);
	dma_set_max_seg_size(dev, UINT_MAX);
	dma_set_seg_boundary(dev, ULONG_MAX);
	KUNIT_EXPECT_EQ(test, k, 0U);
	if (!k) {
		KUNIT_EXPECT_EQ(test, sgt.orig_nents, recorded.nr_entries);
		sg_free_table(&sgt);
	}
out:
	if (from_runs)
		mdl_release_descriptor(from_runs);
	if (by_walking)
		mdl_release_descriptor(by_walking);
	while (i--)
		__free_pages(blocks[i], 2);
	__free_pages(big, big_order);
}

/*
 * mdl_contiguous_pfn(), which the PMD fault asks, against a page-by-page
 * walk: a run cut into 16-page entries at a 64 KiB segment boundary is
 * still one physical range, and a range that crosses from one window into
 * the next, 16 MiB on, is not.
 */
static void mdl_contiguous_pfn_follows_runs_across_entries(struct kunit *test)
{
	unsigned long base = mdl_free_block(test, 6);
	struct drm_mdl_request req = mdl_test_request(80 * PAGE_SIZE);
	const unsigned long counts[] = { 1, 16, 40, 64, 80 };
	struct device *dev = mdl_test_dev(test);
	unsigned long *contig, i, pfn, longest = 0;
	bool crossed_gap = false;
	struct drm_mdl *mdl;
	unsigned int c;

	/* 64-page windows every 16 MiB; window 0 is a block just freed. */
	req.low = PFN_PHYS(base);
	req.high = PFN_PHYS(base + 64) - 1;
	req.skip = SZ_16M;
	req.flags = DRM_MDL_ALLOC_PREFER_CONTIGUOUS;
	dma_set_seg_boundary(dev, SZ_64K - 1);
	mdl = drm_mdl_alloc(dev, &req);
	dma_set_seg_boundary(dev, ULONG_MAX);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);

	/* contig[i]: how many pages from page i on are consecutive frames. */
	contig = kunit_kcalloc(test, mdl->page_count, sizeof(*contig),
			       GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, contig);
	for (i = mdl->page_count; i--;)
		contig[i] = i + 1 < mdl->page_count &&
			    drm_mdl_pfn(mdl, i + 1) == drm_mdl_pfn(mdl, i) + 1 ?
			    contig[i + 1] + 1 : 1;
	for (i = 0; i < mdl->page_count; i++)
		longest = max(longest, contig[i]);
	/* Entries hold 16 pages at most: a longer range spans two or more. */
	KUNIT_EXPECT_GT(test, longest, SZ_64K >> PAGE_SHIFT);

	for (i = 0; i < mdl->page_count; i++) {
		for (c = 0; c < ARRAY_SIZE(counts); c++) {
			unsigned long n = counts[c];
			bool want, got;

			if (n > mdl->page_count - i)
				continue;
			want = contig[i] >= n;
			crossed_gap |= !want;
			pfn = 0;
			got = mdl_contiguous_pfn(mdl, i, n, &pfn);
			KUNIT_EXPECT_EQ_MSG(test, got, want, "pages %lu + %lu",
					    i, n);
			if (got && want)
				KUNIT_EXPECT_EQ(test, pfn, drm_mdl_pfn(mdl, i));
		}
	}
	KUNIT_EXPECT_TRUE_MSG(test, crossed_gap,
			      "no range crossed from one window to the next");
	/* Out of range is a no, not a read past the runs. */
	KUNIT_EXPECT_FALSE(test, mdl_contiguous_pfn(mdl, mdl->page_count, 1,
						    &pfn));
	KUNIT_EXPECT_FALSE(test, mdl_contiguous_pfn(mdl, 1, mdl->page_count,
						    &pfn));
	drm_mdl_free(mdl);
}

/* Runs past the stride of the index, entries cut every 3 pages. */
static void mdl_describe_recorded_runs_match_the_page_walk(struct kunit *test)
{
	mdl_describe_compare(test, 400, 3, 0);
}

/* The same with a segment boundary every 8 pages. */
static void mdl_describe_runs_cut_at_the_boundary_match_the_page_walk(struct kunit *test)
{
	mdl_describe_compare(test, 400, 3, 8);
}

/* Runs past a page of them, an index of several marks. */
static void mdl_describe_many_runs_match_the_page_walk(struct kunit *test)
{
	mdl_describe_compare(test, 1500, 1, 0);
}

/*
 * A scattered request's runs are written over the table its pages were
 * gathered into, which the descriptor keeps: no second table of the same
 * length. Order-3 blocks give runs of one page (pages 0 and 2) and, first,
 * a few of two (pages 2 and 3), so that the writes trail the reads; 1000
 * pages in 990 runs, past the index's stride, with a table the slab gives
 * out at 8 KiB, within an eighth of what the runs need. Every page and
 * every indexed lookup must still be right.
 */
static void mdl_describe_scattered_runs_take_the_gather_table(struct kunit *test)
{
	const unsigned long nr_doubles = 10, nr_blocks = 500, n = 1000;
	struct mdl_page_list list = {
		.capacity = n,
		.max_seg_pages = ULONG_MAX,
		.run_room = mdl_page_list_run_room(n),
	};
	struct page **table, **blocks, *page;
	unsigned long *pfns, i;
	struct mdl_run_iter it;
	struct drm_mdl *mdl;

	if (!IS_ENABLED(CONFIG_64BIT))
		kunit_skip(test, "runs take a page pointer's room only on 64-bit");
	blocks = kunit_kcalloc(test, nr_blocks, sizeof(*blocks), GFP_KERNEL);
	pfns = kunit_kcalloc(test, n, sizeof(*pfns), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, blocks);
	KUNIT_ASSERT_NOT_NULL(test, pfns);
	table = mdl_table_alloc(mdl_gather_table_words(n), sizeof(*table),
				GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, table);
	list.pages = table;
	list.run_starts = (u32 *)(table + n);
	list.table = table;
	for (i = 0; i < nr_blocks; i++) {
		blocks[i] = alloc_pages(GFP_KERNEL, 3);
		if (!blocks[i])
			break;
		if (i < nr_doubles) {
			mdl_page_list_add(&list, mdl_page_at(blocks[i], 2), 2);
			continue;
		}
		mdl_page_list_add(&list, blocks[i], 1);
		mdl_page_list_add(&list, mdl_page_at(blocks[i], 2), 1);
	}
	if (i < nr_blocks) {
		KUNIT_FAIL(test, "no order-3 block for the list");
		goto out;
	}
	KUNIT_EXPECT_EQ(test, list.count, n);
	for (i = 0; i < n; i++)
		pfns[i] = page_to_pfn(table[i]);
	KUNIT_EXPECT_EQ(test, (unsigned long)list.nr_runs,
			2 * nr_blocks - nr_doubles);

	mdl = mdl_describe(&list, GFP_KERNEL);
	if (!mdl) {
		KUNIT_FAIL(test, "no descriptor");
		goto out;
	}
	KUNIT_EXPECT_TRUE(test, mdl->in_place);
	KUNIT_EXPECT_PTR_EQ(test, (void *)mdl_desc(mdl)->runs, (void *)table);
	KUNIT_EXPECT_NULL(test, list.table);
	KUNIT_EXPECT_EQ(test, list.count, 0UL);
	KUNIT_EXPECT_EQ(test, (unsigned long)mdl->nr_runs,
			2 * nr_blocks - nr_doubles);
	KUNIT_EXPECT_NOT_NULL(test, mdl_desc(mdl)->run_index);
	i = 0;
	mdl_run_start(&it, mdl);
	while ((page = mdl_run_next_page(&it)) && i < n)
		KUNIT_EXPECT_EQ(test, page_to_pfn(page), pfns[i++]);
	KUNIT_EXPECT_EQ(test, i, n);
	/* Lookups from the index, in every stride. */
	for (i = 0; i < n; i += 37)
		KUNIT_EXPECT_EQ(test, drm_mdl_pfn(mdl, i), pfns[i]);
	KUNIT_EXPECT_EQ(test, drm_mdl_pfn(mdl, n - 1), pfns[n - 1]);
	/* The table, an index and the struct: within 9 bytes a run and a page. */
	KUNIT_EXPECT_GE(test, mdl_descriptor_bytes(mdl),
			(u64)mdl_gather_table_words(n) * sizeof(*table));
	KUNIT_EXPECT_LE(test, mdl_descriptor_bytes(mdl),
			(u64)mdl->nr_runs * 9 + PAGE_SIZE);
	mdl_release_descriptor(mdl);
out:
	/* NULL once the descriptor took it, as in mdl_alloc_large(). */
	kvfree(list.table);
	for (i = 0; i < nr_blocks && blocks[i]; i++)
		__free_pages(blocks[i], 3);
}

/*
 * A table the slab rounded up to twice what the runs need is not kept: the
 * runs get an array of their own, as one with far fewer runs than pages.
 */
static void mdl_describe_loose_table_is_not_kept(struct kunit *test)
{
	const unsigned long n = 512;
	struct mdl_page_list list = {
		.capacity = n,
		.max_seg_pages = ULONG_MAX,
		.run_room = mdl_page_list_run_room(n),
	};
	struct page **table, *block;
	struct drm_mdl *mdl;
	unsigned long i;

	/* 512 pointers and the run starts: past 4 KiB, so an 8 KiB object. */
	table = kmalloc_array(mdl_gather_table_words(n), sizeof(*table),
			      GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, table);
	block = alloc_pages(GFP_KERNEL, 10);
	if (!block) {
		kfree(table);
		kunit_skip(test, "no order-10 block");
	}
	list.pages = table;
	list.run_starts = (u32 *)(table + n);
	list.table = table;
	for (i = 0; i < n; i++)
		mdl_page_list_add(&list, mdl_page_at(block, 2 * i), 1);
	mdl = mdl_describe(&list, GFP_KERNEL);
	if (mdl) {
		KUNIT_EXPECT_FALSE(test, mdl->in_place);
		KUNIT_EXPECT_PTR_EQ(test, list.table, (void *)table);
		KUNIT_EXPECT_LE(test, mdl_descriptor_bytes(mdl),
				(u64)n * sizeof(u64) + PAGE_SIZE);
		mdl_release_descriptor(mdl);
	} else {
		KUNIT_FAIL(test, "no descriptor");
	}
	kvfree(list.table);
	__free_pages(block, 10);
}

static void mdl_alloc_contiguous_blocks_of_skip(struct kunit *test)
{
	struct drm_mdl_request req = mdl_test_request(SZ_1M);
	unsigned long top = mdl_test_top_pfn();
	struct drm_mdl *mdl;

	req.skip = SZ_64K;
	req.low = PFN_PHYS(top / 4);
	req.high = PFN_PHYS(top / 4 * 3) - 1;
	req.flags |= DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS;
	mdl = drm_mdl_alloc(mdl_test_dev(test), &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	KUNIT_EXPECT_EQ(test, mdl->byte_count, (u64)SZ_1M);
	mdl_expect_blocks(test, mdl, SZ_64K / PAGE_SIZE, top / 4,
			  top / 4 * 3 - 1);
	drm_mdl_free(mdl);
}

static void mdl_alloc_blocks_beyond_buddy_order(struct kunit *test)
{
	unsigned long block = 1UL << NR_PAGE_ORDERS;	/* one order too big */
	struct drm_mdl_request req = mdl_test_request(PFN_PHYS(block));
	struct drm_mdl *mdl;

	if (!IS_ENABLED(CONFIG_CONTIG_ALLOC))
		kunit_skip(test, "needs CONFIG_CONTIG_ALLOC");
	req.skip = PFN_PHYS(block);
	req.flags |= DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS;
	mdl = drm_mdl_alloc(mdl_test_dev(test), &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	mdl_expect_blocks(test, mdl, block, 0, mdl_test_top_pfn() - 1);
	KUNIT_EXPECT_EQ(test, mdl->nr_runs, 1U);
	drm_mdl_free(mdl);
}

static void mdl_alloc_fast_large_pages(struct kunit *test)
{
	u64 large = drm_mdl_large_page_size();
	struct drm_mdl_request req = mdl_test_request(2 * large);
	struct drm_mdl *mdl;

	req.skip = large;
	req.flags |= DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS |
		     DRM_MDL_ALLOC_FAST_LARGE_PAGES;
	mdl = drm_mdl_alloc(mdl_test_dev(test), &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	mdl_expect_blocks(test, mdl, large >> PAGE_SHIFT, 0,
			  mdl_test_top_pfn() - 1);
	drm_mdl_free(mdl);
}

static void mdl_alloc_fast_large_pages_fails_fast(struct kunit *test)
{
	unsigned int order = ilog2(drm_mdl_large_page_size() >> PAGE_SHIFT);
	struct drm_mdl_request req = mdl_test_request(drm_mdl_large_page_size());
	long before = mdl_pages_in_use();
	struct page *taken;
	struct drm_mdl *mdl;

	/* The only large page of the window is ours: none is free there. */
	taken = alloc_pages(GFP_KERNEL | __GFP_NOWARN, order);
	KUNIT_ASSERT_NOT_NULL(test, taken);
	req.low = page_to_phys(taken);
	req.high = req.low + drm_mdl_large_page_size() - 1;
	req.skip = drm_mdl_large_page_size();
	req.flags |= DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS |
		     DRM_MDL_ALLOC_FAST_LARGE_PAGES;
	mdl_fault_disarm();
	mdl = drm_mdl_alloc(mdl_test_dev(test), &req);
	KUNIT_EXPECT_EQ(test, PTR_ERR(mdl), -ENOMEM);
	/* Fast means no exact-placement (migration) attempt at all. */
	KUNIT_EXPECT_EQ(test, mdl_fault_calls(MDL_FAULT_CONTIG), 0UL);
	KUNIT_EXPECT_LE(test, mdl_fault_calls(MDL_FAULT_PAGE), 4UL);
	KUNIT_EXPECT_EQ(test, mdl_pages_in_use(), before);
	__free_pages(taken, order);
}

static void mdl_alloc_respects_dma_reach(struct kunit *test)
{
	struct drm_mdl_request req = mdl_test_request(SZ_256K);
	u64 limit = PFN_PHYS(mdl_test_top_pfn() / 4 * 3) - 1;
	struct device *dev = mdl_test_dev(test);
	struct drm_mdl *mdl;
	unsigned long i;

	/*
	 * A direct-mapped device that sees only the lower 3/4 of RAM gets
	 * nothing above it. UML's dma-direct refuses masks below its RAM, so
	 * limit the bus instead, as a bridge would.
	 */
	dev->bus_dma_limit = limit;
	mdl = drm_mdl_alloc(dev, &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	for (i = 0; i < mdl->page_count; i++)
		KUNIT_EXPECT_LE(test, (u64)PFN_PHYS(drm_mdl_pfn(mdl, i) + 1) - 1, limit);
	drm_mdl_free(mdl);
}

static void mdl_alloc_each_cache_type(struct kunit *test)
{
	struct drm_mdl_request req = mdl_test_request(8 * PAGE_SIZE);
	pgprot_t base = PAGE_KERNEL;
	struct drm_mdl *mdl;
	u32 type;

	for (type = DRM_MDL_CACHE_NON_CACHED;
	     type <= DRM_MDL_CACHE_WRITE_COMBINED; type++) {
		req.cache_type = type;
		mdl = drm_mdl_alloc(mdl_test_dev(test), &req);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
		KUNIT_EXPECT_EQ(test, mdl->cache_type, type);
		drm_mdl_free(mdl);
	}
	KUNIT_EXPECT_EQ(test,
			pgprot_val(mdl_cache_pgprot(DRM_MDL_CACHE_CACHED, base)),
			pgprot_val(base));
	KUNIT_EXPECT_EQ(test,
			pgprot_val(mdl_cache_pgprot(DRM_MDL_CACHE_WRITE_COMBINED, base)),
			pgprot_val(pgprot_writecombine(base)));
	KUNIT_EXPECT_EQ(test,
			pgprot_val(mdl_cache_pgprot(DRM_MDL_CACHE_NON_CACHED, base)),
			pgprot_val(pgprot_noncached(base)));
}

static void mdl_alloc_local_node_only(struct kunit *test)
{
	struct drm_mdl_request req = mdl_test_request(SZ_256K);
	struct device *dev = mdl_test_dev(test);
	int nid = dev_to_node(dev) == NUMA_NO_NODE ? numa_node_id() :
						      dev_to_node(dev);
	struct drm_mdl *mdl;
	unsigned long i;

	req.flags |= DRM_MDL_ALLOC_LOCAL_NODE_ONLY;
	mdl = drm_mdl_alloc(dev, &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	for (i = 0; i < mdl->page_count; i++)
		KUNIT_EXPECT_EQ(test, page_to_nid(drm_mdl_page(mdl, i)), nid);
	drm_mdl_free(mdl);
}

/*
 * Exact placement looks at a pageblock before it pays for isolating it.
 * Since 6.14 slab pages, and later large kmalloc ones, have a reference
 * count of 0, as free pages do: taken for free, they sent exact placement
 * into every pageblock that held one, where each attempt down to single
 * pages failed, and a window request on the debug kernel ran out of
 * attempts (ENOMEM).
 */
static void mdl_contig_look_refuses_kernel_pages(struct kunit *test)
{
	struct kmem_cache *cache;
	struct page *page;
	void *obj, *large;

	cache = kmem_cache_create("mdl_kunit_look", 192, 0, 0, NULL);
	KUNIT_ASSERT_NOT_NULL(test, cache);
	obj = kmem_cache_alloc(cache, GFP_KERNEL);
	large = kmalloc(4 * PAGE_SIZE, GFP_KERNEL);
	page = alloc_page(GFP_KERNEL);
	if (obj && large && page) {
		KUNIT_EXPECT_FALSE(test,
				   mdl_page_free_or_movable(virt_to_page(obj)));
		KUNIT_EXPECT_FALSE(test,
				   mdl_page_free_or_movable(virt_to_page(large)));
		KUNIT_EXPECT_FALSE(test,
				   mdl_page_free_or_movable(virt_to_page(large) + 1));
		KUNIT_EXPECT_FALSE(test, mdl_page_free_or_movable(page));
		/* Freed, it sits on a per-cpu list or in the buddy allocator. */
		__free_page(page);
		KUNIT_EXPECT_TRUE(test, mdl_page_free_or_movable(page));
	} else {
		KUNIT_FAIL(test, "no memory for the test's kernel allocations");
		if (page)
			__free_page(page);
	}
	kfree(large);
	if (obj)
		kmem_cache_free(cache, obj);
	kmem_cache_destroy(cache);
}

/*
 * A pageblock whose pages are all free and that isolation still refuses is
 * refused as a whole: a CMA pageblock (isolated as movable, which it is
 * not) or one somebody else isolated. Bisecting it down to single pages
 * spent 127 to 1023 attempts on it, and the attempts are what a request's
 * later windows, where pages could be had, are budgeted from.
 */
static void mdl_contig_refused_free_pageblock_costs_one_attempt(struct kunit *test)
{
	unsigned long first = mdl_free_block(test, pageblock_order);
	struct mdl_window window = {
		.first_pfn = first,
		.last_pfn = first + pageblock_nr_pages - 1,
	};
	struct mdl_plan plan = { .nr_pages = 64 };
	struct mdl_page_list list = { .capacity = plan.nr_pages };
	struct mdl_chunk_ctx ctx;
	unsigned long budget;

	if (!IS_ENABLED(CONFIG_CONTIG_ALLOC))
		kunit_skip(test, "no alloc_contig_range() in this kernel");
	list.pages = kunit_kcalloc(test, list.capacity, sizeof(*list.pages),
				   GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, list.pages);
	mdl_chunk_ctx_init(&ctx, &plan, NUMA_NO_NODE, 0);
	budget = ctx.contig_budget;

	/* Every isolation fails, as a CMA pageblock's does. */
	mdl_fault_arm(MDL_FAULT_CONTIG, 1);
	KUNIT_EXPECT_EQ(test, mdl_contig_scatter(&ctx, &window, &list), 0);
	KUNIT_EXPECT_EQ(test, list.count, 0UL);
	KUNIT_EXPECT_EQ(test, mdl_fault_calls(MDL_FAULT_CONTIG), 1UL);
	KUNIT_EXPECT_EQ(test, ctx.contig_budget, budget - 1);

	/* The verdict holds for the pageblock: a second window skips it. */
	KUNIT_EXPECT_EQ(test, mdl_contig_scatter(&ctx, &window, &list), 0);
	KUNIT_EXPECT_EQ(test, mdl_fault_calls(MDL_FAULT_CONTIG), 1UL);
	mdl_fault_disarm();
	mdl_chunk_release_held(&ctx);
}

/*
 * A walk over millions of one-page windows must end once no later window
 * can deliver: rejected pages are counted over the whole request.
 */
static void mdl_alloc_walk_ends_when_spent(struct kunit *test)
{
	struct mdl_plan plan = { .nr_pages = 65,
				 .flags = DRM_MDL_ALLOC_NO_WAIT };
	struct mdl_chunk_ctx ctx;

	drm_mdl_pool_drain();
	mdl_chunk_ctx_init(&ctx, &plan, NUMA_NO_NODE, 0);
	KUNIT_EXPECT_FALSE(test, mdl_chunk_spent(&ctx));

	ctx.nr_rejected = 2 * plan.nr_pages + SZ_1K + 1;
	/* NO_WAIT rules out exact placement: nothing else is left. */
	KUNIT_EXPECT_TRUE(test, mdl_chunk_spent(&ctx));

	plan.flags = 0;
	KUNIT_EXPECT_EQ(test, mdl_chunk_spent(&ctx),
			!IS_ENABLED(CONFIG_CONTIG_ALLOC));
	ctx.contig_budget = 0;
	KUNIT_EXPECT_TRUE(test, mdl_chunk_spent(&ctx));

	/* Held pages given back before exact placement still count. */
	ctx.nr_held = 0;
	KUNIT_EXPECT_TRUE(test, mdl_chunk_spent(&ctx));
}

static void mdl_alloc_gfp_follows_flags(struct kunit *test)
{
	struct mdl_window window = { .first_pfn = 0, .last_pfn = ULONG_MAX >> PAGE_SHIFT };
	struct mdl_plan plan = { .nr_pages = 1 };
	struct mdl_chunk_ctx ctx;
	gfp_t gfp;

	mdl_chunk_ctx_init(&ctx, &plan, NUMA_NO_NODE, 0);
	gfp = mdl_chunk_gfp(&ctx, &window, 0);
	KUNIT_EXPECT_TRUE(test, gfp & __GFP_ZERO);
	KUNIT_EXPECT_TRUE(test, gfp & __GFP_RETRY_MAYFAIL);	/* no OOM kill */
	/* A large chunk of a scattered request: what is free, no reclaim. */
	gfp = mdl_chunk_gfp(&ctx, &window, 4);
	KUNIT_EXPECT_TRUE(test, gfp & __GFP_NORETRY);
	KUNIT_EXPECT_TRUE(test, gfp & __GFP_NOWARN);
	KUNIT_EXPECT_FALSE(test, gfp & __GFP_RECLAIM);

	/* Required blocks get one round of reclaim. */
	plan.flags = DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS;
	gfp = mdl_chunk_gfp(&ctx, &window, 4);
	KUNIT_EXPECT_TRUE(test, gfp & __GFP_DIRECT_RECLAIM);
	KUNIT_EXPECT_TRUE(test, gfp & __GFP_NORETRY);

	plan.flags = DRM_MDL_ALLOC_NO_WAIT | DRM_MDL_ALLOC_DONT_ZERO;
	gfp = mdl_chunk_gfp(&ctx, &window, 0);
	KUNIT_EXPECT_FALSE(test, gfp & __GFP_DIRECT_RECLAIM);
	KUNIT_EXPECT_FALSE(test, gfp & __GFP_ZERO);

	plan.flags = DRM_MDL_ALLOC_PREFER_CONTIGUOUS;
	gfp = mdl_chunk_gfp(&ctx, &window, 4);
	KUNIT_EXPECT_TRUE(test, gfp & __GFP_DIRECT_RECLAIM);
	KUNIT_EXPECT_TRUE(test, gfp & __GFP_RETRY_MAYFAIL);
	KUNIT_EXPECT_FALSE(test, gfp & __GFP_NORETRY);

	plan.flags = DRM_MDL_ALLOC_LOCAL_NODE_ONLY;
	KUNIT_EXPECT_TRUE(test, mdl_chunk_gfp(&ctx, &window, 0) & __GFP_THISNODE);

	/* A window below 4 GiB asks the narrowest zone that covers it. */
	window.last_pfn = (SZ_16M >> PAGE_SHIFT) - 1;
	gfp = mdl_chunk_gfp(&ctx, &window, 0);
	if (IS_ENABLED(CONFIG_ZONE_DMA))
		KUNIT_EXPECT_TRUE(test, gfp & GFP_DMA);
	window.last_pfn = (SZ_1G >> PAGE_SHIFT) - 1;
	gfp = mdl_chunk_gfp(&ctx, &window, 0);
	/* GFP_DMA32 excludes __GFP_HIGHMEM: the pair is an invalid zone. */
	if (IS_ENABLED(CONFIG_ZONE_DMA32)) {
		KUNIT_EXPECT_TRUE(test, gfp & GFP_DMA32);
		KUNIT_EXPECT_FALSE(test, gfp & __GFP_HIGHMEM);
	}
}

static void mdl_alloc_no_wait_under_spinlock(struct kunit *test)
{
	struct drm_mdl_request req = mdl_test_request(16 * PAGE_SIZE);
	static DEFINE_SPINLOCK(lock);
	struct drm_mdl *mdl;

	/* NO_WAIT never sleeps: usable where sleeping is forbidden. */
	req.flags |= DRM_MDL_ALLOC_NO_WAIT;
	spin_lock(&lock);
	mdl = drm_mdl_alloc(mdl_test_dev(test), &req);
	spin_unlock(&lock);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	KUNIT_EXPECT_EQ(test, mdl->page_count, 16UL);
	drm_mdl_free(mdl);
}

static void mdl_alloc_prefer_contiguous(struct kunit *test)
{
	struct drm_mdl_request req = mdl_test_request(SZ_4M);
	struct drm_mdl *mdl;

	req.flags |= DRM_MDL_ALLOC_PREFER_CONTIGUOUS;
	drm_mdl_pool_drain();
	mdl = drm_mdl_alloc(mdl_test_dev(test), &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	KUNIT_EXPECT_LE(test, mdl->nr_runs, 4U);
	drm_mdl_free(mdl);
}

/*
 * Small requests take single pages unless the caller asks for contiguity:
 * with PREFER_CONTIGUOUS a 64 KiB request on a quiet machine is one run.
 */
static void mdl_alloc_small_prefer_contiguous_keeps_the_ladder(struct kunit *test)
{
	struct drm_mdl_request req = mdl_test_request(SZ_64K);
	struct drm_mdl *mdl;

	req.flags |= DRM_MDL_ALLOC_PREFER_CONTIGUOUS;
	drm_mdl_pool_drain();
	mdl = drm_mdl_alloc(mdl_test_dev(test), &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	KUNIT_EXPECT_EQ(test, mdl->page_count, SZ_64K / PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, mdl->nr_runs, 1U);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED(drm_mdl_pfn(mdl, 0), SZ_64K / PAGE_SIZE));
	mdl_expect_consistent(test, mdl);
	drm_mdl_free(mdl);
}

static void mdl_alloc_fatal_signal_is_eintr(struct kunit *test)
{
	struct drm_mdl_request req = mdl_test_request(SZ_1M);
	long before = mdl_pages_in_use();
	struct drm_mdl *mdl;

	/* Pretend SIGKILL arrived; flush it before the case ends. */
	spin_lock_irq(&current->sighand->siglock);
	sigaddset(&current->pending.signal, SIGKILL);
	set_tsk_thread_flag(current, TIF_SIGPENDING);
	spin_unlock_irq(&current->sighand->siglock);

	mdl = drm_mdl_alloc(mdl_test_dev(test), &req);
	flush_signals(current);
	KUNIT_EXPECT_EQ(test, PTR_ERR(mdl), -EINTR);
	KUNIT_EXPECT_EQ(test, mdl_pages_in_use(), before);
	if (!IS_ERR(mdl))
		drm_mdl_free(mdl);
}

static void mdl_alloc_free_ignores_errors(struct kunit *test)
{
	/* One call frees everything; error pointers are a no-op. */
	drm_mdl_free(NULL);
	drm_mdl_free(ERR_PTR(-ENOMEM));
	KUNIT_SUCCEED(test);
}

static struct kunit_case mdl_alloc_cases[] = {
	KUNIT_CASE(mdl_alloc_basic_descriptor),
	KUNIT_CASE(mdl_alloc_largest_chunks_first),
	KUNIT_CASE(mdl_alloc_dma_addresses_match_pages),
	KUNIT_CASE(mdl_alloc_zeroes_dirty_pages),
	KUNIT_CASE(mdl_alloc_dont_zero_skips_zeroing),
	KUNIT_CASE(mdl_alloc_pages_inside_window),
	KUNIT_CASE(mdl_alloc_dma_segments_match_runs),
	KUNIT_CASE(mdl_alloc_small_power_of_two_is_one_block),
	KUNIT_CASE(mdl_alloc_boundary_page_at_inclusive_high),
	KUNIT_CASE(mdl_alloc_unaligned_low_skips_partial_page),
	KUNIT_CASE(mdl_alloc_skip_zero_is_one_window),
	KUNIT_CASE(mdl_alloc_partial_reports_byte_count),
	KUNIT_CASE(mdl_alloc_partial_nothing_is_enomem),
	KUNIT_CASE(mdl_alloc_dxgk_is_always_fully_required),
	KUNIT_CASE(mdl_alloc_skip_uses_later_ranges_only_when_dry),
	KUNIT_CASE(mdl_alloc_skip_stays_in_window0_when_enough),
	KUNIT_CASE(mdl_alloc_single_contiguous_block),
	KUNIT_CASE(mdl_alloc_contiguous_blocks_of_skip),
	KUNIT_CASE(mdl_alloc_blocks_beyond_buddy_order),
	KUNIT_CASE(mdl_alloc_fast_large_pages),
	KUNIT_CASE(mdl_alloc_fast_large_pages_fails_fast),
	KUNIT_CASE(mdl_alloc_respects_dma_reach),
	KUNIT_CASE(mdl_alloc_each_cache_type),
	KUNIT_CASE(mdl_alloc_local_node_only),
	KUNIT_CASE(mdl_alloc_gfp_follows_flags),
	KUNIT_CASE(mdl_alloc_walk_ends_when_spent),
	KUNIT_CASE(mdl_contig_look_refuses_kernel_pages),
	KUNIT_CASE(mdl_contig_refused_free_pageblock_costs_one_attempt),
	KUNIT_CASE(mdl_alloc_no_wait_under_spinlock),
	KUNIT_CASE(mdl_alloc_prefer_contiguous),
	KUNIT_CASE(mdl_alloc_small_prefer_contiguous_keeps_the_ladder),
	KUNIT_CASE(mdl_alloc_fatal_signal_is_eintr),
	KUNIT_CASE(mdl_alloc_free_ignores_errors),
	KUNIT_CASE(mdl_alloc_phase_counters),
	KUNIT_CASE(mdl_alloc_scattered_descriptor),
	KUNIT_CASE(mdl_alloc_one_page_descriptor_is_128_bytes),
	KUNIT_CASE(mdl_alloc_segment_limit_cuts_the_mapping_not_the_runs),
	KUNIT_CASE(mdl_alloc_dma_seek_matches_the_walk),
	KUNIT_CASE(mdl_alloc_runs_cut_at_an_odd_segment_limit),
	KUNIT_CASE(mdl_alloc_runs_cut_at_the_segment_boundary),
	KUNIT_CASE(mdl_contiguous_pfn_follows_runs_across_entries),
	KUNIT_CASE(mdl_describe_recorded_runs_match_the_page_walk),
	KUNIT_CASE(mdl_describe_runs_cut_at_the_boundary_match_the_page_walk),
	KUNIT_CASE(mdl_describe_many_runs_match_the_page_walk),
	KUNIT_CASE(mdl_describe_scattered_runs_take_the_gather_table),
	KUNIT_CASE(mdl_describe_loose_table_is_not_kept),
	{}
};

static struct kunit_suite mdl_alloc_suite = {
	.name = "mdl_alloc",
	.init = mdl_alloc_test_init,
	.exit = mdl_test_env_exit,
	.test_cases = mdl_alloc_cases,
};

kunit_test_suite(mdl_alloc_suite);
