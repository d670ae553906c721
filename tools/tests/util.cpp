// SPDX-License-Identifier: MIT
#include "util.hpp"

#include <map>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

namespace mdltest {

std::optional<bool> expect_iommu() {
  const char* v = std::getenv("MDL_EXPECT_IOMMU");
  if (!v || !*v) return std::nullopt;
  return std::string(v) != "0";
}

bool devices_required() {
  const char* v = std::getenv("MDL_REQUIRE_EDU");
  if (v && *v) return std::string(v) != "0";
  return expect_iommu().has_value();
}

uint64_t page_size() { return static_cast<uint64_t>(sysconf(_SC_PAGESIZE)); }

bool is_root() { return geteuid() == 0; }

uint64_t reach(const mdl::Info& info) {
  uint64_t top = top_of_ram();
  if (!(info.caps & DRM_MDL_CAP_IOMMU) && info.dma_mask && info.dma_mask + 1 < top && info.dma_mask != ~0ull)
    top = info.dma_mask + 1;
  return top;
}

Range test_window(const mdl::Device& dev, const mdl::Info& info, uint64_t size) {
  constexpr uint64_t MiB = 1ull << 20;
  uint64_t end = reach(info);
  uint64_t first = 64 * MiB;
  if (first + size > end) first = end > size ? (end - size) / 2 : 0;
  first &= ~(page_size() - 1);
  Range fallback{first, std::min(end, first + size) - 1};
  // Where free memory lies depends on the kernel: a KASAN kernel fills the
  // low hundreds of MiB with its image and early allocations, swiotlb takes
  // 64 MiB more without an IOMMU. Only a root caller's requests may see
  // physical addresses, and only root tests ask for windows; probe there for
  // the first window whose first 32 MiB give 4 MiB, and 1 MiB in aligned
  // 64 KiB blocks (what the contiguous-chunk tests ask for), with the pool
  // off so the probe's pages go back to the buddy allocator rather than sit
  // in the pool. A window found earlier is probed again before it is
  // reused: over a debug kernel's ten-minute run, its unmovable allocations
  // can take every pageblock of a window that served the first tests.
  static std::map<uint64_t, Range> found;
  ModuleParam no_pool("pool_max_mb", "0");
  auto gives = [&](uint64_t base) {
    auto plain = request(4 * MiB);
    plain.low = base;
    plain.high = base + std::min<uint64_t>(size, 32 * MiB) - 1;
    auto blocks = request(1 * MiB, DRM_MDL_CACHE_CACHED, DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS);
    blocks.skip = 64 * 1024;
    blocks.low = plain.low;
    blocks.high = plain.high;
    return dev.alloc(plain) && dev.alloc(blocks);
  };
  if (auto it = found.find(size); it != found.end() && gives(it->second.first)) return it->second;
  for (uint64_t base = first; base + size <= end; base += 32 * MiB)
    if (gives(base)) return found[size] = Range{base, base + size - 1};
  return fallback;
}

void fill_random(std::span<std::byte> bytes, uint64_t seed) {
  std::mt19937_64 rng(seed);
  size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    uint64_t v = rng();
    std::memcpy(bytes.data() + i, &v, 8);
  }
  for (; i < bytes.size(); i++) bytes[i] = static_cast<std::byte>(rng() | 1);
}

bool all_zero(std::span<const std::byte> bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::byte b) { return b == std::byte{0}; });
}

int64_t first_difference(std::span<const std::byte> a, std::span<const std::byte> b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; i++)
    if (a[i] != b[i]) return static_cast<int64_t>(i);
  return a.size() == b.size() ? -1 : static_cast<int64_t>(n);
}

