// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The TTM backend: a struct ttm_tt populated by drm-mdl instead of
 * ttm_pool_alloc(). Built only when the kernel has TTM (CONFIG_DRM_TTM),
 * and then mdl.ko depends on ttm.ko.
 */

#include <linux/device.h>
#include <linux/err.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <drm/drm_mdl_ttm.h>
#include <drm/ttm/ttm_device.h>
#include <drm/ttm/ttm_tt.h>

#include "mdl_compat.h"

/**
 * DOC: TTM backend
 *
 * A TTM driver allocates the pages of a &struct ttm_tt in its
 * &ttm_device_funcs.ttm_tt_populate hook, usually with ttm_pool_alloc().
 * drm-mdl can do it instead, so that the pages of a buffer object come from
 * the physical windows of a &struct drm_mdl_request (low/high, SkipBytes),
 * all or nothing, zero-filled, with the cache type TTM asked for and mapped
 * on the device: DxgkCbAllocatePagesForMdl semantics behind TTM.
 *
 * The size comes from &ttm_tt.num_pages and the cache type from
 * &ttm_tt.caching (ttm_cached: DRM_MDL_CACHE_CACHED, ttm_write_combined:
 * DRM_MDL_CACHE_WRITE_COMBINED, ttm_uncached: DRM_MDL_CACHE_NON_CACHED), so
 * CPU mappings TTM makes from &ttm_tt.caching match the pages. The driver
 * gives the rest as a request template. The allocation is always fully
 * required, and TTM_TT_FLAG_ZERO_ALLOC overrides DRM_MDL_ALLOC_DONT_ZERO.
 * &ttm_tt.pages is filled and, when the ttm_tt has one (ttm_sg_tt_init()),
 * &ttm_tt.dma_address with the DMA address of each page on the device.
 *
 * There are two ways in. A driver without a ttm_tt subclass of its own
 * plugs the ready-made hooks into its &struct ttm_device_funcs; the pages
 * are mapped on the device given to ttm_device_init()::
 *
 *	static struct ttm_tt *foo_ttm_tt_create(struct ttm_buffer_object *bo,
 *						u32 page_flags)
 *	{
 *		// GPU page tables reach the low 4 GiB only.
 *		const struct drm_mdl_request tmpl = {
 *			.low = 0,
 *			.high = SZ_4G - 1,
 *		};
 *
 *		return drm_mdl_ttm_tt_create(bo, page_flags,
 *					     ttm_write_combined, &tmpl);
 *	}
 *
 *	static struct ttm_device_funcs foo_ttm_funcs = {
 *		.ttm_tt_create = foo_ttm_tt_create,
 *		.ttm_tt_populate = drm_mdl_ttm_tt_populate,
 *		.ttm_tt_unpopulate = drm_mdl_ttm_tt_unpopulate,
 *		.ttm_tt_destroy = drm_mdl_ttm_tt_destroy,
 *		.move = foo_bo_move,	// to_drm_mdl_ttm_tt(bo->ttm)->mdl
 *		...
 *	};
 *
 * A driver with its own ttm_tt subclass keeps the &struct drm_mdl there
 * and calls drm_mdl_ttm_populate() where it called ttm_pool_alloc(), and
 * drm_mdl_ttm_unpopulate() where it called ttm_pool_free()::
 *
 *	static int foo_ttm_tt_populate(struct ttm_device *bdev,
 *				       struct ttm_tt *ttm,
 *				       struct ttm_operation_ctx *ctx)
 *	{
 *		struct foo_ttm_tt *ftt = to_foo_ttm_tt(ttm);
 *		struct drm_mdl *mdl;
 *
 *		mdl = drm_mdl_ttm_populate(ftt->foo->dev, ttm, &ftt->tmpl);
 *		if (IS_ERR(mdl))
 *			return PTR_ERR(mdl);
 *		ftt->mdl = mdl;
 *		return 0;
 *	}
 *
 *	static void foo_ttm_tt_unpopulate(struct ttm_device *bdev,
 *					  struct ttm_tt *ttm)
 *	{
 *		struct foo_ttm_tt *ftt = to_foo_ttm_tt(ttm);
 *
 *		drm_mdl_ttm_unpopulate(ttm, ftt->mdl);
 *		ftt->mdl = NULL;
 *	}
 *
 * Neither way handles imported objects (TTM_TT_FLAG_EXTERNAL without
 * TTM_TT_FLAG_EXTERNAL_MAPPABLE): their pages belong to the exporter, so a
 * driver with dma-buf imports or userptr objects deals with those in its
 * own hooks before calling drm-mdl. A driver's own tt flagged
 * EXTERNAL | EXTERNAL_MAPPABLE (as xe flags its shrinkable ones) is
 * populated like any other. A tt that TTM may back up to shmem (the
 * driver called ttm_tt_setup_backup(), 6.15 and later) is refused with
 * -EINVAL: TTM's backup frees the pages through TTM's own pool, and
 * drm-mdl's pages stay pinned until drm_mdl_ttm_unpopulate().
 * Buffer objects larger than DRM_MDL_MAX_BYTES fail with -EINVAL, as
 * one MDL cannot describe them.
 */

