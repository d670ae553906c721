// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * drm-mdl allocation benchmark: every way a driver gets GPU-reachable,
 * zero-filled system memory, measured side by side on one struct device.
 *
 * One repetition of a contender is: allocate, zero, DMA-map (timed as
 * "alloc"), then unmap and free (timed as "free"); the total is their sum.
 * Between the two, untimed, the layout is recorded (physically contiguous
 * chunks, DMA segments) and every page is checked to have arrived zeroed,
 * then dirtied, so that a pool that forgot to zero would be caught and no
 * contender frees pages that are still clean.
 *
 * The timer contender does nothing and is timed like the others: what the
 * measurement itself adds to every median.
 *
 * The contenders run round-robin within each repetition, so that a slow
 * drift of the machine (shared cores, a host under load) hits them all
 * alike. Results are printed one line each:
 *
 *   mdl_bench: RESULT where=uml scenario=unfragmented size=2097152
 *              contender=pool_cold status=ok reps=51 median_ns=... ...
 *
 * and parsed by tools/bench/report.py.
 */

#define pr_fmt(fmt) "mdl_bench: " fmt

#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/iommu.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/scatterlist.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/vmstat.h>

#include <drm/drm_mdl.h>
#include <drm/drm_vma_manager.h>
#include <drm/ttm/ttm_device.h>
#include <drm/ttm/ttm_pool.h>
#include <drm/ttm/ttm_tt.h>

#include "mdl_bench.h"
#include "mdl_compat.h"	/* and the TTM headers of each kernel */

/* Chunks at least this large count as IOMMU-superpage sized. */
#define MDL_BENCH_BIG_CHUNK	SZ_2M
/* Each repetition costs at most about this many bytes of allocation. */
#define MDL_BENCH_REP_BUDGET	SZ_512M
/* Small sizes repeat within one repetition up to about this many bytes. */
#define MDL_BENCH_BATCH_BYTES	SZ_1M
/* Free memory kept aside when fragmenting or prefaulting. */
#define MDL_BENCH_RESERVE	SZ_32M
/* Written into every page after the zero check. */
#define MDL_BENCH_DIRT		0x6d646c62656e6368ULL

/**
 * struct mdl_bench_layout - what an allocation looks like
 * @chunks: physically contiguous runs
 * @big_bytes: bytes in runs of MDL_BENCH_BIG_CHUNK or more
 * @dma_segments: DMA segments on the device, -1 when nothing is mapped
 * @not_zero: pages that did not arrive zero-filled
 * @next_pfn: one past the end of the open run
 * @run_pages: pages in the open run
 */
struct mdl_bench_layout {
	unsigned long chunks;
	u64 big_bytes;
	long dma_segments;
	unsigned long not_zero;
	unsigned long next_pfn;
	unsigned long run_pages;
};

/* An allocation of one contender, between its alloc and free. */
struct mdl_bench_buf {
	struct drm_mdl *mdl;
	struct ttm_tt *tt;
	struct sg_table *sgt;
	struct sg_table table;
	struct list_head chunks;
	struct page **pages;
	unsigned long nr_pages;
};

/* A block of the zeroing bound's preallocated memory. */
struct mdl_bench_block {
	struct page *page;
	unsigned int order;
};

struct mdl_bench {
	struct device *dev;
	const struct mdl_bench_opts *opts;
	const char *scenario;
	unsigned int max_segment;

	struct ttm_device ttm;
	struct drm_vma_offset_manager vma;
	struct ttm_buffer_object *ttm_bo;
	bool ttm_ready;

	struct mdl_bench_block *blocks;
	unsigned long nr_blocks;
};

struct mdl_bench_contender {
	const char *name;
	bool uses_pool;
	int (*prepare)(struct mdl_bench *b, u64 size);
	int (*alloc)(struct mdl_bench *b, u64 size, struct mdl_bench_buf *buf);
	void (*layout)(struct mdl_bench *b, struct mdl_bench_buf *buf,
		       struct mdl_bench_layout *l);
	void (*free)(struct mdl_bench *b, struct mdl_bench_buf *buf);
	void (*finish)(struct mdl_bench *b);
};

/* ------------------------------------------------------------- clock -- */

/*
 * UML reads the time with a host clock_gettime(): about 30 ns a read and a
 * tick every 256 ns, while a warm 4 KiB request costs about 30 ns. There the
 * measurements read the host's invariant TSC instead, a few ns a read and
 * a tick a cycle, converted with a factor calibrated against the kernel's
 * clock at the start of each scenario. Elsewhere (the VM) the kernel's
 * clock is the TSC already.
 */
#if defined(CONFIG_UML) && defined(CONFIG_X86_64)
#include <asm/cpufeature.h>
#define MDL_BENCH_CLOCK_CAN_TSC	1
#else
#define MDL_BENCH_CLOCK_CAN_TSC	0
#endif

/* ns = cycles * mdl_bench_tsc_mult >> 32; 0: use ktime_get_ns(). */
static u32 mdl_bench_tsc_mult;

static u64 mdl_bench_tsc(void)
{
#if MDL_BENCH_CLOCK_CAN_TSC
	u32 lo, hi;

	/* lfence: no earlier instruction may still be running. */
	asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((u64)hi << 32) | lo;
#else
	return 0;
#endif
}

/* UML copies the host's CPU flags from its /proc/cpuinfo. */
static bool mdl_bench_tsc_invariant(void)
{
#if MDL_BENCH_CLOCK_CAN_TSC
	return boot_cpu_has(X86_FEATURE_CONSTANT_TSC) &&
	       boot_cpu_has(X86_FEATURE_NONSTOP_TSC);
#else
	return false;
#endif
}

