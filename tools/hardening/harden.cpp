// SPDX-License-Identifier: MIT
//
// mdl_harden: the hardening scenarios of issue 5, one subcommand each. They
// run as root inside the test VM (tools/hardening/run.sh) and print
// "PASS name: ..." or "FAIL name: ..." plus one summary line with the
// figures; the exit status is 0 only on PASS.
//
//   mdl_harden load [--threads N] [--cycles N] [--hog]
//   mdl_harden usercap
//   mdl_harden cgroup
//   mdl_harden interrupt
//   mdl_harden close-race [--rounds N]
//   mdl_harden privileges
//   mdl_harden unload
//   mdl_harden unplug
//   mdl_harden window-walk
//   mdl_harden starve [--name NAME]
//   mdl_harden faultinject [--ioctls N] [--probability PERCENT] [--seed N]

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/dma-buf.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xf86drm.h>

#include <algorithm>
#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common.hpp"
#include "mdl/text.hpp"

using namespace hard;

namespace {

// ---------------------------------------------------------------- helpers --

struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
  ~Fd() {
    if (fd >= 0) close(fd);
  }
  void reset() {
    if (fd >= 0) close(fd);
    fd = -1;
  }
};

int open_node(const std::string& path) { return open(path.c_str(), O_RDWR | O_CLOEXEC); }

int export_fd(int fd, uint32_t handle, int* out, bool rdwr = true) {
  drm_prime_handle p{};
  p.handle = handle;
  p.flags = DRM_CLOEXEC | (rdwr ? DRM_RDWR : 0);
  p.fd = -1;
  int e = xioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p);
  if (!e) *out = p.fd;
  return e;
}

int import_fd(int fd, int dmabuf, uint32_t* handle) {
  drm_prime_handle p{};
  p.fd = dmabuf;
  int e = xioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);
  if (!e) *handle = p.handle;
  return e;
}

int gem_close(int fd, uint32_t handle) {
  drm_gem_close c{};
  c.handle = handle;
  return xioctl(fd, DRM_IOCTL_GEM_CLOSE, &c);
}

int get_pages(int fd, uint32_t handle, std::vector<drm_mdl_page_entry>* out, uint64_t count) {
  out->assign(count, {});
  drm_mdl_get_pages g{};
  g.handle = handle;
  g.count = count;
  g.entries_ptr = reinterpret_cast<uint64_t>(out->data());
  int e = xioctl(fd, DRM_IOCTL_MDL_GET_PAGES, &g);
  if (!e) out->resize(g.count);
  return e;
}

int dma_copy(int fd, uint32_t src, uint64_t src_off, uint32_t dst, uint64_t dst_off, uint64_t size) {
  drm_mdl_dma_copy c{};
  c.src_handle = src;
  c.dst_handle = dst;
  c.src_offset = src_off;
  c.dst_offset = dst_off;
  c.size = size;
  return xioctl(fd, DRM_IOCTL_MDL_DMA_COPY, &c);
}

// Clears @cap from this process's effective, permitted and inheritable sets.
bool drop_capability(unsigned cap) {
  __user_cap_header_struct hdr{};
  __user_cap_data_struct data[2]{};
  hdr.version = _LINUX_CAPABILITY_VERSION_3;
  if (syscall(SYS_capget, &hdr, data) != 0) return false;
  uint32_t bit = 1u << (cap % 32);
  data[cap / 32].effective &= ~bit;
  data[cap / 32].permitted &= ~bit;
  data[cap / 32].inheritable &= ~bit;
  return syscall(SYS_capset, &hdr, data) == 0;
}

void fill(uint8_t* p, size_t n, uint64_t seed) {
  std::mt19937_64 r(seed);
  for (size_t i = 0; i < n; i++) p[i] = static_cast<uint8_t>(r());
}

bool check_fill(const uint8_t* p, size_t n, uint64_t seed) {
  std::mt19937_64 r(seed);
  for (size_t i = 0; i < n; i++)
    if (p[i] != static_cast<uint8_t>(r())) return false;
  return true;
}

// Collects reports and OOM lines over one scenario.
struct LogCheck {
  Kmsg kmsg;
  uint64_t reports = 0;
  uint64_t ooms = 0;
  void poll() {
    for (auto& l : kmsg.lines()) {
      if (Kmsg::is_report(l)) {
        reports++;
        std::printf("  kernel: %s\n", l.c_str());
      }
      if (Kmsg::is_oom(l)) {
        ooms++;
        std::printf("  kernel (oom): %s\n", l.c_str());
      }
    }
  }
};

// Errors collected by a scenario: PASS when empty.
struct Verdict {
  std::string name;
  std::vector<std::string> problems;
  std::mutex lock;
  explicit Verdict(std::string n) : name(std::move(n)) {}
  void check(bool ok, const std::string& what) {
    if (ok) return;
    std::lock_guard<std::mutex> g(lock);
    if (problems.size() < 20) std::printf("  %s: %s\n", name.c_str(), what.c_str());
    problems.push_back(what);
  }
  int finish(const std::string& summary, LogCheck* log = nullptr, bool ooms_fail = false) {
    if (log) {
      log->poll();
      check(log->reports == 0, std::to_string(log->reports) + " kernel reports");
      if (ooms_fail) check(log->ooms == 0, std::to_string(log->ooms) + " OOM-killer lines");
    }
    std::printf("%s\n", summary.c_str());
    if (problems.empty()) {
      pass(name, summary);
      return 0;
    }
    fail(name, std::to_string(problems.size()) + " problems, first: " + problems.front());
    return 1;
  }
};

// Checks that nothing is left and says so for the summary line:
// "0 pages leaked" or what is left.
std::string check_idle(Verdict& v, const char* when) {
  Totals t = wait_idle();
  v.check(idle(t), std::string("not idle ") + when + ": " + describe(t));
  if (idle(t)) return "0 pages leaked";
  return std::to_string(std::max<int64_t>(static_cast<int64_t>(t.pages), t.engine_pages)) +
         " pages left (" + describe(t) + ")";
}

std::vector<MdlNode> nodes_or_die() {
  auto n = mdl_nodes();
  if (n.empty()) {
    fail("setup", "no mdl device");
    std::exit(1);
  }
  return n;
}

// ------------------------------------------------------------------ load --

struct LoadStats {
  std::atomic<bool> stop{false};  // the hog died: the verdict is in
  std::atomic<uint64_t> cycles{0}, ok{0}, enomem{0}, other{0}, bad_data{0};
  std::atomic<uint64_t> big{0}, big_enomem{0};
  std::mutex lock;
  std::map<std::string, uint64_t> errors;
};

void load_thread(int fd, int id, uint64_t cycles, bool big_requests, LoadStats* st, Verdict* v) {
  std::mt19937_64 rng(0x10ad0000u + static_cast<unsigned>(id));
  static const uint64_t sizes[] = {4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, 1 * MiB};
  std::vector<drm_mdl_page_entry> pages;
  for (uint64_t c = 0; c < cycles && !st->stop; c++) {
    if (big_requests && c % 1000 == 999) {
      // More than the machine has: must fail, and fail cleanly.
      uint64_t want = std::min<uint64_t>(mem_total() * 2, 4 * GiB - kPage);
      uint32_t h;
      int e = alloc(fd, want, &h);
      st->big++;
      if (e == ENOMEM) st->big_enomem++;
      v->check(e == ENOMEM, "an allocation of " + mib(want) + " gave " + errname(e));
      if (!e) free_handle(fd, h);
    }
    uint64_t size = rng() % 6 == 5 ? 1 + rng() % MiB : sizes[rng() % 5];
    uint32_t cache = static_cast<uint32_t>(rng() % 3);
    uint32_t flags = 0;
    if (rng() % 8 == 0) flags = DRM_MDL_ALLOC_PREFER_CONTIGUOUS;
    if (rng() % 16 == 0 && size <= 64 * KiB) flags = DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS;
    uint32_t h = 0;
    drm_mdl_alloc reply{};
    int e = alloc(fd, size, &h, cache, flags, &reply);
    st->cycles++;
    if (e == ENOMEM) {
      st->enomem++;
      continue;
    }
    if (e) {
      st->other++;
      std::lock_guard<std::mutex> g(st->lock);
      st->errors[errname(e)]++;
      continue;
    }
    uint64_t bytes = reply.byte_count;
    auto* m = static_cast<uint8_t*>(map(fd, h, bytes));
    if (!m) {
      v->check(false, "mmap of a fresh allocation: " + errname(errno));
    } else {
      bool zero = m[0] == 0 && m[bytes - 1] == 0 && m[bytes / 2] == 0;
      m[0] = static_cast<uint8_t>(id + 1);
      m[bytes - 1] = static_cast<uint8_t>(c);
      bool kept = m[0] == static_cast<uint8_t>(id + 1) && m[bytes - 1] == static_cast<uint8_t>(c);
      if (!zero || !kept) st->bad_data++;
      munmap(m, bytes);
    }
    if (c % 16 == 0) {
      int g = get_pages(fd, h, &pages, std::min<uint64_t>(16, bytes / kPage));
      v->check(g == 0, "GET_PAGES: " + errname(g));
    }
    int f = free_handle(fd, h);
    v->check(f == 0, "FREE: " + errname(f));
    if (!f) st->ok++;
  }
}

struct LoadRun {
  double secs = 0;
  uint64_t cycles = 0, ok = 0, enomem = 0, other = 0, bad = 0, big = 0, big_enomem = 0;
};

LoadRun run_load(const std::vector<MdlNode>& nodes, int threads, uint64_t cycles, bool big,
                 Verdict& v, pid_t hog = -1) {
  // Per device one fd shared by half of its threads; the other half open
  // their own.
  std::vector<Fd> shared;
  for (auto& n : nodes) shared.emplace_back(open_node(n.path));
  std::vector<Fd> own;
  std::vector<std::thread> ts;
  LoadStats st;
  double t0 = now();
  for (int i = 0; i < threads; i++) {
    size_t d = static_cast<size_t>(i) % nodes.size();
    int fd;
    if ((static_cast<size_t>(i) / nodes.size()) % 2 == 0) {
      fd = shared[d].fd;
    } else {
      own.emplace_back(open_node(nodes[d].path));
      fd = own.back().fd;
    }
    ts.emplace_back(load_thread, fd, i, cycles, big, &st, &v);
  }
  // Once the hog is gone the test has failed; more load would only feed
  // the OOM killer whatever is left.
  std::thread watch([&] {
    while (hog > 0 && !st.stop && kill(hog, 0) == 0) {
      int status;
      if (waitpid(hog, &status, WNOHANG) == hog) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (hog > 0) st.stop = true;
  });
  for (auto& t : ts) t.join();
  st.stop = true;
  watch.join();
  LoadRun r;
  r.secs = now() - t0;
  r.cycles = st.cycles;
  r.ok = st.ok;
  r.enomem = st.enomem;
  r.other = st.other;
  r.bad = st.bad_data;
  r.big = st.big;
  r.big_enomem = st.big_enomem;
  for (auto& [err, n] : st.errors) v.check(false, std::to_string(n) + " allocations failed with " + err);
  v.check(r.bad == 0, std::to_string(r.bad) + " allocations not zero-filled or not writable");
  return r;
}

// A process that holds most of the memory, touched and locked, until killed.
pid_t start_hog(uint64_t bytes) {
  int p[2];
  if (pipe(p) != 0) return -1;
  std::fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    close(p[0]);
    // An ordinary process, not the parent's -1000: with nobody left to
    // kill, the kernel would panic ("System is deadlocked on memory").
    write_file("/proc/self/oom_score_adj", "0");
    void* m = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char ok = 0;
    if (m != MAP_FAILED) {
      for (uint64_t i = 0; i < bytes; i += kPage) static_cast<volatile char*>(m)[i] = 1;
      mlock(m, bytes);
      ok = 1;
    }
    if (write(p[1], &ok, 1) != 1) _exit(1);
    for (;;) pause();
  }
  close(p[1]);
  char ok = 0;
  if (read(p[0], &ok, 1) != 1 || !ok) {
    close(p[0]);
    return -1;
  }
  close(p[0]);
  return pid;
}

