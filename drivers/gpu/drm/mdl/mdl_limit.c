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
 * - max_user_mb bounds one user, one uid: by default a quarter of RAM,
 *   half of the total, so that one user cannot take the whole budget from
 *   the others. It is per user, not per open file, for the reason
 *   RLIMIT_MEMLOCK is counted in the user's user_struct (locked_vm) and
 *   not per process: a per-file bound is no bound, since a user opens the
 *   node again, or exports a dma-buf and closes the file, and goes on.
 *   So the user is the caller's kuid (current_uid(), the real uid, as for
 *   user_struct), the same in every user namespace, and it counts every
 *   file of the user and every dma-buf it exported: an object is charged
 *   from its reservation until it is freed, not until its file closes,
 *   because its pages stay pinned as long as a dma-buf or a CPU mapping
 *   keeps it alive.
 *
 * Going over either is -ENOMEM, as a memory cgroup's limit is, so that
 * callers treat both as "memory cannot be had now"; nothing is allocated.
 *
 * A caller with CAP_IPC_LOCK goes past both, as it goes past
 * RLIMIT_MEMLOCK for mlock(), VFIO, RDMA and io_uring: the kernel already
 * trusts it to pin memory without a limit. Its pages still count in the
 * total and in its user's count, so that the unprivileged clients see
 * what is left. CAP_SYS_ADMIN alone does not exempt: no pinning interface
 * of the kernel asks for it, and an administrator raises the parameters
 * instead.
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
 *
 * Each user that holds or is allocating anything has a struct mdl_user,
 * found by kuid in an xarray: every reservation in progress and every
 * charged object holds a reference to it, and the last one to go frees
 * it, so an idle user (and an unloaded module) has none.
 */

#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>

#include "mdl_compat.h"
#include "mdl_drv.h"

/* The parameters' value until mdl_limits_init() puts the default in. */
#define MDL_LIMIT_DEFAULT	UINT_MAX

unsigned int mdl_max_total_mb = MDL_LIMIT_DEFAULT;
module_param_named(max_total_mb, mdl_max_total_mb, uint, 0644);
MODULE_PARM_DESC(max_total_mb,
		 "Most MiB all ioctl clients together may hold, 0 for no limit; beyond it DRM_IOCTL_MDL_ALLOC fails with ENOMEM unless the caller has CAP_IPC_LOCK (default: half of RAM)");

unsigned int mdl_max_user_mb = MDL_LIMIT_DEFAULT;
module_param_named(max_user_mb, mdl_max_user_mb, uint, 0644);
MODULE_PARM_DESC(max_user_mb,
		 "Most MiB one user (uid) may hold through all its files and the dma-bufs it exported, until the pages are freed, 0 for no limit; beyond it DRM_IOCTL_MDL_ALLOC fails with ENOMEM unless the caller has CAP_IPC_LOCK (default: a quarter of RAM)");

/* Pages that ioctl clients hold or are allocating, on every device. */
static atomic_long_t mdl_client_pages = ATOMIC_LONG_INIT(0);

/**
 * struct mdl_user - what one user holds, against max_user_mb
 * @uid: the user
 * @ref: one per reservation in progress and per charged object; the
 *       record leaves &mdl_users with the last, under its lock
 * @pages: pages the user holds or is allocating, on every device
 */
struct mdl_user {
	kuid_t uid;
	refcount_t ref;
	atomic_long_t pages;
};

/* The users with a reference, by __kuid_val(); its lock orders lookups and frees. */
static DEFINE_XARRAY(mdl_users);

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
 * mdl_limit_default_user_mb - the default of max_user_mb
 * @ram_mb: MiB of RAM the kernel manages
 *
 * Return: a quarter of @ram_mb, and never 0, which would mean no limit.
 */
unsigned int mdl_limit_default_user_mb(unsigned long ram_mb)
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
	if (mdl_max_user_mb == MDL_LIMIT_DEFAULT)
		mdl_max_user_mb = mdl_limit_default_user_mb(ram_mb);
}

/**
 * mdl_limits_exit - check at module exit that no user record is left
 *
 * Every object is gone with its devices, and each dropped its user's
 * reference when it was freed, so no record is left; a leaked reference
 * shows here instead of as a kmemleak report.
 */