static int mdl_ttm_cache_type(enum ttm_caching caching, u32 *cache_type)
{
	switch (caching) {
	case ttm_cached:
		*cache_type = DRM_MDL_CACHE_CACHED;
		return 0;
	case ttm_write_combined:
		*cache_type = DRM_MDL_CACHE_WRITE_COMBINED;
		return 0;
	case ttm_uncached:
		*cache_type = DRM_MDL_CACHE_NON_CACHED;
		return 0;
	}
	return -EINVAL;
}

static bool mdl_ttm_tt_supported(const struct ttm_tt *tt)
{
	/*
	 * Imported pages belong to the exporter; there is nothing to
	 * allocate. EXTERNAL with EXTERNAL_MAPPABLE is a driver's own tt
	 * whose pages its backend allocates (xe sets both since 6.15).
	 */
	if ((tt->page_flags & TTM_TT_FLAG_EXTERNAL) &&
	    !(tt->page_flags & TTM_TT_FLAG_EXTERNAL_MAPPABLE))
		return false;
	/*
	 * TTM backs such a tt up to shmem by freeing its pages through its
	 * own pool: drm-mdl's pages would be freed behind its back.
	 */
	if (mdl_ttm_tt_has_backup(tt))
		return false;
#ifdef TTM_TT_FLAG_DECRYPTED
	/*
	 * TTM would map the pages decrypted, which only dma_alloc_coherent()
	 * memory is; drm-mdl's pages are ordinary, encrypted ones.
	 */
	if (tt->page_flags & TTM_TT_FLAG_DECRYPTED)
		return false;
#endif
	/* Only an EXTERNAL ttm_tt lacks a page array; be sure anyway. */
	return tt->pages;
}

/**
 * drm_mdl_ttm_populate - allocate the pages of a &struct ttm_tt with drm-mdl
 * @dev: the device to map the pages on, usually the one given to
 *       ttm_device_init()
 * @tt: the ttm_tt to fill; its num_pages gives the size and its caching
 *      the cache type
 * @tmpl: the request template: low, high, skip and flags are used as they
 *        are (DRM_MDL_ALLOC_FULLY_REQUIRED is always added, and
 *        DRM_MDL_ALLOC_DONT_ZERO dropped when @tt has
 *        TTM_TT_FLAG_ZERO_ALLOC); total_bytes and cache_type are ignored
 *
 * Replaces ttm_pool_alloc() in a &ttm_device_funcs.ttm_tt_populate hook:
 * allocates @tt->num_pages pages as drm_mdl_dxgk_allocate_pages() does,
 * stores them in @tt->pages and, when @tt has a dma_address array, their
 * DMA addresses on @dev in @tt->dma_address. The returned descriptor owns
 * the pages; keep it for drm_mdl_ttm_unpopulate().
 *
 * Context: process context; may sleep unless DRM_MDL_ALLOC_NO_WAIT is set.
 * Return: the descriptor, or an ERR_PTR: -EINVAL for a malformed template,
 * an unknown caching, no @dev, a @tt larger than DRM_MDL_MAX_BYTES, or an
 * imported, decrypted or backed-up (ttm_tt_setup_backup()) @tt;
 * -EOPNOTSUPP for a caching the architecture cannot give; -ENXIO when the
 * platform bounces all of @dev's DMA; -ENOMEM when the pages cannot be
 * had; -EINTR on a fatal signal. On error @tt is unchanged and nothing is
 * left allocated.
 */
