// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * CPU cache type of the pages. x86 keeps one memory type per physical page
 * across all mappings (PAT), so the kernel's linear map is switched to the
 * requested type before any other mapping is made, and back to write-back
 * before the pages return to the allocator. Elsewhere only the user and
 * vmap mappings change, through their pgprot.
 */

#include <linux/mm.h>

#ifdef CONFIG_X86
#include <asm/set_memory.h>
#endif

#include "mdl_internal.h"

/**
 * mdl_cache_apply - switch the linear map of @pages to @cache_type
 * @pages: the pages
 * @count: number of pages
 * @cache_type: DRM_MDL_CACHE_*
 *
 * Return: 0, or a negative errno with every page left write-back.
 */
int mdl_cache_apply(struct page **pages, unsigned long count, u32 cache_type)
{
	if (cache_type == DRM_MDL_CACHE_CACHED || !count)
		return 0;
	if (mdl_fault_should_fail(MDL_FAULT_CACHE))
		return -ENOMEM;
#ifdef CONFIG_X86
	if (count > INT_MAX)
		return -EINVAL;
	if (cache_type == DRM_MDL_CACHE_WRITE_COMBINED)
		return set_pages_array_wc(pages, count);
	return set_pages_array_uc(pages, count);
#else
	return 0;
#endif
}

/**
 * mdl_cache_restore - return @pages to write-back before they are freed
 * @pages: the pages
 * @count: number of pages
 * @cache_type: the type mdl_cache_apply() set
 */
void mdl_cache_restore(struct page **pages, unsigned long count,
		       u32 cache_type)
{
	if (cache_type == DRM_MDL_CACHE_CACHED || !count)
		return;
#ifdef CONFIG_X86
	/* A page that stayed UC/WC in the allocator would poison its next user. */
	WARN_ON_ONCE(set_pages_array_wb(pages, count));
#endif
}

/**
 * mdl_cache_pgprot - the page protection for a CPU mapping of the pages
 * @cache_type: DRM_MDL_CACHE_*
 * @prot: the protection the mapping would otherwise get
 *
 * Return: @prot adjusted to @cache_type.
 */
pgprot_t mdl_cache_pgprot(u32 cache_type, pgprot_t prot)
{
	switch (cache_type) {
	case DRM_MDL_CACHE_WRITE_COMBINED:
		return pgprot_writecombine(prot);
	case DRM_MDL_CACHE_NON_CACHED:
		return pgprot_noncached(prot);
	default:
		return prot;
	}
}
