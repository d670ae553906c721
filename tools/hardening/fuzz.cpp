// SPDX-License-Identifier: MIT
//
// mdl_fuzz: seeded random ioctls against every mdl device, with an oracle.
//
//   mdl_fuzz [--seed N] [--ioctls N] [--unprivileged PERCENT] [--name NAME] [--verbose]
//
// Arguments are random and boundary-biased: sizes around 0, a page and the
// 4 GiB - 4 KiB cap; windows around the edges of RAM, the DMA zones and the
// top of memory; every flag combination and unknown bits; bad and
// half-valid user pointers; handles that are live, freed (stale), from
// another file (foreign) or never existed; mmap offsets and lengths past
// the end of an object; dma-buf export and import, also into vgem and from
// another device. Valid sequences (allocate, map, check zero fill, write,
// read back through a dma-buf, copy through the device) are mixed in.
//
// Each ioctl's result is checked against what the contract (SPEC.md) says
// it must be, where that is knowable: a malformed request must be EINVAL
// whatever else is wrong with it, a stale handle ENOENT, a successful
// allocation must describe exactly the pages asked for, inside the window.
// The run then closes everything and requires the driver's debugfs totals
// to be back where they started, and no kernel report in between.
//
// The same seed replays the same sequence. Part of the ioctls (default
// 20 %) come from a child that has dropped to uid 65534, side by side with
// the privileged ones: there DONT_ZERO and placing memory (a window other
// than all of memory or [0, >= 4 GiB - 1], SkipBytes, a contiguous block
// beyond the buddy allocator's) must be EPERM, physical addresses must read
// as 0, and so must DMA addresses of a device without translation.
//
// Output: "fuzz: <N> ioctls, <R> kernel reports, <P> pages leaked" and a
// PASS or FAIL line; exit status 0 only when everything held.

#include <fcntl.h>
#include <linux/dma-buf.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xf86drm.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common.hpp"
#include "mdl/text.hpp"

using namespace hard;

namespace {

constexpr uint64_t kCap = 4 * GiB - kPage;
constexpr uint64_t kLarge = 2 * MiB;
constexpr int kMaxMaps = 48;
constexpr int kMaxBufs = 24;

// ---------------------------------------------------------------- random --

// splitmix64: small, fast, and the same sequence everywhere.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  uint64_t below(uint64_t n) { return n ? next() % n : 0; }
  bool one_in(uint64_t n) { return below(n) == 0; }
  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[below(v.size())];
  }

 private:
  uint64_t s_;
};

// ------------------------------------------------------------ user memory --

// Every pointer the fuzzer hands the kernel points into these regions, so a
// wrong write by the kernel can never corrupt the fuzzer itself.
struct Arena {
  uint8_t* rw = nullptr;    // kArenaPages writable pages
  uint8_t* guard = nullptr; // one PROT_NONE page right after rw
  uint8_t* ro = nullptr;    // one read-only page
  uint8_t* hole = nullptr;  // kHolePages of PROT_NONE address space
  static constexpr size_t kArenaPages = 32;  // 8192 page entries
  static constexpr size_t kHolePages = 1 << 16;

  void init() {
    size_t len = (kArenaPages + 2) * kPage;
    auto* base = static_cast<uint8_t*>(
        mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    if (base == MAP_FAILED) std::abort();
    rw = base;
    guard = base + kArenaPages * kPage;
    ro = guard + kPage;
    mprotect(guard, kPage, PROT_NONE);
    std::memset(ro, 0, kPage);
    mprotect(ro, kPage, PROT_READ);
    hole = static_cast<uint8_t*>(
        mmap(nullptr, kHolePages * kPage, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
             -1, 0));
    if (hole == MAP_FAILED) std::abort();
  }
  size_t rw_bytes() const { return kArenaPages * kPage; }
  // Is [p, p + n) wholly writable arena memory?
  bool writable(uint64_t p, uint64_t n) const {
    auto b = reinterpret_cast<uint64_t>(rw);
    return p >= b && n <= rw_bytes() && p - b <= rw_bytes() - n;
  }
};

// A pointer the kernel must refuse or may use, with what we know about it.
struct UPtr {
  uint64_t addr;
  const char* kind;
};

// ----------------------------------------------------------------- model --

struct Obj {
  uint64_t bytes = 0;
  uint64_t offset = 0;  // mmap offset, 0 until MAP_OFFSET
  std::vector<drm_mdl_page_entry> pages;  // first GET_PAGES answer, for consistency
};

struct Dev {
  std::string path;
  bool edu = false;
  drm_mdl_info info{};
};

struct File {
  int fd = -1;
  size_t dev = 0;
  std::map<uint32_t, Obj> live;
  std::vector<uint32_t> freed;
  // A handle may exist that we do not know of (an ioctl created it but
  // could not report it): ENOENT is then no longer certain.
  bool uncertain = false;
};

struct MapEnt {
  uint8_t* addr;
  size_t len;
  bool writable;
};

struct Buf {
  int fd;
  size_t dev;
  uint64_t bytes;
  bool writable;  // exported with DRM_RDWR
};

struct Stats {
  uint64_t ioctls = 0;
  uint64_t ok = 0;
  uint64_t mmaps = 0;
  uint64_t allocs_ok = 0;
  uint64_t pages_allocated = 0;
  uint64_t sequences = 0;
  uint64_t dma_copies = 0;
  uint64_t failures = 0;
  std::map<std::string, uint64_t> by_errno;
  double slowest = 0;
  std::string slowest_what;
  uint64_t slow = 0;  // ioctls that took over 0.5 s
  double slow_secs = 0;
  std::map<std::string, std::pair<uint64_t, double>> op_time;  // op -> (count, seconds)
};

// ----------------------------------------------------------- SIGBUS guard --

// /proc/iomem reads zeros without root: the parent reads it for both halves.
std::vector<Range> g_ram;

sigjmp_buf g_jump;
volatile sig_atomic_t g_guarded = 0;

void on_fault(int sig) {
  if (g_guarded) siglongjmp(g_jump, sig);
  signal(sig, SIG_DFL);
  raise(sig);
}

// ----------------------------------------------------------------- fuzzer --

class Fuzzer {
 public:
  Fuzzer(uint64_t seed, uint64_t budget, bool privileged, bool verbose)
      : rng_(seed), seed_(seed), budget_(budget), root_(privileged), verbose_(verbose) {}

  bool setup();
  void run();
  void teardown();
  const Stats& stats() const { return st_; }

 private:
  // helpers
  int call(File& f, unsigned long req, void* arg, const char* what);
  int call_fd(int fd, unsigned long req, void* arg, const char* what);
  void expect(bool ok, const std::string& what);
  void open_file(File& f);
  void recycle(File& f);
  uint32_t handle_for(File& f, const char** kind);
  bool is_live(const File& f, uint32_t h) const { return f.live.count(h) != 0; }
  UPtr entries_ptr(uint64_t want_entries);
  uint64_t gen_size();
  uint64_t gen_addr();
  drm_mdl_alloc gen_alloc();
  bool alloc_valid(const drm_mdl_alloc& a) const;
  void tame(drm_mdl_alloc& a);
  bool page_in_window(const drm_mdl_alloc& a, uint64_t phys) const;
  bool touch(uint8_t* p, size_t len, bool write, std::string* why);
  void drop_map(size_t i);
  void close_buf(size_t i);

  // operations
  void op_alloc();
  void op_free();
  void op_gem_close();
  void op_get_pages();
  void op_map_offset();
  void op_mmap();
  void op_munmap_touch();
  void op_punch_map();
  void op_info();
  void op_dma_copy();
  void op_prime_export();
  void op_prime_import();
  void op_dmabuf();
  void op_vgem();
  void op_bad_pointer();
  void op_random_nr();
  void op_lost_handle();
  void op_recycle();
  void op_sequence();
  void check_alloc_reply(File& f, const drm_mdl_alloc& a);
  void check_pages(File& f, uint32_t h, const drm_mdl_alloc* req);

