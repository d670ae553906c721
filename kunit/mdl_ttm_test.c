// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The TTM backend under a real TTM: each case gets a minimal ttm_device on
 * its own DMA-direct platform device, a TT domain from the range manager,
 * and kernel buffer objects whose ttm_tt is drm-mdl's. Buffer objects go
 * through TTM's own paths (ttm_bo_init_reserved, ttm_bo_validate,
 * ttm_bo_put), so the hooks run exactly when TTM calls them.
 */

#include <kunit/test.h>
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <drm/drm_drv.h>
#include <drm/drm_gem.h>
#include <drm/drm_mdl_ttm.h>
#include <drm/drm_vma_manager.h>
#include <drm/ttm/ttm_device.h>
#include <drm/ttm/ttm_range_manager.h>
#include <drm/ttm/ttm_resource.h>
#include <drm/ttm/ttm_tt.h>

#include "mdl_test.h"

/* Room in the TT domain; every case fits with plenty to spare. */
#define MDL_TTM_TT_PAGES	(SZ_64M >> PAGE_SHIFT)

/**
 * struct mdl_ttm_fixture - per-case TTM device
 * @bdev: the TTM device, on @dev
 * @drm: the DRM device the buffer objects' GEM objects belong to (6.12's
 *       drm_gem_private_object_init() asks it for its features)
 * @vma: the offset manager ttm_device_init() insists on
 * @mapping: where user mappings of device objects would live; TTM unmaps
 *           them from it before every move
 * @env: the platform-device fixture of mdl_test.h
 * @dev: the DMA-direct device the pages are mapped on
 * @test: the running case, for checks made inside TTM callbacks
 * @tmpl: request template the next ttm_tt is created with
 * @caching: caching the next ttm_tt is created with
 * @binds: moves into TTM_PL_TT the move callback has checked
 */
struct mdl_ttm_fixture {
	struct ttm_device bdev;
	struct drm_device *drm;
	struct drm_vma_offset_manager vma;
	struct address_space mapping;
	struct mdl_test_env *env;
	struct device *dev;
	struct kunit *test;
	struct drm_mdl_request tmpl;
	enum ttm_caching caching;
	unsigned int binds;
};

static struct mdl_ttm_fixture *mdl_ttm_fixture(struct ttm_device *bdev)
{
	return container_of(bdev, struct mdl_ttm_fixture, bdev);
}

static const struct ttm_place mdl_ttm_sys_place = { .mem_type = TTM_PL_SYSTEM };
static const struct ttm_place mdl_ttm_tt_place = { .mem_type = TTM_PL_TT };

/*
 * Set up by mdl_ttm_test_init(): the fields differ between kernels. The
 * TTM headers (ttm_bo_api.h and ttm_bo_driver.h, or ttm_bo.h) come with
 * mdl_compat.h.
 */
static struct ttm_placement mdl_ttm_sys_placement;
static struct ttm_placement mdl_ttm_tt_placement;

static struct ttm_tt *mdl_ttm_test_tt_create(struct ttm_buffer_object *bo,
					     u32 page_flags)
{
	struct mdl_ttm_fixture *f = mdl_ttm_fixture(bo->bdev);

	return drm_mdl_ttm_tt_create(bo, page_flags, f->caching, &f->tmpl);
}

/*
 * What a driver's bind step relies on: the ttm_tt holds the MDL's pages, in
 * order, each with its DMA address on the device, inside window 0. Called
 * from TTM callbacks too, so it only expects: an assertion would end the
 * case with TTM's locks held.
 */
static void mdl_ttm_expect_backed(struct kunit *test, struct mdl_ttm_fixture *f,
				  struct ttm_tt *tt)
{
	struct drm_mdl *mdl = to_drm_mdl_ttm_tt(tt)->mdl;
	unsigned long i, outside = 0;

