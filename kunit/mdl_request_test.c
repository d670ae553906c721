// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Request validation: one case per rule of SPEC.md's request and flag
 * tables. Validation runs before any allocation, so these need no device.
 */

#include <kunit/test.h>

#include "mdl_test.h"

static struct drm_mdl_request mdl_valid_request(void)
{
	return mdl_test_request(SZ_64K);
}

static void mdl_request_accepts_plain(struct kunit *test)
{
	struct drm_mdl_request req = mdl_valid_request();
	struct mdl_plan plan;

	KUNIT_ASSERT_EQ(test, mdl_request_to_plan(&req, &plan), 0);
	KUNIT_EXPECT_EQ(test, plan.nr_pages, SZ_64K / PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, plan.low, 0ULL);
	KUNIT_EXPECT_EQ(test, plan.high, DRM_MDL_HIGH_UNLIMITED);
}

static void mdl_request_rejects_zero_size(struct kunit *test)
{
	struct drm_mdl_request req = mdl_valid_request();

	req.total_bytes = 0;
	KUNIT_EXPECT_EQ(test, drm_mdl_validate_request(&req), -EINVAL);
}

static void mdl_request_rounds_up_to_pages(struct kunit *test)
{
	struct drm_mdl_request req = mdl_valid_request();
	struct mdl_plan plan;

	req.total_bytes = 1;
	KUNIT_ASSERT_EQ(test, mdl_request_to_plan(&req, &plan), 0);
	KUNIT_EXPECT_EQ(test, plan.nr_pages, 1UL);
	req.total_bytes = PAGE_SIZE + 1;
	KUNIT_ASSERT_EQ(test, mdl_request_to_plan(&req, &plan), 0);
	KUNIT_EXPECT_EQ(test, plan.nr_pages, 2UL);
}

static void mdl_request_cap_holds(struct kunit *test)
{
	struct drm_mdl_request req = mdl_valid_request();
	struct mdl_plan plan;

	/* The cap itself, and one page below it, pass validation. */
	req.total_bytes = SZ_4G - PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, mdl_request_to_plan(&req, &plan), 0);
	KUNIT_EXPECT_EQ(test, plan.nr_pages, (SZ_4G >> PAGE_SHIFT) - 1);
	req.total_bytes = SZ_4G - 2 * PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, drm_mdl_validate_request(&req), 0);
	/* One page above is refused, never clamped. */
	req.total_bytes = SZ_4G;
	KUNIT_EXPECT_EQ(test, drm_mdl_validate_request(&req), -EINVAL);
	/* A byte above the cap would round to 4 GiB: refused too. */
	req.total_bytes = SZ_4G - PAGE_SIZE + 1;
	KUNIT_EXPECT_EQ(test, drm_mdl_validate_request(&req), -EINVAL);
	req.total_bytes = U64_MAX;
	KUNIT_EXPECT_EQ(test, drm_mdl_validate_request(&req), -EINVAL);
}

static void mdl_request_rejects_high_below_low(struct kunit *test)
{
	struct drm_mdl_request req = mdl_valid_request();

	req.low = SZ_1M;
	req.high = SZ_1M - 1;
	KUNIT_EXPECT_EQ(test, drm_mdl_validate_request(&req), -EINVAL);
	/* high == low is a (tiny) window, not an error. */
	req.high = SZ_1M;
	KUNIT_EXPECT_EQ(test, drm_mdl_validate_request(&req), 0);
}

static void mdl_request_rejects_misaligned_skip(struct kunit *test)
{
	struct drm_mdl_request req = mdl_valid_request();

	req.skip = PAGE_SIZE + 1;
	KUNIT_EXPECT_EQ(test, drm_mdl_validate_request(&req), -EINVAL);
	req.skip = PAGE_SIZE / 2;
	KUNIT_EXPECT_EQ(test, drm_mdl_validate_request(&req), -EINVAL);
	/* Any page multiple will do without REQUIRE_CONTIGUOUS_CHUNKS. */
	req.skip = 3 * PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, drm_mdl_validate_request(&req), 0);
}

static void mdl_request_rejects_unknown_cache_type(struct kunit *test)
{
	struct drm_mdl_request req = mdl_valid_request();
	u32 type;

	for (type = DRM_MDL_CACHE_NON_CACHED;
	     type <= DRM_MDL_CACHE_WRITE_COMBINED; type++) {
		req.cache_type = type;
		KUNIT_EXPECT_EQ(test, drm_mdl_validate_request(&req), 0);
	}
	req.cache_type = 3;
	KUNIT_EXPECT_EQ(test, drm_mdl_validate_request(&req), -EINVAL);
	req.cache_type = U32_MAX;
	KUNIT_EXPECT_EQ(test, drm_mdl_validate_request(&req), -EINVAL);
}

static void mdl_request_rejects_unknown_flags(struct kunit *test)
{
	struct drm_mdl_request req = mdl_valid_request();

	/* Windows' 0x80 (trim) and 0x100 (hot remove) are not offered. */
	req.flags = 0x80;
	KUNIT_EXPECT_EQ(test, drm_mdl_validate_request(&req), -EINVAL);
	req.flags = 0x100;
	KUNIT_EXPECT_EQ(test, drm_mdl_validate_request(&req), -EINVAL);
	req.flags = BIT(31) | DRM_MDL_ALLOC_FULLY_REQUIRED;
	KUNIT_EXPECT_EQ(test, drm_mdl_validate_request(&req), -EINVAL);
}

