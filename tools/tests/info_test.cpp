// SPDX-License-Identifier: MIT
// DRM_IOCTL_MDL_INFO.
#include "util.hpp"

namespace mdltest {
namespace {

class Info : public EachDeviceTest {};
MDL_INSTANTIATE_EACH_DEVICE(Info);

TEST_P(Info, ReportsTheLimitsOfSpec) {
  EXPECT_EQ(info.page_size, page_size());
  EXPECT_EQ(info.max_total_bytes, (4ull << 30) - page_size());
#if defined(__x86_64__)
  EXPECT_EQ(info.large_page_size, 2ull << 20);
#endif
  EXPECT_EQ(info.supported_flags, static_cast<uint32_t>(DRM_MDL_ALLOC_FLAGS_ALL));
  EXPECT_EQ(info.cache_types, 0x7u) << "bits for uc (0), cached (1), wc (2)";
  EXPECT_NE(info.dma_mask, 0u);
  EXPECT_GE(info.max_segment_size, info.page_size);
  EXPECT_NE(info.seg_boundary_mask, 0u);
  EXPECT_GE(info.seg_boundary_mask, info.page_size - 1);
  EXPECT_EQ(info.caps & ~(DRM_MDL_CAP_IOMMU | DRM_MDL_CAP_DMA_COPY | DRM_MDL_CAP_HUGE_MAPPINGS),
            0u)
      << "unknown caps bits";
  EXPECT_EQ(info.flags, 0u);
}

TEST_P(Info, DmaCopyLimitMatchesCapability) {
  if (info.caps & DRM_MDL_CAP_DMA_COPY)
    EXPECT_GT(info.dma_copy_max_bytes, 0u);
  else
    EXPECT_EQ(info.dma_copy_max_bytes, 0u);
}

TEST_P(Info, NonzeroFlagsIsEINVAL) {
  for (uint32_t flags : {1u, 0x80u, 1u << 31}) {
    drm_mdl_info args{};
    args.flags = flags;
    EXPECT_EQ(mdl::errno_name(dev.ioctl(DRM_IOCTL_MDL_INFO, &args)), "EINVAL") << flags;
  }
}

TEST_P(Info, BadUserPointerIsEFAULT) {
  EXPECT_EQ(mdl::errno_name(dev.ioctl(DRM_IOCTL_MDL_INFO, reinterpret_cast<void*>(8))), "EFAULT");
}

TEST_F(EduTest, InfoAdvertisesTheDmaEngine) {
  EXPECT_TRUE(info.caps & DRM_MDL_CAP_DMA_COPY);
  EXPECT_GE(info.dma_copy_max_bytes, 4096u);
}

TEST_F(EduTest, InfoIommuCapMatchesTheVm) {
  auto want = expect_iommu();
  if (!want) GTEST_SKIP() << "MDL_EXPECT_IOMMU is not set";
  EXPECT_EQ((info.caps & DRM_MDL_CAP_IOMMU) != 0, *want)
      << "caps " << info.caps << ", MDL_EXPECT_IOMMU=" << *want;
}

TEST_F(PlatformTest, InfoHasNoIommuAndNoDmaEngine) {
  EXPECT_FALSE(info.caps & DRM_MDL_CAP_IOMMU) << "the platform device is DMA-direct";
  EXPECT_FALSE(info.caps & DRM_MDL_CAP_DMA_COPY);
}

}  // namespace
}  // namespace mdltest
