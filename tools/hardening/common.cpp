// SPDX-License-Identifier: MIT
#include "common.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

namespace hard {

void pass(const std::string& name, const std::string& text) {
  std::printf("PASS %s: %s\n", name.c_str(), text.c_str());
  std::fflush(stdout);
}

void fail(const std::string& name, const std::string& text) {
  std::printf("FAIL %s: %s\n", name.c_str(), text.c_str());
  std::fflush(stdout);
}

void note(const std::string& name, const std::string& text) {
  std::printf("  %s: %s\n", name.c_str(), text.c_str());
  std::fflush(stdout);
}

std::string errname(int err) { return err == 0 ? "0" : mdl::errno_name(err); }

std::string mib(uint64_t bytes) {
  char buf[64];
  if (bytes % MiB == 0)
    std::snprintf(buf, sizeof(buf), "%llu MiB", static_cast<unsigned long long>(bytes / MiB));
  else
    std::snprintf(buf, sizeof(buf), "%.1f MiB", static_cast<double>(bytes) / MiB);
  return buf;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int write_file(const std::string& path, const std::string& text) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  ssize_t n = write(fd, text.data(), text.size());
  int err = n < 0 ? errno : (static_cast<size_t>(n) == text.size() ? 0 : EIO);
  close(fd);
  return err;
}

bool exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

// ---- devices ----

std::vector<MdlNode> mdl_nodes() {
  std::vector<MdlNode> out;
  auto nodes = mdl::find_nodes("mdl");
  if (!nodes) return out;
  for (const auto& n : *nodes) {
    MdlNode m;
    m.path = n.path();
    m.edu = n.is_edu();
    m.bus_id = n.bus_id;
    out.push_back(m);
  }
  return out;
}

std::optional<MdlNode> edu_node() {
  for (auto& n : mdl_nodes())
    if (n.edu) return n;
  return std::nullopt;
}

std::optional<MdlNode> platform_node() {
  for (auto& n : mdl_nodes())
    if (!n.edu) return n;
  return std::nullopt;
}

std::string vgem_node() {
  auto nodes = mdl::find_nodes("vgem");
  if (!nodes || nodes->empty()) return {};
  const auto& n = (*nodes)[0];
  // The primary node: vgem creates dumb buffers only there.
  return n.primary_path.empty() ? n.path() : n.primary_path;
}

// ---- accounting ----

static std::optional<uint64_t> value_of(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) != 0) continue;
    try {
      return std::stoll(line.substr(key.size() + 1));
    } catch (...) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

Totals totals() {
  Totals t;
  const std::string root = "/sys/kernel/debug/dri";
  DIR* d = opendir(root.c_str());
  if (!d) return t;
  std::map<std::string, std::string> by_device;  // "name" line -> totals text
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::string dir = root + "/" + e->d_name;
    std::string text = slurp(dir + "/mdl_totals");
    if (text.empty()) continue;
    // The primary and the render minor of one device share "name".
    by_device[slurp(dir + "/name")] = text;
  }
  closedir(d);
  for (const auto& [name, text] : by_device) {
    t.devices++;
    t.allocations += value_of(text, "allocations").value_or(0);
    t.pages += value_of(text, "pages").value_or(0);
    t.bytes += value_of(text, "bytes").value_or(0);
    t.engine_pages = static_cast<int64_t>(value_of(text, "engine_pages").value_or(0));
    t.client_pages = value_of(text, "client_pages").value_or(0);
  }
  return t;
}

std::string describe(const Totals& t) {
  char buf[240];
  std::snprintf(buf, sizeof(buf),
                "allocations=%llu pages=%llu bytes=%llu engine_pages=%lld client_pages=%llu (%d devices)",
                static_cast<unsigned long long>(t.allocations),
                static_cast<unsigned long long>(t.pages),
                static_cast<unsigned long long>(t.bytes), static_cast<long long>(t.engine_pages),
                static_cast<unsigned long long>(t.client_pages), t.devices);
  return buf;
}

bool idle(const Totals& t) {
  return t.allocations == 0 && t.pages == 0 && t.bytes == 0 && t.engine_pages == 0 &&
         t.client_pages == 0;
}

Totals wait_idle(int timeout_ms) {
  Totals t = totals();
  for (int waited = 0; !idle(t) && waited < timeout_ms; waited += 50) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    t = totals();
  }
  return t;
}

