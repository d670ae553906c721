// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * All or nothing: a failure injected at every allocation point of a
 * fully-required request, at every call of that point the request makes,
 * leaves the free-page count and the engine's page counter exactly where
 * they were.
 */

#include <kunit/test.h>
#include <linux/dma-mapping.h>

#include "mdl_test.h"

/* Retries absorb pages that unrelated kernel threads take meanwhile. */
#define MDL_FAULT_MEASURE_TRIES	5

struct mdl_fault_case {
	const char *name;
	enum mdl_fault_point point;
	u64 bytes;
	u64 skip;
	u32 cache_type;
	u32 flags;
};

static const struct mdl_fault_case mdl_fault_cases[] = {
	/* 777 pages: orders 9, 8, 3 and 0, so four buddy calls. */
	{ "page", MDL_FAULT_PAGE, 777 * PAGE_SIZE, 0,
	  DRM_MDL_CACHE_CACHED, 0 },
	/* A block beyond the buddy's largest order needs alloc_contig_range. */
	{ "contig", MDL_FAULT_CONTIG, PAGE_SIZE << NR_PAGE_ORDERS,
	  PAGE_SIZE << NR_PAGE_ORDERS, DRM_MDL_CACHE_CACHED,
	  DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS },
	{ "table", MDL_FAULT_TABLE, 40 * PAGE_SIZE, 0,
	  DRM_MDL_CACHE_CACHED, 0 },
	{ "cache", MDL_FAULT_CACHE, 40 * PAGE_SIZE, 0,
	  DRM_MDL_CACHE_WRITE_COMBINED, 0 },
	{ "dma_map", MDL_FAULT_DMA_MAP, 40 * PAGE_SIZE, 0,
	  DRM_MDL_CACHE_NON_CACHED, 0 },
	/* One unsplit block, which the error path splits to free. */
	{ "table_block", MDL_FAULT_TABLE, 16 * PAGE_SIZE, 0,
	  DRM_MDL_CACHE_CACHED, 0 },
	{ "dma_map_block", MDL_FAULT_DMA_MAP, 16 * PAGE_SIZE, 0,
	  DRM_MDL_CACHE_CACHED, 0 },
};

static void mdl_fault_case_desc(const struct mdl_fault_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(mdl_fault, mdl_fault_cases, mdl_fault_case_desc);

static struct drm_mdl_request mdl_fault_request(const struct mdl_fault_case *c)
{
	struct drm_mdl_request req = mdl_test_request(c->bytes);

	req.skip = c->skip;
	req.cache_type = c->cache_type;
	req.flags |= c->flags;
	return req;
}

static int mdl_fault_test_init(struct kunit *test)
{
	return mdl_test_env_init(test, DMA_BIT_MASK(64));
}

static void mdl_fault_exit(struct kunit *test)
{
	mdl_fault_disarm();
	mdl_test_env_exit(test);
}

static void mdl_fault_every_call_rolls_back(struct kunit *test)
{
	const struct mdl_fault_case *c = test->param_value;
	struct drm_mdl_request req = mdl_fault_request(c);
	struct device *dev = mdl_test_dev(test);
	unsigned long calls, nth;
	struct drm_mdl *mdl;

	/*
	 * A clean run counts the calls, and warms the slab caches. With an
	 * empty pool, so that it exercises the allocators.
	 */
	drm_mdl_pool_drain();
	mdl_fault_disarm();
	mdl = drm_mdl_dxgk_allocate_pages(dev, &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	calls = mdl_fault_calls(c->point);
	drm_mdl_free(mdl);
	KUNIT_ASSERT_GT_MSG(test, calls, 0UL, "point %s never reached", c->name);

	for (nth = 1; nth <= calls; nth++) {
		unsigned long free_before = 0, free_after = 0;
		long engine_before = 0, engine_after = 0;
		int try;

		for (try = 0; try < MDL_FAULT_MEASURE_TRIES; try++) {
			/* Pooled pages would be handed back to the buddy. */
			drm_mdl_pool_drain();
			free_before = mdl_test_free_pages();
			engine_before = mdl_pages_in_use();
			mdl_fault_arm(c->point, nth);
			mdl = drm_mdl_dxgk_allocate_pages(dev, &req);
			mdl_fault_disarm();
			KUNIT_ASSERT_EQ_MSG(test, PTR_ERR_OR_ZERO(mdl), -ENOMEM,
					    "%s call %lu", c->name, nth);
			free_after = mdl_test_free_pages();
			engine_after = mdl_pages_in_use();
			if (free_after == free_before)
				break;
		}
		KUNIT_EXPECT_EQ_MSG(test, free_after, free_before,
				    "%s call %lu leaked pages", c->name, nth);
		KUNIT_EXPECT_EQ_MSG(test, engine_after, engine_before,
				    "%s call %lu", c->name, nth);
	}
}

static struct kunit_case mdl_fault_test_cases[] = {
	KUNIT_CASE_PARAM(mdl_fault_every_call_rolls_back, mdl_fault_gen_params),
	{}
};

static struct kunit_suite mdl_fault_suite = {
	.name = "mdl_fault",
	.init = mdl_fault_test_init,
	.exit = mdl_fault_exit,
	.test_cases = mdl_fault_test_cases,
};

kunit_test_suite(mdl_fault_suite);
