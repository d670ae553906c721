/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Declarations shared between the files of drm-mdl. Each .c file owns one
 * step of the data flow:
 *
 *   mdl_request.c  validate a struct drm_mdl_request
 *   mdl_window.c   walk the physical windows (low/high + k * skip)
 *   mdl_chunk.c    allocate page chunks inside one window
 *   mdl_contig.c   exact placement: alloc_contig_range() for a window
 *   mdl_cache.c    apply / restore the CPU cache type
 *   mdl_describe.c the descriptor: one u64 per run, page lookup
 *   mdl_dma.c      DMA-map the runs on the device; importers' tables
 *   mdl_pool.c     pre-zeroed pages kept by order and cache type
 *   mdl_alloc.c    the exported API that strings the steps together
 *   mdl_phase.c    time per step and descriptor bytes, for benchmarks
 *   mdl_gem.c      GEM objects wrapping an MDL (mmap, PRIME, vmap)
 *   mdl_limit.c    what ioctl clients may pin: per file and all together
 *   mdl_ioctl.c    the DRM ioctls
 *   mdl_fdinfo.c   DRM usage stats of a client in /proc/PID/fdinfo
 *   mdl_edu.c      the QEMU edu DMA engine used by the copy ioctl
 *   mdl_debugfs.c  per-client and total accounting in debugfs
 *   mdl_drv.c      device binding: PCI (edu) and a virtual platform device
 *
 * mdl_compat.h holds the kernel API differences between 6.1 and 6.12.
 */
#ifndef __MDL_INTERNAL_H__
#define __MDL_INTERNAL_H__

#include <linux/dma-mapping.h>
#include <linux/jump_label.h>
#include <linux/list.h>
#include <linux/pgtable.h>
#include <linux/scatterlist.h>
#include <linux/sched/clock.h>
#include <linux/timekeeping.h>
#include <linux/types.h>
#include <drm/drm_mdl.h>

#include "mdl_compat.h"

struct device;
struct page;

/* ---- mdl_request.c ---- */

/**
 * struct mdl_plan - a validated request, in pages
 * @nr_pages: pages to allocate (total_bytes rounded up)
 * @low: first byte of window 0
 * @high: last byte of window 0 (inclusive), capped to what the device reaches
 *        when it has no IOMMU
 * @skip: SkipBytes (0: one window only)
 * @block_order: REQUIRE_CONTIGUOUS_CHUNKS with skip: log2 of pages per block
 * @flags: DRM_MDL_ALLOC_*
 * @cache_type: DRM_MDL_CACHE_*
 */
struct mdl_plan {
	unsigned long nr_pages;
	u64 low;
	u64 high;
	u64 skip;
	unsigned int block_order;
	u32 flags;
	u32 cache_type;
};

/*
 * A plan flag outside DRM_MDL_ALLOC_FLAGS_ALL, set by the ioctl for a caller
 * without CAP_SYS_ADMIN: no exact placement (alloc_contig_range() takes
 * frames the caller would choose, and drains every CPU's lists and the
 * pool on the way), so nothing it asks costs others more than a plain
 * allocation of its size.
 */
#define MDL_PLAN_UNPRIVILEGED	BIT(31)

int mdl_request_to_plan(const struct drm_mdl_request *req,
			struct mdl_plan *plan);

/* ---- mdl_window.c ---- */

/**
 * struct mdl_window - one physical window, in page frame numbers
 * @index: k, the SkipBytes iteration this window belongs to
 * @first_pfn: lowest pfn whose page starts at or above the window's low
 * @last_pfn: highest pfn whose page ends at or below the window's high
 */
struct mdl_window {
	u64 index;
	unsigned long first_pfn;
	unsigned long last_pfn;
};

/**
 * struct mdl_window_walker - iterator over the windows of a plan
 * @plan: the plan being walked
 * @next_index: k of the next window to return
 * @top_pfn: one past the highest pfn of RAM
 * @done: no further window exists
 */
