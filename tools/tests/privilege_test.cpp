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
              struct Case {
                const char* what;
                uint64_t low, high, skip, bytes;
                uint32_t flags;
              };
              const Case refused[] = {
                  {"a window above 0", 64 * MiB, DRM_MDL_HIGH_UNLIMITED, 0, 64 * KiB, 0},
                  {"a window below 4 GiB - 1", 0, 64 * MiB - 1, 0, 64 * KiB, 0},
                  {"a one-page window", 0x10000000, 0x10000fff, 0, 4 * KiB, 0},
                  {"SkipBytes", 0, 4 * GiB - 1, 4 * GiB, 64 * KiB, 0},
                  {"a window without a whole page", 1, 4095, 4096, 4 * KiB, 0},
                  {"one contiguous block larger than the buddy allocator's", 0,
                   DRM_MDL_HIGH_UNLIMITED, 0, 64 * MiB, DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS},
                  {"contiguous 8 MiB blocks", 0, DRM_MDL_HIGH_UNLIMITED, 8 * MiB, 16 * MiB,
                   DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS},
              };
              for (const auto& c : refused) {
                mdl::Request r{.low = c.low, .high = c.high, .skip = c.skip,
                               .total_bytes = c.bytes, .flags = c.flags};
                auto a = d->alloc(r);
                if (a) return std::string(c.what) + " without CAP_SYS_ADMIN was allowed";
                if (a.errnum() != EPERM)
                  return std::string(c.what) + " without CAP_SYS_ADMIN: " +
                         mdl::describe_errno(a.errnum()) + ", want EPERM";
              }
              const Case allowed[] = {
                  {"all of memory", 0, DRM_MDL_HIGH_UNLIMITED, 0, 64 * KiB, 0},
                  {"the low 4 GiB", 0, 4 * GiB - 1, 0, 64 * KiB, 0},
                  {"a contiguous 64 KiB block", 0, DRM_MDL_HIGH_UNLIMITED, 0, 64 * KiB,
                   DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS},
                  // skip is the block size here, not SkipBytes.
                  {"contiguous 64 KiB blocks", 0, DRM_MDL_HIGH_UNLIMITED, 64 * KiB, 256 * KiB,
                   DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS},
              };
              for (const auto& c : allowed) {
                mdl::Request r{.low = c.low, .high = c.high, .skip = c.skip,
                               .total_bytes = c.bytes, .flags = c.flags};
                if (auto a = d->alloc(r); !a)
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
