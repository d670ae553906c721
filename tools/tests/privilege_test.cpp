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

TEST_P(Unprivileged, PhysicalAddressesAreHiddenButDmaAddressesGiven) {
  std::string p = path;
  EXPECT_EQ(run_unprivileged([p]() -> std::string {
              auto d = mdl::Device::open(p);
              if (!d) return "open: " + mdl::describe_errno(d.errnum());
              auto a = d->alloc(request(256 * KiB));
              if (!a) return "alloc: " + mdl::describe_errno(a.errnum());
              auto pages = d->page_table(*a);
              if (!pages) return "get_pages: " + mdl::describe_errno(pages.errnum());
              if (pages->size() != a->page_count()) return "short page table";
              for (size_t i = 0; i < pages->size(); i++) {
                if ((*pages)[i].phys_addr != 0)
                  return "page " + std::to_string(i) + ": physical address " +
                         mdl::hex((*pages)[i].phys_addr) + " shown to an unprivileged caller";
                if ((*pages)[i].dma_addr == 0)
                  return "page " + std::to_string(i) + ": no DMA address";
              }
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