struct mdl_window_walker {
	const struct mdl_plan *plan;
	u64 next_index;
	unsigned long top_pfn;
	bool done;
};

unsigned long mdl_top_of_ram_pfn(void);
void mdl_window_walker_init(struct mdl_window_walker *walker,
			    const struct mdl_plan *plan, unsigned long top_pfn);
bool mdl_window_next(struct mdl_window_walker *walker,
		     struct mdl_window *window);

/* ---- mdl_chunk.c ---- */

/*
 * Requests up to this many pages are small: they gather on the stack and
 * take single pages or one block (see mdl_fill_any()).
 */
#define MDL_SMALL_PAGES		64

/**
 * struct mdl_page_list - pages gathered so far, in allocation order
 * @pages: room for @capacity pages
 * @count: pages gathered
 * @capacity: pages wanted
 * @pooled: for non-cached requests, a bit per page taken from the pool,
 *          which is already in its caching state; NULL otherwise
 * @max_seg_pages: the longest entry the mapping device takes, at least 1
 * @seg_boundary_pages: no entry crosses a pfn that is a multiple of this
 *                      (a power of two); 0 when the device has no boundary
 * @nr_runs: physically contiguous runs in @pages
 * @nr_entries: entries the runs take, each cut every @max_seg_pages pages
 *              and at every segment boundary
 * @next_pfn: the pfn that would extend the last run
 * @entry_room: pages the last entry can still take
 * @run_starts: the index in @pages of the first page of each of the first
 *              @run_room runs
 * @run_room: entries of @run_starts; 0 when there are none
 * @block_order: nonzero when @pages are one buddy block of 2^@block_order
 *               pages that was not split: only its first page holds a
 *               reference, and it is freed as the block
 * @table: the allocation @pages and @run_starts live in when the
 *         descriptor may keep it for its runs (mdl_gather_table_words());
 *         NULL for a list on the stack, and once the descriptor took it
 *
 * The runs are counted and, while there is room, recorded as pages come
 * in, so that describing them need not walk the page array: at 1 GiB it is
 * 2 MiB, more than the caches hold, and walking it cost more than the rest
 * of a warm request. A scattered request has more runs than room; it is
 * described page by page, which costs little next to gathering it.
 */
struct mdl_page_list {
	struct page **pages;
	unsigned long count;
	unsigned long capacity;
	unsigned long *pooled;
	unsigned long max_seg_pages;
	unsigned long seg_boundary_pages;
	unsigned int nr_runs;
	unsigned int nr_entries;
	unsigned long next_pfn;
	unsigned long entry_room;
	u32 *run_starts;
	unsigned int run_room;
	unsigned int block_order;
	void *table;
};

/*
 * Room for the runs of an unfragmented request: its chunks are 2 MiB or
 * larger, so a run per 256 pages leaves margin for the ones the window or
 * a busy buddy allocator cuts short.
 */
static inline unsigned int mdl_page_list_run_room(unsigned long capacity)
{
	return capacity / 256 + 16;
}

/*
 * Pointer-sized words of a large request's gather table: its page array
 * and, after it, the run starts.
 */
static inline size_t mdl_gather_table_words(unsigned long capacity)
{
	return capacity + DIV_ROUND_UP(mdl_page_list_run_room(capacity) *
				       sizeof(u32), sizeof(struct page *));
}

/*
 * The page @n frames after @page. A run can span memory sections (exact
 * placement takes more than a buddy block), where @page + @n is that page
 * only with a virtually mapped memmap (6.18 removed nth_page(), which
 * hid the difference); the frame number is right in every configuration
 * and compiles to the same addition where the memmap is virtual.
 */
static inline struct page *mdl_page_at(struct page *page, unsigned long n)
{
	return pfn_to_page(page_to_pfn(page) + n);
}

