// SPDX-License-Identifier: MIT
// DRM_IOCTL_MDL_ALLOC: every malformed request of SPEC.md is EINVAL, and
// requests that cannot be met are ENOMEM; none of them leaves anything behind.
#include "util.hpp"

namespace mdltest {
namespace {

constexpr uint64_t KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB;

class AllocValidation : public DeviceTest {
 protected:
  // Sends @r raw and returns the errno name ("OK" when it was allocated).
  std::string send(const mdl::Request& r) { return mdl::errno_name(alloc_errno(dev, mdl::to_alloc_args(r))); }
  std::string send(const drm_mdl_alloc& a) { return mdl::errno_name(alloc_errno(dev, a)); }
};

TEST_F(AllocValidation, ZeroSizeIsEINVAL) { EXPECT_EQ(send(request(0)), "EINVAL"); }

TEST_F(AllocValidation, CapIsReportedByInfo) {
  EXPECT_EQ(info.max_total_bytes, 4 * GiB - info.page_size);
}

TEST_F(AllocValidation, CapPlusOneByteIsEINVAL) {
  EXPECT_EQ(send(request(info.max_total_bytes + 1)), "EINVAL");
}

TEST_F(AllocValidation, CapPlusOnePageIsEINVAL) {
  EXPECT_EQ(send(request(info.max_total_bytes + info.page_size)), "EINVAL");
}

TEST_F(AllocValidation, HugeSizeIsEINVALNotRoundedToZero) {
  EXPECT_EQ(send(request(~0ull)), "EINVAL") << "rounding 2^64-1 up to pages must not wrap to 0";
  EXPECT_EQ(send(request(~0ull - info.page_size + 2)), "EINVAL");
  EXPECT_EQ(send(request(1ull << 63)), "EINVAL");
}

TEST_F(AllocValidation, ExactCapPassesValidation) {
  // 4 GiB - PAGE_SIZE does not fit a small VM; a window above RAM makes the
  // failure immediate. What matters: ENOMEM (validation passed), not EINVAL.
  auto r = request(info.max_total_bytes);
  uint64_t top = top_of_ram();
  if (!top) GTEST_SKIP() << "/proc/iomem shows no RAM (not root?)";
  r.low = (top + GiB) & ~(GiB - 1);
  r.high = r.low + 8 * GiB - 1;
  EXPECT_EQ(send(r), "ENOMEM");
}

TEST_F(AllocValidation, HighBelowLowIsEINVAL) {
  auto r = request(4 * KiB);
  r.low = 2 * MiB;
  r.high = MiB;
  EXPECT_EQ(send(r), "EINVAL");
  r.low = 2 * MiB;
  r.high = 2 * MiB - 1;
  EXPECT_EQ(send(r), "EINVAL");
}

TEST_F(AllocValidation, SkipNotPageMultipleIsEINVAL) {
  for (uint64_t skip : std::initializer_list<uint64_t>{0x1001, info.page_size / 2, info.page_size + 1, uint64_t{1},
                        3 * info.page_size - 8}) {
    auto r = request(16 * KiB);
    r.skip = skip;
    EXPECT_EQ(send(r), "EINVAL") << "skip " << skip;
  }
}

TEST_F(AllocValidation, ContiguousChunksNonPowerOfTwoSkipIsEINVAL) {
  for (uint64_t skip : std::initializer_list<uint64_t>{3 * info.page_size, 12 * KiB, 6 * info.page_size, 3 * MiB}) {
    auto r = request(skip * 2, DRM_MDL_CACHE_CACHED, DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS);
    r.skip = skip;
    EXPECT_EQ(send(r), "EINVAL") << "skip " << skip;
  }
}

TEST_F(AllocValidation, ContiguousChunksTotalNotMultipleOfSkipIsEINVAL) {
  auto r = request(96 * KiB, DRM_MDL_CACHE_CACHED, DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS);
  r.skip = 64 * KiB;
  EXPECT_EQ(send(r), "EINVAL");
  r.total_bytes = 64 * KiB + 1;  // rounds up to 68 KiB: still not a multiple
  EXPECT_EQ(send(r), "EINVAL");
}

TEST_F(AllocValidation, FastLargePagesWithoutContiguousChunksIsEINVAL) {
  auto r = request(info.large_page_size, DRM_MDL_CACHE_CACHED, DRM_MDL_ALLOC_FAST_LARGE_PAGES);
  r.skip = info.large_page_size;
  EXPECT_EQ(send(r), "EINVAL");
  r.skip = 0;
  EXPECT_EQ(send(r), "EINVAL");
}

TEST_F(AllocValidation, FastLargePagesSkipNotLargePageMultipleIsEINVAL) {
  auto r = request(info.large_page_size, DRM_MDL_CACHE_CACHED,
                   DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS | DRM_MDL_ALLOC_FAST_LARGE_PAGES);
  r.skip = 64 * KiB;
  EXPECT_EQ(send(r), "EINVAL");
  r.skip = info.large_page_size / 2;
  EXPECT_EQ(send(r), "EINVAL");
}

TEST_F(AllocValidation, UnknownFlag0x80IsEINVAL) {
  EXPECT_EQ(send(request(4 * KiB, DRM_MDL_CACHE_CACHED, 0x80)), "EINVAL");
}

TEST_F(AllocValidation, UnknownFlag0x100IsEINVAL) {
  EXPECT_EQ(send(request(4 * KiB, DRM_MDL_CACHE_CACHED, 0x100)), "EINVAL");
}

TEST_F(AllocValidation, UnknownFlagBit31IsEINVAL) {
  EXPECT_EQ(send(request(4 * KiB, DRM_MDL_CACHE_CACHED, 1u << 31)), "EINVAL");
}

TEST_F(AllocValidation, EveryUnknownFlagBitIsEINVAL) {
  for (int bit = 7; bit < 32; bit++) {
    uint32_t flags = 1u << bit;
    EXPECT_EQ(send(request(4 * KiB, DRM_MDL_CACHE_CACHED, flags)), "EINVAL") << "bit " << bit;
    EXPECT_EQ(send(request(4 * KiB, DRM_MDL_CACHE_CACHED, flags | DRM_MDL_ALLOC_NO_WAIT)),
              "EINVAL")
        << "bit " << bit << " with a known flag";
  }
}

TEST_F(AllocValidation, UnknownCacheTypeIsEINVAL) {
  for (uint32_t cache : {3u, 4u, 31u, 32u, 0xffffffffu})
    EXPECT_EQ(send(request(4 * KiB, cache)), "EINVAL") << "cache type " << cache;
}

TEST_F(AllocValidation, NonzeroPadIsEINVAL) {
  for (uint32_t pad : {1u, 0x80000000u}) {
    auto a = mdl::to_alloc_args(request(4 * KiB));
    a.pad = pad;
    EXPECT_EQ(send(a), "EINVAL") << "pad " << pad;
  }
}

TEST_F(AllocValidation, BadUserPointerIsEFAULT) {
  EXPECT_EQ(mdl::errno_name(dev.ioctl(DRM_IOCTL_MDL_ALLOC, reinterpret_cast<void*>(8))), "EFAULT");
}

// ---- ENOMEM: well formed, but the pages cannot be had ----

class AllocNoMemory : public EachDeviceTest {};
MDL_INSTANTIATE_EACH_DEVICE(AllocNoMemory);

TEST_P(AllocNoMemory, WindowAboveRamIsENOMEM) {
  uint64_t top = top_of_ram();
  if (!top) GTEST_SKIP() << "/proc/iomem shows no RAM (not root?)";
  auto r = request(64 * KiB);
  r.low = (top + GiB) & ~(GiB - 1);
  r.high = r.low + GiB - 1;
  EXPECT_EQ(mdl::errno_name(alloc_errno(dev, mdl::to_alloc_args(r))), "ENOMEM")
      << "window [" << mdl::hex(r.low) << ", " << mdl::hex(r.high) << "], top of RAM "
      << mdl::hex(top);
}

TEST_P(AllocNoMemory, WindowSmallerThanAPageIsENOMEM) {
  auto w = test_window(dev, info, 16 * MiB);
  auto r = request(4 * KiB);
  r.low = w.first + 1;  // [first+1, first+page]: no whole page fits
  r.high = w.first + info.page_size;
  EXPECT_EQ(mdl::errno_name(alloc_errno(dev, mdl::to_alloc_args(r))), "ENOMEM");
  r.low = r.high = w.first + 16;  // one byte
  EXPECT_EQ(mdl::errno_name(alloc_errno(dev, mdl::to_alloc_args(r))), "ENOMEM");
}

TEST_P(AllocNoMemory, WindowHoldingFewerPagesThanAskedIsENOMEM) {
  auto w = test_window(dev, info, 16 * MiB);
  auto r = request(3 * info.page_size);
  r.low = w.first;
  r.high = w.first + 2 * info.page_size - 1;  // room for two pages only
  EXPECT_EQ(mdl::errno_name(alloc_errno(dev, mdl::to_alloc_args(r))), "ENOMEM");
}

TEST_P(AllocNoMemory, ContiguousBlockLargerThanWindowIsENOMEM) {
  auto w = test_window(dev, info, 16 * MiB);
  auto r = request(2 * info.page_size, DRM_MDL_CACHE_CACHED, DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS);
  r.low = w.first;
  r.high = w.first + info.page_size - 1;
  EXPECT_EQ(mdl::errno_name(alloc_errno(dev, mdl::to_alloc_args(r))), "ENOMEM");
}

TEST_P(AllocNoMemory, SkipWindowsAllAboveRamIsENOMEM) {
  uint64_t top = top_of_ram();
  if (!top) GTEST_SKIP() << "/proc/iomem shows no RAM (not root?)";
  auto r = request(64 * KiB);
  r.low = (top + GiB) & ~(GiB - 1);
  r.high = r.low + MiB - 1;
  r.skip = 16 * MiB;  // every window k starts above the top of RAM: no iteration
  EXPECT_EQ(mdl::errno_name(alloc_errno(dev, mdl::to_alloc_args(r))), "ENOMEM");
}

}  // namespace
}  // namespace mdltest
