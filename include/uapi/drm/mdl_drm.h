/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * drm-mdl: GPU-reachable system memory with Windows MDL semantics.
 *
 * The numbers below deliberately equal Windows' DXGK_MEMORY_CACHING_TYPE and
 * MM_ALLOCATE_* values so that ported driver code keeps its constants.
 */
#ifndef _UAPI_MDL_DRM_H_
#define _UAPI_MDL_DRM_H_

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

/* Cache types (DXGK_MEMORY_CACHING_TYPE). */
#define DRM_MDL_CACHE_NON_CACHED	0
#define DRM_MDL_CACHE_CACHED		1
#define DRM_MDL_CACHE_WRITE_COMBINED	2

/* Allocation flags (MM_ALLOCATE_* / MM_DONT_ZERO_ALLOCATION). */
#define DRM_MDL_ALLOC_DONT_ZERO			0x01
#define DRM_MDL_ALLOC_LOCAL_NODE_ONLY		0x02
#define DRM_MDL_ALLOC_FULLY_REQUIRED		0x04
#define DRM_MDL_ALLOC_NO_WAIT			0x08
#define DRM_MDL_ALLOC_PREFER_CONTIGUOUS		0x10
#define DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS	0x20
#define DRM_MDL_ALLOC_FAST_LARGE_PAGES		0x40
#define DRM_MDL_ALLOC_FLAGS_ALL			0x7f

/* "No upper limit" for @high. */
#define DRM_MDL_HIGH_UNLIMITED		(~(__u64)0)

/**
 * struct drm_mdl_alloc - DRM_IOCTL_MDL_ALLOC argument
 *
 * Allocates zero-filled pages inside [@low, @high] (then SkipBytes windows)
 * and maps them on the device, all or nothing: the ioctl always behaves as
 * if DRM_MDL_ALLOC_FULLY_REQUIRED were set, as Dxgkrnl does.
 *
 * Placing memory is for CAP_SYS_ADMIN, as it is for kernel mode on Windows:
 * without it, the window must be all of memory or start at 0 and end at or
 * above 4 GiB - 1, with no SkipBytes (@skip is 0, or the block size of
 * DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS), and no block larger than the page
 * allocator's largest; anything else is EPERM.
 */
struct drm_mdl_alloc {
	/** @low: in, first byte of physical window 0. */
	__u64 low;
	/** @high: in, last byte (inclusive) of window 0; ~0 for no limit. */
	__u64 high;
	/** @skip: in, SkipBytes; 0 or a multiple of the page size. */
	__u64 skip;
	/** @total_bytes: in, rounded up to pages, at most 4 GiB - PAGE_SIZE. */
	__u64 total_bytes;
	/** @cache_type: in, DRM_MDL_CACHE_*. */
	__u32 cache_type;
	/** @flags: in, DRM_MDL_ALLOC_*. */
	__u32 flags;
	/** @byte_count: out, bytes described (page aligned). */
	__u64 byte_count;
	/** @page_count: out, number of pages. */
	__u64 page_count;
	/** @chunk_count: out, number of physically contiguous chunks. */
	__u32 chunk_count;
	/** @dma_segment_count: out, number of contiguous DMA segments. */
	__u32 dma_segment_count;
	/** @handle: out, GEM handle. */
	__u32 handle;
	/** @pad: must be zero. */
	__u32 pad;
};

/**
 * struct drm_mdl_free - DRM_IOCTL_MDL_FREE argument
 */
struct drm_mdl_free {
	/** @handle: in, handle returned by DRM_IOCTL_MDL_ALLOC. */
	__u32 handle;
	/** @pad: must be zero. */
	__u32 pad;
};

/**
 * struct drm_mdl_page_entry - one page of an allocation
 */
struct drm_mdl_page_entry {
	/**
	 * @dma_addr: address of the page on the device (IOMMU logical); 0
	 * without CAP_SYS_ADMIN where it would be the physical address (a
	 * device without translation, or in an identity domain).
	 */
	__u64 dma_addr;
	/** @phys_addr: CPU physical address; 0 without CAP_SYS_ADMIN. */
	__u64 phys_addr;
};

/**
 * struct drm_mdl_get_pages - DRM_IOCTL_MDL_GET_PAGES argument
 *
 * Reads back the page table of an allocation, in allocation order.
 */
struct drm_mdl_get_pages {
	/** @handle: in. */
	__u32 handle;
	/** @flags: in, must be zero. */
	__u32 flags;
	/** @first_page: in, index of the first page to read. */
	__u64 first_page;
	/** @count: in, capacity of @entries_ptr; out, entries written. */
	__u64 count;
	/** @entries_ptr: in, user pointer to struct drm_mdl_page_entry[]. */
	__u64 entries_ptr;
	/** @page_count: out, total pages in the allocation. */
	__u64 page_count;
};

/**
 * struct drm_mdl_map_offset - DRM_IOCTL_MDL_MAP_OFFSET argument
 *
 * The returned offset is passed to mmap() on the DRM file. The mapping uses
 * the allocation's cache type.
 */