	KUNIT_EXPECT_TRUE(test, ttm_tt_is_populated(tt));
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, mdl);
	KUNIT_EXPECT_NOT_NULL(test, tt->dma_address);
	if (IS_ERR_OR_NULL(mdl) || !tt->dma_address)
		return;
	KUNIT_EXPECT_EQ(test, mdl->page_count, (unsigned long)tt->num_pages);
	if (mdl->page_count != tt->num_pages)
		return;
	for (i = 0; i < tt->num_pages; i++) {
		phys_addr_t phys = page_to_phys(tt->pages[i]);

		KUNIT_EXPECT_PTR_EQ(test, tt->pages[i], drm_mdl_page(mdl, i));
		/* DMA-direct in UML: the device sees physical addresses. */
		KUNIT_EXPECT_EQ(test, tt->dma_address[i],
				phys_to_dma(f->dev, phys));
		if (!f->tmpl.skip &&
		    (phys < f->tmpl.low || phys + PAGE_SIZE - 1 > f->tmpl.high))
			outside++;
	}
	KUNIT_EXPECT_EQ(test, outside, 0UL);
}

static int mdl_ttm_test_move(struct ttm_buffer_object *bo, bool evict,
			     struct ttm_operation_ctx *ctx,
			     struct ttm_resource *new_mem, struct ttm_place *hop)
{
	struct mdl_ttm_fixture *f = mdl_ttm_fixture(bo->bdev);

	/* TTM populates before it moves into a domain that uses the tt. */
	if (new_mem->mem_type == TTM_PL_TT) {
		KUNIT_EXPECT_NOT_NULL(f->test, bo->ttm);
		if (bo->ttm)
			mdl_ttm_expect_backed(f->test, f, bo->ttm);
		f->binds++;
	}
	/* No GPU to copy with: the pages stay, only the placement changes. */
	ttm_bo_move_null(bo, new_mem);
	return 0;
}

static void mdl_ttm_test_evict_flags(struct ttm_buffer_object *bo,
				     struct ttm_placement *placement)
{
	*placement = mdl_ttm_sys_placement;
}

static struct ttm_device_funcs mdl_ttm_test_funcs = {
	.ttm_tt_create = mdl_ttm_test_tt_create,
	.ttm_tt_populate = drm_mdl_ttm_tt_populate,
	.ttm_tt_unpopulate = drm_mdl_ttm_tt_unpopulate,
	.ttm_tt_destroy = drm_mdl_ttm_tt_destroy,
	.eviction_valuable = ttm_bo_eviction_valuable,
	.evict_flags = mdl_ttm_test_evict_flags,
	.move = mdl_ttm_test_move,
};

static const struct drm_driver mdl_ttm_test_driver = {
	.driver_features = DRIVER_GEM,
	.name = "mdl-ttm-test",
	.desc = "drm-mdl TTM backend test",
	MDL_DRM_DRIVER_DATE("20261202")
};

static int mdl_ttm_test_init(struct kunit *test)
{
	struct mdl_ttm_fixture *f;
	int ret;

	mdl_ttm_placement_init(&mdl_ttm_sys_placement, &mdl_ttm_sys_place);
	mdl_ttm_placement_init(&mdl_ttm_tt_placement, &mdl_ttm_tt_place);
	ret = mdl_test_env_init(test, DMA_BIT_MASK(64));
	if (ret)
		return ret;
	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	if (!f) {
		mdl_test_env_exit(test);
		test->priv = NULL;
		return -ENOMEM;
	}
	f->env = test->priv;
	f->dev = mdl_test_dev(test);
	f->test = test;
	f->tmpl = mdl_test_request(0);
	f->caching = ttm_cached;

	f->drm = drm_dev_alloc(&mdl_ttm_test_driver, f->dev);
	if (IS_ERR(f->drm)) {
		ret = PTR_ERR(f->drm);
		goto err_env;
	}
	/* A DRM driver's mmap offsets and its anonymous inode's mapping. */
	drm_vma_offset_manager_init(&f->vma, 0, SZ_1M);
	address_space_init_once(&f->mapping);
	ret = mdl_ttm_device_init(&f->bdev, &mdl_ttm_test_funcs, f->dev,
				  &f->mapping, &f->vma);
	if (ret)
		goto err_vma;
	ret = ttm_range_man_init(&f->bdev, TTM_PL_TT, true, MDL_TTM_TT_PAGES);
	if (ret)
		goto err_device;
	test->priv = f;
	return 0;

err_device:
	ttm_device_fini(&f->bdev);
err_vma:
	drm_vma_offset_manager_destroy(&f->vma);
	drm_dev_put(f->drm);
err_env:
	mdl_test_env_exit(test);
	/* KUnit calls exit even after a failed init: leave it nothing. */
	test->priv = NULL;
	return ret;
}

