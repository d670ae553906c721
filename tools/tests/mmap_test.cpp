// SPDX-License-Identifier: MIT
// DRM_IOCTL_MDL_MAP_OFFSET and mmap: zero-filled pages, writes that read
// back, for each cache type, and the map offset's errors.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string_view>
#include <optional>
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
  void TearDown() override { expect_clean_kernel_log(kmsg); }
  uint32_t cache() const { return std::get<1>(GetParam()); }
  mdl::Device dev;
  KmsgWatch kmsg;
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

// Page faults this process has taken so far. Page tables of a PFN map are
// not in /proc/self/pagemap (page walks skip VM_PFNMAP), so what a fault
// mapped shows in the faults the next touches do not take.
long minor_faults() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}

// Debian's kernels from 6.12 on x86-64 map PFNs by PMD
// (CONFIG_ARCH_SUPPORTS_PMD_PFNMAP); a driver there that does not is a bug.
bool kernel_maps_pfn_pmds() {
  utsname u{};
  if (uname(&u) != 0 || std::string_view(u.machine) != "x86_64") return false;
  unsigned major = 0, minor = 0;
  if (std::sscanf(u.release, "%u.%u", &major, &minor) != 2) return false;
  return major > 6 || (major == 6 && minor >= 12);
}

// A sequential touch of a mapping takes one fault per 2 MiB run where the
// kernel maps PFNs by PMD, else one per 16 pages; either way every page is
// the object's own, also after part of a huge mapping is unmapped.
TEST_P(MmapCache, EachTwoMiBRunTakesOneFault) {
  constexpr uint64_t run = 2 * MiB, size = 8 * MiB;
  auto info = dev.info();
  ASSERT_TRUE(info) << mdl::describe_errno(info.errnum());
  const bool huge = info->caps & DRM_MDL_CAP_HUGE_MAPPINGS;
  if (kernel_maps_pfn_pmds()) {
    EXPECT_TRUE(huge) << "this kernel maps PFNs by PMD but INFO lacks DRM_MDL_CAP_HUGE_MAPPINGS";
  }
  if (info->large_page_size != run) GTEST_SKIP() << "large pages are not 2 MiB here";
  auto req = request(size, cache(),
                     DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS | DRM_MDL_ALLOC_FAST_LARGE_PAGES);
  req.skip = run;
  auto a = dev.alloc(req);
  ASSERT_TRUE(a) << mdl::describe_errno(a.errnum());
  auto m = dev.map(*a);
  ASSERT_TRUE(m) << "mmap: " << mdl::describe_errno(m.errnum());
  const auto base = reinterpret_cast<uintptr_t>(m->data());
  if (huge) {
    EXPECT_EQ(base % run, 0u) << "the mapping is not 2 MiB-aligned";
  }

  const size_t ps = page_size(), pages = size / ps;
  auto* bytes = static_cast<volatile std::byte*>(m->data());
  const long before = minor_faults();
  for (size_t i = 0; i < pages; i++) bytes[i * ps] = std::byte(i * 7 + 1);
  const long faults = minor_faults() - before;
  if (huge) {
    EXPECT_LE(faults, static_cast<long>(size / run)) << "faults for " << size / run << " runs";
  } else {
    // 16 pages a fault, and a fault never maps past a 2 MiB boundary, of
    // which an unaligned mapping has one inside each run.
    EXPECT_LE(faults, static_cast<long>(pages / 16 + size / run))
        << "faults for " << pages << " pages";
  }

  // A mapping of the dma-buf one page in sees each page at its own offset.
  auto buf = dev.export_dmabuf(*a);
  ASSERT_TRUE(buf) << mdl::describe_errno(buf.errnum());
  auto shifted = mdl::Mapping::map_fd(buf->fd(), ps, size - ps);
  ASSERT_TRUE(shifted) << mdl::describe_errno(shifted.errnum());
  auto* other = static_cast<const volatile std::byte*>(shifted->data());
  for (size_t i = 1; i < pages; i++) {
    const std::byte seen = other[(i - 1) * ps];
    ASSERT_EQ(seen, std::byte(i * 7 + 1)) << "page " << i;
  }

  // Unmapping one page splits the PMD that held it; the rest still maps.
  ASSERT_EQ(munmap(static_cast<std::byte*>(m->data()) + run + ps, ps), 0) << std::strerror(errno);
  for (size_t i = 0; i < pages; i++) {
    if (i == (run + ps) / ps) continue;
    const std::byte seen = bytes[i * ps];
    ASSERT_EQ(seen, std::byte(i * 7 + 1)) << "page " << i << " after the split";
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

// The faults a read of one byte of each page [@from, @to) of @m takes.
long faults_reading(const mdl::Mapping& m, size_t from, size_t to) {
  auto* base = static_cast<volatile std::byte*>(m.data());
  const long before = minor_faults();
  for (size_t i = from; i < to; i++) (void)base[i * page_size()];
  return minor_faults() - before;
}

// mmap of @size bytes of @fd at @offset, placed so that a 2 MiB boundary
// falls @pages_to_boundary pages into the mapping (0: it starts on one).
mdl::Result<mdl::Mapping> map_with_boundary_at(int fd, uint64_t offset, size_t size,
                                               size_t pages_to_boundary) {
  constexpr uintptr_t pmd = 2 * MiB;
  const size_t span = size + 3 * pmd;
  void* room = mmap(nullptr, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (room == MAP_FAILED) return mdl::fail(errno);
  munmap(room, span);
  const uintptr_t boundary = ((reinterpret_cast<uintptr_t>(room) + pmd - 1) & ~(pmd - 1)) + pmd;
  void* at = mmap(reinterpret_cast<void*>(boundary - pages_to_boundary * page_size()), size,
                  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE, fd,
                  static_cast<off_t>(offset));
  if (at == MAP_FAILED) return mdl::fail(errno);
  return mdl::Mapping(at, size);
}

// A fault maps the page touched and up to 15 after it, as TTM does, but
// never past the end of the mapping, and each at the object's own page.
// The mapping starts on a 2 MiB boundary, which a fault never maps past.
TEST_F(MapOffset, OneFaultMapsUpToSixteenPagesOfTheMapping) {
  const size_t ps = page_size(), object_pages = 50, skip = 3, pages = 37;
  auto a = dev.alloc(request(object_pages * ps));
  ASSERT_TRUE(a) << mdl::describe_errno(a.errnum());
  std::vector<std::byte> pattern(a->byte_count());
  fill_random(pattern, 4321);
  {
    auto whole = dev.map(*a);
    ASSERT_TRUE(whole) << mdl::describe_errno(whole.errnum());
    std::memcpy(whole->data(), pattern.data(), pattern.size());
  }
  // Starting inside the object and ending before its end: both bounds are
  // the mapping's, not the object's. DRM maps an object only from its
  // start; its dma-buf maps from any page.
  auto buf = dev.export_dmabuf(*a);
  ASSERT_TRUE(buf) << mdl::describe_errno(buf.errnum());
  auto m = map_with_boundary_at(buf->fd(), skip * ps, pages * ps, 0);
  ASSERT_TRUE(m) << mdl::describe_errno(m.errnum());
  auto touch = [&](size_t from, size_t to) { return faults_reading(*m, from, to); };

  EXPECT_GE(touch(0, 1), 1) << "page 0 was mapped before it was touched";
  EXPECT_EQ(touch(1, 16), 0) << "the fault on page 0 did not map pages 1..15";
  EXPECT_GE(touch(30, 31), 1) << "page 30 was mapped before it was touched";
  EXPECT_EQ(touch(31, pages), 0) << "the fault on page 30 did not map pages 31..36";
  EXPECT_GE(touch(16, 17), 1) << "page 16 was mapped before it was touched";
  EXPECT_EQ(touch(17, 30), 0) << "the fault on page 16 did not map pages 17..29";

  // Each page of the mapping is the object's page skip + i.
  auto seen = m->bytes();
  EXPECT_EQ(first_difference(seen, std::span(pattern).subspan(skip * ps, pages * ps)), -1);
}

// The pages a fault maps after the one touched stop at a 2 MiB boundary:
// past it the next block may already be one PMD (6.12 and later), which
// PTEs cannot go under. The mapping is the dma-buf's, one page into the
// object, so that no part of it can be a PMD itself.
TEST_F(MapOffset, OneFaultNeverMapsPastATwoMiBBoundary) {
  const size_t ps = page_size(), pages = 64, to_boundary = 10;
  auto a = dev.alloc(request((pages + 1) * ps));
  ASSERT_TRUE(a) << mdl::describe_errno(a.errnum());
  auto buf = dev.export_dmabuf(*a);
  ASSERT_TRUE(buf) << mdl::describe_errno(buf.errnum());
  auto m = map_with_boundary_at(buf->fd(), ps, pages * ps, to_boundary);
  ASSERT_TRUE(m) << mdl::describe_errno(m.errnum());
  auto touch = [&](size_t from, size_t to) { return faults_reading(*m, from, to); };
  EXPECT_GE(touch(4, 5), 1) << "page 4 was mapped before it was touched";
  EXPECT_EQ(touch(5, to_boundary), 0) << "the fault on page 4 did not map the pages up to the boundary";
  EXPECT_GE(touch(to_boundary, to_boundary + 1), 1)
      << "the fault on page 4 mapped past the 2 MiB boundary at page " << to_boundary;
  EXPECT_EQ(touch(to_boundary + 1, to_boundary + 16), 0)
      << "the fault on the boundary page did not map the 15 after it";
}

}  // namespace
}  // namespace mdltest

namespace mdltest {
namespace {

// x86 PAT keeps one memory type per physical page. For RAM it lives in the
// page flags (arch/x86/mm/pat/memtype.c: WC = PG_arch_1, UC- = a second
// bit, WT = both), which /proc/kpageflags shows as KPF_ARCH (38) and, for
// the second bit, KPF_UNCACHED (39, PG_uncached) up to 6.8 or KPF_ARCH_2
// (41, PG_arch_2) since 6.9, which moved UC- there.
std::optional<std::string> memtype_of(uint64_t phys) {
  // Reads must be whole 8-byte entries: no stdio buffering.
  mdl::UniqueFd fd(open("/proc/kpageflags", O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return std::nullopt;
  uint64_t flags = 0;
  if (pread(fd.get(), &flags, 8, static_cast<off_t>(phys / page_size() * 8)) != 8)
    return std::nullopt;
  const bool arch1 = flags & (1ull << 38);
  const bool uncached = flags & ((1ull << 39) | (1ull << 41));
  if (arch1 && uncached) return "write-through";
  if (arch1) return "write-combining";
  if (uncached) return "uncached-minus";
  return "write-back";
}

class CacheType : public EachDeviceTest {};
MDL_INSTANTIATE_EACH_DEVICE(CacheType);

TEST_P(CacheType, IsAppliedToThePagesAndRestoredOnFree) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "PAT memory types are x86";
#endif
  if (!is_root()) GTEST_SKIP() << "physical addresses and /proc/kpageflags need root";
  // The pool would keep the freed pages in their caching state (that is
  // its point, see the mdl_pool KUnit suite); without it they go back to
  // the page allocator at once.
  ModuleParam no_pool("pool_max_mb", "0");
  ASSERT_TRUE(no_pool.ok()) << "cannot set mdl.pool_max_mb";
  const std::pair<uint32_t, std::string> cases[] = {
      {DRM_MDL_CACHE_WRITE_COMBINED, "write-combining"},
      {DRM_MDL_CACHE_NON_CACHED, "uncached-minus"},
      {DRM_MDL_CACHE_CACHED, "write-back"},
  };
  for (const auto& [cache, want] : cases) {
    SCOPED_TRACE(mdl::cache_type_long_name(cache));
    auto a = dev.alloc(request(64 * KiB, cache));
    ASSERT_TRUE(a) << mdl::describe_errno(a.errnum());
    auto pages = dev.page_table(*a);
    ASSERT_TRUE(pages);
    for (const auto& e : *pages) {
      auto got = memtype_of(e.phys_addr);
      if (!got) GTEST_SKIP() << "/proc/kpageflags is not readable";
      EXPECT_EQ(*got, want) << "page " << mdl::hex(e.phys_addr);
    }
    ASSERT_TRUE(a->free());
    for (const auto& e : *pages)
      EXPECT_EQ(memtype_of(e.phys_addr).value_or("?"), "write-back")
          << "page " << mdl::hex(e.phys_addr) << " went back to the allocator not write-back";
  }
}

}  // namespace
}  // namespace mdltest