struct drm_mdl_map_offset {
	/** @handle: in. */
	__u32 handle;
	/** @flags: in, must be zero. */
	__u32 flags;
	/** @offset: out, fake offset for mmap(). */
	__u64 offset;
};

/* struct drm_mdl_info.caps */
#define DRM_MDL_CAP_IOMMU	(1u << 0) /* device translates through an IOMMU */
#define DRM_MDL_CAP_DMA_COPY	(1u << 1) /* DRM_IOCTL_MDL_DMA_COPY works */
/*
 * The platform bounces all of the device's DMA through swiotlb (swiotlb=force,
 * a confidential guest): no mapping would reach the pages themselves, so
 * DRM_IOCTL_MDL_ALLOC fails with ENXIO.
 */
#define DRM_MDL_CAP_DMA_BOUNCED	(1u << 2)
/*
 * mmap() maps each 2 MiB-aligned part of an allocation that is one 2 MiB
 * physical run with a single PMD: one fault and one TLB entry. The mapping
 * is placed so that object offsets that are multiples of 2 MiB are 2 MiB-
 * aligned. Without it every fault maps up to 16 pages.
 */
#define DRM_MDL_CAP_HUGE_MAPPINGS	(1u << 3)

/**
 * struct drm_mdl_info - DRM_IOCTL_MDL_INFO argument
 *
 * Fields are only ever appended: DRM's ioctl layer zero-extends the smaller
 * struct of an older caller and copies back only what it asked for, so
 * older binaries keep working and read no new field.
 */
struct drm_mdl_info {
	/** @flags: in, must be zero. */
	__u32 flags;
	/** @caps: out, DRM_MDL_CAP_*. */
	__u32 caps;
	/** @dma_mask: out, the device's streaming DMA mask. */
	__u64 dma_mask;
	/** @max_total_bytes: out, largest @total_bytes accepted. */
	__u64 max_total_bytes;
	/** @large_page_size: out, unit for DRM_MDL_ALLOC_FAST_LARGE_PAGES. */
	__u64 large_page_size;
	/** @page_size: out, CPU page size. */
	__u64 page_size;
	/** @max_segment_size: out, device's maximum DMA segment size. */
	__u64 max_segment_size;
	/** @supported_flags: out, DRM_MDL_ALLOC_* bits accepted. */
	__u32 supported_flags;
	/** @cache_types: out, bit n set when cache type n is accepted. */
	__u32 cache_types;
	/** @dma_copy_max_bytes: out, largest single DMA copy, 0 if none. */
	__u64 dma_copy_max_bytes;
	/**
	 * @seg_boundary_mask: out, the device's DMA segment boundary mask: no
	 * DMA segment crosses a multiple of it plus one.
	 */
	__u64 seg_boundary_mask;
};

/**
 * struct drm_mdl_dma_copy - DRM_IOCTL_MDL_DMA_COPY argument
 *
 * Copies @size bytes from one allocation to another through the device's
 * DMA engine, using the allocations' DMA (logical) addresses. Exists so a
 * test can prove that the device reaches the pages where the IOMMU put them.
 */
struct drm_mdl_dma_copy {
	/** @src_handle: in. */
	__u32 src_handle;
	/** @dst_handle: in. */
	__u32 dst_handle;
	/** @src_offset: in, byte offset into the source. */
	__u64 src_offset;
	/** @dst_offset: in, byte offset into the destination. */
	__u64 dst_offset;
	/** @size: in, bytes to copy. */
	__u64 size;
	/** @flags: in, must be zero. */
	__u32 flags;
	/** @pad: must be zero. */
	__u32 pad;
};

#define DRM_MDL_ALLOC		0x00
#define DRM_MDL_FREE		0x01
#define DRM_MDL_GET_PAGES	0x02
#define DRM_MDL_MAP_OFFSET	0x03
#define DRM_MDL_INFO		0x04
#define DRM_MDL_DMA_COPY	0x05

#define DRM_IOCTL_MDL_ALLOC \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_MDL_ALLOC, struct drm_mdl_alloc)
#define DRM_IOCTL_MDL_FREE \
	DRM_IOW(DRM_COMMAND_BASE + DRM_MDL_FREE, struct drm_mdl_free)
#define DRM_IOCTL_MDL_GET_PAGES \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_MDL_GET_PAGES, struct drm_mdl_get_pages)
#define DRM_IOCTL_MDL_MAP_OFFSET \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_MDL_MAP_OFFSET, struct drm_mdl_map_offset)
#define DRM_IOCTL_MDL_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_MDL_INFO, struct drm_mdl_info)
#define DRM_IOCTL_MDL_DMA_COPY \
	DRM_IOW(DRM_COMMAND_BASE + DRM_MDL_DMA_COPY, struct drm_mdl_dma_copy)

#if defined(__cplusplus)
}
#endif

#endif /* _UAPI_MDL_DRM_H_ */