static u64 mdl_bench_now(void)
{
	if (mdl_bench_tsc_mult)
		return mul_u64_u32_shr(mdl_bench_tsc(), mdl_bench_tsc_mult, 32);
	return ktime_get_ns();
}

/* Sets up mdl_bench_now(); returns the name of the clock it reads. */
static const char *mdl_bench_clock_init(void)
{
	u64 c0, c1, t0, t1;

	mdl_bench_tsc_mult = 0;
	if (!mdl_bench_tsc_invariant())
		return "ktime";
	/* 50 ms: the two clock reads at either end are 1e-6 of it. */
	t0 = ktime_get_ns();
	c0 = mdl_bench_tsc();
	do {
		cpu_relax();
		t1 = ktime_get_ns();
	} while (t1 - t0 < 50 * NSEC_PER_MSEC);
	c1 = mdl_bench_tsc();
	/* Fewer cycles than ns: not a TSC this can use. */
	if (c1 <= c0 || t1 - t0 >= c1 - c0)
		return "ktime";
	mdl_bench_tsc_mult = div64_u64((t1 - t0) << 32, c1 - c0);
	return "tsc";
}

/* ------------------------------------------------------------ layout -- */

static void mdl_bench_layout_init(struct mdl_bench_layout *l)
{
	memset(l, 0, sizeof(*l));
	l->dma_segments = -1;
}

static void mdl_bench_layout_close(struct mdl_bench_layout *l)
{
	if (!l->run_pages)
		return;
	l->chunks++;
	if (((u64)l->run_pages << PAGE_SHIFT) >= MDL_BENCH_BIG_CHUNK)
		l->big_bytes += (u64)l->run_pages << PAGE_SHIFT;
	l->run_pages = 0;
}

/* Checks that a page arrived zero-filled, then dirties it. */
static bool mdl_bench_check_and_dirty(struct page *page)
{
	u64 *p = kmap_local_page(page);
	const unsigned int last = PAGE_SIZE / sizeof(u64) - 1;
	bool zero = !p[0] && !p[last / 2] && !p[last];

	p[0] = MDL_BENCH_DIRT;
	p[last / 2] = MDL_BENCH_DIRT;
	p[last] = MDL_BENCH_DIRT;
	kunmap_local(p);
	return zero;
}

/* Adds @nr pages from @pfn in allocation order; adjacent runs merge. */
static void mdl_bench_layout_add(struct mdl_bench_layout *l, unsigned long pfn,
				 unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++)
		if (!mdl_bench_check_and_dirty(pfn_to_page(pfn + i)))
			l->not_zero++;
	if (!l->run_pages || pfn != l->next_pfn)
		mdl_bench_layout_close(l);
	l->run_pages += nr;
	l->next_pfn = pfn + nr;
}

static void mdl_bench_layout_sgt(struct mdl_bench_layout *l,
				 struct sg_table *sgt)
{
	struct scatterlist *sg;
	unsigned int i;

	for_each_sgtable_sg(sgt, sg, i)
		mdl_bench_layout_add(l, page_to_pfn(sg_page(sg)),
				     sg->length >> PAGE_SHIFT);
	l->dma_segments = sgt->nents;
}

/* --------------------------------------------------- the zeroing bound -- */

static void mdl_bench_blocks_free(struct mdl_bench *b)
{
	while (b->nr_blocks--)
		__free_pages(b->blocks[b->nr_blocks].page,
			     b->blocks[b->nr_blocks].order);
	kvfree(b->blocks);
	b->blocks = NULL;
	b->nr_blocks = 0;
}

/* Untimed: the pages the bound clears, in blocks as large as available. */
static int zero_prepare(struct mdl_bench *b, u64 size)
{
	unsigned long left = size >> PAGE_SHIFT;
	unsigned int order = MAX_PAGE_ORDER;

	b->blocks = kvmalloc_array(left, sizeof(*b->blocks), GFP_KERNEL);
	if (!b->blocks)
		return -ENOMEM;
	b->nr_blocks = 0;
	while (left) {
		gfp_t gfp = GFP_HIGHUSER | __GFP_NOWARN;
		struct page *page;

		while ((1UL << order) > left)
			order--;
		gfp |= order ? __GFP_NORETRY : __GFP_RETRY_MAYFAIL;
		page = alloc_pages(gfp, order);
		if (!page) {
			if (order--)
				continue;
			mdl_bench_blocks_free(b);
			return -ENOMEM;
		}
		b->blocks[b->nr_blocks].page = page;
		b->blocks[b->nr_blocks].order = order;
		b->nr_blocks++;
		left -= 1UL << order;
	}
	return 0;
}

/* Timed: clear_page() over every page, the floor of any cold allocation. */
static int zero_alloc(struct mdl_bench *b, u64 size, struct mdl_bench_buf *buf)
{
	unsigned long i, j;

	for (i = 0; i < b->nr_blocks; i++) {
		for (j = 0; j < (1UL << b->blocks[i].order); j++)
			clear_highpage(b->blocks[i].page + j);
		/* As any allocator's loop does; TCG needs it for 1 GiB. */
		cond_resched();
	}
	return 0;
}

static void zero_layout(struct mdl_bench *b, struct mdl_bench_buf *buf,
			struct mdl_bench_layout *l)
{
	unsigned long i;

	for (i = 0; i < b->nr_blocks; i++)
		mdl_bench_layout_add(l, page_to_pfn(b->blocks[i].page),
				     1UL << b->blocks[i].order);
}

static void zero_free(struct mdl_bench *b, struct mdl_bench_buf *buf)
{
}

/* ------------------------------------------------------------ drm-mdl -- */

