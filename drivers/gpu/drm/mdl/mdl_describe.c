// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The descriptor of an allocation: struct drm_mdl and its runs, its only
 * list of pages.
 *
 * One u64 per maximal physically contiguous run and nothing per page: the
 * runs are what the DMA mapping needs anyway, and everything else (a page
 * by index, the PFN array of a Windows MDL) is derived from them. A couple
 * of hundred runs live in the descriptor's own slab object; past that in a
 * table of their own. A sparse index of the first page of every
 * MDL_RUN_INDEX_STRIDE-th run turns a page index into a run with a binary
 * search and a short walk.
 *
 * The runs are not cut at any device's segment limit: that is the
 * mapping's business (mdl_dma.c), and each dma-buf importer's.
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

/* Run @k of @desc, indexed when its number is due. */
static void mdl_set_run(struct mdl_descriptor *desc, unsigned int k,
			unsigned long pfn, unsigned long first,
			unsigned long n)
{
	if (desc->run_index && !(k % MDL_RUN_INDEX_STRIDE))
		desc->run_index[k / MDL_RUN_INDEX_STRIDE] = first;
	desc->runs[k] = mdl_run_encode(pfn, n);
}

/* The runs the list recorded as they came in. */
static unsigned int mdl_fill_from_runs(struct mdl_descriptor *desc,
				       const struct mdl_page_list *list)
{
	unsigned long first, end;
	unsigned int r;

	for (r = 0; r < list->nr_runs; r++) {
		first = list->run_starts[r];
		end = r + 1 < list->nr_runs ? list->run_starts[r + 1] :
					      list->count;
		mdl_set_run(desc, r, page_to_pfn(list->pages[first]), first,
			    end - first);
	}
	return r;
}

/* The runs found by comparing every page with the one before it. */
static unsigned int mdl_fill_by_walking(struct mdl_descriptor *desc,
					const struct mdl_page_list *list)
{
	struct page **pages = list->pages;
	unsigned long i, first = 0;
	unsigned int k = 0;

	for (i = 1; i <= list->count; i++) {
		if (i < list->count &&
		    page_to_pfn(pages[i]) == page_to_pfn(pages[i - 1]) + 1)
			continue;
		if (WARN_ON_ONCE(k == list->nr_runs))
			return k;
		mdl_set_run(desc, k++, page_to_pfn(pages[first]), first,
			    i - first);
		first = i;
	}
	return k;
}

/*
 * The runs of @list, and every indexed run into the run index. The list
 * counted the runs as pages came in: false when the pages disagree.
 */
static bool mdl_fill_runs(struct mdl_descriptor *desc,
			  const struct mdl_page_list *list)
{
	unsigned int k;

	if (list->nr_runs <= list->run_room)
		k = mdl_fill_from_runs(desc, list);
	else
		k = mdl_fill_by_walking(desc, list);
	return !WARN_ON_ONCE(k != list->nr_runs);
}

/*
 * Whether the runs may be written over the list's own page array, which the
 * descriptor then keeps: a scattered request, where a second table of
 * nearly the same length would cost as much again to allocate (vmalloc
 * and vfree of a megabyte per scattered 512 MiB). Only when the array, as
 * the allocator gave it out, is at most an eighth larger than the runs
 * need: a slab object rounded up to a power of two, or a request with far
 * fewer runs than pages, would keep up to twice a right-sized array. And
 * only for a table sized for every page it holds, so that its size follows
 * from the page count, and where a run and a page pointer take the same
 * room.
 */
static bool mdl_may_take_table(const struct mdl_page_list *list)
{
	u64 kept;

	if (sizeof(struct page *) != sizeof(u64) || !list->table ||
	    list->count != list->capacity)
		return false;
	kept = mdl_table_bytes(list->table,
			       mdl_gather_table_words(list->capacity) *
			       sizeof(struct page *));
	return 8 * kept <= 9 * (u64)list->nr_runs * sizeof(u64);
}

/*
 * The runs written over the page array they come from. Run k starts at
 * page k or later, and lands in slot k once its pages are read, so every
 * slot is read before it is written over. The index has room for a run per
 * page: a walk that finds more runs than the list counted cannot overrun
 * it, and keeps the runs it found.
 */
static void mdl_fill_in_place(struct mdl_descriptor *desc,
			      const struct mdl_page_list *list)
{
	struct page **pages = list->pages;
	unsigned long i, first = 0, start, prev;
	unsigned int k = 0;

	start = page_to_pfn(pages[0]);
	prev = start;
	for (i = 1; i <= list->count; i++) {
		unsigned long pfn = i < list->count ? page_to_pfn(pages[i]) : 0;

		if (i < list->count && pfn == prev + 1) {
			prev = pfn;
			continue;
		}
		mdl_set_run(desc, k++, start, first, i - first);
		first = i;
		start = pfn;
		prev = pfn;
	}
	if (WARN_ON_ONCE(k != list->nr_runs))
		desc->mdl.nr_runs = k;
}