std::string run_in_child(const std::function<std::string()>& body) {
  int p[2];
  if (pipe(p) != 0) return std::string("pipe: ") + std::strerror(errno);
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) return std::string("fork: ") + std::strerror(errno);
  if (pid == 0) {
    close(p[0]);
    std::string msg;
    try {
      msg = body();
    } catch (const std::exception& e) {
      msg = std::string("exception: ") + e.what();
    }
    size_t off = 0;
    while (off < msg.size()) {
      ssize_t n = write(p[1], msg.data() + off, msg.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    _exit(msg.empty() ? 0 : 1);
  }
  close(p[1]);
  std::string msg;
  char buf[512];
  ssize_t n;
  while ((n = read(p[0], buf, sizeof(buf))) > 0) msg.append(buf, static_cast<size_t>(n));
  close(p[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) return "child killed by signal " + std::to_string(WTERMSIG(status));
  if (!WIFEXITED(status)) return "child did not exit";
  if (WEXITSTATUS(status) != 0 && msg.empty()) return "child failed without a message";
  return msg;
}

std::string run_unprivileged(const std::function<std::string()>& body) {
  return run_in_child([&]() -> std::string {
    if (setgroups(0, nullptr) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
      return std::string("dropping privileges failed: ") + std::strerror(errno);
    if (geteuid() == 0 || setuid(0) == 0) return "still root after setuid(65534)";
    return body();
  });
}

// ---- files ----

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

bool write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.flush();
  return static_cast<bool>(out);
}

ModuleParam::ModuleParam(const std::string& name, const std::string& value)
    : path_("/sys/module/mdl/parameters/" + name), old_(first_line(path_)) {
  ok_ = !old_.empty() && write_text(path_, value);
}

ModuleParam::~ModuleParam() {
  if (ok_) write_text(path_, old_);
}

// ---- debugfs ----

// DRM minor directories of @dev: "name" reads "mdl dev=<bus id> ...".
static std::vector<std::string> debugfs_dirs(const mdl::Device& dev) {
  const std::string root = "/sys/kernel/debug/dri";
  std::vector<std::string> out;
  DIR* d = opendir(root.c_str());
  if (!d) return out;
  std::vector<std::string> dirs;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    dirs.push_back(root + "/" + e->d_name);
  }
  closedir(d);
  std::sort(dirs.begin(), dirs.end());
  const std::string& id = dev.node().bus_id;
  for (const auto& dir : dirs) {
    std::string name = slurp(dir + "/name");
    if (name.rfind("mdl ", 0) != 0) continue;
    if (!id.empty() && name.find("dev=" + id + " ") == std::string::npos &&
        name.find("dev=" + id + "\n") == std::string::npos &&
        !(name.size() >= id.size() + 4 && name.ends_with("dev=" + id)))
      continue;
    out.push_back(dir);
  }
  return out;
}

std::string debugfs_dir(const mdl::Device& dev) {
  for (const auto& dir : debugfs_dirs(dev))
    if (!slurp(dir + "/mdl_totals").empty()) return dir;
  return {};
}

std::optional<uint64_t> debugfs_value(const mdl::Device& dev, const std::string& key) {
  std::string dir = debugfs_dir(dev);
  if (dir.empty()) return std::nullopt;
  // mdl_totals: "allocations: N", "pages: N", "bytes: N", "engine_pages: N"
  std::istringstream in(slurp(dir + "/mdl_totals"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) != 0) continue;
    try {
      return std::stoull(line.substr(key.size() + 1));
    } catch (...) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::optional<uint64_t> debugfs_total_pages(const mdl::Device& dev) {
  return debugfs_value(dev, "pages");
}

// ---- kernel log ----

std::vector<std::string> KmsgWatch::problems() {
  static const char* const kBad[] = {
      "WARNING:", "BUG:", "Oops", "kernel BUG", "general protection", "x86/PAT:",
      "conflicting memory types", "DMAR: DRHD: handling fault", "DMAR: [DMA", "DMA fault",
      "UBSAN:", "KASAN", "kmemleak", "refcount_t:", "list_add corruption",
      "list_del corruption", "sleeping function called", "possible circular locking",
      "Bad page", "page dumped because", "swiotlb buffer is full", "Call Trace:",
  };
  std::vector<std::string> out;
  for (auto& msg : log_.new_records())
    for (const char* bad : kBad)
      if (msg.find(bad) != std::string::npos) {
        out.push_back(msg);
        break;
      }
  return out;
}

void expect_clean_kernel_log(KmsgWatch& watch) {
  auto bad = watch.problems();
  std::string all;
  for (const auto& l : bad) all += "\n  " + l;
  EXPECT_TRUE(bad.empty()) << "the kernel logged problems during this test:" << all;
}

// ---- requests ----

mdl::Request request(uint64_t bytes, uint32_t cache, uint32_t flags) {
  mdl::Request r;
  r.total_bytes = bytes;
  r.cache_type = cache;
  r.flags = flags;
  return r;
}


int alloc_errno(const mdl::Device& dev, drm_mdl_alloc args) {
  int e = dev.ioctl(DRM_IOCTL_MDL_ALLOC, &args);
  if (e == 0) (void)dev.free(args.handle);
  return e;
}

// ---- devices ----

std::string which_name(Which w) {
  switch (w) {
    case Which::any: return "mdl device";
    case Which::edu: return "PCI edu mdl device";
    case Which::platform: return "platform mdl device";
  }
  return "?";
}

void PrintTo(Which w, std::ostream* os) { *os << which_name(w); }

std::optional<mdl::Device> open_device(Which which, std::string* why) {
  std::string ignored;
  if (!why) why = &ignored;
  auto nodes = mdl::find_nodes("mdl");
  if (!nodes) {
    *why = "cannot enumerate DRM devices: " + mdl::describe_errno(nodes.errnum());
    return std::nullopt;
  }
  const mdl::Node* pick = nullptr;
  for (const auto& n : *nodes) {
    if (which == Which::edu && !n.is_edu()) continue;
    if (which == Which::platform && n.bus != mdl::Bus::platform) continue;
    if (which == Which::any && !pick) pick = &n;
    if (which == Which::any && n.is_edu()) pick = &n;
    if (which != Which::any) {
      pick = &n;
      break;
    }
  }
  if (!pick) {
    *why = "no " + which_name(which) + " (is mdl.ko loaded?)";
    return std::nullopt;
  }
  auto dev = mdl::Device::open(*pick);
  if (!dev) {
    *why = "opening " + pick->path() + ": " + mdl::describe_errno(dev.errnum());
    return std::nullopt;
  }
  return std::move(dev).value();
}

static void open_for_test(Which which, mdl::Device& dev, mdl::Info& info) {
  std::string why;
  auto d = open_device(which, &why);
  if (!d) {
    if (devices_required())
      FAIL() << why << " [MDL_REQUIRE_EDU=1]";
    else
      GTEST_SKIP() << why;
  }
  dev = std::move(*d);
  auto i = dev.info();
  ASSERT_TRUE(i) << "DRM_IOCTL_MDL_INFO: " << mdl::describe_errno(i.errnum());
  info = *i;
}

void DeviceTest::SetUp() { open_for_test(which(), dev, info); }
void DeviceTest::TearDown() { expect_clean_kernel_log(*kmsg); }

void EachDeviceTest::SetUp() { open_for_test(GetParam(), dev, info); }
void EachDeviceTest::TearDown() { expect_clean_kernel_log(*kmsg); }

std::string which_param_name(const ::testing::TestParamInfo<Which>& p) {
  switch (p.param) {
    case Which::any: return "Any";
    case Which::edu: return "Edu";
    case Which::platform: return "Platform";
  }
  return "Unknown";
}

}  // namespace mdltest
