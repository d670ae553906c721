// SPDX-License-Identifier: MIT
// What an unprivileged caller may and may not do. Each test forks; the child
// drops to uid/gid 65534 before it opens the render node itself.
#include "util.hpp"

namespace mdltest {
namespace {

constexpr uint64_t KiB = 1024;

class Unprivileged : public EachDeviceTest {
 protected:
  void SetUp() override {
    EachDeviceTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    if (!is_root()) GTEST_SKIP() << "dropping privileges needs root";
    path = dev.node().path();
    dev = mdl::Device();  // the child must not inherit an open file
  }
  std::string path;
};
MDL_INSTANTIATE_EACH_DEVICE(Unprivileged);

TEST_P(Unprivileged, CanAllocateMapAndFree) {
  std::string p = path;
  EXPECT_EQ(run_unprivileged([p]() -> std::string {
              auto d = mdl::Device::open(p);
              if (!d) return "open " + p + ": " + mdl::describe_errno(d.errnum());
              auto a = d->alloc(request(64 * KiB));
              if (!a) return "alloc: " + mdl::describe_errno(a.errnum());
              auto m = d->map(*a);
              if (!m) return "mmap: " + mdl::describe_errno(m.errnum());
              if (!all_zero(m->bytes())) return "pages not zero";
              if (auto st = a->free(); !st) return "free: " + mdl::describe_errno(st.errnum());
              return "";
            }),
            "");
}

TEST_P(Unprivileged, DontZeroIsEPERM) {
  std::string p = path;
  EXPECT_EQ(run_unprivileged([p]() -> std::string {
              auto d = mdl::Device::open(p);
              if (!d) return "open " + p + ": " + mdl::describe_errno(d.errnum());
              auto a = d->alloc(request(64 * KiB, DRM_MDL_CACHE_CACHED, DRM_MDL_ALLOC_DONT_ZERO));
              if (a) return "DONT_ZERO without CAP_SYS_ADMIN was allowed";
              if (a.errnum() != EPERM)
                return "DONT_ZERO without CAP_SYS_ADMIN: " + mdl::describe_errno(a.errnum()) +
                       ", want EPERM";
              return "";
            }),
            "");
}

TEST_P(Unprivileged, DontZeroWithOtherFlagsIsEPERM) {
  std::string p = path;
  EXPECT_EQ(run_unprivileged([p]() -> std::string {
              auto d = mdl::Device::open(p);
              if (!d) return "open: " + mdl::describe_errno(d.errnum());
              auto a = d->alloc(request(64 * KiB, DRM_MDL_CACHE_WRITE_COMBINED,
                                        DRM_MDL_ALLOC_DONT_ZERO | DRM_MDL_ALLOC_NO_WAIT |
                                            DRM_MDL_ALLOC_PREFER_CONTIGUOUS));
              if (a) return "DONT_ZERO|NO_WAIT|PREFER_CONTIGUOUS unprivileged was allowed";
              if (a.errnum() != EPERM) return mdl::describe_errno(a.errnum()) + ", want EPERM";
              return "";
            }),
            "");
}

// Where the device does not translate, its DMA address is the physical one:
// both are hidden then, and only an IOMMU's logical address is shown.
TEST_P(Unprivileged, AddressesThatRevealPhysicalMemoryAreHidden) {
  std::string p = path;
  EXPECT_EQ(run_unprivileged([p]() -> std::string {
              auto d = mdl::Device::open(p);
              if (!d) return "open: " + mdl::describe_errno(d.errnum());
              auto info = d->info();
              if (!info) return "info: " + mdl::describe_errno(info.errnum());
              bool translated = info->caps & DRM_MDL_CAP_IOMMU;
              auto a = d->alloc(request(256 * KiB));
              if (!a) return "alloc: " + mdl::describe_errno(a.errnum());
              auto pages = d->page_table(*a);
              if (!pages) return "get_pages: " + mdl::describe_errno(pages.errnum());
              if (pages->size() != a->page_count()) return "short page table";
              for (size_t i = 0; i < pages->size(); i++) {
                const auto& e = (*pages)[i];
                if (e.phys_addr != 0)
                  return "page " + std::to_string(i) + ": physical address " +
                         mdl::hex(e.phys_addr) + " shown to an unprivileged caller";
                if (translated && e.dma_addr == 0)
                  return "page " + std::to_string(i) + ": no DMA address behind the IOMMU";
                if (!translated && e.dma_addr != 0)
                  return "page " + std::to_string(i) + ": DMA address " + mdl::hex(e.dma_addr) +
                         " of a device without translation (the physical address) shown to an "
                         "unprivileged caller";
              }
              return "";
            }),
            "");
}

// Windows has no user-mode placement; neither has drm-mdl without
// CAP_SYS_ADMIN: all of memory, or the low 4 GiB, and nothing in between.
TEST_P(Unprivileged, PlacingMemoryIsEPERM) {
  std::string p = path;
  EXPECT_EQ(run_unprivileged([p]() -> std::string {
              auto d = mdl::Device::open(p);
              if (!d) return "open: " + mdl::describe_errno(d.errnum());
              constexpr uint64_t MiB = 1024 * KiB, GiB = 1024 * MiB;
              constexpr uint32_t blocks = DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS;
              struct Case {
                const char* what;
                mdl::Request r;
              };
              const Case refused[] = {
                  {"a window above 0", {.low = 64 * MiB, .total_bytes = 64 * KiB}},
                  {"a window below 4 GiB - 1", {.high = 64 * MiB - 1, .total_bytes = 64 * KiB}},
                  {"a one-page window",
                   {.low = 0x10000000, .high = 0x10000fff, .total_bytes = 4 * KiB}},
                  {"SkipBytes", {.high = 4 * GiB - 1, .skip = 4 * GiB, .total_bytes = 64 * KiB}},
                  {"a window without a whole page",
                   {.low = 1, .high = 4095, .skip = 4096, .total_bytes = 4 * KiB}},
                  {"one contiguous block larger than the buddy allocator's",
                   {.total_bytes = 64 * MiB, .flags = blocks}},
                  {"contiguous 8 MiB blocks",
                   {.skip = 8 * MiB, .total_bytes = 16 * MiB, .flags = blocks}},
              };
              for (const auto& c : refused) {
                auto a = d->alloc(c.r);
                if (a) return std::string(c.what) + " without CAP_SYS_ADMIN was allowed";
                if (a.errnum() != EPERM)
                  return std::string(c.what) + " without CAP_SYS_ADMIN: " +
                         mdl::describe_errno(a.errnum()) + ", want EPERM";
              }
              const Case allowed[] = {
                  {"all of memory", {.total_bytes = 64 * KiB}},
                  {"the low 4 GiB", {.high = 4 * GiB - 1, .total_bytes = 64 * KiB}},
                  {"a contiguous 64 KiB block",
                   {.total_bytes = 64 * KiB, .flags = blocks}},
                  // skip is the block size here, not SkipBytes.
                  {"contiguous 64 KiB blocks",
                   {.skip = 64 * KiB, .total_bytes = 256 * KiB, .flags = blocks}},
              };
              for (const auto& c : allowed) {
                if (auto a = d->alloc(c.r); !a)
                  return std::string(c.what) + " without CAP_SYS_ADMIN: " +
                         mdl::describe_errno(a.errnum()) + ", want it allowed";
              }
              return "";
            }),
            "");
}

// Malformed beats unprivileged, as for DONT_ZERO.
TEST_P(Unprivileged, MalformedWindowIsEINVALBeforeEPERM) {
  std::string p = path;
  EXPECT_EQ(run_unprivileged([p]() -> std::string {
              auto d = mdl::Device::open(p);
              if (!d) return "open: " + mdl::describe_errno(d.errnum());
              mdl::Request r{.low = 8192, .high = 4095, .total_bytes = 4096};
              auto a = d->alloc(r);
              if (a) return "high < low was allowed";
              if (a.errnum() != EINVAL) return mdl::describe_errno(a.errnum()) + ", want EINVAL";
              return "";
            }),
            "");
}

TEST_P(Unprivileged, RootSeesPhysicalAddresses) {
  auto d = mdl::Device::open(path);
  ASSERT_TRUE(d);
  auto a = d->alloc(request(64 * KiB));
  ASSERT_TRUE(a);
  auto pages = d->page_table(*a);
  ASSERT_TRUE(pages);
  for (const auto& e : *pages) EXPECT_NE(e.phys_addr, 0u);
}

}  // namespace
}  // namespace mdltest
