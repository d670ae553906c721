// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The DRM ioctls of drm-mdl, one per operation.
 *
 * drm_ioctl() copies the argument back to user space even when a handler
 * fails, so handlers write their outputs only once nothing can fail.
 */

#include <linux/capability.h>
#include <linux/dma-mapping.h>
#include <linux/memcontrol.h>
#include <linux/minmax.h>
#include <linux/overflow.h>
#include <linux/scatterlist.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_vma_manager.h>

#include "mdl_drv.h"
#include "mdl_internal.h"

/* Page entries staged in the kernel per copy_to_user() of GET_PAGES. */
#define MDL_GET_PAGES_BATCH	256

/*
 * User pages are charged to the caller's memory cgroup with __GFP_ACCOUNT.
 * The page allocator charges nothing for a task in the root cgroup, or
 * when kmem accounting is off, and such pages may then go through the
 * pre-zeroed pool like in-kernel ones: no charge exists that the pool
 * could move to the wrong cgroup. Any other caller gets __GFP_ACCOUNT and
 * fresh pages (see mdl_pool.c).
 */
static gfp_t mdl_user_gfp(void)
{
#if MDL_HAVE_MEMCG_KMEM
	struct mem_cgroup *memcg;
	bool charged;

	if (mem_cgroup_disabled() || !memcg_kmem_online())
		return 0;
	/* A task that charges on another's behalf is never second-guessed. */
	if (current->active_memcg)
		return __GFP_ACCOUNT;
	rcu_read_lock();
	memcg = mem_cgroup_from_task(current);
	charged = memcg && parent_mem_cgroup(memcg);
	rcu_read_unlock();
	return charged ? __GFP_ACCOUNT : 0;
#else
	return 0;
#endif
}

/*
 * Whether @req leaves the choice of frames to the kernel: all of memory, or
 * the low 4 GiB a 32-bit device needs, in one window. Windows has no user
 * mode placement at all (MmAllocatePagesForMdlEx() is kernel-mode only);
 * any narrower window would let the caller learn where its pages are and,
 * with exact placement, take frames it chose from whoever holds them, the
 * Rowhammer primitive /proc/pid/pagemap stopped handing out.
 */
static bool mdl_request_places_nothing(const struct drm_mdl_request *req)
{
	bool blocks = req->flags & DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS;

	/* With contiguous chunks @skip is the block size, not a stride. */
	return (!req->skip || blocks) && !req->low && req->high >= SZ_4G - 1;
}

/*
 * Blocks larger than the buddy allocator's largest exist only through
 * exact placement, which is for CAP_SYS_ADMIN. A block is @skip bytes, or
 * the whole request without @skip.
 */
static bool mdl_request_needs_placement(const struct drm_mdl_request *req)
{
	u64 block = req->skip ? req->skip : PAGE_ALIGN(req->total_bytes);

	return (req->flags & DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS) &&
	       block > (PAGE_SIZE << MAX_PAGE_ORDER);
}

static int mdl_ioctl_alloc(struct drm_device *drm, void *data,
			   struct drm_file *file)
{
	struct drm_mdl_alloc *args = data;
	struct drm_mdl_request req = {
		.low = args->low,
		.high = args->high,
		.skip = args->skip,
		.total_bytes = args->total_bytes,
		.cache_type = args->cache_type,
		/* Dxgkrnl always asks for all or nothing; so do we. */
		.flags = args->flags | DRM_MDL_ALLOC_FULLY_REQUIRED,
	};
	struct mdl_gem_object *mobj;
	struct mdl_user *user;
	struct drm_mdl *mdl;
	u32 chunk_count, dma_segment_count, handle, plan_flags = 0;
	u64 byte_count, page_count, bytes;
	int ret, idx;

	if (args->pad)
		return -EINVAL;

	/* Malformed beats unprivileged: -EINVAL before -EPERM. */
	ret = drm_mdl_validate_request(&req);
	if (ret)
		return ret;

	/*
	 * Unzeroed pages may hold another process's data; placed ones tell
	 * and choose physical frames. The capability is asked for only when
	 * the request needs it, so that the audit record means something.
	 */
	if ((req.flags & DRM_MDL_ALLOC_DONT_ZERO) ||
	    !mdl_request_places_nothing(&req) ||
	    mdl_request_needs_placement(&req)) {
		if (!capable(CAP_SYS_ADMIN))
			return -EPERM;
	} else if (!ns_capable_noaudit(&init_user_ns, CAP_SYS_ADMIN)) {
		/* Asked of every plain request: no audit record for it. */
		plan_flags = MDL_PLAN_UNPRIVILEGED;
	}