  Rng rng_;
  uint64_t seed_;
  uint64_t budget_;
  bool root_;
  bool verbose_;
  Arena ar_;
  std::vector<Dev> devs_;
  std::vector<File> files_;
  std::vector<MapEnt> maps_;
  std::vector<Buf> bufs_;
  int vgem_ = -1;
  std::vector<uint32_t> vgem_handles_;
  std::vector<Range> ram_;
  uint64_t top_ = 0;
  uint64_t last_copy_ = 0;
  std::string detail_;  // what the next call() is, for slow-call reports
  Stats st_;
  Kmsg kmsg_;
};

int Fuzzer::call_fd(int fd, unsigned long req, void* arg, const char* what) {
  double t0 = now();
  int e = ioctl(fd, req, arg) == 0 ? 0 : errno;
  double dt = now() - t0;
  st_.ioctls++;
  if (!e) st_.ok++;
  st_.by_errno[errname(e)]++;
  std::string desc;
  if (dt > 0.5 || dt > st_.slowest)
    desc = (detail_.empty() ? std::string(what) : detail_) + " -> " + errname(e) + " (ioctl " +
           std::to_string(st_.ioctls) + ")";
  if (dt > st_.slowest) {
    st_.slowest = dt;
    st_.slowest_what = desc;
  }
  // Slow ioctls are findings of their own: an unprivileged caller can make
  // the kernel spend this long in one call.
  if (dt > 0.5) {
    st_.slow++;
    st_.slow_secs += dt;
    if (st_.slow <= 20) std::printf("  fuzz: slow ioctl, %.2f s: %s\n", dt, desc.c_str());
  }
  detail_.clear();
  return e;
}

int Fuzzer::call(File& f, unsigned long req, void* arg, const char* what) {
  return call_fd(f.fd, req, arg, what);
}

void Fuzzer::expect(bool ok, const std::string& what) {
  if (ok) return;
  st_.failures++;
  if (st_.failures <= 20)
    std::printf("  fuzz: FAIL at ioctl %" PRIu64 " (seed %" PRIu64 "%s): %s\n", st_.ioctls, seed_,
                root_ ? "" : ", unprivileged", what.c_str());
}

void Fuzzer::open_file(File& f) {
  f.fd = open(devs_[f.dev].path.c_str(), O_RDWR | O_CLOEXEC);
  if (f.fd < 0) {
    std::printf("  fuzz: cannot open %s: %s\n", devs_[f.dev].path.c_str(), std::strerror(errno));
    std::exit(2);
  }
  f.live.clear();
  f.freed.clear();
  f.uncertain = false;
}

// Closing frees the file's objects, except those a mapping or dma-buf holds.
void Fuzzer::recycle(File& f) {
  close(f.fd);
  open_file(f);
}

bool Fuzzer::setup() {
  ar_.init();
  struct sigaction sa {};
  sa.sa_handler = on_fault;
  sigaction(SIGBUS, &sa, nullptr);
  sigaction(SIGSEGV, &sa, nullptr);

  for (const auto& n : mdl_nodes()) {
    Dev d;
    d.path = n.path;
    d.edu = n.edu;
    devs_.push_back(d);
  }
  if (devs_.empty()) {
    std::printf("  fuzz: no mdl device\n");
    return false;
  }
  for (size_t i = 0; i < devs_.size(); i++) {
    for (int k = 0; k < 2; k++) {
      File f;
      f.dev = i;
      open_file(f);
      files_.push_back(f);
    }
    drm_mdl_info info{};
    if (call(files_.back(), DRM_IOCTL_MDL_INFO, &info, "INFO")) return false;
    devs_[i].info = info;
  }
  if (auto v = vgem_node(); !v.empty()) vgem_ = open(v.c_str(), O_RDWR | O_CLOEXEC);
  ram_ = g_ram;
  top_ = 0;
  for (auto& r : ram_) top_ = std::max(top_, r.last + 1);
  if (!top_) top_ = mem_total() + 512 * MiB;
  return true;
}

void Fuzzer::drop_map(size_t i) {
  munmap(maps_[i].addr, maps_[i].len);
  maps_.erase(maps_.begin() + static_cast<long>(i));
}

void Fuzzer::close_buf(size_t i) {
  close(bufs_[i].fd);
  bufs_.erase(bufs_.begin() + static_cast<long>(i));
}

void Fuzzer::teardown() {
  while (!maps_.empty()) drop_map(0);
  while (!bufs_.empty()) close_buf(0);
  for (auto& f : files_) close(f.fd);
  files_.clear();
  if (vgem_ >= 0) close(vgem_);
  vgem_ = -1;
}

// Touches every page of a mapping; false (and *why) on SIGBUS/SIGSEGV or a
// write that did not stick.
bool Fuzzer::touch(uint8_t* p, size_t len, bool write, std::string* why) {
  int sig = sigsetjmp(g_jump, 1);
  if (sig) {
    g_guarded = 0;
    *why = std::string("signal ") + strsignal(sig) + " touching a mapping the kernel granted";
    return false;
  }
  g_guarded = 1;
  for (size_t off = 0; off < len; off += kPage) {
    volatile uint8_t* b = p + off;
    uint8_t v = *b;
    if (write) {
      uint8_t w = static_cast<uint8_t>(v + 1);
      *b = w;
      if (*b != w) {
        g_guarded = 0;
        *why = "a write to a mapping did not read back";
        return false;
      }
    }
  }
  g_guarded = 0;
  return true;
}

// ------------------------------------------------------------ generators --

uint64_t Fuzzer::gen_size() {
  switch (rng_.below(20)) {
    case 0: return 0;
    case 1: return 1 + rng_.below(3 * kPage);
    case 2: return kPage + rng_.below(3) - 1;
    case 3: return kCap + rng_.below(3) * kPage - kPage + rng_.below(3) - 1;  // around the cap
    case 4: return 4 * GiB + rng_.below(3) - 1;
    case 5: return ~0ull - rng_.below(2 * kPage);
    case 6: return 1ull << rng_.below(64);
    case 7: return rng_.next();
    case 8: return kLarge * (1 + rng_.below(4));
    default: return (1 + rng_.below(64)) * kPage - (rng_.one_in(4) ? rng_.below(kPage) : 0);
  }
}

// Boundaries a window can sit on: RAM ranges, the DMA zones, the top.
uint64_t Fuzzer::gen_addr() {
  if (rng_.one_in(8)) return rng_.next();
  std::vector<uint64_t> edges = {0, MiB, 16 * MiB, 4 * GiB, top_, top_ + GiB, 1ull << 52};
  for (auto& r : ram_) {
    edges.push_back(r.first);
    edges.push_back(r.last + 1);
  }
  uint64_t e = rng_.pick(edges);
  static const int64_t deltas[] = {0, 0, 0, -1, 1, -4096, 4096, -2 * 1048576, 2 * 1048576,
                                   -16 * 1048576, 64 * 1048576};
  return e + static_cast<uint64_t>(deltas[rng_.below(std::size(deltas))]);
}

drm_mdl_alloc Fuzzer::gen_alloc() {
  drm_mdl_alloc a{};
  a.total_bytes = gen_size();
  if (rng_.one_in(3)) {
    a.low = 0;
    a.high = DRM_MDL_HIGH_UNLIMITED;
  } else {
    a.low = gen_addr();
    switch (rng_.below(7)) {
      case 0: a.high = DRM_MDL_HIGH_UNLIMITED; break;
      case 1: a.high = a.low - 1; break;  // high < low (or wraps to ~0 at 0)
      case 2: a.high = a.low; break;
      case 3: a.high = gen_addr(); break;
      default: {
        static const uint64_t widths[] = {kPage, 64 * KiB, 2 * MiB, 16 * MiB, 256 * MiB, GiB};
        a.high = a.low + widths[rng_.below(std::size(widths))] - 1;
      }
    }
  }
  switch (rng_.below(10)) {
    case 0: a.skip = kPage; break;
    case 1: a.skip = 2 * MiB; break;
    case 2: a.skip = (1 + rng_.below(4096)) * kPage; break;
    case 3: a.skip = 1ull << rng_.below(40); break;  // not always a page multiple
    case 4: a.skip = GiB << rng_.below(3); break;
    default: a.skip = 0;
  }
  a.cache_type = rng_.one_in(16) ? static_cast<uint32_t>(rng_.next()) % 8 : rng_.below(3);
  a.flags = static_cast<uint32_t>(rng_.below(128));  // every combination
  if (rng_.one_in(12)) a.flags |= 1u << rng_.below(32);
  if (rng_.one_in(24)) a.pad = static_cast<uint32_t>(rng_.next() | 1);
  if (rng_.one_in(24)) a.handle = static_cast<uint32_t>(rng_.next());  // outputs are ignored
  return a;
}

// The request rules of SPEC.md, mirrored.
bool Fuzzer::alloc_valid(const drm_mdl_alloc& a) const {
  if (a.pad) return false;
  if (!a.total_bytes || a.total_bytes > kCap) return false;
  uint64_t total = (a.total_bytes + kPage - 1) & ~(kPage - 1);
  if (total > kCap) return false;
  if (a.high < a.low) return false;
  if (a.skip % kPage) return false;
  if (a.cache_type > 2) return false;
  if (a.flags & ~uint32_t{DRM_MDL_ALLOC_FLAGS_ALL}) return false;
  if (a.flags & DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS) {
    if (a.skip) {
      if (a.skip & (a.skip - 1)) return false;
      if (total % a.skip) return false;
    }
  }
  if (a.flags & DRM_MDL_ALLOC_FAST_LARGE_PAGES) {
    if (!(a.flags & DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS)) return false;
    if (!a.skip || a.skip % (2 * MiB)) return false;
  }
  return true;
}

// Keeps valid requests cheap: a request that could really take hundreds
// of MiB (or walk a million windows) is shrunk, unless its window lies
// wholly above RAM, where it must fail fast with ENOMEM. Malformed requests
// keep their sizes: they must be refused before any page is touched.
void Fuzzer::tame(drm_mdl_alloc& a) {
  if (!alloc_valid(a)) return;
  if (a.low >= top_) return;
  bool rcc = a.flags & DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS;
  if (rcc && a.skip > 4 * MiB) {
    a.skip = rng_.one_in(2) ? 2 * MiB : 64 * KiB;
    if (a.flags & DRM_MDL_ALLOC_FAST_LARGE_PAGES) a.skip = 2 * MiB;
  }
  uint64_t limit = rcc && a.skip ? std::max<uint64_t>(a.skip, kLarge) : kLarge;
  if (a.total_bytes > limit) {
    if (rcc && a.skip)
      a.total_bytes = a.skip * (1 + rng_.below(std::max<uint64_t>(1, kLarge / a.skip)));
    else
      a.total_bytes = 1 + rng_.below(kLarge);
  }
  // SkipBytes walks windows up to the top of RAM, each tried in turn when
  // it cannot deliver, at up to 20 ms a window under TCG: measured, 78 s
  // for 4096 windows of 64 KiB, 16 s for half a million of one page.
  // mdl_harden window-walk checks that cost on its own; here the walk is
  // kept to 256 windows.
  if (!rcc && a.skip && (top_ - a.low) / a.skip > 256)
    a.skip = ((top_ - a.low) / 256 + kPage - 1) & ~(kPage - 1);
}

bool Fuzzer::page_in_window(const drm_mdl_alloc& a, uint64_t phys) const {
  uint64_t last = phys + kPage - 1;
  bool rcc = a.flags & DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS;
  if (!a.skip || rcc) {
    if (phys < a.low) return false;
    return a.high == DRM_MDL_HIGH_UNLIMITED || last <= a.high;
  }
  if (phys < a.low) return false;
  uint64_t k = (phys - a.low) / a.skip;  // the last window that starts at or below phys
  if (a.high == DRM_MDL_HIGH_UNLIMITED) return true;
  unsigned __int128 hi = static_cast<unsigned __int128>(a.high) +
                         static_cast<unsigned __int128>(k) * a.skip;
  return last <= hi;
}

UPtr Fuzzer::entries_ptr(uint64_t want) {
  auto rw = reinterpret_cast<uint64_t>(ar_.rw);
  switch (rng_.below(12)) {
    case 0: return {0, "NULL"};
    case 1: return {0xffff888000000000ull + rng_.below(1 << 20) * 16, "kernel"};
    case 2: return {reinterpret_cast<uint64_t>(ar_.guard), "guard page"};
    case 3: return {reinterpret_cast<uint64_t>(ar_.ro), "read-only page"};
    case 4: return {reinterpret_cast<uint64_t>(ar_.hole) + rng_.below(Arena::kHolePages * kPage),
                    "unmapped"};
    case 5: {
      // Ends inside the guard page after want entries minus a few.
      uint64_t fit = rng_.below(std::min<uint64_t>(want + 1, 64));
      return {reinterpret_cast<uint64_t>(ar_.guard) - fit * 16, "runs into the guard page"};
    }
    case 6: return {0x8000000000000000ull | rng_.next(), "non-canonical"};
    case 7: return {rw + 1 + rng_.below(15), "misaligned"};
    default: return {rw, "arena"};
  }
}

uint32_t Fuzzer::handle_for(File& f, const char** kind) {
  uint64_t r = rng_.below(100);
  if (r < 60 && !f.live.empty()) {
    auto it = f.live.begin();
    std::advance(it, static_cast<long>(rng_.below(f.live.size())));
    *kind = "live";
    return it->first;
  }
  if (r < 72 && !f.freed.empty()) {
    *kind = "stale";
    return rng_.pick(f.freed);
  }
  if (r < 86) {
    File& o = files_[rng_.below(files_.size())];
    if (&o != &f && !o.live.empty()) {
      auto it = o.live.begin();
      std::advance(it, static_cast<long>(rng_.below(o.live.size())));
      *kind = "foreign";
      return it->first;
    }
  }
  *kind = "random";
  switch (rng_.below(4)) {
    case 0: return 0;
    case 1: return ~0u;
    case 2: return static_cast<uint32_t>(1 + rng_.below(64));
    default: return static_cast<uint32_t>(rng_.next());
  }
}

// ------------------------------------------------------------ operations --

void Fuzzer::check_alloc_reply(File& f, const drm_mdl_alloc& a) {
  uint64_t total = (a.total_bytes + kPage - 1) & ~(kPage - 1);
  std::string what = "ALLOC total=" + mdl::hex(a.total_bytes) + " low=" + mdl::hex(a.low) +
                     " high=" + mdl::hex(a.high) + " skip=" + mdl::hex(a.skip) +
                     " flags=" + mdl::hex(a.flags) + " cache=" + std::to_string(a.cache_type) +
                     ": byte_count=" + mdl::hex(a.byte_count) +
                     " page_count=" + std::to_string(a.page_count) +
                     " chunks=" + std::to_string(a.chunk_count) +
                     " segments=" + std::to_string(a.dma_segment_count) +
                     " handle=" + std::to_string(a.handle);
  expect(a.byte_count == total, "wrong byte_count: " + what);
  expect(a.page_count * kPage == a.byte_count, "page_count != byte_count/4K: " + what);
  expect(a.chunk_count >= 1 && a.chunk_count <= a.page_count,
         "chunk_count out of range: " + what);
  expect(a.dma_segment_count >= 1 && a.dma_segment_count <= a.page_count,
         "dma_segment_count out of range: " + what);
  expect(a.handle != 0, "handle 0: " + what);
  expect(f.uncertain || !is_live(f, a.handle), "handle already in use: " + what);
  if (a.flags & DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS) {
    if (!a.skip)
      expect(a.chunk_count == 1, "REQUIRE_CONTIGUOUS gave several chunks: " + what);
    else
      expect(a.chunk_count <= total / a.skip,
             "more chunks than skip-sized blocks: " + what);
  }
}

// Reads the whole page table and checks it: DMA addresses present, physical
// addresses only for root, in the window, the same on every reading.
void Fuzzer::check_pages(File& f, uint32_t h, const drm_mdl_alloc* req) {
  auto it = f.live.find(h);
  if (it == f.live.end()) return;
  Obj& o = it->second;
  uint64_t pc = o.bytes / kPage;
  if (pc > ar_.rw_bytes() / sizeof(drm_mdl_page_entry)) return;
  drm_mdl_get_pages g{};
  g.handle = h;
  g.count = pc;
  g.entries_ptr = reinterpret_cast<uint64_t>(ar_.rw);
  int e = call(f, DRM_IOCTL_MDL_GET_PAGES, &g, "GET_PAGES(check)");
  expect(e == 0, "GET_PAGES of a live handle: " + errname(e));
  if (e) return;
  expect(g.count == pc && g.page_count == pc, "GET_PAGES count/page_count mismatch");
  auto* ent = reinterpret_cast<drm_mdl_page_entry*>(ar_.rw);
  std::vector<drm_mdl_page_entry> got(ent, ent + g.count);
  // Without CAP_SYS_ADMIN a DMA address is shown only where it is not the
  // physical one: behind a translating IOMMU.
  const bool dma_shown = root_ || (devs_[f.dev].info.caps & DRM_MDL_CAP_IOMMU);
  for (uint64_t i = 0; i < g.count; i++) {
    if (dma_shown)
      expect(got[i].dma_addr != 0 && got[i].dma_addr % kPage == 0,
             "page " + std::to_string(i) + ": bad DMA address");
    else
      expect(got[i].dma_addr == 0, "page " + std::to_string(i) +
                                       ": the DMA address of a device without translation (the "
                                       "physical one) shown to an unprivileged caller");
    if (root_) {
      expect(got[i].phys_addr != 0 && got[i].phys_addr % kPage == 0,
             "page " + std::to_string(i) + ": root gets no physical address");
      if (req)
        expect(page_in_window(*req, got[i].phys_addr),
               "page " + std::to_string(i) + " at " + mdl::hex(got[i].phys_addr) +
                   " outside the requested window");
    } else {
      expect(got[i].phys_addr == 0, "physical address shown to an unprivileged caller");
    }
  }
  if (o.pages.empty()) {
    o.pages = got;
  } else {
    bool same = o.pages.size() == got.size();
    for (size_t i = 0; same && i < got.size(); i++)
      same = o.pages[i].dma_addr == got[i].dma_addr && o.pages[i].phys_addr == got[i].phys_addr;
    expect(same, "the page table changed between two readings");
  }
}

void Fuzzer::op_alloc() {
  File& f = files_[rng_.below(files_.size())];
  drm_mdl_alloc a = gen_alloc();
  tame(a);
  bool valid = alloc_valid(a);
  drm_mdl_alloc sent = a;
  detail_ = "ALLOC total=" + mdl::hex(a.total_bytes) + " low=" + mdl::hex(a.low) +
            " high=" + mdl::hex(a.high) + " skip=" + mdl::hex(a.skip) + " flags=" + mdl::hex(a.flags) +
            " cache=" + std::to_string(a.cache_type) + " pad=" + std::to_string(a.pad) +
            (devs_[f.dev].edu ? " (edu)" : " (platform)");
  int e = call(f, DRM_IOCTL_MDL_ALLOC, &a, "ALLOC");
  std::string what = "ALLOC total=" + mdl::hex(sent.total_bytes) + " low=" + mdl::hex(sent.low) +
                     " high=" + mdl::hex(sent.high) + " skip=" + mdl::hex(sent.skip) +
                     " flags=" + mdl::hex(sent.flags) + " cache=" + std::to_string(sent.cache_type) +
                     " pad=" + std::to_string(sent.pad);
  if (!valid) {
    expect(e == EINVAL, what + ": malformed, got " + errname(e) + ", want EINVAL");
    return;
  }
  if ((a.flags & DRM_MDL_ALLOC_DONT_ZERO) && !root_) {
    expect(e == EPERM, what + ": DONT_ZERO unprivileged, got " + errname(e));
    return;
  }
  // Placing memory is for CAP_SYS_ADMIN: all of memory or [0, >= 4 GiB - 1],
  // no SkipBytes, no contiguous block beyond the buddy allocator's 4 MiB.
  // With contiguous chunks, skip is the block size rather than a stride.
  const bool blocks = sent.flags & DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS;
  const uint64_t block = sent.skip ? sent.skip : (sent.total_bytes + kPage - 1) & ~(kPage - 1);
  const bool places = sent.low != 0 || sent.high < 0xffffffffull || (sent.skip != 0 && !blocks) ||
                      (blocks && block > (4ull << 20));
  if (places && !root_) {
    expect(e == EPERM, what + ": placement unprivileged, got " + errname(e) + ", want EPERM");
    return;
  }
  if (sent.low >= top_ && !ram_.empty()) {
    expect(e == ENOMEM, what + ": window above RAM, got " + errname(e));
    return;
  }
  expect(e == 0 || e == ENOMEM, what + ": got " + errname(e) + ", want 0 or ENOMEM");
  if (e) return;
  st_.allocs_ok++;
  st_.pages_allocated += a.page_count;
  check_alloc_reply(f, a);
  f.live[a.handle] = Obj{a.byte_count, 0, {}};
  if (a.page_count <= 64 || rng_.one_in(8)) check_pages(f, a.handle, &sent);
}

void Fuzzer::op_free() {
  File& f = files_[rng_.below(files_.size())];
  const char* kind;
  drm_mdl_free a{};
  a.handle = handle_for(f, &kind);
  bool pad = rng_.one_in(16);
  if (pad) a.pad = 1 + static_cast<uint32_t>(rng_.below(1000));
  bool live = is_live(f, a.handle);
  int e = call(f, DRM_IOCTL_MDL_FREE, &a, "FREE");
  std::string what = std::string("FREE of a ") + kind + " handle " + std::to_string(a.handle);
  if (pad) {
    expect(e == EINVAL, what + " with pad: " + errname(e));
  } else if (live) {
    expect(e == 0, what + ": " + errname(e));
  } else if (!f.uncertain) {
    expect(e == ENOENT, what + ": " + errname(e) + ", want ENOENT");
  }
  if (!e) {
    f.live.erase(a.handle);
    f.freed.push_back(a.handle);
  }
}

void Fuzzer::op_gem_close() {
  File& f = files_[rng_.below(files_.size())];
  const char* kind;
  drm_gem_close a{};
  a.handle = handle_for(f, &kind);
  bool live = is_live(f, a.handle);
  int e = call(f, DRM_IOCTL_GEM_CLOSE, &a, "GEM_CLOSE");
  std::string what = std::string("GEM_CLOSE of a ") + kind + " handle";
  if (live)
    expect(e == 0, what + ": " + errname(e));
  else if (!f.uncertain)
    expect(e == EINVAL, what + ": " + errname(e) + ", want EINVAL");
  if (!e) {
    f.live.erase(a.handle);
    f.freed.push_back(a.handle);
  }
}

void Fuzzer::op_get_pages() {
  File& f = files_[rng_.below(files_.size())];
  const char* kind;
  drm_mdl_get_pages g{};
  g.handle = handle_for(f, &kind);
  bool live = is_live(f, g.handle);
  uint64_t pc = live ? f.live[g.handle].bytes / kPage : 0;
  if (rng_.one_in(20)) g.flags = static_cast<uint32_t>(rng_.next() | 1);
  switch (rng_.below(6)) {
    case 0: g.first_page = rng_.below(pc + 2); break;
    case 1: g.first_page = pc; break;
    case 2: g.first_page = pc + 1; break;
    case 3: g.first_page = rng_.one_in(2) ? ~0ull : rng_.next(); break;
    default: g.first_page = 0;
  }
  switch (rng_.below(7)) {
    case 0: g.count = 0; break;
    case 1: g.count = 1; break;
    case 2: g.count = pc + 1; break;
    case 3: g.count = rng_.below(10000); break;
    case 4: g.count = rng_.one_in(2) ? ~0ull : 1ull << 63; break;
    default: g.count = pc;
  }
  uint64_t n = (live && g.first_page <= pc) ? std::min(g.count, pc - g.first_page) : 0;
  UPtr p = entries_ptr(n);
  g.entries_ptr = p.addr;
  drm_mdl_get_pages in = g;
  int e = call(f, DRM_IOCTL_MDL_GET_PAGES, &g, "GET_PAGES");
  std::string what = std::string("GET_PAGES ") + kind + " handle, first " +
                     std::to_string(in.first_page) + " count " + std::to_string(in.count) +
                     " of " + std::to_string(pc) + ", " + p.kind + " pointer";
  if (in.flags) {
    expect(e == EINVAL, what + " with flags: " + errname(e));
    return;
  }
  if (!live) {
    if (!f.uncertain) expect(e == ENOENT, what + ": " + errname(e) + ", want ENOENT");
    return;
  }
  if (in.first_page > pc) {
    expect(e == EINVAL, what + ": past the end, " + errname(e) + ", want EINVAL");
    return;
  }
  if (n == 0) {
    expect(e == 0 && g.count == 0 && g.page_count == pc, what + ": nothing to copy, " + errname(e));
    return;
  }
  if (ar_.writable(in.entries_ptr, n * sizeof(drm_mdl_page_entry))) {
    expect(e == 0 && g.count == n && g.page_count == pc, what + ": " + errname(e));
  } else {
    expect(e == EFAULT, what + ": " + errname(e) + ", want EFAULT");
    // drm_ioctl() copies the struct back even then: the outputs must
    // still say what was asked.
    if (e == EFAULT) expect(g.count == in.count, what + ": count changed on EFAULT");
  }
}

void Fuzzer::op_map_offset() {
  File& f = files_[rng_.below(files_.size())];
  const char* kind;
  drm_mdl_map_offset m{};
  m.handle = handle_for(f, &kind);
  bool flags = rng_.one_in(16);
  if (flags) m.flags = static_cast<uint32_t>(rng_.next() | 1);
  bool live = is_live(f, m.handle);
  int e = call(f, DRM_IOCTL_MDL_MAP_OFFSET, &m, "MAP_OFFSET");
  std::string what = std::string("MAP_OFFSET of a ") + kind + " handle";
  if (flags) {
    expect(e == EINVAL, what + " with flags: " + errname(e));
  } else if (live) {
    expect(e == 0 && m.offset && m.offset % kPage == 0, what + ": " + errname(e));
    Obj& o = f.live[m.handle];
    if (!e) {
      expect(!o.offset || o.offset == m.offset, what + ": the offset changed");
      o.offset = m.offset;
    }
  } else if (!f.uncertain) {
    expect(e == ENOENT, what + ": " + errname(e) + ", want ENOENT");
  }
}

void Fuzzer::op_mmap() {
  if (maps_.size() >= kMaxMaps) drop_map(rng_.below(maps_.size()));
  File& f = files_[rng_.below(files_.size())];
  if (f.live.empty()) return;
  auto it = f.live.begin();
  std::advance(it, static_cast<long>(rng_.below(f.live.size())));
  Obj& o = it->second;
  if (!o.offset) {
    drm_mdl_map_offset m{};
    m.handle = it->first;
    if (call(f, DRM_IOCTL_MDL_MAP_OFFSET, &m, "MAP_OFFSET")) return;
    o.offset = m.offset;
  }
  uint64_t off = o.offset, len = o.bytes;
  switch (rng_.below(10)) {
    case 0: len = o.bytes + kPage; break;                         // one page too long
    case 1: off = o.offset + o.bytes; len = kPage; break;         // past the end
    case 2: off = o.offset - kPage; break;                        // before the start
    case 3:
      if (o.bytes > kPage) len = o.bytes - kPage;  // a valid head
      break;
    case 4: off = o.offset + kPage; break;                        // tail too long
    case 5: len = 1ull << 40; break;
    case 6: off = rng_.below(1ull << 30) * kPage; break;
    default: break;
  }
  bool shared = !rng_.one_in(8);
  int prot = rng_.one_in(6) ? PROT_READ : PROT_READ | PROT_WRITE;
  // Another file of the same device: it has no handle, so no access.
  File* target = &f;
  if (rng_.one_in(10)) target = &files_[rng_.below(files_.size())];
  st_.mmaps++;
  void* p = mmap(nullptr, len, prot, shared ? MAP_SHARED : MAP_PRIVATE, target->fd,
                 static_cast<off_t>(off));
  // DRM looks offsets up exactly: a mapping starts at an object's start.
  bool in_range = off == o.offset && len <= o.bytes;
  bool same = target == &f;
  char what[160];
  std::snprintf(what, sizeof(what), "mmap of a %" PRIu64 "-byte object at +%" PRId64 " len %" PRIu64 " %s %s",
                o.bytes, static_cast<int64_t>(off - o.offset), len, shared ? "shared" : "private",
                same ? "same file" : "other file");
  if (p == MAP_FAILED) {
    expect(!(same && shared && in_range && len), std::string(what) + " failed: " + errname(errno));
    return;
  }
  if (!(shared && in_range)) {
    // drm's offset lookup is exact: the range may be another object of the
    // target file that starts right there (objects' offsets are adjacent).
    bool other = false;
    for (auto& [h, x] : target->live) {
      if (!x.offset) {
        drm_mdl_map_offset q{};
        q.handle = h;
        if (!call(*target, DRM_IOCTL_MDL_MAP_OFFSET, &q, "MAP_OFFSET(resolve)")) x.offset = q.offset;
      }
      if (x.offset == off && len <= x.bytes) other = true;
    }
    // An uncertain file holds handles the fuzzer never learnt (a
    // self-import of unknown size, an ALLOC whose reply it could not
    // read): their objects' offsets may sit right there too, legitimately.
    bool allowed = shared && (other || target->uncertain);
    if (!allowed) {
      std::string owner;
      for (size_t i = 0; i < files_.size(); i++)
        for (auto& [h, x] : files_[i].live)
          if (x.offset == off)
            owner = "; file " + std::to_string(i) + " handle " + std::to_string(h) + " has that offset";
      expect(false, std::string(what) + " was allowed (target file " +
                        (target->uncertain ? "uncertain" : "certain") + owner + ")");
    }
    std::string why;
    expect(touch(static_cast<uint8_t*>(p), len, false, &why), std::string(what) + ": " + why);
    munmap(p, len);
    return;
  }
  std::string why;
  expect(touch(static_cast<uint8_t*>(p), len, prot & PROT_WRITE, &why), std::string(what) + ": " + why);
  maps_.push_back({static_cast<uint8_t*>(p), len, (prot & PROT_WRITE) != 0});
}

void Fuzzer::op_munmap_touch() {
  if (maps_.empty()) return;
  size_t i = rng_.below(maps_.size());
  std::string why;
  // Mappings outlive handles, files and FREE: they must still work.
  expect(touch(maps_[i].addr, maps_[i].len, maps_[i].writable, &why), "old mapping: " + why);
  if (rng_.one_in(2)) drop_map(i);
}

// Unmap pages out of the middle of a mapping: a PMD over them is split
// (dropped, on a PFN map) and the pages left on either side refault. The
// two halves stay mappings of their own, touched now and later.
void Fuzzer::op_punch_map() {
  if (maps_.empty() || maps_.size() >= kMaxMaps) return;
  size_t i = rng_.below(maps_.size());
  const MapEnt m = maps_[i];
  const size_t pages = m.len / kPage;
  if (pages < 3) return;
  const size_t first = 1 + rng_.below(pages - 2);
  const size_t count = 1 + rng_.below(pages - first - 1);
  std::string why;
  expect(touch(m.addr, m.len, m.writable, &why), "mapping before the punch: " + why);
  expect(munmap(m.addr + first * kPage, count * kPage) == 0,
         "munmap of pages " + std::to_string(first) + " + " + std::to_string(count) + " of " +
             std::to_string(pages) + ": " + errname(errno));
  maps_.erase(maps_.begin() + static_cast<long>(i));
  const MapEnt head{m.addr, first * kPage, m.writable};
  const MapEnt tail{m.addr + (first + count) * kPage, (pages - first - count) * kPage, m.writable};
  for (const MapEnt& part : {head, tail}) {
    expect(touch(part.addr, part.len, part.writable, &why), "mapping after a punch: " + why);
    maps_.push_back(part);
  }
}

void Fuzzer::op_info() {
  File& f = files_[rng_.below(files_.size())];
  drm_mdl_info in{};
  bool flags = rng_.one_in(8);
  if (flags) in.flags = static_cast<uint32_t>(rng_.next() | 1);
  int e = call(f, DRM_IOCTL_MDL_INFO, &in, "INFO");
  if (flags) {
    expect(e == EINVAL, "INFO with flags: " + errname(e));
    return;
  }
  expect(e == 0 && in.max_total_bytes == kCap && in.page_size == kPage &&
             in.supported_flags == DRM_MDL_ALLOC_FLAGS_ALL && in.cache_types == 7 &&
             ((in.caps & DRM_MDL_CAP_DMA_COPY) != 0) == devs_[f.dev].edu,
         "INFO: " + errname(e) + " or wrong fields");
}

void Fuzzer::op_dma_copy() {
  File& f = files_[rng_.below(files_.size())];
  const char* k1;
  const char* k2;
  drm_mdl_dma_copy c{};
  c.src_handle = handle_for(f, &k1);
  c.dst_handle = handle_for(f, &k2);
  uint64_t sb = is_live(f, c.src_handle) ? f.live[c.src_handle].bytes : 0;
  uint64_t db = is_live(f, c.dst_handle) ? f.live[c.dst_handle].bytes : 0;
  auto offset = [&](uint64_t bytes) -> uint64_t {
    switch (rng_.below(6)) {
      case 0: return bytes;
      case 1: return bytes ? bytes - 1 : 0;
      case 2: return ~0ull - rng_.below(100);
      case 3: return rng_.below(bytes + 1);
      default: return 0;
    }
  };
  c.src_offset = offset(sb);
  c.dst_offset = offset(db);
  switch (rng_.below(8)) {
    case 0: c.size = 0; break;
    case 1: c.size = 64 * KiB + 1; break;
    case 2: c.size = ~0ull; break;
    case 3: c.size = 64 * KiB; break;
    case 4: c.size = rng_.next(); break;
    default: c.size = 1 + rng_.below(4095);
  }
  if (rng_.one_in(16)) c.flags = 1;
  if (rng_.one_in(16)) c.pad = 1;
  auto fits = [](uint64_t off, uint64_t size, uint64_t bytes) {
    return off <= bytes && size <= bytes - off;
  };
  bool live = is_live(f, c.src_handle) && is_live(f, c.dst_handle);
  bool would_copy = !c.flags && !c.pad && devs_[f.dev].edu && live && c.size &&
                    c.size <= 64 * KiB && fits(c.src_offset, c.size, sb) &&
                    fits(c.dst_offset, c.size, db);
  // A real copy costs the edu device ~100 ms per transfer under TCG: let
  // through at most one in 20000 ioctls, and only one transfer long.
  if (would_copy && (c.size >= 4096 || st_.ioctls - last_copy_ < 20000)) {
    c.size = 0;
    would_copy = false;
  }
  drm_mdl_dma_copy in = c;
  int e = call(f, DRM_IOCTL_MDL_DMA_COPY, &c, "DMA_COPY");
  std::string what = std::string("DMA_COPY ") + k1 + "->" + k2 + " size " + std::to_string(in.size);
  if (in.flags || in.pad) {
    expect(e == EINVAL, what + " with flags/pad: " + errname(e));
  } else if (!devs_[f.dev].edu) {
    expect(e == EOPNOTSUPP, what + " without an engine: " + errname(e));
  } else if (!live) {
    if (!f.uncertain) expect(e == ENOENT, what + ": " + errname(e) + ", want ENOENT");
  } else if (!would_copy) {
    expect(e == EINVAL, what + ": out of range, " + errname(e) + ", want EINVAL");
  } else {
    expect(e == 0, what + ": " + errname(e));
    last_copy_ = st_.ioctls;
    st_.dma_copies++;
  }
}

void Fuzzer::op_prime_export() {
  if (bufs_.size() >= kMaxBufs) close_buf(rng_.below(bufs_.size()));
  File& f = files_[rng_.below(files_.size())];
  const char* kind;
  drm_prime_handle p{};
  p.handle = handle_for(f, &kind);
  p.flags = DRM_CLOEXEC | (rng_.one_in(3) ? 0 : DRM_RDWR);
  bool bad_flags = rng_.one_in(12);
  if (bad_flags) p.flags |= 1u << (3 + rng_.below(16));
  p.fd = -1;
  bool live = is_live(f, p.handle);
  int e = call(f, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p, "PRIME_HANDLE_TO_FD");
  std::string what = std::string("PRIME export of a ") + kind + " handle";
  if (bad_flags && (p.flags & ~uint32_t(DRM_CLOEXEC | DRM_RDWR))) {
    expect(e == EINVAL, what + " with unknown flags: " + errname(e));
  } else if (live) {
    expect(e == 0 && p.fd >= 0, what + ": " + errname(e));
  } else if (!f.uncertain) {
    expect(e == ENOENT, what + ": " + errname(e) + ", want ENOENT");
  }
  if (!e && p.fd >= 0)
    bufs_.push_back({p.fd, f.dev, live ? f.live[p.handle].bytes : 0, (p.flags & DRM_RDWR) != 0});
}

void Fuzzer::op_prime_import() {
  File& f = files_[rng_.below(files_.size())];
  drm_prime_handle p{};
  int junk = -1;
  const Buf* b = nullptr;
  switch (rng_.below(5)) {
    case 0: p.fd = -1; break;
    case 1: p.fd = 1 << 20; break;
    case 2:
      junk = open("/dev/null", O_RDONLY | O_CLOEXEC);
      p.fd = junk;
      break;
    default:
      if (bufs_.empty()) return;
      b = &bufs_[rng_.below(bufs_.size())];
      p.fd = b->fd;
  }
  int e = call(f, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p, "PRIME_FD_TO_HANDLE");
  if (junk >= 0) close(junk);
  if (b && b->dev == f.dev) {
    expect(e == 0 && p.handle != 0, "import of our own dma-buf: " + errname(e));
    if (!e && b->bytes) {
      // Re-importing gives the handle the file already has for the object.
      if (!is_live(f, p.handle)) f.live[p.handle] = Obj{b->bytes, 0, {}};
    } else if (!e) {
      f.uncertain = true;
    }
    return;
  }
  // Another device's buffer (drm-mdl imports no foreign pages) or no
  // dma-buf at all.
  expect(e != 0, std::string("import of ") + (b ? "another device's dma-buf" : "a non-dma-buf fd") +
                     " succeeded");
}

void Fuzzer::op_dmabuf() {
  if (bufs_.empty()) return;
  size_t i = rng_.below(bufs_.size());
  Buf& b = bufs_[i];
  switch (rng_.below(4)) {
    case 0: {
      dma_buf_sync s{};
      static const uint64_t ok[] = {DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW,
                                    DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE};
      bool bad = rng_.one_in(4);
      s.flags = bad ? (rng_.next() | 8) : ok[rng_.below(4)];
      int e = call_fd(b.fd, DMA_BUF_IOCTL_SYNC, &s, "DMA_BUF_IOCTL_SYNC");
      expect(bad ? e == EINVAL : e == 0, "dma-buf sync: " + errname(e));
      break;
    }
    case 1: {
      if (!b.bytes || maps_.size() >= kMaxMaps) break;
      uint64_t len = rng_.one_in(4) ? b.bytes + kPage : b.bytes;
      int prot = b.writable ? PROT_READ | PROT_WRITE : PROT_READ;
      st_.mmaps++;
      void* p = mmap(nullptr, len, prot, MAP_SHARED, b.fd, 0);
      if (len > b.bytes) {
        expect(p == MAP_FAILED, "dma-buf mmap past the end was allowed");
        if (p != MAP_FAILED) munmap(p, len);
        break;
      }
      if (p == MAP_FAILED && errno == EACCES && b.writable) {
        // Exporting an object again hands out its first dma-buf, with the
        // access mode of the first export (DRM core).
        prot = PROT_READ;
        b.writable = false;
        p = mmap(nullptr, len, prot, MAP_SHARED, b.fd, 0);
      }
      expect(p != MAP_FAILED, "dma-buf mmap: " + errname(errno));
      if (p == MAP_FAILED) break;
      std::string why;
      expect(touch(static_cast<uint8_t*>(p), len, b.writable, &why), "dma-buf mapping: " + why);
      maps_.push_back({static_cast<uint8_t*>(p), len, b.writable});
      break;
    }
    default:
      close_buf(i);
  }
}

// vgem imports our buffers (a foreign importer mapping them on its own
// device); drm-mdl must refuse to import vgem's.
void Fuzzer::op_vgem() {
  if (vgem_ < 0) return;
  if (!bufs_.empty() && rng_.one_in(2)) {
    drm_prime_handle p{};
    p.fd = bufs_[rng_.below(bufs_.size())].fd;
    int e = call_fd(vgem_, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p, "vgem PRIME_FD_TO_HANDLE");
    expect(e == 0, "vgem import of an mdl dma-buf: " + errname(e));
    if (!e) vgem_handles_.push_back(p.handle);
  } else if (!vgem_handles_.empty() && rng_.one_in(2)) {
    size_t i = rng_.below(vgem_handles_.size());
    drm_gem_close c{};
    c.handle = vgem_handles_[i];
    call_fd(vgem_, DRM_IOCTL_GEM_CLOSE, &c, "vgem GEM_CLOSE");
    vgem_handles_.erase(vgem_handles_.begin() + static_cast<long>(i));
  } else {
    drm_mode_create_dumb d{};
    d.width = 64;
    d.height = 64;
    d.bpp = 32;
    if (call_fd(vgem_, DRM_IOCTL_MODE_CREATE_DUMB, &d, "vgem CREATE_DUMB")) return;
    drm_prime_handle p{};
    p.handle = d.handle;
    p.flags = DRM_CLOEXEC;
    if (!call_fd(vgem_, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p, "vgem PRIME_HANDLE_TO_FD")) {
      File& f = files_[rng_.below(files_.size())];
      drm_prime_handle q{};
      q.fd = p.fd;
      int e = call(f, DRM_IOCTL_PRIME_FD_TO_HANDLE, &q, "PRIME_FD_TO_HANDLE(vgem)");
      expect(e != 0, "drm-mdl imported a vgem buffer");
      if (!e) f.uncertain = true;
      close(p.fd);
    }
    drm_gem_close c{};
    c.handle = d.handle;
    call_fd(vgem_, DRM_IOCTL_GEM_CLOSE, &c, "vgem GEM_CLOSE");
  }
}

// The argument pointer itself is bad: unmapped, kernel, NULL, straddling
// the guard page, or read-only where the kernel must write back.
void Fuzzer::op_bad_pointer() {
  File& f = files_[rng_.below(files_.size())];
  static const unsigned long reqs[] = {DRM_IOCTL_MDL_ALLOC, DRM_IOCTL_MDL_FREE,
                                       DRM_IOCTL_MDL_GET_PAGES, DRM_IOCTL_MDL_MAP_OFFSET,
                                       DRM_IOCTL_MDL_INFO, DRM_IOCTL_MDL_DMA_COPY,
                                       DRM_IOCTL_PRIME_HANDLE_TO_FD};
  unsigned long req = reqs[rng_.below(std::size(reqs))];
  size_t size = _IOC_SIZE(req);
  uint64_t addr;
  bool ro = false;
  switch (rng_.below(6)) {
    case 0: addr = 0; break;
    case 1: addr = 0xffffffff81000000ull; break;
    case 2: addr = reinterpret_cast<uint64_t>(ar_.hole) + rng_.below(Arena::kHolePages) * kPage; break;
    case 3: addr = reinterpret_cast<uint64_t>(ar_.guard) - size + 1 + rng_.below(size - 1); break;
    case 4: addr = 0x8000000000000000ull | rng_.next(); break;
    default:
      addr = reinterpret_cast<uint64_t>(ar_.ro);  // all zeros: a request nobody can satisfy
      ro = true;
  }
  int e = call(f, req, reinterpret_cast<void*>(addr), "bad argument pointer");
  if (!ro || (_IOC_DIR(req) & _IOC_READ)) {
    expect(e == EFAULT, "ioctl " + mdl::hex(req) + " on a bad argument pointer: " + errname(e));
  } else {
    // Readable: the handler saw an all-zero struct (handle 0).
    expect(e != 0, "ioctl " + mdl::hex(req) + " with an all-zero argument succeeded");
  }
}

// Driver ioctl numbers with random sizes and directions (drm_ioctl() pads
// short structs with zeros and truncates long ones), and numbers past the
// driver's table.
void Fuzzer::op_random_nr() {
  File& f = files_[rng_.below(files_.size())];
  unsigned nr = DRM_COMMAND_BASE + static_cast<unsigned>(rng_.below(0x20));
  unsigned size = static_cast<unsigned>(rng_.below(129));
  unsigned dir = static_cast<unsigned>(rng_.below(4));
  uint8_t* arg = ar_.rw + ar_.rw_bytes() - 512;
  for (unsigned i = 0; i < 256; i++) arg[i] = static_cast<uint8_t>(rng_.below(4) ? 0 : rng_.next());
  // Pointers inside random structs must stay inside the arena.
  if (nr == DRM_COMMAND_BASE + DRM_MDL_GET_PAGES) {
    uint64_t p = 0xffff888000000000ull;
    std::memcpy(arg + offsetof(drm_mdl_get_pages, entries_ptr), &p, 8);
  }
  // Random sizes could ask for gigabytes or a 3-second device copy.
  if (nr == DRM_COMMAND_BASE + DRM_MDL_ALLOC) {
    uint64_t t = rng_.one_in(2) ? rng_.below(64 * KiB) : ~0ull;
    std::memcpy(arg + offsetof(drm_mdl_alloc, total_bytes), &t, 8);
  }
  if (nr == DRM_COMMAND_BASE + DRM_MDL_DMA_COPY) {
    uint64_t t = rng_.one_in(2) ? 0 : 64 * KiB + 1;
    std::memcpy(arg + offsetof(drm_mdl_dma_copy, size), &t, 8);
  }
  unsigned long req = _IOC(dir, DRM_IOCTL_BASE, nr, size);
  int e = call(f, req, arg, "random driver ioctl");
  if (nr >= DRM_COMMAND_BASE + 6)
    expect(e != 0, "ioctl nr " + mdl::hex(nr) + " past the driver's table succeeded");
  // A random ALLOC or FREE that worked changed handles behind the model.
  if (!e && (nr == DRM_COMMAND_BASE + DRM_MDL_ALLOC || nr == DRM_COMMAND_BASE + DRM_MDL_FREE))
    recycle(f);
}

// A valid ALLOC whose argument the kernel cannot write back: the handle is
// created but never reported (drm_ioctl returns EFAULT after the handler).
// The object must be freed with the file.
void Fuzzer::op_lost_handle() {
  File& f = files_[rng_.below(files_.size())];
  mprotect(ar_.ro, kPage, PROT_READ | PROT_WRITE);
  drm_mdl_alloc a{};
  a.high = DRM_MDL_HIGH_UNLIMITED;
  a.total_bytes = (1 + rng_.below(16)) * kPage;
  a.cache_type = DRM_MDL_CACHE_CACHED;
  std::memcpy(ar_.ro, &a, sizeof(a));
  mprotect(ar_.ro, kPage, PROT_READ);
  int e = call(f, DRM_IOCTL_MDL_ALLOC, ar_.ro, "ALLOC(read-only argument)");
  expect(e == EFAULT || e == ENOMEM, "ALLOC with a read-only argument: " + errname(e));
  f.uncertain = true;
  mprotect(ar_.ro, kPage, PROT_READ | PROT_WRITE);
  std::memset(ar_.ro, 0, kPage);
  mprotect(ar_.ro, kPage, PROT_READ);
}

void Fuzzer::op_recycle() {
  File& f = files_[rng_.below(files_.size())];
  recycle(f);
}

// A valid sequence, end to end, with its data checked.
void Fuzzer::op_sequence() {
  st_.sequences++;
  size_t fi = rng_.below(files_.size());
  File& f = files_[fi];
  uint64_t bytes = (1 + rng_.below(32)) * kPage;
  uint32_t cache = static_cast<uint32_t>(rng_.below(3));
  drm_mdl_alloc a{};
  a.high = DRM_MDL_HIGH_UNLIMITED;
  a.total_bytes = bytes;
  a.cache_type = cache;
  if (rng_.one_in(4)) a.flags = DRM_MDL_ALLOC_PREFER_CONTIGUOUS;
  if (rng_.one_in(4)) {
    a.flags = DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS;
    // Blocks of 2^k pages: the total must be a multiple.
    a.skip = kPage << rng_.below(3);
    a.total_bytes = bytes = (bytes + a.skip - 1) / a.skip * a.skip;
  }
  int e = call(f, DRM_IOCTL_MDL_ALLOC, &a, "ALLOC(sequence)");
  expect(e == 0 || e == ENOMEM, "sequence ALLOC: " + errname(e));
  if (e) return;
  check_alloc_reply(f, a);
  uint32_t h = a.handle;
  f.live[h] = Obj{a.byte_count, 0, {}};
  check_pages(f, h, &a);

  auto* m = static_cast<uint8_t*>(map(f.fd, h, bytes));
  expect(m != nullptr, "sequence mmap: " + errname(errno));
  if (!m) return;
  st_.ioctls++;  // MAP_OFFSET inside map()
  bool zero = std::all_of(m, m + bytes, [](uint8_t v) { return v == 0; });
  expect(zero, "a fresh allocation is not zero-filled");
  for (uint64_t i = 0; i < bytes; i += 8) {
    uint64_t v = seed_ ^ (i * 0x9e3779b97f4a7c15ull) ^ h;
    std::memcpy(m + i, &v, 8);
  }

  drm_prime_handle p{};
  p.handle = h;
  p.flags = DRM_CLOEXEC | DRM_RDWR;
  e = call(f, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p, "PRIME_HANDLE_TO_FD(sequence)");
  expect(e == 0, "sequence export: " + errname(e));
  if (!e) {
    void* d = mmap(nullptr, bytes, PROT_READ, MAP_SHARED, p.fd, 0);
    expect(d != MAP_FAILED, "sequence dma-buf mmap: " + errname(errno));
    if (d != MAP_FAILED) {
      expect(std::memcmp(d, m, bytes) == 0, "the dma-buf shows other bytes than the GEM mapping");
      munmap(d, bytes);
    }
    // The other file of the same device imports it: same pages.
    File& g = files_[fi ^ 1];
    drm_prime_handle q{};
    q.fd = p.fd;
    e = call(g, DRM_IOCTL_PRIME_FD_TO_HANDLE, &q, "PRIME_FD_TO_HANDLE(sequence)");
    expect(e == 0, "sequence import: " + errname(e));
    if (!e) {
      if (!is_live(g, q.handle)) g.live[q.handle] = Obj{bytes, 0, {}};
      Obj& gi = g.live[q.handle];
      Obj& fo = f.live[h];
      gi.pages.clear();
      check_pages(g, q.handle, nullptr);
      expect(gi.pages.size() == fo.pages.size() &&
                 std::equal(gi.pages.begin(), gi.pages.end(), fo.pages.begin(),
                            [](auto& x, auto& y) { return x.dma_addr == y.dma_addr; }),
             "an imported handle shows other DMA addresses than the original");
    }
    close(p.fd);
  }

  // On the edu device, a copy through the engine, checked.
  if (devs_[f.dev].edu && st_.ioctls - last_copy_ >= 20000) {
    drm_mdl_alloc b{};
    b.high = DRM_MDL_HIGH_UNLIMITED;
    b.total_bytes = kPage;
    b.cache_type = DRM_MDL_CACHE_CACHED;
    if (!call(f, DRM_IOCTL_MDL_ALLOC, &b, "ALLOC(copy target)")) {
      f.live[b.handle] = Obj{b.byte_count, 0, {}};
      drm_mdl_dma_copy c{};
      c.src_handle = h;
      c.dst_handle = b.handle;
      c.src_offset = bytes - 100;
      c.dst_offset = 7;
      c.size = 100;
      e = call(f, DRM_IOCTL_MDL_DMA_COPY, &c, "DMA_COPY(sequence)");
      expect(e == 0, "sequence DMA copy: " + errname(e));
      last_copy_ = st_.ioctls;
      st_.dma_copies++;
      if (!e) {
        auto* t = static_cast<uint8_t*>(map(f.fd, b.handle, kPage));
        st_.ioctls++;
        if (t) {
          expect(std::memcmp(t + 7, m + bytes - 100, 100) == 0,
                 "the device copied other bytes than the source holds");
          munmap(t, kPage);
        }
      }
    }
  }

  // Free while mapped: the mapping keeps the pages until munmap.
  drm_mdl_free fr{};
  fr.handle = h;
  e = call(f, DRM_IOCTL_MDL_FREE, &fr, "FREE(sequence)");
  expect(e == 0, "sequence free: " + errname(e));
  if (!e) {
    f.live.erase(h);
    f.freed.push_back(h);
  }
  uint64_t v = seed_ ^ ((bytes - 8) * 0x9e3779b97f4a7c15ull) ^ h;
  expect(std::memcmp(m + bytes - 8, &v, 8) == 0, "the mapping lost its data after FREE");
  munmap(m, bytes);
}

void Fuzzer::run() {
  struct Op {
    unsigned weight;
    void (Fuzzer::*fn)();
    const char* name;
  };
  static const Op ops[] = {
      {30, &Fuzzer::op_alloc, "alloc"},
      {12, &Fuzzer::op_free, "free"},
      {3, &Fuzzer::op_gem_close, "gem_close"},
      {14, &Fuzzer::op_get_pages, "get_pages"},
      {6, &Fuzzer::op_map_offset, "map_offset"},
      {4, &Fuzzer::op_mmap, "mmap"},
      {3, &Fuzzer::op_munmap_touch, "munmap_touch"},
      {1, &Fuzzer::op_punch_map, "punch_map"},
      {3, &Fuzzer::op_info, "info"},
      {6, &Fuzzer::op_dma_copy, "dma_copy"},
      {3, &Fuzzer::op_prime_export, "prime_export"},
      {3, &Fuzzer::op_prime_import, "prime_import"},
      {2, &Fuzzer::op_dmabuf, "dmabuf"},
      {1, &Fuzzer::op_vgem, "vgem"},
      {5, &Fuzzer::op_bad_pointer, "bad_pointer"},
      {4, &Fuzzer::op_random_nr, "random_nr"},
  };
  unsigned total = 0;
  for (auto& o : ops) total += o.weight;
  uint64_t next_check = 50000;
  double t0 = now();
  while (st_.ioctls < budget_) {
    if (rng_.one_in(2000)) {
      op_recycle();
    } else if (rng_.one_in(3000)) {
      op_lost_handle();
    } else if (rng_.one_in(400)) {
      op_sequence();
    } else {
      unsigned r = static_cast<unsigned>(rng_.below(total));
      for (auto& o : ops) {
        if (r < o.weight) {
          double t = now();
          (this->*o.fn)();
          auto& ot = st_.op_time[o.name];
          ot.first++;
          ot.second += now() - t;
          break;
        }
        r -= o.weight;
      }
    }
    // Files whose handles we no longer know are started afresh.
    for (auto& f : files_)
      if (f.uncertain && rng_.one_in(50)) recycle(f);
    // Keep the live set (and so memory) small.
    for (auto& f : files_)
      if (f.live.size() > 64) recycle(f);
    if (st_.ioctls >= next_check) {
      next_check += 50000;
      for (auto& l : kmsg_.reports()) {
        st_.failures++;
        std::printf("  fuzz: kernel report near ioctl %" PRIu64 " (seed %" PRIu64 "): %s\n", st_.ioctls,
                    seed_, l.c_str());
      }
      if (verbose_ || st_.ioctls % 200000 < 50000)
        std::printf("  fuzz: %s%" PRIu64 " ioctls, %.0f/s\n", root_ ? "" : "unprivileged: ",
                    st_.ioctls, static_cast<double>(st_.ioctls) / (now() - t0));
      std::fflush(stdout);
      if (st_.failures > 100) break;
    }
  }
  for (auto& l : kmsg_.reports()) {
    st_.failures++;
    std::printf("  fuzz: kernel report (seed %" PRIu64 "): %s\n", seed_, l.c_str());
  }
}

struct Result {
  uint64_t ioctls, mmaps, allocs_ok, pages, sequences, copies, failures, slow;
  double slow_secs;
  double slowest;
  char slowest_what[200];
};

Result summarize(const Stats& s) {
  Result r{s.ioctls, s.mmaps, s.allocs_ok, s.pages_allocated, s.sequences, s.dma_copies, s.failures,
           s.slow, s.slow_secs, s.slowest, {}};
  std::snprintf(r.slowest_what, sizeof(r.slowest_what), "%s", s.slowest_what.c_str());
  return r;
}

Result fuzz_once(uint64_t seed, uint64_t budget, bool privileged, bool verbose) {
  Fuzzer fz(seed, budget, privileged, verbose);
  if (!fz.setup()) {
    Result r{};
    r.failures = 1;
    return r;
  }
  fz.run();
  fz.teardown();
  if (verbose) {
    for (auto& [err, n] : fz.stats().by_errno)
      std::printf("  fuzz: %s%-10s %" PRIu64 "\n", privileged ? "" : "unprivileged ", err.c_str(), n);
    for (auto& [op, ct] : fz.stats().op_time)
      std::printf("  fuzz: %sop %-13s %8" PRIu64 " x %8.1f us\n", privileged ? "" : "unprivileged ",
                  op.c_str(), ct.first, ct.second / static_cast<double>(ct.first) * 1e6);
  }
  return summarize(fz.stats());
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t seed = 0;
  bool have_seed = false;
  uint64_t budget = 1000000;
  unsigned unpriv_pct = 20;
  bool verbose = false;
  std::string name = "fuzz";  // of the PASS/FAIL line: two runs in one suite differ
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "mdl_fuzz: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--seed") {
      seed = std::stoull(val(), nullptr, 0);
      have_seed = true;
    } else if (a == "--ioctls") {
      budget = std::stoull(val(), nullptr, 0);
    } else if (a == "--unprivileged") {
      unpriv_pct = static_cast<unsigned>(std::stoul(val()));
    } else if (a == "--name") {
      name = val();
    } else if (a == "--verbose" || a == "-v") {
      verbose = true;
    } else {
      std::fprintf(stderr,
                   "usage: mdl_fuzz [--seed N] [--ioctls N] [--unprivileged PERCENT] [--name NAME] "
                   "[--verbose]\n");
      return 2;
    }
  }
  if (!have_seed) seed = static_cast<uint64_t>(now() * 1e6) ^ static_cast<uint64_t>(getpid());
  unpriv_pct = std::min(unpriv_pct, 100u);
  uint64_t unpriv = budget * unpriv_pct / 100;
  uint64_t priv = budget - unpriv;

  std::printf("  fuzz: seed %" PRIu64 ", %" PRIu64 " ioctls (%" PRIu64
              " unprivileged); replay: mdl_fuzz --seed %" PRIu64 " --ioctls %" PRIu64
              " --unprivileged %u\n",
              seed, budget, unpriv, seed, budget, unpriv_pct);
  std::fflush(stdout);

  g_ram = system_ram();
  Kmsg kmsg;
  Totals before = wait_idle(1000);
  double t0 = now();
  Result root = fuzz_once(seed, priv, true, verbose);

  // The unprivileged share runs in a child that has dropped to nobody.
  Result user{};
  if (unpriv) {
    int p[2];
    if (pipe(p) != 0) return 2;
    int rc = run_child(
        [&]() -> int {
          close(p[0]);
          Result r = fuzz_once(seed ^ 0x5555555555555555ull, unpriv, false, verbose);
          return write(p[1], &r, sizeof(r)) == static_cast<ssize_t>(sizeof(r)) ? 0 : 1;
        },
        true);
    close(p[1]);
    if (read(p[0], &user, sizeof(user)) != static_cast<ssize_t>(sizeof(user)) || rc != 0) {
      std::printf("  fuzz: the unprivileged child failed (status %d)\n", rc);
      user.failures++;
    }
    close(p[0]);
  }
  double secs = now() - t0;

  Totals after = wait_idle(5000);
  int64_t leaked = static_cast<int64_t>(after.pages) - static_cast<int64_t>(before.pages);
  int64_t engine_leaked = after.engine_pages - before.engine_pages;
  uint64_t reports = 0;
  for (auto& l : kmsg.lines()) {
    if (Kmsg::is_report(l)) {
      reports++;
      std::printf("  fuzz: kernel: %s\n", l.c_str());
    }
  }
  uint64_t ioctls = root.ioctls + user.ioctls;
  uint64_t failures = root.failures + user.failures;
  std::printf("  fuzz: %.1f s, %.0f ioctls/s; %" PRIu64 " allocations succeeded (%" PRIu64
              " pages), %" PRIu64 " mmaps, %" PRIu64 " valid sequences, %" PRIu64
              " device copies\n",
              secs, static_cast<double>(ioctls) / secs, root.allocs_ok + user.allocs_ok,
              root.pages + user.pages, root.mmaps + user.mmaps, root.sequences + user.sequences,
              root.copies + user.copies);
  const Result& slow = root.slowest >= user.slowest ? root : user;
  std::printf("  fuzz: slowest ioctl %.3f s: %s; %" PRIu64 " ioctls over 0.5 s, %.0f s in them\n",
              slow.slowest, slow.slowest_what, root.slow + user.slow, root.slow_secs + user.slow_secs);
  std::printf("  fuzz: totals after: %s\n", describe(after).c_str());
  std::printf("fuzz: %" PRIu64 " ioctls, %" PRIu64 " kernel reports, %" PRId64
              " pages leaked, %" PRIu64 " contract violations (seed %" PRIu64 ")\n",
              ioctls, reports, std::max(leaked, engine_leaked), failures, seed);
  bool ok = failures == 0 && reports == 0 && idle(after) && ioctls >= budget;
  std::string text = std::to_string(ioctls) + " ioctls, seed " + std::to_string(seed);
  if (ok)
    pass(name, text);
  else
    fail(name, text + "; replay with: mdl_fuzz --seed " + std::to_string(seed) + " --ioctls " +
                     std::to_string(budget) + " --unprivileged " + std::to_string(unpriv_pct));
  return ok ? 0 : 1;
}
