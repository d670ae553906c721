// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * A client's usage in /proc/PID/fdinfo/FD, in the keys of the DRM usage
 * stats convention (Documentation/gpu/drm-usage-stats.rst), so that
 * generic tools show who holds drm-mdl's pinned pages: they are in no
 * process's RSS, and nothing else tells.
 *
 * The region is "memory", the name the convention reserves for system
 * memory:
 *
 *   drm-total-memory:    every object the file has a handle to
 *   drm-shared-memory:   the part another handle or a dma-buf shares
 *   drm-resident-memory: the part whose pages are present: all of it,
 *                        since they are pinned from allocation to free
 *
 * Objects count by handle, as drm_show_memory_stats() counts them for
 * other drivers, so a buffer shows at every client that has it, as
 * shared. The client limits (mdl_limit.c) count each object at the file
 * that allocated it instead; debugfs's mdl_clients shows that view.
 *
 * From 6.5 the DRM core prints drm-driver, drm-client-id and drm-pdev and
 * calls mdl_fdinfo_print_memory() for the rest; before, mdl_fdinfo_show()
 * prints them all and numbers the clients itself (see mdl_compat.h).
 */

#include <linux/atomic.h>
#include <linux/idr.h>
#include <linux/pci.h>
#include <linux/seq_file.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_print.h>

#include "mdl_drv.h"
#include "mdl_internal.h"

/**
 * struct mdl_fdinfo_memory - what one file's handles describe, in bytes
 * @total: all of it
 * @shared: the part shared with another handle or through a dma-buf
 */
struct mdl_fdinfo_memory {
	u64 total;
	u64 shared;
};

static int mdl_fdinfo_count(int id, void *ptr, void *data)
{
	struct mdl_fdinfo_memory *memory = data;
	struct mdl_gem_object *mobj;
	struct drm_gem_object *obj;
	u64 bytes;

	/* NULL marks a handle that is being created or deleted. */
	obj = ptr;
	mobj = obj ? mdl_gem_from_object(obj) : NULL;
	if (!mobj)
		return 0;

	bytes = mobj->mdl->page_count << PAGE_SHIFT;
	memory->total += bytes;
	if (READ_ONCE(obj->handle_count) > 1 || READ_ONCE(obj->dma_buf))
		memory->shared += bytes;

	return 0;
}

/**
 * mdl_fdinfo_print_memory - print a client's memory keys
 * @p: where to print
 * @file: the client
 *
 * &drm_driver.show_fdinfo where the DRM core prints the other keys.
 */
void mdl_fdinfo_print_memory(struct drm_printer *p, struct drm_file *file)
{
	struct mdl_fdinfo_memory memory = { };

	spin_lock(&file->table_lock);
	idr_for_each(&file->object_idr, mdl_fdinfo_count, &memory);
	spin_unlock(&file->table_lock);

	drm_printf(p, "drm-total-memory:\t%llu KiB\n", memory.total >> 10);
	drm_printf(p, "drm-shared-memory:\t%llu KiB\n", memory.shared >> 10);
	drm_printf(p, "drm-resident-memory:\t%llu KiB\n", memory.total >> 10);
}

/**
 * mdl_fdinfo_number_client - give a new file its drm-client-id
 * @mfile: the file's state, with &mdl_file.file set
 *
 * debugfs and fdinfo show the same number.
 */
void mdl_fdinfo_number_client(struct mdl_file *mfile)
{
#if MDL_HAVE_DRM_SHOW_FDINFO
	/* The DRM core numbers the files itself. */
	mfile->client_id = mfile->file->client_id;
#else
	/*
	 * Unique across every device of the module, as the convention asks
	 * of an id that is not unique only within its drm-pdev.
	 */
	static atomic64_t last_id = ATOMIC64_INIT(0);

	mfile->client_id = atomic64_inc_return(&last_id);
#endif
}

#if !MDL_HAVE_DRM_SHOW_FDINFO

/**
 * mdl_fdinfo_show - &file_operations.show_fdinfo: all the usage keys
 * @m: the fdinfo file
 * @f: the DRM file it describes
 *
 * What drm_show_fdinfo() prints from 6.5, then the memory keys.
 */
void mdl_fdinfo_show(struct seq_file *m, struct file *f)
{
	struct drm_file *file = f->private_data;
	struct drm_device *drm = file->minor->dev;
	struct mdl_file *mfile = file->driver_priv;
	struct drm_printer p = drm_seq_file_printer(m);
	int idx;

	/* As the core: an unplugged device has no usage to show. */
	if (!drm_dev_enter(drm, &idx))
		return;

	drm_printf(&p, "drm-driver:\t%s\n", drm->driver->name);
	drm_printf(&p, "drm-client-id:\t%llu\n", mfile->client_id);
	if (dev_is_pci(drm->dev)) {
		struct pci_dev *pdev = to_pci_dev(drm->dev);

		drm_printf(&p, "drm-pdev:\t%04x:%02x:%02x.%d\n",
			   pci_domain_nr(pdev->bus), pdev->bus->number,
			   PCI_SLOT(pdev->devfn), PCI_FUNC(pdev->devfn));
	}
	mdl_fdinfo_print_memory(&p, file);

	drm_dev_exit(idx);
}

#endif
