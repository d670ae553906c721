// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The descriptor of an allocation: struct drm_mdl and the sg_table that is
 * its only list of pages.
 *
 * One scatterlist entry per physically contiguous run and nothing per
 * page: the runs are what the DMA mapping needs anyway, and everything
 * else (a page by index, the PFN array of a Windows MDL) is derived from
 * them. A few dozen entries live in the descriptor's own slab object; past
 * that they are sg_alloc_table()'s chain of page-sized tables, and past a
 * few pages of them one vmalloc'd array. A sparse index of every
 * DRM_MDL_RUN_INDEX_STRIDE-th entry turns a page index into an entry with
 * a binary search and a short walk.
 */

#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "mdl_internal.h"

/**
 * mdl_table_alloc - kvmalloc_array() for descriptor tables
 * @n: number of elements
 * @size: bytes per element
 * @gfp: GFP_KERNEL or GFP_NOWAIT based flags
 *
 * Unlike kvmalloc_array(), __GFP_RETRY_MAYFAIL is not passed on to the
 * physically contiguous attempt: that one would reclaim and compact, round
 * after round, for a table that vmalloc serves just as well. Contiguous only
 * when it is free right now; else vmalloc, which keeps @gfp (it fails rather
 * than wake the OOM killer). Callers that cannot sleep get kmalloc() only,
 * as with kvmalloc().
 *
 * Return: the table, to be freed with kvfree(), or NULL.
 */
void *mdl_table_alloc(size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;
	void *table;

	if (unlikely(check_mul_overflow(n, size, &bytes)))
		return NULL;
	if (bytes <= PAGE_SIZE || (gfp & GFP_KERNEL) != GFP_KERNEL)
		return kmalloc(bytes, gfp);
	table = kmalloc(bytes, (gfp | __GFP_NOWARN) &
			       ~(__GFP_RECLAIM | __GFP_RETRY_MAYFAIL));
	return table ? table : __vmalloc(bytes, gfp);
}

/* One entry of @mdl: sets it, and indexes it when its number is due. */
static struct scatterlist *mdl_set_entry(struct drm_mdl *mdl,
					 struct scatterlist *sg, unsigned int k,
					 struct page *page, unsigned long first,
					 unsigned long n)
{
	if (mdl->run_index && !(k % DRM_MDL_RUN_INDEX_STRIDE)) {
		struct drm_mdl_run_mark *mark =
			&mdl->run_index[k / DRM_MDL_RUN_INDEX_STRIDE];

		mark->first_page = first;
		mark->sg = sg;
	}
	sg_set_page(sg, page, n << PAGE_SHIFT, 0);
	return sg_next(sg);
}

/*
 * The runs the list recorded as they came in, each cut into entries at the
 * segment limit and boundary, as mdl_page_list_add() counted them.
 */
static unsigned int mdl_fill_from_runs(struct drm_mdl *mdl,
				       const struct mdl_page_list *list)
{
	struct scatterlist *sg = mdl->sgt.sgl;
	unsigned long first, end, n;
	unsigned int r, k = 0;

	for (r = 0; r < list->nr_runs; r++) {
		end = r + 1 < list->nr_runs ? list->run_starts[r + 1] :
					      list->count;
		for (first = list->run_starts[r]; first < end; first += n) {
			n = min3(end - first, list->max_seg_pages,
				 mdl_seg_room(list->seg_boundary_pages,
					      page_to_pfn(list->pages[first])));
			if (WARN_ON_ONCE(k == mdl->sgt.orig_nents))
				return k;
			sg = mdl_set_entry(mdl, sg, k++, list->pages[first],
					   first, n);
		}
	}
	return k;
}

/*
 * The runs found by comparing every page with the one before it. A page on
 * a segment boundary starts an entry: with no boundary the mask is all
 * ones, and a page that follows another is never pfn 0.
 */