struct drm_mdl *drm_mdl_ttm_populate(struct device *dev, struct ttm_tt *tt,
				     const struct drm_mdl_request *tmpl)
{
	struct drm_mdl_request req = *tmpl;
	struct drm_mdl *mdl;
	int ret;

	if (!dev || !mdl_ttm_tt_supported(tt))
		return ERR_PTR(-EINVAL);
	ret = mdl_ttm_cache_type(tt->caching, &req.cache_type);
	if (ret)
		return ERR_PTR(ret);
	req.total_bytes = (u64)tt->num_pages << PAGE_SHIFT;
	/* TTM's promise to user space that the pages hold no old data. */
	if (tt->page_flags & TTM_TT_FLAG_ZERO_ALLOC)
		req.flags &= ~DRM_MDL_ALLOC_DONT_ZERO;

	mdl = drm_mdl_dxgk_allocate_pages(dev, &req);
	if (IS_ERR(mdl))
		return mdl;

	/*
	 * Fully required: exactly tt->num_pages pages, in allocation order,
	 * and an address per page, whatever segments the IOMMU merged.
	 */
	if (WARN_ON_ONCE(drm_mdl_get_pages(mdl, 0, tt->num_pages, tt->pages) !=
			 tt->num_pages ||
			 (tt->dma_address &&
			  drm_mdl_get_dma_addrs(mdl, 0, tt->num_pages,
						tt->dma_address) != tt->num_pages))) {
		drm_mdl_free(mdl);
		return ERR_PTR(-EIO);
	}
	return mdl;
}
EXPORT_SYMBOL_GPL(drm_mdl_ttm_populate);

/**
 * drm_mdl_ttm_unpopulate - give back the pages of a &struct ttm_tt
 * @tt: the ttm_tt drm_mdl_ttm_populate() filled
 * @mdl: the descriptor it returned; NULL is ignored
 *
 * Replaces ttm_pool_free() in a &ttm_device_funcs.ttm_tt_unpopulate hook:
 * clears @tt->pages and @tt->dma_address, then unmaps and frees the pages
 * with drm_mdl_free().
 *
 * Context: process context.
 */
void drm_mdl_ttm_unpopulate(struct ttm_tt *tt, struct drm_mdl *mdl)
{
	/* No stale pointer may outlive the pages: TTM reads both arrays. */
	if (tt->pages)
		memset(tt->pages, 0, tt->num_pages * sizeof(*tt->pages));
	if (tt->dma_address)
		memset(tt->dma_address, 0,
		       tt->num_pages * sizeof(*tt->dma_address));
	drm_mdl_free(mdl);
}
EXPORT_SYMBOL_GPL(drm_mdl_ttm_unpopulate);

/**
 * drm_mdl_ttm_tt_create - a &struct drm_mdl_ttm_tt for a buffer object
 * @bo: the buffer object, as TTM passes it to &ttm_device_funcs.ttm_tt_create
 * @page_flags: TTM_TT_FLAG_*, as TTM passes them
 * @caching: the CPU caching of the pages; it becomes their drm-mdl cache type
 * @tmpl: the request template drm_mdl_ttm_tt_populate() will use (copied);
 *        see drm_mdl_ttm_populate()
 *
 * For a driver's &ttm_device_funcs.ttm_tt_create hook, which chooses
 * @caching and @tmpl per buffer object. The ttm_tt has a dma_address array,
 * as ttm_sg_tt_init() makes one. No page is allocated yet.
 *
 * Context: process context.
 * Return: the &drm_mdl_ttm_tt.ttm of a new wrapper, or NULL when out of
 * memory (TTM turns that into -ENOMEM).
 */
