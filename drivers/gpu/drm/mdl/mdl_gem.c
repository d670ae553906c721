// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * GEM objects wrapping an MDL.
 *
 * The pages belong to the MDL, not to shmem: they were picked for their
 * physical addresses and are already mapped on the device, so the object is
 * a private GEM object that only borrows them. CPU mappings are PFN maps
 * with the allocation's cache type, which is what the pages' linear mapping
 * was switched to; mixing attributes would be undefined on x86 (PAT).
 */

#include <linux/dma-buf.h>
#include <linux/iosys-map.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_prime.h>
#include <drm/drm_print.h>
#include <drm/drm_vma_manager.h>

#include "mdl_drv.h"
#include "mdl_internal.h"

static void mdl_usage_add(struct mdl_usage *usage, const struct drm_mdl *mdl)
{
	usage->allocations++;
	usage->pages += mdl->page_count;
	usage->bytes += mdl->byte_count;
}

/* By value: the object is uncharged after its MDL is already freed. */
static void mdl_usage_sub(struct mdl_usage *usage, u64 pages, u64 bytes)
{
	usage->allocations--;
	usage->pages -= pages;
	usage->bytes -= bytes;
}

/**
 * mdl_device_usage_init - prepare the accounting of a new device
 * @mdev: the device
 */
void mdl_device_usage_init(struct mdl_device *mdev)
{
	spin_lock_init(&mdev->usage_lock);
	memset(&mdev->total, 0, sizeof(mdev->total));
	memset(&mdev->orphaned, 0, sizeof(mdev->orphaned));
	INIT_LIST_HEAD(&mdev->objects);
}

static void mdl_gem_charge(struct mdl_device *mdev, struct mdl_gem_object *mobj,
			   struct mdl_file *mfile)
{
	spin_lock(&mdev->usage_lock);
	mdl_usage_add(&mdev->total, mobj->mdl);
	list_add_tail(&mobj->dev_link, &mdev->objects);
	if (mfile) {
		mobj->owner = mfile;
		list_add_tail(&mobj->owner_link, &mfile->objects);
		mdl_usage_add(&mfile->usage, mobj->mdl);
	} else {
		mdl_usage_add(&mdev->orphaned, mobj->mdl);
	}
	spin_unlock(&mdev->usage_lock);
}

static void mdl_gem_uncharge(struct mdl_device *mdev,
			     struct mdl_gem_object *mobj, u64 pages, u64 bytes)
{
	spin_lock(&mdev->usage_lock);
	mdl_usage_sub(&mdev->total, pages, bytes);
	list_del(&mobj->dev_link);
	if (mobj->owner) {
		list_del_init(&mobj->owner_link);
		mdl_usage_sub(&mobj->owner->usage, pages, bytes);
		mobj->owner = NULL;
	} else {
		mdl_usage_sub(&mdev->orphaned, pages, bytes);
	}
	spin_unlock(&mdev->usage_lock);
}

static void mdl_gem_free(struct drm_gem_object *obj)
{
	struct mdl_gem_object *mobj = to_mdl_gem(obj);
	u64 pages = mobj->mdl->page_count;
	u64 bytes = mobj->mdl->byte_count;

	drm_WARN_ON(obj->dev, mobj->vmap_use);

	drm_gem_object_release(obj);
	drm_mdl_free(mobj->mdl);
	/* Only now, so the totals never show less than is really held. */
	mdl_gem_uncharge(to_mdl_device(obj->dev), mobj, pages, bytes);
	/* The user's too: its count follows the pages, not the file. */
	mdl_limit_release(mobj->limit_user, mobj->limit_bytes);
	mutex_destroy(&mobj->vmap_lock);
	kfree(mobj);
}

