// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The DRM side's error paths: ioctl handlers called on a real mdl device
 * with a failure injected at every allocation and mapping point they go
 * through, GEM object, handle, mmap offset, dma-buf export and vmap
 * included, then a count that nothing was left behind.
 *
 * 6.1 has no drm_kunit_helpers. Each case registers a platform device of
 * the driver's own "mdl-virt" kind, so the driver's probe and remove run
 * as on a real machine, and opens a struct drm_file on its render minor
 * the way drm_open() does, minus the struct file.
 */

#include <kunit/test.h>
#include <linux/dma-buf.h>
#include <linux/file.h>
#include <linux/fcntl.h>
#include <linux/idr.h>
#include <linux/iosys-map.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/dma-mapping.h>
#include <linux/platform_device.h>
#include <linux/sizes.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_prime.h>
#include <drm/drm_print.h>
#include <drm/drm_vma_manager.h>

#include "../../drm_internal.h"
#include "../mdl_drv.h"
#include "mdl_test.h"

/* Retries absorb pages that unrelated kernel threads take meanwhile. */
#define MDL_DRM_MEASURE_TRIES	5

/*
 * KASAN's quarantine holds freed slab objects back from reuse, so every
 * call that frees the descriptor's arrays costs a few slab pages for a
 * while: measured, 1 to 3 pages per call. The allocation's own pages (777
 * here) are far beyond this slack; mdl_pages_in_use() is checked exactly,
 * and kmemleak's scan at the end of the run catches leaked slab objects.
 */
#define MDL_DRM_SLAB_SLACK	8

/* Above TASK_SIZE, so copy_to_user() refuses it without touching memory. */
#define MDL_DRM_BAD_USER_PTR	(~0ULL - SZ_64K)

/**
 * struct mdl_drm_env - per-case fixture
 * @pdev: an "mdl-virt" platform device, bound to the driver; NULL once the
 *        case has unplugged it
 * @mdev: the driver's device for @pdev
 * @drm: &mdev->drm, with a reference of the test's own
 * @file: a DRM file on the render minor; NULL once the case closed it
 * @engine_base: mdl_pages_in_use() before the case
 * @client_base: mdl_limit_client_pages() before the case
 * @saved_max_user_mb: the max_user_mb parameter before the case
 * @saved_max_total_mb: the max_total_mb parameter before the case
 */
struct mdl_drm_env {
	struct platform_device *pdev;
	struct mdl_device *mdev;
	struct drm_device *drm;
	struct drm_file *file;
	long engine_base;
	unsigned long client_base;
	unsigned int saved_max_user_mb;
	unsigned int saved_max_total_mb;
};

static int mdl_drm_test_init(struct kunit *test)
{
	struct mdl_drm_env *env;
	struct drm_file *file;

	env = kunit_kzalloc(test, sizeof(*env), GFP_KERNEL);
	if (!env)
		return -ENOMEM;

	env->pdev = platform_device_register_simple(MDL_PLATFORM_NAME,
						    PLATFORM_DEVID_AUTO,
						    NULL, 0);
	if (IS_ERR(env->pdev))
		return PTR_ERR(env->pdev);
	env->mdev = platform_get_drvdata(env->pdev);
	if (!env->mdev) {
		platform_device_unregister(env->pdev);
		return -ENODEV;
	}
	env->drm = &env->mdev->drm;
	/* drm_open() holds the device for each file; a bare drm_file does not. */
	drm_dev_get(env->drm);

	file = drm_file_alloc(env->drm->render);
	if (IS_ERR(file)) {
		platform_device_unregister(env->pdev);
		drm_dev_put(env->drm);
		return PTR_ERR(file);
	}
	env->file = file;
	env->engine_base = mdl_pages_in_use();
	env->client_base = mdl_limit_client_pages();
	env->saved_max_user_mb = READ_ONCE(mdl_max_user_mb);
	env->saved_max_total_mb = READ_ONCE(mdl_max_total_mb);
	test->priv = env;
	return 0;
}

static void mdl_drm_test_exit(struct kunit *test)
{
	struct mdl_drm_env *env = test->priv;

	mdl_fault_disarm();
	if (!env)
		return;
	WRITE_ONCE(mdl_max_user_mb, env->saved_max_user_mb);
	WRITE_ONCE(mdl_max_total_mb, env->saved_max_total_mb);
	drm_file_free(env->file);
	if (env->pdev)
		platform_device_unregister(env->pdev);
	drm_dev_put(env->drm);
}

static int mdl_drm_ioctl_on(struct mdl_drm_env *env, struct drm_file *file,
			    unsigned int nr, void *args)
{
	return mdl_ioctls[nr].func(env->drm, args, file);
}

static int mdl_drm_ioctl(struct mdl_drm_env *env, unsigned int nr, void *args)
{
	return mdl_drm_ioctl_on(env, env->file, nr, args);
}

static struct drm_mdl_alloc mdl_drm_alloc_args(u64 bytes, u32 cache_type)
{
	struct drm_mdl_alloc args = {
		.low = 0,
		.high = DRM_MDL_HIGH_UNLIMITED,
		.total_bytes = bytes,
		.cache_type = cache_type,
	};

	return args;
}

static int mdl_drm_alloc_on(struct mdl_drm_env *env, struct drm_file *file,
			    u64 bytes, u32 *handle)
{
	struct drm_mdl_alloc args = mdl_drm_alloc_args(bytes,
						       DRM_MDL_CACHE_CACHED);
	int ret;

	ret = mdl_drm_ioctl_on(env, file, DRM_MDL_ALLOC, &args);
	if (!ret)
		*handle = args.handle;
	return ret;
}

static int mdl_drm_alloc(struct mdl_drm_env *env, u64 bytes, u32 *handle)
{
	return mdl_drm_alloc_on(env, env->file, bytes, handle);
}

static int mdl_drm_free_on(struct mdl_drm_env *env, struct drm_file *file,
			   u32 handle)
{
	struct drm_mdl_free args = { .handle = handle };

	return mdl_drm_ioctl_on(env, file, DRM_MDL_FREE, &args);
}

static int mdl_drm_free(struct mdl_drm_env *env, u32 handle)
{
	return mdl_drm_free_on(env, env->file, handle);
}

static struct mdl_usage mdl_drm_total(struct mdl_drm_env *env)
{
	struct mdl_usage usage;

	spin_lock(&env->mdev->usage_lock);
	usage = env->mdev->total;
	spin_unlock(&env->mdev->usage_lock);
	return usage;
}

static struct mdl_usage mdl_drm_orphaned(struct mdl_drm_env *env)
{
	struct mdl_usage usage;

