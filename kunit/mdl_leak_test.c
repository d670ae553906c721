// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Runs last (it is linked last): asks kmemleak for a scan once every other
 * suite is done and fails on any leak whose allocation trace passes through
 * drm-mdl. UML has no user space to write "scan" to debugfs, so the test
 * mounts debugfs privately and does it from the kernel.
 */

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "mdl_test.h"

#define MDL_LEAK_REPORT_SIZE	SZ_64K
/* kmemleak ignores objects younger than five seconds. */
#define MDL_LEAK_MIN_AGE_MS	5500

static void mdl_leak_report_check(struct kunit *test, char *report)
{
	char *object = report, *next;

	/* Each leak starts with "unreferenced object"; check each on its own. */
	while (object && (object = strstr(object, "unreferenced object"))) {
		next = strstr(object + 1, "unreferenced object");
		if (next)
			next[-1] = '\0';
		if (strstr(object, "mdl_"))
			KUNIT_FAIL(test, "kmemleak: %s", object);
		object = next;
	}
}

static void mdl_leak_kmemleak_scan(struct kunit *test)
{
	struct file_system_type *type;
	struct vfsmount *mnt;
	struct file *file;
	loff_t pos = 0;
	ssize_t len;
	char *report;

	if (!IS_ENABLED(CONFIG_DEBUG_KMEMLEAK))
		kunit_skip(test, "kmemleak is not built in");

	type = get_fs_type("debugfs");
	KUNIT_ASSERT_NOT_NULL(test, type);
	mnt = vfs_kern_mount(type, 0, "debugfs", NULL);
	put_filesystem(type);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mnt);

	file = file_open_root_mnt(mnt, "kmemleak", O_RDWR, 0);
	if (IS_ERR(file)) {
		kern_unmount(mnt);
		KUNIT_FAIL(test, "cannot open kmemleak: %ld", PTR_ERR(file));
		return;
	}

	msleep(MDL_LEAK_MIN_AGE_MS);
	len = kernel_write(file, "scan", 4, &pos);
	KUNIT_EXPECT_EQ_MSG(test, len, 4L, "kmemleak scan refused (disabled?)");

	report = kvzalloc(MDL_LEAK_REPORT_SIZE, GFP_KERNEL);
	if (report) {
		pos = 0;
		len = kernel_read(file, report, MDL_LEAK_REPORT_SIZE - 1, &pos);
		KUNIT_EXPECT_GE(test, len, 0L);
		if (len > 0)
			mdl_leak_report_check(test, report);
		kvfree(report);
	}
	fput(file);
	kern_unmount(mnt);
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
