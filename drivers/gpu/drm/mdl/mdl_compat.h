/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Kernel API differences between the kernels drm-mdl supports, 6.1 to 7.3,
 * and nothing else. The driver, its KUnit suites and the benchmark module
 * are written against the newest interface; for an older kernel this
 * header supplies it, the way backports and out-of-tree drivers do, so
 * that no other file needs to know which kernel it is built for. Each
 * entry says which release changed what, and where the meaning changed
 * and not only the name.
 *
 * Whether a kernel has an interface is probed at build time
 * (mdl_compat_probes.c, run by mdl_compat_probe.sh with the kernel's own
 * compiler and flags), not inferred from LINUX_VERSION_CODE: distribution
 * kernels backport interfaces into old version numbers, and a version
 * check then picks the wrong one. Where an interface is a macro the
 * preprocessor asks directly. A version number is compared only where a
 * change cannot be seen by compiling (the meaning of MAX_ORDER, a trace
 * macro's arity).
 */
#ifndef __MDL_COMPAT_H__
#define __MDL_COMPAT_H__

#include <linux/build_bug.h>
#include <linux/gfp.h>
#include <linux/huge_mm.h>
#include <linux/kthread.h>
#include <linux/dma-buf.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/platform_device.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/version.h>
#include <linux/vmstat.h>

#include "mdl_compat_probed.h"

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
#if !MDL_HAVE_VM_FLAGS_SET
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}
#endif

/*
 * Kernel-memory accounting to memory cgroups: 6.3 renamed
 * memcg_kmem_enabled() to memcg_kmem_online(), and 6.10 dropped
 * CONFIG_MEMCG_KMEM, which every CONFIG_MEMCG kernel without SLOB had
 * anyway (it defaulted to y). Testing the old symbol alone would silently
 * turn accounting off from 6.10 on.
 */
#if !MDL_HAVE_MEMCG_KMEM_ONLINE
#define memcg_kmem_online()	memcg_kmem_enabled()
#endif
#if defined(CONFIG_MEMCG_KMEM) || \
	(defined(CONFIG_MEMCG) && !defined(CONFIG_SLOB))
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

#if MDL_HAVE_SHRINKER_ALLOC
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
#if MDL_HAVE_PLATFORM_REMOVE_VOID || MDL_HAVE_PLATFORM_REMOVE_NEW
#define MDL_PLATFORM_REMOVE_VOID(fn) \
	static_assert(__same_type(&(fn), void (*)(struct platform_device *)))
#if MDL_HAVE_PLATFORM_REMOVE_VOID
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
 * that uses it (with drm_file_update_pid(), which is what is probed); call
 * under rcu_read_lock().
 */
#if MDL_HAVE_DRM_FILE_PID_RCU
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
#if MDL_HAVE_DRM_GEM_PRIME_MMAP
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
#if MDL_HAVE_DRM_SHOW_FDINFO
#define MDL_FOPS_SHOW_FDINFO(legacy_fn)		.show_fdinfo = drm_show_fdinfo,
#define MDL_DRM_DRIVER_SHOW_FDINFO(fn)		.show_fdinfo = fn,
#else
#define MDL_FOPS_SHOW_FDINFO(legacy_fn)		.show_fdinfo = legacy_fn,
#define MDL_DRM_DRIVER_SHOW_FDINFO(fn)
#endif

/*
 * 6.10's __assign_str() takes the field only: the source given to
 * __string() is remembered. A macro's arity cannot be probed outside a
 * trace header, so this one entry goes by the version.
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
#if !MDL_HAVE_DMA_BUF_VMAP_UNLOCKED
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
 * The typed allocators, kzalloc_obj(*ptr, gfp) and family, came after 6.19
 * (7.2 has them) and are what checkpatch asks for there.
 */
#ifndef kzalloc_obj
#define kzalloc_obj(obj, gfp)	kzalloc(sizeof(obj), gfp)
#endif

/*
 * 6.14 renamed alloc_pages_bulk_array_node() to alloc_pages_bulk_node()
 * when it dropped the list variants: the same arguments and meaning, it
 * fills the NULL slots of the array and returns how many are filled.
 */
#if !MDL_HAVE_ALLOC_PAGES_BULK_NODE
#define alloc_pages_bulk_node(gfp, nid, nr_pages, page_array) \
	alloc_pages_bulk_array_node(gfp, nid, nr_pages, page_array)