	spin_lock(&env->mdev->usage_lock);
	usage = env->mdev->orphaned;
	spin_unlock(&env->mdev->usage_lock);
	return usage;
}

static u64 mdl_drm_file_bytes(struct mdl_drm_env *env, struct drm_file *file)
{
	struct mdl_file *mfile = file->driver_priv;
	u64 bytes;

	spin_lock(&env->mdev->usage_lock);
	bytes = mfile->usage.bytes;
	spin_unlock(&env->mdev->usage_lock);
	return bytes;
}

/* Pages the case's own user (the task's current uid) holds. */
static unsigned long mdl_drm_user_pages(void)
{
	return mdl_limit_user_pages(current_uid());
}

static bool mdl_drm_no_handles(struct drm_file *file)
{
	bool empty;

	spin_lock(&file->table_lock);
	empty = idr_is_empty(&file->object_idr);
	spin_unlock(&file->table_lock);
	return empty;
}

/* Nothing allocated by the device or held by the engine, nothing reserved. */
static void mdl_drm_expect_idle(struct kunit *test, struct mdl_drm_env *env,
				const char *what)
{
	struct mdl_usage total = mdl_drm_total(env);
	struct mdl_usage orphaned = mdl_drm_orphaned(env);

	KUNIT_EXPECT_EQ_MSG(test, total.allocations, 0ULL, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, total.pages, 0ULL, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, total.bytes, 0ULL, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, orphaned.allocations, 0ULL, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, mdl_pages_in_use(), env->engine_base,
			    "%s: engine pages", what);
	KUNIT_EXPECT_EQ_MSG(test, mdl_limit_client_pages(), env->client_base,
			    "%s: client pages", what);
	/* No user holds anything, so none has a record left. */
	KUNIT_EXPECT_EQ_MSG(test, mdl_limit_user_count(), 0UL,
			    "%s: user records", what);
	if (env->file) {
		KUNIT_EXPECT_EQ_MSG(test, mdl_drm_file_bytes(env, env->file),
				    0ULL, "%s: file usage", what);
		KUNIT_EXPECT_TRUE_MSG(test, mdl_drm_no_handles(env->file),
				      "%s: a handle was left", what);
	}
}

/* The dma-buf's file is released by delayed fput in a kernel thread. */
static void mdl_drm_put_dmabuf(struct dma_buf *dmabuf)
{
	dma_buf_put(dmabuf);
	flush_delayed_fput();
}

static void mdl_drm_alloc_free(struct kunit *test)
{
	struct mdl_drm_env *env = test->priv;
	struct drm_mdl_alloc args = mdl_drm_alloc_args(SZ_64K,
						       DRM_MDL_CACHE_CACHED);
	struct drm_mdl_free free_args = {};
	struct mdl_usage total;

	KUNIT_ASSERT_EQ(test, mdl_drm_ioctl(env, DRM_MDL_ALLOC, &args), 0);
	KUNIT_EXPECT_NE(test, args.handle, 0U);
	KUNIT_EXPECT_EQ(test, args.byte_count, (u64)SZ_64K);
	KUNIT_EXPECT_EQ(test, args.page_count, (u64)(SZ_64K >> PAGE_SHIFT));
	KUNIT_EXPECT_GE(test, args.chunk_count, 1U);
	KUNIT_EXPECT_GE(test, args.dma_segment_count, 1U);

	total = mdl_drm_total(env);
	KUNIT_EXPECT_EQ(test, total.allocations, 1ULL);
	KUNIT_EXPECT_EQ(test, total.bytes, (u64)SZ_64K);
	KUNIT_EXPECT_EQ(test, mdl_drm_file_bytes(env, env->file), (u64)SZ_64K);
	KUNIT_EXPECT_EQ(test, mdl_drm_user_pages(),
			(unsigned long)(SZ_64K >> PAGE_SHIFT));
	KUNIT_EXPECT_EQ(test, mdl_pages_in_use() - env->engine_base,
			(long)(SZ_64K >> PAGE_SHIFT));

	free_args.handle = args.handle;
	free_args.pad = 1;
	KUNIT_EXPECT_EQ(test, mdl_drm_ioctl(env, DRM_MDL_FREE, &free_args),
			-EINVAL);
	free_args.pad = 0;
	KUNIT_EXPECT_EQ(test, mdl_drm_ioctl(env, DRM_MDL_FREE, &free_args), 0);
	KUNIT_EXPECT_EQ(test, mdl_drm_ioctl(env, DRM_MDL_FREE, &free_args),
			-ENOENT);
	mdl_drm_expect_idle(test, env, "after free");
}

/* Refused before a page is touched, and with nothing reserved. */
static void mdl_drm_alloc_rejects(struct kunit *test)
{
	struct mdl_drm_env *env = test->priv;
	struct drm_mdl_alloc args;

	args = mdl_drm_alloc_args(SZ_64K, DRM_MDL_CACHE_CACHED);
	args.pad = 1;
	KUNIT_EXPECT_EQ(test, mdl_drm_ioctl(env, DRM_MDL_ALLOC, &args), -EINVAL);

	args = mdl_drm_alloc_args(0, DRM_MDL_CACHE_CACHED);
	KUNIT_EXPECT_EQ(test, mdl_drm_ioctl(env, DRM_MDL_ALLOC, &args), -EINVAL);

	args = mdl_drm_alloc_args(DRM_MDL_MAX_BYTES + 1, DRM_MDL_CACHE_CACHED);
	KUNIT_EXPECT_EQ(test, mdl_drm_ioctl(env, DRM_MDL_ALLOC, &args), -EINVAL);

	args = mdl_drm_alloc_args(SZ_64K, DRM_MDL_CACHE_CACHED);
	args.flags = 0x80;
	KUNIT_EXPECT_EQ(test, mdl_drm_ioctl(env, DRM_MDL_ALLOC, &args), -EINVAL);

	/* An empty window: valid, but not one page can be had. */
	args = mdl_drm_alloc_args(SZ_64K, DRM_MDL_CACHE_CACHED);
	args.low = PFN_PHYS((u64)mdl_test_top_pfn()) + SZ_1G;
	KUNIT_EXPECT_EQ(test, mdl_drm_ioctl(env, DRM_MDL_ALLOC, &args), -ENOMEM);

	/* drm_ioctl() copies the struct back even on failure. */
	KUNIT_EXPECT_EQ(test, args.handle, 0U);
	KUNIT_EXPECT_EQ(test, args.byte_count, 0ULL);
	mdl_drm_expect_idle(test, env, "after rejected requests");
}

/**
 * struct mdl_drm_fault_case - a failure point on the ALLOC ioctl's path
 * @name: for the report
 * @point: the point to arm
 * @cache_type: the request's cache type (CACHE needs one that is not cached)
 */
