// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The limits on what ioctl clients may pin.
 *
 * drm-mdl's pages are pinned: they cannot be swapped, reclaimed or
 * migrated, and they are in no process's RSS, so the OOM killer cannot see
 * who holds them and kills bystanders first. Every kernel interface that
 * lets user space pin memory bounds it by default, and so does this one:
 *
 * - max_total_mb bounds what all ioctl clients of all devices hold
 *   together. Its default is half of RAM, the limit TTM puts on the pages
 *   of all its clients (ttm_pages_limit) for the same reason: the other
 *   half stays for the kernel, the page cache and every process that does
 *   not use the GPU.
 * - max_file_mb bounds one client, one open DRM file: by default a quarter
 *   of RAM, half of the total, so that one client cannot take the whole
 *   budget from the others.
 *
 * Going over either is -ENOMEM, as a memory cgroup's limit is, so that
 * callers treat both as "memory cannot be had now"; nothing is allocated.
 *
 * A caller with CAP_IPC_LOCK goes past both, as it goes past
 * RLIMIT_MEMLOCK for mlock(), VFIO, RDMA and io_uring: the kernel already
 * trusts it to pin memory without a limit. Its pages still count in the
 * total, so that the unprivileged clients see what is left. CAP_SYS_ADMIN
 * alone does not exempt: no pinning interface of the kernel asks for it,
 * and an administrator raises the parameters instead.
 *
 * RLIMIT_MEMLOCK itself is not charged: its default of 8 MiB would refuse
 * every real GPU workload, which is why no DRM driver charges it either.
 *
 * The pre-zeroed pool's clean pages count for no client: no client holds
 * them, the pool_max_mb parameter bounds them (at most a quarter of RAM),
 * and the pool's shrinker gives them back under memory pressure.
 *
 * In-kernel callers of drm_mdl_alloc() keep their own limits, as TTM's
 * ttm_pages_limit does for the TTM backend; only the ioctls come here.
 */

#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>

#include <drm/drm_file.h>

#include "mdl_drv.h"

/* The parameters' value until mdl_limits_init() puts the default in. */
#define MDL_LIMIT_DEFAULT	UINT_MAX

unsigned int mdl_max_total_mb = MDL_LIMIT_DEFAULT;
module_param_named(max_total_mb, mdl_max_total_mb, uint, 0644);
MODULE_PARM_DESC(max_total_mb,
		 "Most MiB all ioctl clients together may hold, 0 for no limit; beyond it DRM_IOCTL_MDL_ALLOC fails with ENOMEM unless the caller has CAP_IPC_LOCK (default: half of RAM)");

unsigned int mdl_max_file_mb = MDL_LIMIT_DEFAULT;
module_param_named(max_file_mb, mdl_max_file_mb, uint, 0644);
MODULE_PARM_DESC(max_file_mb,
		 "Most MiB one open file (one client) may hold, 0 for no limit; beyond it DRM_IOCTL_MDL_ALLOC fails with ENOMEM unless the caller has CAP_IPC_LOCK (default: a quarter of RAM)");

/* Pages that ioctl clients hold or are allocating, on every device. */
static atomic_long_t mdl_client_pages = ATOMIC_LONG_INIT(0);

/**
 * mdl_limit_default_total_mb - the default of max_total_mb
 * @ram_mb: MiB of RAM the kernel manages
 *
 * Return: half of @ram_mb, and never 0, which would mean no limit.
 */
unsigned int mdl_limit_default_total_mb(unsigned long ram_mb)
{
	return clamp_t(unsigned long, ram_mb / 2, 1, UINT_MAX - 1);
}

/**
 * mdl_limit_default_file_mb - the default of max_file_mb
 * @ram_mb: MiB of RAM the kernel manages
 *
 * Return: a quarter of @ram_mb, and never 0, which would mean no limit.
 */
unsigned int mdl_limit_default_file_mb(unsigned long ram_mb)
{
	return clamp_t(unsigned long, ram_mb / 4, 1, UINT_MAX - 1);
}

/**
 * mdl_limits_init - put the defaults into the parameters not given at load
 *
 * The defaults depend on the machine, so they are computed here and then
 * show in /sys/module/mdl/parameters as what they are.
 */
void mdl_limits_init(void)
{
	unsigned long ram_mb = totalram_pages() >> (20 - PAGE_SHIFT);

	if (mdl_max_total_mb == MDL_LIMIT_DEFAULT)
		mdl_max_total_mb = mdl_limit_default_total_mb(ram_mb);
	if (mdl_max_file_mb == MDL_LIMIT_DEFAULT)
		mdl_max_file_mb = mdl_limit_default_file_mb(ram_mb);
}