#endif

/*
 * 7.3 replaced is_cow_mapping(vm_flags) by vma_is_cow_mapping(vma), as
 * VMA flags became a bitmap.
 */
#if !MDL_HAVE_VMA_IS_COW_MAPPING
static inline bool vma_is_cow_mapping(const struct vm_area_struct *vma)
{
	return is_cow_mapping(vma->vm_flags);
}
#endif

/*
 * Exact placement's call. 6.17 turned alloc_contig_range()'s third
 * argument from a migratetype into acr_flags_t without renaming the
 * function: the old call still compiles, and its MIGRATE_MOVABLE (1) is
 * ACR_FLAGS_CMA there, which takes pages inside CMA reservations and
 * leaves them pinned, so a later cma_alloc() of the range fails.
 */
#ifdef CONFIG_CONTIG_ALLOC
static inline int mdl_alloc_contig_range(unsigned long start,
					 unsigned long end, gfp_t gfp)
{
#if MDL_HAVE_ACR_FLAGS
	return alloc_contig_range(start, end, ACR_FLAGS_NONE, gfp);
#else
	return alloc_contig_range(start, end, MIGRATE_MOVABLE, gfp);
#endif
}
#endif

/*
 * Mapping a 2 MiB run with one PMD of PFNs. 6.12 made the fault path ask
 * &vm_operations_struct.huge_fault (given the order of the fault since
 * 6.8) for VM_PFNMAP mappings whatever the THP setting, where the
 * architecture has pmd_special(): CONFIG_ARCH_SUPPORTS_PMD_PFNMAP came
 * with it. 7.0 took the pfn_t out of vmf_insert_pfn_pmd(). Elsewhere a
 * fault maps PTEs only: 6.1 never asks a PFN map for a PMD.
 */
#if defined(CONFIG_TRANSPARENT_HUGEPAGE) && \
	defined(CONFIG_ARCH_SUPPORTS_PMD_PFNMAP) && \
	(MDL_HAVE_VMF_INSERT_PFN_PMD_PFN || MDL_HAVE_VMF_INSERT_PFN_PMD_PFN_T)
#define MDL_HAVE_PFN_PMD	1
#else
#define MDL_HAVE_PFN_PMD	0
#endif

#if MDL_HAVE_PFN_PMD
#if MDL_HAVE_VMF_INSERT_PFN_PMD_PFN_T
#include <linux/pfn_t.h>
#endif
#define MDL_PMD_ORDER		HPAGE_PMD_ORDER
#define mdl_thp_get_unmapped_area	thp_get_unmapped_area
#define MDL_VM_OPS_HUGE_FAULT(fn)	.huge_fault = fn,

static inline vm_fault_t mdl_vmf_insert_pfn_pmd(struct vm_fault *vmf,
						unsigned long pfn, bool write)
{
#if MDL_HAVE_VMF_INSERT_PFN_PMD_PFN
	return vmf_insert_pfn_pmd(vmf, pfn, write);
#else
	return vmf_insert_pfn_pmd(vmf, __pfn_to_pfn_t(pfn, PFN_DEV), write);
#endif
}

/*
 * The file operations of DRM_GEM_FOPS but for where a mapping goes: 7.0's
 * drm_gem_get_unmapped_area() aligns only for shmem-backed objects.
 */
#define MDL_GEM_FOPS(get_unmapped_area_fn) \
	.open			= drm_open, \
	.release		= drm_release, \
	.unlocked_ioctl		= drm_ioctl, \
	.compat_ioctl		= drm_compat_ioctl, \
	.poll			= drm_poll, \
	.read			= drm_read, \
	.llseek			= noop_llseek, \
	.get_unmapped_area	= get_unmapped_area_fn, \
	.mmap			= drm_gem_mmap, \
	.fop_flags		= FOP_UNSIGNED_OFFSET,
#else
/* Never a PMD fault, so any order will do: none is asked for. */
#define MDL_PMD_ORDER		9
#define MDL_VM_OPS_HUGE_FAULT(fn)
#define MDL_GEM_FOPS(get_unmapped_area_fn)	DRM_GEM_FOPS,

static inline vm_fault_t mdl_vmf_insert_pfn_pmd(struct vm_fault *vmf,
						unsigned long pfn, bool write)
{
	return VM_FAULT_FALLBACK;
}

