// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The kernel API probes of drm-mdl: never linked, each section compiled on
 * its own by mdl_compat_probe.sh with the kernel's own compiler flags
 * (-DMDL_PROBE_<NAME>). A section that compiles without an error makes
 * MDL_HAVE_<NAME> 1 in the generated mdl_compat_probed.h, else 0; what
 * each probe means, and the release that changed it, is said in
 * mdl_compat.h where the result is used.
 *
 * A "need" line names probes of which at least one must succeed: the
 * driver cannot be built without one of them, and the probe script stops
 * the build with one message that names the missing interface instead of
 * a screen of compiler errors.
 *
 * mdl-probe-need: ALLOC_PAGES_BULK_NODE ALLOC_PAGES_BULK_ARRAY_NODE -- bulk page allocation
 * mdl-probe-need: VMA_IS_COW_MAPPING IS_COW_MAPPING -- the copy-on-write test of a VMA
 * mdl-probe-need: FB_CREATE_FORMAT_INFO FB_CREATE_CMD_ONLY -- drm_mode_config_funcs.fb_create
 * mdl-probe-need: PLATFORM_REMOVE_VOID PLATFORM_REMOVE_NEW PLATFORM_REMOVE_INT -- .remove
 */

#include <linux/dma-buf.h>
#include <linux/gfp.h>
#include <linux/kthread.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/platform_device.h>
#include <linux/shrinker.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_mode_config.h>

/* Every probe is a function the compiler must check, never one it runs. */
int mdl_probe(void);

#ifdef MDL_PROBE_ALLOC_PAGES_BULK_NODE
int mdl_probe(void)
{
	struct page *pages[1] = { NULL };

	return alloc_pages_bulk_node(GFP_KERNEL, NUMA_NO_NODE, 1, pages);
}
#endif

#ifdef MDL_PROBE_ALLOC_PAGES_BULK_ARRAY_NODE
int mdl_probe(void)
{
	struct page *pages[1] = { NULL };

	return alloc_pages_bulk_array_node(GFP_KERNEL, NUMA_NO_NODE, 1, pages);
}
#endif

#ifdef MDL_PROBE_VMA_IS_COW_MAPPING
int mdl_probe(void)
{
	return vma_is_cow_mapping((struct vm_area_struct *)NULL);
}
#endif

#ifdef MDL_PROBE_IS_COW_MAPPING
int mdl_probe(void)
{
	return is_cow_mapping(VM_SHARED);
}
#endif

/*
 * The type, not a call: an int still converts to acr_flags_t silently,
 * which is why the old call compiles on new kernels and means CMA.
 */
#ifdef MDL_PROBE_ACR_FLAGS
int mdl_probe(void)
{
	acr_flags_t flags = ACR_FLAGS_NONE;

	return (__force int)flags;
}
#endif

#ifdef MDL_PROBE_FB_CREATE_FORMAT_INFO
static struct drm_framebuffer *
mdl_probe_fb_create(struct drm_device *drm, struct drm_file *file,
		    const struct drm_format_info *info,
		    const struct drm_mode_fb_cmd2 *cmd)
{
	return NULL;
}

int mdl_probe(void)
{
	struct drm_mode_config_funcs funcs = { .fb_create = mdl_probe_fb_create };

	return !funcs.fb_create;
}
#endif

#ifdef MDL_PROBE_FB_CREATE_CMD_ONLY
static struct drm_framebuffer *
mdl_probe_fb_create(struct drm_device *drm, struct drm_file *file,
		    const struct drm_mode_fb_cmd2 *cmd)
{
	return NULL;
}

int mdl_probe(void)
{
	struct drm_mode_config_funcs funcs = { .fb_create = mdl_probe_fb_create };

	return !funcs.fb_create;
}
#endif

#ifdef MDL_PROBE_PLATFORM_REMOVE_VOID
static void mdl_probe_remove(struct platform_device *pdev)
{
}

int mdl_probe(void)
{
	struct platform_driver drv = { .remove = mdl_probe_remove };

	return !drv.remove;
}
#endif

#ifdef MDL_PROBE_PLATFORM_REMOVE_NEW
static void mdl_probe_remove(struct platform_device *pdev)
{
}

int mdl_probe(void)
{
	struct platform_driver drv = { .remove_new = mdl_probe_remove };

	return !drv.remove_new;
}
#endif

#ifdef MDL_PROBE_PLATFORM_REMOVE_INT
static int mdl_probe_remove(struct platform_device *pdev)
{
	return 0;
}

int mdl_probe(void)
{
	struct platform_driver drv = { .remove = mdl_probe_remove };

	return !drv.remove;
}
#endif

#ifdef MDL_PROBE_DRM_DRIVER_DATE
int mdl_probe(void)
{
	struct drm_driver drv = { .date = "" };

	return !drv.date;
}
#endif

#ifdef MDL_PROBE_DRM_GEM_PRIME_MMAP
int mdl_probe(void)
{
	struct drm_driver drv = { .gem_prime_mmap = NULL };

	return !drv.gem_prime_mmap;
}
#endif