static void mdl_ttm_test_exit(struct kunit *test)
{
	struct mdl_ttm_fixture *f = test->priv;

	if (!f)
		return;
	ttm_range_man_fini(&f->bdev, TTM_PL_TT);
	ttm_device_fini(&f->bdev);
	drm_vma_offset_manager_destroy(&f->vma);
	drm_dev_put(f->drm);
	test->priv = f->env;
	mdl_test_env_exit(test);
}

static void mdl_ttm_bo_destroy(struct ttm_buffer_object *bo)
{
	/* Never published to user space: only its own reservation to end. */
	dma_resv_fini(&bo->base._resv);
	kfree(bo);
}

/* A reserved buffer object in system memory, with a ttm_tt not populated. */
static struct ttm_buffer_object *mdl_ttm_bo_create(struct kunit *test,
						   enum ttm_bo_type type,
						   size_t size)
{
	struct mdl_ttm_fixture *f = test->priv;
	struct ttm_operation_ctx ctx = { .interruptible = false };
	struct ttm_buffer_object *bo;
	int ret;

	bo = kzalloc_obj(*bo, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bo);
	drm_gem_private_object_init(f->drm, &bo->base, size);
	/* On failure TTM has already put (and so destroyed) the object. */
	ret = ttm_bo_init_reserved(&f->bdev, bo, type, &mdl_ttm_sys_placement,
				   0, &ctx, NULL, NULL, mdl_ttm_bo_destroy);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_ASSERT_NOT_NULL(test, bo->ttm);
	KUNIT_EXPECT_FALSE(test, ttm_tt_is_populated(bo->ttm));
	return bo;
}

static int mdl_ttm_bind(struct ttm_buffer_object *bo)
{
	struct ttm_operation_ctx ctx = { .interruptible = false };

	return ttm_bo_validate(bo, &mdl_ttm_tt_placement, &ctx);
}

static void mdl_ttm_bo_release(struct ttm_buffer_object *bo)
{
	dma_resv_unlock(bo->base.resv);
	ttm_bo_fini(bo);
}

static void mdl_ttm_populate_bind_release(struct kunit *test)
{
	struct mdl_ttm_fixture *f = test->priv;
	long before = mdl_pages_in_use();
	struct ttm_buffer_object *bo;
	struct drm_mdl *mdl;

	bo = mdl_ttm_bo_create(test, ttm_bo_type_kernel, SZ_1M + PAGE_SIZE);
	/* Creating the tt allocates nothing: TTM populates on demand. */
	KUNIT_EXPECT_EQ(test, mdl_pages_in_use(), before);

	KUNIT_EXPECT_EQ(test, mdl_ttm_bind(bo), 0);
	KUNIT_EXPECT_EQ(test, f->binds, 1U);
	KUNIT_EXPECT_EQ(test, bo->resource->mem_type, (u32)TTM_PL_TT);
	mdl = to_drm_mdl_ttm_tt(bo->ttm)->mdl;
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	KUNIT_EXPECT_EQ(test, mdl->page_count, SZ_1M / PAGE_SIZE + 1);
	KUNIT_EXPECT_PTR_EQ(test, mdl->dev, f->dev);
	KUNIT_EXPECT_TRUE(test, mdl->flags & DRM_MDL_ALLOC_FULLY_REQUIRED);
	KUNIT_EXPECT_EQ(test, mdl_pages_in_use(),
			before + (long)mdl->page_count);

	/* Release unpopulates through our hook, which frees the MDL. */
	mdl_ttm_bo_release(bo);
	KUNIT_EXPECT_EQ(test, mdl_pages_in_use(), before);
}

static void mdl_ttm_unpopulate_clears_tt(struct kunit *test)
{
	struct mdl_ttm_fixture *f = test->priv;
	struct ttm_operation_ctx ctx = { .interruptible = false };
	long before = mdl_pages_in_use();
	struct ttm_buffer_object *bo;
	unsigned long i, stale = 0;
	struct ttm_tt *tt;

	/* TTM populates a system-memory tt directly for CPU access. */
	bo = mdl_ttm_bo_create(test, ttm_bo_type_kernel, 16 * PAGE_SIZE);
	tt = bo->ttm;
	KUNIT_ASSERT_EQ(test, ttm_tt_populate(&f->bdev, tt, &ctx), 0);
	mdl_ttm_expect_backed(test, f, tt);
	KUNIT_EXPECT_EQ(test, mdl_pages_in_use(), before + 16);

	ttm_tt_unpopulate(&f->bdev, tt);
	KUNIT_EXPECT_FALSE(test, ttm_tt_is_populated(tt));
	KUNIT_EXPECT_NULL(test, to_drm_mdl_ttm_tt(tt)->mdl);
	for (i = 0; i < tt->num_pages; i++)
		stale += tt->pages[i] || tt->dma_address[i];
	KUNIT_EXPECT_EQ(test, stale, 0UL);
	KUNIT_EXPECT_EQ(test, mdl_pages_in_use(), before);
	mdl_ttm_bo_release(bo);
}

