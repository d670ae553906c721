// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * DMA mapping of an allocation on the caller's device. The sg_table is built
 * from the pages in allocation order and mapped with dma_map_sgtable(), so an
 * IOMMU assigns logical addresses and merges the pages into as few DMA
 * segments as the device's segment limits allow.
 */

#include <linux/dma-mapping.h>
#include <linux/iommu.h>
#include <linux/scatterlist.h>

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
 * mdl_dma_reach - highest physical address the device can reach
 * @dev: the device
 *
 * Without translation the device sees physical addresses through its DMA
 * mask; pages above it would be bounced through swiotlb, which is useless for
 * a long-lived mapping, so the engine never allocates them.
 *
 * Return: the last reachable byte.
 */
u64 mdl_dma_reach(struct device *dev)
{
	u64 reach;

	if (mdl_dma_translated(dev))
		return U64_MAX;
	reach = dma_get_mask(dev);
	if (dev->bus_dma_limit)
		reach = min(reach, dev->bus_dma_limit);
	return reach;
}

/**
 * mdl_dma_map - describe @pages in @sgt and map it on @dev
 * @dev: the device
 * @sgt: the table, filled on success
 * @pages: the pages, in allocation order
 * @count: number of pages
 * @gfp: for the table itself
 *
 * Return: 0, or a negative errno with nothing allocated or mapped.
 */
int mdl_dma_map(struct device *dev, struct sg_table *sgt, struct page **pages,
		unsigned long count, gfp_t gfp)
{
	unsigned int max_segment = ALIGN_DOWN(dma_get_max_seg_size(dev),
					      PAGE_SIZE);
	int ret;

	if (mdl_fault_should_fail(MDL_FAULT_TABLE))
		return -ENOMEM;
	ret = sg_alloc_table_from_pages_segment(sgt, pages, count, 0,
						count << PAGE_SHIFT,
						max_t(unsigned int, max_segment,
						      PAGE_SIZE), gfp);
	if (ret)
		return ret;

	ret = mdl_fault_should_fail(MDL_FAULT_DMA_MAP) ? -ENOMEM :
	      dma_map_sgtable(dev, sgt, DMA_BIDIRECTIONAL, 0);
	if (ret) {
		sg_free_table(sgt);
		return ret;
	}
	return 0;
}

/**
 * mdl_dma_unmap - undo mdl_dma_map()
 * @dev: the device
 * @sgt: the mapped table
 */
void mdl_dma_unmap(struct device *dev, struct sg_table *sgt)
{
	/* Unmapped already: the DRM side revoked it when the device went. */
	if (!sgt->sgl)
		return;
	dma_unmap_sgtable(dev, sgt, DMA_BIDIRECTIONAL, 0);
	sg_free_table(sgt);
}