struct mdl_drm_fault_case {
	const char *name;
	enum mdl_fault_point point;
	u32 cache_type;
};

static const struct mdl_drm_fault_case mdl_drm_fault_cases[] = {
	{ "page", MDL_FAULT_PAGE, DRM_MDL_CACHE_CACHED },
	{ "table", MDL_FAULT_TABLE, DRM_MDL_CACHE_CACHED },
	{ "cache", MDL_FAULT_CACHE, DRM_MDL_CACHE_WRITE_COMBINED },
	{ "dma_map", MDL_FAULT_DMA_MAP, DRM_MDL_CACHE_NON_CACHED },
	{ "gem_init", MDL_FAULT_GEM_INIT, DRM_MDL_CACHE_CACHED },
	{ "handle", MDL_FAULT_HANDLE, DRM_MDL_CACHE_WRITE_COMBINED },
};

static void mdl_drm_fault_case_desc(const struct mdl_drm_fault_case *c,
				    char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(mdl_drm_fault, mdl_drm_fault_cases, mdl_drm_fault_case_desc);

/* 777 pages: several buddy orders, so several calls of the page point. */
#define MDL_DRM_FAULT_BYTES	(777 * PAGE_SIZE)

/*
 * Every call of the point that one ALLOC makes fails in turn; each time the
 * ioctl says -ENOMEM and leaves no page, no object, no handle and no
 * reservation behind.
 */
static void mdl_drm_alloc_fault_rolls_back(struct kunit *test)
{
	const struct mdl_drm_fault_case *c = test->param_value;
	struct mdl_drm_env *env = test->priv;
	struct drm_mdl_alloc args;
	unsigned long calls, nth;

	/*
	 * A clean run counts the calls, and warms the slab caches. With an
	 * empty pool: an uncharged caller (UML has no memory cgroups) would
	 * take pooled pages and never reach the page allocator's points.
	 */
	drm_mdl_pool_drain();
	mdl_fault_disarm();
	args = mdl_drm_alloc_args(MDL_DRM_FAULT_BYTES, c->cache_type);
	KUNIT_ASSERT_EQ(test, mdl_drm_ioctl(env, DRM_MDL_ALLOC, &args), 0);
	calls = mdl_fault_calls(c->point);
	KUNIT_ASSERT_EQ(test, mdl_drm_free(env, args.handle), 0);
	KUNIT_ASSERT_GT_MSG(test, calls, 0UL, "point %s never reached",
			    c->name);

	for (nth = 1; nth <= calls; nth++) {
		unsigned long free_before = 0, free_after = 0;
		int try, ret = 0;

		for (try = 0; try < MDL_DRM_MEASURE_TRIES; try++) {
			drm_mdl_pool_drain();
			free_before = mdl_test_free_pages();
			mdl_fault_arm(c->point, nth);
			args = mdl_drm_alloc_args(MDL_DRM_FAULT_BYTES,
						  c->cache_type);
			ret = mdl_drm_ioctl(env, DRM_MDL_ALLOC, &args);
			mdl_fault_disarm();
			if (!ret)
				break;
			/* A failure after the pages were had parks them there. */
			drm_mdl_pool_drain();
			free_after = mdl_test_free_pages();
			if (free_after + MDL_DRM_SLAB_SLACK >= free_before)
				break;
		}
		KUNIT_ASSERT_EQ_MSG(test, ret, -ENOMEM, "%s call %lu",
				    c->name, nth);
		KUNIT_EXPECT_GE_MSG(test, free_after + MDL_DRM_SLAB_SLACK,
				    free_before, "%s call %lu leaked pages",
				    c->name, nth);
		KUNIT_EXPECT_EQ_MSG(test, args.handle, 0U, "%s call %lu",
				    c->name, nth);
		mdl_drm_expect_idle(test, env, c->name);
	}
}

static void mdl_drm_map_offset_fault(struct kunit *test)
{
	struct mdl_drm_env *env = test->priv;
	struct drm_mdl_map_offset args = {};
	struct drm_gem_object *obj;
	u64 offset;
	u32 handle;

	KUNIT_ASSERT_EQ(test, mdl_drm_alloc(env, SZ_64K, &handle), 0);
	obj = drm_gem_object_lookup(env->file, handle);
	KUNIT_ASSERT_NOT_NULL(test, obj);

	args.handle = handle;
	mdl_fault_arm(MDL_FAULT_MMAP_OFFSET, 1);
	KUNIT_EXPECT_EQ(test, mdl_drm_ioctl(env, DRM_MDL_MAP_OFFSET, &args),
			-ENOMEM);
	mdl_fault_disarm();
	KUNIT_EXPECT_EQ(test, args.offset, 0ULL);
	KUNIT_EXPECT_EQ(test, drm_vma_node_offset_addr(&obj->vma_node), 0ULL);

	args.flags = 1;
	KUNIT_EXPECT_EQ(test, mdl_drm_ioctl(env, DRM_MDL_MAP_OFFSET, &args),
			-EINVAL);
	args.flags = 0;
	args.handle = handle + 1000;
	KUNIT_EXPECT_EQ(test, mdl_drm_ioctl(env, DRM_MDL_MAP_OFFSET, &args),
			-ENOENT);

	/* The failure left nothing in the way of a later attempt. */
	args.handle = handle;
	KUNIT_ASSERT_EQ(test, mdl_drm_ioctl(env, DRM_MDL_MAP_OFFSET, &args), 0);
	offset = args.offset;
	KUNIT_EXPECT_NE(test, offset, 0ULL);
	KUNIT_EXPECT_EQ(test, offset & ~PAGE_MASK, 0ULL);
	KUNIT_EXPECT_EQ(test, drm_vma_node_offset_addr(&obj->vma_node), offset);
	KUNIT_ASSERT_EQ(test, mdl_drm_ioctl(env, DRM_MDL_MAP_OFFSET, &args), 0);
	KUNIT_EXPECT_EQ(test, args.offset, offset);

	drm_gem_object_put(obj);
	KUNIT_EXPECT_EQ(test, mdl_drm_free(env, handle), 0);
	mdl_drm_expect_idle(test, env, "after map offset");
}

static void mdl_drm_export_fault(struct kunit *test)
{
	struct mdl_drm_env *env = test->priv;
	struct drm_gem_object *obj;
	int fd = -1;
	u32 handle;

	KUNIT_ASSERT_EQ(test, mdl_drm_alloc(env, SZ_64K, &handle), 0);
	obj = drm_gem_object_lookup(env->file, handle);
	KUNIT_ASSERT_NOT_NULL(test, obj);

	mdl_fault_arm(MDL_FAULT_EXPORT, 1);
	KUNIT_EXPECT_EQ(test,
			drm_gem_prime_handle_to_fd(env->drm, env->file, handle,
						   DRM_CLOEXEC | DRM_RDWR, &fd),
			-ENOMEM);
	mdl_fault_disarm();
	KUNIT_EXPECT_EQ(test, fd, -1);
	KUNIT_EXPECT_NULL(test, obj->dma_buf);
	KUNIT_EXPECT_EQ(test, kref_read(&obj->refcount), 2U);

	drm_gem_object_put(obj);
	KUNIT_EXPECT_EQ(test, mdl_drm_free(env, handle), 0);
	mdl_drm_expect_idle(test, env, "after a failed export");
}

/*
 * A dma-buf keeps its object, and so its pages, after the handle and the
 * file are gone; the object then counts as orphaned, and a failed vmap of
 * the importer's side changes nothing.
 */
static void mdl_drm_export_outlives_file(struct kunit *test)
{
	struct mdl_drm_env *env = test->priv;
	struct iosys_map map;
	struct drm_gem_object *obj;
	struct dma_buf *dmabuf;
	u32 handle;

	KUNIT_ASSERT_EQ(test, mdl_drm_alloc(env, SZ_64K, &handle), 0);
	obj = drm_gem_object_lookup(env->file, handle);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_ASSERT_NOT_NULL(test, obj->funcs->export);
	dmabuf = obj->funcs->export(obj, O_RDWR);
	drm_gem_object_put(obj);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dmabuf);

	KUNIT_EXPECT_EQ(test, mdl_drm_free(env, handle), 0);
	drm_file_free(env->file);
	env->file = NULL;
	KUNIT_EXPECT_EQ(test, mdl_drm_total(env).allocations, 1ULL);
	KUNIT_EXPECT_EQ(test, mdl_drm_orphaned(env).allocations, 1ULL);
	KUNIT_EXPECT_EQ(test, mdl_pages_in_use() - env->engine_base,
			(long)(SZ_64K >> PAGE_SHIFT));

	/* Straight to the object: dma_buf_vmap_unlocked() WARNs on an exporter's failure. */
	mdl_fault_arm(MDL_FAULT_VMAP, 1);
	KUNIT_EXPECT_EQ(test, obj->funcs->vmap(obj, &map), -ENOMEM);
	mdl_fault_disarm();
	KUNIT_EXPECT_EQ(test, to_mdl_gem(obj)->vmap_use, 0U);

	KUNIT_ASSERT_EQ(test, dma_buf_vmap_unlocked(dmabuf, &map), 0);
	KUNIT_EXPECT_NULL(test, memchr_inv(map.vaddr, 0, SZ_64K));
	dma_buf_vunmap_unlocked(dmabuf, &map);

	mdl_drm_put_dmabuf(dmabuf);
	mdl_drm_expect_idle(test, env, "after the last dma-buf reference");
}