int cmd_load(int argc, char** argv) {
  int threads = 8;
  uint64_t cycles = 10000;
  bool hog = false;
  for (int i = 0; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (a == "--cycles" && i + 1 < argc) cycles = std::stoull(argv[++i]);
    else if (a == "--hog") hog = true;
  }
  auto nodes = nodes_or_die();
  Verdict v(hog ? "load-hog" : "load");
  LogCheck log;
  Totals t0 = totals();
  v.check(idle(t0), "not idle before: " + describe(t0));

  pid_t hog_pid = -1;
  uint64_t hog_bytes = 0;
  uint64_t avail_before = mem_available();
  if (hog) {
    // The OOM killer, if the driver lets it loose, must pick the hog (the
    // "other process" that must not be killed) and not this process, so
    // that the run reports instead of dying. -999 keeps this process a
    // last resort, so that the kernel never finds nothing to kill.
    write_file("/proc/self/oom_score_adj", "-999");
    // All but 160 MiB of what is available: the allocations below, the
    // guest's own needs and page tables share that. MemAvailable is an
    // estimate; measured, 64 MiB less was not enough to touch the rest.
    hog_bytes = avail_before > 320 * MiB ? avail_before - 160 * MiB : avail_before / 2;
    hog_pid = start_hog(hog_bytes);
    v.check(hog_pid > 0, "the hog could not take " + mib(hog_bytes));
  }
  uint64_t avail_during = mem_available();
  LoadRun r = run_load(nodes, threads, cycles, hog, v, hog_pid);
  log.poll();

  bool hog_alive = false;
  if (hog && hog_pid > 0) {
    int status = 0;
    pid_t w = waitpid(hog_pid, &status, WNOHANG);
    hog_alive = w == 0 && kill(hog_pid, 0) == 0;
    v.check(hog_alive, "the memory hog did not survive the load");
    kill(hog_pid, SIGKILL);
    waitpid(hog_pid, &status, 0);
  }
  if (hog) write_file("/proc/self/oom_score_adj", "0");
  std::string leaked = check_idle(v, "after the load");

  char line[640];
  if (!hog) {
    std::snprintf(line, sizeof(line),
                  "load: %d threads x %" PRIu64 " cycles (shared and own fds, %zu devices), %" PRIu64
                  " allocated+mapped+freed, %" PRIu64 " ENOMEM, %" PRIu64
                  " other errors, %.0f s (%.0f cycles/s), %s",
                  threads, cycles, nodes.size(), r.ok, r.enomem, r.other, r.secs,
                  static_cast<double>(r.cycles) / r.secs, leaked.c_str());
  } else {
    std::snprintf(line, sizeof(line),
                  "load-hog: hog held %s (available %s -> %s); %d threads x %" PRIu64
                  " cycles: %" PRIu64 " ok, %" PRIu64 " ENOMEM, %" PRIu64
                  " other errors; over-size requests %" PRIu64 "/%" PRIu64
                  " ENOMEM; %" PRIu64 " OOM-killer lines, hog %s, %.0f s, %s",
                  mib(hog_bytes).c_str(), mib(avail_before).c_str(), mib(avail_during).c_str(),
                  threads, cycles, r.ok, r.enomem, r.other, r.big_enomem, r.big, log.ooms,
                  hog_alive ? "alive" : "KILLED", r.secs, leaked.c_str());
  }
  return v.finish(line, &log, true);
}

// ---------------------------------------------------------------- usercap --

const char* kParam = "/sys/module/mdl/parameters/max_user_mb";

// max_user_mb bounds one uid through all its files and the dma-bufs it
// exported, until the pages are freed: opening the node again or exporting
// and closing the file gains nothing.
int cmd_usercap() {
  auto nodes = nodes_or_die();
  Verdict v("usercap");
  LogCheck log;
  std::string old = slurp(kParam);
  if (old.empty()) {
    fail("usercap", std::string(kParam) + " is missing");
    return 1;
  }
  v.check(!exists("/sys/module/mdl/parameters/max_file_mb"), "max_file_mb is still there");
  v.check(write_file(kParam, "8") == 0, "cannot set max_user_mb");
  // Root's CAP_IPC_LOCK would go past the limit, as past RLIMIT_MEMLOCK.
  v.check(drop_capability(CAP_IPC_LOCK), "cannot drop CAP_IPC_LOCK: " + errname(errno));
  const std::string& path = nodes[0].path;
  int other_uid = -1;
  {
    int dmabuf = -1;
    {
      Fd a(open_node(path)), b(open_node(path)), c(open_node(path));
      uint32_t h1, h2, h3;
      int e = alloc(a.fd, 6 * MiB, &h1);
      v.check(e == 0, "6 MiB under an 8 MiB cap: " + errname(e));
      e = alloc(b.fd, 4 * MiB, &h2);
      v.check(e == ENOMEM,
              "6 MiB on one file + 4 MiB on another of the same uid: " + errname(e) + ", want ENOMEM");
      e = alloc(c.fd, 9 * MiB, &h3);
      v.check(e == ENOMEM, "9 MiB in one request: " + errname(e));
      e = alloc(c.fd, 2 * MiB, &h3);
      v.check(e == 0, "2 MiB up to the cap on a third file: " + errname(e));
      e = export_fd(a.fd, h1, &dmabuf);
      v.check(e == 0, "export: " + errname(e));
    }  // all three files closed: the 6 MiB live on in the dma-buf
    Fd b(open_node(path));
    uint32_t h;
    int e = alloc(b.fd, 4 * MiB, &h);
    v.check(e == ENOMEM,
            "4 MiB with the exporting file closed, its dma-buf open: " + errname(e) + ", want ENOMEM");
    e = alloc(b.fd, 2 * MiB, &h);
    v.check(e == 0, "2 MiB up to the cap: " + errname(e));
    // Another uid has a cap of its own.
    other_uid = run_child(
        [&path]() {
          Fd f(open_node(path));
          uint32_t oh;
          return alloc(f.fd, 8 * MiB, &oh) == 0 ? 0 : 1;
        },
        true);
    v.check(other_uid == 0, "8 MiB as uid 65534 while root's uid is at its cap: status " +
                                std::to_string(other_uid));
    if (dmabuf >= 0) close(dmabuf);
    e = alloc(b.fd, 6 * MiB, &h);
    v.check(e == 0, "6 MiB once the dma-buf is closed: " + errname(e));
  }
  check_idle(v, "after the cap test");

  // Eight threads race for 2 MiB each on three files of one uid: never more
  // than the cap.
  std::atomic<int> won{0}, lost{0}, other{0};
  std::atomic<bool> go{false};
  uint64_t peak_bytes = 0;
  {
    Fd files[3] = {Fd(open_node(path)), Fd(open_node(path)), Fd(open_node(path))};
    std::vector<std::thread> ts;
    for (int i = 0; i < 8; i++)
      ts.emplace_back([&, i] {
        while (!go) std::this_thread::yield();
        uint32_t h;
        int e = alloc(files[i % 3].fd, 2 * MiB, &h);
        if (!e)
          won++;
        else if (e == ENOMEM)
          lost++;
        else
          other++;
      });
    go = true;
    for (auto& t : ts) t.join();
    peak_bytes = totals().bytes;
  }
  v.check(won == 4 && lost == 4 && other == 0,
          "8 racing 2 MiB requests on 3 files under 8 MiB: " + std::to_string(won.load()) +
              " won, " + std::to_string(lost.load()) + " ENOMEM, " + std::to_string(other.load()) +
              " other");
  v.check(peak_bytes <= 8 * MiB, "the racing files held " + mib(peak_bytes));
  write_file(kParam, old.substr(0, old.find('\n')));
  std::string leaked = check_idle(v, "after the race");
  char line[400];
  std::snprintf(line, sizeof(line),
                "usercap: max_user_mb=8: 6 MiB + 4 MiB on another file -> ENOMEM, 4 MiB with the "
                "exporting file closed -> ENOMEM until the dma-buf is, another uid unaffected, "
                "8 racing 2 MiB requests on 3 files -> %d granted + %d ENOMEM (%s held), %s",
                won.load(), lost.load(), mib(peak_bytes).c_str(), leaked.c_str());
  return v.finish(line, &log);
}

// ----------------------------------------------------------------- cgroup --

