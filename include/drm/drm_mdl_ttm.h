/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * drm-mdl as the page allocator of a TTM driver: a struct ttm_tt populated
 * with drm-mdl's window, SkipBytes, fully-required and cache-type semantics
 * instead of ttm_pool_alloc(). See drivers/gpu/drm/mdl/mdl_ttm.c.
 */
#ifndef __DRM_MDL_TTM_H__
#define __DRM_MDL_TTM_H__

#include <linux/container_of.h>
#include <linux/types.h>
#include <drm/drm_mdl.h>
#include <drm/ttm/ttm_tt.h>

struct device;
struct ttm_buffer_object;
struct ttm_device;
struct ttm_operation_ctx;

/* For a driver's own ttm_tt_populate / ttm_tt_unpopulate hooks. */
struct drm_mdl *drm_mdl_ttm_populate(struct device *dev, struct ttm_tt *tt,
				     const struct drm_mdl_request *tmpl);
void drm_mdl_ttm_unpopulate(struct ttm_tt *tt, struct drm_mdl *mdl);

/**
 * struct drm_mdl_ttm_tt - a &struct ttm_tt backed by drm-mdl
 * @ttm: the TTM object; TTM and the driver's other hooks see only this
 * @tmpl: the request template given to drm_mdl_ttm_tt_create(); its
 *        total_bytes and cache_type are ignored
 * @mdl: the allocation behind @ttm while it is populated, else NULL
 *
 * Created by drm_mdl_ttm_tt_create() and freed by drm_mdl_ttm_tt_destroy();
 * find it from the &struct ttm_tt with to_drm_mdl_ttm_tt().
 */
struct drm_mdl_ttm_tt {
	struct ttm_tt ttm;
	struct drm_mdl_request tmpl;
	struct drm_mdl *mdl;
};

/**
 * to_drm_mdl_ttm_tt - the &struct drm_mdl_ttm_tt around a &struct ttm_tt
 * @tt: a ttm_tt made by drm_mdl_ttm_tt_create()
 *
 * Return: the wrapper.
 */
static inline struct drm_mdl_ttm_tt *to_drm_mdl_ttm_tt(struct ttm_tt *tt)
{
	return container_of(tt, struct drm_mdl_ttm_tt, ttm);
}

/* Ready-made hooks for &struct ttm_device_funcs. */
struct ttm_tt *drm_mdl_ttm_tt_create(struct ttm_buffer_object *bo,
				     u32 page_flags, enum ttm_caching caching,
				     const struct drm_mdl_request *tmpl);
int drm_mdl_ttm_tt_populate(struct ttm_device *bdev, struct ttm_tt *tt,
			    struct ttm_operation_ctx *ctx);
void drm_mdl_ttm_tt_unpopulate(struct ttm_device *bdev, struct ttm_tt *tt);
void drm_mdl_ttm_tt_destroy(struct ttm_device *bdev, struct ttm_tt *tt);

#endif /* __DRM_MDL_TTM_H__ */