/*
 * An importer maps a table cut at its own segment limit, not at ours: vgem,
 * without dma_parms, takes 64 KiB segments, and the DMA-API debugging of the
 * debug kernel (make check-debug) reported drm_gem_map_dma_buf()'s table of
 * one 2 MiB segment. Its segment boundary is its own too. Our own buffers
 * still import as themselves.
 */
static void mdl_drm_import_segment_limit(struct kunit *test)
{
	struct mdl_drm_env *env = test->priv;
	struct drm_mdl_alloc args = mdl_drm_alloc_args(SZ_2M,
						       DRM_MDL_CACHE_CACHED);
	struct device_dma_parameters parms = {};
	struct platform_device *importer;
	struct dma_buf_attachment *attach;
	struct drm_gem_object *obj, *self;
	unsigned long longest = 0;
	struct scatterlist *sg;
	struct mdl_run_iter it;
	struct dma_buf *dmabuf;
	struct sg_table *sgt;
	unsigned int i;
	u64 mapped = 0;

	args.flags = DRM_MDL_ALLOC_PREFER_CONTIGUOUS;
	KUNIT_ASSERT_EQ(test, mdl_drm_ioctl(env, DRM_MDL_ALLOC, &args), 0);
	obj = drm_gem_object_lookup(env->file, args.handle);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	/* Only runs longer than the limit prove anything. */
	mdl_run_start(&it, to_mdl_gem(obj)->mdl);
	while (mdl_run_next(&it))
		longest = max(longest, it.nr_pages);
	KUNIT_ASSERT_GT(test, longest << PAGE_SHIFT, (unsigned long)SZ_64K);

	dmabuf = obj->funcs->export(obj, O_RDWR);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dmabuf);
	self = mdl_gem_prime_import(env->drm, dmabuf);
	KUNIT_EXPECT_PTR_EQ(test, self, obj);
	if (!IS_ERR(self))
		drm_gem_object_put(self);
	drm_gem_object_put(obj);

	importer = platform_device_register_simple("mdl-kunit-importer",
						   PLATFORM_DEVID_AUTO, NULL, 0);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, importer);
	importer->dev.dma_parms = &parms;
	KUNIT_EXPECT_EQ(test, dma_coerce_mask_and_coherent(&importer->dev,
							   DMA_BIT_MASK(64)), 0);
	/* int on 6.1, void from 6.11 on: read it back instead. */
	dma_set_max_seg_size(&importer->dev, SZ_64K);
	KUNIT_EXPECT_EQ(test, dma_get_max_seg_size(&importer->dev), SZ_64K);
	/* And a boundary the 64 KiB pieces of a run would cross. */
	dma_set_seg_boundary(&importer->dev, SZ_32K - 1);
	KUNIT_EXPECT_EQ(test, dma_get_seg_boundary(&importer->dev),
			(unsigned long)SZ_32K - 1);

	attach = dma_buf_attach(dmabuf, &importer->dev);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, attach);
	if (!IS_ERR(attach)) {
		sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
		KUNIT_EXPECT_NOT_ERR_OR_NULL(test, sgt);
		if (!IS_ERR(sgt)) {
			/*
			 * An importer reads the DMA side only: with
			 * DMABUF_DEBUG, 7.x hands it a copy of the table
			 * whose CPU side is blank (lengths 0).
			 */
			for_each_sgtable_dma_sg(sgt, sg, i) {
				dma_addr_t addr = sg_dma_address(sg);

				KUNIT_EXPECT_LE(test, sg_dma_len(sg), SZ_64K);
				KUNIT_EXPECT_EQ(test, addr | (SZ_32K - 1),
						(addr + sg_dma_len(sg) - 1) |
						(SZ_32K - 1));
				mapped += sg_dma_len(sg);
			}
			KUNIT_EXPECT_EQ(test, mapped, (u64)SZ_2M);
			dma_buf_unmap_attachment_unlocked(attach, sgt,
							  DMA_BIDIRECTIONAL);
		}
		dma_buf_detach(dmabuf, attach);
	}
	platform_device_unregister(importer);

	KUNIT_EXPECT_EQ(test, mdl_drm_free(env, args.handle), 0);
	mdl_drm_put_dmabuf(dmabuf);
	mdl_drm_expect_idle(test, env, "after the import");
}

