// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The benchmark as a module, mdl_bench.ko, for the test VM: loading it runs
 * every scenario on the device mdl.ko drives there (QEMU's edu, behind the
 * emulated IOMMU) and prints the results to the kernel log; it stays loaded
 * until rmmod so that the caller sees insmod succeed. Needs ttm.ko loaded.
 *
 *   insmod mdl_bench.ko sizes=4K,2M,64M reps_min=3 fragment=1
 */

#include <linux/device.h>
#include <linux/module.h>
#include <linux/pci.h>

#include "mdl_bench.h"

#define MDL_BENCH_EDU_VENDOR	0x1234
#define MDL_BENCH_EDU_DEVICE	0x11e8

static char *sizes = "4K,16K,64K,256K,1M,2M,64M,256M,1G";
module_param(sizes, charp, 0444);
MODULE_PARM_DESC(sizes, "Comma-separated allocation sizes (memparse suffixes)");

static unsigned int reps_min = 3;
module_param(reps_min, uint, 0444);
MODULE_PARM_DESC(reps_min, "Fewest repetitions per size and contender");

static unsigned int reps_max = 21;
module_param(reps_max, uint, 0444);
MODULE_PARM_DESC(reps_max, "Most repetitions per size and contender");

static bool fragment = true;
module_param(fragment, bool, 0444);
MODULE_PARM_DESC(fragment, "Also measure with fragmented memory");

static char *only;
module_param(only, charp, 0444);
MODULE_PARM_DESC(only, "Comma-separated contenders to measure (default: all)");

static char *where = "vm";
module_param(where, charp, 0444);
MODULE_PARM_DESC(where, "Label of the environment in the result lines");

static int __init mdl_bench_init(void)
{
	struct mdl_bench_opts opts = {};
	struct pci_dev *pdev;
	int ret;

	ret = mdl_bench_parse_sizes(sizes, &opts);
	if (ret) {
		pr_err("mdl_bench: bad sizes=%s\n", sizes);
		return ret;
	}
	opts.where = where;
	opts.reps_min = max(reps_min, 1U);
	opts.reps_max = max(reps_max, opts.reps_min);
	opts.fragment = fragment;
	opts.prefault = true;
	opts.only = only;

	/* The device mdl.ko binds and maps on: its DMA ops, its IOMMU. */
	pdev = pci_get_device(MDL_BENCH_EDU_VENDOR, MDL_BENCH_EDU_DEVICE, NULL);
	if (!pdev) {
		pr_err("mdl_bench: no edu PCI device\n");
		return -ENODEV;
	}
	ret = mdl_bench_run(&pdev->dev, &opts, false);
	if (!ret && opts.fragment)
		ret = mdl_bench_run(&pdev->dev, &opts, true);
	pci_dev_put(pdev);
	pr_info("mdl_bench: DONE status=%d\n", ret);
	return ret;
}

static void __exit mdl_bench_exit(void)
{
}

module_init(mdl_bench_init);
module_exit(mdl_bench_exit);

MODULE_DESCRIPTION("drm-mdl allocation benchmark");
MODULE_LICENSE("Dual MIT/GPL");
MODULE_SOFTDEP("pre: mdl ttm");
