// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The window/SkipBytes walker, on a made-up top of RAM so that every bound
 * is known exactly.
 */

#include <kunit/test.h>

#include "mdl_test.h"

#define TOP_PFN		1024UL	/* 4 MiB of "RAM" with 4 KiB pages */

static struct mdl_plan mdl_plan_of(u64 low, u64 high, u64 skip)
{
	struct mdl_plan plan = {
		.nr_pages = 1,
		.low = low,
		.high = high,
		.skip = skip,
	};

	return plan;
}

static void mdl_window_skip_zero_is_one_window(struct kunit *test)
{
	struct mdl_plan plan = mdl_plan_of(0, DRM_MDL_HIGH_UNLIMITED, 0);
	struct mdl_window_walker walker;
	struct mdl_window window;

	mdl_window_walker_init(&walker, &plan, TOP_PFN);
	KUNIT_ASSERT_TRUE(test, mdl_window_next(&walker, &window));
	KUNIT_EXPECT_EQ(test, window.index, 0ULL);
	KUNIT_EXPECT_EQ(test, window.first_pfn, 0UL);
	/* "No upper limit" is clipped to RAM. */
	KUNIT_EXPECT_EQ(test, window.last_pfn, TOP_PFN - 1);
	KUNIT_EXPECT_FALSE(test, mdl_window_next(&walker, &window));
}

static void mdl_window_skip_strides_until_top(struct kunit *test)
{
	/* 16-page windows every 256 pages: k = 0..3 start below 1024. */
	struct mdl_plan plan = mdl_plan_of(0, 16 * PAGE_SIZE - 1,
					   256 * PAGE_SIZE);
	struct mdl_window_walker walker;
	struct mdl_window window;
	u64 k;

	mdl_window_walker_init(&walker, &plan, TOP_PFN);
	for (k = 0; k < 4; k++) {
		KUNIT_ASSERT_TRUE(test, mdl_window_next(&walker, &window));
		KUNIT_EXPECT_EQ(test, window.index, k);
		KUNIT_EXPECT_EQ(test, window.first_pfn, (unsigned long)k * 256);
		KUNIT_EXPECT_EQ(test, window.last_pfn,
				(unsigned long)k * 256 + 15);
	}
	KUNIT_EXPECT_FALSE(test, mdl_window_next(&walker, &window));
}

static void mdl_window_high_is_inclusive(struct kunit *test)
{
	struct mdl_window_walker walker;
	struct mdl_window window;
	struct mdl_plan plan;

	/* The last byte of page 1 is 2 * PAGE_SIZE - 1: page 1 qualifies. */
	plan = mdl_plan_of(PAGE_SIZE, 2 * PAGE_SIZE - 1, 0);
	mdl_window_walker_init(&walker, &plan, TOP_PFN);
	KUNIT_ASSERT_TRUE(test, mdl_window_next(&walker, &window));
	KUNIT_EXPECT_EQ(test, window.first_pfn, 1UL);
	KUNIT_EXPECT_EQ(test, window.last_pfn, 1UL);

	/* One byte short: page 1 does not fit, and no other page does. */
	plan = mdl_plan_of(PAGE_SIZE, 2 * PAGE_SIZE - 2, 0);
	mdl_window_walker_init(&walker, &plan, TOP_PFN);
	KUNIT_EXPECT_FALSE(test, mdl_window_next(&walker, &window));
}

static void mdl_window_low_rounds_up(struct kunit *test)
{
	struct mdl_plan plan = mdl_plan_of(PAGE_SIZE + 1, 4 * PAGE_SIZE - 1, 0);
	struct mdl_window_walker walker;
	struct mdl_window window;

	mdl_window_walker_init(&walker, &plan, TOP_PFN);
	KUNIT_ASSERT_TRUE(test, mdl_window_next(&walker, &window));
	/* Page 1 starts below low, so the window begins at page 2. */
	KUNIT_EXPECT_EQ(test, window.first_pfn, 2UL);
	KUNIT_EXPECT_EQ(test, window.last_pfn, 3UL);
}

static void mdl_window_skips_windows_without_a_page(struct kunit *test)
{
	/* Windows of 2 pages minus a byte, placed mid-page: each holds 1. */
	struct mdl_plan plan = mdl_plan_of(PAGE_SIZE / 2,
					   PAGE_SIZE / 2 + 2 * PAGE_SIZE - 2,
					   4 * PAGE_SIZE);
	struct mdl_window_walker walker;
	struct mdl_window window;

	mdl_window_walker_init(&walker, &plan, TOP_PFN);
	KUNIT_ASSERT_TRUE(test, mdl_window_next(&walker, &window));
	KUNIT_EXPECT_EQ(test, window.first_pfn, 1UL);
	KUNIT_EXPECT_EQ(test, window.last_pfn, 1UL);

	/* Windows smaller than a page yield nothing, not an empty window. */
	plan = mdl_plan_of(PAGE_SIZE / 2, PAGE_SIZE, 4 * PAGE_SIZE);
	mdl_window_walker_init(&walker, &plan, TOP_PFN);
	KUNIT_EXPECT_FALSE(test, mdl_window_next(&walker, &window));
}