static unsigned int mdl_fill_by_walking(struct drm_mdl *mdl,
					const struct mdl_page_list *list)
{
	unsigned long mask = list->seg_boundary_pages - 1;
	struct page **pages = list->pages;
	struct scatterlist *sg = mdl->sgt.sgl;
	unsigned long i, first = 0;
	unsigned int k = 0;

	for (i = 1; i <= list->count; i++) {
		if (i < list->count && i - first < list->max_seg_pages &&
		    page_to_pfn(pages[i]) == page_to_pfn(pages[i - 1]) + 1 &&
		    (page_to_pfn(pages[i]) & mask))
			continue;
		if (WARN_ON_ONCE(k == mdl->sgt.orig_nents))
			return k;
		sg = mdl_set_entry(mdl, sg, k++, pages[first], first,
				   i - first);
		first = i;
	}
	return k;
}

/*
 * The runs of @list into @mdl's entries, which have room for exactly their
 * orig_nents, and every indexed entry into its run_index, when it has one.
 */
static void mdl_fill_entries(struct drm_mdl *mdl,
			     const struct mdl_page_list *list)
{
	unsigned int k;

	if (list->nr_runs <= list->run_room)
		k = mdl_fill_from_runs(mdl, list);
	else
		k = mdl_fill_by_walking(mdl, list);
	/* The list counted the entries as pages came in: it must agree. */
	WARN_ON_ONCE(k != mdl->sgt.orig_nents);
}

/* @nents entries in one array at @sgl, unmapped. */
static void mdl_entries_init(struct drm_mdl *mdl, struct scatterlist *sgl,
			     unsigned int nents)
{
	mdl->sgt.sgl = sgl;
	mdl->sgt.orig_nents = nents;
	sg_init_table(sgl, nents);
}

/* Whether a descriptor's entries are vmalloc'd rather than chained. */
static bool mdl_entries_flat(const struct drm_mdl *mdl)
{
	return is_vmalloc_addr(mdl->sgt.sgl);
}

static void mdl_entries_free(struct drm_mdl *mdl)
{
	if (mdl_entries_flat(mdl))
		vfree(mdl->sgt.sgl);
	else
		sg_free_table(&mdl->sgt);
}

/*
 * The entries of a descriptor too big for one slab object, and its run
 * index. Callers that cannot sleep get the chain, whatever the size.
 */
static int mdl_entries_alloc(struct drm_mdl *mdl, unsigned int nents,
			     gfp_t gfp)
{
	size_t bytes = (size_t)nents * sizeof(struct scatterlist);

	if (bytes <= MDL_CHAIN_MAX_PAGES * PAGE_SIZE ||
	    (gfp & GFP_KERNEL) != GFP_KERNEL) {
		if (sg_alloc_table(&mdl->sgt, nents, gfp))
			return -ENOMEM;
		/* Not mapped until mdl_dma_map() says so. */
		mdl->sgt.nents = 0;
	} else {
		struct scatterlist *sgl = __vmalloc(bytes, gfp);

		if (!sgl)
			return -ENOMEM;
		mdl_entries_init(mdl, sgl, nents);
	}
	if (nents <= DRM_MDL_RUN_INDEX_STRIDE)
		return 0;
	mdl->run_index = mdl_table_alloc(DIV_ROUND_UP(nents,
						      DRM_MDL_RUN_INDEX_STRIDE),
					 sizeof(*mdl->run_index), gfp);
	if (!mdl->run_index) {
		mdl_entries_free(mdl);
		return -ENOMEM;
	}
	return 0;
}

/*
 * Every field of a new descriptor but its entries. One by one: memset()
 * of the structure is a string instruction whose start-up costs more than
 * the stores, on every request.
 */
static void mdl_descriptor_init(struct drm_mdl *mdl,
				const struct mdl_page_list *list, bool compact)
{
	mdl->byte_count = (u64)list->count << PAGE_SHIFT;
	mdl->page_count = list->count;
	mdl->nr_runs = list->nr_runs;
	mdl->sgt.sgl = NULL;
	mdl->sgt.nents = 0;
	mdl->sgt.orig_nents = 0;
	mdl->dev = NULL;
	mdl->cache_type = 0;
	mdl->flags = 0;
	mdl->poolable = false;
	mdl->compact = compact;
	mdl->block_order = list->block_order;
	mdl->run_index = NULL;
	INIT_LIST_HEAD(&mdl->pool_link);
}

