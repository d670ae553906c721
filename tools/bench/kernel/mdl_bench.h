/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * drm-mdl allocation benchmark: the kernel side, shared by the KUnit wrapper
 * (built into a UML kernel) and the module wrapper (mdl_bench.ko in the VM).
 */
#ifndef __MDL_BENCH_H__
#define __MDL_BENCH_H__

#include <linux/types.h>

struct device;

/* Most sizes one run takes. */
#define MDL_BENCH_MAX_SIZES	16

/**
 * struct mdl_bench_opts - what one run measures
 * @where: label of the environment in every result line ("uml", "vm")
 * @sizes: bytes per allocation, in the order measured
 * @nr_sizes: entries in @sizes
 * @reps_min: fewest repetitions per size and contender
 * @reps_max: most repetitions (small sizes get more, up to this)
 * @fragment: also measure after fragmenting memory
 * @prefault: touch all free memory once before measuring, so that the
 *            host's first-touch cost (UML's memory file, QEMU's guest RAM)
 *            lands on no contender
 * @only: comma-separated contenders to measure, NULL for all; for
 *        profiling one of them with the host's perf
 */
struct mdl_bench_opts {
	const char *where;
	u64 sizes[MDL_BENCH_MAX_SIZES];
	unsigned int nr_sizes;
	unsigned int reps_min;
	unsigned int reps_max;
	bool fragment;
	bool prefault;
	const char *only;
};

int mdl_bench_parse_sizes(const char *list, struct mdl_bench_opts *opts);
int mdl_bench_run(struct device *dev, const struct mdl_bench_opts *opts,
		  bool fragmented);

#endif /* __MDL_BENCH_H__ */
