/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Kernel API differences between the kernels drm-mdl supports, 6.1 to 6.12,
 * and nothing else. The driver, its KUnit suites and the benchmark module
 * are written against 6.12; for an older kernel this header supplies the
 * newer interface, the way backports and out-of-tree drivers do, so that
 * no other file needs a version check. Each entry says which release
 * changed what, and where the meaning changed and not only the name.
 *
 * The build refuses kernels outside the range (Kbuild prints why), since
 * an API that changed after 6.12 would otherwise surface as a compiler
 * error far from its cause.
 */
#ifndef __MDL_COMPAT_H__
#define __MDL_COMPAT_H__

#include <linux/build_bug.h>
#include <linux/dma-buf.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/platform_device.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/version.h>

/*
 * The buddy allocator's largest order. Before 6.4, MAX_ORDER was one past
 * it (orders 0 to MAX_ORDER - 1); 6.4 made MAX_ORDER the largest order
 * itself, and 6.8 renamed it MAX_PAGE_ORDER, with NR_PAGE_ORDERS for the
 * count. Only the 6.8 names are used, so no file can mix up the two
 * meanings of MAX_ORDER.
 */
#ifndef MAX_PAGE_ORDER
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define MAX_PAGE_ORDER	MAX_ORDER
#else
#define MAX_PAGE_ORDER	(MAX_ORDER - 1)
#endif
#endif
#ifndef NR_PAGE_ORDERS
#define NR_PAGE_ORDERS	(MAX_PAGE_ORDER + 1)
#endif

/* 6.3 made vma->vm_flags read-only behind vm_flags_set() and friends. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}
#endif

/*
 * Kernel-memory accounting to memory cgroups: 6.3 renamed
 * memcg_kmem_enabled() to memcg_kmem_online(), and 6.10 dropped
 * CONFIG_MEMCG_KMEM, which every CONFIG_MEMCG kernel had anyway. Testing
 * the old symbol alone would silently turn accounting off on 6.12.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
#define memcg_kmem_online()	memcg_kmem_enabled()
#endif
#if defined(CONFIG_MEMCG_KMEM) || \
	(defined(CONFIG_MEMCG) && LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0))
#define MDL_HAVE_MEMCG_KMEM	1
#else
#define MDL_HAVE_MEMCG_KMEM	0
#endif

/*
 * 6.7 replaced the shrinker a driver embeds and registers with one the
 * kernel allocates (shrinker_alloc(), shrinker_register(), shrinker_free())
 * and frees after an RCU grace period, since shrinkers now run without
 * shrinker_rwsem. On both, the callbacks may run as soon as registration
 * starts, and none runs any more once mdl_shrinker_destroy() returns, so
 * the caller sets up everything they touch first and tears it down after.
 * 6.1's register_shrinker() can fail (it allocates) where 6.7's
 * shrinker_register() cannot, so creation returns an error on both.
 */
struct mdl_shrinker_ops {
	unsigned long (*count)(struct shrinker *shrinker,
			       struct shrink_control *sc);
	unsigned long (*scan)(struct shrinker *shrinker,
			      struct shrink_control *sc);
};

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
static inline struct shrinker *
mdl_shrinker_create(const char *name, const struct mdl_shrinker_ops *ops)
{
	struct shrinker *shrinker = shrinker_alloc(0, "%s", name);

	if (!shrinker)
		return ERR_PTR(-ENOMEM);
	shrinker->count_objects = ops->count;
	shrinker->scan_objects = ops->scan;
	shrinker->seeks = DEFAULT_SEEKS;
	shrinker_register(shrinker);
	return shrinker;
}

static inline void mdl_shrinker_destroy(struct shrinker *shrinker)
{
	shrinker_free(shrinker);
}
#else
static inline struct shrinker *
mdl_shrinker_create(const char *name, const struct mdl_shrinker_ops *ops)
{
	struct shrinker *shrinker = kzalloc(sizeof(*shrinker), GFP_KERNEL);
	int ret;

	if (!shrinker)
		return ERR_PTR(-ENOMEM);
	shrinker->count_objects = ops->count;
	shrinker->scan_objects = ops->scan;
	shrinker->seeks = DEFAULT_SEEKS;
	ret = register_shrinker(shrinker, "%s", name);
	if (ret) {
		kfree(shrinker);
		return ERR_PTR(ret);
	}
	return shrinker;
}

static inline void mdl_shrinker_destroy(struct shrinker *shrinker)
{
	unregister_shrinker(shrinker);
	kfree(shrinker);
}
#endif