/**
 * mdl_describe - build the descriptor of gathered pages
 * @list: the pages, at least one, with their runs and entries counted for
 *        the segment limit of the device the table will be mapped on
 * @gfp: for the descriptor
 *
 * Return: the descriptor, its sg_table filled but not mapped, or NULL. It
 * does not own the pages until the caller says so by keeping it.
 */
struct drm_mdl *mdl_describe(const struct mdl_page_list *list, gfp_t gfp)
{
	size_t sg_off = ALIGN(sizeof(struct drm_mdl),
			      __alignof__(struct scatterlist));
	unsigned int nents = list->nr_entries;
	struct drm_mdl *mdl;
	bool compact;

	if (mdl_fault_should_fail(MDL_FAULT_TABLE))
		return NULL;
	compact = sg_off + (size_t)nents * sizeof(struct scatterlist) <=
		  MDL_COMPACT_MAX_BYTES;

	mdl = kmalloc(compact ? sg_off + nents * sizeof(struct scatterlist) :
				sizeof(*mdl), gfp);
	if (!mdl)
		return NULL;
	mdl_descriptor_init(mdl, list, compact);
	if (compact) {
		mdl_entries_init(mdl, (void *)mdl + sg_off, nents);
	} else if (mdl_entries_alloc(mdl, nents, gfp)) {
		kfree(mdl);
		return NULL;
	}
	mdl_fill_entries(mdl, list);
	return mdl;
}

/**
 * mdl_release_descriptor - free a descriptor, not its pages
 * @mdl: the descriptor, unmapped
 */
void mdl_release_descriptor(struct drm_mdl *mdl)
{
	if (!mdl->compact) {
		kvfree(mdl->run_index);
		mdl_entries_free(mdl);
	}
	kfree(mdl);
}

/*
 * What @mdl's entries took: the pages of a vmalloc'd array; for a chain, a
 * page for every full table and the last one as sg_kmalloc() got it.
 */
static u64 mdl_entries_bytes(const struct drm_mdl *mdl)
{
	const struct sg_table *sgt = &mdl->sgt;
	struct scatterlist *table = sgt->sgl;
	unsigned int left = sgt->orig_nents;
	u64 bytes = 0;

	if (mdl_entries_flat(mdl))
		return mdl_table_bytes(table, left * sizeof(*table));

	while (left > SG_MAX_SINGLE_ALLOC) {
		bytes += PAGE_SIZE;
		table = sg_chain_ptr(table + SG_MAX_SINGLE_ALLOC - 1);
		left -= SG_MAX_SINGLE_ALLOC - 1;
	}
	return bytes + (left == SG_MAX_SINGLE_ALLOC ? PAGE_SIZE : ksize(table));
}

/**
 * mdl_descriptor_bytes - what a descriptor takes from the allocators
 * @mdl: the descriptor
 *
 * Return: bytes of struct drm_mdl, its entries and its index, as the slab,
 * the page allocator and vmalloc gave them out.
 */
u64 mdl_descriptor_bytes(const struct drm_mdl *mdl)
{
	unsigned int nents = mdl->sgt.orig_nents;

	if (mdl->compact)
		return ksize(mdl);
	return ksize(mdl) + mdl_entries_bytes(mdl) +
	       (mdl->run_index ?
		mdl_table_bytes(mdl->run_index,
				DIV_ROUND_UP(nents, DRM_MDL_RUN_INDEX_STRIDE) *
				sizeof(*mdl->run_index)) : 0);
}