/* Entries of the run index of a descriptor that took its list's table. */
static size_t mdl_in_place_index_len(unsigned long nr_pages)
{
	return DIV_ROUND_UP(nr_pages, MDL_RUN_INDEX_STRIDE);
}

/* The runs of a descriptor too big for one slab object, and their index. */
static int mdl_runs_alloc(struct mdl_descriptor *desc, unsigned int nr_runs,
			  gfp_t gfp)
{
	desc->runs = mdl_table_alloc(nr_runs, sizeof(*desc->runs), gfp);
	if (!desc->runs)
		return -ENOMEM;
	if (nr_runs <= MDL_RUN_INDEX_STRIDE)
		return 0;
	desc->run_index = mdl_table_alloc(DIV_ROUND_UP(nr_runs,
						       MDL_RUN_INDEX_STRIDE),
					  sizeof(*desc->run_index), gfp);
	if (!desc->run_index) {
		kvfree(desc->runs);
		return -ENOMEM;
	}
	return 0;
}

/*
 * Every field of a new descriptor but its runs. One by one: memset() of
 * the structure is a string instruction whose start-up costs more than the
 * stores, on every request.
 */
static void mdl_descriptor_init(struct mdl_descriptor *desc,
				const struct mdl_page_list *list, bool compact)
{
	struct drm_mdl *mdl = &desc->mdl;

	mdl->byte_count = (u64)list->count << PAGE_SHIFT;
	mdl->page_count = list->count;
	mdl->nr_runs = list->nr_runs;
	mdl->dev = NULL;
	mdl->cache_type = 0;
	mdl->flags = 0;
	mdl->poolable = false;
	mdl->compact = compact;
	mdl->in_place = false;
	mdl->block_order = list->block_order;
	INIT_LIST_HEAD(&mdl->pool_link);
	desc->runs = desc->inline_runs;
	desc->run_index = NULL;
	desc->dma.mode = MDL_DMA_UNMAPPED;
	desc->dma.segments = 0;
	desc->dma.inline_sg_room = 0;
}

/* Where a compact descriptor's table room starts, after its runs. */
static size_t mdl_inline_sgl_offset(unsigned int nr_runs)
{
	return ALIGN(sizeof(struct mdl_descriptor) +
		     (size_t)nr_runs * sizeof(u64),
		     __alignof__(struct scatterlist));
}

/**
 * mdl_compact_bytes - one slab object for a descriptor and all it holds
 * @nr_runs: its runs
 * @nr_entries: entries a table of them takes on its device
 *
 * Return: bytes of the descriptor with its runs and, for more than one run
 * where the kernel maps with a table, room for the table after them.
 */
size_t mdl_compact_bytes(unsigned int nr_runs, unsigned int nr_entries)
{
	if (nr_runs < 2 || !mdl_dma_inline_table_bytes(nr_entries))
		return sizeof(struct mdl_descriptor) +
		       (size_t)nr_runs * sizeof(u64);
	return mdl_inline_sgl_offset(nr_runs) +
	       mdl_dma_inline_table_bytes(nr_entries);
}

/**
 * mdl_inline_sgl - the room for a table in a descriptor's slab object
 * @mdl: the descriptor
 *
 * Return: &mdl_dma_state.inline_sg_room entries after the runs, or NULL
 * when the descriptor has no such room.
 */
struct scatterlist *mdl_inline_sgl(const struct drm_mdl *mdl)
{
	struct mdl_descriptor *desc = mdl_desc(mdl);

	if (!desc->dma.inline_sg_room)
		return NULL;
	return (void *)desc + mdl_inline_sgl_offset(mdl->nr_runs);
}

/*
 * @desc, initialised, takes @list's table for its runs. From here on the
 * list holds no pages: they are the descriptor's runs.
 */
static struct drm_mdl *mdl_describe_in_place(struct mdl_descriptor *desc,
					     struct mdl_page_list *list,
					     gfp_t gfp)
{
	if (list->nr_runs > MDL_RUN_INDEX_STRIDE) {
		desc->run_index =
			mdl_table_alloc(mdl_in_place_index_len(list->count),
					sizeof(*desc->run_index), gfp);
		if (!desc->run_index) {
			kfree(desc);
			return NULL;
		}
	}
	desc->runs = list->table;
	desc->mdl.in_place = true;
	mdl_fill_in_place(desc, list);
	list->table = NULL;
	list->pages = NULL;
	list->count = 0;
	list->run_starts = NULL;
	list->run_room = 0;
	return &desc->mdl;
}