static int mdl_alloc_common(struct mdl_bench *b, u64 size,
			    struct mdl_bench_buf *buf)
{
	struct drm_mdl_request req = {
		.low = 0,
		.high = DRM_MDL_HIGH_UNLIMITED,
		.total_bytes = size,
		.cache_type = DRM_MDL_CACHE_CACHED,
		.flags = DRM_MDL_ALLOC_FULLY_REQUIRED,
	};

	buf->mdl = drm_mdl_alloc(b->dev, &req);
	if (IS_ERR(buf->mdl))
		return PTR_ERR(buf->mdl);
	return 0;
}

static void mdl_layout(struct mdl_bench *b, struct mdl_bench_buf *buf,
		       struct mdl_bench_layout *l)
{
	unsigned long pfns[64], first, n, i;

	/* The exported view of the runs, as a driver using drm-mdl reads it. */
	for (first = 0; first < buf->mdl->page_count; first += n) {
		n = drm_mdl_get_pfns(buf->mdl, first, ARRAY_SIZE(pfns), pfns);
		for (i = 0; i < n; i++)
			mdl_bench_layout_add(l, pfns[i], 1);
	}
	l->dma_segments = drm_mdl_dma_segment_count(buf->mdl);
}

static void mdl_free_common(struct mdl_bench *b, struct mdl_bench_buf *buf)
{
	drm_mdl_free(buf->mdl);
}

/* Cold: the pool holds nothing, every page comes from the buddy allocator. */
static int pool_cold_prepare(struct mdl_bench *b, u64 size)
{
	drm_mdl_pool_drain();
	return 0;
}

/*
 * Warm: the pool holds enough zeroed pages (refilled, untimed, by one
 * allocation freed again) and its worker is idle.
 */
static int pool_warm_prepare(struct mdl_bench *b, u64 size)
{
	struct drm_mdl_pool_stats stats;
	struct mdl_bench_buf buf = {};
	int ret;

	drm_mdl_pool_flush();
	drm_mdl_pool_get_stats(&stats);
	if (stats.clean_pages < (size >> PAGE_SHIFT)) {
		ret = mdl_alloc_common(b, size, &buf);
		if (ret)
			return ret;
		drm_mdl_free(buf.mdl);
		drm_mdl_pool_flush();
	}
	return 0;
}

/*
 * After either: give the pages back, with the worker idle, so that nothing
 * zeroes in the background of the next contender and the pool holds no
 * memory the others could use.
 */
static void pool_finish(struct mdl_bench *b)
{
	drm_mdl_pool_drain();
}

/* ---------------------------------------------------------------- TTM -- */

static struct ttm_device_funcs mdl_bench_ttm_funcs;

static int mdl_bench_ttm_init(struct mdl_bench *b)
{
	int ret;

	b->ttm_bo = kzalloc_obj(*b->ttm_bo, GFP_KERNEL);
	if (!b->ttm_bo)
		return -ENOMEM;
	drm_vma_offset_manager_init(&b->vma, 0, SZ_1M);
	/* Pages from alloc_pages(), mapped with dma_map_page(): not DMA32. */
	ret = mdl_ttm_device_init(&b->ttm, &mdl_bench_ttm_funcs, b->dev, NULL,
				  &b->vma);
	if (ret) {
		drm_vma_offset_manager_destroy(&b->vma);
		kfree(b->ttm_bo);
		return ret;
	}
	b->ttm_ready = true;
	return 0;
}

static void mdl_bench_ttm_fini(struct mdl_bench *b)
{
	if (!b->ttm_ready)
		return;
	ttm_device_fini(&b->ttm);
	drm_vma_offset_manager_destroy(&b->vma);
	kfree(b->ttm_bo);
	b->ttm_ready = false;
}

static int ttm_prepare(struct mdl_bench *b, u64 size)
{
	return b->ttm_ready ? 0 : -ENODEV;
}

/* What ttm_tt_populate() does for a cached, zeroed BO on a DMA device. */
static int ttm_alloc(struct mdl_bench *b, u64 size, struct mdl_bench_buf *buf)
{
	struct ttm_operation_ctx ctx = { .interruptible = false };
	int ret;

	buf->tt = kzalloc_obj(*buf->tt, GFP_KERNEL);
	if (!buf->tt)
		return -ENOMEM;
	b->ttm_bo->base.size = size;
	ret = ttm_sg_tt_init(buf->tt, b->ttm_bo, TTM_TT_FLAG_ZERO_ALLOC,
			     ttm_cached);
	if (ret)
		goto err_free;
	ret = ttm_pool_alloc(&b->ttm.pool, buf->tt, &ctx);
	if (ret)
		goto err_fini;
	return 0;

err_fini:
	ttm_tt_fini(buf->tt);
err_free:
	kfree(buf->tt);
	return ret;
}

static void ttm_layout(struct mdl_bench *b, struct mdl_bench_buf *buf,
		       struct mdl_bench_layout *l)
{
	struct ttm_tt *tt = buf->tt;
	unsigned long i;

	l->dma_segments = 0;
	for (i = 0; i < tt->num_pages; i++) {
		mdl_bench_layout_add(l, page_to_pfn(tt->pages[i]), 1);
		if (!i || tt->dma_address[i] !=
			  tt->dma_address[i - 1] + PAGE_SIZE)
			l->dma_segments++;
	}
}

static void ttm_free(struct mdl_bench *b, struct mdl_bench_buf *buf)
{
	ttm_pool_free(&b->ttm.pool, buf->tt);
	ttm_tt_fini(buf->tt);
	kfree(buf->tt);
}

/* ------------------------------------------- system heap 8/4/0 ladder -- */