static void mdl_request_accepts_each_simple_flag(struct kunit *test)
{
	static const u32 flags[] = {
		DRM_MDL_ALLOC_DONT_ZERO,
		DRM_MDL_ALLOC_LOCAL_NODE_ONLY,
		DRM_MDL_ALLOC_FULLY_REQUIRED,
		DRM_MDL_ALLOC_NO_WAIT,
		DRM_MDL_ALLOC_PREFER_CONTIGUOUS,
		DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS,
	};
	struct drm_mdl_request req = mdl_valid_request();
	int i;

	/* Ported code keeps its MM_ALLOCATE_* constants. */
	KUNIT_EXPECT_EQ(test, DRM_MDL_ALLOC_DONT_ZERO, 0x1);
	KUNIT_EXPECT_EQ(test, DRM_MDL_ALLOC_LOCAL_NODE_ONLY, 0x2);
	KUNIT_EXPECT_EQ(test, DRM_MDL_ALLOC_FULLY_REQUIRED, 0x4);
	KUNIT_EXPECT_EQ(test, DRM_MDL_ALLOC_NO_WAIT, 0x8);
	KUNIT_EXPECT_EQ(test, DRM_MDL_ALLOC_PREFER_CONTIGUOUS, 0x10);
	KUNIT_EXPECT_EQ(test, DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS, 0x20);
	KUNIT_EXPECT_EQ(test, DRM_MDL_ALLOC_FAST_LARGE_PAGES, 0x40);
	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		req.flags = flags[i];
		KUNIT_EXPECT_EQ(test, drm_mdl_validate_request(&req), 0);
	}
}

static void mdl_request_contiguous_chunks_skip_rules(struct kunit *test)
{
	struct drm_mdl_request req = mdl_valid_request();
	struct mdl_plan plan;

	req.flags = DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS;
	req.total_bytes = SZ_256K;
	req.skip = SZ_64K;
	KUNIT_ASSERT_EQ(test, mdl_request_to_plan(&req, &plan), 0);
	KUNIT_EXPECT_EQ(test, 1UL << plan.block_order, SZ_64K / PAGE_SIZE);
	/* Not a power of two. */
	req.skip = 3 * PAGE_SIZE;
	req.total_bytes = 6 * PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, drm_mdl_validate_request(&req), -EINVAL);
	/* Total not a multiple of the block. */
	req.skip = SZ_64K;
	req.total_bytes = SZ_64K + PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, drm_mdl_validate_request(&req), -EINVAL);
	/* Misaligned skip is refused before the power-of-two test. */
	req.skip = SZ_64K + 1;
	req.total_bytes = SZ_64K;
	KUNIT_EXPECT_EQ(test, drm_mdl_validate_request(&req), -EINVAL);
	/* skip == 0: one block of any page count. */
	req.skip = 0;
	req.total_bytes = 5 * PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, drm_mdl_validate_request(&req), 0);
}

static void mdl_request_fast_large_pages_rules(struct kunit *test)
{
	struct drm_mdl_request req = mdl_valid_request();
	u64 large = drm_mdl_large_page_size();

	KUNIT_EXPECT_EQ(test, large, (u64)PMD_SIZE);
	req.total_bytes = large;
	req.skip = large;
	req.flags = DRM_MDL_ALLOC_FAST_LARGE_PAGES;
	KUNIT_EXPECT_EQ(test, drm_mdl_validate_request(&req), -EINVAL);
	req.flags |= DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS;
	KUNIT_EXPECT_EQ(test, drm_mdl_validate_request(&req), 0);
	req.skip = large / 2;
	req.total_bytes = large;
	KUNIT_EXPECT_EQ(test, drm_mdl_validate_request(&req), -EINVAL);
	req.skip = 0;
	KUNIT_EXPECT_EQ(test, drm_mdl_validate_request(&req), -EINVAL);
}

static struct kunit_case mdl_request_cases[] = {
	KUNIT_CASE(mdl_request_accepts_plain),
	KUNIT_CASE(mdl_request_rejects_zero_size),
	KUNIT_CASE(mdl_request_rounds_up_to_pages),
	KUNIT_CASE(mdl_request_cap_holds),
	KUNIT_CASE(mdl_request_rejects_high_below_low),
	KUNIT_CASE(mdl_request_rejects_misaligned_skip),
	KUNIT_CASE(mdl_request_rejects_unknown_cache_type),
	KUNIT_CASE(mdl_request_rejects_unknown_flags),
	KUNIT_CASE(mdl_request_accepts_each_simple_flag),
	KUNIT_CASE(mdl_request_contiguous_chunks_skip_rules),
	KUNIT_CASE(mdl_request_fast_large_pages_rules),
	{}
};

static struct kunit_suite mdl_request_suite = {
	.name = "mdl_request",
	.test_cases = mdl_request_cases,
};

kunit_test_suite(mdl_request_suite);