/*
 * The most pages an entry starting at @pfn can take before the segment
 * boundary of @boundary pages (a power of two; 0 for none).
 */
static inline unsigned long mdl_seg_room(unsigned long boundary,
					 unsigned long pfn)
{
	return boundary ? boundary - (pfn & (boundary - 1)) : ULONG_MAX;
}

/* Appends @n physically contiguous pages starting at @page. */
static inline void mdl_page_list_add(struct mdl_page_list *list,
				     struct page *page, unsigned long n)
{
	struct page **slot = list->pages + list->count;
	unsigned long pfn = page_to_pfn(page), i;

	if (!list->count || pfn != list->next_pfn) {
		if (list->nr_runs < list->run_room)
			list->run_starts[list->nr_runs] = list->count;
		list->nr_runs++;
		list->nr_entries++;
		list->entry_room = min(list->max_seg_pages,
				       mdl_seg_room(list->seg_boundary_pages,
						    pfn));
	}
	list->next_pfn = pfn + n;
	list->count += n;
	for (i = 0; i < n; i++)
		slot[i] = pfn_to_page(pfn + i);
	/*
	 * Past the last entry's room: entries every max_seg_pages pages from
	 * where it ends, and again from every boundary crossed. One pass per
	 * boundary, none per page.
	 */
	while (n > list->entry_room) {
		unsigned long room, more;

		pfn += list->entry_room;
		n -= list->entry_room;
		room = mdl_seg_room(list->seg_boundary_pages, pfn);
		more = DIV_ROUND_UP(min(n, room), list->max_seg_pages);
		list->nr_entries += more;
		/* Pages from @pfn the entries counted so far take. */
		list->entry_room = min(more * list->max_seg_pages, room);
	}
	list->entry_room -= n;
}

/**
 * struct mdl_chunk_ctx - state of one request across its windows
 * @plan: the validated request
 * @nid: preferred (or, with LOCAL_NODE_ONLY, required) NUMA node
 * @gfp_extra: extra gfp bits from the caller (e.g. __GFP_ACCOUNT)
 * @max_order: orders above this already failed and are not retried
 * @held: pages the buddy allocator gave outside the window, kept until the
 *        request ends so they are not handed straight back
 * @nr_held: number of pages on @held
 * @nr_rejected: pages ever held by this request, across all its windows;
 *               bounds the buddy allocator's futile work however many
 *               windows there are
 * @contig_budget: failed exact-placement attempts the request may still
 *                 make, across all its windows
 * @pb_checked: first pfn of the pageblock last looked at, or refused by
 *              isolation although its pages were free, so windows that
 *              share a pageblock look at it once
 * @pb_isolatable: the verdict for @pb_checked
 * @bulk_short: the bulk allocator gave fewer pages than asked; the rest of
 *              the request takes single pages (mdl_buddy_alloc_bulk())
 * @ram_end_pfn: one past the highest pfn of RAM; a window reaching it from
 *               pfn 0 takes any page, so a small request in it takes its
 *               pages without checking where each one fell (mdl_fill_any())
 */
struct mdl_chunk_ctx {
	const struct mdl_plan *plan;
	int nid;
	gfp_t gfp_extra;
	unsigned int max_order;
	struct list_head held;
	unsigned long nr_held;
	unsigned long nr_rejected;
	unsigned long contig_budget;
	unsigned long pb_checked;
	bool pb_isolatable;
	bool bulk_short;
	unsigned long ram_end_pfn;
};

void mdl_chunk_ctx_init(struct mdl_chunk_ctx *ctx, const struct mdl_plan *plan,
			int nid, gfp_t gfp_extra);
int mdl_chunk_fill_window(struct mdl_chunk_ctx *ctx,
			  const struct mdl_window *window,
			  struct mdl_page_list *list);
gfp_t mdl_chunk_gfp(const struct mdl_chunk_ctx *ctx,
		    const struct mdl_window *window, unsigned int order);
