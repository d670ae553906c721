// SPDX-License-Identifier: MIT
//
// mdl_bench_user: what drm-mdl costs a user-space caller, against the
// cheapest DRM ioctl and against vgem dumb buffers.
//
//   BM_IoctlVersion/D           DRM_IOCTL_VERSION with empty buffers: the
//                               floor of any DRM ioctl on the same file
//   BM_IoctlAllocFree/4096/D    DRM_IOCTL_MDL_ALLOC + DRM_IOCTL_MDL_FREE
//   BM_VgemDumbCreateDestroy/4096
//                               CREATE_DUMB + DESTROY_DUMB on vgem: what
//                               creating and dropping a GEM object and its
//                               handle costs in the DRM core's leanest
//                               driver, pages not even allocated yet
//   BM_MdlMmapTouch/64M/D/P     alloc, map offset, mmap, write one byte per
//                               page, munmap, free; P the pool before each
//                               repetition (untimed): 0 emptied, every page
//                               zeroed on the caller's path; 1 refilled,
//                               the size zeroed and the worker idle.
//                               "pooled": the share of pages the pool gave
//   BM_VgemDumbMmapTouch/64M    the same with a vgem dumb buffer:
//                               CREATE_DUMB, MAP_DUMB, mmap, touch, munmap,
//                               DESTROY_DUMB
//   BM_MdlTouchMapped/S/D       mmap, write one byte per page, munmap of an
//                               allocation made before the timing starts
//                               (2 MiB to 1 GiB): what a user mapping costs,
//                               with the faults it takes ("faults" counter,
//                               per repetition; minor faults of the process)
//                               and the allocation's 2 MiB-aligned 2 MiB
//                               runs ("pmd_runs", which a PMD can map);
//                               "huge_mappings" 1 where the kernel maps PFNs
//                               by PMD (DRM_MDL_CAP_HUGE_MAPPINGS)
//   BM_MdlTouchMappedByPages/S/D
//                               the same mapping placed one page off a
//                               2 MiB boundary, where no PMD fits and every
//                               fault maps up to 16 pages: the baseline of
//                               the huge mappings, on the same object
//   BM_VgemTouchMapped/S        the same on a vgem dumb buffer, a
//                               shmem-backed GEM object, created (and its
//                               pages populated by a first touch) before
//                               the timing starts
//
// D is the mdl device: 0 the PCI edu device (behind the IOMMU when the VM
// has one), 1 mdl's virtual platform device (DMA-direct, no IOMMU), which
// does what vgem does: no device mapping to speak of.
//
// Real time, since the work is in the kernel. Run it with
// --benchmark_repetitions=N --benchmark_format=json; tools/bench/report.py
// takes the median, min and max over the repetitions.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "mdl/host.hpp"
#include "mdl/mdl.hpp"

namespace {

constexpr size_t kPage = 4096;

std::optional<mdl::Device>& device(int64_t kind) {
  static std::optional<mdl::Device> devs[2] = {
      [] {
        auto d = mdl::Device::open_pci();
        return d ? std::optional<mdl::Device>(std::move(*d)) : std::nullopt;
      }(),
      [] {
        auto d = mdl::Device::open_platform();
        return d ? std::optional<mdl::Device>(std::move(*d)) : std::nullopt;
      }(),
  };
  return devs[kind ? 1 : 0];
}

// vgem's card node: dumb buffers are not allowed on render nodes.
mdl::UniqueFd& vgem() {
  static mdl::UniqueFd fd = [] {
    auto nodes = mdl::find_nodes("vgem");
    if (!nodes) return mdl::UniqueFd();
    for (const auto& n : *nodes) {
      if (n.primary_path.empty()) continue;
      int f = ::open(n.primary_path.c_str(), O_RDWR | O_CLOEXEC);
      if (f >= 0) return mdl::UniqueFd(f);
    }
    return mdl::UniqueFd();
  }();
  return fd;
}

void touch(const mdl::Mapping& m) {
  auto* p = static_cast<volatile uint8_t*>(m.data());
  for (size_t off = 0; off < m.size(); off += kPage) p[off] = 1;
}

// Minor faults the process has taken so far.
long minor_faults() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}

