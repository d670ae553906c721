// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The benchmark as a KUnit suite, built into a UML kernel by
 * tools/bench/uml.sh: KUnit runs it at boot and halts the machine after.
 * It measures on a platform device of its own, DMA-direct (UML has no
 * IOMMU), with a 64-bit mask and no segment limit, as a GPU driver would
 * set it. Parameters go on the kernel command line: mdl_bench.sizes=...
 */

#include <kunit/test.h>
#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/platform_device.h>

#include "mdl_bench.h"

static char *sizes = "4K,16K,64K,256K,1M,2M,64M,256M,1G";
module_param(sizes, charp, 0444);
MODULE_PARM_DESC(sizes, "Comma-separated allocation sizes (memparse suffixes)");

static unsigned int reps_min = 5;
module_param(reps_min, uint, 0444);
MODULE_PARM_DESC(reps_min, "Fewest repetitions per size and contender");

static unsigned int reps_max = 51;
module_param(reps_max, uint, 0444);
MODULE_PARM_DESC(reps_max, "Most repetitions per size and contender");

static bool fragment = true;
module_param(fragment, bool, 0444);
MODULE_PARM_DESC(fragment, "Also measure with fragmented memory");

static char *only;
module_param(only, charp, 0444);
MODULE_PARM_DESC(only, "Comma-separated contenders to measure (default: all)");

struct mdl_bench_kunit {
	struct platform_device *pdev;
	struct mdl_bench_opts opts;
};

static int mdl_bench_kunit_init(struct kunit *test)
{
	struct mdl_bench_kunit *ctx;
	int ret;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	ret = mdl_bench_parse_sizes(sizes, &ctx->opts);
	if (ret) {
		kunit_err(test, "bad mdl_bench.sizes=%s\n", sizes);
		return ret;
	}
	ctx->opts.where = "uml";
	ctx->opts.reps_min = max(reps_min, 1U);
	ctx->opts.reps_max = max(reps_max, ctx->opts.reps_min);
	ctx->opts.fragment = fragment;
	ctx->opts.prefault = true;
	ctx->opts.only = only;

	ctx->pdev = platform_device_register_simple("mdl-bench",
						    PLATFORM_DEVID_NONE,
						    NULL, 0);
	if (IS_ERR(ctx->pdev))
		return PTR_ERR(ctx->pdev);
	ret = dma_coerce_mask_and_coherent(&ctx->pdev->dev, DMA_BIT_MASK(64));
	if (ret) {
		platform_device_unregister(ctx->pdev);
		return ret;
	}
	/* Returns nothing since 6.12; a platform device has its dma_parms. */
	dma_set_max_seg_size(&ctx->pdev->dev, UINT_MAX);
	test->priv = ctx;
	return 0;
}

static void mdl_bench_kunit_exit(struct kunit *test)
{
	struct mdl_bench_kunit *ctx = test->priv;

	if (ctx)
		platform_device_unregister(ctx->pdev);
}

static void mdl_bench_unfragmented(struct kunit *test)
{
	struct mdl_bench_kunit *ctx = test->priv;

	KUNIT_EXPECT_EQ(test, mdl_bench_run(&ctx->pdev->dev, &ctx->opts,
					    false), 0);
}

static void mdl_bench_fragmented(struct kunit *test)
{
	struct mdl_bench_kunit *ctx = test->priv;

	if (!ctx->opts.fragment)
		kunit_skip(test, "mdl_bench.fragment=0");
	KUNIT_EXPECT_EQ(test, mdl_bench_run(&ctx->pdev->dev, &ctx->opts,
					    true), 0);
}

static struct kunit_case mdl_bench_cases[] = {
	KUNIT_CASE(mdl_bench_unfragmented),
	KUNIT_CASE(mdl_bench_fragmented),
	{}
};

static struct kunit_suite mdl_bench_suite = {
	.name = "mdl_bench",
	.init = mdl_bench_kunit_init,
	.exit = mdl_bench_kunit_exit,
	.test_cases = mdl_bench_cases,
};

kunit_test_suite(mdl_bench_suite);

MODULE_DESCRIPTION("drm-mdl allocation benchmark (KUnit, UML)");
MODULE_LICENSE("Dual MIT/GPL");
