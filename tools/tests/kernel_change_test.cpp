// SPDX-License-Identifier: MIT
// Kernel changes that compile on old code and behave differently: each test
// here failed with the driver of 6.12 built for 7.3 (mdl_compat.h names the
// release of each change).
//
// Environment (set by tools/vm/run-suite.sh):
//   MDL_EXPECT_CMA=1  the guest booted with cma=64M; the CMA test must run.
//
// PoolWorkerIsRunningAtLoad must see the worker before anything wakes it,
// so this file comes first in mdl_tests (tools/CMakeLists.txt).
#include <sys/klog.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "util.hpp"

namespace mdltest {
namespace {

constexpr uint64_t MiB = 1024 * 1024;

// State letter of the kernel thread named @comm ('\0' when there is none).
char kthread_state(const std::string& comm) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string pid = entry.path().filename();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    if (first_line(entry.path() / "comm") != comm) continue;
    // "PID (comm) S ...": the state follows the last ')'.
    const std::string stat = first_line(entry.path() / "stat");
    const auto paren = stat.rfind(')');
    if (paren == std::string::npos || paren + 2 >= stat.size()) return '?';
    return stat[paren + 2];
  }
  return '\0';
}

// 6.14: kthread_create_worker() no longer starts the thread. A worker that
// is created but never woken sleeps uninterruptibly ('D') until the first
// work is queued, and the hung-task detector reports it after 120 s.
TEST(KernelChange, PoolWorkerIsRunningAtLoad) {
  if (std::getenv("MDL_VM") == nullptr) GTEST_SKIP() << "needs a freshly loaded mdl.ko (the VM)";
  // A thread woken at creation is runnable ('R') until it first gets a CPU
  // and goes to sleep; on the debug kernel's single vCPU that can outlast
  // the module load. 'D' does not pass with time, so waiting is safe.
  char state = kthread_state("mdl_pool_zero");
  for (int i = 0; state == 'R' && i < 50; i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    state = kthread_state("mdl_pool_zero");
  }
  ASSERT_NE(state, '\0') << "no mdl_pool_zero thread: is mdl.ko loaded?";
  EXPECT_NE(state, 'D') << "the pool's zeroing worker was created but never started";
  EXPECT_EQ(state, 'S') << "an idle kthread worker sleeps interruptibly";
}

// A /proc/meminfo value in kB.
std::optional<uint64_t> meminfo_kib(const std::string& key) {
  std::istringstream in(slurp("/proc/meminfo"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) != 0) continue;
    return std::stoull(line.substr(key.size() + 1));
  }
  return std::nullopt;
}

// The CMA area the kernel reserved at boot, from its log.
std::optional<Range> cma_area() {
  const int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, nullptr, 0);
  if (size <= 0) return std::nullopt;
  std::string log(static_cast<size_t>(size), '\0');
  const int got = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log.data(), size);
  if (got <= 0) return std::nullopt;
  log.resize(static_cast<size_t>(got));
  // "cma: Reserved 64 MiB at 0x000000003c000000" (7.x adds " on node -1").
  static const std::regex line(R"(cma: Reserved (\d+) MiB at (0x[0-9a-fA-F]+))");
  std::smatch m;
  if (!std::regex_search(log, m, line)) return std::nullopt;
  const uint64_t first = std::stoull(m[2].str(), nullptr, 16);
  return Range{first, first + std::stoull(m[1].str()) * MiB - 1};
}

// 6.17: alloc_contig_range()'s third argument is acr_flags_t. The old
// MIGRATE_MOVABLE (1) is ACR_FLAGS_CMA there, with which exact placement
// took and pinned pages inside the CMA reservation.
TEST_F(DeviceTest, ExactPlacementLeavesCmaAlone) {
  if (!is_root()) GTEST_SKIP() << "exact placement is for privileged callers";
  // cma= is DMA_CMA's parameter: Debian's 6.1 and 6.12 lack it and ignore
  // it, its 7.2 and 7.3 (where alloc_contig_range() changed) reserve the area.
  const auto cma_total = meminfo_kib("CmaTotal");
  if (!cma_total || *cma_total == 0) GTEST_SKIP() << "no CMA area (cma=64M needs CONFIG_DMA_CMA)";
  const char* expect = std::getenv("MDL_EXPECT_CMA");
  const auto area = cma_area();
  if (!area) {
    if (expect != nullptr && std::string(expect) == "1")
      FAIL() << "booted with cma=64M and CmaTotal is " << *cma_total
             << " kB, but the kernel log names no CMA area";
    GTEST_SKIP() << "no CMA area in the kernel log";
  }
  const auto cma_free = meminfo_kib("CmaFree");
  ASSERT_TRUE(cma_free);
  ASSERT_GT(*cma_free, 32 * 1024u) << "the CMA area should be mostly free";

  // 2 MiB in the middle of the area: only exact placement could get them.
  auto req = request(2 * MiB);
  req.low = area->first + 16 * MiB;
  req.high = req.low + 8 * MiB - 1;
  auto a = dev.alloc(req);
  if (a) {
    auto pages = dev.page_table(*a);
    ASSERT_TRUE(pages);
    FAIL() << "got " << a->page_count() << " pages inside the CMA area ["
           << mdl::hex(area->first) << ", " << mdl::hex(area->last) << "], first at "
           << mdl::hex((*pages)[0].phys_addr);
  }
  EXPECT_EQ(a.error(), std::errc::not_enough_memory);
}

// 7.1 counts GPU drivers' pages in /proc/meminfo (GPUActive); drm-mdl's
// pages count there while they are allocated.

// The counter as it settles: per-cpu deltas reach the global count within
// the vmstat interval (a second), so wait up to three for @done.
uint64_t settled_gpu_active(const std::function<bool(uint64_t)>& done) {
  uint64_t kib = 0;
  for (int i = 0; i < 30; i++) {
    kib = meminfo_kib("GPUActive").value_or(0);
    if (done(kib)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return kib;
}

TEST_F(DeviceTest, GpuActiveCountsAllocatedPages) {
  const auto before = meminfo_kib("GPUActive");
  if (!before) GTEST_SKIP() << "this kernel has no GPUActive in /proc/meminfo (7.1)";
  constexpr uint64_t kSize = 64 * MiB;
  // vgem, the other GPU driver in the guest, uses shmem, which does not
  // count; a slack of 1 MiB covers what the per-cpu deltas hold back.
  const uint64_t want = *before + kSize / 1024 - 1024;
  auto a = MDL_ASSERT_OK(dev.alloc(request(kSize)));
  const uint64_t during = settled_gpu_active([&](uint64_t kib) { return kib >= want; });
  EXPECT_GE(during, want) << "GPUActive before " << *before << " kB";
  ASSERT_TRUE(a.free());
  const uint64_t after = settled_gpu_active([&](uint64_t kib) { return kib <= *before + 1024; });
  EXPECT_LE(after, *before + 1024) << "freed pages still count as GPUActive";
}

}  // namespace
}  // namespace mdltest