void mdl_chunk_release_held(struct mdl_chunk_ctx *ctx);
void mdl_chunk_split(struct page *head, unsigned int *block_order);
bool mdl_chunk_spent(const struct mdl_chunk_ctx *ctx);
int mdl_chunk_apply_cache(struct mdl_page_list *list, u32 cache_type);
void mdl_chunk_free_pages(struct page **pages, unsigned long count);
void mdl_chunk_release_pages(struct page **pages, unsigned long count,
			     u32 cache_type);
void mdl_chunk_release_runs(const struct drm_mdl *mdl);
void mdl_chunk_disown_pages(unsigned long count);
void mdl_chunk_own_pages(unsigned long count);
int mdl_chunk_check_interrupt(const struct mdl_chunk_ctx *ctx);
long mdl_pages_in_use(void);

/* ---- mdl_contig.c ---- */

/* Failed alloc_contig_range() attempts in a row before a window is given up. */
#define MDL_CONTIG_FAILURES_MAX		32

bool mdl_contig_allowed(const struct mdl_chunk_ctx *ctx);
bool mdl_page_free_or_movable(struct page *page);
void mdl_contig_prepare(struct mdl_chunk_ctx *ctx);
int mdl_contig_fill(struct mdl_chunk_ctx *ctx, const struct mdl_window *window,
		    struct mdl_page_list *list, unsigned long run,
		    unsigned long align);
int mdl_contig_scatter(struct mdl_chunk_ctx *ctx,
		       const struct mdl_window *window,
		       struct mdl_page_list *list);

/* ---- mdl_cache.c ---- */

u32 mdl_cache_types(void);
int mdl_cache_apply(struct page **pages, unsigned long count, u32 cache_type);
void mdl_cache_restore(struct page **pages, unsigned long count,
		       u32 cache_type);
pgprot_t mdl_cache_pgprot(u32 cache_type, pgprot_t prot);

/* ---- mdl_describe.c ---- */

/*
 * A descriptor whose runs (and, where the mapping needs one, its table)
 * fit with it in this many bytes takes one slab object: one allocation and
 * one free instead of two, which at 4 KiB cost more than the page itself.
 * Past it a single object is rounded up to the next power of two by more
 * than separate tables would waste.
 */
#define MDL_COMPACT_MAX_BYTES	2048

/*
 * Mapping tables up to this many pages of entries are a chain of
 * page-sized tables; past it one vmalloc'd array. vmalloc has a fixed cost
 * per table (a virtual area to find, and a TLB flush when it is freed)
 * that dominates a table of a few pages: describing a scattered 2 MiB
 * request took 16.7 us with it and 2.3 us with the chain in UML. For a
 * table of many pages the chain costs more: a page allocation and a link
 * entry per 128 entries on x86-64, which made describing a scattered
 * 64 MiB to 1 GiB request 13 to 77 % slower in the VM.
 */
#define MDL_CHAIN_MAX_PAGES	8

/*
 * A run is one u64: its first pfn in the low MDL_RUN_PFN_BITS (56-bit
 * physical addresses with 4 KiB pages; x86-64 has at most 52), its length
 * in pages less one above. An MDL is below 4 GiB, 2^20 pages.
 */
#define MDL_RUN_PFN_BITS	44
#define MDL_RUN_PFN_MASK	GENMASK_ULL(MDL_RUN_PFN_BITS - 1, 0)

/* Runs between two marks of the run index. */
#define MDL_RUN_INDEX_STRIDE	256

static inline u64 mdl_run_encode(unsigned long pfn, unsigned long nr_pages)
{
	return (u64)pfn | (u64)(nr_pages - 1) << MDL_RUN_PFN_BITS;
}

static inline unsigned long mdl_run_pfn(u64 run)
{
	return run & MDL_RUN_PFN_MASK;
}

static inline unsigned long mdl_run_pages(u64 run)
{
	return (run >> MDL_RUN_PFN_BITS) + 1;
}

