// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The window/SkipBytes walker. Window k covers [low + k * skip,
 * high + k * skip] with an inclusive high; a page belongs to it when its
 * first and last bytes both do. Windows are produced in order, k = 0, 1, ...,
 * while the window starts below the top of RAM; skip == 0, and
 * REQUIRE_CONTIGUOUS_CHUNKS (where skip is the block size), yield window 0
 * only. The chunk allocator asks for window k only when windows 0..k-1 ran
 * dry, which is what gives "lower ranges first".
 */

#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/overflow.h>

#include "mdl_internal.h"

/**
 * mdl_top_of_ram_pfn - one past the highest page frame of any online node
 *
 * max_pfn is not exported to modules; the node spans give the same bound and
 * follow memory hotplug.
 *
 * Return: the pfn bound.
 */
unsigned long mdl_top_of_ram_pfn(void)
{
	unsigned long top = 0;
	int nid;

	for_each_online_node(nid)
		top = max(top, pgdat_end_pfn(NODE_DATA(nid)));
	return top;
}

/**
 * mdl_window_walker_init - start walking the windows of a plan
 * @walker: the iterator
 * @plan: a validated plan
 * @top_pfn: one past the highest pfn that may be returned
 */
void mdl_window_walker_init(struct mdl_window_walker *walker,
			    const struct mdl_plan *plan, unsigned long top_pfn)
{
	walker->plan = plan;
	walker->next_index = 0;
	walker->top_pfn = top_pfn;
	walker->done = false;
}

static bool mdl_window_bounds(const struct mdl_window_walker *walker, u64 k,
			      u64 *low, u64 *high)
{
	const struct mdl_plan *plan = walker->plan;
	u64 offset;

	if (check_mul_overflow(k, plan->skip, &offset) ||
	    check_add_overflow(plan->low, offset, low))
		return false;
	/* A high that runs off the address space means "no upper limit". */
	if (check_add_overflow(plan->high, offset, high))
		*high = U64_MAX;
	return true;
}

/**
 * mdl_window_next - the next window that may hold pages
 * @walker: the iterator
 * @window: filled with the window's pfn bounds, clipped to RAM
 *
 * A window starting past RAM ends the walk, and so does one without a whole
 * page inside it: @skip is a page multiple, so every later window lies the
 * same way across pages and has none either. Skipping them one by one would
 * walk all of RAM in steps of @skip, unbounded and unkillable.
 *
 * Return: true when @window was filled, false when the walk is over.
 */
bool mdl_window_next(struct mdl_window_walker *walker,
		     struct mdl_window *window)
{
	const struct mdl_plan *plan = walker->plan;
	u64 top = (u64)walker->top_pfn << PAGE_SHIFT;

	while (!walker->done) {
		u64 k = walker->next_index;
		u64 low, high, first, last;

		/* Contiguous blocks use @skip as their size, not as a stride. */
		if (!plan->skip ||
		    (plan->flags & DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS))
			walker->done = true;
		walker->next_index++;

		if (!mdl_window_bounds(walker, k, &low, &high) || low >= top) {
			walker->done = true;
			break;
		}
		/* First page starting at or above low. */
		first = (low >> PAGE_SHIFT) + !!(low & ~PAGE_MASK);
		/* Last page whose final byte is at or below high. */
		if (high < PAGE_SIZE - 1) {
			walker->done = true;
			break;
		}
		last = (high - (PAGE_SIZE - 1)) >> PAGE_SHIFT;
		if (last >= walker->top_pfn)
			last = walker->top_pfn - 1;
		if (first > last) {
			walker->done = true;
			break;
		}

		window->index = k;
		window->first_pfn = first;
		window->last_pfn = last;
		return true;
	}
	return false;
}
