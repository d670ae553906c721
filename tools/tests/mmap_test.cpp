// SPDX-License-Identifier: MIT
// DRM_IOCTL_MDL_MAP_OFFSET and mmap: zero-filled pages, writes that read
// back, for each cache type, and the map offset's errors.
#include <sys/mman.h>

#include <cstring>
#include <tuple>

#include "util.hpp"

namespace mdltest {
namespace {

constexpr uint64_t KiB = 1024, MiB = 1024 * KiB;

using DevCache = std::tuple<Which, uint32_t>;

class MmapCache : public ::testing::TestWithParam<DevCache> {
 protected:
  void SetUp() override {
    std::string why;
    auto d = open_device(std::get<0>(GetParam()), &why);
    if (!d) {
      if (devices_required()) FAIL() << why;
      GTEST_SKIP() << why;
    }
    dev = std::move(*d);
  }
  uint32_t cache() const { return std::get<1>(GetParam()); }
  mdl::Device dev;
};

std::string dev_cache_name(const ::testing::TestParamInfo<DevCache>& p) {
  std::string d = which_param_name({std::get<0>(p.param), p.index});
  switch (std::get<1>(p.param)) {
    case DRM_MDL_CACHE_NON_CACHED: return d + "_NonCached";
    case DRM_MDL_CACHE_CACHED: return d + "_Cached";
    case DRM_MDL_CACHE_WRITE_COMBINED: return d + "_WriteCombined";
  }
  return d + "_Unknown";
}

INSTANTIATE_TEST_SUITE_P(DevicesAndCacheTypes, MmapCache,
                         ::testing::Combine(::testing::Values(Which::edu, Which::platform),
                                            ::testing::Values(DRM_MDL_CACHE_NON_CACHED,
                                                              DRM_MDL_CACHE_CACHED,
                                                              DRM_MDL_CACHE_WRITE_COMBINED)),
                         dev_cache_name);

TEST_P(MmapCache, NewPagesAreZeroFilled) {
  auto a = dev.alloc(request(1 * MiB, cache()));
  ASSERT_TRUE(a) << mdl::describe_errno(a.errnum());
  auto m = dev.map(*a);
  ASSERT_TRUE(m) << "mmap: " << mdl::describe_errno(m.errnum());
  ASSERT_EQ(m->size(), a->byte_count());
  auto b = m->bytes();
  for (size_t i = 0; i < b.size(); i++)
    ASSERT_EQ(b[i], std::byte{0}) << "byte " << i << " of a fresh allocation is not zero";
}

TEST_P(MmapCache, WritesReadBack) {
  auto a = dev.alloc(request(256 * KiB, cache()));
  ASSERT_TRUE(a) << mdl::describe_errno(a.errnum());
  std::vector<std::byte> pattern(a->byte_count());
  fill_random(pattern, 1234 + cache());
  {
    auto m = dev.map(*a);
    ASSERT_TRUE(m) << mdl::describe_errno(m.errnum());
    std::memcpy(m->data(), pattern.data(), pattern.size());
    EXPECT_EQ(first_difference(m->bytes(), pattern), -1);
  }
  auto again = dev.map(*a);  // a second, separate mapping sees the same pages
  ASSERT_TRUE(again) << mdl::describe_errno(again.errnum());
  EXPECT_EQ(first_difference(again->bytes(), pattern), -1);
}

TEST_P(MmapCache, ReusedPagesAreZeroedAgain) {
  // Dirty a lot of memory, free it, allocate again: still zero.
  for (int round = 0; round < 2; round++) {
    auto a = dev.alloc(request(4 * MiB, cache()));
    ASSERT_TRUE(a) << mdl::describe_errno(a.errnum());
    auto m = dev.map(*a);
    ASSERT_TRUE(m) << mdl::describe_errno(m.errnum());
    ASSERT_TRUE(all_zero(m->bytes())) << "round " << round;
    std::memset(m->data(), 0xa5, m->size());
  }
}

class MapOffset : public DeviceTest {};

TEST_F(MapOffset, IsStableAndPageAligned) {
  auto a = dev.alloc(request(64 * KiB));
  ASSERT_TRUE(a);
  auto o1 = dev.map_offset(a->handle());
  auto o2 = dev.map_offset(a->handle());
  ASSERT_TRUE(o1 && o2);
  EXPECT_EQ(*o1, *o2);
  EXPECT_NE(*o1, 0u);
  EXPECT_EQ(*o1 % page_size(), 0u);
}

TEST_F(MapOffset, DistinctAllocationsGetDistinctOffsets) {
  auto a = dev.alloc(request(64 * KiB));
  auto b = dev.alloc(request(64 * KiB));
  ASSERT_TRUE(a && b);
  auto oa = dev.map_offset(a->handle());
  auto ob = dev.map_offset(b->handle());
  ASSERT_TRUE(oa && ob);
  EXPECT_NE(*oa, *ob);
}

TEST_F(MapOffset, UnknownHandleIsENOENT) {
  MDL_EXPECT_ERRNO(dev.map_offset(0x7fffffff), ENOENT);
  MDL_EXPECT_ERRNO(dev.map_offset(0), ENOENT);
}

TEST_F(MapOffset, NonzeroFlagsIsEINVAL) {
  auto a = dev.alloc(request(64 * KiB));
  ASSERT_TRUE(a);
  for (uint32_t flags : {1u, 0x80u, 1u << 31}) {
    drm_mdl_map_offset m{};
    m.handle = a->handle();
    m.flags = flags;
    EXPECT_EQ(mdl::errno_name(dev.ioctl(DRM_IOCTL_MDL_MAP_OFFSET, &m)), "EINVAL") << flags;
  }
}

TEST_F(MapOffset, MappingLargerThanTheObjectFails) {
  auto a = dev.alloc(request(64 * KiB));
  ASSERT_TRUE(a);
  auto off = dev.map_offset(a->handle());
  ASSERT_TRUE(off);
  auto m = mdl::Mapping::map_fd(dev.fd(), *off, 128 * KiB);
  EXPECT_FALSE(m) << "mmap of 128 KiB over a 64 KiB object succeeded";
}

TEST_F(MapOffset, MappingKeepsPagesAliveAfterFree) {
  auto a = dev.alloc(request(64 * KiB));
  ASSERT_TRUE(a);
  auto m = dev.map(*a);
  ASSERT_TRUE(m);
  std::vector<std::byte> pattern(m->size());
  fill_random(pattern, 99);
  std::memcpy(m->data(), pattern.data(), pattern.size());
  ASSERT_TRUE(a->free());
  // The handle is gone but the mapping holds the object: still the same bytes.
  EXPECT_EQ(first_difference(m->bytes(), pattern), -1);
  std::memset(m->data(), 0, m->size());
}

}  // namespace
}  // namespace mdltest