/**
 * enum mdl_dma_mode - how an allocation is mapped on its device
 * @MDL_DMA_UNMAPPED: not mapped (not yet, or the device is gone)
 * @MDL_DMA_RANGE: one run, mapped as one range with dma_map_page()
 * @MDL_DMA_IOVA: linked run by run into one IOVA range (the IOVA API)
 * @MDL_DMA_OFFSET: run by run with dma_map_page(), each run at its
 *                  physical address plus one constant bus offset
 * @MDL_DMA_TABLE: a scatterlist of the runs, mapped with dma_map_sgtable()
 */
enum mdl_dma_mode {
	MDL_DMA_UNMAPPED,
	MDL_DMA_RANGE,
	MDL_DMA_IOVA,
	MDL_DMA_OFFSET,
	MDL_DMA_TABLE,
};

/**
 * struct mdl_dma_state - the mapping of an allocation on its device
 * @mode: enum mdl_dma_mode
 * @segments: DMA segments the mapping takes, cut at the device's limits
 * @max_seg_pages: the device's segment limit when it was mapped
 * @inline_sg_room: entries the descriptor's slab object has room for after
 *                  its runs (mdl_inline_sgl()), for kernels that map
 *                  with a table; 0 when there is none
 * @boundary_pages: the device's segment boundary then, 0 for none
 * @addr: RANGE: the DMA address of the first page
 * @iova: IOVA: the range the runs are linked into
 * @offset: OFFSET: DMA address minus physical address, every run alike
 * @sgt: TABLE: the mapped table
 *
 * Packed so that a one-run descriptor is a 128-byte slab object.
 */
struct mdl_dma_state {
	u8 mode;
	u32 segments;
	u32 max_seg_pages;
	u32 inline_sg_room;
	unsigned long boundary_pages;
	union {
		dma_addr_t addr;
		struct dma_iova_state iova;
		u64 offset;
		struct sg_table sgt;
	};
};

/**
 * struct mdl_descriptor - struct drm_mdl and what only drm-mdl reads
 * @mdl: what callers see
 * @runs: the runs, in allocation order, each maximal
 * @run_index: the first page of every MDL_RUN_INDEX_STRIDE-th run, for a
 *             page lookup; NULL when there are no more runs than that
 * @dma: the mapping on &drm_mdl.dev
 * @inline_runs: @runs when they fit in the slab object (&drm_mdl.compact),
 *               followed by the room for a table (mdl_inline_sgl())
 *
 * One u64 per run and nothing per page: a scattered gigabyte is 262144
 * runs, 2 MiB. Everything else (a page by index, the PFN array of a
 * Windows MDL, DMA addresses and segments) is derived from them.
 */
struct mdl_descriptor {
	struct drm_mdl mdl;
	u64 *runs;
	u32 *run_index;
	struct mdl_dma_state dma;
	u64 inline_runs[];
};

static inline struct mdl_descriptor *mdl_desc(const struct drm_mdl *mdl)
{
	return container_of(mdl, struct mdl_descriptor, mdl);
}

void *mdl_table_alloc(size_t n, size_t size, gfp_t gfp);
size_t mdl_compact_bytes(unsigned int nr_runs, unsigned int nr_entries);
struct scatterlist *mdl_inline_sgl(const struct drm_mdl *mdl);
struct drm_mdl *mdl_describe(struct mdl_page_list *list, gfp_t gfp);
void mdl_release_descriptor(struct drm_mdl *mdl);
u64 mdl_descriptor_bytes(const struct drm_mdl *mdl);
unsigned int mdl_find_run(const struct drm_mdl *mdl, unsigned long index,
			  unsigned long *first);
bool mdl_contiguous_pfn(const struct drm_mdl *mdl, unsigned long first,
			unsigned long count, unsigned long *pfn);