/* drivers/dma-buf/heaps/system_heap.c of 6.1, without the dma-buf around. */
#define HEAP_LOW_ORDER_GFP	(GFP_HIGHUSER | __GFP_ZERO)
#define HEAP_HIGH_ORDER_GFP	(((GFP_HIGHUSER | __GFP_ZERO | __GFP_NOWARN | \
				   __GFP_NORETRY) & ~__GFP_RECLAIM) | __GFP_COMP)
static const gfp_t heap_order_flags[] = {
	HEAP_HIGH_ORDER_GFP, HEAP_HIGH_ORDER_GFP, HEAP_LOW_ORDER_GFP
};

static const unsigned int heap_orders[] = { 8, 4, 0 };

static struct page *heap_alloc_largest(unsigned long size,
				       unsigned int max_order)
{
	struct page *page;
	int i;

	for (i = 0; i < ARRAY_SIZE(heap_orders); i++) {
		if (size < (PAGE_SIZE << heap_orders[i]))
			continue;
		if (max_order < heap_orders[i])
			continue;
		page = alloc_pages(heap_order_flags[i], heap_orders[i]);
		if (!page)
			continue;
		return page;
	}
	return NULL;
}

static void heap_free_chunks(struct list_head *chunks)
{
	struct page *page, *tmp;

	list_for_each_entry_safe(page, tmp, chunks, lru) {
		list_del(&page->lru);
		__free_pages(page, compound_order(page));
	}
}

static int heap_alloc(struct mdl_bench *b, u64 size, struct mdl_bench_buf *buf)
{
	unsigned int max_order = heap_orders[0];
	unsigned long left = size;
	struct scatterlist *sg;
	struct page *page;
	unsigned int n = 0;
	int ret;

	INIT_LIST_HEAD(&buf->chunks);
	while (left > 0) {
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto err_free;
		}
		page = heap_alloc_largest(left, max_order);
		if (!page) {
			ret = -ENOMEM;
			goto err_free;
		}
		list_add_tail(&page->lru, &buf->chunks);
		left -= page_size(page);
		max_order = compound_order(page);
		n++;
	}

	ret = sg_alloc_table(&buf->table, n, GFP_KERNEL);
	if (ret)
		goto err_free;
	sg = buf->table.sgl;
	list_for_each_entry(page, &buf->chunks, lru) {
		sg_set_page(sg, page, page_size(page), 0);
		sg = sg_next(sg);
	}
	ret = dma_map_sgtable(b->dev, &buf->table, DMA_BIDIRECTIONAL, 0);
	if (ret)
		goto err_table;
	return 0;

err_table:
	sg_free_table(&buf->table);
err_free:
	heap_free_chunks(&buf->chunks);
	return ret;
}

static void heap_layout(struct mdl_bench *b, struct mdl_bench_buf *buf,
			struct mdl_bench_layout *l)
{
	mdl_bench_layout_sgt(l, &buf->table);
}

static void heap_free(struct mdl_bench *b, struct mdl_bench_buf *buf)
{
	dma_unmap_sgtable(b->dev, &buf->table, DMA_BIDIRECTIONAL, 0);
	sg_free_table(&buf->table);
	heap_free_chunks(&buf->chunks);
}

/* ------------------------------------------- dma_alloc_noncontiguous -- */

/*
 * Without an IOMMU this is one contiguous block. In fragmented memory a
 * block of up to PAGE_ALLOC_COSTLY_ORDER would otherwise be retried until
 * the OOM killer ran: __GFP_NORETRY makes it fail, as the larger ones do.
 */
static int noncontig_alloc(struct mdl_bench *b, u64 size,
			   struct mdl_bench_buf *buf)
{
	buf->sgt = dma_alloc_noncontiguous(b->dev, size, DMA_BIDIRECTIONAL,
					   GFP_KERNEL | __GFP_ZERO |
					   __GFP_NOWARN | __GFP_NORETRY, 0);
	return buf->sgt ? 0 : -ENOMEM;
}

static void noncontig_layout(struct mdl_bench *b, struct mdl_bench_buf *buf,
			     struct mdl_bench_layout *l)
{
	mdl_bench_layout_sgt(l, buf->sgt);
}

static void noncontig_free(struct mdl_bench *b, struct mdl_bench_buf *buf)
{
	dma_free_noncontiguous(b->dev, buf->nr_pages << PAGE_SHIFT, buf->sgt,
			       DMA_BIDIRECTIONAL);
}

/* ------------------------------------------------ naive order-0 loop -- */

static int naive_alloc(struct mdl_bench *b, u64 size, struct mdl_bench_buf *buf)
{
	unsigned long i, n = size >> PAGE_SHIFT;
	int ret = -ENOMEM;

	buf->pages = kvmalloc_array(n, sizeof(*buf->pages), GFP_KERNEL);
	if (!buf->pages)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		buf->pages[i] = alloc_page(GFP_HIGHUSER | __GFP_ZERO |
					   __GFP_NOWARN);
		if (!buf->pages[i])
			goto err_pages;
	}
	ret = sg_alloc_table_from_pages_segment(&buf->table, buf->pages, n, 0,
						size, b->max_segment,
						GFP_KERNEL);
	if (ret)
		goto err_pages;
	ret = dma_map_sgtable(b->dev, &buf->table, DMA_BIDIRECTIONAL, 0);
	if (ret)
		goto err_table;
	return 0;

err_table:
	sg_free_table(&buf->table);
err_pages:
	while (i--)
		__free_page(buf->pages[i]);
	kvfree(buf->pages);
	return ret;
}

static void naive_layout(struct mdl_bench *b, struct mdl_bench_buf *buf,
			 struct mdl_bench_layout *l)
{
	unsigned long i;

	for (i = 0; i < buf->nr_pages; i++)
		mdl_bench_layout_add(l, page_to_pfn(buf->pages[i]), 1);
	l->dma_segments = buf->table.nents;
}

