// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Device binding of drm-mdl.
 *
 * Two kinds of device get a render node:
 *
 * - QEMU's edu PCI device (1234:11e8), the reference "GPU": its DMA goes
 *   through the IOMMU when there is one, and it has a copy engine that can
 *   prove the device reaches the pages where the IOMMU put them;
 * - one virtual platform device the module registers itself, as vgem does,
 *   which uses DMA-direct: a device without an IOMMU and without limits, so
 *   that the allocator can be used on any machine.
 */

#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/platform_device.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_framebuffer.h>
#include <drm/drm_gem.h>
#include <drm/drm_mode_config.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_prime.h>

#include "mdl_drv.h"
#include "mdl_internal.h"

#define DRIVER_DESC		"GPU-reachable system memory with Windows MDL semantics"
#define DRIVER_DATE		"20250601"
#define DRIVER_MAJOR		1
#define DRIVER_MINOR		0
#define DRIVER_PATCHLEVEL	0

#define PCI_VENDOR_ID_QEMU_EDU	0x1234
#define PCI_DEVICE_ID_QEMU_EDU	0x11e8

static bool mdl_platform_device_enabled = true;
module_param_named(platform_device, mdl_platform_device_enabled, bool, 0444);
MODULE_PARM_DESC(platform_device,
		 "Register a virtual DMA-direct device with a render node (default: true)");

/*
 * QEMU's edu device silently truncates DMA addresses to its "dma_mask"
 * property: 28 bits unless the VM sets it, as tools/vm/mdl-vm does, to all
 * ones. A mask wider than the device's would let the DMA API hand out
 * addresses it cannot reach, and a copy without an IOMMU would then land at
 * addr & 0xfffffff, in somebody else's memory. So the default is what a
 * default edu decodes, and a VM that widens it says so with edu_dma_bits.
 */
static unsigned int mdl_edu_dma_bits = 28;
module_param_named(edu_dma_bits, mdl_edu_dma_bits, uint, 0444);
MODULE_PARM_DESC(edu_dma_bits,
		 "DMA address bits of the edu device, as its QEMU dma_mask property (default: 28, what QEMU's edu decodes unless its dma_mask is set)");

static const struct file_operations mdl_fops = {
	.owner		= THIS_MODULE,
	MDL_GEM_FOPS(mdl_gem_get_unmapped_area)
	MDL_FOPS_SHOW_FDINFO(mdl_fdinfo_show)
};

static const struct drm_driver mdl_drm_driver = {
	/*
	 * DRIVER_MODESET with an empty mode configuration: no CRTC, plane or
	 * connector, so nothing can be displayed, but the card node answers
	 * DRM_IOCTL_MODE_GETRESOURCES and generic tools such as drm_info list
	 * the device instead of skipping it.
	 */
	.driver_features	= DRIVER_GEM | DRIVER_RENDER | DRIVER_MODESET,
	.open			= mdl_gem_open,
	.postclose		= mdl_gem_postclose,
	.ioctls			= mdl_ioctls,
	.num_ioctls		= MDL_NUM_IOCTLS,
	.fops			= &mdl_fops,
	.debugfs_init		= mdl_debugfs_init,
	MDL_DRM_DRIVER_SHOW_FDINFO(mdl_fdinfo_print_memory)

	/*
	 * Export and self-import only: without gem_prime_import_sg_table,
	 * drm_gem_prime_import() refuses foreign buffers, whose pages would
	 * not have been allocated by our rules.
	 */
	.gem_prime_import	= mdl_gem_prime_import,
	.prime_handle_to_fd	= drm_gem_prime_handle_to_fd,
	.prime_fd_to_handle	= drm_gem_prime_fd_to_handle,
	MDL_DRM_GEM_PRIME_MMAP

	.name			= MDL_DRIVER_NAME,
	.desc			= DRIVER_DESC,
	MDL_DRM_DRIVER_DATE(DRIVER_DATE)
	.major			= DRIVER_MAJOR,
	.minor			= DRIVER_MINOR,
	.patchlevel		= DRIVER_PATCHLEVEL,
};

/* Nothing can scan out: refuse framebuffers rather than leave a NULL hook. */
static struct drm_framebuffer *
mdl_fb_create(struct drm_device *drm, struct drm_file *file,
	      MDL_FB_CREATE_FORMAT_INFO const struct drm_mode_fb_cmd2 *cmd)
{
	return ERR_PTR(-EOPNOTSUPP);
}

static const struct drm_mode_config_funcs mdl_mode_config_funcs = {
	.fb_create = mdl_fb_create,
};

static struct mdl_device *mdl_device_create(struct device *dev)
{
	struct mdl_device *mdev;
	int ret;

	mdev = devm_drm_dev_alloc(dev, &mdl_drm_driver, struct mdl_device, drm);
	if (IS_ERR(mdev))
		return mdev;

	ret = drmm_mode_config_init(&mdev->drm);
	if (ret)
		return ERR_PTR(ret);
	mdev->drm.mode_config.funcs = &mdl_mode_config_funcs;

	mdl_device_usage_init(mdev);

	/* Once, here: every allocation will fail, and its errno alone is terse. */
	if (mdl_dma_bounces(dev))
		dev_warn(dev, "the platform bounces all DMA of this device through swiotlb (swiotlb=force or a confidential guest); allocations fail with ENXIO\n");

	return mdev;
}

