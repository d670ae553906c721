// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * debugfs accounting, in the DRM minor's directory:
 *
 * mdl_clients: one line per open file of the device, then one for the
 * allocations that outlived the file that made them (kept alive by a
 * dma-buf or a CPU mapping):
 *
 *   client pid=<pid> comm=<comm> handles=<n> allocations=<n> pages=<n> bytes=<n> id=<n>
 *   orphaned allocations=<n> pages=<n> bytes=<n>
 *
 * id is the file's drm-client-id in /proc/PID/fdinfo.
 *
 * handles counts every GEM handle of the file, including imported ones;
 * allocations, pages and bytes count the live objects the file allocated.
 *
 * mdl_totals: the device's live allocations, then the pages the allocation
 * engine holds for all devices and in-kernel users together, then the
 * pages all ioctl clients of all devices hold against max_total_mb:
 *
 *   allocations: <n>
 *   pages: <n>
 *   bytes: <n>
 *   engine_pages: <n>
 *   client_pages: <n>
 */

#include <linux/idr.h>
#include <linux/kernel.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/seq_file.h>

#include <drm/drm_debugfs.h>
#include <drm/drm_device.h>
#include <drm/drm_file.h>

#include "mdl_drv.h"
#include "mdl_internal.h"

static int mdl_count_handle(int id, void *ptr, void *data)
{
	unsigned int *handles = data;

	/* NULL marks a handle that is being created or deleted. */
	if (ptr)
		(*handles)++;
	return 0;
}

static int mdl_debugfs_clients(struct seq_file *m, void *data)
{
	struct drm_info_node *node = m->private;
	struct drm_device *drm = node->minor->dev;
	struct mdl_device *mdev = to_mdl_device(drm);
	struct mdl_usage usage;
	struct drm_file *file;

	mutex_lock(&drm->filelist_mutex);
	/* filelist is youngest first; list clients in the order they came. */
	list_for_each_entry_reverse(file, &drm->filelist, lhead) {
		struct mdl_file *mfile = file->driver_priv;
		u64 id = mfile ? mfile->client_id : 0;
		unsigned int handles = 0;
		struct task_struct *task;
		char comm[TASK_COMM_LEN];
		struct pid *pid;
		pid_t nr;

		spin_lock(&file->table_lock);
		idr_for_each(&file->object_idr, mdl_count_handle, &handles);
		spin_unlock(&file->table_lock);

		memset(&usage, 0, sizeof(usage));
		spin_lock(&mdev->usage_lock);
		if (mfile)
			usage = mfile->usage;
		spin_unlock(&mdev->usage_lock);

		rcu_read_lock();
		pid = mdl_drm_file_pid(file);
		task = pid_task(pid, PIDTYPE_PID);
		strscpy(comm, task ? task->comm : "<unknown>", sizeof(comm));
		nr = pid_vnr(pid);
		rcu_read_unlock();

		seq_printf(m, "client pid=%d comm=%s handles=%u allocations=%llu pages=%llu bytes=%llu id=%llu\n",
			   nr, comm, handles,
			   usage.allocations, usage.pages, usage.bytes, id);
	}
	mutex_unlock(&drm->filelist_mutex);

	spin_lock(&mdev->usage_lock);
	usage = mdev->orphaned;
	spin_unlock(&mdev->usage_lock);

	seq_printf(m, "orphaned allocations=%llu pages=%llu bytes=%llu\n",
		   usage.allocations, usage.pages, usage.bytes);

	return 0;
}

static int mdl_debugfs_totals(struct seq_file *m, void *data)
{
	struct drm_info_node *node = m->private;
	struct mdl_device *mdev = to_mdl_device(node->minor->dev);
	struct mdl_usage usage;

	spin_lock(&mdev->usage_lock);
	usage = mdev->total;
	spin_unlock(&mdev->usage_lock);

	seq_printf(m, "allocations: %llu\n", usage.allocations);
	seq_printf(m, "pages: %llu\n", usage.pages);
	seq_printf(m, "bytes: %llu\n", usage.bytes);
	seq_printf(m, "engine_pages: %ld\n", mdl_pages_in_use());
	seq_printf(m, "client_pages: %lu\n", mdl_limit_client_pages());

	return 0;
}

static const struct drm_info_list mdl_debugfs_list[] = {
	{ "mdl_clients", mdl_debugfs_clients, 0 },
	{ "mdl_totals", mdl_debugfs_totals, 0 },
};

/**
 * mdl_debugfs_init - &drm_driver.debugfs_init: add the accounting files
 * @minor: the DRM minor whose debugfs directory receives them
 */
void mdl_debugfs_init(struct drm_minor *minor)
{
	drm_debugfs_create_files(mdl_debugfs_list,
				 ARRAY_SIZE(mdl_debugfs_list),
				 minor->debugfs_root, minor);
}
