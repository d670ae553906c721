// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * DMA mapping of an allocation on the caller's device, and tables of it for
 * dma-buf importers. The descriptor's sg_table (mdl_describe.c) is mapped
 * with dma_map_sgtable(), so an IOMMU assigns logical addresses and merges
 * the runs into as few DMA segments as the device's segment limits allow;
 * a table of one run is mapped as a page.
 */

#include <linux/dma-mapping.h>
#include <linux/iommu.h>
#include <linux/scatterlist.h>
#include <linux/swiotlb.h>

#include "mdl_internal.h"

/**
 * mdl_dma_translated - whether an IOMMU translates the device's DMA
 * @dev: the device
 *
 * Return: true when DMA addresses are IOMMU logical addresses, false for
 * direct mapping (no IOMMU, or an identity/passthrough domain).
 */
bool mdl_dma_translated(struct device *dev)
{
#ifdef CONFIG_IOMMU_API
	struct iommu_domain *domain = iommu_get_domain_for_dev(dev);

	return domain && (domain->type & __IOMMU_DOMAIN_PAGING);
#else
	return false;
#endif
}

/**
 * mdl_dma_bounces - whether the platform bounces all of the device's DMA
 * @dev: the device
 *
 * swiotlb=force, and confidential guests (SEV, TDX), whose devices cannot
 * reach private memory, make dma-direct copy every mapping through a bounce
 * slot; a device behind an IOMMU is not affected. A long-lived mapping
 * there is two copies of the pages, the device working on one and the CPU
 * on the other, and it holds slots every other device needs. The engine
 * refuses it before taking a page. The other way dma-direct bounces, a
 * page above the device's reach, never happens: see mdl_dma_pfn_limit().
 *
 * Return: true when no mapping of @dev would reach the pages themselves.
 */
bool mdl_dma_bounces(struct device *dev)
{
#ifdef CONFIG_SWIOTLB
	/* iommu-dma bounces only sub-page buffers of untrusted devices. */
	return is_swiotlb_force_bounce(dev) && !mdl_dma_translated(dev);
#else
	return false;
#endif
}

/**
 * mdl_dma_pfn_limit - one past the last page frame the device can reach
 * @dev: the device
 * @ram_end_pfn: one past the last page frame of RAM
 *
 * Without translation the device sees physical addresses through its DMA
 * mask; pages above it would be bounced through swiotlb, which is useless for
 * a long-lived mapping, so the engine never allocates them. Behind an IOMMU
 * every page is reachable.
 *
 * Return: at most @ram_end_pfn.
 */
unsigned long mdl_dma_pfn_limit(struct device *dev, unsigned long ram_end_pfn)
{
	u64 reach = dma_get_mask(dev);

	if (dev->bus_dma_limit)
		reach = min(reach, dev->bus_dma_limit);
	/*
	 * A mask that covers all of RAM settles it without asking the IOMMU,
	 * whose domain lookup takes and drops a reference on the device's
	 * group on every request.
	 */
	if (reach >= PFN_PHYS((u64)ram_end_pfn) - 1 || mdl_dma_translated(dev))
		return ram_end_pfn;
	return min_t(u64, ram_end_pfn, (reach >> PAGE_SHIFT) + 1);
}

/**
 * mdl_dma_max_seg_pages - the device's DMA segment limit, in pages
 * @dev: the device
 *
 * Return: at least 1.
 */
unsigned long mdl_dma_max_seg_pages(struct device *dev)
{
	/*
	 * Not dma_max_mapping_size(): that is the size swiotlb can bounce,
	 * and no mapping of the engine is ever bounced (mdl_dma_bounces()).
	 */
	return max_t(unsigned long, dma_get_max_seg_size(dev) >> PAGE_SHIFT, 1);
}

/**
 * mdl_dma_seg_boundary_pages - the device's DMA segment boundary, in pages
 * @dev: the device
 *
 * No DMA segment may cross a multiple of dma_get_seg_boundary() + 1 (a
 * PCI device's is typically every 4 GiB). Without an IOMMU, dma-direct maps
 * each entry as it is, at its physical address plus a bus offset that is
 * normally zero, so the entries are cut at the boundary on their pfns.
 * Behind an IOMMU, iommu-dma keeps the segments it merges inside the
 * boundary itself and the cut is not needed; it is made all the same: it is
 * harmless (iommu-dma merges the pieces again up to the boundary), it is
 * what an identity domain, whose DMA addresses are physical, needs, and
 * telling the two apart takes the IOMMU domain lookup mdl_dma_pfn_limit()
 * avoids on every request.
 *
 * Return: the boundary in pages, a power of two; 0 for a mask that covers
 * the whole address space (no boundary). A mask below PAGE_SIZE - 1 is a
 * boundary at every page.
 */