	/* Validated: at most DRM_MDL_MAX_BYTES, so this cannot wrap. */
	bytes = PAGE_ALIGN(req.total_bytes);
	ret = mdl_limit_reserve(bytes, &user);
	if (ret)
		return ret;

	/*
	 * Mapping on a device that is being unplugged would race with the
	 * IOMMU letting go of it; unplug waits for this section instead.
	 */
	if (!drm_dev_enter(drm, &idx)) {
		mdl_limit_release(user, bytes);
		return -ENODEV;
	}

	mdl = mdl_alloc(drm->dev, &req, mdl_user_gfp(), plan_flags);
	if (IS_ERR(mdl)) {
		drm_dev_exit(idx);
		mdl_limit_release(user, bytes);
		return PTR_ERR(mdl);
	}

	/*
	 * Read the results before the handle exists: from then on another
	 * thread may close it and free the object under us.
	 */
	byte_count = mdl->byte_count;
	page_count = mdl->page_count;
	chunk_count = mdl->nr_runs;
	dma_segment_count = drm_mdl_dma_segment_count(mdl);

	mobj = mdl_gem_create(drm, mdl, file, user, bytes);
	drm_dev_exit(idx);
	if (IS_ERR(mobj))
		return PTR_ERR(mobj);

	ret = mdl_fault_should_fail(MDL_FAULT_HANDLE) ? -ENOMEM :
	      drm_gem_handle_create(file, &mobj->base, &handle);
	/* On failure this drops the last reference and frees the pages. */
	drm_gem_object_put(&mobj->base);
	if (ret)
		return ret;

	args->byte_count = byte_count;
	args->page_count = page_count;
	args->chunk_count = chunk_count;
	args->dma_segment_count = dma_segment_count;
	args->handle = handle;

	return 0;
}

static int mdl_ioctl_free(struct drm_device *drm, void *data,
			  struct drm_file *file)
{
	struct drm_mdl_free *args = data;
	int ret;

	if (args->pad)
		return -EINVAL;

	ret = drm_gem_handle_delete(file, args->handle);
	/* drm_gem_handle_delete() says -EINVAL only for an unknown handle. */
	return ret == -EINVAL ? -ENOENT : ret;
}

/*
 * Fills @batch with the @n entries from page @index on. Unplug revokes the
 * DMA mapping this reads and waits for readers inside drm_dev_enter(), so
 * the iterator is only ever advanced there; the copy to user space, which
 * may fault for as long as user space likes, stays outside.
 */
static int mdl_fill_page_entries(struct drm_device *drm,
				 const struct drm_mdl *mdl,
				 struct mdl_dma_iter *iter, bool *started,
				 u64 index, unsigned int n, bool show_phys,
				 bool *show_dma, unsigned long *pfns,
				 struct drm_mdl_page_entry *batch)
{
	unsigned int i;
	dma_addr_t addr;
	int idx;

	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;
	if (!*started) {
		if (!mdl_dma_seek(iter, mdl, index << PAGE_SHIFT)) {
			drm_dev_exit(idx);
			return -EIO;
		}
		/*
		 * DMA addresses are for the admin too wherever they are the
		 * physical ones; the IOMMU domain is only there to ask while
		 * the device is.
		 */
		*show_dma = show_phys || mdl_dma_translated(mdl->dev);
		*started = true;
	}
	for (i = 0; i < n && mdl_dma_iter_pages(iter, 1, &addr); i++)
		batch[i].dma_addr = *show_dma ? addr : 0;
	drm_dev_exit(idx);

	/* The DMA side must describe exactly the pages of the MDL. */
	if (WARN_ON_ONCE(i != n))
		return -EIO;
	if (show_phys && WARN_ON_ONCE(drm_mdl_get_pfns(mdl, index, n, pfns) != n))
		return -EIO;
	for (i = 0; i < n; i++)
		batch[i].phys_addr = show_phys ? PFN_PHYS(pfns[i]) : 0;
	return 0;
}