static void mdl_drm_get_pages_errors(struct kunit *test)
{
	struct mdl_drm_env *env = test->priv;
	struct drm_mdl_get_pages args = {};
	u32 handle;

	KUNIT_ASSERT_EQ(test, mdl_drm_alloc(env, 4 * PAGE_SIZE, &handle), 0);

	args.handle = handle;
	args.flags = 1;
	KUNIT_EXPECT_EQ(test, mdl_drm_ioctl(env, DRM_MDL_GET_PAGES, &args),
			-EINVAL);
	args.flags = 0;

	args.handle = handle + 1000;
	KUNIT_EXPECT_EQ(test, mdl_drm_ioctl(env, DRM_MDL_GET_PAGES, &args),
			-ENOENT);
	args.handle = handle;

	args.first_page = 5;
	KUNIT_EXPECT_EQ(test, mdl_drm_ioctl(env, DRM_MDL_GET_PAGES, &args),
			-EINVAL);

	/* Past the last page: nothing to copy, so no user memory is needed. */
	args.first_page = 4;
	args.count = 8;
	KUNIT_EXPECT_EQ(test, mdl_drm_ioctl(env, DRM_MDL_GET_PAGES, &args), 0);
	KUNIT_EXPECT_EQ(test, args.count, 0ULL);
	KUNIT_EXPECT_EQ(test, args.page_count, 4ULL);

	/* A bad pointer: -EFAULT, and the outputs keep what was passed in. */
	args.first_page = 0;
	args.count = 4;
	args.page_count = 0;
	args.entries_ptr = MDL_DRM_BAD_USER_PTR;
	KUNIT_EXPECT_EQ(test, mdl_drm_ioctl(env, DRM_MDL_GET_PAGES, &args),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, args.count, 4ULL);
	KUNIT_EXPECT_EQ(test, args.page_count, 0ULL);

	KUNIT_EXPECT_EQ(test, mdl_drm_free(env, handle), 0);
	mdl_drm_expect_idle(test, env, "after get_pages errors");
}

/**
 * struct mdl_drm_creds - the case's task, made a client the limits apply to
 * @unprivileged: the task's credentials without CAP_IPC_LOCK
 * @saved: its credentials before
 */
struct mdl_drm_creds {
	struct cred *unprivileged;
	const struct cred *saved;
};

/*
 * The kernel thread running the case has every capability: drop one, and
 * become @uid (its real and effective uid), whom max_user_mb counts.
 */
static void mdl_drm_drop_ipc_lock_as(struct kunit *test,
				     struct mdl_drm_creds *c, kuid_t uid)
{
	c->unprivileged = prepare_creds();
	KUNIT_ASSERT_NOT_NULL(test, c->unprivileged);
	cap_lower(c->unprivileged->cap_effective, CAP_IPC_LOCK);
	c->unprivileged->uid = uid;
	c->unprivileged->euid = uid;
	c->saved = override_creds(c->unprivileged);
	KUNIT_ASSERT_FALSE(test, capable(CAP_IPC_LOCK));
	KUNIT_ASSERT_TRUE(test, uid_eq(current_uid(), uid));
}

/* As the kernel thread's own user, root. */
static void mdl_drm_drop_ipc_lock(struct kunit *test, struct mdl_drm_creds *c)
{
	mdl_drm_drop_ipc_lock_as(test, c, GLOBAL_ROOT_UID);
}

/* Nobody, the user the VM tests drop to. */
#define MDL_DRM_OTHER_UID	KUIDT_INIT(65534)

static void mdl_drm_restore_ipc_lock(struct mdl_drm_creds *c)
{
	revert_creds(c->saved);
	put_cred(c->unprivileged);
}