// ---- memory ----

static uint64_t meminfo(const char* key) {
  std::ifstream in("/proc/meminfo");
  std::string line;
  std::string want = std::string(key) + ":";
  while (std::getline(in, line)) {
    if (line.rfind(want, 0) == 0) return std::stoull(line.substr(want.size())) * KiB;
  }
  return 0;
}

uint64_t mem_available() { return meminfo("MemAvailable"); }
uint64_t mem_total() { return meminfo("MemTotal"); }

// ---- kernel log ----

// The patterns of tools/vm/mdl-vm, which judges the whole log at the end;
// here they attribute a report to the step that caused it.
bool Kmsg::is_report(const std::string& line) {
  static const std::regex bad(
      R"(\bBUG\b|\bWARN|cut here|\bOops\b|general protection fault|DMAR: \[(DMA|INTR)|)"
      R"(DRHD: handling fault|fault addr|[Kk]ernel panic|KASAN|UBSAN|Call Trace|soft lockup|)"
      R"(hard LOCKUP|blocked for more than|rcu: INFO|detected stall|Bad page (state|map)|)"
      R"(list_(add|del) corruption|refcount_t: |page allocation failure|)"
      // The debug kernel's kmemleak (as mdl-vm copies it into the log),
      // lockdep's INFO reports and DMA-API debug running out of entries.
      R"(unreferenced object|new suspected memory leak|INFO: (possible|inconsistent|suspicious)|)"
      R"(DMA-API: debugging out of memory|dma-debug disabled)");
  return std::regex_search(line, bad);
}

bool Kmsg::is_oom(const std::string& line) {
  return line.find("Out of memory") != std::string::npos ||
         line.find("oom-kill") != std::string::npos ||
         line.find("invoked oom-killer") != std::string::npos ||
         line.find("Killed process") != std::string::npos;
}

std::vector<std::string> Kmsg::reports() {
  std::vector<std::string> out;
  for (auto& l : lines())
    if (is_report(l)) out.push_back(l);
  return out;
}

// ---- processes ----

bool drop_privileges(uid_t uid) {
  if (setgroups(0, nullptr) != 0 || setgid(uid) != 0 || setuid(uid) != 0) return false;
  if (geteuid() == 0 || setuid(0) == 0) {
    errno = EPERM;
    return false;
  }
  return true;
}

int run_child(const std::function<int()>& body, bool unprivileged) {
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) return 127;
  if (pid == 0) {
    if (unprivileged && !drop_privileges()) {
      std::printf("  cannot drop privileges: %s\n", std::strerror(errno));
      std::fflush(stdout);
      _exit(126);
    }
    int rc = 1;
    try {
      rc = body();
    } catch (const std::exception& e) {
      std::printf("  child: exception: %s\n", e.what());
    }
    std::fflush(stdout);
    _exit(rc);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 127;
}

double now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

int xioctl(int fd, unsigned long request, void* arg) {
  return ioctl(fd, request, arg) == 0 ? 0 : errno;
}

int alloc(int fd, uint64_t bytes, uint32_t* handle, uint32_t cache, uint32_t flags,
          drm_mdl_alloc* out, uint64_t skip) {
  drm_mdl_alloc a{};
  a.high = DRM_MDL_HIGH_UNLIMITED;
  a.skip = skip;
  a.total_bytes = bytes;
  a.cache_type = cache;
  a.flags = flags;
  int e = xioctl(fd, DRM_IOCTL_MDL_ALLOC, &a);
  if (!e && handle) *handle = a.handle;
  if (out) *out = a;
  return e;
}

int free_handle(int fd, uint32_t handle) {
  drm_mdl_free f{};
  f.handle = handle;
  return xioctl(fd, DRM_IOCTL_MDL_FREE, &f);
}

void* map(int fd, uint32_t handle, uint64_t bytes) {
  drm_mdl_map_offset m{};
  m.handle = handle;
  if (int e = xioctl(fd, DRM_IOCTL_MDL_MAP_OFFSET, &m)) {
    errno = e;
    return nullptr;
  }
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
                 static_cast<off_t>(m.offset));
  return p == MAP_FAILED ? nullptr : p;
}

}  // namespace hard
