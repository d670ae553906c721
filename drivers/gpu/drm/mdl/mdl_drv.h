/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The DRM side of drm-mdl: the device, its files, its GEM objects, the
 * ioctls, the edu DMA engine and debugfs. The allocation engine itself is
 * declared in mdl_internal.h and knows nothing about DRM.
 */
#ifndef __MDL_DRV_H__
#define __MDL_DRV_H__

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>

#include <drm/drm_device.h>
#include <drm/drm_gem.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_mdl.h>

struct dma_buf;
struct drm_file;
struct drm_minor;
struct mdl_user;

#define MDL_DRIVER_NAME		"mdl"
/* The platform driver's name: its device is DMA-direct, see mdl_drv.c. */
#define MDL_PLATFORM_NAME	"mdl-virt"

/* ---- mdl_edu.c ---- */

/* Size of the edu device's DMA buffer. */
#define MDL_EDU_BUF_SIZE	4096
/*
 * Largest transfer: one byte short of the buffer, because older QEMU
 * (Debian 12 ships 7.2) has an off-by-one in its range check and aborts the
 * whole VM on a transfer that ends exactly at the end of the buffer.
 */
#define MDL_EDU_XFER_MAX	(MDL_EDU_BUF_SIZE - 1)

/**
 * struct mdl_edu - the QEMU edu device's DMA engine
 * @dev: the PCI device, for messages
 * @mmio: BAR0
 * @lock: the engine has one buffer and one set of DMA registers
 */
struct mdl_edu {
	struct device *dev;
	void __iomem *mmio;
	struct mutex lock; /* serializes use of the one buffer */
};

int mdl_edu_init(struct mdl_edu *edu, struct device *dev, void __iomem *mmio);
int mdl_edu_copy(struct mdl_edu *edu, dma_addr_t src, dma_addr_t dst,
		 size_t len);

/* ---- mdl_gem.c ---- */

/**
 * struct mdl_usage - what a set of live allocations holds
 * @allocations: number of GEM objects
 * @pages: pages they describe
 * @bytes: bytes they describe
 */
struct mdl_usage {
	u64 allocations;
	u64 pages;
	u64 bytes;
};

/**
 * struct mdl_device - one drm-mdl device (edu PCI or the virtual platform one)
 * @drm: the DRM device, embedded
 * @edu: the DMA engine; NULL when the device has none
 * @edu_storage: backing store for @edu on the PCI device
 * @usage_lock: protects @total, @orphaned, @objects and every file's usage
 *              and list
 * @total: all live GEM objects of this device
 * @orphaned: the part of @total whose creating file has been closed while
 *            the objects live on through a dma-buf or a mapping
 * @objects: every live GEM object of this device, for mdl_gem_revoke_all()
 */
struct mdl_device {
	struct drm_device drm;
	struct mdl_edu *edu;
	struct mdl_edu edu_storage;
	spinlock_t usage_lock; /* see above */
	struct mdl_usage total;
	struct mdl_usage orphaned;
	struct list_head objects;
};

static inline struct mdl_device *to_mdl_device(struct drm_device *drm)
{
	return container_of(drm, struct mdl_device, drm);
}

/**
 * struct mdl_file - per-open-file state
 * @file: the DRM file
 * @objects: GEM objects this file allocated that are still alive
 * @usage: the sum over @objects
 * @client_id: the file's drm-client-id in fdinfo, where the DRM core does
 *             not number files itself (before 6.5)
 *
 * @objects and @usage are protected by &mdl_device.usage_lock.
 */
struct mdl_file {
	struct drm_file *file;
	struct list_head objects;
	struct mdl_usage usage;
	u64 client_id;
};

/**
 * struct mdl_gem_object - a GEM object wrapping one MDL
 * @base: the GEM object, embedded
 * @mdl: the allocation, owned by the object
 * @owner: the file that allocated it, NULL once that file is closed;
 *         protected by &mdl_device.usage_lock
 * @limit_user: the user @limit_bytes are counted for, with a reference;
 *              NULL for none
 * @limit_bytes: bytes counted against the client limits until the object
 *               is freed (see mdl_limit.c); 0 for none
 * @owner_link: entry in &mdl_file.objects
 * @dev_link: entry in &mdl_device.objects
 * @revoke_link: entry in mdl_gem_revoke_all()'s private list
 * @vmap_lock: protects @vaddr and @vmap_use
 * @vaddr: kernel mapping while @vmap_use > 0
 * @vmap_use: number of vmap users
 */
struct mdl_gem_object {
	struct drm_gem_object base;
	struct drm_mdl *mdl;
	struct mdl_file *owner;
	struct mdl_user *limit_user;
	u64 limit_bytes;
	struct list_head owner_link;
	struct list_head dev_link;
	struct list_head revoke_link;
	struct mutex vmap_lock; /* see above */
	void *vaddr;
	unsigned int vmap_use;
};

static inline struct mdl_gem_object *to_mdl_gem(struct drm_gem_object *obj)
{
	return container_of(obj, struct mdl_gem_object, base);
}

void mdl_device_usage_init(struct mdl_device *mdev);
struct mdl_gem_object *mdl_gem_create(struct drm_device *drm,
				      struct drm_mdl *mdl,
				      struct drm_file *file,
				      struct mdl_user *user, u64 reserved);
struct mdl_gem_object *mdl_gem_from_object(struct drm_gem_object *obj);
struct mdl_gem_object *mdl_gem_lookup(struct drm_file *file, u32 handle);
int mdl_gem_open(struct drm_device *drm, struct drm_file *file);
void mdl_gem_postclose(struct drm_device *drm, struct drm_file *file);
void mdl_gem_revoke_all(struct mdl_device *mdev);
struct drm_gem_object *mdl_gem_prime_import(struct drm_device *drm,
					    struct dma_buf *dma_buf);
unsigned long mdl_gem_get_unmapped_area(struct file *filp, unsigned long addr,
					unsigned long len, unsigned long pgoff,
					unsigned long flags);

/* ---- mdl_ioctl.c ---- */

#define MDL_NUM_IOCTLS		(DRM_MDL_DMA_COPY + 1)

/* Bytes one DRM_IOCTL_MDL_DMA_COPY may move, see mdl_ioctl.c. */
#define MDL_DMA_COPY_MAX_BYTES	SZ_64K

extern const struct drm_ioctl_desc mdl_ioctls[MDL_NUM_IOCTLS];

/* ---- mdl_limit.c ---- */

/* The module parameters, in MiB; 0 for no limit. */
extern unsigned int mdl_max_total_mb;
extern unsigned int mdl_max_user_mb;

unsigned int mdl_limit_default_total_mb(unsigned long ram_mb);
unsigned int mdl_limit_default_user_mb(unsigned long ram_mb);
void mdl_limits_init(void);
void mdl_limits_exit(void);
unsigned long mdl_limit_client_pages(void);
unsigned long mdl_limit_user_pages(kuid_t uid);
unsigned long mdl_limit_user_count(void);
int mdl_limit_reserve(u64 bytes, struct mdl_user **userp);
void mdl_limit_release(struct mdl_user *user, u64 bytes);

/* ---- mdl_fdinfo.c ---- */

struct drm_printer;
struct file;
struct seq_file;

void mdl_fdinfo_print_memory(struct drm_printer *p, struct drm_file *file);
void mdl_fdinfo_show(struct seq_file *m, struct file *f);
void mdl_fdinfo_number_client(struct mdl_file *mfile);

/* ---- mdl_debugfs.c ---- */

void mdl_debugfs_init(struct drm_minor *minor);

#endif /* __MDL_DRV_H__ */