/* vmap() of every page; the array it wants lives only for the call. */
static void *mdl_gem_vmap_pages(const struct drm_mdl *mdl)
{
	struct page **pages;
	void *vaddr;

	if (mdl_fault_should_fail(MDL_FAULT_VMAP))
		return NULL;
	pages = kvmalloc_array(mdl->page_count, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return NULL;
	drm_mdl_get_pages(mdl, 0, mdl->page_count, pages);
	vaddr = vmap(pages, mdl->page_count, VM_MAP,
		     mdl_cache_pgprot(mdl->cache_type, PAGE_KERNEL));
	kvfree(pages);
	return vaddr;
}

static int mdl_gem_vmap(struct drm_gem_object *obj, struct iosys_map *map)
{
	struct mdl_gem_object *mobj = to_mdl_gem(obj);
	struct drm_mdl *mdl = mobj->mdl;
	int ret = 0;

	mutex_lock(&mobj->vmap_lock);
	if (!mobj->vmap_use) {
		mobj->vaddr = mdl_gem_vmap_pages(mdl);
		if (!mobj->vaddr)
			ret = -ENOMEM;
	}
	if (!ret) {
		mobj->vmap_use++;
		iosys_map_set_vaddr(map, mobj->vaddr);
	}
	mutex_unlock(&mobj->vmap_lock);

	return ret;
}

static void mdl_gem_vunmap(struct drm_gem_object *obj, struct iosys_map *map)
{
	struct mdl_gem_object *mobj = to_mdl_gem(obj);

	mutex_lock(&mobj->vmap_lock);
	if (!drm_WARN_ON(obj->dev, !mobj->vmap_use ||
			 map->vaddr != mobj->vaddr)) {
		if (!--mobj->vmap_use) {
			vunmap(mobj->vaddr);
			mobj->vaddr = NULL;
		}
	}
	mutex_unlock(&mobj->vmap_lock);
}

/*
 * Pages a fault maps at once, as TTM's TTM_BO_VM_NUM_PREFAULT: one lookup in
 * the runs and one fault for every 16 pages of a sequential touch.
 */
#define MDL_GEM_FAULT_PAGES	16UL

static vm_fault_t mdl_gem_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mdl_gem_object *mobj = to_mdl_gem(vma->vm_private_data);
	/* Written by drm_mdl_get_pfns() before it is read: not zeroed. */
	unsigned long pfns[MDL_GEM_FAULT_PAGES] __uninitialized;
	unsigned long address = vmf->address;
	unsigned long offset, count, i;
	vm_fault_t ret;

	offset = (address - vma->vm_start) >> PAGE_SHIFT;
	/*
	 * Not past the end of the mapping, nor past the 2 MiB block of the
	 * page touched: the next block may be mapped by one PMD already
	 * (mdl_gem_huge_fault()), and PTEs cannot go under it.
	 */
	count = min3(MDL_GEM_FAULT_PAGES, vma_pages(vma) - offset,
		     (ALIGN(address + 1, PMD_SIZE) - address) >> PAGE_SHIFT);
	/* vm_pgoff was made relative to the object in mdl_gem_mmap(). */
	count = drm_mdl_get_pfns(mobj->mdl, vma->vm_pgoff + offset, count,
				 pfns);
	if (!count)
		return VM_FAULT_SIGBUS;

	ret = vmf_insert_pfn(vma, address, pfns[0]);
	if (ret != VM_FAULT_NOPAGE)
		return ret;
	/*
	 * The rest are a guess: a page another thread mapped first, or one
	 * that cannot be mapped now, ends the guess, not the fault.
	 */
	for (i = 1; i < count; i++) {
		address += PAGE_SIZE;
		if (vmf_insert_pfn(vma, address, pfns[i]) != VM_FAULT_NOPAGE)
			break;
	}
	return VM_FAULT_NOPAGE;
}

/*
 * A 2 MiB-aligned part of the mapping over 512 consecutive, 2 MiB-aligned
 * frames takes one PMD: one fault and one TLB entry instead of 32 faults
 * and 512 entries. Anything else falls back to mdl_gem_fault().
 */
static vm_fault_t __maybe_unused mdl_gem_huge_fault(struct vm_fault *vmf,
						    unsigned int order)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mdl_gem_object *mobj = to_mdl_gem(vma->vm_private_data);
	unsigned long address = vmf->address & ~((PAGE_SIZE << order) - 1);
	unsigned long pfn;

	if (order != MDL_PMD_ORDER || address < vma->vm_start ||
	    address + (PAGE_SIZE << order) > vma->vm_end)
		return VM_FAULT_FALLBACK;
	if (!mdl_contiguous_pfn(mobj->mdl, vma->vm_pgoff +
				((address - vma->vm_start) >> PAGE_SHIFT),
				1UL << order, &pfn) ||
	    !IS_ALIGNED(pfn, 1UL << order))
		return VM_FAULT_FALLBACK;
	return mdl_vmf_insert_pfn_pmd(vmf, pfn,
				      vmf->flags & FAULT_FLAG_WRITE);
}