int cmd_cgroup() {
  auto nodes = nodes_or_die();
  Verdict v("cgroup");
  LogCheck log;
  const std::string root = "/sys/fs/cgroup";
  mkdir(root.c_str(), 0755);
  if (!exists(root + "/cgroup.controllers") &&
      mount("none", root.c_str(), "cgroup2", 0, nullptr) != 0) {
    fail("cgroup", "cannot mount cgroup2: " + errname(errno));
    return 1;
  }
  if (slurp(root + "/cgroup.controllers").find("memory") == std::string::npos) {
    fail("cgroup", "no memory controller");
    return 1;
  }
  write_file(root + "/cgroup.subtree_control", "+memory");
  const std::string cg = root + "/mdl-hardening";
  rmdir(cg.c_str());
  if (mkdir(cg.c_str(), 0755) != 0) {
    fail("cgroup", "mkdir " + cg + ": " + errname(errno));
    return 1;
  }
  v.check(write_file(cg + "/memory.max", "64M") == 0, "cannot set memory.max");
  const std::string path = nodes[0].path;

  // The child reports what it saw through a pipe: one line per request.
  int p[2];
  if (pipe(p) != 0) return 1;
  int rc = run_child([&]() -> int {
    close(p[0]);
    write_file(cg + "/cgroup.procs", std::to_string(getpid()));
    std::string out;
    Fd f(open_node(path));
    auto current = [&] { return std::stoull("0" + slurp(cg + "/memory.current")); };
    uint32_t h;
    struct Try {
      const char* what;
      uint64_t bytes, skip;
      uint32_t flags;
    };
    const Try tries[] = {
        {"128MiB", 128 * MiB, 0, 0},
        {"128MiB-contiguous-8MiB-blocks", 128 * MiB, 8 * MiB, DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS},
        {"128MiB-prefer-contiguous", 128 * MiB, 0, DRM_MDL_ALLOC_PREFER_CONTIGUOUS},
        {"32MiB-contiguous-8MiB-blocks", 32 * MiB, 8 * MiB, DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS},
    };
    for (const auto& t : tries) {
      drm_mdl_alloc a{};
      a.high = DRM_MDL_HIGH_UNLIMITED;
      a.total_bytes = t.bytes;
      a.skip = t.skip;
      a.flags = t.flags;
      a.cache_type = DRM_MDL_CACHE_CACHED;
      int e = xioctl(f.fd, DRM_IOCTL_MDL_ALLOC, &a);
      // Held: what the cgroup was charged for it.
      out += std::string(t.what) + " " + errname(e) + " " + std::to_string(e ? 0 : current()) + "\n";
      if (!e) free_handle(f.fd, a.handle);
    }
    uint64_t before = current();
    int e = alloc(f.fd, 32 * MiB, &h);
    uint64_t during = current();
    if (!e) free_handle(f.fd, h);
    uint64_t after = current();
    out += "32MiB " + errname(e) + " " + std::to_string(before) + " " + std::to_string(during) +
           " " + std::to_string(after) + "\n";
    return write(p[1], out.data(), out.size()) == static_cast<ssize_t>(out.size()) ? 0 : 1;
  });
  close(p[1]);
  std::string report;
  char buf[512];
  ssize_t n;
  while ((n = read(p[0], buf, sizeof(buf))) > 0) report.append(buf, static_cast<size_t>(n));
  close(p[0]);
  v.check(rc == 0, "the child in the cgroup ended with status " + std::to_string(rc));

  std::map<std::string, std::vector<std::string>> got;
  {
    size_t pos = 0;
    while (pos < report.size()) {
      size_t nl = report.find('\n', pos);
      std::string l = report.substr(pos, nl - pos);
      pos = nl == std::string::npos ? report.size() : nl + 1;
      std::vector<std::string> w;
      size_t s = 0;
      while (s < l.size()) {
        size_t sp = l.find(' ', s);
        w.push_back(l.substr(s, sp - s));
        s = sp == std::string::npos ? l.size() : sp + 1;
      }
      if (!w.empty()) got[w[0]] = std::vector<std::string>(w.begin() + 1, w.end());
    }
  }
  for (const char* k : {"128MiB", "128MiB-prefer-contiguous"}) {
    std::string e = got.count(k) ? got[k][0] : "missing";
    std::string cur = got.count(k) && got[k].size() > 1 ? got[k][1] : "0";
    v.check(e == "ENOMEM", std::string(k) + " inside memory.max=64M: " + e + ", want ENOMEM" +
                               (e == "0" ? " (memory.current " + mib(std::stoull(cur)) +
                                               " while it was held: the pages were not charged)"
                                         : ""));
  }
  // Blocks beyond the buddy allocator's largest order come from
  // alloc_contig_range(), which 6.1 gives no way to charge. The engine
  // never uses exact placement for a charged request (mdl_may_use_contig()
  // in mdl_chunk.c), so 8 MiB blocks fail inside the cgroup even where they
  // would fit under memory.max: repeated, they would go past it.
  std::string contig = "missing";
  {
    const char* k = "128MiB-contiguous-8MiB-blocks";
    contig = got.count(k) ? got[k][0] : "missing";
    uint64_t cur = got.count(k) && got[k].size() > 1 ? std::stoull(got[k][1]) : 0;
    v.check(contig == "ENOMEM", std::string(k) + " inside memory.max=64M: " + contig + ", want ENOMEM" +
                                    (contig == "0" ? " (memory.current " + mib(cur) + " while it was held)" : ""));
    const char* fits = "32MiB-contiguous-8MiB-blocks";
    std::string fe = got.count(fits) ? got[fits][0] : "missing";
    v.check(fe == "ENOMEM", std::string(fits) + " inside memory.max=64M: " + fe +
                                ", want ENOMEM (exact placement is never charged)");
    contig += ", 32 MiB in 8 MiB blocks -> " + fe;
  }
  uint64_t charged = 0;
  if (got.count("32MiB") && got["32MiB"].size() == 4) {
    auto& w = got["32MiB"];
    v.check(w[0] == "0", "32 MiB inside the cgroup: " + w[0]);
    uint64_t b = std::stoull(w[1]), d = std::stoull(w[2]), a = std::stoull(w[3]);
    charged = d > b ? d - b : 0;
    // Other charges of the cgroup come and go meanwhile: a little slack.
    v.check(charged >= 31 * MiB, "32 MiB raised memory.current by only " + mib(charged) +
                                     ": the pages are not charged to the cgroup");
    v.check(a + 4 * MiB < d, "memory.current did not drop after the free");
  } else {
    v.check(false, "no report for the 32 MiB request");
  }
  std::string events = slurp(cg + "/memory.events");
  auto oom_kills = events.find("oom_kill 0") != std::string::npos;
  v.check(oom_kills, "memory.events: " + events);

  // Outside the cgroup the same requests are unaffected.
  {
    Fd f(open_node(path));
    uint32_t h;
    int e = alloc(f.fd, 128 * MiB, &h);
    v.check(e == 0, "128 MiB outside the cgroup: " + errname(e));
    if (!e) free_handle(f.fd, h);
    e = alloc(f.fd, 32 * MiB, &h, DRM_MDL_CACHE_CACHED, DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS,
              nullptr, 8 * MiB);
    v.check(e == 0, "32 MiB in 8 MiB blocks outside the cgroup: " + errname(e));
    if (!e) free_handle(f.fd, h);
    contig += " (outside the cgroup: " + errname(e) + ")";
  }
  rmdir(cg.c_str());
  check_idle(v, "after the cgroup test");
  char line[600];
  std::snprintf(line, sizeof(line),
                "cgroup: memory.max=64M: 128 MiB -> %s, 128 MiB prefer-contiguous -> %s; 32 MiB "
                "charged %s to memory.current; outside the cgroup 128 MiB ok; 0 OOM kills; "
                "128 MiB in 8 MiB contiguous blocks -> %s",
                got.count("128MiB") ? got["128MiB"][0].c_str() : "?",
                got.count("128MiB-prefer-contiguous") ? got["128MiB-prefer-contiguous"][0].c_str() : "?",
                mib(charged).c_str(), contig.c_str());
  return v.finish(line, &log, true);
}

// -------------------------------------------------------------- interrupt --

const char* kTracing = "/sys/kernel/tracing";

bool setup_kretprobe() {
  if (!exists(std::string(kTracing) + "/kprobe_events"))
    mount("nodev", kTracing, "tracefs", 0, nullptr);
  std::string ev = std::string(kTracing) + "/kprobe_events";
  write_file(ev, "-:mdlhard/alloc_ret");
  // Appending: open with O_APPEND through a shell-free write.
  int fd = open(ev.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) return false;
  std::string def = "r:mdlhard/alloc_ret mdl:mdl_ioctl_alloc ret=$retval:s32\n";
  bool ok = write(fd, def.data(), def.size()) == static_cast<ssize_t>(def.size());
  close(fd);
  if (!ok) return false;
  write_file(std::string(kTracing) + "/trace", "");
  return write_file(std::string(kTracing) + "/events/mdlhard/alloc_ret/enable", "1") == 0;
}

void remove_kretprobe() {
  write_file(std::string(kTracing) + "/events/mdlhard/alloc_ret/enable", "0");
  int fd = open((std::string(kTracing) + "/kprobe_events").c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd >= 0) {
    std::string del = "-:mdlhard/alloc_ret\n";
    (void)!write(fd, del.data(), del.size());
    close(fd);
  }
}

// The return value mdl_ioctl_alloc() gave the process @pid, from the trace.
std::optional<int> traced_return(pid_t pid) {
  std::string trace = slurp(std::string(kTracing) + "/trace");
  std::optional<int> ret;
  size_t pos = 0;
  while ((pos = trace.find('\n', pos)) != std::string::npos) {
    size_t start = trace.rfind('\n', pos - 1);
    start = start == std::string::npos ? 0 : start + 1;
    std::string l = trace.substr(start, pos - start);
    pos++;
    if (l.find("alloc_ret") == std::string::npos) continue;
    if (l.find("-" + std::to_string(pid) + " ") == std::string::npos) continue;
    auto r = l.find("ret=");
    if (r != std::string::npos) ret = std::atoi(l.c_str() + r + 4);
  }
  return ret;
}

int cmd_interrupt() {
  auto nodes = nodes_or_die();
  Verdict v("interrupt");
  LogCheck log;
  // The edu device: the IOMMU path, the expensive one.
  std::string path = nodes[0].path;
  uint64_t avail = mem_available();
  uint64_t want = std::min<uint64_t>(GiB, (avail > 256 * MiB ? avail - 192 * MiB : avail / 2)) & ~(MiB - 1);
  uint64_t want_pages = want / kPage;

  // The full allocation once, uninterrupted: it can be had, and how long it takes.
  double t_full = 0;
  {
    Fd f(open_node(path));
    uint32_t h;
    double t0 = now();
    int e = alloc(f.fd, want, &h);
    t_full = now() - t0;
    v.check(e == 0, "the uninterrupted " + mib(want) + " allocation: " + errname(e));
    if (!e) free_handle(f.fd, h);
  }
  check_idle(v, "after the uninterrupted allocation");
  bool traced = setup_kretprobe();
  if (!traced) std::printf("  interrupt: no kretprobe (tracefs/kprobes); EINTR cannot be shown\n");

  int kills = 0;
  std::string leaked = "not measured";
  uint64_t pages_at_kill = 0;
  double t_kill = 0;
  std::optional<int> ret;
  for (int attempt = 0; attempt < 3 && !kills; attempt++) {
    int p[2];
    if (pipe(p) != 0) break;
    std::fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
      close(p[0]);
      int fd = open_node(path);
      char c = 1;
      if (write(p[1], &c, 1) != 1) _exit(1);
      uint32_t h;
      int e = alloc(fd, want, &h);
      _exit(e == 0 ? 0 : 2);
    }
    close(p[1]);
    char c;
    (void)!read(p[0], &c, 1);
    close(p[0]);
    double t0 = now();
    int64_t base = totals().engine_pages;
    // Kill once a third of the pages are in: the middle of the request.
    for (;;) {
      int64_t in = totals().engine_pages - base;
      int status;
      if (waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        break;
      }
      if (in >= static_cast<int64_t>(want_pages / 3)) {
        pages_at_kill = static_cast<uint64_t>(in);
        t_kill = now() - t0;
        kill(pid, SIGKILL);
        break;
      }
      if (now() - t0 > 120) {
        kill(pid, SIGKILL);
        break;
      }
      usleep(2000);
    }
    if (pid > 0) {
      int status = 0;
      waitpid(pid, &status, 0);
      if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && pages_at_kill) {
        kills++;
        if (traced) ret = traced_return(pid);
      }
    }
    leaked = check_idle(v, "after the killed allocation");
  }
  if (traced) remove_kretprobe();
  v.check(kills == 1, "could not kill the allocation in its middle");
  if (traced) v.check(ret && *ret == -EINTR, "mdl_ioctl_alloc returned " +
                                                 (ret ? std::to_string(*ret) : std::string("nothing")) +
                                                 " to the killed process, want -EINTR (-4)");
  char line[300];
  std::snprintf(line, sizeof(line),
                "interrupt: SIGKILL after %s of a %s allocation (%.2f s of %.2f s), ioctl returned %s, %s",
                mib(pages_at_kill * kPage).c_str(), mib(want).c_str(), t_kill, t_full,
                ret ? (*ret == -EINTR ? "-EINTR" : std::to_string(*ret).c_str()) : "(not traced)",
                leaked.c_str());
  return v.finish(line, &log);
}

