// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * DMA mapping of an allocation's runs on the caller's device, the DMA
 * segments and page addresses read back from it, and tables of the runs for
 * dma-buf importers.
 *
 * A single run maps as one range. Where the kernel has the IOVA API, an
 * allocation behind an IOMMU is linked run by run into one IOVA range, and
 * one outside an IOMMU is mapped run by run at its physical addresses:
 * nothing per run is kept beyond the runs themselves. Elsewhere (older
 * kernels, or a platform whose bus offset is not the same for every run)
 * a scatterlist of the runs is mapped with dma_map_sgtable() and kept
 * while the mapping lives. The device's segment limit and boundary cut the
 * DMA segments as they are read; they never cut the descriptor's runs.
 */

#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/iommu.h>
#include <linux/math64.h>
#include <linux/scatterlist.h>
#include <linux/swiotlb.h>
#include <linux/vmalloc.h>

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
 * The runs of @mdl cut every @max_pages pages and at every multiple of
 * @boundary pages (0: none): into @sg when it is not NULL. Returns how many
 * entries that takes.
 */
static unsigned int mdl_dma_cut_runs(const struct drm_mdl *mdl,
				     unsigned long max_pages,
				     unsigned long boundary,
				     struct scatterlist *sg)
{
	struct mdl_run_iter it __uninitialized;
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
 * drm_mdl_get_sg_table - a table of an allocation's pages for a device
 * @dev: the device that will map the table, such as a dma-buf importer
 * @sgt: the table, filled on success; sg_free_table() frees it
 * @mdl: the allocation
 * @gfp: for the table
 *
 * The runs cut at @dev's own segment limit and boundary, unmapped: the
 * caller maps the table on @dev with dma_map_sgtable().
 *
 * Return: 0, or a negative errno with nothing allocated.
 */
int drm_mdl_get_sg_table(struct device *dev, struct sg_table *sgt,
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
EXPORT_SYMBOL_GPL(drm_mdl_get_sg_table);

/**
 * mdl_dma_inline_table_bytes - room a descriptor keeps for its table
 * @nr_entries: entries the runs take on the device it is for
 *
 * Where the kernel maps with a table, a small allocation's table lives in
 * its descriptor's slab object, as the runs do.
 *
 * Return: bytes; 0 where the kernel maps without a table.
 */
size_t mdl_dma_inline_table_bytes(unsigned int nr_entries)
{
	return MDL_HAVE_DMA_BY_RUN ? 0 :
	       (size_t)nr_entries * sizeof(struct scatterlist);
}

/*
 * Segments the DMA range [@addr, @addr + @len) takes on the device: the
 * count mdl_dma_next() would walk, in arithmetic. Mapping counts every
 * run this way, and a walk per run, with its iterator cleared first, was
 * most of the map phase of a scattered request outside an IOMMU.
 */
static unsigned int mdl_dma_span_segments(const struct mdl_dma_state *st,
					  dma_addr_t addr, u64 len)
{
	u32 max_seg = st->max_seg_pages << PAGE_SHIFT;
	u64 boundary, head, whole;

	if (!st->boundary_pages)
		return DIV_ROUND_UP_ULL(len, max_seg);
	boundary = (u64)st->boundary_pages << PAGE_SHIFT;
	/* Up to the first boundary, whole boundary windows, and the rest. */
	head = min(len, boundary - (addr & (boundary - 1)));
	len -= head;
	whole = len >> __ffs64(boundary);
	return DIV_ROUND_UP_ULL(head, max_seg) +
	       whole * DIV_ROUND_UP_ULL(boundary, max_seg) +
	       DIV_ROUND_UP_ULL(len & (boundary - 1), max_seg);
}

static int mdl_dma_map_range(struct device *dev, struct drm_mdl *mdl,
			     struct mdl_dma_state *st)
{
	dma_addr_t addr = dma_map_page(dev, mdl_first_page(mdl), 0,
				       mdl->byte_count, DMA_BIDIRECTIONAL);

	if (dma_mapping_error(dev, addr))
		return -ENOMEM;
	st->addr = addr;
	st->segments = mdl_dma_span_segments(st, addr, mdl->byte_count);
	st->mode = MDL_DMA_RANGE;
	return 0;
}

/*
 * Whether runs may be linked one after the other into one IOVA range.
 * Each but the first must start on the IOMMU's granule, and runs are only
 * page-aligned: an IOMMU with larger pages (Apple's DART under 4 KiB
 * kernel pages) would refuse them, or bounce the ends of an untrusted
 * device's through swiotlb. And a non-coherent device would need syncs
 * the streaming DMA API does not track for IOVA links (DMA-API debugging
 * reports each as of memory never mapped): it takes a table instead.
 */
static bool mdl_dma_can_link(struct device *dev)
{
	return dma_get_merge_boundary(dev) < PAGE_SIZE &&
	       dev_is_dma_coherent(dev);
}

/* Links the runs one after the other into the IOVA range @st holds. */
static int mdl_dma_link(struct device *dev, struct drm_mdl *mdl,
			struct mdl_dma_state *st)
{
	struct mdl_run_iter it __uninitialized;
	size_t mapped = 0;
	int ret = 0;

	mdl_run_start(&it, mdl);
	while (mdl_run_next(&it)) {
		size_t len = it.nr_pages << PAGE_SHIFT;

		ret = dma_iova_link(dev, &st->iova, PFN_PHYS(it.pfn), mapped,
				    len, DMA_BIDIRECTIONAL, 0);
		if (ret)
			break;
		mapped += len;
	}
	/* One IOTLB sync for the whole range, not one per run. */
	if (!ret)
		ret = dma_iova_sync(dev, &st->iova, 0, mapped);
	if (ret) {
		dma_iova_destroy(dev, &st->iova, mapped, DMA_BIDIRECTIONAL, 0);
		return ret;
	}
	st->segments = mdl_dma_span_segments(st, st->iova.addr,
					     mdl->byte_count);
	st->mode = MDL_DMA_IOVA;
	return 0;
}

/* Unmaps the first @nr_runs runs of a mapping made run by run. */
static void mdl_dma_unmap_runs(struct device *dev, const struct drm_mdl *mdl,
			       u64 offset, unsigned int nr_runs)
{
	struct mdl_run_iter it __uninitialized;

	mdl_run_start(&it, mdl);
	while (nr_runs-- && mdl_run_next(&it))
		dma_unmap_page(dev, PFN_PHYS(it.pfn) + offset,
			       it.nr_pages << PAGE_SHIFT, DMA_BIDIRECTIONAL);
}

/*
 * Maps the runs one by one outside an IOMMU. The DMA address of a page is
 * then its physical address plus the bus offset, which must be the same
 * for every run for that to be all the mapping keeps: -EAGAIN, with
 * nothing mapped, where it is not (a bus with several DMA ranges, or DMA
 * ops of its own).
 */
static int mdl_dma_map_by_run(struct device *dev, struct drm_mdl *mdl,
			      struct mdl_dma_state *st)
{
	unsigned int mapped = 0, segments = 0;
	struct mdl_run_iter it __uninitialized;
	u64 offset = 0;
	int ret = 0;

	mdl_run_start(&it, mdl);
	while (mdl_run_next(&it)) {
		size_t len = it.nr_pages << PAGE_SHIFT;
		dma_addr_t addr = dma_map_page(dev, pfn_to_page(it.pfn), 0, len,
					       DMA_BIDIRECTIONAL);

		if (dma_mapping_error(dev, addr)) {
			ret = -ENOMEM;
			break;
		}
		if (!mapped) {
			offset = addr - PFN_PHYS(it.pfn);
		} else if (addr - PFN_PHYS(it.pfn) != offset) {
			dma_unmap_page(dev, addr, len, DMA_BIDIRECTIONAL);
			ret = -EAGAIN;
			break;
		}
		mapped++;
		segments += mdl_dma_span_segments(st, addr, len);
	}
	if (ret) {
		mdl_dma_unmap_runs(dev, mdl, offset, mapped);
		return ret;
	}
	st->offset = offset;
	st->segments = segments;
	st->mode = MDL_DMA_OFFSET;
	return 0;
}

static void mdl_dma_table_free(const struct drm_mdl *mdl,
			       struct mdl_dma_state *st)
{
	struct scatterlist *sgl = st->sgt.sgl;

	if (sgl == mdl_inline_sgl(mdl))
		return;
	if (is_vmalloc_addr(sgl))
		vfree(sgl);
	else
		sg_free_table(&st->sgt);
}

/*
 * A table of @nents entries: in the descriptor when it has room, else a
 * chain of page-sized tables, or one vmalloc'd array past a few pages of
 * them. Callers that cannot sleep get the chain, whatever the size.
 */
static int mdl_dma_table_alloc(const struct drm_mdl *mdl,
			       struct mdl_dma_state *st, unsigned int nents,
			       gfp_t gfp)
{
	size_t bytes = (size_t)nents * sizeof(struct scatterlist);
	struct scatterlist *sgl;

	if (nents > st->inline_sg_room &&
	    (bytes <= MDL_CHAIN_MAX_PAGES * PAGE_SIZE ||
	     (gfp & GFP_KERNEL) != GFP_KERNEL))
		return sg_alloc_table(&st->sgt, nents, gfp) ? -ENOMEM : 0;
	sgl = nents <= st->inline_sg_room ? mdl_inline_sgl(mdl) :
					    __vmalloc(bytes, gfp);
	if (!sgl)
		return -ENOMEM;
	st->sgt.sgl = sgl;
	st->sgt.orig_nents = nents;
	st->sgt.nents = 0;
	sg_init_table(sgl, nents);
	return 0;
}

/* The runs as a table, cut at the device's limits, and mapped. */
static int mdl_dma_map_table(struct device *dev, struct drm_mdl *mdl,
			     struct mdl_dma_state *st, gfp_t gfp)
{
	unsigned int nents = mdl_dma_cut_runs(mdl, st->max_seg_pages,
					      st->boundary_pages, NULL);

	if (mdl_dma_table_alloc(mdl, st, nents, gfp))
		return -ENOMEM;
	mdl_dma_cut_runs(mdl, st->max_seg_pages, st->boundary_pages,
			 st->sgt.sgl);
	/*
	 * -EIO and -EINVAL say nothing a caller could act on beyond "no
	 * mapping now"; the contract has -ENOMEM for that.
	 */
	if (dma_map_sgtable(dev, &st->sgt, DMA_BIDIRECTIONAL, 0)) {
		mdl_dma_table_free(mdl, st);
		return -ENOMEM;
	}
	st->segments = st->sgt.nents;
	st->mode = MDL_DMA_TABLE;
	return 0;
}

/**
 * mdl_dma_map - map a new descriptor's runs on its device
 * @dev: the device
 * @mdl: the descriptor, its runs filled, unmapped
 * @gfp: for a table, where the mapping needs one
 *
 * Return: 0, or a negative errno with nothing mapped.
 */
int mdl_dma_map(struct device *dev, struct drm_mdl *mdl, gfp_t gfp)
{
	struct mdl_dma_state *st = &mdl_desc(mdl)->dma;
	int ret;

	if (mdl_fault_should_fail(MDL_FAULT_DMA_MAP))
		return -ENOMEM;
	st->max_seg_pages = mdl_dma_max_seg_pages(dev);
	st->boundary_pages = mdl_dma_seg_boundary_pages(dev);
	/*
	 * A single run, as most small requests are, maps as a page: behind
	 * an IOMMU the other ways' passes and the table-sized IOVA cost a
	 * tenth of a cold 4 KiB request, for the same mapping.
	 */
	if (mdl->nr_runs == 1)
		return mdl_dma_map_range(dev, mdl, st);
	if (mdl_dma_can_link(dev) &&
	    dma_iova_try_alloc(dev, &st->iova, 0, mdl->byte_count)) {
		ret = mdl_dma_link(dev, mdl, st);
	} else {
		ret = mdl_dma_maps_directly(dev) ?
		      mdl_dma_map_by_run(dev, mdl, st) : -EAGAIN;
	}
	/* Whatever failed left nothing mapped: the table may still do. */
	return ret ? mdl_dma_map_table(dev, mdl, st, gfp) : 0;
}

/**
 * mdl_dma_unmap - undo mdl_dma_map() of an allocation
 * @mdl: the allocation
 */
void mdl_dma_unmap(struct drm_mdl *mdl)
{
	struct mdl_dma_state *st = &mdl_desc(mdl)->dma;
	struct device *dev = mdl->dev;

	switch (st->mode) {
	case MDL_DMA_UNMAPPED:
		/* The DRM side revoked it when the device went. */
		return;
	case MDL_DMA_RANGE:
		dma_unmap_page(dev, st->addr, mdl->byte_count,
			       DMA_BIDIRECTIONAL);
		break;
	case MDL_DMA_IOVA:
		dma_iova_destroy(dev, &st->iova, mdl->byte_count,
				 DMA_BIDIRECTIONAL, 0);
		break;
	case MDL_DMA_OFFSET:
		/* dma-direct without bouncing or debugging keeps nothing. */
		if (dma_need_unmap(dev))
			mdl_dma_unmap_runs(dev, mdl, st->offset, mdl->nr_runs);
		break;
	case MDL_DMA_TABLE:
		dma_unmap_sgtable(dev, &st->sgt, DMA_BIDIRECTIONAL, 0);
		mdl_dma_table_free(mdl, st);
		break;
	}
	st->mode = MDL_DMA_UNMAPPED;
	st->segments = 0;
}

/**
 * mdl_dma_table_bytes - what a mapping's table takes from the allocators
 * @mdl: the allocation
 *
 * Return: bytes, 0 when the mapping has no table of its own.
 */
u64 mdl_dma_table_bytes(const struct drm_mdl *mdl)
{
	const struct mdl_dma_state *st = &mdl_desc(mdl)->dma;
	struct scatterlist *table = st->sgt.sgl;
	unsigned int left = st->sgt.orig_nents;
	u64 bytes = 0;

	if (st->mode != MDL_DMA_TABLE || table == mdl_inline_sgl(mdl))
		return 0;
	if (is_vmalloc_addr(table))
		return mdl_table_bytes(table, left * sizeof(*table));
	/* A page for every full table of the chain, the last as it came. */
	while (left > SG_MAX_SINGLE_ALLOC) {
		bytes += PAGE_SIZE;
		table = sg_chain_ptr(table + SG_MAX_SINGLE_ALLOC - 1);
		left -= SG_MAX_SINGLE_ALLOC - 1;
	}
	return bytes + (left == SG_MAX_SINGLE_ALLOC ? PAGE_SIZE : ksize(table));
}

/* The next DMA-contiguous span of a mapping made of several. */
static bool mdl_dma_next_span(struct mdl_dma_iter *it)
{
	u64 run;

	switch (it->state->mode) {
	case MDL_DMA_OFFSET:
		if (it->next == it->nr_runs)
			return false;
		run = it->runs[it->next++];
		it->span = PFN_PHYS(mdl_run_pfn(run)) + it->state->offset;
		it->span_len = (u64)mdl_run_pages(run) << PAGE_SHIFT;
		return true;
	case MDL_DMA_TABLE:
		if (!it->sg_left)
			return false;
		it->span = sg_dma_address(it->sg);
		it->span_len = sg_dma_len(it->sg);
		it->sg = sg_next(it->sg);
		it->sg_left--;
		return true;
	default:
		return false;
	}
}

/**
 * mdl_dma_next - the next DMA segment
 * @it: the iterator, from mdl_dma_seek()
 *
 * Segments are DMA-contiguous pieces cut at the device's segment limit and
 * boundary, as it would take them in one descriptor each.
 *
 * Return: true with &mdl_dma_iter.addr and .len set; false at the end.
 */
bool mdl_dma_next(struct mdl_dma_iter *it)
{
	const struct mdl_dma_state *st = it->state;
	u64 len;

	if (!it->span_len && !mdl_dma_next_span(it))
		return false;
	len = min_t(u64, it->span_len, (u64)st->max_seg_pages << PAGE_SHIFT);
	if (st->boundary_pages) {
		u64 boundary = (u64)st->boundary_pages << PAGE_SHIFT;

		len = min(len, boundary - (it->span & (boundary - 1)));
	}
	it->addr = it->span;
	it->len = len;
	it->span += len;
	it->span_len -= len;
	return true;
}

/*
 * Moves the start of the walk's one span past the segments that end at or
 * before @offset bytes into it, without cutting them one by one: a device
 * with page-sized segments would make that a million steps at 4 GiB.
 * Segments restart at every boundary, and between two they are full
 * segment limits but the last.
 */
static u64 mdl_dma_skip(struct mdl_dma_iter *it, u64 offset)
{
	const struct mdl_dma_state *st = it->state;
	u64 max = (u64)st->max_seg_pages << PAGE_SHIFT, skip = 0;

	if (st->boundary_pages) {
		u64 boundary = (u64)st->boundary_pages << PAGE_SHIFT;
		u64 first = boundary - (it->span & (boundary - 1));

		if (offset >= first)
			skip = first + div64_u64(offset - first, boundary) *
				       boundary;
	}
	skip += div64_u64(offset - skip, max) * max;
	it->span += skip;
	it->span_len -= skip;
	return offset - skip;
}

/**
 * mdl_dma_seek - start a walk of a mapping's DMA segments at a byte
 * @it: the iterator
 * @mdl: the allocation, mapped
 * @offset: byte offset into the allocation
 *
 * Return: true with &mdl_dma_iter.addr and .len set to the rest of the
 * segment @offset is in; false when @offset is past the end or @mdl is not
 * mapped.
 */
bool mdl_dma_seek(struct mdl_dma_iter *it, const struct drm_mdl *mdl,
		  u64 offset)
{
	const struct mdl_descriptor *desc = mdl_desc(mdl);
	const struct mdl_dma_state *st = &desc->dma;
	unsigned long first;

	it->state = st;
	it->span_len = 0;
	if (offset >= mdl->byte_count)
		return false;
	switch (st->mode) {
	case MDL_DMA_RANGE:
	case MDL_DMA_IOVA:
		it->span = st->mode == MDL_DMA_RANGE ? st->addr : st->iova.addr;
		it->span_len = mdl->byte_count;
		offset = mdl_dma_skip(it, offset);
		break;
	case MDL_DMA_OFFSET:
		it->runs = desc->runs;
		it->nr_runs = mdl->nr_runs;
		it->next = mdl_find_run(mdl, offset >> PAGE_SHIFT, &first);
		offset -= (u64)first << PAGE_SHIFT;
		break;
	case MDL_DMA_TABLE:
		it->sg = st->sgt.sgl;
		it->sg_left = st->sgt.nents;
		break;
	default:
		return false;
	}
	while (mdl_dma_next(it)) {
		if (offset < it->len) {
			it->addr += offset;
			it->len -= offset;
			return true;
		}
		offset -= it->len;
	}
	/* The mapping must cover every byte of the allocation. */
	WARN_ON_ONCE(1);
	return false;
}

/**
 * mdl_dma_iter_pages - DMA addresses of the next pages
 * @it: the iterator, at a page boundary
 * @n: pages wanted
 * @addrs: room for @n addresses
 *
 * Return: addresses stored, fewer than @n only at the end.
 */
unsigned long mdl_dma_iter_pages(struct mdl_dma_iter *it, unsigned long n,
				 dma_addr_t *addrs)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		if (!it->len && !mdl_dma_next(it))
			break;
		addrs[i] = it->addr;
		it->addr += PAGE_SIZE;
		it->len -= PAGE_SIZE;
	}
	return i;
}

