// SPDX-License-Identifier: MIT
// PRIME: an allocation exported as a dma-buf (DRM_IOCTL_PRIME_HANDLE_TO_FD),
// mapped directly and imported into vgem.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xf86drm.h>

#include <cstdio>
#include <cstring>

#include "util.hpp"

namespace mdltest {
namespace {

constexpr uint64_t KiB = 1024;

class Prime : public EachDeviceTest {};
MDL_INSTANTIATE_EACH_DEVICE(Prime);

TEST_P(Prime, ExportGivesADmaBufOfTheAllocationSize) {
  auto a = dev.alloc(request(96 * KiB));
  ASSERT_TRUE(a);
  auto buf = dev.export_dmabuf(*a);
  ASSERT_TRUE(buf) << "PRIME_HANDLE_TO_FD: " << mdl::describe_errno(buf.errnum());
  EXPECT_GE(buf->fd(), 0);
  EXPECT_EQ(lseek(buf->fd(), 0, SEEK_END), static_cast<off_t>(a->byte_count()));
}

TEST_P(Prime, ExportUnknownHandleIsENOENT) {
  int fd = -1;
  EXPECT_NE(drmPrimeHandleToFD(dev.fd(), 0x7fffffff, DRM_CLOEXEC, &fd), 0);
  EXPECT_EQ(mdl::errno_name(errno), "ENOENT");
}

TEST_P(Prime, DmaBufMmapSharesThePages) {
  auto a = dev.alloc(request(64 * KiB));
  ASSERT_TRUE(a);
  auto m = dev.map(*a);
  ASSERT_TRUE(m);
  fill_random(m->bytes(), 21);
  auto buf = dev.export_dmabuf(*a);
  ASSERT_TRUE(buf);
  auto bm = buf->map();
  ASSERT_TRUE(bm) << "mmap of the dma-buf: " << mdl::describe_errno(bm.errnum());
  ASSERT_TRUE(buf->begin_cpu_access());
  EXPECT_EQ(first_difference(bm->bytes(), m->bytes()), -1);
  // And the other way round.
  std::memset(bm->data(), 0x3c, 100);
  ASSERT_TRUE(buf->end_cpu_access());
  EXPECT_EQ(std::to_integer<int>(m->bytes()[99]), 0x3c);
}

TEST_P(Prime, DmaBufMmapAtAnOffsetSeesThatPage) {
  auto a = dev.alloc(request(64 * KiB, DRM_MDL_CACHE_WRITE_COMBINED));
  ASSERT_TRUE(a);
  auto m = dev.map(*a);
  ASSERT_TRUE(m);
  fill_random(m->bytes(), 24);
  auto buf = dev.export_dmabuf(*a);
  ASSERT_TRUE(buf);
  // Pages 3 and 4 only: the fault handler must count from the mapping's offset.
  auto part = mdl::Mapping::map_fd(buf->fd(), 3 * page_size(), 2 * page_size());
  ASSERT_TRUE(part) << mdl::describe_errno(part.errnum());
  EXPECT_EQ(first_difference(part->bytes(), m->bytes().subspan(3 * page_size(), 2 * page_size())),
            -1);
  // A mapping running past the end is refused.
  auto past = mdl::Mapping::map_fd(buf->fd(), 15 * page_size(), 2 * page_size());
  EXPECT_FALSE(past);
}

TEST_P(Prime, SelfImportGivesTheSameHandle) {
  auto a = dev.alloc(request(16 * KiB));
  ASSERT_TRUE(a);
  auto buf = dev.export_dmabuf(*a);
  ASSERT_TRUE(buf);
  auto h = dev.import_dmabuf(buf->fd());
  ASSERT_TRUE(h) << mdl::describe_errno(h.errnum());
  EXPECT_EQ(*h, a->handle());
}

TEST_P(Prime, DmaBufOutlivesHandleAndFile) {
  auto a = dev.alloc(request(32 * KiB));
  ASSERT_TRUE(a);
  auto m = dev.map(*a);
  ASSERT_TRUE(m);
  fill_random(m->bytes(), 22);
  std::vector<std::byte> want(m->bytes().begin(), m->bytes().end());
  m->reset();
  auto buf = dev.export_dmabuf(*a);
  ASSERT_TRUE(buf);
  ASSERT_TRUE(a->free());
  dev.close();  // last reference to the DRM file goes away
  auto bm = buf->map();
  ASSERT_TRUE(bm) << mdl::describe_errno(bm.errnum());
  EXPECT_EQ(first_difference(bm->bytes(), want), -1);
}

// ---- vgem ----

struct Vgem {
  mdl::UniqueFd render;
  mdl::UniqueFd primary;
};

// Opens vgem's nodes; empty fds with @why when vgem is absent.
Vgem open_vgem(std::string* why) {
  Vgem v;
  auto nodes = mdl::find_nodes("vgem");
  if (!nodes || nodes->empty()) {
    *why = "vgem is not loaded (modprobe vgem)";
    return v;
  }
  const auto& n = nodes->front();
  if (!n.render_path.empty()) v.render = mdl::UniqueFd(open(n.render_path.c_str(), O_RDWR | O_CLOEXEC));
  if (!n.primary_path.empty())
    v.primary = mdl::UniqueFd(open(n.primary_path.c_str(), O_RDWR | O_CLOEXEC));
  if (!v.render.valid() && !v.primary.valid()) *why = "cannot open vgem: " + mdl::describe_errno(errno);
  return v;
}

void gem_close(int fd, uint32_t handle) {
  drm_gem_close c{};
  c.handle = handle;
  (void)mdl::raw_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &c);
}

TEST_P(Prime, ImportIntoVgemReadsBackIdentical) {
  std::string why;
  Vgem vgem = open_vgem(&why);
  if (!vgem.render.valid() && !vgem.primary.valid()) {
    if (devices_required()) FAIL() << why;
    GTEST_SKIP() << why;
  }
  auto a = dev.alloc(request(64 * KiB, DRM_MDL_CACHE_WRITE_COMBINED));
  ASSERT_TRUE(a);
  auto m = dev.map(*a);
  ASSERT_TRUE(m);
  fill_random(m->bytes(), 23);
  std::vector<std::byte> want(m->bytes().begin(), m->bytes().end());
  auto buf = dev.export_dmabuf(*a);
  ASSERT_TRUE(buf) << mdl::describe_errno(buf.errnum());

  // 1. vgem imports it: it attaches and maps our sg table on its own device.
  int vfd = vgem.render.valid() ? vgem.render.get() : vgem.primary.get();
  uint32_t vh = 0;
  ASSERT_EQ(drmPrimeFDToHandle(vfd, buf->fd(), &vh), 0)
      << "vgem PRIME_FD_TO_HANDLE: " << mdl::describe_errno(errno);

  // 2. vgem holds our dma-buf: exporting its handle hands back the same one.
  int back = -1;
  ASSERT_EQ(drmPrimeHandleToFD(vfd, vh, DRM_CLOEXEC | DRM_RDWR, &back), 0)
      << mdl::describe_errno(errno);
  mdl::DmaBuf vbuf(mdl::UniqueFd(back), a->byte_count());
  struct stat s1 {}, s2 {};
  ASSERT_EQ(fstat(buf->fd(), &s1), 0);
  ASSERT_EQ(fstat(back, &s2), 0);
  EXPECT_EQ(s1.st_ino, s2.st_ino) << "vgem re-exported a different dma-buf";

  // 3. Read it through vgem: DRM_IOCTL_MODE_MAP_DUMB + mmap on vgem's file.
  //    Linux refuses map offsets for imported objects (drm_gem_dumb_map_offset
  //    returns EINVAL) and MAP_DUMB on render nodes (EACCES); then read the
  //    dma-buf vgem handed back instead.
  mdl::Mapping vmap;
  std::string route;
  if (vgem.primary.valid()) {
    uint32_t ph = 0;
    if (drmPrimeFDToHandle(vgem.primary.get(), buf->fd(), &ph) == 0) {
      drm_mode_map_dumb md{};
      md.handle = ph;
      int e = mdl::raw_ioctl(vgem.primary.get(), DRM_IOCTL_MODE_MAP_DUMB, &md);
      if (e == 0) {
        auto mm = mdl::Mapping::map_fd(vgem.primary.get(), md.offset, a->byte_count());
        ASSERT_TRUE(mm) << "mmap through vgem: " << mdl::describe_errno(mm.errnum());
        vmap = std::move(mm).value();
        route = "vgem MAP_DUMB";
      } else {
        route = "vgem's dma-buf (MAP_DUMB on the import: " + mdl::errno_name(e) + ")";
      }
      // The mapping holds its own reference; the handle can go.
      gem_close(vgem.primary.get(), ph);
    }
  }
  if (!vmap.data()) {
    if (route.empty()) route = "vgem's dma-buf";
    auto mm = vbuf.map();
    ASSERT_TRUE(mm) << "mmap of the dma-buf vgem exported: " << mdl::describe_errno(mm.errnum());
    vmap = std::move(mm).value();
  }
  RecordProperty("vgem_read_route", route);
  std::printf("[   NOTE   ] read back through %s\n", route.c_str());
  ASSERT_TRUE(vbuf.begin_cpu_access());
  EXPECT_EQ(first_difference(vmap.bytes(), want), -1) << "read through " << route;
  // Writes through the vgem side land in our pages.
  std::memset(vmap.data(), 0x5a, 4096);
  ASSERT_TRUE(vbuf.end_cpu_access());
  for (size_t i = 0; i < 4096; i++) ASSERT_EQ(std::to_integer<int>(m->bytes()[i]), 0x5a) << i;
  gem_close(vfd, vh);
}

TEST_P(Prime, BufferOfTheOtherMdlDeviceIsRefused) {
  auto other = open_device(GetParam() == Which::edu ? Which::platform : Which::edu, nullptr);
  if (!other) GTEST_SKIP() << "only one mdl device";
  auto a = other->alloc(request(16 * KiB));
  ASSERT_TRUE(a);
  auto buf = other->export_dmabuf(*a);
  ASSERT_TRUE(buf);
  auto h = dev.import_dmabuf(buf->fd());
  EXPECT_FALSE(h) << "imported another device's buffer as handle " << (h ? *h : 0)
                  << ": its pages were not allocated for this device";
  if (!h) {
    EXPECT_EQ(mdl::errno_name(h.errnum()), "EINVAL");
  }
}

TEST_P(Prime, VgemBufferIsRefused) {
  std::string why;
  Vgem vgem = open_vgem(&why);
  if (!vgem.primary.valid()) {
    if (devices_required()) FAIL() << why << " (needs vgem's primary node for CREATE_DUMB)";
    GTEST_SKIP() << why;
  }
  drm_mode_create_dumb cd{};
  cd.width = 64;
  cd.height = 64;
  cd.bpp = 32;
  ASSERT_EQ(mdl::errno_name(mdl::raw_ioctl(vgem.primary.get(), DRM_IOCTL_MODE_CREATE_DUMB, &cd)), "OK");
  int fd = -1;
  ASSERT_EQ(drmPrimeHandleToFD(vgem.primary.get(), cd.handle, DRM_CLOEXEC, &fd), 0);
  mdl::UniqueFd owned(fd);
  auto h = dev.import_dmabuf(fd);
  EXPECT_FALSE(h) << "imported a vgem buffer";
  if (!h) {
    EXPECT_EQ(mdl::errno_name(h.errnum()), "EINVAL");
  }
  gem_close(vgem.primary.get(), cd.handle);
}

}  // namespace
}  // namespace mdltest