// ------------------------------------------------------------- close-race --

int cmd_close_race(int argc, char** argv) {
  int rounds = 200;
  for (int i = 0; i < argc; i++)
    if (std::string(argv[i]) == "--rounds" && i + 1 < argc) rounds = std::atoi(argv[++i]);
  auto nodes = nodes_or_die();
  Verdict v("close-race");
  LogCheck log;
  std::atomic<uint64_t> ioctls{0};
  std::map<std::string, uint64_t> seen;
  std::mutex seen_lock;
  std::mt19937_64 rng(42);
  double t0 = now();
  int mappings_ok = 0;

  for (int r = 0; r < rounds; r++) {
    const MdlNode& node = nodes[static_cast<size_t>(r) % nodes.size()];
    int fd = open_node(node.path);
    int dup_fd = (r % 4 == 3) ? dup(fd) : -1;  // a duplicate keeps the file open
    std::vector<uint32_t> handles;
    for (int i = 0; i < 4; i++) {
      uint32_t h;
      if (!alloc(fd, (1 + static_cast<uint64_t>(i)) * 16 * KiB, &h)) handles.push_back(h);
    }
    if (handles.size() < 2) {
      v.check(false, "setup allocations failed");
      close(fd);
      continue;
    }
    auto* m = static_cast<uint8_t*>(map(fd, handles[0], 16 * KiB));
    if (m) fill(m, 16 * KiB, static_cast<uint64_t>(r));
    int dmabuf = -1;
    export_fd(fd, handles[1], &dmabuf);

    std::atomic<bool> stop{false};
    auto worker = [&](int kind) {
      std::mt19937_64 wr(static_cast<uint64_t>(r * 8 + kind));
      std::map<std::string, uint64_t> mine;
      std::vector<drm_mdl_page_entry> pages(8);
      for (int i = 0; i < 400 && !stop; i++) {
        uint32_t h = handles[wr() % handles.size()];
        int e;
        switch ((kind + i) % 5) {
          case 0: {
            drm_mdl_get_pages g{};
            g.handle = h;
            g.count = 4;
            g.entries_ptr = reinterpret_cast<uint64_t>(pages.data());
            e = xioctl(fd, DRM_IOCTL_MDL_GET_PAGES, &g);
            break;
          }
          case 1: {
            drm_mdl_map_offset mo{};
            mo.handle = h;
            e = xioctl(fd, DRM_IOCTL_MDL_MAP_OFFSET, &mo);
            break;
          }
          case 2: {
            int out = -1;
            e = export_fd(fd, h, &out);
            if (!e) close(out);
            break;
          }
          case 3: {
            // Races a FREE of one handle against the others' use of it.
            e = (wr() % 8 == 0) ? free_handle(fd, h) : xioctl(fd, DRM_IOCTL_MDL_INFO, &pages[0]);
            break;
          }
          default: {
            uint32_t nh;
            e = alloc(fd, 4 * KiB, &nh);
            break;
          }
        }
        ioctls++;
        mine[errname(e)]++;
        if (e == EBADF) break;
      }
      std::lock_guard<std::mutex> g(seen_lock);
      for (auto& [k, n] : mine) seen[k] += n;
    };
    std::vector<std::thread> ts;
    for (int k = 0; k < 3; k++) ts.emplace_back(worker, k);
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 3000));
    close(fd);
    if (dup_fd >= 0) {
      std::this_thread::sleep_for(std::chrono::microseconds(rng() % 2000));
      close(dup_fd);
    }
    stop = true;
    for (auto& t : ts) t.join();
    // The mapping and the dma-buf outlive the file.
    if (m) {
      bool ok = check_fill(m, 16 * KiB, static_cast<uint64_t>(r));
      v.check(ok, "a mapping lost its data when the file was closed under it");
      mappings_ok += ok;
      munmap(m, 16 * KiB);
    }
    if (dmabuf >= 0) close(dmabuf);
    log.poll();
    if (log.reports) break;
  }
  std::string leaked = check_idle(v, "after the close races");
  std::string errs;
  for (auto& [k, n] : seen) errs += " " + k + "=" + std::to_string(n);
  char line[400];
  std::snprintf(line, sizeof(line),
                "close-race: %d rounds of close() under 3 threads using the fd's handles (%" PRIu64
                " ioctls:%s), %d mappings kept their data, %.0f s, %s",
                rounds, ioctls.load(), errs.c_str(), mappings_ok, now() - t0, leaked.c_str());
  return v.finish(line, &log);
}

// ------------------------------------------------------------- privileges --

// Root without CAP_SYS_ADMIN.
bool drop_sys_admin() { return drop_capability(CAP_SYS_ADMIN); }

// DONT_ZERO and placement refused, physical addresses zero, and DMA
// addresses too where they are the physical ones: 0, or 1 with a message.
int unprivileged_checks(int fd, const char* who) {
  uint32_t h;
  int e = alloc(fd, 64 * KiB, &h, DRM_MDL_CACHE_CACHED, DRM_MDL_ALLOC_DONT_ZERO);
  if (e != EPERM) {
    std::printf("  privileges: %s: DONT_ZERO gave %s, want EPERM\n", who, errname(e).c_str());
    if (!e) free_handle(fd, h);
    return 1;
  }
  struct Placement {
    const char* what;
    uint64_t low, high, skip;
  };
  for (const Placement& p : {Placement{"a one-page window", 0x10000000, 0x10000fff, 0},
                             Placement{"a window from 16 MiB", 16 * MiB, ~0ull, 0},
                             Placement{"SkipBytes", 0, 0xffffffff, 1ull << 32}}) {
    drm_mdl_alloc a{};
    a.low = p.low;
    a.high = p.high;
    a.skip = p.skip;
    a.total_bytes = 4 * KiB;
    e = xioctl(fd, DRM_IOCTL_MDL_ALLOC, &a);
    if (e != EPERM) {
      std::printf("  privileges: %s: %s gave %s, want EPERM\n", who, p.what, errname(e).c_str());
      if (!e) free_handle(fd, a.handle);
      return 1;
    }
  }
  drm_mdl_info info{};
  if (xioctl(fd, DRM_IOCTL_MDL_INFO, &info)) {
    std::printf("  privileges: %s: INFO failed\n", who);
    return 1;
  }
  const bool dma_shown = info.caps & DRM_MDL_CAP_IOMMU;
  e = alloc(fd, 64 * KiB, &h);
  if (e) {
    std::printf("  privileges: %s: plain allocation: %s\n", who, errname(e).c_str());
    return 1;
  }
  std::vector<drm_mdl_page_entry> pages;
  e = get_pages(fd, h, &pages, 16);
  int bad = 0;
  for (auto& p : pages) bad += p.phys_addr != 0 || (p.dma_addr != 0) != dma_shown;
  free_handle(fd, h);
  if (e || pages.size() != 16 || bad) {
    std::printf("  privileges: %s: GET_PAGES %s, %d entries with a physical address, or with a DMA "
                "address %s\n",
                who, errname(e).c_str(), bad,
                dma_shown ? "missing behind the IOMMU" : "shown without translation");
    return 1;
  }
  return 0;
}

int cmd_privileges() {
  auto nodes = nodes_or_die();
  Verdict v("privileges");
  LogCheck log;
  int checked = 0;
  for (auto& n : nodes) {
    // Root without CAP_SYS_ADMIN: capable() is what counts, not uid 0.
    int rc = run_child([&]() -> int {
      if (!drop_sys_admin()) return 3;
      Fd f(open_node(n.path));
      return unprivileged_checks(f.fd, "root without CAP_SYS_ADMIN");
    });
    v.check(rc == 0, n.path + ": root without CAP_SYS_ADMIN: status " + std::to_string(rc));
    // A file root opened, used after setuid(65534): the caller counts, not
    // the opener.
    Fd root_fd(open_node(n.path));
    rc = run_child([&]() -> int { return unprivileged_checks(root_fd.fd, "fd opened by root"); }, true);
    v.check(rc == 0, n.path + ": root's fd after setuid: status " + std::to_string(rc));
    // And root itself is allowed both.
    uint32_t h;
    int e = alloc(root_fd.fd, 64 * KiB, &h, DRM_MDL_CACHE_CACHED, DRM_MDL_ALLOC_DONT_ZERO);
    v.check(e == 0, n.path + ": DONT_ZERO as root: " + errname(e));
    if (!e) {
      std::vector<drm_mdl_page_entry> pages;
      get_pages(root_fd.fd, h, &pages, 16);
      v.check(!pages.empty() && pages[0].phys_addr != 0, "root sees no physical address");
      free_handle(root_fd.fd, h);
    }
    checked++;
  }
  check_idle(v, "after the privilege checks");
  char line[300];
  std::snprintf(line, sizeof(line),
                "privileges: %d devices: DONT_ZERO and placement EPERM, physical addresses 0 (DMA "
                "ones too without translation) for root without CAP_SYS_ADMIN and for a "
                "root-opened fd used after setuid(65534); root gets both",
                checked);
  return v.finish(line, &log);
}

// ----------------------------------------------------------------- unload --

int delete_module(const char* name) {
  return syscall(SYS_delete_module, name, O_NONBLOCK) == 0 ? 0 : errno;
}

