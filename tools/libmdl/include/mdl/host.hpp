// SPDX-License-Identifier: MIT
//
// What the running kernel tells about the machine, for the tools that check
// drm-mdl against it (mdl_tests, the hardening suite, the benchmarks):
// where System RAM lies, the kernel log records that arrive while a test
// runs, and the state of drm-mdl's pre-zeroed pool.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mdl::host {

struct RamRange {
  uint64_t first;
  uint64_t last;  // inclusive
};

// Top-level "System RAM" ranges of /proc/iomem. Without CAP_SYS_ADMIN the
// kernel shows every address as 0, and the list comes back empty.
std::vector<RamRange> system_ram();
// One past the highest byte of System RAM; 0 when unknown.
uint64_t top_of_ram();

// /dev/kmsg from construction on: each call of new_records() returns the
// messages logged since the previous call, one string per record (its
// continuation lines dropped). Inactive without access to /dev/kmsg.
class KernelLog {
 public:
  KernelLog();
  ~KernelLog();
  KernelLog(const KernelLog&) = delete;
  KernelLog& operator=(const KernelLog&) = delete;
  bool active() const { return fd_ >= 0; }
  std::vector<std::string> new_records();

 private:
  int fd_ = -1;
};

// The pre-zeroed pool, as debugfs mdl_pool shows it (root only).
struct PoolState {
  uint64_t clean_pages = 0;         // zeroed, ready to hand out, every cache type
  uint64_t clean_cached_pages = 0;  // of those, write-back blocks ("cached order N")
  uint64_t dirty_pages = 0;         // freed, waiting for the zeroing worker
  uint64_t hits = 0;                // pages handed out from the pool, ever
  uint64_t misses = 0;              // pages requests found no pooled page for
};

// nullopt without debugfs, without root, or without mdl.ko.
std::optional<PoolState> pool_state();

// Gives every pooled page back to the page allocator through the pool's
// shrinker (what drop_caches=2 runs), until the pool holds none. A block
// the worker is zeroing lands on the clean list after the shrinker ran, so
// this tries a few times. False when the pool still holds pages.
bool empty_pool();

// Polls the pool until @done says yes or @timeout passes; false on timeout
// or when the pool state cannot be read.
bool wait_for_pool(const std::function<bool(const PoolState&)>& done,
                   std::chrono::milliseconds timeout);

}  // namespace mdl::host