/* The entry holding page @index, and in @first the index of its first page. */
static struct scatterlist *mdl_find_run(const struct drm_mdl *mdl,
					unsigned long index,
					unsigned long *first)
{
	struct scatterlist *sg = mdl->sgt.sgl;
	unsigned long page = 0;

	if (mdl->run_index) {
		unsigned int lo = 0, hi = DIV_ROUND_UP(mdl->sgt.orig_nents,
						       DRM_MDL_RUN_INDEX_STRIDE);

		/* The last mark at or below @index. */
		while (hi - lo > 1) {
			unsigned int mid = lo + (hi - lo) / 2;

			if (mdl->run_index[mid].first_page <= index)
				lo = mid;
			else
				hi = mid;
		}
		sg = mdl->run_index[lo].sg;
		page = mdl->run_index[lo].first_page;
	}
	for (;; sg = sg_next(sg)) {
		unsigned long n = sg->length >> PAGE_SHIFT;

		if (index < page + n)
			break;
		page += n;
	}
	*first = page;
	return sg;
}

/**
 * drm_mdl_page - one page of an allocation
 * @mdl: the allocation
 * @index: the page, below &drm_mdl.page_count
 *
 * Looks the page up in the runs: a binary search over every
 * DRM_MDL_RUN_INDEX_STRIDE-th run and a walk over at most that many.
 *
 * Return: the page; NULL for an @index out of range.
 */
struct page *drm_mdl_page(const struct drm_mdl *mdl, unsigned long index)
{
	struct scatterlist *sg;
	unsigned long first;

	if (WARN_ON_ONCE(index >= mdl->page_count))
		return NULL;
	sg = mdl_find_run(mdl, index, &first);
	return mdl_page_at(sg_page(sg), index - first);
}
EXPORT_SYMBOL_GPL(drm_mdl_page);

/**
 * mdl_contiguous_pfn - whether some pages of an MDL are one physical range
 * @mdl: the allocation
 * @first: index of the first page
 * @count: pages, @first + @count at most &drm_mdl.page_count
 * @pfn: the pfn of page @first, when the answer is yes
 *
 * A run may span several entries, cut apart at a segment limit; the pfns
 * are followed across them.
 *
 * Return: true when pages [@first, @first + @count) are consecutive frames.
 */
bool mdl_contiguous_pfn(const struct drm_mdl *mdl, unsigned long first,
			unsigned long count, unsigned long *pfn)
{
	struct scatterlist *sg;
	unsigned long start, next, have;

	if (first >= mdl->page_count || count > mdl->page_count - first)
		return false;
	sg = mdl_find_run(mdl, first, &start);
	*pfn = page_to_pfn(sg_page(sg)) + (first - start);
	have = (sg->length >> PAGE_SHIFT) - (first - start);
	next = *pfn + have;
	while (have < count) {
		sg = sg_next(sg);
		if (page_to_pfn(sg_page(sg)) != next)
			return false;
		have += sg->length >> PAGE_SHIFT;
		next += sg->length >> PAGE_SHIFT;
	}
	return true;
}

/**
 * drm_mdl_get_pfns - copy out part of the PFN array of a Windows MDL
 * @mdl: the allocation
 * @first: index of the first page
 * @count: pages wanted
 * @pfns: room for @count page frame numbers
 *
 * What code ported from Windows reads through MmGetMdlPfnArray(), for the
 * pages [@first, @first + @count) and cut at &drm_mdl.page_count.
 *
 * Return: the number of pfns stored.
 */
unsigned long drm_mdl_get_pfns(const struct drm_mdl *mdl, unsigned long first,
			       unsigned long count, unsigned long *pfns)
{
	struct scatterlist *sg;
	unsigned long start, done = 0;

	if (first >= mdl->page_count)
		return 0;
	count = min(count, mdl->page_count - first);
	sg = mdl_find_run(mdl, first, &start);
	first -= start;
	while (done < count) {
		unsigned long pfn = page_to_pfn(sg_page(sg)) + first;
		unsigned long n = min((sg->length >> PAGE_SHIFT) - first,
				      count - done);

		while (n--)
			pfns[done++] = pfn++;
		first = 0;
		sg = sg_next(sg);
	}
	return done;
}
EXPORT_SYMBOL_GPL(drm_mdl_get_pfns);