unsigned long mdl_dma_seg_boundary_pages(struct device *dev)
{
	unsigned long mask = dma_get_seg_boundary(dev) >> PAGE_SHIFT;

	return mask >= ULONG_MAX >> PAGE_SHIFT ? 0 : mask + 1;
}

/*
 * The runs of @mdl, adjacent entries merged and cut every @max_pages pages
 * and at every multiple of @boundary pages (0: none): into @sg when it is
 * not NULL. Returns how many entries that takes.
 */
static unsigned int mdl_dma_cut_runs(const struct drm_mdl *mdl,
				     unsigned long max_pages,
				     unsigned long boundary,
				     struct scatterlist *sg)
{
	struct mdl_run_iter it;
	unsigned int nents = 0;

	mdl_run_start(&it, mdl);
	while (mdl_run_next(&it)) {
		unsigned long pfn = it.pfn, left = it.nr_pages;

		while (left) {
			unsigned long n = min3(left, max_pages,
					       mdl_seg_room(boundary, pfn));

			if (sg) {
				sg_set_page(sg, pfn_to_page(pfn),
					    n << PAGE_SHIFT, 0);
				sg = sg_next(sg);
			}
			nents++;
			pfn += n;
			left -= n;
		}
	}
	return nents;
}

/**
 * mdl_dma_describe - a table of an allocation's runs for another device
 * @dev: the device that will map the table, a dma-buf importer
 * @sgt: the table, filled on success; sg_free_table() frees it
 * @mdl: the allocation
 * @gfp: for the table
 *
 * Each importer maps a table of its own, its runs cut at its own segment
 * limit and boundary rather than at those of the device @mdl is mapped on.
 *
 * Return: 0, or a negative errno with nothing allocated.
 */
int mdl_dma_describe(struct device *dev, struct sg_table *sgt,
		     const struct drm_mdl *mdl, gfp_t gfp)
{
	unsigned long max_pages = mdl_dma_max_seg_pages(dev);
	unsigned long boundary = mdl_dma_seg_boundary_pages(dev);
	int ret;

	if (mdl_fault_should_fail(MDL_FAULT_TABLE))
		return -ENOMEM;
	ret = sg_alloc_table(sgt, mdl_dma_cut_runs(mdl, max_pages, boundary,
						   NULL), gfp);
	if (ret)
		return ret;
	mdl_dma_cut_runs(mdl, max_pages, boundary, sgt->sgl);
	return 0;
}

/**
 * mdl_dma_map - map a new descriptor's sg_table on its device
 * @dev: the device
 * @mdl: the descriptor, its entries filled
 *
 * Return: 0, or a negative errno with nothing mapped.
 */
int mdl_dma_map(struct device *dev, struct drm_mdl *mdl)
{
	struct sg_table *sgt = &mdl->sgt;
	struct scatterlist *sg = sgt->sgl;
	dma_addr_t addr;
	int ret;

	if (mdl_fault_should_fail(MDL_FAULT_DMA_MAP))
		return -ENOMEM;
	if (sgt->orig_nents != 1) {
		ret = dma_map_sgtable(dev, sgt, DMA_BIDIRECTIONAL, 0);
		/*
		 * -EIO and -EINVAL say nothing a caller could act on beyond
		 * "no mapping now"; the contract has -ENOMEM for that.
		 */
		return ret ? -ENOMEM : 0;
	}

	/*
	 * A single run, as most small requests are, maps as a page: behind
	 * an IOMMU the scatterlist path's passes over the list and the
	 * table-sized IOVA cost a tenth of a cold 4 KiB request, for the
	 * same mapping. mdl_dma_unmap() pairs it with dma_unmap_page(), so
	 * DMA-API debugging sees matching calls.
	 */
	addr = dma_map_page(dev, sg_page(sg), sg->offset, sg->length,
			    DMA_BIDIRECTIONAL);
	if (dma_mapping_error(dev, addr))
		return -ENOMEM;
	sg_dma_address(sg) = addr;
	sg_dma_len(sg) = sg->length;
	sgt->nents = 1;
	return 0;
}

/**
 * mdl_dma_unmap - undo mdl_dma_map() of an allocation
 * @mdl: the allocation
 *
 * The entries stay: they are the descriptor's list of pages.
 */
void mdl_dma_unmap(struct drm_mdl *mdl)
{
	struct sg_table *sgt = &mdl->sgt;

	/* Unmapped already: the DRM side revoked it when the device went. */
	if (!sgt->nents)
		return;
	if (sgt->orig_nents == 1)
		dma_unmap_page(mdl->dev, sg_dma_address(sgt->sgl),
			       sg_dma_len(sgt->sgl), DMA_BIDIRECTIONAL);
	else
		dma_unmap_sgtable(mdl->dev, sgt, DMA_BIDIRECTIONAL, 0);
	sgt->nents = 0;
}