/* Unreachable: these file operations keep DRM's get_unmapped_area. */
static inline unsigned long mdl_thp_get_unmapped_area(struct file *filp,
						      unsigned long addr,
						      unsigned long len,
						      unsigned long pgoff,
						      unsigned long flags)
{
	return -EOPNOTSUPP;
}
#endif

/*
 * 6.14's kthread_create_worker() leaves the thread asleep until it is
 * woken, and kthread_run_worker() creates and wakes it; before, creating
 * started it. A worker that is never woken sits in D state and trips the
 * hung-task detector. Both are macros since 6.14.
 */
#ifndef kthread_run_worker
#define kthread_run_worker	kthread_create_worker
#endif

/*
 * 6.14 dropped &drm_driver.date, and 6.17 gave
 * &drm_mode_config_funcs.fb_create the format info of the request; the
 * driver names its parameters through these.
 */
#if MDL_HAVE_DRM_DRIVER_DATE
#define MDL_DRM_DRIVER_DATE(d)		.date = (d),
#else
#define MDL_DRM_DRIVER_DATE(d)
#endif
#if MDL_HAVE_FB_CREATE_FORMAT_INFO
#define MDL_FB_CREATE_FORMAT_INFO	const struct drm_format_info *info,
#else
#define MDL_FB_CREATE_FORMAT_INFO
#endif

/*
 * 6.15 dropped &dma_buf_ops.cache_sgt_mapping: the dma-buf core no longer
 * keeps an importer's mapping between map and unmap calls. Each map
 * builds its own table either way.
 */
#if MDL_HAVE_DMA_BUF_CACHE_SGT_MAPPING
#define MDL_DMA_BUF_CACHE_SGT_MAPPING	.cache_sgt_mapping = true,
#else
#define MDL_DMA_BUF_CACHE_SGT_MAPPING
#endif

/*
 * 7.1 counts the pages GPU drivers hold in /proc/meminfo (GPUActive, pages
 * given to GPU objects; GPUReclaim, pages in pools a shrinker can free),
 * per node; drm-mdl's pages count there too. Per node only: the counters
 * have no memory-cgroup statistic, and a charged page (an ioctl caller's)
 * through mod_lruvec_page_state() warns "missing stat item" (TTM's pages
 * are never charged). Older kernels have no such counters.
 */
#define MDL_HAVE_GPU_COUNTERS	MDL_HAVE_NR_GPU_ACTIVE
#if MDL_HAVE_NR_GPU_ACTIVE
#define MDL_GPU_ACTIVE		NR_GPU_ACTIVE
#define MDL_GPU_RECLAIM		NR_GPU_RECLAIM
static inline void mdl_gpu_account(struct page *page,
				   enum node_stat_item item, long nr_pages)
{
	mod_node_page_state(page_pgdat(page), item, nr_pages);
}
#else
#define MDL_GPU_ACTIVE		0
#define MDL_GPU_RECLAIM		0
static inline void mdl_gpu_account(struct page *page, int item,
				   long nr_pages)
{
}
#endif

/*
 * For the KUnit suites: 7.3 made drain_all_pages() private to mm; the
 * per-cpu lists are then drained one CPU at a time, with the interface
 * that stayed public.
 */
#if MDL_HAVE_DRAIN_ALL_PAGES
static inline void mdl_drain_all_pages(void)
{
	drain_all_pages(NULL);
}
#else
static inline void mdl_drain_local_pages(void *unused)
{
	drain_local_pages(NULL);
}

static inline void mdl_drain_all_pages(void)
{
	on_each_cpu(mdl_drain_local_pages, NULL, 1);
}
#endif

/*
 * TTM, for the TTM backend's KUnit suite: 6.4 merged ttm_bo_api.h and
 * ttm_bo_driver.h into ttm_bo.h, and 6.9 dropped ttm_placement's separate
 * busy list (a place's flags now mark it a fallback; a place without
 * flags serves both cases, as a place on both lists did before).
 */
#if IS_ENABLED(CONFIG_DRM_TTM)
#if MDL_HAVE_TTM_BO_H
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
#if MDL_HAVE_TTM_PLACEMENT_BUSY
	placement->num_busy_placement = 1;
	placement->busy_placement = place;
#endif
}