static void mdl_ttm_window_honoured(struct kunit *test)
{
	struct mdl_ttm_fixture *f = test->priv;
	unsigned long top = mdl_test_top_pfn();
	struct ttm_buffer_object *bo;

	/* The middle half of RAM; the move callback checks every page. */
	f->tmpl.low = PFN_PHYS(top / 4);
	f->tmpl.high = PFN_PHYS(top / 4 * 3) - 1;
	bo = mdl_ttm_bo_create(test, ttm_bo_type_kernel, SZ_1M);
	KUNIT_EXPECT_EQ(test, mdl_ttm_bind(bo), 0);
	KUNIT_EXPECT_EQ(test, f->binds, 1U);
	mdl_ttm_bo_release(bo);
}

/* A failed populate leaves the object in system memory and no page held. */
static void mdl_ttm_expect_bind_fails(struct kunit *test, size_t size,
				      int error)
{
	struct mdl_ttm_fixture *f = test->priv;
	struct ttm_resource_manager *man =
		ttm_manager_type(&f->bdev, TTM_PL_TT);
	long before = mdl_pages_in_use();
	struct ttm_buffer_object *bo;
	unsigned long i, stale = 0;

	bo = mdl_ttm_bo_create(test, ttm_bo_type_kernel, size);
	KUNIT_EXPECT_EQ(test, mdl_ttm_bind(bo), error);
	KUNIT_EXPECT_EQ(test, f->binds, 0U);
	KUNIT_EXPECT_EQ(test, bo->resource->mem_type, (u32)TTM_PL_SYSTEM);
	KUNIT_EXPECT_EQ(test, ttm_resource_manager_usage(man), 0ULL);
	KUNIT_ASSERT_NOT_NULL(test, bo->ttm);
	KUNIT_EXPECT_FALSE(test, ttm_tt_is_populated(bo->ttm));
	KUNIT_EXPECT_NULL(test, to_drm_mdl_ttm_tt(bo->ttm)->mdl);
	for (i = 0; i < bo->ttm->num_pages; i++)
		stale += bo->ttm->pages[i] || bo->ttm->dma_address[i];
	KUNIT_EXPECT_EQ(test, stale, 0UL);
	KUNIT_EXPECT_EQ(test, mdl_pages_in_use(), before);
	mdl_ttm_bo_release(bo);
	KUNIT_EXPECT_EQ(test, mdl_pages_in_use(), before);
}

static void mdl_ttm_window_without_ram_fails(struct kunit *test)
{
	struct mdl_ttm_fixture *f = test->priv;

	f->tmpl.low = PFN_PHYS(mdl_test_top_pfn());
	mdl_ttm_expect_bind_fails(test, SZ_1M, -ENOMEM);
}

static void mdl_ttm_partial_window_fails_whole(struct kunit *test)
{
	struct mdl_ttm_fixture *f = test->priv;

	/* 16 pages of RAM at most for a 256-page object: all or nothing. */
	f->tmpl.low = PFN_PHYS(mdl_test_top_pfn() - 16);
	mdl_ttm_expect_bind_fails(test, SZ_1M, -ENOMEM);
}

static void mdl_ttm_malformed_template_fails(struct kunit *test)
{
	struct mdl_ttm_fixture *f = test->priv;

	f->tmpl.low = SZ_1G;
	f->tmpl.high = SZ_1G - 1;
	mdl_ttm_expect_bind_fails(test, SZ_64K, -EINVAL);
}

struct mdl_ttm_caching_case {
	enum ttm_caching caching;
	u32 cache_type;
	const char *name;
};