int load_module() {
  const char* ko = std::getenv("MDL_KO");
  const char* params = std::getenv("MDL_PARAMS");
  if (!ko || !*ko) return ENOENT;
  int fd = open(ko, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  int e = syscall(SYS_finit_module, fd, params ? params : "", 0) == 0 ? 0 : errno;
  close(fd);
  return e;
}

bool module_loaded() { return exists("/sys/module/mdl/initstate"); }

// Waits for the render nodes of @n mdl devices after a (re)load, and opens
// them to everyone again (there is no udev).
bool wait_nodes(size_t n) {
  for (int i = 0; i < 200; i++) {
    if (mdl_nodes().size() >= n) {
      std::system("chmod 0666 /dev/dri/* 2>/dev/null");
      return true;
    }
    usleep(50000);
  }
  return false;
}

int cmd_unload() {
  auto nodes = nodes_or_die();
  Verdict v("unload");
  LogCheck log;
  if (!std::getenv("MDL_KO")) {
    fail("unload", "MDL_KO is not set (run inside tools/vm/mdl-vm)");
    return 1;
  }
  const std::string path = nodes[0].path;
  std::string vgem = vgem_node();
  std::vector<std::string> results;
  auto refused = [&](const char* what) {
    int e = delete_module("mdl");
    std::string refcnt = slurp("/sys/module/mdl/refcnt");
    refcnt = refcnt.substr(0, refcnt.find('\n'));
    v.check(e == EAGAIN || e == EBUSY,
            std::string("rmmod with ") + what + " live: " + errname(e) + ", want it refused");
    v.check(module_loaded(), std::string("the module went away with ") + what + " live");
    results.push_back(std::string(what) + " -> " + errname(e) + " (refcnt " + refcnt + ")");
  };
  {
    Fd f(open_node(path));
    refused("an open fd");
  }
  {
    Fd f(open_node(path));
    uint32_t h;
    int buf = -1;
    v.check(alloc(f.fd, 64 * KiB, &h) == 0 && export_fd(f.fd, h, &buf) == 0, "export");
    f.reset();
    refused("only a dma-buf");
    // The module is still whole: the buffer still maps.
    void* m = mmap(nullptr, 64 * KiB, PROT_READ, MAP_SHARED, buf, 0);
    v.check(m != MAP_FAILED, "mmap of the dma-buf after the refused unload");
    if (m != MAP_FAILED) munmap(m, 64 * KiB);
    close(buf);
  }
  {
    Fd f(open_node(path));
    uint32_t h;
    v.check(alloc(f.fd, 64 * KiB, &h) == 0, "alloc");
    void* m = map(f.fd, h, 64 * KiB);
    v.check(m != nullptr, "map");
    free_handle(f.fd, h);
    f.reset();
    refused("only a CPU mapping");
    if (m) munmap(m, 64 * KiB);
  }
  if (!vgem.empty()) {
    Fd g(open(vgem.c_str(), O_RDWR | O_CLOEXEC));
    Fd f(open_node(path));
    uint32_t h, vh = 0;
    int buf = -1;
    v.check(alloc(f.fd, 64 * KiB, &h) == 0 && export_fd(f.fd, h, &buf) == 0 &&
                import_fd(g.fd, buf, &vh) == 0,
            "vgem import");
    close(buf);
    f.reset();
    refused("only vgem's import");
    gem_close(g.fd, vh);
  }
  // Everything released: the unload goes through (deferred fput may lag).
  int e = EAGAIN;
  for (int i = 0; i < 100 && (e == EAGAIN || e == EBUSY); i++) {
    e = delete_module("mdl");
    if (e) usleep(20000);
  }
  v.check(e == 0, "rmmod with nothing live: " + errname(e));
  v.check(!module_loaded(), "the module is still there");
  results.push_back("nothing live -> " + errname(e));
  e = load_module();
  v.check(e == 0, "reloading the module: " + errname(e));
  v.check(wait_nodes(nodes.size()), "the devices did not come back after the reload");
  {
    auto again = mdl_nodes();
    Fd f(open_node(again.empty() ? path : again[0].path));
    uint32_t h;
    int a = alloc(f.fd, 64 * KiB, &h);
    v.check(a == 0, "allocation after the reload: " + errname(a));
  }
  check_idle(v, "after the reload");
  std::string all;
  for (auto& r : results) all += (all.empty() ? "" : ", ") + r;
  return v.finish("unload: " + all + "; reloaded and allocating again", &log);
}

// ----------------------------------------------------------------- unplug --

int cmd_unplug() {
  Verdict v("unplug");
  LogCheck log;
  auto edu = edu_node();
  if (!edu) {
    fail("unplug", "no edu device");
    return 1;
  }
  std::string sys = "/sys/bus/pci/devices/" + edu->bus_id;
  if (!exists(sys + "/remove")) {
    fail("unplug", sys + "/remove is missing");
    return 1;
  }
  std::string vgem = vgem_node();
  Totals base = totals();

  Fd f(open_node(edu->path)), f2(open_node(edu->path));
  uint32_t ha, hb, hc, hd;
  v.check(alloc(f.fd, 64 * KiB, &ha, DRM_MDL_CACHE_WRITE_COMBINED) == 0, "alloc A");
  v.check(alloc(f.fd, MiB, &hb) == 0, "alloc B");
  v.check(alloc(f.fd, 4 * KiB, &hc) == 0, "alloc C");
  v.check(alloc(f2.fd, 2 * MiB, &hd) == 0, "alloc D");
  uint64_t live_pages = (64 * KiB + MiB + 4 * KiB + 2 * MiB) / kPage;
  auto* ma = static_cast<uint8_t*>(map(f.fd, ha, 64 * KiB));
  v.check(ma != nullptr, "map A");
  if (ma) fill(ma, 64 * KiB, 1);
  int buf = -1;
  v.check(export_fd(f.fd, hb, &buf) == 0, "export B");
  auto* mb = static_cast<uint8_t*>(mmap(nullptr, MiB, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0));
  if (mb == MAP_FAILED) mb = nullptr;
  v.check(mb != nullptr, "mmap of B's dma-buf");
  if (mb) fill(mb, MiB, 2);
  Fd g;
  uint32_t vh = 0;
  if (!vgem.empty()) {
    g.fd = open(vgem.c_str(), O_RDWR | O_CLOEXEC);
    v.check(import_fd(g.fd, buf, &vh) == 0, "vgem import of B");
  }

  // Ioctls in flight while the device goes.
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> before_enodev{0}, enodev{0}, other{0};
  std::thread hammer([&] {
    std::vector<drm_mdl_page_entry> pages;
    while (!stop) {
      uint32_t h;
      int e = alloc(f2.fd, 16 * KiB, &h);
      if (!e) {
        get_pages(f2.fd, h, &pages, 4);
        e = free_handle(f2.fd, h);
      }
      if (e == ENODEV) enodev++;
      else if (e == 0) before_enodev++;
      else other++;
      if (enodev > 50) break;
    }
  });
  usleep(200000);
  double t0 = now();
  int rm = write_file(sys + "/remove", "1");
  double t_remove = now() - t0;
  v.check(rm == 0, "writing remove: " + errname(rm));
  usleep(200000);
  stop = true;
  hammer.join();
  v.check(other == 0, std::to_string(other.load()) + " in-flight ioctls failed with neither 0 nor ENODEV");
  v.check(enodev > 0, "no ioctl saw ENODEV after the removal");

  // Every ioctl path on the old file now fails cleanly.
  struct Probe {
    const char* name;
    int err;
  };
  std::vector<Probe> probes;
  {
    uint32_t h;
    probes.push_back({"ALLOC", alloc(f.fd, 4 * KiB, &h)});
    probes.push_back({"FREE", free_handle(f.fd, hc)});
    std::vector<drm_mdl_page_entry> pages;
    probes.push_back({"GET_PAGES", get_pages(f.fd, ha, &pages, 4)});
    drm_mdl_map_offset mo{};
    mo.handle = ha;
    probes.push_back({"MAP_OFFSET", xioctl(f.fd, DRM_IOCTL_MDL_MAP_OFFSET, &mo)});
    drm_mdl_info info{};
    probes.push_back({"INFO", xioctl(f.fd, DRM_IOCTL_MDL_INFO, &info)});
    probes.push_back({"DMA_COPY", dma_copy(f.fd, ha, 0, hc, 0, 64)});
    int out = -1;
    probes.push_back({"PRIME_HANDLE_TO_FD", export_fd(f.fd, ha, &out)});
    if (out >= 0) close(out);
    probes.push_back({"PRIME_FD_TO_HANDLE", import_fd(f.fd, buf, &h)});
    probes.push_back({"GEM_CLOSE", gem_close(f.fd, hc)});
    drm_version ver{};
    probes.push_back({"VERSION", xioctl(f.fd, DRM_IOCTL_VERSION, &ver)});
    void* m = mmap(nullptr, 4 * KiB, PROT_READ, MAP_SHARED, f.fd, 0x100000000ll);
    probes.push_back({"mmap", m == MAP_FAILED ? errno : 0});
    if (m != MAP_FAILED) munmap(m, 4 * KiB);
  }
  int clean = 0;
  for (auto& p : probes) {
    v.check(p.err == ENODEV, std::string(p.name) + " after unplug: " + errname(p.err) + ", want ENODEV");
    clean += p.err == ENODEV;
  }
  // The memory stays with its users: mappings keep their data.
  if (ma) v.check(check_fill(ma, 64 * KiB, 1), "the GEM mapping lost its data at unplug");
  if (mb) v.check(check_fill(mb, MiB, 2), "the dma-buf mapping lost its data at unplug");
  dma_buf_sync s{};
  s.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW;
  v.check(xioctl(buf, DMA_BUF_IOCTL_SYNC, &s) == 0, "dma-buf sync after unplug");
  s.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
  xioctl(buf, DMA_BUF_IOCTL_SYNC, &s);
  int64_t held = totals().engine_pages - base.engine_pages;
  v.check(held >= static_cast<int64_t>(live_pages),
          "only " + std::to_string(held) + " pages held after unplug, want >= " + std::to_string(live_pages));

  // Let go, one user at a time.
  f.reset();
  f2.reset();
  if (ma) munmap(ma, 64 * KiB);
  if (mb) munmap(mb, MiB);
  close(buf);
  if (g.fd >= 0) gem_close(g.fd, vh);
  g.reset();
  Totals after = wait_idle();
  int64_t left = after.engine_pages - base.engine_pages;
  v.check(left == 0, std::to_string(left) + " pages still held after the last user let go");

  // Rescan: the device comes back and works, DMA engine included.
  t0 = now();
  v.check(write_file("/sys/bus/pci/rescan", "1") == 0, "rescan");
  std::optional<MdlNode> back;
  for (int i = 0; i < 200 && !back; i++) {
    back = edu_node();
    if (!back) usleep(50000);
  }
  std::system("chmod 0666 /dev/dri/* 2>/dev/null");
  double t_rescan = now() - t0;
  bool copied = false;
  v.check(back.has_value(), "the edu device did not come back after the rescan");
  if (back) {
    Fd n(open_node(back->path));
    uint32_t s1, s2;
    v.check(alloc(n.fd, 4 * KiB, &s1) == 0 && alloc(n.fd, 4 * KiB, &s2) == 0, "alloc after rescan");
    auto* p1 = static_cast<uint8_t*>(map(n.fd, s1, 4 * KiB));
    auto* p2 = static_cast<uint8_t*>(map(n.fd, s2, 4 * KiB));
    if (p1 && p2) {
      fill(p1, 4 * KiB, 3);
      int e = dma_copy(n.fd, s1, 0, s2, 0, 512);
      copied = e == 0 && std::memcmp(p1, p2, 512) == 0;
      v.check(copied, "DMA copy after rescan: " + errname(e));
    }
    if (p1) munmap(p1, 4 * KiB);
    if (p2) munmap(p2, 4 * KiB);
  }
  check_idle(v, "after the rescan");
  char line[500];
  std::snprintf(line, sizeof(line),
                "unplug: removed edu (%.2f s) with 4 allocations live (mapped, exported, imported by "
                "vgem) and ioctls in flight (%" PRIu64 " ok then %" PRIu64
                " ENODEV); %d/%zu ioctl paths then ENODEV; mappings kept their data; %" PRIu64
                " pages freed when the last user let go; rescan %.2f s, DMA copy %s",
                t_remove, before_enodev.load(), enodev.load(), clean, probes.size(), live_pages,
                t_rescan, copied ? "verified" : "FAILED");
  return v.finish(line, &log);
}

// ------------------------------------------------------------ window-walk --

// The request mdl_fuzz found: 65 pages from one-page windows 4 KiB apart,
// starting at page 0. Low pages are reserved or in use, so window after
// window delivers nothing and the engine walks on, up to the top of RAM if
// need be. Either answer is right for root (with NO_WAIT exact placement is
// off and it must end in ENOMEM; without, later windows may deliver); the
// cost is what is checked, and so is a walk of windows without a whole page
// (low=1, high=4095), which must end at once. Uid 65534 may place nothing
// and must get EPERM. Bounded means under 2 s, under 16 MiB held at any
// moment, and no OOM killer. The caller volunteers to the OOM killer and
// this process opts out, so that a failure is reported rather than suffered.
int cmd_window_walk() {
  auto nodes = nodes_or_die();
  Verdict v("window-walk");
  LogCheck log;
  std::string out;
  write_file("/proc/self/oom_score_adj", "-999");
  struct Walk {
    bool root;
    uint64_t low, high;
    uint32_t flags;
  };
  const uint32_t no_wait = DRM_MDL_ALLOC_NO_WAIT | DRM_MDL_ALLOC_PREFER_CONTIGUOUS;
  for (const Walk& w : {Walk{false, 0, 0xfff, no_wait}, Walk{false, 0, 0xfff, 0},
                        Walk{true, 0, 0xfff, no_wait}, Walk{true, 0, 0xfff, 0},
                        Walk{true, 1, 0xfff, 0}}) {
    const uint32_t flags = w.flags;
    const std::string path = nodes[0].path;
    int64_t base = totals().engine_pages;
    std::fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
      write_file("/proc/self/oom_score_adj", "1000");
      if (!w.root && !drop_privileges()) _exit(126);
      int fd = open_node(path);
      drm_mdl_alloc a{};
      a.low = w.low;
      a.high = w.high;
      a.skip = 0x1000;
      a.total_bytes = 0x40411;
      a.flags = flags;
      int e = xioctl(fd, DRM_IOCTL_MDL_ALLOC, &a);
      if (!w.root) _exit(e == EPERM ? 0 : 1);
      if (w.low) _exit(e == ENOMEM ? 0 : 1);
      _exit(e == ENOMEM || e == 0 ? 0 : 1);
    }
    double t0 = now();
    int64_t peak = 0;
    int status = 0;
    for (;;) {
      peak = std::max(peak, totals().engine_pages - base);
      if (waitpid(pid, &status, WNOHANG) == pid) break;
      if (now() - t0 > 300) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        break;
      }
      usleep(10000);
    }
    double secs = now() - t0;
    std::string what = std::string(w.root ? "root" : "uid 65534") + ", low " + mdl::hex(w.low) +
                       ", flags " + mdl::hex(flags);
    uint64_t ooms_before = log.ooms;
    log.poll();
    bool oom = log.ooms > ooms_before;
    v.check(!oom, what + ": the request drove the machine into the OOM killer");
    v.check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
            what + (WIFSIGNALED(status) ? ": killed by signal " + std::to_string(WTERMSIG(status))
                    : !w.root          ? ": not EPERM"
                    : w.low            ? ": not ENOMEM (no window holds a page)"
                                       : ": neither 0 nor ENOMEM"));
    // KASAN, lockdep and page poisoning under TCG, with the other guests
    // of make check-debug beside it: 10 to 20 times slower (20.3 s seen).
    const char* debug_kernel = std::getenv("MDL_DEBUG_KERNEL");
    const double bound = debug_kernel && std::string(debug_kernel) == "1" ? 60.0 : 2.0;
    v.check(secs < bound, what + ": one ioctl took " + std::to_string(secs) + " s");
    v.check(peak * static_cast<int64_t>(kPage) < static_cast<int64_t>(16 * MiB),
            what + ": held " + mib(static_cast<uint64_t>(peak) * kPage) + " at its peak");
    char buf[160];
    std::snprintf(buf, sizeof(buf), "%s%s: %.1f s, peak %s held%s", out.empty() ? "" : "; ",
                  what.c_str(), secs, mib(static_cast<uint64_t>(std::max<int64_t>(peak, 0)) * kPage).c_str(),
                  oom ? ", OOM killer ran" : "");
    out += buf;
  }
  check_idle(v, "after the window walk");
  write_file("/proc/self/oom_score_adj", "0");
  return v.finish("window-walk: 257 KiB from 4 KiB windows 4 KiB apart from page 0: " + out,
                  &log, true);
}