static inline struct page *mdl_first_page(const struct drm_mdl *mdl)
{
	return pfn_to_page(mdl_run_pfn(mdl_desc(mdl)->runs[0]));
}

/**
 * struct mdl_run_iter - walk the physically contiguous runs of an MDL
 * @runs: the descriptor's runs
 * @next: index of the next run
 * @nr_runs: runs in all
 * @pfn: first pfn of the current run
 * @nr_pages: pages in the current run
 * @first_page: index in the allocation of the current run's first page
 * @offset: mdl_run_next_page(): pages of the current run walked
 *
 * mdl_run_start() writes every field, so walkers declare it
 * __uninitialized: the stack's zeroing (INIT_STACK_ALL_ZERO) is a string
 * instruction whose start-up made the GPU counter walk, run on every
 * allocation and free, cost as much as the rest of it.
 */
struct mdl_run_iter {
	const u64 *runs;
	unsigned int next;
	unsigned int nr_runs;
	unsigned long pfn;
	unsigned long nr_pages;
	unsigned long first_page;
	unsigned long offset;
};

static inline void mdl_run_start(struct mdl_run_iter *it,
				 const struct drm_mdl *mdl)
{
	it->runs = mdl_desc(mdl)->runs;
	it->next = 0;
	it->nr_runs = mdl->nr_runs;
	it->pfn = 0;
	it->nr_pages = 0;
	it->first_page = 0;
	it->offset = 0;
}

static inline bool mdl_run_next(struct mdl_run_iter *it)
{
	u64 run;

	if (it->next == it->nr_runs)
		return false;
	run = it->runs[it->next++];
	it->first_page += it->nr_pages;
	it->pfn = mdl_run_pfn(run);
	it->nr_pages = mdl_run_pages(run);
	return true;
}

/* The next page of the walk, or NULL past the last. */
static inline struct page *mdl_run_next_page(struct mdl_run_iter *it)
{
	if (it->offset == it->nr_pages) {
		if (!mdl_run_next(it))
			return NULL;
		it->offset = 0;
	}
	return pfn_to_page(it->pfn + it->offset++);
}

/* ---- mdl_dma.c ---- */

/**
 * struct mdl_dma_iter - walk the DMA segments of a mapped MDL
 * @state: the mapping
 * @runs: OFFSET: the runs
 * @next: OFFSET: the next run
 * @nr_runs: OFFSET: runs in all
 * @sg: TABLE: the next entry
 * @sg_left: TABLE: entries from @sg on
 * @span: the rest of the current DMA-contiguous span, cut into segments
 * @span_len: its bytes
 * @addr: the current segment
 * @len: its bytes
 */
struct mdl_dma_iter {
	const struct mdl_dma_state *state;
	const u64 *runs;
	unsigned int next;
	unsigned int nr_runs;
	struct scatterlist *sg;
	unsigned int sg_left;
	dma_addr_t span;
	u64 span_len;
	dma_addr_t addr;
	u64 len;
};

unsigned long mdl_dma_max_seg_pages(struct device *dev);
unsigned long mdl_dma_seg_boundary_pages(struct device *dev);
size_t mdl_dma_inline_table_bytes(unsigned int nr_entries);
int mdl_dma_map(struct device *dev, struct drm_mdl *mdl, gfp_t gfp);
void mdl_dma_unmap(struct drm_mdl *mdl);
u64 mdl_dma_table_bytes(const struct drm_mdl *mdl);
bool mdl_dma_seek(struct mdl_dma_iter *it, const struct drm_mdl *mdl,
		  u64 offset);
bool mdl_dma_next(struct mdl_dma_iter *it);
unsigned long mdl_dma_iter_pages(struct mdl_dma_iter *it, unsigned long n,
				 dma_addr_t *addrs);
bool mdl_dma_translated(struct device *dev);
bool mdl_dma_bounces(struct device *dev);
unsigned long mdl_dma_pfn_limit(struct device *dev,
				unsigned long ram_end_pfn);