/**
 * mdl_limit_client_pages - pages all ioctl clients hold or are allocating
 *
 * Return: the pages counted against max_total_mb, on every device.
 */
unsigned long mdl_limit_client_pages(void)
{
	return atomic_long_read(&mdl_client_pages);
}

static unsigned long mdl_mb_to_pages(unsigned int mb)
{
	return (unsigned long)mb << (20 - PAGE_SHIFT);
}

static bool mdl_total_reserve(unsigned long pages, bool exempt)
{
	unsigned long limit = mdl_mb_to_pages(READ_ONCE(mdl_max_total_mb));
	long held = atomic_long_read(&mdl_client_pages);

	/* Exact under concurrency: no two requests pass on the same room. */
	do {
		if (!exempt && limit &&
		    (pages > limit || (unsigned long)held > limit - pages))
			return false;
	} while (!atomic_long_try_cmpxchg(&mdl_client_pages, &held,
					  held + pages));

	return true;
}

static bool mdl_file_reserve(struct mdl_device *mdev, struct mdl_file *mfile,
			     u64 bytes, bool exempt)
{
	u64 limit = (u64)READ_ONCE(mdl_max_file_mb) * SZ_1M;
	bool ok = true;

	spin_lock(&mdev->usage_lock);
	if (!exempt && limit &&
	    (bytes > limit || mfile->usage.bytes + mfile->reserved > limit - bytes))
		ok = false;
	else
		mfile->reserved += bytes;
	spin_unlock(&mdev->usage_lock);

	return ok;
}

static int mdl_limit_try_reserve(struct drm_device *drm, struct drm_file *file,
				 u64 bytes, bool exempt)
{
	unsigned long pages = bytes >> PAGE_SHIFT;

	if (!mdl_total_reserve(pages, exempt))
		return -ENOMEM;

	if (!mdl_file_reserve(to_mdl_device(drm), file->driver_priv, bytes,
			      exempt)) {
		atomic_long_sub(pages, &mdl_client_pages);
		return -ENOMEM;
	}

	return 0;
}

/**
 * mdl_limit_reserve - hold an ioctl allocation against the client limits
 * @drm: the device
 * @file: the allocating file
 * @bytes: the allocation's size, page aligned
 *
 * The bytes are reserved before any page is allocated, so that concurrent
 * allocations cannot all pass the checks and overshoot together.
 * mdl_gem_create() turns the reservation into the object's charge, which
 * mdl_limit_release() drops when the object is freed;
 * mdl_limit_unreserve() drops it when the allocation fails before that.
 *
 * Return: 0, or -ENOMEM when @file or all clients together would hold more
 * than their limit and the caller lacks CAP_IPC_LOCK.
 */
int mdl_limit_reserve(struct drm_device *drm, struct drm_file *file, u64 bytes)
{
	int ret;

	ret = mdl_limit_try_reserve(drm, file, bytes, false);
	/*
	 * Like mlock(): the capability is asked for only past a limit, where
	 * the audit record it may leave means something.
	 */
	if (ret == -ENOMEM && capable(CAP_IPC_LOCK))
		ret = mdl_limit_try_reserve(drm, file, bytes, true);

	return ret;
}

/**
 * mdl_limit_unreserve - drop a reservation of mdl_limit_reserve()
 * @drm: the device
 * @file: the file that reserved
 * @bytes: what it reserved
 */
void mdl_limit_unreserve(struct drm_device *drm, struct drm_file *file,
			 u64 bytes)
{
	struct mdl_device *mdev = to_mdl_device(drm);
	struct mdl_file *mfile = file->driver_priv;

	spin_lock(&mdev->usage_lock);
	mfile->reserved -= bytes;
	spin_unlock(&mdev->usage_lock);

	mdl_limit_release(bytes);
}

/**
 * mdl_limit_release - give an object's pages back to the total
 * @bytes: what its allocation reserved, page aligned
 *
 * The file's own share was dropped when the object was uncharged from it
 * (or when the file closed); the total counts the object until it is
 * freed, because its pages stay pinned for as long as a dma-buf or a CPU
 * mapping keeps it alive.
 */
void mdl_limit_release(u64 bytes)
{
	atomic_long_sub(bytes >> PAGE_SHIFT, &mdl_client_pages);
}