static const struct vm_operations_struct mdl_gem_vm_ops = {
	.fault = mdl_gem_fault,
	MDL_VM_OPS_HUGE_FAULT(mdl_gem_huge_fault)
	.open = drm_gem_vm_open,
	.close = drm_gem_vm_close,
};

/*
 * Reached from mmap() on the DRM file (drm_gem_mmap) and on an exported
 * dma-buf, also when an importer such as vgem forwards its own mmap
 * (drm_gem_prime_mmap). Both paths pass vm_pgoff with our fake offset added.
 */
static int mdl_gem_mmap(struct drm_gem_object *obj, struct vm_area_struct *vma)
{
	struct drm_mdl *mdl = to_mdl_gem(obj)->mdl;

	/* A private writable PFN map would need COW of pages we do not own. */
	if (vma_is_cow_mapping(vma))
		return -EINVAL;

	vma->vm_pgoff -= drm_vma_node_start(&obj->vma_node);
	if (vma->vm_pgoff + vma_pages(vma) > mdl->page_count)
		return -EINVAL;

	vm_flags_set(vma, VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP | VM_IO);
	vma->vm_page_prot = mdl_cache_pgprot(mdl->cache_type,
					     vm_get_page_prot(vma->vm_flags));

	return 0;
}

/**
 * mdl_gem_get_unmapped_area - where mmap() on the DRM file puts a mapping
 * @filp: the DRM file
 * @addr: the caller's hint
 * @len: length of the mapping
 * @pgoff: the object's fake offset plus the offset into it, in pages
 * @flags: the mmap() flags
 *
 * Puts the mapping where an offset into the object that is a multiple of
 * 2 MiB lands on a 2 MiB-aligned address, so that mdl_gem_huge_fault() can
 * map 2 MiB runs: what THP does for files. The fake offset itself is only
 * page-aligned, so the alignment is that of the offset into the object.
 *
 * Return: the address, or a negative error code.
 */
unsigned long mdl_gem_get_unmapped_area(struct file *filp, unsigned long addr,
					unsigned long len, unsigned long pgoff,
					unsigned long flags)
{
	struct drm_file *file = filp->private_data;
	struct drm_vma_offset_manager *mgr = file->minor->dev->vma_offset_manager;
	struct drm_vma_offset_node *node;

	/* A lookup that fails leaves mmap() to fail in drm_gem_mmap(). */
	drm_vma_offset_lock_lookup(mgr);
	node = drm_vma_offset_lookup_locked(mgr, pgoff, len >> PAGE_SHIFT);
	if (node)
		pgoff -= drm_vma_node_start(node);
	drm_vma_offset_unlock_lookup(mgr);

	return mdl_thp_get_unmapped_area(filp, addr, len, pgoff, flags);
}

/*
 * Each importer maps a table of its own on its own device; the MDL's own
 * mapping is on ours and has no table to hand out. The table is cut at
 * the importer's segment limit, not ours: drm_gem_map_dma_buf() builds it
 * for the exporting device, and an importer without dma_parms, such as
 * vgem, takes 64 KiB segments only (DMA-API debugging reports the longer
 * ones).
 */
static struct sg_table *mdl_gem_map_dma_buf(struct dma_buf_attachment *attach,
					    enum dma_data_direction dir)
{
	struct drm_mdl *mdl = to_mdl_gem(attach->dmabuf->priv)->mdl;
	struct sg_table *sgt;
	int ret;

	/* An importer would work on bounce slots, as our own device would. */
	if (mdl_dma_bounces(attach->dev))
		return ERR_PTR(-ENXIO);
	sgt = kzalloc_obj(*sgt, GFP_KERNEL);
	if (!sgt)
		return ERR_PTR(-ENOMEM);
	ret = drm_mdl_get_sg_table(attach->dev, sgt, mdl, GFP_KERNEL);
	if (ret)
		goto free;
	ret = dma_map_sgtable(attach->dev, sgt, dir, DMA_ATTR_SKIP_CPU_SYNC);
	if (ret)
		goto free_table;
	return sgt;

free_table:
	sg_free_table(sgt);
free:
	kfree(sgt);
	return ERR_PTR(ret);
}