/*
 * platform_driver.remove returns void since 6.11 (6.3 to 6.10 called that
 * one .remove_new); 6.1 has only the int-returning callback, whose value
 * the driver core ignores. The driver writes the void callback, then
 * MDL_PLATFORM_REMOVE_VOID(fn) after it, and MDL_PLATFORM_DRIVER_REMOVE(fn) in
 * its struct platform_driver.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define MDL_PLATFORM_REMOVE_VOID(fn) \
	static_assert(__same_type(&(fn), void (*)(struct platform_device *)))
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
#define MDL_PLATFORM_DRIVER_REMOVE(fn)	.remove = fn
#else
#define MDL_PLATFORM_DRIVER_REMOVE(fn)	.remove_new = fn
#endif
#else
#define MDL_PLATFORM_REMOVE_VOID(fn) \
	static int fn##_int(struct platform_device *pdev) \
	{ \
		fn(pdev); \
		return 0; \
	}
#define MDL_PLATFORM_DRIVER_REMOVE(fn)	.remove = fn##_int
#endif

/*
 * drm_file.pid is RCU-protected since 6.8, which moves a file to the task
 * that uses it; call under rcu_read_lock().
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
#define mdl_drm_file_pid(file)	rcu_dereference((file)->pid)
#else
#define mdl_drm_file_pid(file)	((file)->pid)
#endif

/*
 * 6.12's dma_set_max_seg_size() returns nothing; before, it failed only for
 * a device without dma_parms, and both buses the driver binds to (PCI and
 * platform) always provide them. The driver calls it for its effect alone.
 */

/*
 * Before 6.6 a driver had to route dma-buf mmap to its GEM object itself;
 * 6.6 removed drm_driver.gem_prime_mmap and calls the object's mmap.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 6, 0)
#define MDL_DRM_GEM_PRIME_MMAP	.gem_prime_mmap = drm_gem_prime_mmap,
#else
#define MDL_DRM_GEM_PRIME_MMAP
#endif

/*
 * 6.5 added drm_show_fdinfo(): the DRM core prints the drm-driver,
 * drm-client-id (&drm_file.client_id) and drm-pdev keys of
 * drm-usage-stats.rst and calls &drm_driver.show_fdinfo for the rest.
 * Before, a driver that wanted the keys in fdinfo set
 * &file_operations.show_fdinfo and printed all of them, numbering its
 * clients itself (mdl_fdinfo.c does both there).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#define MDL_HAVE_DRM_SHOW_FDINFO		1
#define MDL_FOPS_SHOW_FDINFO(legacy_fn)		.show_fdinfo = drm_show_fdinfo,
#define MDL_DRM_DRIVER_SHOW_FDINFO(fn)		.show_fdinfo = fn,
#else
#define MDL_HAVE_DRM_SHOW_FDINFO		0
#define MDL_FOPS_SHOW_FDINFO(legacy_fn)		.show_fdinfo = legacy_fn,
#define MDL_DRM_DRIVER_SHOW_FDINFO(fn)
#endif

/*
 * 6.10's __assign_str() takes the field only: the source given to
 * __string() is remembered.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define mdl_assign_str(dst, src)	__assign_str(dst)
#else
#define mdl_assign_str(dst, src)	__assign_str(dst, src)
#endif

/*
 * 6.2 made dma_buf_vmap() a call for importers that hold the buffer's
 * reservation lock (it asserts so) and added the _unlocked variants for
 * the rest; on 6.1 the plain calls take no lock and are those variants.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
static inline int dma_buf_vmap_unlocked(struct dma_buf *dmabuf,
					struct iosys_map *map)
{
	return dma_buf_vmap(dmabuf, map);
}

static inline void dma_buf_vunmap_unlocked(struct dma_buf *dmabuf,
					   struct iosys_map *map)
{
	dma_buf_vunmap(dmabuf, map);
}
#endif

/*
 * TTM, for the TTM backend's KUnit suite: 6.4 merged ttm_bo_api.h and
 * ttm_bo_driver.h into ttm_bo.h, and 6.9 dropped ttm_placement's separate
 * busy list (a place's flags now mark it a fallback; a place without
 * flags serves both cases, as a place on both lists did before).
 */
#if IS_ENABLED(CONFIG_DRM_TTM)
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#include <drm/ttm/ttm_bo.h>
#else
#include <drm/ttm/ttm_bo_api.h>
#include <drm/ttm/ttm_bo_driver.h>
#endif
#include <drm/ttm/ttm_placement.h>

static inline void mdl_ttm_placement_init(struct ttm_placement *placement,
					  const struct ttm_place *place)
{
	placement->num_placement = 1;
	placement->placement = place;
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 9, 0)
	placement->num_busy_placement = 1;
	placement->busy_placement = place;
#endif
}
#endif /* CONFIG_DRM_TTM */

#endif /* __MDL_COMPAT_H__ */
