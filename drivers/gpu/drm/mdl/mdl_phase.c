// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Where an allocation's time goes: per-CPU counters of the nanoseconds
 * spent in each step (validate, gather, cache type, describe, map, free)
 * and of the bytes the descriptor takes, so that a regression shows where
 * it is.
 *
 * The counters sit behind a static key that is off unless a benchmark
 * turns it on: a clock read costs tens of nanoseconds in UML, and a warm
 * 4 KiB allocation takes a few hundred, so counting on every allocation
 * would move the very figures it explains. Off, each point is a NOP.
 */

#include <linux/cpumask.h>
#include <linux/jump_label.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "mdl_internal.h"

DEFINE_STATIC_KEY_FALSE(mdl_phase_key);

static DEFINE_PER_CPU(struct drm_mdl_phase_stats, mdl_phase_counters);
/* Serializes the benchmark's enable, read and reset; counting takes none. */
static DEFINE_MUTEX(mdl_phase_lock);

/**
 * __mdl_phase_mark - end a phase, start the next
 * @phase: the phase that ends now
 * @t: mdl_phase_clock() when it began; set to now
 */
void __mdl_phase_mark(enum drm_mdl_phase phase, u64 *t)
{
	u64 now = mdl_phase_clock();

	this_cpu_add(mdl_phase_counters.ns[phase], now - *t);
	*t = now;
}

/**
 * __mdl_phase_count - count one finished allocation and its descriptor
 * @pages: pages it describes
 * @runs: physically contiguous runs they form
 * @desc_bytes: bytes its descriptor takes (struct, entries, index)
 */
void __mdl_phase_count(unsigned long pages, unsigned int runs, u64 desc_bytes)
{
	this_cpu_inc(mdl_phase_counters.allocs);
	this_cpu_add(mdl_phase_counters.pages, pages);
	this_cpu_add(mdl_phase_counters.runs, runs);
	this_cpu_add(mdl_phase_counters.desc_bytes, desc_bytes);
}

/**
 * __mdl_phase_count_free - count one freed allocation
 */
void __mdl_phase_count_free(void)
{
	this_cpu_inc(mdl_phase_counters.frees);
}

/**
 * mdl_table_bytes - what a descriptor table really takes
 * @table: from kmalloc() or vmalloc()
 * @bytes: what was asked for
 *
 * Return: the slab object's size, or the whole pages of a vmalloc area.
 */
u64 mdl_table_bytes(const void *table, size_t bytes)
{
	if (!table)
		return 0;
	if (is_vmalloc_addr(table))
		return PAGE_ALIGN(bytes);
	return ksize(table);
}

/**
 * drm_mdl_phase_stats_enable - turn the phase counters on or off
 * @enable: true to count
 *
 * For benchmarks: the counters cost two clock reads per phase while on.
 */
void drm_mdl_phase_stats_enable(bool enable)
{
	mutex_lock(&mdl_phase_lock);
	if (enable && !static_key_enabled(&mdl_phase_key))
		static_branch_enable(&mdl_phase_key);
	else if (!enable && static_key_enabled(&mdl_phase_key))
		static_branch_disable(&mdl_phase_key);
	mutex_unlock(&mdl_phase_lock);
}
EXPORT_SYMBOL_GPL(drm_mdl_phase_stats_enable);

/**
 * drm_mdl_phase_stats_read - sum the phase counters of every CPU
 * @stats: filled with the sums since the last reset
 */
void drm_mdl_phase_stats_read(struct drm_mdl_phase_stats *stats)
{
	unsigned int cpu, p;

	memset(stats, 0, sizeof(*stats));
	mutex_lock(&mdl_phase_lock);
	for_each_possible_cpu(cpu) {
		const struct drm_mdl_phase_stats *c =
			per_cpu_ptr(&mdl_phase_counters, cpu);

		for (p = 0; p < DRM_MDL_PHASE_COUNT; p++)
			stats->ns[p] += c->ns[p];
		stats->allocs += c->allocs;
		stats->frees += c->frees;
		stats->pages += c->pages;
		stats->runs += c->runs;
		stats->desc_bytes += c->desc_bytes;
	}
	mutex_unlock(&mdl_phase_lock);
}
EXPORT_SYMBOL_GPL(drm_mdl_phase_stats_read);

/**
 * drm_mdl_phase_stats_reset - zero the phase counters
 *
 * Allocations running meanwhile may leave a few nanoseconds behind.
 */
void drm_mdl_phase_stats_reset(void)
{
	unsigned int cpu;

	mutex_lock(&mdl_phase_lock);
	for_each_possible_cpu(cpu)
		memset(per_cpu_ptr(&mdl_phase_counters, cpu), 0,
		       sizeof(struct drm_mdl_phase_stats));
	mutex_unlock(&mdl_phase_lock);
}
EXPORT_SYMBOL_GPL(drm_mdl_phase_stats_reset);
