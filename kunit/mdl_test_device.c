// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * 6.1 has no drm_kunit_helpers, so each case gets a platform device of its
 * own with a coerced DMA mask: DMA-direct, as UML has no IOMMU.
 */

#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/mmzone.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/vmstat.h>

#include "mdl_test.h"

int mdl_test_env_init(struct kunit *test, u64 dma_mask)
{
	struct mdl_test_env *env;
	int ret;

	env = kunit_kzalloc(test, sizeof(*env), GFP_KERNEL);
	if (!env)
		return -ENOMEM;
	env->pdev = platform_device_register_simple("mdl-kunit",
						    PLATFORM_DEVID_AUTO,
						    NULL, 0);
	if (IS_ERR(env->pdev))
		return PTR_ERR(env->pdev);
	env->dev = &env->pdev->dev;
	ret = dma_coerce_mask_and_coherent(env->dev, dma_mask);
	if (ret) {
		platform_device_unregister(env->pdev);
		return ret;
	}
	dma_set_max_seg_size(env->dev, UINT_MAX);
	test->priv = env;
	return 0;
}

void mdl_test_env_exit(struct kunit *test)
{
	struct mdl_test_env *env = test->priv;

	if (env)
		platform_device_unregister(env->pdev);
}

struct device *mdl_test_dev(struct kunit *test)
{
	struct mdl_test_env *env = test->priv;

	return env->dev;
}

/*
 * Freed kmalloc objects wait in KASAN's quarantine, so their slabs stay
 * allocated and later requests grow new ones: page counts drift with no
 * leak anywhere. Shrinking the kmalloc caches empties the quarantine and
 * returns empty slabs. (Leaked objects themselves are kmemleak's job.)
 */
static void mdl_test_settle_slabs(void)
{
	int type, idx;

	for (type = 0; type < NR_KMALLOC_TYPES; type++)
		for (idx = 0; idx <= KMALLOC_SHIFT_HIGH; idx++)
			if (kmalloc_caches[type][idx])
				kmem_cache_shrink(kmalloc_caches[type][idx]);
}

/*
 * Free pages, exactly: per-cpu lists hold pages the buddy counts as taken,
 * and per-cpu vmstat deltas lag the global counter, so drain both first.
 */
unsigned long mdl_test_free_pages(void)
{
	unsigned long sum = 0;
	struct zone *zone;

	mdl_test_settle_slabs();
	mdl_drain_all_pages();
	for_each_populated_zone(zone)
		sum += zone_page_state_snapshot(zone, NR_FREE_PAGES);
	return sum;
}

unsigned long mdl_test_top_pfn(void)
{
	return mdl_top_of_ram_pfn();
}

bool mdl_test_page_is_zero(struct page *page)
{
	u8 *vaddr = kmap_local_page(page);
	bool zero = !memchr_inv(vaddr, 0, PAGE_SIZE);

	kunmap_local(vaddr);
	return zero;
}

void mdl_test_expect_zeroed(struct kunit *test, const struct drm_mdl *mdl)
{
	unsigned long i;

	for (i = 0; i < mdl->page_count; i++)
		KUNIT_EXPECT_TRUE(test,
				  mdl_test_page_is_zero(drm_mdl_page(mdl, i)));
}
