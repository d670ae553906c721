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
 * mdl_dma_max_seg_pages - the device's DMA segment limit, in pages
 * @dev: the device
 *
 * Return: at least 1.
 */
unsigned long mdl_dma_max_seg_pages(struct device *dev)
{
	/* A device behind swiotlb cannot take a segment it cannot bounce. */
	size_t max = min_t(size_t, dma_get_max_seg_size(dev),
			   dma_max_mapping_size(dev));

	return max_t(unsigned long, max >> PAGE_SHIFT, 1);
}

/**
 * mdl_dma_nents - sg_table entries an allocation's runs need on @dev
 * @dev: the device
 * @chunks: the physically contiguous runs, in allocation order
 * @nr_chunks: number of runs
 *
 * Return: the runs, each cut at the device's maximum segment size.
 */
unsigned int mdl_dma_nents(struct device *dev,
			   const struct drm_mdl_chunk *chunks,
			   unsigned int nr_chunks)
{
	unsigned long max_pages = mdl_dma_max_seg_pages(dev);
	unsigned int c, nents = 0;

	for (c = 0; c < nr_chunks; c++)
		nents += DIV_ROUND_UP(chunks[c].nr_pages, max_pages);
	return nents;
}

/**
 * mdl_dma_describe - describe an allocation's runs in @sgt for @dev
 * @dev: the device that will map the table
 * @sgt: the table, filled on success
 * @chunks: the physically contiguous runs, in allocation order
 * @nr_chunks: number of runs
 * @gfp: for the table itself
 * @entries: room for mdl_dma_nents() entries the caller owns, or NULL to
 *           allocate the table
 *
 * Built from the runs rather than from the page array: a gigabyte is a few
 * dozen runs but 262144 pages, and the table only needs the runs, each cut
 * at @dev's maximum segment size. The same holds for every dma-buf importer,
 * which maps a table of its own on its own device.
 *
 * Return: 0, or a negative errno with nothing allocated.
 */
int mdl_dma_describe(struct device *dev, struct sg_table *sgt,
		     const struct drm_mdl_chunk *chunks, unsigned int nr_chunks,
		     gfp_t gfp, struct scatterlist *entries)
{
	unsigned long max_pages = mdl_dma_max_seg_pages(dev);
	unsigned int c, nents = mdl_dma_nents(dev, chunks, nr_chunks);
	struct scatterlist *sg;
	int ret;

	if (mdl_fault_should_fail(MDL_FAULT_TABLE))
		return -ENOMEM;
	if (entries) {
		sg_init_table(entries, nents);
		sgt->sgl = entries;
		sgt->orig_nents = nents;
		sgt->nents = 0;
	} else {
		ret = sg_alloc_table(sgt, nents, gfp);
		if (ret)
			return ret;
	}

	sg = sgt->sgl;
	for (c = 0; c < nr_chunks; c++) {
		unsigned long pfn = chunks[c].pfn;
		unsigned long left = chunks[c].nr_pages;

		while (left) {
			unsigned long n = min(left, max_pages);

			sg_set_page(sg, pfn_to_page(pfn), n << PAGE_SHIFT, 0);
			sg = sg_next(sg);
			pfn += n;
			left -= n;
		}
	}
	return 0;
}

/**
 * mdl_dma_map - describe an allocation's runs in @sgt and map it on @dev
 * @dev: the device
 * @sgt: the table, filled on success
 * @chunks: the physically contiguous runs, in allocation order
 * @nr_chunks: number of runs
 * @gfp: for the table itself
 * @entries: room for mdl_dma_nents() entries the caller owns, or NULL to
 *           allocate the table
 *
 * Return: 0, or a negative errno with nothing allocated or mapped.
 */
int mdl_dma_map(struct device *dev, struct sg_table *sgt,
		const struct drm_mdl_chunk *chunks, unsigned int nr_chunks,
		gfp_t gfp, struct scatterlist *entries)
{
	int ret;

	ret = mdl_dma_describe(dev, sgt, chunks, nr_chunks, gfp, entries);
	if (ret)
		return ret;
	ret = mdl_fault_should_fail(MDL_FAULT_DMA_MAP) ? -ENOMEM :
	      dma_map_sgtable(dev, sgt, DMA_BIDIRECTIONAL, 0);
	if (ret) {
		if (entries)
			sgt->sgl = NULL;
		else
			sg_free_table(sgt);
		return ret;
	}
	return 0;
}

/**
 * mdl_dma_unmap - undo mdl_dma_map() of an allocation
 * @mdl: the allocation
 */
void mdl_dma_unmap(struct drm_mdl *mdl)
{
	struct sg_table *sgt = &mdl->sgt;

	/* Unmapped already: the DRM side revoked it when the device went. */
	if (!sgt->sgl)
		return;
	dma_unmap_sgtable(mdl->dev, sgt, DMA_BIDIRECTIONAL, 0);
	if (mdl->compact)
		sgt->sgl = NULL;
	else
		sg_free_table(sgt);
}
