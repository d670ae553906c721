// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Request validation: every rule of SPEC.md's request table, checked before a
 * single page is touched, so a malformed request never allocates anything.
 */

#include <linux/errno.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/pgtable.h>

#include "mdl_internal.h"

/* The bits Windows defines but drm-mdl does not offer (0x80, 0x100) fall out. */
#define MDL_KNOWN_CACHE_TYPES	3

/**
 * drm_mdl_large_page_size - the unit of DRM_MDL_ALLOC_FAST_LARGE_PAGES
 *
 * Return: the size of a PMD-level page (2 MiB on x86-64).
 */
u64 drm_mdl_large_page_size(void)
{
	return PMD_SIZE;
}
EXPORT_SYMBOL_GPL(drm_mdl_large_page_size);

static int mdl_check_contiguous_chunks(const struct drm_mdl_request *req,
				       u64 total, struct mdl_plan *plan)
{
	if (!req->skip) {
		plan->block_order = 0;
		return 0;
	}
	/* Blocks of exactly @skip bytes, aligned to @skip: a power of two. */
	if (!is_power_of_2(req->skip) || req->skip < PAGE_SIZE)
		return -EINVAL;
	if (total % req->skip)
		return -EINVAL;
	plan->block_order = ilog2(req->skip >> PAGE_SHIFT);
	return 0;
}

/**
 * mdl_request_to_plan - validate a request and express it in pages
 * @req: the caller's request
 * @plan: filled on success
 *
 * Return: 0, -EINVAL for any malformed request, or -EOPNOTSUPP for a
 * cache type the architecture cannot give.
 */
int mdl_request_to_plan(const struct drm_mdl_request *req,
			struct mdl_plan *plan)
{
	u64 total;
	int ret;

	if (!req->total_bytes || req->total_bytes > DRM_MDL_MAX_BYTES)
		return -EINVAL;
	total = PAGE_ALIGN(req->total_bytes);
	/* Rounding must not carry a request over the cap, never clamp. */
	if (total > DRM_MDL_MAX_BYTES)
		return -EINVAL;
	if (req->high < req->low)
		return -EINVAL;
	if (req->skip % PAGE_SIZE)
		return -EINVAL;
	if (req->cache_type >= MDL_KNOWN_CACHE_TYPES)
		return -EINVAL;
	if (req->flags & ~DRM_MDL_ALLOC_FLAGS_ALL)
		return -EINVAL;

	/* Field by field, not memset(): see mdl_page_list_init(). */
	plan->block_order = 0;
	if (req->flags & DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS) {
		ret = mdl_check_contiguous_chunks(req, total, plan);
		if (ret)
			return ret;
	}
	if (req->flags & DRM_MDL_ALLOC_FAST_LARGE_PAGES) {
		if (!(req->flags & DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS))
			return -EINVAL;
		if (!req->skip || req->skip % drm_mdl_large_page_size())
			return -EINVAL;
	}

	/* Well formed, and only then: one the architecture cannot give. */
	if (!(mdl_cache_types() & BIT(req->cache_type)))
		return -EOPNOTSUPP;

	plan->nr_pages = total >> PAGE_SHIFT;
	plan->low = req->low;
	plan->high = req->high;
	plan->skip = req->skip;
	plan->flags = req->flags;
	plan->cache_type = req->cache_type;
	return 0;
}

/**
 * drm_mdl_validate_request - check a request without allocating
 * @req: the request
 *
 * Lets a caller reject a malformed request early, with the same verdict
 * drm_mdl_alloc() would give.
 *
 * Return: 0 when @req is well formed, -EINVAL when it is not, -EOPNOTSUPP
 * for a cache type the architecture cannot give (mdl_cache_types()).
 */
int drm_mdl_validate_request(const struct drm_mdl_request *req)
{
	struct mdl_plan plan;

	return mdl_request_to_plan(req, &plan);
}
EXPORT_SYMBOL_GPL(drm_mdl_validate_request);