/*
 * 6.19 replaced ttm_device_init()'s use_dma_alloc and use_dma32 with
 * alloc_flags; drm-mdl's callers want neither. 6.19 also renamed
 * ttm_bo_put(), with which drivers drop a buffer object, ttm_bo_fini().
 * 6.1 takes the functions without const.
 */
static inline int mdl_ttm_device_init(struct ttm_device *bdev,
				      const struct ttm_device_funcs *funcs,
				      struct device *dev,
				      struct address_space *mapping,
				      struct drm_vma_offset_manager *vma)
{
#if MDL_HAVE_TTM_DEVICE_INIT_ALLOC_FLAGS
	return ttm_device_init(bdev, funcs, dev, mapping, vma, 0);
#else
	return ttm_device_init(bdev, (struct ttm_device_funcs *)funcs, dev,
			       mapping, vma, false, false);
#endif
}

#if !MDL_HAVE_TTM_BO_FINI
#define ttm_bo_fini	ttm_bo_put
#endif

/*
 * 6.15 lets TTM back a ttm_tt's pages up to shmem (ttm_tt_backup() through
 * ttm_pool_backup()) when its driver set up a backup file: TTM's pool then
 * frees the pages itself, which for drm-mdl's pages would be a double free.
 */
#if MDL_HAVE_TTM_TT_BACKUP
#define mdl_ttm_tt_has_backup(tt)	(!IS_ERR_OR_NULL((tt)->backup))
#define mdl_ttm_tt_setup_backup(tt)	ttm_tt_setup_backup(tt)
#else
#define mdl_ttm_tt_has_backup(tt)	false
#define mdl_ttm_tt_setup_backup(tt)	(-EOPNOTSUPP)
#endif
#endif /* CONFIG_DRM_TTM */

/*
 * The IOVA API (6.16): one IOVA range for a whole allocation, its runs
 * linked into it, no scatterlist. Where the kernel lacks it,
 * dma_iova_try_alloc() says no, as the real one does for a device outside
 * an IOMMU DMA domain, and the engine maps run by run or with a table. The
 * same kernels came with dma_need_unmap() (6.15), which says when mapping
 * run by run outside an IOMMU leaves nothing to undo; with both, a device
 * never needs a table of its own, so none is kept in the descriptor.
 */
#if MDL_HAVE_DMA_IOVA && MDL_HAVE_DMA_NEED_UNMAP
#define MDL_HAVE_DMA_BY_RUN	1
#else
#define MDL_HAVE_DMA_BY_RUN	0
#endif

/*
 * Whether @dev may map run by run: its bus addresses then follow from the
 * physical ones, which the engine checks run by run. With the IOVA API the
 * engine asks only once dma_iova_try_alloc() has said the device is
 * outside an IOMMU DMA domain. Before it, a device in an IOMMU group or
 * with DMA ops of its own (iommu-dma's, on 6.1) is left to a table: run by
 * run, each run would get an IOVA range of its own, one DMA segment per
 * run where the table's mapping makes one.
 */
static inline bool mdl_dma_maps_directly(struct device *dev)
{
#if MDL_HAVE_DMA_IOVA
	return true;
#else
	return !get_dma_ops(dev) && !device_iommu_mapped(dev);
#endif
}

#if !MDL_HAVE_DMA_IOVA
struct dma_iova_state {
	dma_addr_t addr;
	u64 __size;
};

static inline bool dma_iova_try_alloc(struct device *dev,
				      struct dma_iova_state *state,
				      phys_addr_t phys, size_t size)
{
	return false;
}

static inline int dma_iova_link(struct device *dev,
				struct dma_iova_state *state, phys_addr_t phys,
				size_t offset, size_t size,
				enum dma_data_direction dir,
				unsigned long attrs)
{
	return -EOPNOTSUPP;
}

static inline int dma_iova_sync(struct device *dev,
				struct dma_iova_state *state, size_t offset,
				size_t size)
{
	return -EOPNOTSUPP;
}

static inline void dma_iova_destroy(struct device *dev,
				    struct dma_iova_state *state,
				    size_t mapped_len,
				    enum dma_data_direction dir,
				    unsigned long attrs)
{
}
#endif

#if !MDL_HAVE_DMA_NEED_UNMAP
static inline bool dma_need_unmap(struct device *dev)
{
	return true;
}
#endif

#endif /* __MDL_COMPAT_H__ */
