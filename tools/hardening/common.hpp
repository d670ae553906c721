// SPDX-License-Identifier: MIT
//
// Helpers shared by the hardening tools (mdl_fuzz, mdl_harden): device
// discovery, the driver's debugfs totals, the kernel log, sysfs, privilege
// dropping. They run as root inside the test VM (tools/vm/mdl-vm).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "mdl/host.hpp"
#include "mdl/mdl.hpp"

namespace hard {

constexpr uint64_t KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB;
constexpr uint64_t kPage = 4096;

// ---- output ----
// "PASS name: text" / "FAIL name: text", the lines run.sh counts.
void pass(const std::string& name, const std::string& text);
void fail(const std::string& name, const std::string& text);
// A line of detail, prefixed with the test's name.
void note(const std::string& name, const std::string& text);

std::string errname(int err);  // "ENOMEM", "0" for success
std::string mib(uint64_t bytes);  // "12.5 MiB"

// ---- files ----
std::string slurp(const std::string& path);
// Writes @text to @path; 0 or the errno.
int write_file(const std::string& path, const std::string& text);
bool exists(const std::string& path);

// ---- devices ----
struct MdlNode {
  std::string path;    // render node
  bool edu = false;    // the PCI edu device (IOMMU, DMA engine)
  std::string bus_id;  // PCI address of edu
};
std::vector<MdlNode> mdl_nodes();
std::optional<MdlNode> edu_node();
std::optional<MdlNode> platform_node();
std::string vgem_node();  // empty when there is none

// ---- accounting: /sys/kernel/debug/dri/*/mdl_totals ----
struct Totals {
  uint64_t allocations = 0;
  uint64_t pages = 0;
  uint64_t bytes = 0;
  int64_t engine_pages = 0;  // global to the engine, all devices
  uint64_t client_pages = 0;  // held against max_total_mb, all devices
  int devices = 0;           // mdl devices found in debugfs
};
// Sums over the mdl devices (each counted once, not once per minor).
Totals totals();
std::string describe(const Totals& t);
// Waits up to @timeout_ms for every total to read zero (deferred fput and
// RCU may lag a close by a moment). Returns the last reading.
Totals wait_idle(int timeout_ms = 3000);
bool idle(const Totals& t);

// ---- memory ----
uint64_t mem_available();  // /proc/meminfo MemAvailable, bytes
uint64_t mem_total();
using Range = mdl::host::RamRange;  // System RAM (root only)
using mdl::host::system_ram;
using mdl::host::top_of_ram;

// ---- kernel log ----
// Reads /dev/kmsg from the moment it is created on.
class Kmsg {
 public:
  // New lines since the last call.
  std::vector<std::string> lines() { return log_.new_records(); }
  // New lines that are kernel reports (BUG, WARNING, Oops, KASAN, ...).
  std::vector<std::string> reports();
  // New lines about the OOM killer.
  static bool is_oom(const std::string& line);
  static bool is_report(const std::string& line);

 private:
  mdl::host::KernelLog log_;
};

// ---- processes ----
// Drops to uid/gid @uid (65534, nobody, by default) with no groups; false
// with errno on failure.
bool drop_privileges(uid_t uid = 65534);
// Runs @body in a child (optionally unprivileged); returns its exit status,
// or 128 + signal.
int run_child(const std::function<int()>& body, bool unprivileged = false);

// Monotonic seconds.
double now();

// Raw DRM ioctl without drmIoctl's EINTR/EAGAIN loop: 0 or the errno.
int xioctl(int fd, unsigned long request, void* arg);

// Allocates through @fd, fully required (the ioctl always is), in window 0
// with SkipBytes @skip: 0 or errno.
int alloc(int fd, uint64_t bytes, uint32_t* handle, uint32_t cache = DRM_MDL_CACHE_CACHED,
          uint32_t flags = 0, drm_mdl_alloc* out = nullptr, uint64_t skip = 0);
int free_handle(int fd, uint32_t handle);
// MAP_OFFSET + mmap(MAP_SHARED); nullptr with errno set on failure.
void* map(int fd, uint32_t handle, uint64_t bytes);

}  // namespace hard