// mmap + touch + munmap of an existing object, timed, with its faults.
template <typename MapFn>
void touch_mapped(benchmark::State& state, uint64_t size, MapFn&& map) {
  long faults = 0;
  for (auto _ : state) {
    const long before = minor_faults();
    auto m = map();
    if (!m) return state.SkipWithError(("map: " + mdl::errno_name(m.errnum())).c_str());
    touch(*m);
    m->reset();
    faults += minor_faults() - before;
  }
  state.counters["faults"] = benchmark::Counter(static_cast<double>(faults),
                                                benchmark::Counter::kAvgIterations);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(size));
}

void BM_IoctlVersion(benchmark::State& state) {
  auto& dev = device(state.range(0));
  if (!dev) return state.SkipWithError("no such mdl device");
  for (auto _ : state) {
    drm_version v{};
    if (int err = dev->ioctl(DRM_IOCTL_VERSION, &v)) {
      return state.SkipWithError(("DRM_IOCTL_VERSION: " + mdl::errno_name(err)).c_str());
    }
    benchmark::DoNotOptimize(v.version_major);
  }
}

void BM_IoctlAllocFree(benchmark::State& state) {
  auto& dev = device(state.range(1));
  if (!dev) return state.SkipWithError("no such mdl device");
  const auto size = static_cast<uint64_t>(state.range(0));
  for (auto _ : state) {
    auto a = dev->alloc({.total_bytes = size});
    if (!a) return state.SkipWithError(("alloc: " + mdl::errno_name(a.errnum())).c_str());
    if (auto st = a->free(); !st) {
      return state.SkipWithError(("free: " + mdl::errno_name(st.errnum())).c_str());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

// The pool's state before each repetition of BM_MdlMmapTouch.
enum PoolBefore : int64_t {
  // Empty: every page comes from the page allocator and is zeroed on the
  // caller's path, as vgem's shmem pages are on their first touch.
  kPoolEmpty = 0,
  // Holding the size in zeroed pages, its worker idle: an application that
  // frees and later allocates again, with the time between for the worker.
  kPoolRefilled = 1,
};

// Brings the pool to @before for an allocation of @size, untimed. Returns
// the error, or "".
std::string prepare_pool(const mdl::Device& dev, int64_t before, uint64_t size) {
  if (before == kPoolEmpty) {
    return mdl::host::empty_pool()
               ? ""
               : "cannot empty the pool (debugfs mdl_pool and drop_caches need root)";
  }
  const uint64_t pages = size / kPage;
  auto ready = [&](const mdl::host::PoolState& s) {
    return !s.dirty_pages && s.clean_cached_pages >= pages;
  };
  auto now = mdl::host::pool_state();
  if (!now) return "no pool state (debugfs mdl_pool needs root)";
  if (now->clean_cached_pages + now->dirty_pages < pages) {
    // An allocation freed again: the pool takes its pages to zero.
    auto a = dev.alloc({.total_bytes = size});
    if (!a) return "alloc to refill the pool: " + mdl::errno_name(a.errnum());
  }
  if (!mdl::host::wait_for_pool(ready, std::chrono::seconds(30)))
    return "the pool did not hold the size zeroed within 30 s (pool_max_mb too low?)";
  return "";
}

void BM_MdlMmapTouch(benchmark::State& state) {
  auto& dev = device(state.range(1));
  if (!dev) return state.SkipWithError("no such mdl device");
  const auto size = static_cast<uint64_t>(state.range(0));
  const int64_t pool_before = state.range(2);
  uint64_t pooled = 0;
  for (auto _ : state) {
    state.PauseTiming();
    if (auto err = prepare_pool(*dev, pool_before, size); !err.empty())
      return state.SkipWithError(err.c_str());
    const auto hits_before = mdl::host::pool_state();
    state.ResumeTiming();
    auto a = dev->alloc({.total_bytes = size});
    if (!a) return state.SkipWithError(("alloc: " + mdl::errno_name(a.errnum())).c_str());
    auto m = dev->map(*a);
    if (!m) return state.SkipWithError(("map: " + mdl::errno_name(m.errnum())).c_str());
    touch(*m);
    m->reset();
    if (auto st = a->free(); !st) {
      return state.SkipWithError(("free: " + mdl::errno_name(st.errnum())).c_str());
    }
    state.PauseTiming();
    if (auto after = mdl::host::pool_state(); after && hits_before)
      pooled += after->hits - hits_before->hits;
    state.ResumeTiming();
  }
  // The share of the pages that came from the pool: 0 and 1 as asked, or
  // the bench did not measure what its name says (a caller in a memory
  // cgroup never gets pooled pages).
  state.counters["pooled"] = benchmark::Counter(static_cast<double>(pooled) /
                                                    static_cast<double>(size / kPage),
                                                benchmark::Counter::kAvgIterations);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

// A dumb buffer of @size bytes: 8 bits per pixel, rows of at most 64 KiB.
drm_mode_create_dumb dumb_args(uint64_t size) {
  drm_mode_create_dumb create{};
  create.width = static_cast<uint32_t>(std::min<uint64_t>(size, 65536));
  create.height = static_cast<uint32_t>(size / create.width);
  create.bpp = 8;
  return create;
}

// Creates a vgem dumb buffer of @size, runs @use on it, destroys it.
// Returns the first error, or "".
template <typename Use>
std::string vgem_dumb_cycle(int fd, uint64_t size, Use&& use) {
  drm_mode_create_dumb create = dumb_args(size);
  if (int err = mdl::raw_ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create))
    return "CREATE_DUMB: " + mdl::errno_name(err);
  std::string used = use(fd, create);
  drm_mode_destroy_dumb destroy{};
  destroy.handle = create.handle;
  if (int err = mdl::raw_ioctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &destroy))
    return "DESTROY_DUMB: " + mdl::errno_name(err);
  return used;
}

void BM_VgemDumbCreateDestroy(benchmark::State& state) {
  int fd = vgem().get();
  if (fd < 0) return state.SkipWithError("no vgem card node");
  const auto size = static_cast<uint64_t>(state.range(0));
  auto nothing = [](int, const drm_mode_create_dumb&) { return std::string(); };
  for (auto _ : state) {
    if (auto err = vgem_dumb_cycle(fd, size, nothing); !err.empty())
      return state.SkipWithError(err.c_str());
  }
}

void BM_VgemDumbMmapTouch(benchmark::State& state) {
  int fd = vgem().get();
  if (fd < 0) return state.SkipWithError("no vgem card node");
  const auto size = static_cast<uint64_t>(state.range(0));
  auto map_and_touch = [](int fd, const drm_mode_create_dumb& create) -> std::string {
    drm_mode_map_dumb map{};
    map.handle = create.handle;
    if (int err = mdl::raw_ioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map))
      return "MAP_DUMB: " + mdl::errno_name(err);
    auto m = mdl::Mapping::map_fd(fd, map.offset, create.size);
    if (!m) return "mmap: " + mdl::errno_name(m.errnum());
    touch(*m);
    return "";
  };
  for (auto _ : state) {
    if (auto err = vgem_dumb_cycle(fd, size, map_and_touch); !err.empty())
      return state.SkipWithError(err.c_str());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

// The 2 MiB blocks of @a that are one 2 MiB-aligned physical run, which a
// PMD can map; the rest of @a maps 16 pages a fault. An allocation that took
// some of the pool's smaller blocks has fewer than its size says. Needs the
// physical addresses (CAP_SYS_ADMIN); nullopt without them.
std::optional<size_t> pmd_runs(const mdl::Device& dev, const mdl::Allocation& a) {
  constexpr uint64_t kPmd = 2 << 20;
  constexpr size_t kBlockPages = kPmd / kPage;
  auto table = dev.page_table(a);
  if (!table || table->empty() || !table->front().phys_addr) return std::nullopt;
  size_t runs = 0;
  for (size_t first = 0; first + kBlockPages <= table->size(); first += kBlockPages) {
    const uint64_t phys = (*table)[first].phys_addr;
    bool run = phys % kPmd == 0;
    for (size_t i = 1; run && i < kBlockPages; ++i)
      run = (*table)[first + i].phys_addr == phys + i * kPage;
    runs += run;
  }
  return runs;
}

// touch_mapped() on an allocation of S bytes on device D made before the
// timing starts, mapped by @map(device, allocation), with the 2 MiB runs it
// has ("pmd_runs" counter).
template <typename MapFn>
void touch_allocation(benchmark::State& state, MapFn&& map) {
  auto& dev = device(state.range(1));
  if (!dev) return state.SkipWithError("no such mdl device");
  const auto size = static_cast<uint64_t>(state.range(0));
  auto a = dev->alloc({.total_bytes = size});
  if (!a) return state.SkipWithError(("alloc: " + mdl::errno_name(a.errnum())).c_str());
  if (auto runs = pmd_runs(*dev, *a)) state.counters["pmd_runs"] = static_cast<double>(*runs);
  // Whether the kernel maps PFNs by PMD at all (6.12 and later): the report
  // judges the fault count only where it does.
  if (auto info = dev->info())
    state.counters["huge_mappings"] = (info->caps & DRM_MDL_CAP_HUGE_MAPPINGS) ? 1 : 0;
  touch_mapped(state, size, [&] { return map(*dev, *a); });
}

void BM_MdlTouchMapped(benchmark::State& state) {
  touch_allocation(state, [](const mdl::Device& dev, const mdl::Allocation& a) {
    return dev.map(a);
  });
}

// mmap of @a one page past a 2 MiB boundary: a hint the kernel takes when
// the range is free, as it is right after the reservation is dropped.
mdl::Result<mdl::Mapping> map_off_pmd(const mdl::Device& dev, const mdl::Allocation& a) {
  constexpr uintptr_t pmd = 2 << 20;
  auto offset = dev.map_offset(a.handle());
  if (!offset) return mdl::fail(offset.errnum());
  const size_t span = a.byte_count() + 2 * pmd;
  void* room = mmap(nullptr, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (room == MAP_FAILED) return mdl::fail(errno);
  munmap(room, span);
  const uintptr_t hint = ((reinterpret_cast<uintptr_t>(room) + pmd - 1) & ~(pmd - 1)) + kPage;
  void* at = mmap(reinterpret_cast<void*>(hint), a.byte_count(), PROT_READ | PROT_WRITE,
                  MAP_SHARED, dev.fd(), static_cast<off_t>(*offset));
  if (at == MAP_FAILED) return mdl::fail(errno);
  mdl::Mapping m(at, a.byte_count());
  if (reinterpret_cast<uintptr_t>(at) != hint) return mdl::fail(EADDRNOTAVAIL);
  return m;
}

void BM_MdlTouchMappedByPages(benchmark::State& state) { touch_allocation(state, map_off_pmd); }

void BM_VgemTouchMapped(benchmark::State& state) {
  int fd = vgem().get();
  if (fd < 0) return state.SkipWithError("no vgem card node");
  const auto size = static_cast<uint64_t>(state.range(0));
  auto timed = [&](int fd, const drm_mode_create_dumb& create) -> std::string {
    drm_mode_map_dumb map{};
    map.handle = create.handle;
    if (int err = mdl::raw_ioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map))
      return "MAP_DUMB: " + mdl::errno_name(err);
    auto map_fn = [&] { return mdl::Mapping::map_fd(fd, map.offset, create.size); };
    // shmem allocates on the first touch: populate it outside the timing.
    if (auto first = map_fn(); first) touch(*first);
    touch_mapped(state, size, map_fn);
    return "";
  };
  if (auto err = vgem_dumb_cycle(fd, size, timed); !err.empty())
    state.SkipWithError(err.c_str());
}

BENCHMARK(BM_IoctlVersion)->Arg(0)->Arg(1)->UseRealTime();
BENCHMARK(BM_IoctlAllocFree)->Args({4096, 0})->Args({4096, 1})->UseRealTime();
BENCHMARK(BM_VgemDumbCreateDestroy)->Arg(4096)->UseRealTime();
// The pool is brought to a known state before every repetition: left to
// itself, its worker zeroed the previous repetition's pages while the next
// one ran, which then found some of them zeroed and shared the CPU with
// the rest (the repetitions of 64 MiB read 6 to 296 ms in one run).
BENCHMARK(BM_MdlMmapTouch)
    ->ArgsProduct({{64 << 20}, {0, 1}, {kPoolEmpty, kPoolRefilled}})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_VgemDumbMmapTouch)
    ->Arg(64 << 20)
    ->MinWarmUpTime(1.0)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MdlTouchMapped)
    ->ArgsProduct({{2 << 20, 64 << 20, 1 << 30}, {0, 1}})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MdlTouchMappedByPages)
    ->ArgsProduct({{2 << 20, 64 << 20, 1 << 30}, {0, 1}})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_VgemTouchMapped)
    ->Arg(2 << 20)
    ->Arg(64 << 20)
    ->Arg(1 << 30)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
