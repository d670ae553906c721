// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Test-only failure injection, built only with CONFIG_DRM_MDL_KUNIT_TEST.
 * Arming a point makes its nth call and every later one fail, so a request
 * fails for good at that point and its rollback runs.
 */

#include <linux/atomic.h>
#include <linux/compiler.h>

#include "mdl_internal.h"

static atomic_long_t mdl_fault_counts[MDL_FAULT_COUNT];
static unsigned long mdl_fault_from[MDL_FAULT_COUNT];

bool mdl_fault_should_fail(enum mdl_fault_point point)
{
	unsigned long from = READ_ONCE(mdl_fault_from[point]);
	unsigned long n = atomic_long_inc_return(&mdl_fault_counts[point]);

	return from && n >= from;
}

static void mdl_fault_reset_counts(void)
{
	int i;

	for (i = 0; i < MDL_FAULT_COUNT; i++)
		atomic_long_set(&mdl_fault_counts[i], 0);
}

void mdl_fault_arm(enum mdl_fault_point point, unsigned long nth)
{
	mdl_fault_disarm();
	WRITE_ONCE(mdl_fault_from[point], nth);
}

void mdl_fault_disarm(void)
{
	int i;

	for (i = 0; i < MDL_FAULT_COUNT; i++)
		WRITE_ONCE(mdl_fault_from[i], 0);
	mdl_fault_reset_counts();
}

unsigned long mdl_fault_calls(enum mdl_fault_point point)
{
	return atomic_long_read(&mdl_fault_counts[point]);
}