#ifdef MDL_PROBE_DRM_SHOW_FDINFO
int mdl_probe(void)
{
	void (*core)(struct seq_file *m, struct file *f) = drm_show_fdinfo;
	struct drm_driver drv = { .show_fdinfo = NULL };

	return !drv.show_fdinfo && core;
}
#endif

#ifdef MDL_PROBE_DRM_FILE_PID_RCU
int mdl_probe(void)
{
	drm_file_update_pid((struct drm_file *)NULL);
	return 0;
}
#endif

#ifdef MDL_PROBE_DMA_BUF_CACHE_SGT_MAPPING
int mdl_probe(void)
{
	struct dma_buf_ops ops = { .cache_sgt_mapping = true };

	return ops.cache_sgt_mapping;
}
#endif

#ifdef MDL_PROBE_DMA_BUF_VMAP_UNLOCKED
int mdl_probe(void)
{
	return dma_buf_vmap_unlocked(NULL, NULL);
}
#endif

#ifdef MDL_PROBE_VM_FLAGS_SET
int mdl_probe(void)
{
	vm_flags_set((struct vm_area_struct *)NULL, VM_IO);
	return 0;
}
#endif

#ifdef MDL_PROBE_VMF_INSERT_PFN_PMD_PFN
#include <linux/huge_mm.h>

int mdl_probe(void)
{
	unsigned long pfn = 0;

	return vmf_insert_pfn_pmd((struct vm_fault *)NULL, pfn, false);
}
#endif

#ifdef MDL_PROBE_VMF_INSERT_PFN_PMD_PFN_T
#include <linux/huge_mm.h>
#include <linux/pfn_t.h>

int mdl_probe(void)
{
	return vmf_insert_pfn_pmd((struct vm_fault *)NULL,
				  __pfn_to_pfn_t(0, PFN_DEV), false);
}
#endif

#ifdef MDL_PROBE_DMA_IOVA
#include <linux/dma-mapping.h>

int mdl_probe(void)
{
	struct dma_iova_state state;
	struct device *dev = NULL;

	if (!dma_iova_try_alloc(dev, &state, 0, PAGE_SIZE))
		return 0;
	if (dma_iova_link(dev, &state, 0, 0, PAGE_SIZE, DMA_BIDIRECTIONAL, 0))
		return 0;
	dma_iova_destroy(dev, &state, PAGE_SIZE, DMA_BIDIRECTIONAL, 0);
	return dma_iova_sync(dev, &state, 0, PAGE_SIZE) + dma_use_iova(&state);
}
#endif

#ifdef MDL_PROBE_DMA_NEED_UNMAP
#include <linux/dma-mapping.h>

int mdl_probe(void)
{
	return dma_need_unmap((struct device *)NULL);
}
#endif

#ifdef MDL_PROBE_MEMCG_KMEM_ONLINE
int mdl_probe(void)
{
	return memcg_kmem_online();
}
#endif

#ifdef MDL_PROBE_SHRINKER_ALLOC
int mdl_probe(void)
{
	return !shrinker_alloc(0, "%s", "mdl-probe");
}
#endif

#ifdef MDL_PROBE_DRAIN_ALL_PAGES
int mdl_probe(void)
{
	drain_all_pages(NULL);
	return 0;
}
#endif

#ifdef MDL_PROBE_NR_GPU_ACTIVE
int mdl_probe(void)
{
	return NR_GPU_ACTIVE + NR_GPU_RECLAIM;
}
#endif

#if IS_ENABLED(CONFIG_DRM_TTM)
#include <drm/ttm/ttm_device.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_tt.h>

/*
 * Headers are probed by including them, never with __has_include(): gcc 12
 * then lets a later #include of the missing header pass without a word.
 */

/* 6.4 merged ttm_bo_api.h and ttm_bo_driver.h into ttm_bo.h. */
#ifdef MDL_PROBE_TTM_BO_H
#include <drm/ttm/ttm_bo.h>

int mdl_probe(void)
{
	return 0;
}
#endif

#ifdef MDL_PROBE_TTM_PLACEMENT_BUSY
int mdl_probe(void)
{
	struct ttm_placement placement = { .num_busy_placement = 0 };

	return placement.num_busy_placement;
}
#endif

#ifdef MDL_PROBE_TTM_DEVICE_INIT_ALLOC_FLAGS
int mdl_probe(void)
{
	unsigned int alloc_flags = 0;

	return ttm_device_init(NULL, NULL, NULL, NULL, NULL, alloc_flags);
}
#endif

#ifdef MDL_PROBE_TTM_BO_FINI
#include <drm/ttm/ttm_bo.h>

int mdl_probe(void)
{
	ttm_bo_fini((struct ttm_buffer_object *)NULL);
	return 0;
}
#endif

#ifdef MDL_PROBE_TTM_TT_BACKUP
int mdl_probe(void)
{
	struct ttm_tt tt = { .backup = NULL };

	return !!tt.backup + ttm_tt_setup_backup(&tt);
}
#endif
#endif /* CONFIG_DRM_TTM */