static void mdl_window_without_a_page_ends_the_walk(struct kunit *test)
{
	/*
	 * low=1, high=4095, skip=4096: no window holds a whole page. Walking
	 * them one by one visited every page of RAM, unkillable, in one
	 * ioctl; the first one tells for all.
	 */
	struct mdl_plan plan = mdl_plan_of(1, PAGE_SIZE - 1, PAGE_SIZE);
	struct mdl_window_walker walker;
	struct mdl_window window;

	mdl_window_walker_init(&walker, &plan, TOP_PFN);
	KUNIT_EXPECT_FALSE(test, mdl_window_next(&walker, &window));
	KUNIT_EXPECT_EQ(test, walker.next_index, 1ULL);

	plan = mdl_plan_of(PAGE_SIZE + 1, 2 * PAGE_SIZE + PAGE_SIZE / 2,
			   8 * PAGE_SIZE);
	mdl_window_walker_init(&walker, &plan, TOP_PFN);
	KUNIT_EXPECT_FALSE(test, mdl_window_next(&walker, &window));
	KUNIT_EXPECT_EQ(test, walker.next_index, 1ULL);
}

static void mdl_window_stops_above_ram(struct kunit *test)
{
	struct mdl_plan plan = mdl_plan_of((u64)TOP_PFN << PAGE_SHIFT,
					   DRM_MDL_HIGH_UNLIMITED, PAGE_SIZE);
	struct mdl_window_walker walker;
	struct mdl_window window;

	mdl_window_walker_init(&walker, &plan, TOP_PFN);
	KUNIT_EXPECT_FALSE(test, mdl_window_next(&walker, &window));
}

static void mdl_window_survives_overflow(struct kunit *test)
{
	/* low + k * skip overflows u64 before reaching the top: walk ends. */
	struct mdl_plan plan = mdl_plan_of(0, PAGE_SIZE - 1, 1ULL << 63);
	struct mdl_window_walker walker;
	struct mdl_window window;

	mdl_window_walker_init(&walker, &plan, ULONG_MAX >> PAGE_SHIFT);
	KUNIT_ASSERT_TRUE(test, mdl_window_next(&walker, &window));
	KUNIT_ASSERT_TRUE(test, mdl_window_next(&walker, &window));
	KUNIT_EXPECT_EQ(test, window.index, 1ULL);
	KUNIT_EXPECT_FALSE(test, mdl_window_next(&walker, &window));
}

static void mdl_window_contiguous_chunks_use_window_zero(struct kunit *test)
{
	struct mdl_plan plan = mdl_plan_of(0, 64 * PAGE_SIZE - 1,
					   16 * PAGE_SIZE);
	struct mdl_window_walker walker;
	struct mdl_window window;

	/* With REQUIRE_CONTIGUOUS_CHUNKS skip is a block size, not a stride. */
	plan.flags = DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS;
	mdl_window_walker_init(&walker, &plan, TOP_PFN);
	KUNIT_ASSERT_TRUE(test, mdl_window_next(&walker, &window));
	KUNIT_EXPECT_EQ(test, window.last_pfn, 63UL);
	KUNIT_EXPECT_FALSE(test, mdl_window_next(&walker, &window));
}

static void mdl_window_top_of_ram_is_sane(struct kunit *test)
{
	unsigned long top = mdl_test_top_pfn();

	KUNIT_EXPECT_GT(test, top, 0UL);
	KUNIT_EXPECT_GE(test, top, totalram_pages());
}

static struct kunit_case mdl_window_cases[] = {
	KUNIT_CASE(mdl_window_skip_zero_is_one_window),
	KUNIT_CASE(mdl_window_skip_strides_until_top),
	KUNIT_CASE(mdl_window_high_is_inclusive),
	KUNIT_CASE(mdl_window_low_rounds_up),
	KUNIT_CASE(mdl_window_skips_windows_without_a_page),
	KUNIT_CASE(mdl_window_without_a_page_ends_the_walk),
	KUNIT_CASE(mdl_window_stops_above_ram),
	KUNIT_CASE(mdl_window_survives_overflow),
	KUNIT_CASE(mdl_window_contiguous_chunks_use_window_zero),
	KUNIT_CASE(mdl_window_top_of_ram_is_sane),
	{}
};

static struct kunit_suite mdl_window_suite = {
	.name = "mdl_window",
	.test_cases = mdl_window_cases,
};

kunit_test_suite(mdl_window_suite);