/* drm_gem_prime_export()'s operations, but for the table each importer gets. */
static const struct dma_buf_ops mdl_dmabuf_ops = {
	MDL_DMA_BUF_CACHE_SGT_MAPPING
	.attach = drm_gem_map_attach,
	.detach = drm_gem_map_detach,
	.map_dma_buf = mdl_gem_map_dma_buf,
	.unmap_dma_buf = drm_gem_unmap_dma_buf,
	.release = drm_gem_dmabuf_release,
	.mmap = drm_gem_dmabuf_mmap,
	.vmap = drm_gem_dmabuf_vmap,
	.vunmap = drm_gem_dmabuf_vunmap,
};

static struct dma_buf *mdl_gem_prime_export(struct drm_gem_object *obj,
					    int flags)
{
	struct dma_buf_export_info exp_info = {
		.exp_name = KBUILD_MODNAME,
		.owner = obj->dev->driver->fops->owner,
		.ops = &mdl_dmabuf_ops,
		.size = obj->size,
		.flags = flags,
		.priv = obj,
		.resv = obj->resv,
	};

	if (mdl_fault_should_fail(MDL_FAULT_EXPORT))
		return ERR_PTR(-ENOMEM);

	return drm_gem_dmabuf_export(obj->dev, &exp_info);
}

/**
 * mdl_gem_prime_import - import a dma-buf: our own objects only
 * @drm: the importing device
 * @dma_buf: the buffer
 *
 * drm_gem_prime_import() recognises self-imports by drm_gem_prime_export()'s
 * operations, which our buffers no longer carry; this does the same for
 * ours. Foreign buffers, and ours from another mdl device, still go to
 * drm_gem_prime_import(), which refuses them: without
 * gem_prime_import_sg_table their pages would not follow our rules.
 *
 * Return: the object with a new reference, or an ERR_PTR().
 */
struct drm_gem_object *mdl_gem_prime_import(struct drm_device *drm,
					    struct dma_buf *dma_buf)
{
	struct drm_gem_object *obj = dma_buf->priv;

	if (dma_buf->ops == &mdl_dmabuf_ops && obj->dev == drm) {
		drm_gem_object_get(obj);
		return obj;
	}
	return drm_gem_prime_import(drm, dma_buf);
}

static const struct drm_gem_object_funcs mdl_gem_funcs = {
	.free = mdl_gem_free,
	.export = mdl_gem_prime_export,
	.vmap = mdl_gem_vmap,
	.vunmap = mdl_gem_vunmap,
	.mmap = mdl_gem_mmap,
	.vm_ops = &mdl_gem_vm_ops,
};

/**
 * mdl_gem_create - wrap an MDL in a GEM object
 * @drm: the device @mdl is mapped on
 * @mdl: the allocation; the object takes it over, also on failure
 * @file: the allocating file, charged in debugfs; may be NULL
 * @user: the user mdl_limit_reserve() reserved @reserved for, NULL if none;
 *        its reference is taken over with the reservation
 * @reserved: bytes reserved for @mdl with mdl_limit_reserve(), taken
 *            over by the object's charge (or dropped on failure); 0 if none
 *
 * Return: the object with one reference, or ERR_PTR(-ENOMEM) after @mdl
 * has been freed.
 */
struct mdl_gem_object *mdl_gem_create(struct drm_device *drm,
				      struct drm_mdl *mdl,
				      struct drm_file *file,
				      struct mdl_user *user, u64 reserved)
{
	struct mdl_gem_object *mobj;

	mobj = mdl_fault_should_fail(MDL_FAULT_GEM_INIT) ? NULL :
	       kzalloc(sizeof(*mobj), GFP_KERNEL_ACCOUNT);
	if (!mobj) {
		drm_mdl_free(mdl);
		mdl_limit_release(user, reserved);
		return ERR_PTR(-ENOMEM);
	}

	mobj->base.funcs = &mdl_gem_funcs;
	drm_gem_private_object_init(drm, &mobj->base, mdl->byte_count);
	mobj->mdl = mdl;
	mutex_init(&mobj->vmap_lock);
	INIT_LIST_HEAD(&mobj->owner_link);
	/* The reservation becomes the charge: the limits see it throughout. */
	mobj->limit_user = user;
	mobj->limit_bytes = reserved;
	mdl_gem_charge(to_mdl_device(drm), mobj, file ? file->driver_priv : NULL);