// ----------------------------------------------------------------- starve --

// One unprivileged client of the render node: allocates until ENOMEM, tells
// the parent what it holds, and holds it until the parent sends SIGTERM. A
// signal, not a pipe's EOF: every later child inherits the parent's pipe
// ends, and would keep an earlier client's pipe open.
struct Client {
  pid_t pid = -1;
  int report = -1;  // read end: the child's ClientReport
};

struct ClientReport {
  uint64_t held = 0;
  uint64_t allocations = 0;
  int fd = -1;
  int error = 0;  // an errno other than ENOMEM, or 0
};

// 32 MiB at a time, as the reproducer did, then halves down to a
// page: the client ends holding exactly what its limits let it.
ClientReport allocate_until_enomem(int fd) {
  ClientReport r;
  r.fd = fd;
  for (uint64_t chunk = 32 * MiB; chunk >= kPage;) {
    uint32_t h;
    int e = alloc(fd, chunk, &h);
    if (!e) {
      r.held += chunk;
      r.allocations++;
    } else if (e == ENOMEM) {
      chunk /= 2;
    } else {
      r.error = e;
      break;
    }
  }
  return r;
}

// A client as @uid: max_user_mb bounds each uid, so clients of different
// uids each have a share of their own.
Client start_client(const std::string& path, uid_t uid = 65534) {
  int report[2];
  Client c;
  if (pipe2(report, O_CLOEXEC) != 0) return c;
  std::fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    close(report[0]);
    signal(SIGTERM, SIG_DFL);
    ClientReport r;
    if (!drop_privileges(uid)) {
      r.error = errno;
    } else {
      int fd = open_node(path);
      if (fd < 0)
        r.error = errno;
      else
        r = allocate_until_enomem(fd);
    }
    (void)!write(report[1], &r, sizeof(r));
    for (;;) pause();  // until SIGTERM
  }
  close(report[1]);
  if (pid < 0) {
    close(report[0]);
    return c;
  }
  c.pid = pid;
  c.report = report[0];
  return c;
}

bool read_report(const Client& c, ClientReport* r) {
  return c.pid > 0 && read(c.report, r, sizeof(*r)) == static_cast<ssize_t>(sizeof(*r));
}

// Lets the client go; true when it ended by our SIGTERM, not by the OOM
// killer's SIGKILL or anything else.
bool stop_client(Client& c) {
  if (c.pid <= 0) return false;
  kill(c.pid, SIGTERM);
  close(c.report);
  int status = 0;
  waitpid(c.pid, &status, 0);
  c.pid = -1;
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM;
}

uint64_t vmstat(const char* key) {
  std::istringstream in(slurp("/proc/vmstat"));
  std::string k;
  uint64_t v;
  while (in >> k >> v)
    if (k == key) return v;
  return 0;
}

uint64_t param_mb(const char* name) {
  std::string text = slurp(std::string("/sys/module/mdl/parameters/") + name);
  return text.empty() ? 0 : std::stoull(text);
}

// What a client holds, as its fdinfo shows it, next to what it says it holds.
void check_fdinfo(Verdict& v, const Client& c, const ClientReport& r, const std::string& who) {
  auto u = mdl::client_usage(c.pid, r.fd);
  if (!u) {
    v.check(false, who + ": /proc/" + std::to_string(c.pid) + "/fdinfo/" + std::to_string(r.fd) +
                       " has no usage keys: " + errname(u.errnum()));
    return;
  }
  v.check(u->driver == "mdl", who + ": drm-driver " + u->driver);
  v.check(u->total_bytes == r.held && u->resident_bytes == r.held && u->shared_bytes == 0,
          who + ": fdinfo total " + mib(u->total_bytes) + ", resident " + mib(u->resident_bytes) +
              ", shared " + mib(u->shared_bytes) + ", but it holds " + mib(r.held));
}

