// SPDX-License-Identifier: MIT
// Accounting through debugfs: closing the DRM file frees everything, and a
// failed request leaves not one page behind.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "util.hpp"

namespace mdltest {
namespace {

constexpr uint64_t KiB = 1024, MiB = 1024 * KiB;

class Lifetime : public EachDeviceTest {
 protected:
  void SetUp() override {
    EachDeviceTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto t = debugfs_total_pages(dev);
    if (!t) {
      std::string why = "no page totals in debugfs for " + dev.node().path() + " (dir '" +
                        debugfs_dir(dev) + "')";
      if (devices_required()) FAIL() << why;
      GTEST_SKIP() << why;
    }
  }
  uint64_t total() {
    auto t = debugfs_total_pages(dev);
    EXPECT_TRUE(t);
    return t.value_or(0);
  }
};
MDL_INSTANTIATE_EACH_DEVICE(Lifetime);

TEST_P(Lifetime, TotalsFollowAllocAndFree) {
  uint64_t before = total();
  auto a = dev.alloc(request(1 * MiB));
  ASSERT_TRUE(a);
  EXPECT_EQ(total(), before + a->page_count());
  ASSERT_TRUE(a->free());
  EXPECT_EQ(total(), before);
}

TEST_P(Lifetime, ClosingTheFileFreesEverything) {
  uint64_t before = total();
  auto other = mdl::Device::open(dev.node());
  ASSERT_TRUE(other);
  uint64_t pages = 0;
  for (uint64_t size : {64 * KiB, 1 * MiB, 4 * KiB, 3 * MiB}) {
    for (uint32_t cache : {DRM_MDL_CACHE_NON_CACHED, DRM_MDL_CACHE_CACHED,
                           DRM_MDL_CACHE_WRITE_COMBINED}) {
      auto a = other->alloc(request(size, cache));
      ASSERT_TRUE(a) << mdl::describe_errno(a.errnum());
      pages += a->page_count();
      (void)other->map(*a);  // a mapping made and dropped
      a->release();          // left for the file's close to free
    }
  }
  EXPECT_EQ(total(), before + pages);
  other->close();
  EXPECT_EQ(total(), before) << "closing the file left pages allocated";
}

TEST_P(Lifetime, OpenMappingKeepsPagesUntilUnmapped) {
  uint64_t before = total();
  mdl::Mapping m;
  {
    auto other = mdl::Device::open(dev.node());
    ASSERT_TRUE(other);
    auto a = other->alloc(request(256 * KiB));
    ASSERT_TRUE(a);
    auto mm = other->map(*a);
    ASSERT_TRUE(mm);
    m = std::move(mm).value();
    a->release();
  }  // file closed, the handle gone with it
  EXPECT_EQ(total(), before + 64) << "the mapping still references the pages";
  EXPECT_TRUE(all_zero(m.bytes()));
  m.reset();
  EXPECT_EQ(total(), before);
}

TEST_P(Lifetime, FailedRequestsLeaveNothingAllocated) {
  uint64_t before = total();
  auto engine_before = debugfs_value(dev, "engine_pages");
  uint64_t top = top_of_ram();
  std::vector<drm_mdl_alloc> bad;
  auto add = [&](mdl::Request r) { bad.push_back(mdl::to_alloc_args(r)); };
  add(request(0));
  add(request(info.max_total_bytes + 1));
  add(request(64 * KiB, 3));
  add(request(64 * KiB, DRM_MDL_CACHE_CACHED, 0x80));
  {
    auto r = request(64 * KiB);
    r.skip = 0x1001;
    add(r);
  }
  {
    auto a = mdl::to_alloc_args(request(64 * KiB));
    a.pad = 1;
    bad.push_back(a);
  }
  {
    // Partly satisfiable: a 1 MiB window asked for 2 MiB. The driver may
    // take pages before it finds out; it must give them all back.
    auto w = test_window(dev, info, 64 * MiB);
    auto r = request(2 * MiB);
    r.low = w.first;
    r.high = w.first + 1 * MiB - 1;
    add(r);
    if (top > r.low) {
      // SkipBytes windows of 1 MiB every 16 MiB up to the top of RAM, asked
      // for one window more than exist.
      r.skip = 16 * MiB;
      r.total_bytes = ((top - r.low) / r.skip + 2) * MiB;
      r.flags = DRM_MDL_ALLOC_NO_WAIT;
      add(r);
    }
  }
  {
    auto w = test_window(dev, info, 64 * MiB);
    auto r = request(64 * MiB, DRM_MDL_CACHE_WRITE_COMBINED, DRM_MDL_ALLOC_NO_WAIT);
    r.low = w.first;
    r.high = w.first + 32 * MiB - 1;  // half of what is asked
    add(r);
  }
  for (size_t i = 0; i < bad.size(); i++) {
    int e = alloc_errno(dev, bad[i]);
    EXPECT_NE(e, 0) << "request " << i << " should have failed";
    EXPECT_EQ(total(), before) << "request " << i << " failed with " << mdl::errno_name(e)
                               << " but left pages allocated";
    EXPECT_EQ(debugfs_value(dev, "engine_pages"), engine_before)
        << "request " << i << " failed with " << mdl::errno_name(e)
        << " but the engine holds pages";
  }
}

// Device-independent and slow under TCG (seconds): once, on the default device.
class LifetimeOnce : public DeviceTest {
 protected:
  void SetUp() override {
    DeviceTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    if (!debugfs_total_pages(dev)) {
      if (devices_required()) FAIL() << "no page totals in debugfs";
      GTEST_SKIP() << "no page totals in debugfs";
    }
  }
  uint64_t total() { return debugfs_total_pages(dev).value_or(0); }
};

TEST_F(LifetimeOnce, RequestLargerThanRamIsENOMEMAndLeavesNothing) {
  uint64_t top = top_of_ram();
  if (!top) GTEST_SKIP() << "/proc/iomem shows no RAM (not root?)";
  uint64_t before = total();
  auto engine_before = debugfs_value(dev, "engine_pages");
  // More than all of RAM, no window: the engine takes what it finds, then
  // has to give all of it back. NO_WAIT keeps reclaim (and so the OOM killer)
  // out. Done in a child that offers itself to the OOM killer first, so that
  // a driver which does wake it costs one failed test, not the whole run.
  const uint64_t size = std::min<uint64_t>(info.max_total_bytes, top + 256 * MiB);
  const std::string path = dev.node().path();
  std::fflush(stdout);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (FILE* f = std::fopen("/proc/self/oom_score_adj", "w")) {
      std::fputs("1000", f);
      std::fclose(f);
    }
    auto d = mdl::Device::open(path);
    if (!d) _exit(100);
    auto a = d->alloc(request(size, DRM_MDL_CACHE_WRITE_COMBINED, DRM_MDL_ALLOC_NO_WAIT));
    _exit(a ? 0 : (a.errnum() & 0x7f));
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  if (WIFSIGNALED(status)) {
    ADD_FAILURE() << "the process asking for " << mdl::format_size(size)
                  << " (write-combined, no-wait) was killed by signal " << WTERMSIG(status)
                  << " (the OOM killer?) instead of getting ENOMEM";
  } else {
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(mdl::errno_name(WEXITSTATUS(status)), "ENOMEM")
        << mdl::format_size(size) << " write-combined, no-wait";
  }
  EXPECT_EQ(total(), before);
  EXPECT_EQ(debugfs_value(dev, "engine_pages"), engine_before);
  // And the memory is usable again right away.
  auto a = dev.alloc(request(64 * MiB));
  EXPECT_TRUE(a) << mdl::describe_errno(a.errnum());
}

TEST_P(Lifetime, KilledDuringALargeAllocationLeavesNothing) {
  // SPEC: a fatal signal during a large allocation ends it with EINTR and
  // nothing left allocated. The killed process cannot report EINTR, but
  // every page must be back once it is gone, whenever the kill landed.
  uint64_t before = total();
  auto engine_before = debugfs_value(dev, "engine_pages");
  std::string path = dev.node().path();
  for (int delay_ms : {5, 30, 120, 400, 900}) {
    std::fflush(stdout);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto d = mdl::Device::open(path);
      if (!d) _exit(2);
      auto a = d->alloc(request(256 * MiB, DRM_MDL_CACHE_WRITE_COMBINED,
                                DRM_MDL_ALLOC_PREFER_CONTIGUOUS));
      _exit(a ? 0 : 3);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_EQ(total(), before) << "killed after " << delay_ms << " ms";
    EXPECT_EQ(debugfs_value(dev, "engine_pages"), engine_before) << "killed after " << delay_ms << " ms";
  }
}

}  // namespace
}  // namespace mdltest