	return mobj;
}

/**
 * mdl_gem_from_object - one of our GEM objects, or nothing
 * @obj: any GEM object on one of our devices
 *
 * Return: the object, or NULL when it is not drm-mdl's.
 */
struct mdl_gem_object *mdl_gem_from_object(struct drm_gem_object *obj)
{
	/* Foreign imports are refused, but do not bet memory safety on it. */
	return obj->funcs == &mdl_gem_funcs ? to_mdl_gem(obj) : NULL;
}

/**
 * mdl_gem_lookup - look up one of our GEM objects by handle
 * @file: the DRM file the handle belongs to
 * @handle: the handle
 *
 * Return: the object with a reference the caller must drop with
 * drm_gem_object_put(), or NULL when @file has no such handle.
 */
struct mdl_gem_object *mdl_gem_lookup(struct drm_file *file, u32 handle)
{
	struct drm_gem_object *obj;
	struct mdl_gem_object *mobj;

	obj = drm_gem_object_lookup(file, handle);
	if (!obj)
		return NULL;

	mobj = mdl_gem_from_object(obj);
	if (!mobj)
		drm_gem_object_put(obj);

	return mobj;
}

/**
 * mdl_gem_revoke_all - take every object's pages off an unplugged device
 * @mdev: the device, after drm_dev_unplug()
 *
 * Objects outlive their device through dma-bufs, CPU mappings and open
 * files, but their DMA mappings on it must not outlive the driver's
 * binding: once remove() returns, the IOMMU lets go of the device, and an
 * unmap through it later would reach whatever DMA ops it has then. So the
 * mappings go now; the pages stay, still mapped for the CPU and for
 * importers (which map their own copies), until the last user lets go.
 * drm_dev_unplug() has waited for every ioctl that reads the mappings.
 */
void mdl_gem_revoke_all(struct mdl_device *mdev)
{
	struct mdl_gem_object *mobj, *next;
	LIST_HEAD(revoke);

	spin_lock(&mdev->usage_lock);
	list_for_each_entry(mobj, &mdev->objects, dev_link)
		/* One being freed right now unmaps itself. */
		if (kref_get_unless_zero(&mobj->base.refcount))
			list_add_tail(&mobj->revoke_link, &revoke);
	spin_unlock(&mdev->usage_lock);

	list_for_each_entry_safe(mobj, next, &revoke, revoke_link) {
		list_del(&mobj->revoke_link);
		mdl_dma_unmap(mobj->mdl);
		drm_gem_object_put(&mobj->base);
	}
}

/**
 * mdl_gem_open - &drm_driver.open: set up the accounting of a new file
 * @drm: the device
 * @file: the file being opened
 *
 * Return: 0 or -ENOMEM.
 */
int mdl_gem_open(struct drm_device *drm, struct drm_file *file)
{
	struct mdl_file *mfile;

	mfile = kzalloc_obj(*mfile, GFP_KERNEL);
	if (!mfile)
		return -ENOMEM;

	mfile->file = file;
	INIT_LIST_HEAD(&mfile->objects);
	mdl_fdinfo_number_client(mfile);
	file->driver_priv = mfile;

	return 0;
}

/**
 * mdl_gem_postclose - &drm_driver.postclose: orphan what outlives the file
 * @drm: the device
 * @file: the file being closed
 *
 * The file's handles are gone by now, so any object still on its list is
 * kept alive by a dma-buf or a CPU mapping; it stays counted in the device
 * totals, as orphaned.
 */
void mdl_gem_postclose(struct drm_device *drm, struct drm_file *file)
{
	struct mdl_device *mdev = to_mdl_device(drm);
	struct mdl_file *mfile = file->driver_priv;
	struct mdl_gem_object *mobj, *next;

	spin_lock(&mdev->usage_lock);
	list_for_each_entry_safe(mobj, next, &mfile->objects, owner_link) {
		list_del_init(&mobj->owner_link);
		mobj->owner = NULL;
		mdl_usage_add(&mdev->orphaned, mobj->mdl);
	}
	spin_unlock(&mdev->usage_lock);

	file->driver_priv = NULL;
	kfree(mfile);
}