/* ---- mdl_pool.c ---- */

int mdl_pool_init(void);
void mdl_pool_fini(void);
unsigned long mdl_pool_take(struct mdl_page_list *list,
			    const struct mdl_window *window, u32 cache_type,
			    int nid);
void mdl_pool_count_miss(unsigned long nr_pages);
unsigned long mdl_pool_pages(void);
void mdl_pool_give(const struct drm_mdl *mdl);
bool mdl_pool_adopt(struct drm_mdl *mdl);
bool mdl_pool_keep_whole(struct drm_mdl *mdl);
bool mdl_pool_keeps_whole(unsigned long nr_pages);
bool mdl_pool_may_have_whole(unsigned long nr_pages, u32 cache_type);
struct drm_mdl *mdl_pool_take_whole(unsigned long nr_pages, u32 cache_type,
				    const struct mdl_window *window, int nid);
struct shrinker *mdl_pool_shrinker(void);

/* ---- mdl_alloc.c ---- */

struct drm_mdl *mdl_alloc(struct device *dev, const struct drm_mdl_request *req,
			  gfp_t gfp_extra, u32 plan_flags);

/* ---- mdl_phase.c ---- */

DECLARE_STATIC_KEY_FALSE(mdl_phase_key);

void __mdl_phase_mark(enum drm_mdl_phase phase, u64 *t);
void __mdl_phase_count(unsigned long pages, unsigned int runs, u64 desc_bytes);
void __mdl_phase_count_free(void);
u64 mdl_table_bytes(const void *table, size_t bytes);

/*
 * local_clock() is the TSC where there is one, the cheapest clock there
 * is; UML has none and its sched_clock() counts jiffies, so it reads the
 * host's monotonic clock instead.
 */
static inline u64 mdl_phase_clock(void)
{
	return IS_ENABLED(CONFIG_UML) ? ktime_get_ns() : local_clock();
}

/* The start of the first phase, or 0 when nobody counts. */
static inline u64 mdl_phase_begin(void)
{
	return static_branch_unlikely(&mdl_phase_key) ? mdl_phase_clock() : 0;
}

static inline void mdl_phase_mark(enum drm_mdl_phase phase, u64 *t)
{
	if (static_branch_unlikely(&mdl_phase_key) && *t)
		__mdl_phase_mark(phase, t);
}

static inline bool mdl_phase_counting(void)
{
	return static_branch_unlikely(&mdl_phase_key);
}

/* ---- test-only failure injection (compiled out without KUnit) ---- */

enum mdl_fault_point {
	MDL_FAULT_PAGE,		/* buddy page allocation */
	MDL_FAULT_CONTIG,	/* alloc_contig_range chunk */
	MDL_FAULT_TABLE,	/* descriptor arrays and sg_table */
	MDL_FAULT_CACHE,	/* cache attribute change */
	MDL_FAULT_DMA_MAP,	/* dma_map_sgtable */
	MDL_FAULT_GEM_INIT,	/* GEM object wrapping an MDL */
	MDL_FAULT_HANDLE,	/* GEM handle of a new allocation */
	MDL_FAULT_MMAP_OFFSET,	/* fake mmap offset */
	MDL_FAULT_EXPORT,	/* dma-buf export */
	MDL_FAULT_VMAP,		/* kernel mapping for a dma-buf importer */
	MDL_FAULT_COUNT
};

#if IS_ENABLED(CONFIG_DRM_MDL_KUNIT_TEST)
bool mdl_fault_should_fail(enum mdl_fault_point point);
void mdl_fault_arm(enum mdl_fault_point point, unsigned long nth);
void mdl_fault_disarm(void);
unsigned long mdl_fault_calls(enum mdl_fault_point point);
#else
static inline bool mdl_fault_should_fail(enum mdl_fault_point point)
{
	return false;
}
#endif

#endif /* __MDL_INTERNAL_H__ */