static int mdl_copy_page_entries(struct drm_device *drm,
				 const struct drm_mdl *mdl, u64 first,
				 u64 count, struct drm_mdl_page_entry __user *out)
{
	struct drm_mdl_page_entry *batch;
	struct mdl_dma_iter iter;
	bool show_phys, show_dma = false, started = false;
	unsigned int batch_len, n;
	unsigned long *pfns;
	u64 done = 0;
	int ret = 0;

	if (!count)
		return 0;

	/* As /proc/pid/pagemap: physical addresses are for the admin only. */
	show_phys = capable(CAP_SYS_ADMIN);

	batch_len = min_t(u64, count, MDL_GET_PAGES_BATCH);
	batch = kmalloc_array(batch_len, sizeof(*batch), GFP_KERNEL);
	pfns = kmalloc_array(batch_len, sizeof(*pfns), GFP_KERNEL);
	if (!batch || !pfns) {
		ret = -ENOMEM;
		goto out;
	}

	while (done < count) {
		n = min_t(u64, count - done, batch_len);
		ret = mdl_fill_page_entries(drm, mdl, &iter, &started,
					    first + done, n, show_phys,
					    &show_dma, pfns, batch);
		if (ret)
			break;
		if (copy_to_user(out + done, batch, n * sizeof(*batch))) {
			ret = -EFAULT;
			break;
		}
		done += n;
		if (done == count)
			break;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}
out:
	kfree(pfns);
	kfree(batch);
	return ret;
}

static int mdl_ioctl_get_pages(struct drm_device *drm, void *data,
			       struct drm_file *file)
{
	struct drm_mdl_get_pages *args = data;
	struct mdl_gem_object *mobj;
	struct drm_mdl *mdl;
	u64 count;
	int ret;

	if (args->flags)
		return -EINVAL;

	mobj = mdl_gem_lookup(file, args->handle);
	if (!mobj)
		return -ENOENT;
	mdl = mobj->mdl;

	if (args->first_page > mdl->page_count) {
		ret = -EINVAL;
		goto out;
	}

	count = min_t(u64, args->count, mdl->page_count - args->first_page);
	ret = mdl_copy_page_entries(drm, mdl, args->first_page, count,
				    u64_to_user_ptr(args->entries_ptr));
	if (ret)
		goto out;

	args->count = count;
	args->page_count = mdl->page_count;
out:
	drm_gem_object_put(&mobj->base);
	return ret;
}

static int mdl_ioctl_map_offset(struct drm_device *drm, void *data,
				struct drm_file *file)
{
	struct drm_mdl_map_offset *args = data;
	struct mdl_gem_object *mobj;
	int ret;

	if (args->flags)
		return -EINVAL;

	mobj = mdl_gem_lookup(file, args->handle);
	if (!mobj)
		return -ENOENT;

	ret = mdl_fault_should_fail(MDL_FAULT_MMAP_OFFSET) ? -ENOMEM :
	      drm_gem_create_mmap_offset(&mobj->base);
	if (!ret)
		args->offset = drm_vma_node_offset_addr(&mobj->base.vma_node);

	drm_gem_object_put(&mobj->base);
	return ret;
}

static int mdl_ioctl_info(struct drm_device *drm, void *data,
			  struct drm_file *file)
{
	struct mdl_device *mdev = to_mdl_device(drm);
	struct drm_mdl_info *args = data;
	struct device *dev = drm->dev;
	u32 caps = 0;

	if (args->flags)
		return -EINVAL;

	if (mdl_dma_translated(dev))
		caps |= DRM_MDL_CAP_IOMMU;
	if (mdev->edu)
		caps |= DRM_MDL_CAP_DMA_COPY;
	if (mdl_dma_bounces(dev))
		caps |= DRM_MDL_CAP_DMA_BOUNCED;
	if (MDL_HAVE_PFN_PMD)
		caps |= DRM_MDL_CAP_HUGE_MAPPINGS;

	args->caps = caps;
	args->dma_mask = dma_get_mask(dev);
	args->max_total_bytes = DRM_MDL_MAX_BYTES;
	args->large_page_size = drm_mdl_large_page_size();
	args->page_size = PAGE_SIZE;
	args->max_segment_size = dma_get_max_seg_size(dev);
	args->supported_flags = DRM_MDL_ALLOC_FLAGS_ALL;
	args->cache_types = mdl_cache_types();
	args->dma_copy_max_bytes = mdev->edu ? MDL_DMA_COPY_MAX_BYTES : 0;
	args->seg_boundary_mask = dma_get_seg_boundary(dev);