static void mdl_drm_user_limit(struct kunit *test)
{
	struct mdl_drm_env *env = test->priv;
	struct mdl_drm_creds creds;
	struct drm_file *other;
	u32 a, b, c, d, e;
	long engine;

	WRITE_ONCE(mdl_max_total_mb, 0);
	WRITE_ONCE(mdl_max_user_mb, 1);
	mdl_drm_drop_ipc_lock(test, &creds);

	/* One request over the limit on its own. */
	engine = mdl_pages_in_use();
	KUNIT_EXPECT_EQ(test, mdl_drm_alloc(env, SZ_2M, &a), -ENOMEM);
	KUNIT_EXPECT_EQ(test, mdl_pages_in_use(), engine);

	KUNIT_ASSERT_EQ(test, mdl_drm_alloc(env, SZ_512K, &a), 0);
	engine = mdl_pages_in_use();
	KUNIT_EXPECT_EQ(test, mdl_drm_alloc(env, SZ_512K + PAGE_SIZE, &b),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, mdl_pages_in_use(), engine);
	/* Up to the limit exactly; a partial page counts as a whole one. */
	KUNIT_ASSERT_EQ(test, mdl_drm_alloc(env, SZ_512K - 1, &b), 0);
	KUNIT_EXPECT_EQ(test, mdl_drm_alloc(env, 1, &c), -ENOMEM);
	KUNIT_EXPECT_EQ(test, mdl_drm_file_bytes(env, env->file), (u64)SZ_1M);
	KUNIT_EXPECT_EQ(test, mdl_drm_user_pages(),
			(unsigned long)(SZ_1M >> PAGE_SHIFT));

	/* The limit is per user: another file of the same one has no room. */
	other = drm_file_alloc(env->drm->render);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, other);
	KUNIT_EXPECT_EQ(test, mdl_drm_alloc_on(env, other, PAGE_SIZE, &d),
			-ENOMEM);

	/* Another user has a limit of its own, even on the same file. */
	mdl_drm_restore_ipc_lock(&creds);
	mdl_drm_drop_ipc_lock_as(test, &creds, MDL_DRM_OTHER_UID);
	KUNIT_EXPECT_EQ(test, mdl_drm_alloc_on(env, other, SZ_1M, &d), 0);
	KUNIT_EXPECT_EQ(test, mdl_drm_alloc_on(env, other, PAGE_SIZE, &e),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, mdl_limit_user_pages(MDL_DRM_OTHER_UID),
			(unsigned long)(SZ_1M >> PAGE_SHIFT));
	KUNIT_EXPECT_EQ(test, mdl_limit_user_count(), 2UL);
	drm_file_free(other);
	/* Its last object freed, its record went with it. */
	KUNIT_EXPECT_EQ(test, mdl_limit_user_pages(MDL_DRM_OTHER_UID), 0UL);
	KUNIT_EXPECT_EQ(test, mdl_limit_user_count(), 1UL);
	mdl_drm_restore_ipc_lock(&creds);
	mdl_drm_drop_ipc_lock(test, &creds);

	/* Freeing makes room again; a failure after the reservation returns it. */
	KUNIT_EXPECT_EQ(test, mdl_drm_free(env, a), 0);
	mdl_fault_arm(MDL_FAULT_HANDLE, 1);
	KUNIT_EXPECT_EQ(test, mdl_drm_alloc(env, SZ_512K, &c), -ENOMEM);
	mdl_fault_disarm();
	/*
	 * a's pages park in the pool once its zeroing worker has run, and a
	 * pool hit never reaches the page fault point: start from none.
	 */
	drm_mdl_pool_drain();
	mdl_fault_arm(MDL_FAULT_PAGE, 1);
	KUNIT_EXPECT_EQ(test, mdl_drm_alloc(env, SZ_512K, &c), -ENOMEM);
	mdl_fault_disarm();
	KUNIT_ASSERT_EQ(test, mdl_drm_alloc(env, SZ_512K, &c), 0);

	/* 0 lifts the limit. */
	WRITE_ONCE(mdl_max_user_mb, 0);
	KUNIT_ASSERT_EQ(test, mdl_drm_alloc(env, SZ_2M, &d), 0);
	mdl_drm_restore_ipc_lock(&creds);

	/* CAP_IPC_LOCK goes past the limit, as it goes past RLIMIT_MEMLOCK. */
	WRITE_ONCE(mdl_max_user_mb, 1);
	KUNIT_ASSERT_EQ(test, mdl_drm_alloc(env, SZ_2M, &e), 0);
	KUNIT_EXPECT_EQ(test, mdl_drm_file_bytes(env, env->file),
			(u64)SZ_1M + SZ_4M);
	/* Its pages still count for its user. */
	KUNIT_EXPECT_EQ(test, mdl_drm_user_pages(),
			(unsigned long)((SZ_1M + SZ_4M) >> PAGE_SHIFT));

	KUNIT_EXPECT_EQ(test, mdl_drm_free(env, b), 0);
	KUNIT_EXPECT_EQ(test, mdl_drm_free(env, c), 0);
	KUNIT_EXPECT_EQ(test, mdl_drm_free(env, d), 0);
	KUNIT_EXPECT_EQ(test, mdl_drm_free(env, e), 0);
	mdl_drm_expect_idle(test, env, "after the user limit");
}

/*
 * Two files of one user, each under max_user_mb, are over it together: a
 * per-file limit let the user have it twice.
 */
static void mdl_drm_user_limit_two_files(struct kunit *test)
{
	struct mdl_drm_env *env = test->priv;
	struct mdl_drm_creds creds;
	struct drm_file *other;
	u32 a, b;
	long engine;

	WRITE_ONCE(mdl_max_total_mb, 0);
	WRITE_ONCE(mdl_max_user_mb, 1);
	other = drm_file_alloc(env->drm->render);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, other);
	mdl_drm_drop_ipc_lock(test, &creds);

	KUNIT_ASSERT_EQ(test, mdl_drm_alloc(env, SZ_512K + SZ_256K, &a), 0);
	engine = mdl_pages_in_use();
	KUNIT_EXPECT_EQ(test, mdl_drm_alloc_on(env, other, SZ_512K, &b),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, mdl_pages_in_use(), engine);
	KUNIT_EXPECT_EQ(test, mdl_drm_file_bytes(env, other), 0ULL);
	KUNIT_ASSERT_EQ(test, mdl_drm_alloc_on(env, other, SZ_256K, &b), 0);
	KUNIT_EXPECT_EQ(test, mdl_drm_user_pages(),
			(unsigned long)(SZ_1M >> PAGE_SHIFT));
	KUNIT_EXPECT_EQ(test, mdl_drm_alloc(env, PAGE_SIZE, &a), -ENOMEM);
	mdl_drm_restore_ipc_lock(&creds);

	/* Closing one file gives its share back to the user. */
	drm_file_free(other);
	KUNIT_EXPECT_EQ(test, mdl_drm_user_pages(),
			(unsigned long)((SZ_512K + SZ_256K) >> PAGE_SHIFT));
	mdl_drm_drop_ipc_lock(test, &creds);
	KUNIT_ASSERT_EQ(test, mdl_drm_alloc(env, SZ_256K, &b), 0);
	mdl_drm_restore_ipc_lock(&creds);

	KUNIT_EXPECT_EQ(test, mdl_drm_free(env, a), 0);
	KUNIT_EXPECT_EQ(test, mdl_drm_free(env, b), 0);
	mdl_drm_expect_idle(test, env, "after two files of one user");
}

/*
 * An exported object counts for its user until it is freed, not until its
 * file closes: the dma-buf keeps its pages pinned.
 */
static void mdl_drm_user_limit_dmabuf(struct kunit *test)
{
	struct mdl_drm_env *env = test->priv;
	struct drm_gem_object *obj;
	struct mdl_drm_creds creds;
	struct dma_buf *dmabuf;
	struct drm_file *other;
	u32 a, b;

	WRITE_ONCE(mdl_max_total_mb, 0);
	WRITE_ONCE(mdl_max_user_mb, 1);
	other = drm_file_alloc(env->drm->render);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, other);
	mdl_drm_drop_ipc_lock(test, &creds);

	KUNIT_ASSERT_EQ(test, mdl_drm_alloc_on(env, other, SZ_1M, &a), 0);
	obj = drm_gem_object_lookup(other, a);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	dmabuf = obj->funcs->export(obj, O_RDWR);
	drm_gem_object_put(obj);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dmabuf);
	drm_file_free(other);
	KUNIT_EXPECT_EQ(test, mdl_drm_orphaned(env).allocations, 1ULL);
	KUNIT_EXPECT_EQ(test, mdl_drm_user_pages(),
			(unsigned long)(SZ_1M >> PAGE_SHIFT));

	/* The file is gone, the pages are not: another file gets no room. */
	KUNIT_EXPECT_EQ(test, mdl_drm_alloc(env, PAGE_SIZE, &b), -ENOMEM);
	mdl_drm_put_dmabuf(dmabuf);
	KUNIT_EXPECT_EQ(test, mdl_drm_user_pages(), 0UL);
	KUNIT_ASSERT_EQ(test, mdl_drm_alloc(env, SZ_1M, &b), 0);
	mdl_drm_restore_ipc_lock(&creds);

	KUNIT_EXPECT_EQ(test, mdl_drm_free(env, b), 0);
	mdl_drm_expect_idle(test, env, "after the exported object");
}

