// SPDX-License-Identifier: MIT
// DRM_IOCTL_MDL_GET_PAGES: paging through the page table, and its errors.
#include <sys/mman.h>

#include "util.hpp"

namespace mdltest {
namespace {

constexpr uint64_t KiB = 1024;

class GetPages : public DeviceTest {
 protected:
  void SetUp() override {
    DeviceTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto a = dev.alloc(request(64 * KiB));
    ASSERT_TRUE(a) << mdl::describe_errno(a.errnum());
    alloc = std::move(a).value();
  }
  drm_mdl_get_pages args(uint64_t first, uint64_t count, mdl::PageEntry* out) const {
    drm_mdl_get_pages g{};
    g.handle = alloc.handle();
    g.first_page = first;
    g.count = count;
    g.entries_ptr = reinterpret_cast<uintptr_t>(out);
    return g;
  }
  mdl::Allocation alloc;
};

TEST_F(GetPages, ReadsEveryPage) {
  std::vector<mdl::PageEntry> e(16);
  auto g = args(0, 16, e.data());
  ASSERT_EQ(mdl::errno_name(dev.ioctl(DRM_IOCTL_MDL_GET_PAGES, &g)), "OK");
  EXPECT_EQ(g.count, 16u);
  EXPECT_EQ(g.page_count, 16u);
  for (const auto& x : e) EXPECT_NE(x.dma_addr, 0u);
}

TEST_F(GetPages, ZeroCountReportsThePageCount) {
  auto g = args(0, 0, nullptr);
  ASSERT_EQ(mdl::errno_name(dev.ioctl(DRM_IOCTL_MDL_GET_PAGES, &g)), "OK");
  EXPECT_EQ(g.count, 0u);
  EXPECT_EQ(g.page_count, 16u);
}

TEST_F(GetPages, PartialReadMatchesFullRead) {
  auto all = dev.page_table(alloc);
  ASSERT_TRUE(all);
  auto part = dev.page_table(alloc.handle(), 5, 3);
  ASSERT_TRUE(part) << mdl::describe_errno(part.errnum());
  ASSERT_EQ(part->size(), 3u);
  for (size_t i = 0; i < 3; i++) {
    EXPECT_EQ((*part)[i].dma_addr, (*all)[5 + i].dma_addr);
    EXPECT_EQ((*part)[i].phys_addr, (*all)[5 + i].phys_addr);
  }
}

TEST_F(GetPages, CountPastTheEndIsClipped) {
  std::vector<mdl::PageEntry> e(64);
  auto g = args(10, 64, e.data());
  ASSERT_EQ(mdl::errno_name(dev.ioctl(DRM_IOCTL_MDL_GET_PAGES, &g)), "OK");
  EXPECT_EQ(g.count, 6u) << "pages 10..15 remain";
  EXPECT_EQ(g.page_count, 16u);
}

TEST_F(GetPages, FirstPageAtTheEndReadsNothing) {
  std::vector<mdl::PageEntry> e(4);
  auto g = args(16, 4, e.data());
  ASSERT_EQ(mdl::errno_name(dev.ioctl(DRM_IOCTL_MDL_GET_PAGES, &g)), "OK");
  EXPECT_EQ(g.count, 0u);
  EXPECT_EQ(g.page_count, 16u);
}

TEST_F(GetPages, FirstPagePastTheEndIsEINVAL) {
  std::vector<mdl::PageEntry> e(4);
  auto g = args(17, 4, e.data());
  EXPECT_EQ(mdl::errno_name(dev.ioctl(DRM_IOCTL_MDL_GET_PAGES, &g)), "EINVAL");
  g = args(~0ull, 4, e.data());
  EXPECT_EQ(mdl::errno_name(dev.ioctl(DRM_IOCTL_MDL_GET_PAGES, &g)), "EINVAL");
}

TEST_F(GetPages, DoesNotWritePastCount) {
  std::vector<mdl::PageEntry> e(16);
  const mdl::PageEntry canary{0x5a5a5a5a5a5a5a5aull, 0xa5a5a5a5a5a5a5a5ull};
  std::fill(e.begin(), e.end(), canary);
  auto g = args(0, 4, e.data());
  ASSERT_EQ(mdl::errno_name(dev.ioctl(DRM_IOCTL_MDL_GET_PAGES, &g)), "OK");
  for (size_t i = 4; i < e.size(); i++) {
    EXPECT_EQ(e[i].dma_addr, canary.dma_addr) << "entry " << i << " overwritten";
    EXPECT_EQ(e[i].phys_addr, canary.phys_addr) << "entry " << i << " overwritten";
  }
}

TEST_F(GetPages, BadEntriesPointerIsEFAULT) {
  auto g = args(0, 16, reinterpret_cast<mdl::PageEntry*>(uintptr_t{8}));
  EXPECT_EQ(mdl::errno_name(dev.ioctl(DRM_IOCTL_MDL_GET_PAGES, &g)), "EFAULT");
}

TEST_F(GetPages, ReadOnlyEntriesBufferIsEFAULT) {
  void* p = mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(p, MAP_FAILED);
  auto g = args(0, 16, static_cast<mdl::PageEntry*>(p));
  EXPECT_EQ(mdl::errno_name(dev.ioctl(DRM_IOCTL_MDL_GET_PAGES, &g)), "EFAULT");
  munmap(p, 4096);
}

TEST_F(GetPages, EntriesRunningIntoAnUnmappedPageIsEFAULT) {
  // Two pages, the second unmapped: 16 entries (256 bytes) straddle the hole.
  char* p = static_cast<char*>(
      mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(p, MAP_FAILED);
  munmap(p + 4096, 4096);
  auto g = args(0, 16, reinterpret_cast<mdl::PageEntry*>(p + 4096 - 64));
  EXPECT_EQ(mdl::errno_name(dev.ioctl(DRM_IOCTL_MDL_GET_PAGES, &g)), "EFAULT");
  munmap(p, 4096);
}

TEST_F(GetPages, UnknownHandleIsENOENT) {
  std::vector<mdl::PageEntry> e(16);
  auto g = args(0, 16, e.data());
  g.handle = alloc.handle() + 1000;
  EXPECT_EQ(mdl::errno_name(dev.ioctl(DRM_IOCTL_MDL_GET_PAGES, &g)), "ENOENT");
  g.handle = 0;
  EXPECT_EQ(mdl::errno_name(dev.ioctl(DRM_IOCTL_MDL_GET_PAGES, &g)), "ENOENT");
}

TEST_F(GetPages, NonzeroFlagsIsEINVAL) {
  std::vector<mdl::PageEntry> e(16);
  for (uint32_t flags : {1u, 0x100u, 1u << 31}) {
    auto g = args(0, 16, e.data());
    g.flags = flags;
    EXPECT_EQ(mdl::errno_name(dev.ioctl(DRM_IOCTL_MDL_GET_PAGES, &g)), "EINVAL") << flags;
  }
}

TEST_F(GetPages, BadArgumentPointerIsEFAULT) {
  EXPECT_EQ(mdl::errno_name(dev.ioctl(DRM_IOCTL_MDL_GET_PAGES, reinterpret_cast<void*>(8))),
            "EFAULT");
}

}  // namespace
}  // namespace mdltest