void mdl_limits_exit(void)
{
	WARN_ON(!xa_empty(&mdl_users));
	xa_destroy(&mdl_users);
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

/**
 * mdl_limit_user_pages - pages one user holds or is allocating
 * @uid: the user
 *
 * Return: the pages counted against max_user_mb for @uid, 0 when it has
 * no record.
 */
unsigned long mdl_limit_user_pages(kuid_t uid)
{
	struct mdl_user *user;
	unsigned long pages = 0;

	xa_lock(&mdl_users);
	user = xa_load(&mdl_users, __kuid_val(uid));
	if (user)
		pages = atomic_long_read(&user->pages);
	xa_unlock(&mdl_users);

	return pages;
}

/**
 * mdl_limit_user_count - the users that have a record
 *
 * Return: how many users hold or are allocating something; 0 when idle.
 */
unsigned long mdl_limit_user_count(void)
{
	struct mdl_user *user;
	unsigned long index, count = 0;

	xa_lock(&mdl_users);
	xa_for_each(&mdl_users, index, user)
		count++;
	xa_unlock(&mdl_users);

	return count;
}

/*
 * A user's record with a new reference, created if it has none. A record
 * in the xarray always has a reference: the last put takes it out under
 * the same lock (refcount_dec_and_lock()) before anyone can find it.
 */
static struct mdl_user *mdl_user_get(kuid_t uid)
{
	unsigned long index = __kuid_val(uid);
	struct mdl_user *user, *new;

	xa_lock(&mdl_users);
	user = xa_load(&mdl_users, index);
	if (user)
		refcount_inc(&user->ref);
	xa_unlock(&mdl_users);
	if (user)
		return user;

	new = kzalloc_obj(*new, GFP_KERNEL);
	if (!new)
		return NULL;
	new->uid = uid;
	refcount_set(&new->ref, 1);
	atomic_long_set(&new->pages, 0);

	/* May drop the lock to allocate; the compare is made again after. */
	xa_lock(&mdl_users);
	user = __xa_cmpxchg(&mdl_users, index, NULL, new, GFP_KERNEL);
	if (user && !xa_is_err(user))
		refcount_inc(&user->ref);
	xa_unlock(&mdl_users);

	if (!user)
		return new;
	kfree(new);
	return xa_is_err(user) ? NULL : user;
}

static void mdl_user_put(struct mdl_user *user)
{
	bool last;

	/*
	 * Under the lock lookups take their reference in, so that none finds
	 * a record on its way out. Once per object freed, not per page.
	 */
	xa_lock(&mdl_users);
	last = refcount_dec_and_test(&user->ref);
	if (last)
		__xa_erase(&mdl_users, __kuid_val(user->uid));
	xa_unlock(&mdl_users);
	if (!last)
		return;

	WARN_ON(atomic_long_read(&user->pages));
	kfree(user);
}

static unsigned long mdl_mb_to_pages(unsigned int mb)
{
	return (unsigned long)mb << (20 - PAGE_SHIFT);
}

/* Exact under concurrency: no two requests pass on the same room. */
static bool mdl_pages_reserve(atomic_long_t *counter, unsigned int limit_mb,
			      unsigned long pages, bool exempt)
{
	unsigned long limit = mdl_mb_to_pages(limit_mb);
	long held = atomic_long_read(counter);

	do {
		if (!exempt && limit &&
		    (pages > limit || (unsigned long)held > limit - pages))
			return false;
	} while (!atomic_long_try_cmpxchg(counter, &held, held + pages));

	return true;
}

static int mdl_limit_try_reserve(struct mdl_user *user, unsigned long pages,
				 bool exempt)
{
	if (!mdl_pages_reserve(&mdl_client_pages, READ_ONCE(mdl_max_total_mb),
			       pages, exempt))
		return -ENOMEM;

	if (!mdl_pages_reserve(&user->pages, READ_ONCE(mdl_max_user_mb), pages,
			       exempt)) {
		atomic_long_sub(pages, &mdl_client_pages);
		return -ENOMEM;
	}

	return 0;
}

/**
 * mdl_limit_reserve - hold an ioctl allocation against the client limits
 * @bytes: the allocation's size, page aligned
 * @userp: where the calling user's record goes, with a reference
 *
 * The bytes are reserved for the caller's user (current_uid()) before any
 * page is allocated, so that concurrent allocations cannot all pass the
 * checks and overshoot together. mdl_gem_create() turns the reservation
 * into the object's charge, which mdl_limit_release() drops when the
 * object is freed; mdl_limit_release() drops it also when the allocation
 * fails before that.
 *
 * Return: 0, or -ENOMEM when the user or all clients together would hold
 * more than their limit and the caller lacks CAP_IPC_LOCK, or when the
 * user's record cannot be had; then nothing is reserved.
 */
int mdl_limit_reserve(u64 bytes, struct mdl_user **userp)
{
	unsigned long pages = bytes >> PAGE_SHIFT;
	struct mdl_user *user;
	int ret;

	user = mdl_user_get(current_uid());
	if (!user)
		return -ENOMEM;

	ret = mdl_limit_try_reserve(user, pages, false);
	/*
	 * Like mlock(): the capability is asked for only past a limit, where
	 * the audit record it may leave means something.
	 */
	if (ret == -ENOMEM && capable(CAP_IPC_LOCK))
		ret = mdl_limit_try_reserve(user, pages, true);
	if (ret) {
		mdl_user_put(user);
		return ret;
	}

	*userp = user;
	return 0;
}

/**
 * mdl_limit_release - drop a reservation or an object's charge
 * @user: the user mdl_limit_reserve() gave, whose reference this drops;
 *        NULL for none
 * @bytes: what it reserved, page aligned
 *
 * For an object this comes when it is freed, not when its file closes:
 * its pages stay pinned for as long as a dma-buf or a CPU mapping keeps
 * it alive, and they count in the total and for its user until then.
 */
void mdl_limit_release(struct mdl_user *user, u64 bytes)
{
	unsigned long pages = bytes >> PAGE_SHIFT;

	if (!user)
		return;
	atomic_long_sub(pages, &user->pages);
	atomic_long_sub(pages, &mdl_client_pages);
	mdl_user_put(user);
}