static int mdl_pci_set_dma_mask(struct pci_dev *pdev)
{
	unsigned int bits = mdl_edu_dma_bits;
	int ret;

	if (bits < 12 || bits > 64) {
		dev_err(&pdev->dev, "edu_dma_bits=%u is out of range\n", bits);
		return -EINVAL;
	}

	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(bits));
	if (ret && bits > 32)
		ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(32));
	if (ret) {
		dev_err(&pdev->dev, "no usable DMA mask\n");
		return ret;
	}

	/* An IOMMU can then merge a whole allocation into one segment. */
	dma_set_max_seg_size(&pdev->dev, UINT_MAX);
	return 0;
}

static int mdl_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct mdl_device *mdev;
	int ret;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;

	pci_set_master(pdev);

	ret = mdl_pci_set_dma_mask(pdev);
	if (ret)
		return ret;

	ret = pcim_iomap_regions(pdev, BIT(0), MDL_DRIVER_NAME);
	if (ret)
		return ret;

	mdev = mdl_device_create(&pdev->dev);
	if (IS_ERR(mdev))
		return PTR_ERR(mdev);

	ret = mdl_edu_init(&mdev->edu_storage, &pdev->dev,
			   pcim_iomap_table(pdev)[0]);
	if (ret)
		return ret;
	mdev->edu = &mdev->edu_storage;

	pci_set_drvdata(pdev, mdev);

	return drm_dev_register(&mdev->drm, 0);
}

static void mdl_pci_remove(struct pci_dev *pdev)
{
	struct mdl_device *mdev = pci_get_drvdata(pdev);

	/* Waits for DMA copies in flight before BAR0 is unmapped. */
	drm_dev_unplug(&mdev->drm);
	mdl_gem_revoke_all(mdev);
}

static const struct pci_device_id mdl_pci_ids[] = {
	{ PCI_DEVICE(PCI_VENDOR_ID_QEMU_EDU, PCI_DEVICE_ID_QEMU_EDU) },
	{ }
};
MODULE_DEVICE_TABLE(pci, mdl_pci_ids);

static struct pci_driver mdl_pci_driver = {
	.name = MDL_DRIVER_NAME,
	.id_table = mdl_pci_ids,
	.probe = mdl_pci_probe,
	.remove = mdl_pci_remove,
};

static int mdl_platform_probe(struct platform_device *pdev)
{
	struct mdl_device *mdev;
	int ret;

	/* Nothing behind this device limits its reach: take all of it. */
	ret = dma_coerce_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		return ret;

	dma_set_max_seg_size(&pdev->dev, UINT_MAX);

	mdev = mdl_device_create(&pdev->dev);
	if (IS_ERR(mdev))
		return PTR_ERR(mdev);

	platform_set_drvdata(pdev, mdev);

	return drm_dev_register(&mdev->drm, 0);
}

static void mdl_platform_remove(struct platform_device *pdev)
{
	struct mdl_device *mdev = platform_get_drvdata(pdev);

	drm_dev_unplug(&mdev->drm);
	mdl_gem_revoke_all(mdev);
}

MDL_PLATFORM_REMOVE_VOID(mdl_platform_remove);

static struct platform_driver mdl_platform_driver = {
	.driver = {
		.name = MDL_PLATFORM_NAME,
	},
	.probe = mdl_platform_probe,
	MDL_PLATFORM_DRIVER_REMOVE(mdl_platform_remove),
};

static struct platform_device *mdl_platform_device;

static int __init mdl_init(void)
{
	struct platform_device *pdev;
	int ret;

#ifdef MAX_PHYSMEM_BITS
	/* A run keeps its pfn in MDL_RUN_PFN_BITS. */
	if (MAX_PHYSMEM_BITS - PAGE_SHIFT > MDL_RUN_PFN_BITS) {
		pr_err("drm-mdl: %d-bit physical addresses are not supported\n",
		       MAX_PHYSMEM_BITS);
		return -EOPNOTSUPP;
	}
#endif
	mdl_limits_init();

	ret = mdl_pool_init();
	if (ret)
		return ret;

	ret = pci_register_driver(&mdl_pci_driver);
	if (ret)
		goto err_pool;

	if (!mdl_platform_device_enabled)
		return 0;

	ret = platform_driver_register(&mdl_platform_driver);
	if (ret)
		goto err_pci;

	pdev = platform_device_register_simple(MDL_PLATFORM_NAME,
					       PLATFORM_DEVID_NONE, NULL, 0);
	if (IS_ERR(pdev)) {
		ret = PTR_ERR(pdev);
		goto err_platform_driver;
	}
	mdl_platform_device = pdev;

	return 0;

err_platform_driver:
	platform_driver_unregister(&mdl_platform_driver);
err_pci:
	pci_unregister_driver(&mdl_pci_driver);
err_pool:
	mdl_pool_fini();
	return ret;
}

static void __exit mdl_exit(void)
{
	if (mdl_platform_device) {
		platform_device_unregister(mdl_platform_device);
		platform_driver_unregister(&mdl_platform_driver);
	}
	pci_unregister_driver(&mdl_pci_driver);
	/* Every allocation is gone with its devices: the pool is all that is left. */
	mdl_pool_fini();
	mdl_limits_exit();
}

module_init(mdl_init);
module_exit(mdl_exit);

MODULE_DESCRIPTION(DRIVER_DESC);
MODULE_LICENSE("GPL");
