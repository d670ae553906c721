/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Shared helpers of the drm-mdl KUnit suites: a real struct device with a DMA
 * mask to map on, and an exact count of free pages.
 */
#ifndef __MDL_TEST_H__
#define __MDL_TEST_H__

#include <kunit/test.h>
#include <linux/mm.h>

#include "../mdl_internal.h"

struct platform_device;

/**
 * struct mdl_test_env - per-case fixture
 * @pdev: a platform device registered for the case
 * @dev: &pdev->dev, DMA-direct with the mask the case asked for
 */
struct mdl_test_env {
	struct platform_device *pdev;
	struct device *dev;
};

int mdl_test_env_init(struct kunit *test, u64 dma_mask);
void mdl_test_env_exit(struct kunit *test);
struct device *mdl_test_dev(struct kunit *test);
unsigned long mdl_test_free_pages(void);
unsigned long mdl_test_top_pfn(void);
bool mdl_test_page_is_zero(struct page *page);
/* Expects every page of @mdl to read as zeroes. */
void mdl_test_expect_zeroed(struct kunit *test, const struct drm_mdl *mdl);

static inline struct drm_mdl_request mdl_test_request(u64 bytes)
{
	struct drm_mdl_request req = {
		.low = 0,
		.high = DRM_MDL_HIGH_UNLIMITED,
		.total_bytes = bytes,
		.cache_type = DRM_MDL_CACHE_CACHED,
		.flags = DRM_MDL_ALLOC_FULLY_REQUIRED,
	};

	return req;
}

#endif /* __MDL_TEST_H__ */
