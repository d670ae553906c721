// SPDX-License-Identifier: MIT
// Concurrency: several threads on one file, handles freed under other
// threads' feet, files closed while the DMA engine works. Problems show up
// as unexpected errnos, wrong bytes, pages left over or a noisy kernel log.
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <random>
#include <thread>

#include "util.hpp"

namespace mdltest {
namespace {

constexpr uint64_t KiB = 1024;

class Stress : public EachDeviceTest {};
MDL_INSTANTIATE_EACH_DEVICE(Stress);

TEST_P(Stress, ThreadsAllocateMapAndFreeOnOneFile) {
  auto before = debugfs_total_pages(dev);
  constexpr int kThreads = 4, kRounds = 30;
  std::atomic<int> errors{0};
  std::vector<std::string> first_error(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(t) * 7919u + 1);
      auto fail = [&](const std::string& what) {
        if (errors++ == 0 || first_error[t].empty()) first_error[t] = what;
      };
      for (int i = 0; i < kRounds; i++) {
        uint64_t size = (1 + rng() % 64) * 4 * KiB;
        uint32_t cache = rng() % 3;
        auto a = dev.alloc(request(size, cache));
        if (!a) return fail("alloc: " + mdl::describe_errno(a.errnum()));
        auto m = dev.map(*a);
        if (!m) return fail("map: " + mdl::describe_errno(m.errnum()));
        if (!all_zero(m->bytes())) return fail("fresh pages not zero");
        std::memset(m->data(), t + 1, m->size());
        auto pages = dev.page_table(*a);
        if (!pages || pages->size() != a->page_count()) return fail("page table");
        for (auto b : m->bytes())
          if (b != std::byte(t + 1)) return fail("bytes changed under the mapping");
        if (auto st = a->free(); !st) return fail("free: " + mdl::describe_errno(st.errnum()));
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& e : first_error) EXPECT_EQ(e, "");
  EXPECT_EQ(errors.load(), 0);
  if (before) {
    EXPECT_EQ(debugfs_total_pages(dev), before);
  }
}

TEST_P(Stress, HandleFreedWhileAnotherThreadUsesIt) {
  for (int round = 0; round < 20; round++) {
    auto a = dev.alloc(request(64 * KiB));
    ASSERT_TRUE(a);
    const uint32_t h = a->release();
    std::atomic<bool> stop{false};
    std::atomic<int> unexpected{0};
    std::thread user([&] {
      while (!stop) {
        auto pt = dev.page_table(h, 0, 16);
        if (!pt && pt.errnum() != ENOENT) unexpected++;
        auto off = dev.map_offset(h);
        if (!off && off.errnum() != ENOENT) unexpected++;
        if (!pt && !off) break;  // gone
      }
    });
    std::this_thread::sleep_for(std::chrono::microseconds(200 * round));
    EXPECT_TRUE(dev.free(h)) << "round " << round;
    stop = true;
    user.join();
    EXPECT_EQ(unexpected.load(), 0) << "errors other than ENOENT after free, round " << round;
    MDL_EXPECT_ERRNO(dev.free(h), ENOENT);
  }
}

TEST_P(Stress, ManyHandlesFreedByClose) {
  auto before = debugfs_total_pages(dev);
  {
    auto other = mdl::Device::open(dev.node());
    ASSERT_TRUE(other);
    for (int i = 0; i < 1000; i++) {
      auto a = other->alloc(request(4 * KiB, static_cast<uint32_t>(i % 3)));
      ASSERT_TRUE(a) << "allocation " << i << ": " << mdl::describe_errno(a.errnum());
      a->release();
    }
    if (before) {
    EXPECT_EQ(debugfs_total_pages(dev), *before + 1000);
  }
  }
  if (before) {
    EXPECT_EQ(debugfs_total_pages(dev), before);
  }
}

class DmaCopyRace : public EduTest {};

TEST_F(DmaCopyRace, FreeingBothHandlesDuringACopyIsSafe) {
  auto before = debugfs_total_pages(dev);
  const uint64_t size = std::min<uint64_t>(info.dma_copy_max_bytes, 16 * KiB);
  auto src = dev.alloc(request(size));
  auto dst = dev.alloc(request(size));
  ASSERT_TRUE(src && dst);
  auto sm = dev.map(*src);
  auto dm = dev.map(*dst);
  ASSERT_TRUE(sm && dm);
  fill_random(sm->bytes(), 31);
  mdl::Status result;
  std::thread copier([&] { result = dev.dma_copy(*src, 0, *dst, 0, size); });
  std::this_thread::sleep_for(std::chrono::milliseconds(150));  // mid-copy: 100 ms per 4 KiB
  drm_mdl_free f{};
  f.handle = src->handle();
  EXPECT_EQ(mdl::errno_name(dev.ioctl(DRM_IOCTL_MDL_FREE, &f)), "OK");
  f.handle = dst->handle();
  EXPECT_EQ(mdl::errno_name(dev.ioctl(DRM_IOCTL_MDL_FREE, &f)), "OK");
  copier.join();
  EXPECT_TRUE(result) << "the copy holds its own references: " << mdl::describe_errno(result.errnum());
  // The mappings still reach the pages: the copy landed.
  EXPECT_EQ(first_difference(dm->bytes(), sm->bytes()), -1);
  src->release();
  dst->release();
  sm->reset();
  dm->reset();
  if (before) {
    EXPECT_EQ(debugfs_total_pages(dev), before);
  }
}

TEST_F(DmaCopyRace, ClosingTheFileDuringACopyIsSafe) {
  auto before = debugfs_total_pages(dev);
  auto other = mdl::Device::open(dev.node());
  ASSERT_TRUE(other);
  const uint64_t size = std::min<uint64_t>(info.dma_copy_max_bytes, 16 * KiB);
  auto src = other->alloc(request(size));
  auto dst = other->alloc(request(size));
  ASSERT_TRUE(src && dst);
  const uint32_t sh = src->release(), dh = dst->release();
  const int fd = dup(other->fd());
  ASSERT_GE(fd, 0);
  other->close();  // only the dup is left
  int copy_err = -1;
  std::thread copier([&] {
    drm_mdl_dma_copy c{};
    c.src_handle = sh;
    c.dst_handle = dh;
    c.size = size;
    copy_err = mdl::raw_ioctl(fd, DRM_IOCTL_MDL_DMA_COPY, &c);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  close(fd);  // the ioctl in flight keeps the file until it returns
  copier.join();
  EXPECT_EQ(mdl::errno_name(copy_err), "OK");
  if (before) {
    EXPECT_EQ(debugfs_total_pages(dev), before) << "pages left after the file closed";
  }
}

}  // namespace
}  // namespace mdltest