/**
 * mdl_describe - build the descriptor of gathered pages
 * @list: the pages, at least one, with their runs counted, and the entries
 *        a table of them takes on the device it will be mapped on
 * @gfp: for the descriptor
 *
 * A scattered request's runs are written over its list's table, which the
 * descriptor keeps (mdl_may_take_table()): the list is empty afterwards,
 * and its pages are the descriptor's runs (mdl_chunk_release_runs()).
 *
 * Return: the descriptor, not mapped, or NULL with the list as it was. It
 * does not own the pages until the caller says so by keeping it.
 */
struct drm_mdl *mdl_describe(struct mdl_page_list *list, gfp_t gfp)
{
	size_t bytes = mdl_compact_bytes(list->nr_runs, list->nr_entries);
	struct mdl_descriptor *desc;
	bool compact;

	/* A run's length takes the bits above its pfn. */
	BUILD_BUG_ON((DRM_MDL_MAX_BYTES >> PAGE_SHIFT) >
		     1ULL << (64 - MDL_RUN_PFN_BITS));
	if (mdl_fault_should_fail(MDL_FAULT_TABLE))
		return NULL;
	compact = bytes <= MDL_COMPACT_MAX_BYTES;

	desc = kmalloc(compact ? bytes : sizeof(*desc), gfp);
	if (!desc)
		return NULL;
	mdl_descriptor_init(desc, list, compact);
	if (compact && list->nr_runs > 1 &&
	    mdl_dma_inline_table_bytes(list->nr_entries)) {
		desc->dma.inline_sg_room = list->nr_entries;
	} else if (!compact && mdl_may_take_table(list)) {
		return mdl_describe_in_place(desc, list, gfp);
	} else if (!compact && mdl_runs_alloc(desc, list->nr_runs, gfp)) {
		kfree(desc);
		return NULL;
	}
	if (!mdl_fill_runs(desc, list)) {
		mdl_release_descriptor(&desc->mdl);
		return NULL;
	}
	return &desc->mdl;
}

/**
 * mdl_release_descriptor - free a descriptor, not its pages
 * @mdl: the descriptor, unmapped
 */
void mdl_release_descriptor(struct drm_mdl *mdl)
{
	struct mdl_descriptor *desc = mdl_desc(mdl);

	WARN_ON_ONCE(desc->dma.mode != MDL_DMA_UNMAPPED);
	if (!mdl->compact) {
		kvfree(desc->run_index);
		kvfree(desc->runs);
	}
	kfree(desc);
}

/**
 * mdl_descriptor_bytes - what a descriptor takes from the allocators
 * @mdl: the descriptor
 *
 * Return: bytes of the descriptor, its runs, its index and its mapping's
 * table, as the slab, the page allocator and vmalloc gave them out.
 */
u64 mdl_descriptor_bytes(const struct drm_mdl *mdl)
{
	const struct mdl_descriptor *desc = mdl_desc(mdl);
	u64 bytes = ksize(desc) + mdl_dma_table_bytes(mdl);
	size_t index_len;

	if (mdl->compact)
		return bytes;
	if (mdl->in_place) {
		bytes += mdl_table_bytes(desc->runs,
					 mdl_gather_table_words(mdl->page_count) *
					 sizeof(struct page *));
		index_len = mdl_in_place_index_len(mdl->page_count);
	} else {
		bytes += mdl_table_bytes(desc->runs,
					 mdl->nr_runs * sizeof(*desc->runs));
		index_len = DIV_ROUND_UP(mdl->nr_runs, MDL_RUN_INDEX_STRIDE);
	}
	if (desc->run_index)
		bytes += mdl_table_bytes(desc->run_index,
					 index_len * sizeof(*desc->run_index));
	return bytes;
}

/**
 * mdl_find_run - the run holding one page of an MDL
 * @mdl: the allocation
 * @index: the page, below &drm_mdl.page_count
 * @first: set to the index of the run's first page
 *
 * Return: the run's number.
 */