// An ordinary process allocates and touches @bytes; true when it got them all.
bool ordinary_process(uint64_t bytes) {
  int rc = run_child(
      [bytes] {
        auto* p = static_cast<uint8_t*>(
            mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
        if (p == MAP_FAILED) return 2;
        for (uint64_t off = 0; off < bytes; off += kPage) p[off] = static_cast<uint8_t>(off >> 12);
        for (uint64_t off = 0; off < bytes; off += kPage)
          if (p[off] != static_cast<uint8_t>(off >> 12)) return 3;
        return 0;
      },
      true);
  return rc == 0;
}

// One unprivileged client, then four at once, allocate until ENOMEM with the
// default limits; an ordinary process then gets a quarter of RAM, and the OOM
// killer never runs (tools/hardening/README.md).
int cmd_starve(int argc, char** argv) {
  std::string name = "starve";
  for (int i = 0; i < argc; i++)
    if (!std::strcmp(argv[i], "--name") && i + 1 < argc) name = argv[++i];
  auto nodes = nodes_or_die();
  const std::string& path = nodes[0].path;
  Verdict v(name);
  LogCheck log;
  write_file("/proc/self/oom_score_adj", "0");

  uint64_t ram = mem_total();
  uint64_t ram_mb = ram / MiB;
  uint64_t total_limit = param_mb("max_total_mb") * MiB;
  uint64_t user_limit = param_mb("max_user_mb") * MiB;
  v.check(total_limit == ram_mb / 2 * MiB && user_limit == ram_mb / 4 * MiB,
          "the limits are not the defaults: max_total_mb " + mib(total_limit) + ", max_user_mb " +
              mib(user_limit) + " for " + mib(ram) + " of RAM");
  v.check(wait_idle().client_pages == 0, "client pages held before the test");
  uint64_t ooms_before = vmstat("oom_kill");
  uint64_t avail_before = mem_available();

  // One client alone: its user's limit stops it.
  ClientReport one;
  {
    Client c = start_client(path);
    v.check(read_report(c, &one), "the single client did not report");
    v.check(one.error == 0, "single client: " + errname(one.error));
    v.check(one.held == user_limit, "the single client holds " + mib(one.held) +
                                        ", its user's limit is " + mib(user_limit));
    check_fdinfo(v, c, one, "single client");
    v.check(stop_client(c), "the single client was killed");
  }
  v.check(wait_idle().client_pages == 0, "client pages left after the single client");

  // Four at once, each its own uid: the total stops them, each under its
  // user's limit.
  std::vector<Client> clients;
  for (int i = 0; i < 4; i++) clients.push_back(start_client(path, static_cast<uid_t>(65534 - i)));
  std::vector<ClientReport> reports(clients.size());
  uint64_t held = 0;
  std::string shares;
  for (size_t i = 0; i < clients.size(); i++) {
    std::string who = "client " + std::to_string(i + 1) + " of 4";
    v.check(read_report(clients[i], &reports[i]), who + " did not report");
    v.check(reports[i].error == 0, who + ": " + errname(reports[i].error));
    v.check(reports[i].held <= user_limit, who + " holds " + mib(reports[i].held));
    check_fdinfo(v, clients[i], reports[i], who);
    held += reports[i].held;
    shares += (i ? "+" : "") + std::to_string(reports[i].held / MiB);
  }
  v.check(held == total_limit, "4 clients hold " + mib(held) + ", the total limit is " +
                                   mib(total_limit));
  v.check(totals().client_pages * kPage == held,
          "debugfs client_pages " + mib(totals().client_pages * kPage) + " for " + mib(held));
  uint64_t avail_held = mem_available();

  // The ordinary process, with the clients holding all they can.
  uint64_t quarter = ram / 4 / kPage * kPage;
  double t0 = now();
  bool got = ordinary_process(quarter);
  double secs = now() - t0;
  v.check(got, "an ordinary process could not allocate and touch " + mib(quarter));
  for (size_t i = 0; i < clients.size(); i++)
    v.check(stop_client(clients[i]), "client " + std::to_string(i + 1) + " of 4 was killed");
  std::string leaked = check_idle(v, "after the clients let go");
  uint64_t avail_after = mem_available();
  uint64_t ooms = vmstat("oom_kill") - ooms_before;
  log.poll();
  v.check(ooms == 0, std::to_string(ooms) + " OOM kills (/proc/vmstat oom_kill)");

  char line[700];
  std::snprintf(line, sizeof(line),
                "%s: RAM %s, default limits %s total, %s per user; 1 client held %s; "
                "4 clients held %s (%s MiB); fdinfo matched each; MemAvailable %s before, %s "
                "held, %s after; ordinary process %s %s (%.1f s); OOM kills %" PRIu64 ", %s",
                name.c_str(), mib(ram).c_str(), mib(total_limit).c_str(), mib(user_limit).c_str(),
                mib(one.held).c_str(), mib(held).c_str(), shares.c_str(),
                mib(avail_before).c_str(), mib(avail_held).c_str(), mib(avail_after).c_str(),
                got ? "touched" : "FAILED to touch", mib(quarter).c_str(), secs, ooms,
                leaked.c_str());
  return v.finish(line, &log, true);
}

// ------------------------------------------------------------ faultinject --
//
// Issue 13: fail_page_alloc and failslab fail allocations inside the ioctls,
// limited to this task (task-filter, make-it-fail). make-it-fail is on for
// exactly one ioctl (or one mmap and its first touch) at a time, so that the
// test's own bookkeeping, reads of debugfs and output never fail. After
// every failed call the driver's totals must equal what the test holds:
// an injected failure must leave nothing allocated behind.

constexpr uint64_t kFaultBudget = 1000000000;  // "times": counts down per injected failure

struct FaultKnob {
  std::string dir;
  bool ok = true;
  void set(const std::string& file, const std::string& value) {
    if (write_file(dir + "/" + file, value) != 0) ok = false;
  }
  uint64_t injected() const {
    std::string left = slurp(dir + "/times");
    return left.empty() ? 0 : kFaultBudget - std::stoull(left);
  }
};

// make-it-fail of this thread, on for the lifetime of a scope.
class FailScope {
 public:
  static int fd;
  FailScope() { toggle("1"); }
  ~FailScope() { toggle("0"); }
  FailScope(const FailScope&) = delete;
  FailScope& operator=(const FailScope&) = delete;

 private:
  static void toggle(const char* v) {
    if (pwrite(fd, v, 1, 0) != 1) std::abort();
  }
};
int FailScope::fd = -1;

// [start, end) of @name's code in /proc/kallsyms (root only): its address
// and the next higher symbol's; nullopt when the kernel has no such symbol.
std::optional<std::pair<uint64_t, uint64_t>> kernel_function_range(const std::string& name) {
  std::ifstream in("/proc/kallsyms");
  std::vector<uint64_t> addrs;
  uint64_t start = 0;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string addr, type, sym;
    if (!(f >> addr >> type >> sym)) continue;
    uint64_t a = std::stoull(addr, nullptr, 16);
    addrs.push_back(a);
    if (sym == name) start = a;
  }
  if (!start) return std::nullopt;
  uint64_t end = UINT64_MAX;
  for (uint64_t a : addrs)
    if (a > start) end = std::min(end, a);
  if (end == UINT64_MAX) return std::nullopt;
  return std::make_pair(start, end);
}

struct FaultObj {
  uint64_t pages = 0;
  int owner = -1;  // index of the mdl file holding the allocation's handle, -1 once freed
  uint32_t handle = 0;
  std::vector<std::pair<int, uint32_t>> imports;  // (mdl file, handle) from a self import
  std::vector<int> dmabufs;
  std::vector<uint32_t> vgem_handles;
  bool alive() const { return owner >= 0 || !imports.empty() || !dmabufs.empty() || !vgem_handles.empty(); }
};

struct FaultCounts {
  uint64_t calls = 0, ok = 0, enomem = 0;
};

