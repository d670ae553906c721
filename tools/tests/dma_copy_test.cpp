// SPDX-License-Identifier: MIT
// DRM_IOCTL_MDL_DMA_COPY: the edu engine reaches the pages at their DMA
// (logical) addresses. Every copy is checked byte for byte through mmap,
// including the bytes around the destination range, which must not change.
#include <cstring>

#include "util.hpp"

namespace mdltest {
namespace {

constexpr uint64_t KiB = 1024;

class DmaCopy : public EduTest {
 protected:
  struct Buf {
    mdl::Allocation alloc;
    mdl::Mapping map;
  };
  void make(Buf& b, uint64_t size, uint32_t cache = DRM_MDL_CACHE_CACHED, uint64_t seed = 0) {
    auto a = dev.alloc(request(size, cache));
    ASSERT_TRUE(a) << mdl::describe_errno(a.errnum());
    auto m = dev.map(*a);
    ASSERT_TRUE(m) << mdl::describe_errno(m.errnum());
    b.alloc = std::move(a).value();
    b.map = std::move(m).value();
    if (seed) fill_random(b.map.bytes(), seed);
  }
  // Copies and checks: dst[doff, doff+size) == src[soff, ...), the rest of
  // dst as it was before.
  void copy_and_check(Buf& src, uint64_t soff, Buf& dst, uint64_t doff, uint64_t size) {
    std::vector<std::byte> want(dst.map.bytes().begin(), dst.map.bytes().end());
    std::memcpy(want.data() + doff, src.map.bytes().data() + soff, size);
    auto st = dev.dma_copy(src.alloc, soff, dst.alloc, doff, size);
    ASSERT_TRUE(st) << "copy " << size << " bytes " << soff << " -> " << doff << ": "
                    << mdl::describe_errno(st.errnum());
    int64_t diff = first_difference(dst.map.bytes(), want);
    EXPECT_EQ(diff, -1) << "destination differs at byte " << diff << " (copy of " << size
                        << " bytes from " << soff << " to " << doff << ")";
  }
  uint64_t max_copy() const { return info.dma_copy_max_bytes; }
};

TEST_F(DmaCopy, CopiesARandomPatternWithinOnePage) {
  Buf src, dst;
  make(src, 16 * KiB, DRM_MDL_CACHE_CACHED, 1);
  make(dst, 16 * KiB);
  copy_and_check(src, 0, dst, 0, std::min<uint64_t>(4 * KiB, max_copy()));
}

TEST_F(DmaCopy, CopyCrossesPageBoundaries) {
  Buf src, dst;
  make(src, 32 * KiB, DRM_MDL_CACHE_CACHED, 2);
  make(dst, 32 * KiB);
  uint64_t size = std::min<uint64_t>(3000, max_copy());
  // Source straddles pages 0/1, destination straddles pages 2/3.
  copy_and_check(src, 4096 - 1000, dst, 3 * 4096 - 1500, size);
}

TEST_F(DmaCopy, UnalignedOddSizedCopy) {
  Buf src, dst;
  make(src, 16 * KiB, DRM_MDL_CACHE_CACHED, 3);
  make(dst, 16 * KiB, DRM_MDL_CACHE_CACHED, 4);
  copy_and_check(src, 7, dst, 4093, std::min<uint64_t>(1001, max_copy()));
}

TEST_F(DmaCopy, MultiKiBCopy) {
  Buf src, dst;
  uint64_t size = std::min<uint64_t>(64 * KiB, max_copy());
  ASSERT_GE(size, 4 * KiB) << "the engine should move at least 4 KiB per copy";
  make(src, size + 8 * KiB, DRM_MDL_CACHE_CACHED, 5);
  make(dst, size + 8 * KiB);
  copy_and_check(src, 512, dst, 4096 + 100, size);
}

// QEMU's edu engine takes 100 ms of virtual time per transfer of at most 4 KiB:
// the copies below are kept to what proves the point.

TEST_F(DmaCopy, ManyCopiesFillAScatteredBuffer) {
  // 32 KiB of pages from anywhere: the engine follows the page table.
  Buf src, dst;
  const uint64_t total = 32 * KiB;
  make(src, total, DRM_MDL_CACHE_CACHED, 6);
  make(dst, total);
  uint64_t step = std::min<uint64_t>(max_copy(), 8 * KiB);
  for (uint64_t off = 0; off < total; off += step) {
    auto st = dev.dma_copy(src.alloc, off, dst.alloc, total - off - step, step);
    ASSERT_TRUE(st) << "offset " << off << ": " << mdl::describe_errno(st.errnum());
  }
  for (uint64_t off = 0; off < total; off += step) {
    auto s = src.map.bytes().subspan(off, step);
    auto d = dst.map.bytes().subspan(total - off - step, step);
    ASSERT_EQ(first_difference(s, d), -1) << "block at source offset " << off;
  }
}

TEST_F(DmaCopy, CopyBetweenCacheTypes) {
  const std::pair<uint32_t, uint32_t> pairs[] = {
      {DRM_MDL_CACHE_NON_CACHED, DRM_MDL_CACHE_WRITE_COMBINED},
      {DRM_MDL_CACHE_WRITE_COMBINED, DRM_MDL_CACHE_CACHED},
      {DRM_MDL_CACHE_CACHED, DRM_MDL_CACHE_NON_CACHED},
  };
  uint64_t seed = 10;
  for (auto [st, dt] : pairs) {
    SCOPED_TRACE(mdl::cache_type_name(st) + " -> " + mdl::cache_type_name(dt));
    Buf src, dst;
    make(src, 8 * KiB, st, seed++);
    make(dst, 8 * KiB, dt);
    copy_and_check(src, 100, dst, 4000, std::min<uint64_t>(3000, max_copy()));
  }
}

TEST_F(DmaCopy, CopyWithinOneAllocation) {
  Buf b;
  make(b, 16 * KiB, DRM_MDL_CACHE_CACHED, 7);
  copy_and_check(b, 0, b, 8 * KiB, std::min<uint64_t>(4 * KiB, max_copy()));
}

TEST_F(DmaCopy, CopyToTheLastByte) {
  Buf src, dst;
  make(src, 8 * KiB, DRM_MDL_CACHE_CACHED, 8);
  make(dst, 8 * KiB);
  copy_and_check(src, 8 * KiB - 100, dst, 8 * KiB - 100, 100);
}

// ---- errors ----

class DmaCopyErrors : public DmaCopy {
 protected:
  void SetUp() override {
    DmaCopy::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    make(src, 8 * KiB, DRM_MDL_CACHE_CACHED, 9);
    make(dst, 8 * KiB);
    before.assign(dst.map.bytes().begin(), dst.map.bytes().end());
  }
  void TearDown() override {
    if (dst.map.size()) {
      EXPECT_EQ(first_difference(dst.map.bytes(), before), -1)
          << "a refused copy changed the destination";
    }
    DmaCopy::TearDown();
  }
  drm_mdl_dma_copy args(uint64_t soff, uint64_t doff, uint64_t size) const {
    drm_mdl_dma_copy c{};
    c.src_handle = src.alloc.handle();
    c.dst_handle = dst.alloc.handle();
    c.src_offset = soff;
    c.dst_offset = doff;
    c.size = size;
    return c;
  }
  std::string send(drm_mdl_dma_copy c) { return mdl::errno_name(dev.ioctl(DRM_IOCTL_MDL_DMA_COPY, &c)); }
  Buf src, dst;
  std::vector<std::byte> before;
};

TEST_F(DmaCopyErrors, SourceRangePastTheEndIsEINVAL) {
  EXPECT_EQ(send(args(8 * KiB - 10, 0, 11)), "EINVAL");
  EXPECT_EQ(send(args(8 * KiB, 0, 1)), "EINVAL");
  EXPECT_EQ(send(args(1ull << 40, 0, 16)), "EINVAL");
}

TEST_F(DmaCopyErrors, DestinationRangePastTheEndIsEINVAL) {
  EXPECT_EQ(send(args(0, 8 * KiB - 10, 11)), "EINVAL");
  EXPECT_EQ(send(args(0, 8 * KiB, 1)), "EINVAL");
  EXPECT_EQ(send(args(0, 1ull << 40, 16)), "EINVAL");
}

TEST_F(DmaCopyErrors, OffsetPlusSizeOverflowIsEINVAL) {
  EXPECT_EQ(send(args(~0ull - 7, 0, 16)), "EINVAL") << "src_offset + size wraps";
  EXPECT_EQ(send(args(0, ~0ull - 7, 16)), "EINVAL") << "dst_offset + size wraps";
  EXPECT_EQ(send(args(16, 16, ~0ull - 7)), "EINVAL") << "size wraps";
}

TEST_F(DmaCopyErrors, SizeOverTheAllocationIsEINVAL) {
  EXPECT_EQ(send(args(0, 0, 8 * KiB + 1)), "EINVAL");
}

TEST_F(DmaCopyErrors, ZeroSizeIsEINVAL) { EXPECT_EQ(send(args(0, 0, 0)), "EINVAL"); }

TEST_F(DmaCopyErrors, SizeOverTheEngineLimitIsEINVAL) {
  const uint64_t size = info.dma_copy_max_bytes + info.page_size;
  auto a = dev.alloc(request(size));
  auto b = dev.alloc(request(size));
  ASSERT_TRUE(a && b);
  drm_mdl_dma_copy c{};
  c.src_handle = a->handle();
  c.dst_handle = b->handle();
  c.size = info.dma_copy_max_bytes + 1;
  EXPECT_EQ(send(c), "EINVAL") << "dma_copy_max_bytes is " << info.dma_copy_max_bytes;
}

TEST_F(DmaCopyErrors, NonzeroFlagsIsEINVAL) {
  for (uint32_t flags : {1u, 0x80u, 1u << 31}) {
    auto c = args(0, 0, 64);
    c.flags = flags;
    EXPECT_EQ(send(c), "EINVAL") << flags;
  }
}

TEST_F(DmaCopyErrors, NonzeroPadIsEINVAL) {
  auto c = args(0, 0, 64);
  c.pad = 1;
  EXPECT_EQ(send(c), "EINVAL");
}

TEST_F(DmaCopyErrors, UnknownSourceHandleIsENOENT) {
  auto c = args(0, 0, 64);
  c.src_handle = 0x7fffffff;
  EXPECT_EQ(send(c), "ENOENT");
}

TEST_F(DmaCopyErrors, UnknownDestinationHandleIsENOENT) {
  auto c = args(0, 0, 64);
  c.dst_handle = 0x7fffffff;
  EXPECT_EQ(send(c), "ENOENT");
  c.dst_handle = 0;
  EXPECT_EQ(send(c), "ENOENT");
}

TEST_F(DmaCopyErrors, HandleFromAnotherFileIsENOENT) {
  auto other = mdl::Device::open(dev.node());
  ASSERT_TRUE(other);
  auto mine = other->alloc(request(8 * KiB));
  ASSERT_TRUE(mine);
  // Handles the other file does not have:
  uint32_t unknown = std::max(src.alloc.handle(), dst.alloc.handle());
  if (unknown == mine->handle()) unknown = std::min(src.alloc.handle(), dst.alloc.handle());
  drm_mdl_dma_copy c{};
  c.src_handle = unknown;
  c.dst_handle = mine->handle();
  c.size = 64;
  EXPECT_EQ(mdl::errno_name(other->ioctl(DRM_IOCTL_MDL_DMA_COPY, &c)), "ENOENT");
  std::swap(c.src_handle, c.dst_handle);
  EXPECT_EQ(mdl::errno_name(other->ioctl(DRM_IOCTL_MDL_DMA_COPY, &c)), "ENOENT");
}

TEST_F(DmaCopyErrors, BadArgumentPointerIsEFAULT) {
  EXPECT_EQ(mdl::errno_name(dev.ioctl(DRM_IOCTL_MDL_DMA_COPY, reinterpret_cast<void*>(8))),
            "EFAULT");
}

TEST_F(PlatformTest, DmaCopyWithoutEngineIsEOPNOTSUPP) {
  auto a = dev.alloc(request(8 * KiB));
  auto b = dev.alloc(request(8 * KiB));
  ASSERT_TRUE(a && b);
  MDL_EXPECT_ERRNO(dev.dma_copy(*a, 0, *b, 0, 64), EOPNOTSUPP);
}

}  // namespace
}  // namespace mdltest
