// SPDX-License-Identifier: MIT
// Rules that only a machine booted a certain way can show: every mapping
// reaches the pages themselves (swiotlb=force bounces all DMA), exact
// placement stays out of ZONE_MOVABLE (movablecore=), and edu's DMA mask is
// what QEMU's edu decodes. tools/vm/run-suite.sh boots one guest with those
// arguments and sets the MDL_EXPECT_* variables below; in the other runs the
// same tests check the ordinary side of each rule.
//
//   MDL_EXPECT_BOUNCE=1     the guest runs with swiotlb=force
//   MDL_EXPECT_MOVABLE=1    the guest has a movable zone (movablecore=)
//   MDL_EXPECT_EDU_BITS=N   QEMU's edu has its default dma_mask and mdl.ko
//                           was loaded without edu_dma_bits
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "util.hpp"

namespace mdltest {
namespace {

constexpr uint64_t KiB = 1024, MiB = 1024 * KiB;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

class PlatformRules : public EachDeviceTest {};
MDL_INSTANTIATE_EACH_DEVICE(PlatformRules);

// A bounced mapping gives the device a copy of the pages in a swiotlb slot
// while the CPU's mmap works on the pages: refused, with ENXIO, before any
// page is handed out.
TEST_P(PlatformRules, NoMappingGoesThroughBounceBuffers) {
  const bool translated = info.caps & DRM_MDL_CAP_IOMMU;
  const bool forced = env("MDL_EXPECT_BOUNCE") == "1";
  if (forced && !translated) {
    EXPECT_TRUE(info.caps & DRM_MDL_CAP_DMA_BOUNCED)
        << "swiotlb=force bounces this device's DMA, but INFO does not say so";
    auto a = dev.alloc(request(16 * KiB));
    if (a && is_root()) {
      auto pages = dev.page_table(*a);
      ASSERT_TRUE(pages);
      size_t differ = 0;
      for (const auto& e : *pages) differ += e.dma_addr != e.phys_addr;
      FAIL() << "swiotlb=force: allocated, " << differ << " of " << pages->size()
             << " pages at a DMA address that is not theirs (bounce slots)";
    }
    ASSERT_FALSE(a) << "swiotlb=force: a mapping was made";
    EXPECT_EQ(mdl::errno_name(a.errnum()), "ENXIO");
    return;
  }
  EXPECT_FALSE(info.caps & DRM_MDL_CAP_DMA_BOUNCED)
      << "INFO says all DMA is bounced on a " << (translated ? "translated " : "")
      << "device of a guest without swiotlb=force";
  if (translated || !is_root()) return;
  // Without translation each page's DMA address is its physical one: a
  // different one is a bounce slot.
  auto a = MDL_ASSERT_OK(dev.alloc(request(256 * KiB)));
  auto pages = MDL_ASSERT_OK(dev.page_table(a));
  for (size_t i = 0; i < pages.size(); i++)
    EXPECT_EQ(pages[i].dma_addr, pages[i].phys_addr) << "page " << i;
}

struct Zone {
  uint64_t start_pfn = 0, spanned = 0, present = 0;
};

// The movable zone of node 0 from /proc/zoneinfo, if it has pages.
std::optional<Zone> movable_zone() {
  std::ifstream in("/proc/zoneinfo");
  std::string line;
  bool inside = false;
  Zone z;
  while (std::getline(in, line)) {
    if (line.rfind("Node ", 0) == 0) {
      if (inside && z.present) return z;
      inside = line.find("zone  Movable") != std::string::npos;
      z = Zone{};
      continue;
    }
    if (!inside) continue;
    std::istringstream words(line);
    std::string key;
    uint64_t value = 0;
    words >> key >> value;
    if (key == "present") z.present = value;
    if (key == "spanned") z.spanned = value;
    if (key == "start_pfn:") z.start_pfn = value;
  }
  if (inside && z.present) return z;
  return std::nullopt;
}

// Pages pinned in ZONE_MOVABLE break memory offline and hot-remove, which
// rely on everything there being movable.
TEST_P(PlatformRules, ExactPlacementLeavesZoneMovableAlone) {
  if (!is_root()) GTEST_SKIP() << "placing memory is for CAP_SYS_ADMIN";
  if (info.caps & DRM_MDL_CAP_DMA_BOUNCED) GTEST_SKIP() << "every allocation is ENXIO here";
  auto zone = movable_zone();
  if (!zone) {
    if (env("MDL_EXPECT_MOVABLE") == "1") FAIL() << "booted with movablecore=, no movable zone";
    GTEST_SKIP() << "no movable zone (boot with movablecore=)";
  }
  const uint64_t page = page_size();
  const uint64_t first = zone->start_pfn * page, bytes = zone->spanned * page;
  ASSERT_GE(bytes, 16 * MiB) << "movable zone too small to test";
  // 2 MiB in the middle of the zone, which the page allocator never hands
  // to the kernel: only exact placement could take them.
  auto r = request(2 * MiB);
  r.low = (first + bytes / 2) & ~(2 * MiB - 1);
  r.high = r.low + 2 * MiB - 1;
  if (r.high >= reach(info)) GTEST_SKIP() << "the movable zone is out of the device's reach";
  auto a = dev.alloc(r);
  if (a) {
    FAIL() << "got " << a->page_count() << " pinned pages in ZONE_MOVABLE [" << mdl::hex(first)
           << ", " << mdl::hex(first + bytes - 1) << "], window " << mdl::hex(r.low);
  }
  EXPECT_EQ(mdl::errno_name(a.errnum()), "ENOMEM");
}

// QEMU's edu truncates DMA addresses to its dma_mask, 28 bits by default: a
// wider mask would let a copy land at addr & 0xfffffff without an IOMMU.
TEST_P(PlatformRules, EduMaskIsWhatTheDeviceDecodes) {
  if (!(info.caps & DRM_MDL_CAP_DMA_COPY)) GTEST_SKIP() << "not the edu device";
  const std::string bits = env("MDL_EXPECT_EDU_BITS");
  if (bits.empty()) GTEST_SKIP() << "the harness set edu's dma_mask and edu_dma_bits itself";
  const unsigned n = std::stoul(bits);
  EXPECT_EQ(mdl::hex(info.dma_mask), mdl::hex(n >= 64 ? ~0ull : (1ull << n) - 1))
      << "mdl.ko loaded without edu_dma_bits, QEMU's edu with its default dma_mask";
}

}  // namespace
}  // namespace mdltest