int cmd_faultinject(int argc, char** argv) {
  uint64_t budget = 100000;
  unsigned probability = 5;
  uint64_t seed = 1;
  for (int i = 0; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--ioctls" && i + 1 < argc) {
      budget = std::stoull(argv[++i]);
    } else if (a == "--probability" && i + 1 < argc) {
      probability = static_cast<unsigned>(std::stoul(argv[++i]));
    } else if (a == "--seed" && i + 1 < argc) {
      seed = std::stoull(argv[++i], nullptr, 0);
    } else {
      std::fprintf(stderr, "usage: mdl_harden faultinject [--ioctls N] [--probability PERCENT] [--seed N]\n");
      return 2;
    }
  }
  Verdict v("faultinject");
  FaultKnob page{"/sys/kernel/debug/fail_page_alloc"}, slab{"/sys/kernel/debug/failslab"};
  if (!exists(page.dir) || !exists(slab.dir)) {
    v.check(false, "no fail_page_alloc or failslab in debugfs: the kernel lacks CONFIG_FAIL_PAGE_ALLOC, "
                   "CONFIG_FAILSLAB or CONFIG_FAULT_INJECTION_DEBUG_FS (boot the debug kernel: mdl-vm --kernel debug)");
    return v.finish("faultinject: not run");
  }
  auto node = edu_node();
  std::string vgem = vgem_node();
  if (!node || vgem.empty()) {
    v.check(false, "needs the edu device and vgem");
    return v.finish("faultinject: not run");
  }
  LogCheck log;
  Totals before = wait_idle();
  v.check(idle(before), "not idle before the run: " + describe(before));

  for (FaultKnob* k : {&page, &slab}) {
    k->set("probability", std::to_string(probability));
    k->set("interval", "1");
    k->set("times", std::to_string(kFaultBudget));
    k->set("space", "0");
    // Every injected failure would print a stack trace: thousands of them.
    k->set("verbose", "0");
    k->set("task-filter", "Y");
    // The defaults spare sleeping allocations, which are nearly all of them.
    k->set("ignore-gfp-wait", "N");
  }
  // The driver's pages may come with __GFP_HIGHMEM, and at any order.
  page.set("ignore-gfp-highmem", "N");
  page.set("min-order", "0");
  // DMA-API debugging tracks each mapping in a radix tree (add_dma_entry(),
  // GFP_ATOMIC) and turns itself off for good when that fails: spare its
  // allocations, or the rest of the run maps unchecked.
  std::string spared = "nothing spared";
  if (exists(page.dir + "/reject-start")) {
    if (auto r = kernel_function_range("add_dma_entry")) {
      for (FaultKnob* k : {&page, &slab}) {
        k->set("reject-start", mdl::hex(r->first));
        k->set("reject-end", mdl::hex(r->second));
      }
      spared = "allocations under add_dma_entry() spared";
    }
  }
  v.check(page.ok && slab.ok, "could not configure fail_page_alloc or failslab");
  FailScope::fd = open("/proc/thread-self/make-it-fail", O_WRONLY | O_CLOEXEC);
  v.check(FailScope::fd >= 0, std::string("open make-it-fail: ") + std::strerror(errno));
  if (!v.problems.empty()) return v.finish("faultinject: not run");

  // Two files on the edu device (imports between them), one on vgem.
  Fd files[2] = {Fd(open_node(node->path)), Fd(open_node(node->path))};
  Fd vg(open(vgem.c_str(), O_RDWR | O_CLOEXEC));
  v.check(files[0].fd >= 0 && files[1].fd >= 0 && vg.fd >= 0, "open the devices");
  if (!v.problems.empty()) return v.finish("faultinject: not run");

  drm_mdl_info edu_info{};
  v.check(xioctl(files[0].fd, DRM_IOCTL_MDL_INFO, &edu_info) == 0, "info of the edu device");
  uint64_t copy_max = (edu_info.caps & DRM_MDL_CAP_DMA_COPY) ? edu_info.dma_copy_max_bytes : 0;

  std::mt19937_64 rng(seed);
  auto below = [&](uint64_t n) { return n ? rng() % n : 0; };
  std::vector<FaultObj> objs;
  std::map<std::string, FaultCounts> counts;
  uint64_t ioctls = 0, state_checks = 0;
  std::vector<drm_mdl_page_entry> entries;

  // What the driver must report: the objects this test keeps alive.
  auto check_state = [&](const std::string& after) {
    uint64_t live = 0, pages = 0;
    for (auto& o : objs) {
      live++;
      pages += o.pages;
    }
    Totals t = totals();
    state_checks++;
    v.check(t.allocations == live && t.pages == pages && t.client_pages == pages,
            "after " + after + ": the driver holds " + describe(t) + ", the test " +
                std::to_string(live) + " allocations of " + std::to_string(pages) + " pages");
  };
  // One ioctl inside the failure window. A clean result is success or
  // ENOMEM, and after ENOMEM the driver holds what it held before.
  auto call = [&](const char* what, int fd, unsigned long req, void* arg) -> int {
    int e;
    {
      FailScope scope;
      e = xioctl(fd, req, arg);
    }
    ioctls++;
    auto& c = counts[what];
    c.calls++;
    if (e == 0) {
      c.ok++;
    } else if (e == ENOMEM) {
      c.enomem++;
      check_state(std::string(what) + " -> ENOMEM");
    } else {
      v.check(false, std::string(what) + " failed with " + errname(e) + ", not ENOMEM");
    }
    return e;
  };
  auto drop_dead = [&]() {
    objs.erase(std::remove_if(objs.begin(), objs.end(), [](const FaultObj& o) { return !o.alive(); }),
               objs.end());
  };
  auto release = [&](FaultObj& o) {
    for (int fd : o.dmabufs) close(fd);
    for (uint32_t h : o.vgem_handles) v.check(gem_close(vg.fd, h) == 0, "vgem handle close");
    for (auto [f, h] : o.imports) v.check(gem_close(files[f].fd, h) == 0, "import close");
    if (o.owner >= 0) v.check(free_handle(files[o.owner].fd, o.handle) == 0, "free");
    o = FaultObj{};
  };
  auto any_with_owner = [&]() -> FaultObj* {
    std::vector<FaultObj*> c;
    for (auto& o : objs)
      if (o.owner >= 0) c.push_back(&o);
    return c.empty() ? nullptr : c[below(c.size())];
  };

  static const uint64_t sizes[] = {1, 1, 1, 2, 3, 4, 8, 16, 17, 64, 100, 256, 512};
  double t0 = now();
  while (ioctls < budget && v.problems.size() < 20) {
    unsigned op = static_cast<unsigned>(below(100));
    FaultObj* o = any_with_owner();
    if (objs.size() >= 48) {
      // Bound what the test holds: let go of one object entirely, outside
      // the failure window (this is not one of the calls under test).
      release(objs[below(objs.size())]);
      drop_dead();
      continue;
    }
    if (op < 30 || !o) {
      drm_mdl_alloc a{};
      a.high = DRM_MDL_HIGH_UNLIMITED;
      a.total_bytes = sizes[below(std::size(sizes))] * kPage;
      a.cache_type = static_cast<uint32_t>(below(3));
      if (below(8) == 0) a.flags |= DRM_MDL_ALLOC_PREFER_CONTIGUOUS;
      if (below(16) == 0 && a.total_bytes <= 64 * KiB) a.flags |= DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS;
      int fi = static_cast<int>(below(2));
      if (call("alloc", files[fi].fd, DRM_IOCTL_MDL_ALLOC, &a) == 0) {
        FaultObj n;
        n.pages = a.total_bytes / kPage;
        n.owner = fi;
        n.handle = a.handle;
        objs.push_back(n);
      }
    } else if (op < 42) {
      drm_mdl_free f{};
      f.handle = o->handle;
      if (call("free", files[o->owner].fd, DRM_IOCTL_MDL_FREE, &f) == 0) o->owner = -1;
    } else if (op < 54) {
      entries.assign(o->pages, {});
      drm_mdl_get_pages g{};
      g.handle = o->handle;
      g.count = o->pages;
      g.entries_ptr = reinterpret_cast<uint64_t>(entries.data());
      if (call("get_pages", files[o->owner].fd, DRM_IOCTL_MDL_GET_PAGES, &g) == 0)
        v.check(g.count == o->pages, "get_pages gave " + std::to_string(g.count) + " of " +
                                         std::to_string(o->pages) + " pages");
    } else if (op < 62) {
      drm_mdl_map_offset m{};
      m.handle = o->handle;
      int fd = files[o->owner].fd;
      if (call("map_offset", fd, DRM_IOCTL_MDL_MAP_OFFSET, &m) == 0) {
        size_t len = o->pages * kPage;
        void* p;
        {
          FailScope scope;
          p = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, static_cast<off_t>(m.offset));
          // A failed page-table allocation retries the fault; it never
          // reaches the test as an error.
          if (p != MAP_FAILED) static_cast<volatile uint8_t*>(p)[len - 1] = 1;
        }
        auto& c = counts["mmap+fault"];
        c.calls++;
        if (p == MAP_FAILED) {
          v.check(errno == ENOMEM, std::string("mmap failed with ") + errname(errno));
          c.enomem++;
        } else {
          c.ok++;
          munmap(p, len);
        }
      }
    } else if (op < 65) {
      drm_mdl_info info{};
      call("info", files[below(2)].fd, DRM_IOCTL_MDL_INFO, &info);
    } else if (op < 67) {
      // One page: the edu engine takes 100 ms of TCG time per 4 KiB.
      FaultObj* dst = any_with_owner();
      if (dst && dst->owner == o->owner && copy_max >= kPage) {
        drm_mdl_dma_copy c{};
        c.src_handle = o->handle;
        c.dst_handle = dst->handle;
        c.dst_offset = (dst->pages - 1) * kPage;
        c.size = kPage;
        call("dma_copy", files[o->owner].fd, DRM_IOCTL_MDL_DMA_COPY, &c);
      }
    } else if (op < 80) {
      if (o->dmabufs.size() < 2) {
        drm_prime_handle p{};
        p.handle = o->handle;
        p.flags = DRM_CLOEXEC | DRM_RDWR;
        p.fd = -1;
        if (call("prime_handle_to_fd", files[o->owner].fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p) == 0)
          o->dmabufs.push_back(p.fd);
      }
    } else if (op < 87) {
      // Import into the other file of the same device: a new handle to
      // the same object.
      if (!o->dmabufs.empty() && o->imports.size() < 2) {
        int other = 1 - o->owner;
        drm_prime_handle p{};
        p.fd = o->dmabufs[below(o->dmabufs.size())];
        if (call("prime_fd_to_handle", files[other].fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p) == 0) {
          bool known = false;
          for (auto& [f, h] : o->imports) known |= f == other && h == p.handle;
          if (!known) o->imports.emplace_back(other, p.handle);
        }
      }
    } else if (op < 93) {
      // vgem attaches and maps the dma-buf: the driver's exporter side.
      if (!o->dmabufs.empty() && o->vgem_handles.empty()) {
        drm_prime_handle p{};
        p.fd = o->dmabufs[below(o->dmabufs.size())];
        if (call("vgem_import", vg.fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p) == 0)
          o->vgem_handles.push_back(p.handle);
      }
    } else {
      // Drop a reference that is not the allocation's own handle, also of
      // an object whose own handle is gone.
      o = &objs[below(objs.size())];
      drm_gem_close c{};
      if (!o->imports.empty()) {
        auto [f, h] = o->imports.back();
        c.handle = h;
        if (call("gem_close", files[f].fd, DRM_IOCTL_GEM_CLOSE, &c) == 0) o->imports.pop_back();
      } else if (!o->vgem_handles.empty()) {
        c.handle = o->vgem_handles.back();
        if (call("vgem_gem_close", vg.fd, DRM_IOCTL_GEM_CLOSE, &c) == 0) o->vgem_handles.pop_back();
      } else if (!o->dmabufs.empty()) {
        close(o->dmabufs.back());
        o->dmabufs.pop_back();
      }
    }
    drop_dead();
    if (ioctls % 5000 == 0) {
      check_state("ioctl " + std::to_string(ioctls));
      log.poll();
      if (ioctls % 25000 == 0)
        std::printf("  faultinject: %" PRIu64 " ioctls, %.0f/s, %" PRIu64 " page and %" PRIu64
                    " slab failures injected\n",
                    ioctls, static_cast<double>(ioctls) / (now() - t0), page.injected(), slab.injected());
    }
  }
  double secs = now() - t0;
  uint64_t injected_page = page.injected(), injected_slab = slab.injected();
  page.set("probability", "0");
  slab.set("probability", "0");

  for (auto& o : objs) release(o);
  objs.clear();
  for (auto& f : files) f.reset();
  vg.reset();
  std::string leaked = check_idle(v, "after the run");

  // The calls that allocate: each must have been failed at least once, or
  // the run proves little about it. Free, close, info, map offset (the
  // offset and the file's access exist from the handle's creation on) and
  // the DMA copy allocate nothing; they are run, and must end in success.
  static const std::set<std::string> allocating = {"alloc",          "get_pages",          "mmap+fault",
                                                    "prime_handle_to_fd", "prime_fd_to_handle", "vgem_import"};
  uint64_t enomem = 0;
  unsigned kinds = 0, kinds_failed = 0;
  for (auto& [what, c] : counts) {
    std::printf("  faultinject: %-20s %8" PRIu64 " calls, %8" PRIu64 " ok, %8" PRIu64 " ENOMEM\n", what.c_str(),
                c.calls, c.ok, c.enomem);
    enomem += c.enomem;
    kinds++;
    if (c.enomem) kinds_failed++;
  }
  for (const auto& what : allocating) v.check(counts[what].enomem > 0, what + " never failed under injection");
  for (auto& [what, c] : counts)
    if (!allocating.contains(what))
      v.check(c.enomem == 0, what + " allocates nothing, yet failed " + std::to_string(c.enomem) + " times");
  v.check(ioctls >= budget, "only " + std::to_string(ioctls) + " ioctls");
  v.check(injected_page > 0 && injected_slab > 0, "no failure injected into page or slab allocations");
  log.poll();
  page.set("reject-start", "0");
  page.set("reject-end", "0");
  slab.set("reject-start", "0");
  slab.set("reject-end", "0");
  char line[500];
  std::snprintf(line, sizeof(line),
                "faultinject: %" PRIu64 " ioctls in %.0f s at %u %%, %" PRIu64 " page and %" PRIu64
                " slab failures injected (%s), %" PRIu64 " calls ended in ENOMEM (%u of %u kinds), %" PRIu64
                " state checks, %" PRIu64 " kernel reports, %s",
                ioctls, secs, probability, injected_page, injected_slab, spared.c_str(), enomem, kinds_failed,
                kinds, state_checks, log.reports, leaked.c_str());
  return v.finish(line, &log);
}

int usage() {
  std::fprintf(stderr,
               "usage: mdl_harden load [--threads N] [--cycles N] [--hog] | usercap | cgroup |\n"
               "       interrupt | close-race [--rounds N] | privileges | unload | unplug |\n"
               "       window-walk | starve [--name NAME] |\n"
               "       faultinject [--ioctls N] [--probability PERCENT] [--seed N]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  std::string cmd = argv[1];
  setvbuf(stdout, nullptr, _IOLBF, 0);
  if (cmd == "load") return cmd_load(argc - 2, argv + 2);
  if (cmd == "usercap") return cmd_usercap();
  if (cmd == "cgroup") return cmd_cgroup();
  if (cmd == "interrupt") return cmd_interrupt();
  if (cmd == "close-race") return cmd_close_race(argc - 2, argv + 2);
  if (cmd == "privileges") return cmd_privileges();
  if (cmd == "unload") return cmd_unload();
  if (cmd == "unplug") return cmd_unplug();
  if (cmd == "window-walk") return cmd_window_walk();
  if (cmd == "starve") return cmd_starve(argc - 2, argv + 2);
  if (cmd == "faultinject") return cmd_faultinject(argc - 2, argv + 2);
  return usage();
}