struct ttm_tt *drm_mdl_ttm_tt_create(struct ttm_buffer_object *bo,
				     u32 page_flags, enum ttm_caching caching,
				     const struct drm_mdl_request *tmpl)
{
	struct drm_mdl_ttm_tt *mtt;

	mtt = kzalloc_obj(*mtt, GFP_KERNEL);
	if (!mtt)
		return NULL;
	mtt->tmpl = *tmpl;
	if (ttm_sg_tt_init(&mtt->ttm, bo, page_flags, caching)) {
		kfree(mtt);
		return NULL;
	}
	return &mtt->ttm;
}
EXPORT_SYMBOL_GPL(drm_mdl_ttm_tt_create);

/**
 * drm_mdl_ttm_tt_populate - &ttm_device_funcs.ttm_tt_populate for drm-mdl
 * @bdev: the TTM device; the pages are mapped on the device given to its
 *        ttm_device_init()
 * @tt: a ttm_tt from drm_mdl_ttm_tt_create()
 * @ctx: unused: drm-mdl waits for no GPU, and stops only for fatal signals
 *
 * Populates @tt with drm_mdl_ttm_populate() and the template of
 * drm_mdl_ttm_tt_create(), and keeps the descriptor in
 * &drm_mdl_ttm_tt.mdl.
 *
 * Context: process context; may sleep unless DRM_MDL_ALLOC_NO_WAIT is set.
 * Return: 0, or the error of drm_mdl_ttm_populate() with @tt unchanged.
 */
int drm_mdl_ttm_tt_populate(struct ttm_device *bdev, struct ttm_tt *tt,
			    struct ttm_operation_ctx *ctx)
{
	struct drm_mdl_ttm_tt *mtt = to_drm_mdl_ttm_tt(tt);
	struct drm_mdl *mdl;

	mdl = drm_mdl_ttm_populate(bdev->pool.dev, tt, &mtt->tmpl);
	if (IS_ERR(mdl))
		return PTR_ERR(mdl);
	mtt->mdl = mdl;
	return 0;
}
EXPORT_SYMBOL_GPL(drm_mdl_ttm_tt_populate);

/**
 * drm_mdl_ttm_tt_unpopulate - &ttm_device_funcs.ttm_tt_unpopulate for drm-mdl
 * @bdev: the TTM device
 * @tt: a ttm_tt drm_mdl_ttm_tt_populate() filled
 *
 * Clears @tt's page and DMA address arrays and frees the allocation with
 * drm_mdl_ttm_unpopulate().
 *
 * Context: process context.
 */
void drm_mdl_ttm_tt_unpopulate(struct ttm_device *bdev, struct ttm_tt *tt)
{
	struct drm_mdl_ttm_tt *mtt = to_drm_mdl_ttm_tt(tt);

	drm_mdl_ttm_unpopulate(tt, mtt->mdl);
	mtt->mdl = NULL;
}
EXPORT_SYMBOL_GPL(drm_mdl_ttm_tt_unpopulate);

/**
 * drm_mdl_ttm_tt_destroy - &ttm_device_funcs.ttm_tt_destroy for drm-mdl
 * @bdev: the TTM device
 * @tt: a ttm_tt from drm_mdl_ttm_tt_create(); TTM unpopulates it first
 *
 * Context: process context.
 */
void drm_mdl_ttm_tt_destroy(struct ttm_device *bdev, struct ttm_tt *tt)
{
	ttm_tt_fini(tt);
	kfree(to_drm_mdl_ttm_tt(tt));
}
EXPORT_SYMBOL_GPL(drm_mdl_ttm_tt_destroy);