	return 0;
}

static bool mdl_range_ok(const struct drm_mdl *mdl, u64 offset, u64 size)
{
	u64 end;

	return !check_add_overflow(offset, size, &end) &&
	       end <= mdl->byte_count;
}

static int mdl_dma_copy(struct mdl_edu *edu, struct drm_mdl *src, u64 src_off,
			struct drm_mdl *dst, u64 dst_off, u64 size)
{
	struct mdl_dma_iter src_seg, dst_seg;
	u64 step, done = 0;
	int ret = 0;

	if (WARN_ON_ONCE(!mdl_dma_seek(&src_seg, src, src_off) ||
			 !mdl_dma_seek(&dst_seg, dst, dst_off)))
		return -EIO;

	/*
	 * The mappings stay live for the objects' lifetime; hand the bytes
	 * to the device and back as the streaming DMA API wants, which
	 * matters where it bounces or the device is not coherent.
	 */
	drm_mdl_dma_sync_for_device(src);
	drm_mdl_dma_sync_for_device(dst);

	while (done < size) {
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}

		/* Segments ended by the last step: the next ones. */
		if ((!src_seg.len && !mdl_dma_next(&src_seg)) ||
		    (!dst_seg.len && !mdl_dma_next(&dst_seg))) {
			ret = -EIO;
			break;
		}
		step = min3(size - done, src_seg.len, dst_seg.len);
		step = min_t(u64, step, MDL_EDU_XFER_MAX);

		ret = mdl_edu_copy(edu, src_seg.addr, dst_seg.addr, step);
		if (ret)
			break;

		src_seg.addr += step;
		src_seg.len -= step;
		dst_seg.addr += step;
		dst_seg.len -= step;
		done += step;
	}

	drm_mdl_dma_sync_for_cpu(dst);

	return ret;
}

static int mdl_ioctl_dma_copy(struct drm_device *drm, void *data,
			      struct drm_file *file)
{
	struct mdl_device *mdev = to_mdl_device(drm);
	struct drm_mdl_dma_copy *args = data;
	struct mdl_gem_object *src, *dst;
	int ret, idx;

	if (args->flags || args->pad)
		return -EINVAL;

	if (!mdev->edu)
		return -EOPNOTSUPP;

	src = mdl_gem_lookup(file, args->src_handle);
	if (!src)
		return -ENOENT;

	dst = mdl_gem_lookup(file, args->dst_handle);
	if (!dst) {
		ret = -ENOENT;
		goto put_src;
	}

	/*
	 * The cap keeps one call, and so the time the device is busy for
	 * one caller, short: QEMU takes 100 ms per 4 KiB transfer.
	 */
	if (!args->size || args->size > MDL_DMA_COPY_MAX_BYTES ||
	    !mdl_range_ok(src->mdl, args->src_offset, args->size) ||
	    !mdl_range_ok(dst->mdl, args->dst_offset, args->size)) {
		ret = -EINVAL;
		goto put_dst;
	}

	/* The engine's registers go away with the PCI device. */
	if (!drm_dev_enter(drm, &idx)) {
		ret = -ENODEV;
		goto put_dst;
	}

	ret = mdl_dma_copy(mdev->edu, src->mdl, args->src_offset, dst->mdl,
			   args->dst_offset, args->size);

	drm_dev_exit(idx);
put_dst:
	drm_gem_object_put(&dst->base);
put_src:
	drm_gem_object_put(&src->base);
	return ret;
}

const struct drm_ioctl_desc mdl_ioctls[MDL_NUM_IOCTLS] = {
	DRM_IOCTL_DEF_DRV(MDL_ALLOC, mdl_ioctl_alloc, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(MDL_FREE, mdl_ioctl_free, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(MDL_GET_PAGES, mdl_ioctl_get_pages, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(MDL_MAP_OFFSET, mdl_ioctl_map_offset,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(MDL_INFO, mdl_ioctl_info, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(MDL_DMA_COPY, mdl_ioctl_dma_copy, DRM_RENDER_ALLOW),
};
