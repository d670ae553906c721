// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Runs last (it is linked last): a kmemleak scan once every other suite is
 * done. UML has no user space to write "scan" to debugfs and debugfs'
 * kmemleak file has no kernel_write() path, so the test calls the scanner
 * through kallsyms; this is test-only code in a built-in UML kernel. The
 * runner boots with kmemleak.verbose=1, so every leak the scan finds is
 * printed as "unreferenced object" with its allocation trace, and
 * tools/kunit/run-kunit.sh fails the run on it.
 */

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/kallsyms.h>
#include <linux/slab.h>

#include "mdl_test.h"

/* kmemleak ignores objects younger than five seconds. */
#define MDL_LEAK_MIN_AGE_MS	5500

static void mdl_leak_kmemleak_scan(struct kunit *test)
{
	void (*scan)(void);

	if (!IS_ENABLED(CONFIG_DEBUG_KMEMLEAK))
		kunit_skip(test, "kmemleak is not built in");

	scan = (void (*)(void))kallsyms_lookup_name("kmemleak_scan");
	KUNIT_ASSERT_NOT_NULL_MSG(test, scan, "kmemleak_scan not in kallsyms");

	msleep(MDL_LEAK_MIN_AGE_MS);
	scan();
	KUNIT_SUCCEED(test);
}

static struct kunit_case mdl_leak_cases[] = {
	KUNIT_CASE(mdl_leak_kmemleak_scan),
	{}
};

static struct kunit_suite mdl_leak_suite = {
	.name = "mdl_zz_kmemleak",
	.test_cases = mdl_leak_cases,
};

kunit_test_suite(mdl_leak_suite);