/**
 * drm_mdl_get_dma_addrs - DMA addresses of part of an allocation
 * @mdl: the allocation
 * @first: index of the first page
 * @count: pages wanted
 * @addrs: room for @count addresses
 *
 * The addresses on &drm_mdl.dev of pages [@first, @first + @count), cut
 * at &drm_mdl.page_count: what a &struct ttm_tt's dma_address array holds.
 *
 * Return: the number of addresses stored; 0 once the device is gone.
 */
unsigned long drm_mdl_get_dma_addrs(const struct drm_mdl *mdl,
				    unsigned long first, unsigned long count,
				    dma_addr_t *addrs)
{
	struct mdl_dma_iter it;

	if (!mdl_dma_seek(&it, mdl, (u64)first << PAGE_SHIFT))
		return 0;
	return mdl_dma_iter_pages(&it, min(count, mdl->page_count - first),
				  addrs);
}
EXPORT_SYMBOL_GPL(drm_mdl_get_dma_addrs);

/**
 * drm_mdl_dma_segment_count - DMA segments of an allocation's mapping
 * @mdl: the allocation
 *
 * Behind an IOMMU an allocation is normally one segment, whatever its
 * runs; outside one, a segment per run, cut at the device's segment limit
 * and boundary.
 *
 * Return: the count; 0 once the device is gone.
 */