/*
 * All clients of all devices share max_total_mb; an object that outlives
 * its file keeps counting, since its pages stay pinned.
 */
static void mdl_drm_total_limit(struct kunit *test)
{
	struct mdl_drm_env *env = test->priv;
	unsigned long base = env->client_base;
	struct drm_gem_object *obj;
	struct mdl_drm_creds creds;
	struct dma_buf *dmabuf;
	struct drm_file *other;
	u32 a, b, c;
	long engine;

	/* Nothing else in the test kernel holds client pages. */
	KUNIT_ASSERT_EQ(test, base, 0UL);
	WRITE_ONCE(mdl_max_user_mb, 0);
	WRITE_ONCE(mdl_max_total_mb, 1);
	other = drm_file_alloc(env->drm->render);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, other);
	mdl_drm_drop_ipc_lock(test, &creds);

	KUNIT_ASSERT_EQ(test, mdl_drm_alloc(env, SZ_512K, &a), 0);
	engine = mdl_pages_in_use();
	KUNIT_EXPECT_EQ(test, mdl_drm_alloc_on(env, other, SZ_512K + 1, &b),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, mdl_pages_in_use(), engine);
	KUNIT_ASSERT_EQ(test, mdl_drm_alloc_on(env, other, SZ_512K, &b), 0);
	KUNIT_EXPECT_EQ(test, mdl_drm_alloc(env, 1, &c), -ENOMEM);
	KUNIT_EXPECT_EQ(test, mdl_limit_client_pages(),
			base + (SZ_1M >> PAGE_SHIFT));

	/* b outlives its file through a dma-buf: still pinned, still counted. */
	obj = drm_gem_object_lookup(other, b);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	dmabuf = obj->funcs->export(obj, O_RDWR);
	drm_gem_object_put(obj);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dmabuf);
	drm_file_free(other);
	KUNIT_EXPECT_EQ(test, mdl_drm_alloc(env, 1, &c), -ENOMEM);
	mdl_drm_put_dmabuf(dmabuf);
	KUNIT_ASSERT_EQ(test, mdl_drm_alloc(env, SZ_512K, &b), 0);

	/* A failure after the reservation gives it back. */
	KUNIT_EXPECT_EQ(test, mdl_drm_free(env, b), 0);
	mdl_fault_arm(MDL_FAULT_HANDLE, 1);
	KUNIT_EXPECT_EQ(test, mdl_drm_alloc(env, SZ_512K, &b), -ENOMEM);
	mdl_fault_disarm();
	KUNIT_EXPECT_EQ(test, mdl_limit_client_pages(),
			base + (SZ_512K >> PAGE_SHIFT));
	KUNIT_ASSERT_EQ(test, mdl_drm_alloc(env, SZ_512K, &b), 0);
	mdl_drm_restore_ipc_lock(&creds);

	/* CAP_IPC_LOCK goes past it; the others see what is left. */
	KUNIT_ASSERT_EQ(test, mdl_drm_alloc(env, SZ_1M, &c), 0);
	KUNIT_EXPECT_EQ(test, mdl_limit_client_pages(),
			base + (SZ_2M >> PAGE_SHIFT));

	KUNIT_EXPECT_EQ(test, mdl_drm_free(env, a), 0);
	KUNIT_EXPECT_EQ(test, mdl_drm_free(env, b), 0);
	KUNIT_EXPECT_EQ(test, mdl_drm_free(env, c), 0);
	mdl_drm_expect_idle(test, env, "after the total limit");
}

static void mdl_drm_limit_defaults(struct kunit *test)
{
	/* Half of RAM for all clients, as TTM; a quarter for one user. */
	KUNIT_EXPECT_EQ(test, mdl_limit_default_total_mb(943), 471U);
	KUNIT_EXPECT_EQ(test, mdl_limit_default_user_mb(943), 235U);
	KUNIT_EXPECT_EQ(test, mdl_limit_default_total_mb(16384), 8192U);
	KUNIT_EXPECT_EQ(test, mdl_limit_default_user_mb(16384), 4096U);
	/* Never 0, which would mean no limit. */
	KUNIT_EXPECT_EQ(test, mdl_limit_default_total_mb(1), 1U);
	KUNIT_EXPECT_EQ(test, mdl_limit_default_user_mb(3), 1U);
	/* The module loaded with its defaults put in. */
	KUNIT_EXPECT_NE(test, READ_ONCE(mdl_max_total_mb), UINT_MAX);
	KUNIT_EXPECT_NE(test, READ_ONCE(mdl_max_user_mb), UINT_MAX);
}

/**
 * struct mdl_drm_text - what a drm_printer printed
 * @buf: the text
 * @len: its length
 */
struct mdl_drm_text {
	char buf[256];
	size_t len;
};

static void mdl_drm_text_printfn(struct drm_printer *p, struct va_format *vaf)
{
	struct mdl_drm_text *text = p->arg;

	text->len += scnprintf(text->buf + text->len,
			       sizeof(text->buf) - text->len, "%pV", vaf);
}

static const char *mdl_drm_fdinfo(struct drm_file *file,
				  struct mdl_drm_text *text)
{
	struct drm_printer p = {
		.printfn = mdl_drm_text_printfn,
		.arg = text,
	};

	text->len = 0;
	text->buf[0] = '\0';
	mdl_fdinfo_print_memory(&p, file);
	return text->buf;
}