unsigned int mdl_find_run(const struct drm_mdl *mdl, unsigned long index,
			  unsigned long *first)
{
	const struct mdl_descriptor *desc = mdl_desc(mdl);
	unsigned long page = 0;
	unsigned int k = 0;

	if (desc->run_index) {
		unsigned int lo = 0, hi = DIV_ROUND_UP(mdl->nr_runs,
						       MDL_RUN_INDEX_STRIDE);

		/* The last mark at or below @index. */
		while (hi - lo > 1) {
			unsigned int mid = lo + (hi - lo) / 2;

			if (desc->run_index[mid] <= index)
				lo = mid;
			else
				hi = mid;
		}
		k = lo * MDL_RUN_INDEX_STRIDE;
		page = desc->run_index[lo];
	}
	for (;; k++) {
		unsigned long n = mdl_run_pages(desc->runs[k]);

		if (index < page + n)
			break;
		page += n;
	}
	*first = page;
	return k;
}

/**
 * drm_mdl_page - one page of an allocation
 * @mdl: the allocation
 * @index: the page, below &drm_mdl.page_count
 *
 * Looks the page up in the runs: a binary search over every
 * MDL_RUN_INDEX_STRIDE-th run and a walk over at most that many.
 *
 * Return: the page; NULL for an @index out of range.
 */
struct page *drm_mdl_page(const struct drm_mdl *mdl, unsigned long index)
{
	unsigned long first;
	unsigned int k;

	if (WARN_ON_ONCE(index >= mdl->page_count))
		return NULL;
	k = mdl_find_run(mdl, index, &first);
	return pfn_to_page(mdl_run_pfn(mdl_desc(mdl)->runs[k]) +
			   (index - first));
}
EXPORT_SYMBOL_GPL(drm_mdl_page);

/**
 * mdl_contiguous_pfn - whether some pages of an MDL are one physical range
 * @mdl: the allocation
 * @first: index of the first page
 * @count: pages, @first + @count at most &drm_mdl.page_count
 * @pfn: the pfn of page @first, when the answer is yes
 *
 * Runs are maximal: the pages are contiguous when one run holds them all.
 *
 * Return: true when pages [@first, @first + @count) are consecutive frames.
 */
bool mdl_contiguous_pfn(const struct drm_mdl *mdl, unsigned long first,
			unsigned long count, unsigned long *pfn)
{
	unsigned long start;
	unsigned int k;
	u64 run;

	if (first >= mdl->page_count || count > mdl->page_count - first)
		return false;
	k = mdl_find_run(mdl, first, &start);
	run = mdl_desc(mdl)->runs[k];
	*pfn = mdl_run_pfn(run) + (first - start);
	return first - start + count <= mdl_run_pages(run);
}

/*
 * Calls @fn on each piece of runs that pages [@first, @first + @count) of
 * @mdl form, cut at &drm_mdl.page_count; returns the pages covered.
 */
static unsigned long mdl_for_pfn_range(const struct drm_mdl *mdl,
				       unsigned long first,
				       unsigned long count, void *out,
				       void (*fn)(void *out, unsigned long done,
						  unsigned long pfn,
						  unsigned long n))
{
	const u64 *runs = mdl_desc(mdl)->runs;
	unsigned long start, done = 0;
	unsigned int k;

	if (first >= mdl->page_count)
		return 0;
	count = min(count, mdl->page_count - first);
	k = mdl_find_run(mdl, first, &start);
	first -= start;
	while (done < count) {
		unsigned long n = min(mdl_run_pages(runs[k]) - first,
				      count - done);

		fn(out, done, mdl_run_pfn(runs[k]) + first, n);
		done += n;
		first = 0;
		k++;
	}
	return done;
}

static void mdl_put_pfns(void *out, unsigned long done, unsigned long pfn,
			 unsigned long n)
{
	unsigned long *pfns = (unsigned long *)out + done;

	while (n--)
		*pfns++ = pfn++;
}

static void mdl_put_pages(void *out, unsigned long done, unsigned long pfn,
			  unsigned long n)
{
	struct page **pages = (struct page **)out + done;

	while (n--)
		*pages++ = pfn_to_page(pfn++);
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
	return mdl_for_pfn_range(mdl, first, count, pfns, mdl_put_pfns);
}
EXPORT_SYMBOL_GPL(drm_mdl_get_pfns);

/**
 * drm_mdl_get_pages - copy out the pages of part of an allocation
 * @mdl: the allocation
 * @first: index of the first page
 * @count: pages wanted
 * @pages: room for @count page pointers
 *
 * The pages [@first, @first + @count), cut at &drm_mdl.page_count, in
 * allocation order: what vmap() and a &struct ttm_tt want.
 *
 * Return: the number of pages stored.
 */
unsigned long drm_mdl_get_pages(const struct drm_mdl *mdl, unsigned long first,
				unsigned long count, struct page **pages)
{
	return mdl_for_pfn_range(mdl, first, count, pages, mdl_put_pages);
}
EXPORT_SYMBOL_GPL(drm_mdl_get_pages);
