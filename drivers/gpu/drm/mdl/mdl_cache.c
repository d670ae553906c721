// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * CPU cache type of the pages. x86 keeps one memory type per physical page
 * across all mappings (PAT), so the kernel's linear map is switched to the
 * requested type before any other mapping is made, and back to write-back
 * before the pages return to the allocator. Other architectures keep the
 * linear map cacheable whatever a user mapping says, so the non-cached
 * types are refused there (mdl_cache_types()).
 */

#include <linux/mm.h>

#ifdef CONFIG_X86
#include <asm/set_memory.h>
#endif

#include "mdl_internal.h"

/**
 * mdl_cache_types - the cache types this architecture can give safely
 *
 * A write-combined or uncached user mapping is only safe where no cacheable
 * alias of the pages is left: x86 switches the linear map along (PAT), and
 * UML has no memory types at all. On arm64 and the others the linear map
 * stays cacheable, so a WC mapping could read the previous owner's data
 * out of dirty lines (DRM's drm_arch_can_wc_memory() refuses WC on arm,
 * arm64, PowerPC and LoongArch for that reason).
 *
 * Return: a mask with bit n set for each DRM_MDL_CACHE_* n accepted.
 */
u32 mdl_cache_types(void)
{
	u32 types = BIT(DRM_MDL_CACHE_CACHED);

	if (IS_ENABLED(CONFIG_X86) || IS_ENABLED(CONFIG_UML))
		types |= BIT(DRM_MDL_CACHE_NON_CACHED) |
			 BIT(DRM_MDL_CACHE_WRITE_COMBINED);
	return types;
}

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