static const struct mdl_ttm_caching_case mdl_ttm_caching_cases[] = {
	{ ttm_cached, DRM_MDL_CACHE_CACHED, "ttm_cached" },
	{ ttm_write_combined, DRM_MDL_CACHE_WRITE_COMBINED,
	  "ttm_write_combined" },
	{ ttm_uncached, DRM_MDL_CACHE_NON_CACHED, "ttm_uncached" },
};

static void mdl_ttm_caching_desc(const struct mdl_ttm_caching_case *c,
				 char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(mdl_ttm_caching, mdl_ttm_caching_cases, mdl_ttm_caching_desc);

static void mdl_ttm_caching_maps_to_cache_type(struct kunit *test)
{
	const struct mdl_ttm_caching_case *c = test->param_value;
	struct mdl_ttm_fixture *f = test->priv;
	long before = mdl_pages_in_use();
	struct ttm_buffer_object *bo;
	struct drm_mdl *mdl;

	f->caching = c->caching;
	bo = mdl_ttm_bo_create(test, ttm_bo_type_kernel, 32 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, mdl_ttm_bind(bo), 0);
	KUNIT_EXPECT_EQ(test, f->binds, 1U);
	mdl = to_drm_mdl_ttm_tt(bo->ttm)->mdl;
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	KUNIT_EXPECT_EQ(test, mdl->cache_type, c->cache_type);
	/* TTM maps the pages by tt->caching: it must still say the same. */
	KUNIT_EXPECT_EQ(test, bo->ttm->caching, c->caching);
	mdl_ttm_bo_release(bo);
	KUNIT_EXPECT_EQ(test, mdl_pages_in_use(), before);
}

static void mdl_ttm_zero_alloc_overrides_dont_zero(struct kunit *test)
{
	struct mdl_ttm_fixture *f = test->priv;
	struct ttm_buffer_object *bo;
	struct drm_mdl *mdl;

	f->tmpl.flags |= DRM_MDL_ALLOC_DONT_ZERO;

	/* A kernel object: TTM does not ask for zeroing, so none is forced. */
	bo = mdl_ttm_bo_create(test, ttm_bo_type_kernel, 8 * PAGE_SIZE);
	KUNIT_EXPECT_FALSE(test, bo->ttm->page_flags & TTM_TT_FLAG_ZERO_ALLOC);
	KUNIT_ASSERT_EQ(test, mdl_ttm_bind(bo), 0);
	mdl = to_drm_mdl_ttm_tt(bo->ttm)->mdl;
	KUNIT_EXPECT_TRUE(test, mdl->flags & DRM_MDL_ALLOC_DONT_ZERO);
	mdl_ttm_bo_release(bo);

	/* A device object is user-visible: TTM asks for zeroed pages. */
	bo = mdl_ttm_bo_create(test, ttm_bo_type_device, 8 * PAGE_SIZE);
	KUNIT_EXPECT_TRUE(test, bo->ttm->page_flags & TTM_TT_FLAG_ZERO_ALLOC);
	KUNIT_ASSERT_EQ(test, mdl_ttm_bind(bo), 0);
	mdl = to_drm_mdl_ttm_tt(bo->ttm)->mdl;
	KUNIT_EXPECT_FALSE(test, mdl->flags & DRM_MDL_ALLOC_DONT_ZERO);
	mdl_ttm_bo_release(bo);
}

static void mdl_ttm_populate_rejects_imported_tt(struct kunit *test)
{
	struct mdl_ttm_fixture *f = test->priv;
	struct ttm_buffer_object *bo;
	struct drm_mdl *mdl;

	/* The low-level helper, as a driver's own populate hook calls it. */
	bo = mdl_ttm_bo_create(test, ttm_bo_type_kernel, 4 * PAGE_SIZE);
	bo->ttm->page_flags |= TTM_TT_FLAG_EXTERNAL;
	mdl = drm_mdl_ttm_populate(f->dev, bo->ttm, &f->tmpl);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(mdl), -EINVAL);
	bo->ttm->page_flags &= ~TTM_TT_FLAG_EXTERNAL;

	mdl = drm_mdl_ttm_populate(NULL, bo->ttm, &f->tmpl);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(mdl), -EINVAL);

	mdl = drm_mdl_ttm_populate(f->dev, bo->ttm, &f->tmpl);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	KUNIT_EXPECT_EQ(test, mdl->page_count, 4UL);
	KUNIT_EXPECT_PTR_EQ(test, bo->ttm->pages[3], drm_mdl_page(mdl, 3));
	drm_mdl_ttm_unpopulate(bo->ttm, mdl);
	KUNIT_EXPECT_NULL(test, bo->ttm->pages[3]);
	mdl_ttm_bo_release(bo);
}