static void naive_free(struct mdl_bench *b, struct mdl_bench_buf *buf)
{
	unsigned long i;

	dma_unmap_sgtable(b->dev, &buf->table, DMA_BIDIRECTIONAL, 0);
	sg_free_table(&buf->table);
	for (i = 0; i < buf->nr_pages; i++)
		__free_page(buf->pages[i]);
	kvfree(buf->pages);
}

/* -------------------------------------------------------------- timer -- */

/*
 * Nothing at all, timed as every contender is: what the measurement itself
 * adds to each median, the clock reads and indirect calls around the two
 * halves of an operation. In UML that is about a third of TTM's 4 KiB
 * median; report.py prints it next to the 4 KiB targets.
 */
static int timer_alloc(struct mdl_bench *b, u64 size, struct mdl_bench_buf *buf)
{
	return 0;
}

static void timer_layout(struct mdl_bench *b, struct mdl_bench_buf *buf,
			 struct mdl_bench_layout *l)
{
}

static void timer_free(struct mdl_bench *b, struct mdl_bench_buf *buf)
{
}

/* -------------------------------------------------------- contenders -- */

static const struct mdl_bench_contender mdl_bench_contenders[] = {
	{
		.name = "zero_bound",
		.prepare = zero_prepare,
		.alloc = zero_alloc,
		.layout = zero_layout,
		.free = zero_free,
		.finish = mdl_bench_blocks_free,
	}, {
		.name = "pool_cold",
		.uses_pool = true,
		.prepare = pool_cold_prepare,
		.alloc = mdl_alloc_common,
		.layout = mdl_layout,
		.free = mdl_free_common,
		.finish = pool_finish,
	}, {
		.name = "pool_warm",
		.uses_pool = true,
		.prepare = pool_warm_prepare,
		.alloc = mdl_alloc_common,
		.layout = mdl_layout,
		.free = mdl_free_common,
		.finish = pool_finish,
	}, {
		.name = "ttm_pool",
		.prepare = ttm_prepare,
		.alloc = ttm_alloc,
		.layout = ttm_layout,
		.free = ttm_free,
	}, {
		.name = "heap_ladder",
		.alloc = heap_alloc,
		.layout = heap_layout,
		.free = heap_free,
	}, {
		.name = "dma_noncontig",
		.alloc = noncontig_alloc,
		.layout = noncontig_layout,
		.free = noncontig_free,
	}, {
		.name = "naive_order0",
		.alloc = naive_alloc,
		.layout = naive_layout,
		.free = naive_free,
	}, {
		.name = "timer",
		.alloc = timer_alloc,
		.layout = timer_layout,
		.free = timer_free,
	},
};

#define MDL_BENCH_NR_CONTENDERS	ARRAY_SIZE(mdl_bench_contenders)

/* ------------------------------------------------------- measurement -- */

/**
 * struct mdl_bench_series - the repetitions of one contender at one size
 * @total: alloc + free time per repetition, ns
 * @alloc: allocate + zero + map time per repetition, ns
 * @free: unmap + free time per repetition, ns
 * @done: repetitions completed
 * @err: the error that stopped the series, 0 if none
 * @layout: the layout of the last repetition
 * @pool_hits: pool pages handed out during the timed allocations
 * @pool_misses: pages that came from the buddy allocator instead
 */
struct mdl_bench_series {
	u64 *total;
	u64 *alloc;
	u64 *free;
	unsigned int done;
	int err;
	struct mdl_bench_layout layout;
	unsigned long pool_hits;
	unsigned long pool_misses;
};

static unsigned long mdl_bench_free_pages(void)
{
	return global_zone_page_state(NR_FREE_PAGES);
}

static unsigned int mdl_bench_reps(const struct mdl_bench_opts *opts, u64 size)
{
	u64 reps = div64_u64(MDL_BENCH_REP_BUDGET + size - 1, size);

	return clamp_t(u64, reps, opts->reps_min, opts->reps_max);
}

/* Operations per repetition: about MDL_BENCH_BATCH_BYTES, at most 64. */
static unsigned int mdl_bench_batch(u64 size)
{
	return clamp_t(u64, div64_u64(MDL_BENCH_BATCH_BYTES, size), 1, 64);
}