/* The usage-stats keys count every handle, shared ones at every holder. */
static void mdl_drm_fdinfo_memory(struct kunit *test)
{
	struct mdl_drm_env *env = test->priv;
	struct mdl_drm_text text;
	struct drm_gem_object *obj;
	struct drm_file *other;
	u32 a, b, shared;

	KUNIT_EXPECT_STREQ(test, mdl_drm_fdinfo(env->file, &text),
			   "drm-total-memory:\t0 KiB\n"
			   "drm-shared-memory:\t0 KiB\n"
			   "drm-resident-memory:\t0 KiB\n");

	/* A partial page counts as the whole page it pins. */
	KUNIT_ASSERT_EQ(test, mdl_drm_alloc(env, SZ_64K, &a), 0);
	KUNIT_ASSERT_EQ(test, mdl_drm_alloc(env, SZ_8K - 1, &b), 0);
	KUNIT_EXPECT_STREQ(test, mdl_drm_fdinfo(env->file, &text),
			   "drm-total-memory:\t72 KiB\n"
			   "drm-shared-memory:\t0 KiB\n"
			   "drm-resident-memory:\t72 KiB\n");

	other = drm_file_alloc(env->drm->render);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, other);
	obj = drm_gem_object_lookup(env->file, a);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_ASSERT_EQ(test, drm_gem_handle_create(other, obj, &shared), 0);
	drm_gem_object_put(obj);
	KUNIT_EXPECT_STREQ(test, mdl_drm_fdinfo(env->file, &text),
			   "drm-total-memory:\t72 KiB\n"
			   "drm-shared-memory:\t64 KiB\n"
			   "drm-resident-memory:\t72 KiB\n");
	KUNIT_EXPECT_STREQ(test, mdl_drm_fdinfo(other, &text),
			   "drm-total-memory:\t64 KiB\n"
			   "drm-shared-memory:\t64 KiB\n"
			   "drm-resident-memory:\t64 KiB\n");
	drm_file_free(other);

	KUNIT_EXPECT_EQ(test, mdl_drm_free(env, a), 0);
	KUNIT_EXPECT_STREQ(test, mdl_drm_fdinfo(env->file, &text),
			   "drm-total-memory:\t8 KiB\n"
			   "drm-shared-memory:\t0 KiB\n"
			   "drm-resident-memory:\t8 KiB\n");
	KUNIT_EXPECT_EQ(test, mdl_drm_free(env, b), 0);
	mdl_drm_expect_idle(test, env, "after fdinfo");
}

/*
 * Unplugging with allocations live, one with an mmap offset and one
 * exported: the driver's remove runs and takes every object's pages off
 * the device, new allocations are refused, what exists stays usable, and
 * the last reference frees everything.
 */
static void mdl_drm_unplug_with_live_objects(struct kunit *test)
{
	struct mdl_drm_env *env = test->priv;
	struct drm_mdl_map_offset offset_args = {};
	struct drm_gem_object *obj, *objs[3];
	struct drm_mdl_get_pages pages_args = {};
	struct dma_buf *dmabuf;
	struct iosys_map map;
	u32 mapped, exported, plain, handle;
	long engine;
	int i;

	KUNIT_ASSERT_EQ(test, mdl_drm_alloc(env, SZ_64K, &mapped), 0);
	KUNIT_ASSERT_EQ(test, mdl_drm_alloc(env, SZ_128K, &exported), 0);
	KUNIT_ASSERT_EQ(test, mdl_drm_alloc(env, SZ_64K, &plain), 0);
	offset_args.handle = mapped;
	KUNIT_ASSERT_EQ(test,
			mdl_drm_ioctl(env, DRM_MDL_MAP_OFFSET, &offset_args), 0);
	obj = drm_gem_object_lookup(env->file, exported);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	dmabuf = obj->funcs->export(obj, O_RDWR);
	drm_gem_object_put(obj);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dmabuf);
	objs[0] = drm_gem_object_lookup(env->file, mapped);
	objs[1] = drm_gem_object_lookup(env->file, exported);
	objs[2] = drm_gem_object_lookup(env->file, plain);
	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_NE(test, drm_mdl_dma_segment_count(to_mdl_gem(objs[i])->mdl),
				0U);

	platform_device_unregister(env->pdev);
	env->pdev = NULL;
	KUNIT_EXPECT_TRUE(test, drm_dev_is_unplugged(env->drm));

	/* Off the device, each of them, but not freed. */
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_EQ(test, drm_mdl_dma_segment_count(to_mdl_gem(objs[i])->mdl),
				0U);
		drm_gem_object_put(objs[i]);
	}
	pages_args.handle = mapped;
	pages_args.count = 1;
	pages_args.entries_ptr = MDL_DRM_BAD_USER_PTR;
	KUNIT_EXPECT_EQ(test,
			mdl_drm_ioctl(env, DRM_MDL_GET_PAGES, &pages_args),
			-ENODEV);

	engine = mdl_pages_in_use();
	KUNIT_EXPECT_EQ(test, mdl_drm_alloc(env, SZ_64K, &handle), -ENODEV);
	KUNIT_EXPECT_EQ(test, mdl_pages_in_use(), engine);
	KUNIT_EXPECT_EQ(test, mdl_drm_total(env).allocations, 3ULL);

	/* The pages stay the importer's until it lets go. */
	KUNIT_ASSERT_EQ(test, dma_buf_vmap_unlocked(dmabuf, &map), 0);
	KUNIT_EXPECT_NULL(test, memchr_inv(map.vaddr, 0, SZ_128K));
	dma_buf_vunmap_unlocked(dmabuf, &map);

	KUNIT_EXPECT_EQ(test, mdl_drm_free(env, plain), 0);
	KUNIT_EXPECT_EQ(test, mdl_drm_total(env).allocations, 2ULL);
	drm_file_free(env->file);
	env->file = NULL;
	KUNIT_EXPECT_EQ(test, mdl_drm_total(env).allocations, 1ULL);
	KUNIT_EXPECT_EQ(test, mdl_drm_orphaned(env).allocations, 1ULL);

	mdl_drm_put_dmabuf(dmabuf);
	mdl_drm_expect_idle(test, env, "after unplug and the last reference");
}

static struct kunit_case mdl_drm_test_cases[] = {
	KUNIT_CASE(mdl_drm_alloc_free),
	KUNIT_CASE(mdl_drm_alloc_rejects),
	KUNIT_CASE_PARAM(mdl_drm_alloc_fault_rolls_back,
			 mdl_drm_fault_gen_params),
	KUNIT_CASE(mdl_drm_map_offset_fault),
	KUNIT_CASE(mdl_drm_export_fault),
	KUNIT_CASE(mdl_drm_export_outlives_file),
	KUNIT_CASE(mdl_drm_import_segment_limit),
	KUNIT_CASE(mdl_drm_get_pages_errors),
	KUNIT_CASE(mdl_drm_user_limit),
	KUNIT_CASE(mdl_drm_user_limit_two_files),
	KUNIT_CASE(mdl_drm_user_limit_dmabuf),
	KUNIT_CASE(mdl_drm_total_limit),
	KUNIT_CASE(mdl_drm_limit_defaults),
	KUNIT_CASE(mdl_drm_fdinfo_memory),
	KUNIT_CASE(mdl_drm_unplug_with_live_objects),
	{}
};

static struct kunit_suite mdl_drm_suite = {
	.name = "mdl_drm",
	.init = mdl_drm_test_init,
	.exit = mdl_drm_test_exit,
	.test_cases = mdl_drm_test_cases,
};

kunit_test_suite(mdl_drm_suite);