/*
 * Since 6.15 EXTERNAL no longer means "imported" alone: xe flags its own
 * shrinkable tts EXTERNAL | EXTERNAL_MAPPABLE, and populates them itself.
 */
static void mdl_ttm_populate_accepts_external_mappable_tt(struct kunit *test)
{
	struct mdl_ttm_fixture *f = test->priv;
	struct ttm_buffer_object *bo;
	struct drm_mdl *mdl;

	bo = mdl_ttm_bo_create(test, ttm_bo_type_kernel, 4 * PAGE_SIZE);
	bo->ttm->page_flags |= TTM_TT_FLAG_EXTERNAL |
			       TTM_TT_FLAG_EXTERNAL_MAPPABLE;
	mdl = drm_mdl_ttm_populate(f->dev, bo->ttm, &f->tmpl);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mdl);
	KUNIT_EXPECT_EQ(test, mdl->page_count, 4UL);
	KUNIT_EXPECT_PTR_EQ(test, bo->ttm->pages[0], drm_mdl_page(mdl, 0));
	drm_mdl_ttm_unpopulate(bo->ttm, mdl);
	bo->ttm->page_flags &= ~(TTM_TT_FLAG_EXTERNAL |
				 TTM_TT_FLAG_EXTERNAL_MAPPABLE);
	mdl_ttm_bo_release(bo);
}

/*
 * A tt that TTM may back up to shmem: its backup frees the pages through
 * TTM's pool, so drm-mdl refuses it and allocates nothing.
 */
static void mdl_ttm_populate_rejects_backed_up_tt(struct kunit *test)
{
	struct mdl_ttm_fixture *f = test->priv;
	struct ttm_buffer_object *bo;
	struct drm_mdl *mdl;
	long before;

	if (!MDL_HAVE_TTM_TT_BACKUP)
		kunit_skip(test, "this kernel's TTM cannot back a tt up (6.15)");
	bo = mdl_ttm_bo_create(test, ttm_bo_type_kernel, 4 * PAGE_SIZE);
	/* As xe sets up its shrinkable tts; TTM wants MAPPABLE for a backup. */
	bo->ttm->page_flags |= TTM_TT_FLAG_EXTERNAL |
			       TTM_TT_FLAG_EXTERNAL_MAPPABLE;
	KUNIT_ASSERT_EQ(test, mdl_ttm_tt_setup_backup(bo->ttm), 0);
	before = mdl_pages_in_use();
	mdl = drm_mdl_ttm_populate(f->dev, bo->ttm, &f->tmpl);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(mdl), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdl_pages_in_use(), before);
	KUNIT_EXPECT_NULL(test, bo->ttm->pages[0]);
	mdl_ttm_bo_release(bo);
}

static struct kunit_case mdl_ttm_cases[] = {
	KUNIT_CASE(mdl_ttm_populate_bind_release),
	KUNIT_CASE(mdl_ttm_unpopulate_clears_tt),
	KUNIT_CASE(mdl_ttm_window_honoured),
	KUNIT_CASE(mdl_ttm_window_without_ram_fails),
	KUNIT_CASE(mdl_ttm_partial_window_fails_whole),
	KUNIT_CASE(mdl_ttm_malformed_template_fails),
	KUNIT_CASE_PARAM(mdl_ttm_caching_maps_to_cache_type,
			 mdl_ttm_caching_gen_params),
	KUNIT_CASE(mdl_ttm_zero_alloc_overrides_dont_zero),
	KUNIT_CASE(mdl_ttm_populate_rejects_imported_tt),
	KUNIT_CASE(mdl_ttm_populate_accepts_external_mappable_tt),
	KUNIT_CASE(mdl_ttm_populate_rejects_backed_up_tt),
	{}
};

static struct kunit_suite mdl_ttm_suite = {
	.name = "mdl_ttm",
	.init = mdl_ttm_test_init,
	.exit = mdl_ttm_test_exit,
	.test_cases = mdl_ttm_cases,
};

kunit_test_suite(mdl_ttm_suite);
