// SPDX-License-Identifier: MIT
// The pre-zeroed pool as the ioctl path uses it: a caller that no memory
// cgroup is charged for (the root cgroup) gets pooled pages back, zeroed;
// a caller in a memory cgroup never does, and its pages are charged to it.
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>

#include "util.hpp"

namespace mdltest {
namespace {

constexpr uint64_t MiB = 1024 * 1024;
const char* const kPoolFile = "/sys/kernel/debug/mdl_pool";
const char* const kCgroupRoot = "/sys/fs/cgroup";

using mdl::host::pool_state;

// The cgroup v2 path of this process ("/" for the root cgroup). The
// kernel lists the v2 hierarchy only once it has been mounted; before that
// every process is in its root.
std::string own_cgroup() {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("0::", 0) == 0) return line.substr(3);
  return "/";
}

class Pool : public EachDeviceTest {
 protected:
  void SetUp() override {
    EachDeviceTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    if (!is_root()) GTEST_SKIP() << "needs root for " << kPoolFile;
    if (!pool_state()) {
      std::string why = std::string("no pool state in ") + kPoolFile;
      if (devices_required()) FAIL() << why;
      GTEST_SKIP() << why;
    }
  }

  // Leaves at least @bytes of clean write-back pages in the pool: an
  // allocation that is dirtied and freed, then the zeroing worker given
  // time to run. The pool is emptied first: other tests may have filled
  // it to its limit, and a full pool hands freed pages straight back.
  void refill(uint64_t bytes) {
    ASSERT_TRUE(mdl::host::empty_pool()) << "the shrinker left pages in the pool";
    {
      auto a = dev.alloc(request(bytes));
      ASSERT_TRUE(a) << mdl::errno_name(a.errnum());
      auto m = dev.map(*a);
      ASSERT_TRUE(m) << mdl::errno_name(m.errnum());
      fill_random(m->bytes(), 0x5eed);
    }
    const uint64_t pages = bytes / page_size();
    ASSERT_TRUE(mdl::host::wait_for_pool(
        [&](const mdl::host::PoolState& s) { return s.clean_cached_pages >= pages; },
        std::chrono::seconds(10)))
        << "the pool's worker did not zero " << bytes << " bytes within 10 s";
  }
};
MDL_INSTANTIATE_EACH_DEVICE(Pool);

TEST_P(Pool, UnchargedCallerGetsPooledPagesZeroed) {
  if (own_cgroup() != "/") GTEST_SKIP() << "runs in cgroup " << own_cgroup() << ", not the root";
  const uint64_t bytes = 2 * MiB;
  ASSERT_NO_FATAL_FAILURE(refill(bytes));

  const auto before = *pool_state();
  auto a = dev.alloc(request(bytes));
  ASSERT_TRUE(a) << mdl::errno_name(a.errnum());
  const auto after = *pool_state();
  EXPECT_EQ(after.hits - before.hits, bytes / page_size())
      << "a root-cgroup allocation did not take its pages from the pool";

  // The pages held random bytes before they were pooled.
  auto m = dev.map(*a);
  ASSERT_TRUE(m) << mdl::errno_name(m.errnum());
  EXPECT_TRUE(all_zero(m->bytes())) << "a pooled page came back unzeroed";
}

TEST_P(Pool, ChargedCallerNeverGetsPooledPages) {
  if (own_cgroup() != "/") GTEST_SKIP() << "needs to create a cgroup below the root";
  const std::string root = kCgroupRoot;
  struct stat st {};
  if (stat((root + "/cgroup.controllers").c_str(), &st) != 0 &&
      mount("none", kCgroupRoot, "cgroup2", 0, nullptr) != 0)
    GTEST_SKIP() << "cannot mount cgroup2 at " << root;
  if (first_line(root + "/cgroup.controllers").find("memory") == std::string::npos)
    GTEST_SKIP() << "no memory controller";
  ASSERT_TRUE(write_text(root + "/cgroup.subtree_control", "+memory"));
  const std::string cg = root + "/mdl-pool-test";
  (void)rmdir(cg.c_str());
  ASSERT_EQ(mkdir(cg.c_str(), 0755), 0) << "mkdir " << cg << ": " << std::strerror(errno);

  const uint64_t bytes = 2 * MiB;
  ASSERT_NO_FATAL_FAILURE(refill(bytes));

  std::string failure = run_in_child([&]() -> std::string {
    if (!write_text(cg + "/cgroup.procs", std::to_string(getpid())))
      return "cannot join " + cg;
    const auto before = *pool_state();
    const uint64_t charged_before = std::stoull(first_line(cg + "/memory.current"));
    auto a = dev.alloc(request(bytes));
    if (!a) return "alloc in the cgroup: " + mdl::errno_name(a.errnum());
    const auto after = *pool_state();
    const uint64_t charged = std::stoull(first_line(cg + "/memory.current")) - charged_before;
    if (after.hits != before.hits)
      return std::to_string(after.hits - before.hits) +
             " pooled pages went to a caller in a memory cgroup";
    if (charged < bytes)
      return "the cgroup was charged " + std::to_string(charged) + " bytes for " +
             std::to_string(bytes);
    auto m = dev.map(*a);
    if (!m) return "map: " + mdl::errno_name(m.errnum());
    if (!all_zero(m->bytes())) return "fresh pages came back unzeroed";
    return "";
  });
  EXPECT_EQ(failure, "");
  EXPECT_EQ(rmdir(cg.c_str()), 0) << "rmdir " << cg << ": " << std::strerror(errno);
}

}  // namespace
}  // namespace mdltest