unsigned int drm_mdl_dma_segment_count(const struct drm_mdl *mdl)
{
	return mdl_desc(mdl)->dma.segments;
}
EXPORT_SYMBOL_GPL(drm_mdl_dma_segment_count);

/*
 * The streaming DMA API's ownership hand-over, for a mapping that lives as
 * long as the allocation: a range at a time, each physically contiguous,
 * as the IOMMU code that translates it back wants.
 */
static void mdl_dma_sync_range(struct device *dev, dma_addr_t addr,
			       size_t len, bool for_device)
{
	if (for_device)
		dma_sync_single_for_device(dev, addr, len, DMA_BIDIRECTIONAL);
	else
		dma_sync_single_for_cpu(dev, addr, len, DMA_BIDIRECTIONAL);
}

static void mdl_dma_sync(struct drm_mdl *mdl, bool for_device)
{
	struct mdl_dma_state *st = &mdl_desc(mdl)->dma;
	struct device *dev = mdl->dev;
	struct mdl_run_iter it __uninitialized;

	switch (st->mode) {
	case MDL_DMA_TABLE:
		if (for_device)
			dma_sync_sgtable_for_device(dev, &st->sgt,
						    DMA_BIDIRECTIONAL);
		else
			dma_sync_sgtable_for_cpu(dev, &st->sgt,
						 DMA_BIDIRECTIONAL);
		break;
	case MDL_DMA_RANGE:
		mdl_dma_sync_range(dev, st->addr, mdl->byte_count, for_device);
		break;
	case MDL_DMA_OFFSET:
		mdl_run_start(&it, mdl);
		while (mdl_run_next(&it))
			mdl_dma_sync_range(dev, PFN_PHYS(it.pfn) + st->offset,
					   it.nr_pages << PAGE_SHIFT,
					   for_device);
		break;
	default:
		/* IOVA links only coherent devices: nothing to sync. */
		break;
	}
}

/**
 * drm_mdl_dma_sync_for_device - hand an allocation's pages to its device
 * @mdl: the allocation
 *
 * What dma_sync_sgtable_for_device() is for a mapped table, on whatever
 * way the allocation is mapped: needed before the device reads what the
 * CPU wrote where the device is not cache-coherent. Nothing once the
 * device is gone.
 */
void drm_mdl_dma_sync_for_device(struct drm_mdl *mdl)
{
	mdl_dma_sync(mdl, true);
}
EXPORT_SYMBOL_GPL(drm_mdl_dma_sync_for_device);

/**
 * drm_mdl_dma_sync_for_cpu - take an allocation's pages back from its device
 * @mdl: the allocation
 *
 * What dma_sync_sgtable_for_cpu() is for a mapped table: needed before the
 * CPU reads what a non-coherent device wrote. Nothing once the device is
 * gone.
 */
void drm_mdl_dma_sync_for_cpu(struct drm_mdl *mdl)
{
	mdl_dma_sync(mdl, false);
}
EXPORT_SYMBOL_GPL(drm_mdl_dma_sync_for_cpu);