static int mdl_bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Sorts @v in place and returns its median. */
static u64 mdl_bench_median(u64 *v, unsigned int n)
{
	if (!n)
		return 0;
	sort(v, n, sizeof(*v), mdl_bench_cmp_u64, NULL);
	return n & 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Adds what the phase counters gained from @before to @after to @sum. */
static void mdl_bench_phases_add(struct drm_mdl_phase_stats *sum,
				 const struct drm_mdl_phase_stats *before,
				 const struct drm_mdl_phase_stats *after)
{
	unsigned int p;

	for (p = 0; p < DRM_MDL_PHASE_COUNT; p++)
		sum->ns[p] += after->ns[p] - before->ns[p];
	sum->allocs += after->allocs - before->allocs;
	sum->frees += after->frees - before->frees;
	sum->pages += after->pages - before->pages;
	sum->runs += after->runs - before->runs;
	sum->desc_bytes += after->desc_bytes - before->desc_bytes;
}

/*
 * One allocate..free of @c, timed in two halves; the layout goes to @s.
 * With @phases, what the engine's phase counters gained during the
 * allocate..free alone is added to it: the warm contender's preparation
 * allocates and frees too, cold, and must not count as its own.
 */
static int mdl_bench_op(struct mdl_bench *b,
			const struct mdl_bench_contender *c, u64 size,
			struct mdl_bench_series *s, u64 *alloc_ns, u64 *free_ns,
			struct drm_mdl_phase_stats *phases)
{
	struct drm_mdl_phase_stats phases_before, phases_after;
	struct drm_mdl_pool_stats before, after;
	struct mdl_bench_buf buf = {};
	u64 t0, t1, t2, t3;
	int ret;

	buf.nr_pages = size >> PAGE_SHIFT;
	if (c->prepare) {
		ret = c->prepare(b, size);
		if (ret)
			goto out;
	}
	if (c->uses_pool)
		drm_mdl_pool_get_stats(&before);
	if (phases)
		drm_mdl_phase_stats_read(&phases_before);

	t0 = mdl_bench_now();
	ret = c->alloc(b, size, &buf);
	t1 = mdl_bench_now();
	if (ret)
		goto out;

	if (c->uses_pool) {
		drm_mdl_pool_get_stats(&after);
		s->pool_hits += after.hits - before.hits;
		s->pool_misses += after.misses - before.misses;
	}
	mdl_bench_layout_init(&s->layout);
	c->layout(b, &buf, &s->layout);
	mdl_bench_layout_close(&s->layout);

	t2 = mdl_bench_now();
	c->free(b, &buf);
	t3 = mdl_bench_now();
	if (phases) {
		drm_mdl_phase_stats_read(&phases_after);
		mdl_bench_phases_add(phases, &phases_before, &phases_after);
	}

	*alloc_ns += t1 - t0;
	*free_ns += t3 - t2;
out:
	if (c->finish)
		c->finish(b);
	return ret;
}

/*
 * One repetition of @c: the mean of @batch operations, each timed on its
 * own, so that small sizes rise above the clock's resolution (256 ns in UML
 * when the TSC cannot be used) while every operation still gets its
 * untimed preparation.
 */
static int mdl_bench_once(struct mdl_bench *b,
			  const struct mdl_bench_contender *c, u64 size,
			  unsigned int batch, struct mdl_bench_series *s)
{
	u64 alloc_ns = 0, free_ns = 0;
	unsigned int i;
	int ret;

	for (i = 0; i < batch; i++) {
		ret = mdl_bench_op(b, c, size, s, &alloc_ns, &free_ns, NULL);
		if (ret)
			return ret;
	}
	s->alloc[s->done] = div_u64(alloc_ns, batch);
	s->free[s->done] = div_u64(free_ns, batch);
	s->total[s->done] = div_u64(alloc_ns + free_ns, batch);
	s->done++;
	return 0;
}

/* Whether @opts asks for @c: a whole name in its comma-separated list. */
static bool mdl_bench_wanted(const struct mdl_bench_opts *opts,
			     const struct mdl_bench_contender *c)
{
	size_t len = strlen(c->name);
	const char *p = opts->only;

	if (!p)
		return true;
	while ((p = strstr(p, c->name))) {
		bool starts = p == opts->only || p[-1] == ',';
		bool ends = p[len] == '\0' || p[len] == ',';

		if (starts && ends)
			return true;
		p += len;
	}
	return false;
}

static void mdl_bench_report(struct mdl_bench *b,
			     const struct mdl_bench_contender *c, u64 size,
			     unsigned int batch, struct mdl_bench_series *s)
{
	const struct mdl_bench_layout *l = &s->layout;
	const char *status = "ok";
	u64 median, amed, fmed;

	if (s->err)
		status = "failed";
	else if (l->not_zero)
		status = "not_zeroed";
	if (!s->done) {
		pr_info("RESULT where=%s scenario=%s size=%llu contender=%s status=%s errno=%d reps=0\n",
			b->opts->where, b->scenario, size, c->name, status,
			s->err);
		return;
	}
	median = mdl_bench_median(s->total, s->done);
	amed = mdl_bench_median(s->alloc, s->done);
	fmed = mdl_bench_median(s->free, s->done);
	pr_info("RESULT where=%s scenario=%s size=%llu contender=%s status=%s errno=%d reps=%u batch=%u median_ns=%llu min_ns=%llu max_ns=%llu alloc_median_ns=%llu free_median_ns=%llu chunks=%lu big_chunk_bytes=%llu dma_segments=%ld not_zeroed=%lu pool_hits=%lu pool_misses=%lu\n",
		b->opts->where, b->scenario, size, c->name, status, s->err,
		s->done, batch, median, s->total[0], s->total[s->done - 1], amed,
		fmed, l->chunks, l->big_bytes, l->dma_segments, l->not_zero,
		s->pool_hits, s->pool_misses);
}

/*
 * Where drm-mdl's time goes at @size: a pass of its own with the engine's
 * phase counters on, after the timed repetitions, so that the counters'
 * clock reads never land in the medians. Prints, per contender that uses
 * the engine, the mean nanoseconds per allocation of each phase and the
 * descriptor's bytes:
 *
 *   mdl_bench: PHASES where=uml scenario=unfragmented size=4096
 *              contender=pool_cold allocs=.. validate_ns=.. gather_ns=..
 *              cache_ns=.. describe_ns=.. map_ns=.. free_ns=..
 *              desc_bytes=.. pages=.. runs=..
 */
static void mdl_bench_phases(struct mdl_bench *b, u64 size, unsigned int ops)
{
	static const char * const names[DRM_MDL_PHASE_COUNT] = {
		"validate", "gather", "cache", "describe", "map", "free",
	};
	struct drm_mdl_phase_stats st;
	unsigned int i, k, p;
	char line[320];
	int len;

	for (i = 0; i < MDL_BENCH_NR_CONTENDERS; i++) {
		const struct mdl_bench_contender *c = &mdl_bench_contenders[i];
		struct mdl_bench_series scratch = {};
		u64 alloc_ns = 0, free_ns = 0;
		int ret = 0;

		if (!c->uses_pool)
			continue;
		memset(&st, 0, sizeof(st));
		drm_mdl_phase_stats_enable(true);
		for (k = 0; k < ops && !ret; k++)
			ret = mdl_bench_op(b, c, size, &scratch, &alloc_ns,
					   &free_ns, &st);
		drm_mdl_phase_stats_enable(false);
		if (ret || !st.allocs)
			continue;

		len = scnprintf(line, sizeof(line), "allocs=%llu", st.allocs);
		for (p = 0; p < DRM_MDL_PHASE_COUNT; p++)
			len += scnprintf(line + len, sizeof(line) - len,
					 " %s_ns=%llu", names[p],
					 div64_u64(st.ns[p], st.allocs));
		pr_info("PHASES where=%s scenario=%s size=%llu contender=%s %s desc_bytes=%llu pages=%llu runs=%llu\n",
			b->opts->where, b->scenario, size, c->name, line,
			div64_u64(st.desc_bytes, st.allocs),
			div64_u64(st.pages, st.allocs),
			div64_u64(st.runs, st.allocs));
	}
}

static int mdl_bench_size(struct mdl_bench *b, u64 size)
{
	struct mdl_bench_series *series;
	unsigned int reps = mdl_bench_reps(b->opts, size);
	unsigned int batch = mdl_bench_batch(size);
	unsigned long need, have = mdl_bench_free_pages();
	unsigned int r, k, i;
	int ret = 0;

	/*
	 * One allocation at a time: every contender gives its pages back
	 * (the pool drained) before the next one runs. Twice the reserve
	 * leaves room for descriptors and the allocators' own slack.
	 */
	need = (size >> PAGE_SHIFT) + 2 * (MDL_BENCH_RESERVE >> PAGE_SHIFT);
	if (have < need) {
		pr_info("SKIP where=%s scenario=%s size=%llu reason=memory need_mib=%lu free_mib=%lu\n",
			b->opts->where, b->scenario, size,
			need >> (20 - PAGE_SHIFT), have >> (20 - PAGE_SHIFT));
		return 0;
	}

	series = kcalloc(MDL_BENCH_NR_CONTENDERS, sizeof(*series), GFP_KERNEL);
	if (!series)
		return -ENOMEM;
	for (i = 0; i < MDL_BENCH_NR_CONTENDERS; i++) {
		series[i].total = kcalloc(reps, sizeof(u64), GFP_KERNEL);
		series[i].alloc = kcalloc(reps, sizeof(u64), GFP_KERNEL);
		series[i].free = kcalloc(reps, sizeof(u64), GFP_KERNEL);
		if (!series[i].total || !series[i].alloc || !series[i].free) {
			ret = -ENOMEM;
			goto out;
		}
	}

	/*
	 * Round-robin, starting one contender later each repetition: each
	 * one follows every other equally often, so what a contender leaves
	 * behind (pcp lists, deferred work) does not always land on the same
	 * neighbour.
	 */
	for (r = 0; r < reps; r++) {
		for (k = 0; k < MDL_BENCH_NR_CONTENDERS; k++) {
			struct mdl_bench_series *s;

			i = (k + r) % MDL_BENCH_NR_CONTENDERS;
			s = &series[i];
			if (s->err ||
			    !mdl_bench_wanted(b->opts, &mdl_bench_contenders[i]))
				continue;
			s->err = mdl_bench_once(b, &mdl_bench_contenders[i],
						size, batch, s);
			cond_resched();
		}
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
	}
	for (i = 0; i < MDL_BENCH_NR_CONTENDERS; i++)
		if (mdl_bench_wanted(b->opts, &mdl_bench_contenders[i]))
			mdl_bench_report(b, &mdl_bench_contenders[i], size,
					 batch, &series[i]);
	if (!ret && !b->opts->only)
		mdl_bench_phases(b, size, min(reps, 5U) * batch);
out:
	for (i = 0; i < MDL_BENCH_NR_CONTENDERS; i++) {
		kfree(series[i].total);
		kfree(series[i].alloc);
		kfree(series[i].free);
	}
	kfree(series);
	return ret;
}

/* ----------------------------------------- memory preparation -- */

static unsigned long mdl_bench_reserve_pages(void)
{
	return (MDL_BENCH_RESERVE >> PAGE_SHIFT) + totalram_pages() / 64;
}

/*
 * Touches every free page once, in the largest blocks there are: the host
 * backs UML's and QEMU's guest memory lazily, and the first touch of a page
 * must not be billed to whichever contender happens to get it first.
 */
static void mdl_bench_prefault(void)
{
	unsigned long reserve = mdl_bench_reserve_pages(), touched = 0;
	unsigned int order = MAX_PAGE_ORDER;
	struct page *page, *tmp;
	LIST_HEAD(held);

	while (mdl_bench_free_pages() > reserve + (1UL << order)) {
		page = alloc_pages(GFP_HIGHUSER | __GFP_ZERO | __GFP_NORETRY |
				   __GFP_NOWARN, order);
		if (!page) {
			if (!order--)
				break;
			continue;
		}
		set_page_private(page, order);
		list_add(&page->lru, &held);
		touched += 1UL << order;
		if (fatal_signal_pending(current))
			break;
		cond_resched();
	}
	list_for_each_entry_safe(page, tmp, &held, lru) {
		list_del(&page->lru);
		order = page_private(page);
		set_page_private(page, 0);
		__free_pages(page, order);
	}
	pr_info("INFO where=prefault touched_mib=%lu\n",
		touched >> (20 - PAGE_SHIFT));
}

/* Keeps the even pages of @page (order @order, not compound), frees the odd. */
static unsigned long mdl_bench_keep_even(struct page *page, unsigned int order,
					 struct list_head *held)
{
	unsigned long i, kept = 0;

	if (order)
		split_page(page, order);
	for (i = 0; i < (1UL << order); i++) {
		if (page_to_pfn(page + i) & 1) {
			__free_page(page + i);
		} else {
			list_add(&page[i].lru, held);
			kept++;
		}
	}
	return kept;
}

/*
 * Fragments all free memory: no two free pages are buddies any more, so
 * every free page is order 0 until mdl_bench_unfragment().
 *
 * First nearly all free memory is taken as single pages and those with an
 * odd pfn are given back. That leaves the reserve it stopped at whole, so
 * then every block of order 1 and up that can still be had without reclaim
 * is taken too, split, and its odd pages given back.
 *
 * Return: the number of pages held.
 */
static unsigned long mdl_bench_fragment(struct list_head *held)
{
	const gfp_t gfp = (GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN) &
			  ~__GFP_RECLAIM;
	unsigned long reserve = mdl_bench_reserve_pages(), nr = 0;
	struct page *page, *tmp;
	unsigned int order;
	LIST_HEAD(taken);

	while (mdl_bench_free_pages() > reserve) {
		page = alloc_page(GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN);
		if (!page)
			break;
		list_add(&page->lru, &taken);
		if (!(++nr % 4096)) {
			if (fatal_signal_pending(current))
				break;
			cond_resched();
		}
	}
	nr = 0;
	list_for_each_entry_safe(page, tmp, &taken, lru) {
		list_del(&page->lru);
		nr += mdl_bench_keep_even(page, 0, held);
	}
	for (order = MAX_PAGE_ORDER; order > 0; order--) {
		while ((page = alloc_pages(gfp, order))) {
			nr += mdl_bench_keep_even(page, order, held);
			cond_resched();
		}
	}
	return nr;
}

static void mdl_bench_unfragment(struct list_head *held)
{
	struct page *page, *tmp;

	list_for_each_entry_safe(page, tmp, held, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
}

/* ---------------------------------------------------------- the run -- */

static bool mdl_bench_translated(struct device *dev)
{
#ifdef CONFIG_IOMMU_API
	struct iommu_domain *domain = iommu_get_domain_for_dev(dev);

	return domain && (domain->type & __IOMMU_DOMAIN_PAGING);
#else
	return false;
#endif
}

/**
 * mdl_bench_parse_sizes - parse "4K,64K,2M,..." into @opts
 * @list: comma-separated sizes with memparse() suffixes
 * @opts: receives the sizes, rounded up to whole pages
 *
 * Return: 0, or -EINVAL for an empty, zero or malformed entry, or too many.
 */
int mdl_bench_parse_sizes(const char *list, struct mdl_bench_opts *opts)
{
	const char *p = list;
	char *end;
	u64 size;

	opts->nr_sizes = 0;
	while (p && *p) {
		if (opts->nr_sizes == MDL_BENCH_MAX_SIZES)
			return -EINVAL;
		size = memparse(p, &end);
		if (end == p || !size || (*end && *end != ','))
			return -EINVAL;
		opts->sizes[opts->nr_sizes++] = PAGE_ALIGN(size);
		p = *end ? end + 1 : end;
	}
	return opts->nr_sizes ? 0 : -EINVAL;
}

/**
 * mdl_bench_run - measure every contender at every size, in one scenario
 * @dev: the device all contenders map on
 * @opts: sizes and repetitions
 * @fragmented: fragment memory first (and restore it afterwards)
 *
 * Return: 0 when every size was measured or skipped for lack of memory;
 * a failing contender is reported in its result line, not here.
 */
int mdl_bench_run(struct device *dev, const struct mdl_bench_opts *opts,
		  bool fragmented)
{
	struct drm_mdl_pool_stats pool;
	struct mdl_bench *b;
	const char *clock;
	LIST_HEAD(held);
	unsigned int i;
	int ret = 0;

	b = kzalloc_obj(*b, GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	b->dev = dev;
	b->opts = opts;
	b->scenario = fragmented ? "fragmented" : "unfragmented";
	b->max_segment = max_t(unsigned int, PAGE_SIZE,
			       ALIGN_DOWN(dma_get_max_seg_size(dev),
					  PAGE_SIZE));
	if (mdl_bench_ttm_init(b))
		pr_warn("ttm_device_init failed; TTM is not measured\n");

	drm_mdl_pool_drain();
	if (opts->prefault && !fragmented)
		mdl_bench_prefault();
	drm_mdl_pool_get_stats(&pool);
	clock = mdl_bench_clock_init();
	pr_info("INFO where=%s scenario=%s device=%s iommu=%d max_segment=%u ram_mib=%lu free_mib=%lu init_on_alloc=%d pool_limit_mib=%lu large_page=%llu page_size=%lu clock=%s\n",
		opts->where, b->scenario, dev_name(dev),
		mdl_bench_translated(dev), b->max_segment,
		totalram_pages() >> (20 - PAGE_SHIFT),
		mdl_bench_free_pages() >> (20 - PAGE_SHIFT),
		want_init_on_alloc(0),
		pool.limit_pages >> (20 - PAGE_SHIFT),
		drm_mdl_large_page_size(), PAGE_SIZE, clock);

	if (fragmented) {
		unsigned long nr = mdl_bench_fragment(&held);

		pr_info("INFO where=%s scenario=fragmented held_mib=%lu free_mib=%lu\n",
			opts->where, nr >> (20 - PAGE_SHIFT),
			mdl_bench_free_pages() >> (20 - PAGE_SHIFT));
	}

	for (i = 0; i < opts->nr_sizes && !ret; i++)
		ret = mdl_bench_size(b, opts->sizes[i]);

	if (fragmented)
		mdl_bench_unfragment(&held);
	drm_mdl_pool_drain();
	mdl_bench_ttm_fini(b);
	kfree(b);
	return ret;
}
