// SPDX-License-Identifier: MIT
//
// What the running kernel tells about the machine, for the tools that check
// drm-mdl against it (mdl_tests, the hardening suite): where System RAM
// lies, and the kernel log records that arrive while a test runs.
#pragma once

#include <cstdint>
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

}  // namespace mdl::host
