// SPDX-License-Identifier: MIT
// DRM_IOCTL_MDL_FREE and handle lifetime: unknown handles, double free,
// nonzero pad, and isolation between two open files.
#include "util.hpp"

namespace mdltest {
namespace {

constexpr uint64_t KiB = 1024;

class Handles : public DeviceTest {};

TEST_F(Handles, FreeUnknownHandleIsENOENT) {
  MDL_EXPECT_ERRNO(dev.free(0x7fffffff), ENOENT);
  MDL_EXPECT_ERRNO(dev.free(0), ENOENT);
}

TEST_F(Handles, FreeTwiceIsENOENT) {
  auto a = dev.alloc(request(16 * KiB));
  ASSERT_TRUE(a);
  uint32_t h = a->release();
  EXPECT_TRUE(dev.free(h));
  MDL_EXPECT_ERRNO(dev.free(h), ENOENT);
}

TEST_F(Handles, UseAfterFreeIsENOENT) {
  auto a = dev.alloc(request(16 * KiB));
  ASSERT_TRUE(a);
  uint32_t h = a->release();
  ASSERT_TRUE(dev.free(h));
  MDL_EXPECT_ERRNO(dev.page_table(h, 0, 4), ENOENT);
  MDL_EXPECT_ERRNO(dev.map_offset(h), ENOENT);
}

TEST_F(Handles, FreeNonzeroPadIsEINVALAndKeepsTheHandle) {
  auto a = dev.alloc(request(16 * KiB));
  ASSERT_TRUE(a);
  drm_mdl_free f{};
  f.handle = a->handle();
  f.pad = 1;
  EXPECT_EQ(mdl::errno_name(dev.ioctl(DRM_IOCTL_MDL_FREE, &f)), "EINVAL");
  EXPECT_TRUE(dev.page_table(*a)) << "a refused free must leave the allocation alone";
  EXPECT_TRUE(a->free());
}

TEST_F(Handles, FreeBadPointerIsEFAULT) {
  EXPECT_EQ(mdl::errno_name(dev.ioctl(DRM_IOCTL_MDL_FREE, reinterpret_cast<void*>(8))), "EFAULT");
}

TEST_F(Handles, HandleFromAnotherFileIsENOENT) {
  auto other = mdl::Device::open(dev.node());
  ASSERT_TRUE(other) << mdl::describe_errno(other.errnum());
  auto mine = dev.alloc(request(16 * KiB));
  ASSERT_TRUE(mine);
  auto theirs = other->alloc(request(16 * KiB));
  ASSERT_TRUE(theirs);
  // The other file's handle numbering is its own: pick a handle it does not have.
  uint32_t h = mine->handle();
  if (h == theirs->handle()) {
    auto more = dev.alloc(request(16 * KiB));
    ASSERT_TRUE(more);
    h = more->release();
  }
  MDL_EXPECT_ERRNO(other->page_table(h, 0, 1), ENOENT);
  MDL_EXPECT_ERRNO(other->map_offset(h), ENOENT);
  MDL_EXPECT_ERRNO(other->free(h), ENOENT);
  EXPECT_TRUE(dev.page_table(h, 0, 1)) << "the owner's handle must survive the other's attempts";
}

TEST_F(Handles, SameHandleNumberInTwoFilesNamesTwoAllocations) {
  auto other = mdl::Device::open(dev.node());
  ASSERT_TRUE(other);
  auto a = dev.alloc(request(16 * KiB));
  auto b = other->alloc(request(32 * KiB));
  ASSERT_TRUE(a && b);
  if (a->handle() != b->handle()) GTEST_SKIP() << "the two files numbered their handles apart";
  auto pa = dev.page_table(*a);
  auto pb = other->page_table(*b);
  ASSERT_TRUE(pa && pb);
  EXPECT_EQ(pa->size(), 4u);
  EXPECT_EQ(pb->size(), 8u);
  EXPECT_NE((*pa)[0].dma_addr, (*pb)[0].dma_addr);
}

}  // namespace
}  // namespace mdltest
