// SPDX-License-Identifier: MIT
//
// mdlctl: drive the drm-mdl allocator from a shell.
//
//   mdlctl [--device PATH | --pci | --platform] [--json] COMMAND ...
//     list                      the mdl devices found
//     info                      what the device offers
//     alloc SIZE [options]      allocate, describe, optionally hold
//     copy SIZE [options]       prove the DMA engine reaches the pages
#include <sys/types.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>
#include <tuple>

#include "mdl/mdl.hpp"
#include "mdl/text.hpp"

using nlohmann::json;

namespace {

struct Options {
  std::string device;
  bool pci = false;
  bool platform = false;
  bool json = false;
};

// A failure that ends the command: message for humans, errno for --json.
struct Failure {
  std::string message;
  int err = 0;
};

[[noreturn]] void die(std::string message, int err = 0) { throw Failure{std::move(message), err}; }

constexpr std::string_view kSizeHint = "write sizes as 4096, 0x1000, 64K, 64M, 1G or 4G-1";
constexpr std::string_view kAddressHint =
    "write addresses as 0, 0x100000, 4G, 4G-1 or max (binary units)";

template <class T>
T parsed_or_die(mdl::Parsed<T> p, std::string_view what,
                std::string_view hint = kSizeHint) {
  if (!p) die(fmt::format("{} {}; {}", what, p.error, hint));
  return *p;
}

void print_json(const json& j) { fmt::print("{}\n", j.dump(2)); }

mdl::Device open_device(const Options& o) {
  mdl::Result<mdl::Device> dev = mdl::fail(ENODEV);
  std::string what;
  if (!o.device.empty()) {
    dev = mdl::Device::open(o.device);
    what = o.device;
  } else if (o.pci) {
    dev = mdl::Device::open_pci();
    what = "the PCI mdl device";
  } else if (o.platform) {
    dev = mdl::Device::open_platform();
    what = "the platform mdl device";
  } else {
    dev = mdl::Device::open_default();
    what = "an mdl device";
  }
  if (dev) return std::move(dev).value();
  switch (dev.errnum()) {
    case ENODEV:
      if (!o.device.empty())
        die(fmt::format("{} is not an mdl device (its DRM driver is not \"mdl\"); "
                        "'mdlctl list' shows the mdl devices",
                        o.device),
            ENODEV);
      if (o.pci)
        die("no PCI mdl device found: it is QEMU's edu device (1234:11e8), which only the "
            "test VM has (tools/vm/mdl-vm --add build/tools/mdlctl -- mdlctl --pci ...); "
            "leave out --pci to use the virtual device",
            ENODEV);
      die(fmt::format("no {} found: load the driver with 'sudo modprobe mdl' (package "
                      "mdl-dkms) or, in a checkout, 'make && sudo insmod "
                      "build/kmod/$(uname -r)/drivers/gpu/drm/mdl/mdl.ko'; 'mdlctl list' "
                      "shows what is there",
                      what.substr(what.find(' ') + 1)),
          ENODEV);
    case EACCES:
      die(fmt::format("permission denied opening {}: join the render group ('sudo usermod "
                      "-aG render $USER', then log in again) or run as root",
                      what),
          EACCES);
    case ENOENT:
      die(fmt::format("{} does not exist; 'mdlctl list' shows the mdl devices", what), ENOENT);
    default:
      die(fmt::format("cannot open {}: {}; 'mdlctl list' shows the mdl devices", what,
                      mdl::describe_errno(dev.errnum())),
          dev.errnum());
  }
}

json node_json(const mdl::Node& n) {
  json j{{"render", n.render_path}, {"primary", n.primary_path},
         {"bus", std::string(mdl::bus_name(n.bus))}, {"bus_id", n.bus_id},
         {"edu", n.is_edu()}};
  if (n.bus == mdl::Bus::pci) {
    j["vendor_id"] = fmt::format("{:#06x}", n.vendor_id);
    j["device_id"] = fmt::format("{:#06x}", n.device_id);
  }
  return j;
}

std::string node_text(const mdl::Node& n) {
  if (n.bus == mdl::Bus::pci)
    return fmt::format("pci {} {:04x}:{:04x}{}", n.bus_id, n.vendor_id, n.device_id,
                       n.is_edu() ? " (edu)" : "");
  return fmt::format("{} {}", mdl::bus_name(n.bus), n.bus_id);
}

// ---- list ----

void cmd_list(const Options& o) {
  auto nodes = mdl::find_nodes("mdl");
  if (!nodes)
    die("cannot enumerate DRM devices: " + mdl::describe_errno(nodes.errnum()) +
        "; check that /dev/dri and /sys/class/drm exist (a container may hide them)");
  if (o.json) {
    json arr = json::array();
    for (const auto& n : *nodes) arr.push_back(node_json(n));
    print_json(json{{"devices", arr}});
    return;
  }
  if (nodes->empty()) {
    fmt::print(
        "no mdl devices: load the driver with 'sudo modprobe mdl' (package mdl-dkms) or, in a "
        "checkout, 'make && sudo insmod build/kmod/$(uname -r)/drivers/gpu/drm/mdl/mdl.ko'\n");
    return;
  }
  for (const auto& n : *nodes) fmt::print("{:<22} {}\n", n.path(), node_text(n));
}

// ---- info ----

json info_json(const mdl::Device& dev, const mdl::Info& i) {
  json cache = json::array();
  for (uint32_t t = 0; t < 32; t++)
    if (i.cache_types & (1u << t)) cache.push_back(mdl::cache_type_name(t));
  return json{
      {"device", node_json(dev.node())},
      {"driver_version", dev.driver_version()},
      {"caps", i.caps},
      {"iommu", (i.caps & DRM_MDL_CAP_IOMMU) != 0},
      {"dma_copy", (i.caps & DRM_MDL_CAP_DMA_COPY) != 0},
      {"dma_bounced", (i.caps & DRM_MDL_CAP_DMA_BOUNCED) != 0},
      {"huge_mappings", (i.caps & DRM_MDL_CAP_HUGE_MAPPINGS) != 0},
      {"dma_mask", mdl::hex(i.dma_mask)},
      {"dma_mask_bits", 64 - __builtin_clzll(i.dma_mask | 1)},
      {"page_size", i.page_size},
      {"large_page_size", i.large_page_size},
      {"max_total_bytes", i.max_total_bytes},
      {"max_segment_size", i.max_segment_size},
      {"seg_boundary_mask", mdl::hex(i.seg_boundary_mask)},
      {"supported_flags", i.supported_flags},
      {"supported_flag_names", mdl::flag_names(i.supported_flags)},
      {"cache_types", cache},
      {"dma_copy_max_bytes", i.dma_copy_max_bytes},
  };
}

mdl::Info get_info(const mdl::Device& dev) {
  auto info = dev.info();
  if (!info)
    die("info: DRM_IOCTL_MDL_INFO failed: " + mdl::describe_errno(info.errnum()) +
            (info.errnum() == ENOTTY || info.errnum() == EINVAL
                 ? "; the loaded mdl.ko does not match this mdlctl: reload the one built "
                   "with it ('sudo rmmod mdl', then modprobe or insmod it)"
                 : ""),
        info.errnum());
  return *info;
}

void cmd_info(const Options& o) {
  auto dev = open_device(o);
  auto i = get_info(dev);
  if (o.json) {
    print_json(info_json(dev, i));
    return;
  }
  std::string cache;
  for (uint32_t t = 0; t < 32; t++)
    if (i.cache_types & (1u << t))
      cache += fmt::format("{}{} ({})", cache.empty() ? "" : ", ", mdl::cache_type_name(t), t);
  int bits = 64 - __builtin_clzll(i.dma_mask | 1);
  auto row = [](std::string_view k, const std::string& v) { fmt::print("{:<17}{}\n", k, v); };
  row("device", fmt::format("{} ({})", dev.node().path(), node_text(dev.node())));
  row("driver", "mdl " + dev.driver_version());
  row("iommu", (i.caps & DRM_MDL_CAP_IOMMU) ? "yes (DMA addresses are IOMMU logical addresses)"
                                             : "no (DMA-direct: DMA address = physical)");
  row("dma mask", fmt::format("{} ({} bits)", mdl::hex(i.dma_mask, true), bits));
  row("page size", fmt::format("{} ({})", mdl::format_size(i.page_size), i.page_size));
  row("large page size", fmt::format("{} ({})", mdl::format_size(i.large_page_size),
                                     mdl::hex(i.large_page_size)));
  row("max allocation", fmt::format("{} ({})", mdl::format_size(i.max_total_bytes),
                                    mdl::hex(i.max_total_bytes)));
  row("max dma segment", fmt::format("{} ({})", mdl::format_size(i.max_segment_size),
                                     mdl::hex(i.max_segment_size)));
  // A mask of all ones is no boundary at all; else every multiple of mask + 1.
  row("dma seg boundary",
      i.seg_boundary_mask == ~0ull
          ? fmt::format("none ({})", mdl::hex(i.seg_boundary_mask))
          : fmt::format("every {} ({})", mdl::format_size(i.seg_boundary_mask + 1),
                        mdl::hex(i.seg_boundary_mask)));
  row("flags", fmt::format("{} ({:#x})", mdl::flags_to_string(i.supported_flags),
                           i.supported_flags));
  row("cache types", cache);
  row("dma copy", (i.caps & DRM_MDL_CAP_DMA_COPY)
                      ? fmt::format("yes, up to {} per copy", mdl::format_size(i.dma_copy_max_bytes))
                      : std::string("no (no DMA engine on this device)"));
  row("mmap", (i.caps & DRM_MDL_CAP_HUGE_MAPPINGS)
                  ? "one fault and one PMD per 2 MiB run"
                  : "up to 16 pages per fault (this kernel maps no PFNs by PMD)");
}

// ---- clients ----

struct ClientRow {
  int pid;
  std::string comm;
  int fd;
  mdl::ClientUsage usage;
};

std::string first_line_of(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// Every open mdl file of every process whose fdinfo this user may read,
// found the way generic DRM tools find them: by the usage-stats keys.
std::vector<ClientRow> find_clients() {
  namespace fs = std::filesystem;
  std::vector<ClientRow> rows;
  std::error_code ec;
  for (const auto& proc : fs::directory_iterator("/proc", ec)) {
    const std::string name = proc.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code fd_ec;
    for (const auto& fd : fs::directory_iterator(proc.path() / "fd", fd_ec)) {
      std::error_code link_ec;
      if (fs::read_symlink(fd.path(), link_ec).string().rfind("/dev/dri/", 0) != 0) continue;
      int pid = std::stoi(name);
      int fdnum = std::stoi(fd.path().filename());
      auto u = mdl::client_usage(pid, fdnum);
      if (!u || u->driver != "mdl") continue;
      rows.push_back({pid, first_line_of(proc.path() / "comm"), fdnum, *u});
    }
  }
  std::sort(rows.begin(), rows.end(),
            [](const ClientRow& a, const ClientRow& b) { return std::tie(a.pid, a.fd) < std::tie(b.pid, b.fd); });
  return rows;
}

void cmd_clients(const Options& o) {
  std::string total = first_line_of("/sys/module/mdl/parameters/max_total_mb");
  std::string user = first_line_of("/sys/module/mdl/parameters/max_user_mb");
  if (total.empty() || user.empty()) die("mdl.ko is not loaded (no /sys/module/mdl/parameters)", ENODEV);
  auto rows = find_clients();
  if (o.json) {
    json arr = json::array();
    for (const auto& r : rows)
      arr.push_back({{"pid", r.pid},
                     {"comm", r.comm},
                     {"fd", r.fd},
                     {"client_id", r.usage.client_id},
                     {"pdev", r.usage.pdev},
                     {"total_bytes", r.usage.total_bytes},
                     {"shared_bytes", r.usage.shared_bytes},
                     {"resident_bytes", r.usage.resident_bytes}});
    print_json(json{{"max_total_mb", std::stoull(total)},
                    {"max_user_mb", std::stoull(user)},
                    {"clients", arr}});
    return;
  }
  auto limit = [](const std::string& mb) {
    return mb == "0" ? std::string("no limit") : mdl::format_size(std::stoull(mb) << 20);
  };
  fmt::print("limits: {} for all clients, {} for one user (callers without CAP_IPC_LOCK)\n",
             limit(total), limit(user));
  fmt::print("{:<8}{:<16}{:>4}{:>8}  {:<14}{:>14}{:>14}{:>14}\n", "PID", "COMMAND", "FD",
             "CLIENT", "DEVICE", "TOTAL", "SHARED", "RESIDENT");
  for (const auto& r : rows)
    fmt::print("{:<8}{:<16}{:>4}{:>8}  {:<14}{:>14}{:>14}{:>14}\n", r.pid, r.comm, r.fd,
               r.usage.client_id, r.usage.pdev.empty() ? "platform" : r.usage.pdev,
               mdl::format_size(r.usage.total_bytes), mdl::format_size(r.usage.shared_bytes),
               mdl::format_size(r.usage.resident_bytes));
  if (rows.empty()) fmt::print("(no process has an mdl file open, or none this user may see)\n");
}

// ---- alloc ----

struct AllocArgs {
  std::string size;
  std::string low;
  std::string high;
  std::string skip;
  std::string cache = "cached";
  std::string flags;
  bool pages = false;
  double hold = 0;
};

mdl::Request build_request(const AllocArgs& a) {
  mdl::Request r;
  r.total_bytes = parsed_or_die(mdl::parse_size(a.size), "SIZE");
  if (!a.low.empty()) r.low = parsed_or_die(mdl::parse_address(a.low), "--low", kAddressHint);
  if (!a.high.empty())
    r.high = parsed_or_die(mdl::parse_address(a.high), "--high", kAddressHint);
  if (!a.skip.empty()) r.skip = parsed_or_die(mdl::parse_size(a.skip), "--skip");
  auto cache = mdl::parse_cache_type(a.cache);
  if (!cache) die(cache.error);
  r.cache_type = *cache;
  auto flags = mdl::parse_flags(a.flags);
  if (!flags) die(flags.error);
  r.flags = *flags;
  return r;
}

json request_json(const mdl::Request& r) {
  return json{{"low", mdl::hex(r.low)},
              {"high", mdl::hex(r.high)},
              {"skip", mdl::hex(r.skip)},
              {"total_bytes", r.total_bytes},
              {"cache_type", r.cache_type},
              {"cache", mdl::cache_type_name(r.cache_type)},
              {"flags", r.flags},
              {"flag_names", mdl::flag_names(r.flags)}};
}

void print_page_table(const std::vector<mdl::PageEntry>& pages, uint64_t page_size) {
  bool phys_hidden = std::all_of(pages.begin(), pages.end(),
                                 [](const mdl::PageEntry& e) { return e.phys_addr == 0; });
  size_t differ = 0;
  fmt::print("\n{:>8}  {:<18}  {:<18}  {:>5}  {:>4}  {}\n", "page", "physical", "dma (logical)",
             "chunk", "seg", "");
  uint64_t chunk = 0, seg = 0;
  for (size_t i = 0; i < pages.size(); i++) {
    const auto& e = pages[i];
    if (i && e.phys_addr != pages[i - 1].phys_addr + page_size) chunk++;
    if (i && e.dma_addr != pages[i - 1].dma_addr + page_size) seg++;
    bool diff = !phys_hidden && e.phys_addr != e.dma_addr;
    differ += diff;
    fmt::print("{:>8}  {:<18}  {:<18}  {:>5}  {:>4}  {}\n", i,
               phys_hidden ? std::string("(hidden)") : mdl::hex(e.phys_addr, true),
               mdl::hex(e.dma_addr, true), phys_hidden ? std::string("-") : std::to_string(chunk),
               seg, diff ? "*" : "");
  }
  if (phys_hidden)
    fmt::print("physical addresses are hidden without CAP_SYS_ADMIN; run as root to see them\n");
  else
    fmt::print("* = DMA address differs from the physical one ({} of {} pages)\n", differ,
               pages.size());
}

void cmd_alloc(const Options& o, const AllocArgs& a) {
  mdl::Request req = build_request(a);
  auto dev = open_device(o);
  mdl::Limits lim;
  if (auto info = dev.info()) lim = mdl::limits_from(*info);
  auto t0 = std::chrono::steady_clock::now();
  auto res = dev.alloc(req);
  auto t1 = std::chrono::steady_clock::now();
  if (!res) die("alloc: " + mdl::explain_alloc_error(res.errnum(), req, lim), res.errnum());
  mdl::Allocation alloc = std::move(res).value();
  double ms = std::chrono::duration<double, std::milli>(t1 - t0).count();

  // The kernel accepted something SPEC.md says it must refuse: say so loudly.
  auto problems = mdl::validate_request(req, lim);

  std::vector<mdl::PageEntry> pages;
  if (a.pages) {
    auto pt = dev.page_table(alloc);
    if (!pt) die("alloc --pages: DRM_IOCTL_MDL_GET_PAGES failed: " +
                 mdl::describe_errno(pt.errnum()), pt.errnum());
    pages = std::move(pt).value();
  }

  if (o.json) {
    json j{{"device", node_json(dev.node())},
           {"request", request_json(req)},
           {"handle", alloc.handle()},
           {"byte_count", alloc.byte_count()},
           {"page_count", alloc.page_count()},
           {"chunk_count", alloc.chunk_count()},
           {"dma_segment_count", alloc.dma_segment_count()},
           {"milliseconds", ms}};
    if (!problems.empty()) j["spec_violations"] = problems;
    if (a.pages) {
      json arr = json::array();
      for (const auto& e : pages)
        arr.push_back(json{{"phys", mdl::hex(e.phys_addr)}, {"dma", mdl::hex(e.dma_addr)}});
      j["pages"] = arr;
      j["phys_hidden"] = std::all_of(pages.begin(), pages.end(),
                                     [](const mdl::PageEntry& e) { return e.phys_addr == 0; });
    }
    print_json(j);
  } else {
    fmt::print("allocated {} on {} ({}) in {:.3f} ms\n", mdl::format_size(alloc.byte_count()),
               dev.node().path(), node_text(dev.node()), ms);
    fmt::print("  handle      {}\n", alloc.handle());
    fmt::print("  window      low {} high {} skip {}\n", mdl::hex(req.low),
               req.high == DRM_MDL_HIGH_UNLIMITED ? std::string("max") : mdl::hex(req.high),
               mdl::hex(req.skip));
    fmt::print("  cache       {}\n", mdl::cache_type_long_name(req.cache_type));
    fmt::print("  flags       {}\n", mdl::flags_to_string(req.flags));
    fmt::print("  result      {} pages, {} physical chunk{}, {} DMA segment{}\n",
               alloc.page_count(), alloc.chunk_count(), alloc.chunk_count() == 1 ? "" : "s",
               alloc.dma_segment_count(), alloc.dma_segment_count() == 1 ? "" : "s");
    for (const auto& p : problems)
      fmt::print(stderr, "mdlctl: warning: the kernel accepted a request SPEC.md refuses: {}\n",
                 p);
    if (a.pages) print_page_table(pages, lim.page_size);
  }
  if (a.hold > 0) {
    if (!o.json)
      fmt::print("holding handle {} for {} s (pid {}); Ctrl-C frees it\n", alloc.handle(), a.hold,
                 getpid());
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::duration<double>(a.hold));
  }
  if (auto st = alloc.free(); !st)
    die("alloc: DRM_IOCTL_MDL_FREE failed: " + mdl::describe_errno(st.errnum()), st.errnum());
}

// ---- copy ----

struct CopyArgs {
  std::string size = "4K";
  std::string src_offset = "0";
  std::string dst_offset = "0";
  std::string src_cache = "cached";
  std::string dst_cache = "cached";
  uint64_t seed = 0;
};

void cmd_copy(const Options& o, const CopyArgs& a) {
  uint64_t size = parsed_or_die(mdl::parse_size(a.size), "SIZE");
  uint64_t soff = parsed_or_die(mdl::parse_size(a.src_offset), "--src-offset");
  uint64_t doff = parsed_or_die(mdl::parse_size(a.dst_offset), "--dst-offset");
  auto sc = mdl::parse_cache_type(a.src_cache);
  if (!sc) die(sc.error);
  auto dc = mdl::parse_cache_type(a.dst_cache);
  if (!dc) die(dc.error);
  auto dev = open_device(o);
  auto info = get_info(dev);
  if (!(info.caps & DRM_MDL_CAP_DMA_COPY) && !o.json)
    fmt::print(stderr,
               "mdlctl: note: {} advertises no DMA engine, so the copy will be refused; only "
               "the edu PCI device has one (--pci, in the test VM: tools/vm/mdl-vm)\n",
               dev.node().path());

  mdl::Limits lim = mdl::limits_from(info);
  auto make = [&](uint64_t bytes, uint32_t cache, const char* what) {
    mdl::Request r;
    r.total_bytes = std::max<uint64_t>(bytes, 1);
    r.cache_type = cache;
    auto res = dev.alloc(r);
    if (!res) die(fmt::format("copy: {} buffer: {}", what,
                              mdl::explain_alloc_error(res.errnum(), r, lim)),
                  res.errnum());
    return std::move(res).value();
  };
  auto src = make(soff + size, *sc, "source");
  auto dst = make(doff + size, *dc, "destination");
  auto smap = dev.map(src);
  auto dmap = dev.map(dst);
  if (!smap || !dmap)
    die("copy: mmap failed: " + mdl::describe_errno(smap ? dmap.errnum() : smap.errnum()) +
        "; try a smaller SIZE, or check 'ulimit -v'");
  std::mt19937_64 rng(a.seed ? a.seed : std::random_device{}());
  for (auto& b : smap->bytes()) b = static_cast<std::byte>(rng());

  auto t0 = std::chrono::steady_clock::now();
  auto st = dev.dma_copy(src, soff, dst, doff, size);
  auto t1 = std::chrono::steady_clock::now();
  if (!st)
    die("copy: " + mdl::explain_copy_error(st.errnum(), src.byte_count(), soff, dst.byte_count(),
                                           doff, size),
        st.errnum());
  double us = std::chrono::duration<double, std::micro>(t1 - t0).count();

  uint64_t bad = 0, first_bad = 0;
  auto s = smap->bytes();
  auto d = dmap->bytes();
  for (uint64_t i = 0; i < d.size(); i++) {
    bool inside = i >= doff && i < doff + size;
    std::byte want = inside ? s[soff + (i - doff)] : std::byte{0};
    if (d[i] != want && bad++ == 0) first_bad = i;
  }
  if (o.json) {
    json j{{"device", node_json(dev.node())}, {"size", size},       {"src_offset", soff},
           {"dst_offset", doff},             {"microseconds", us}, {"mismatched_bytes", bad},
           {"ok", bad == 0}};
    if (bad) j["first_mismatch"] = first_bad;
    print_json(j);
  } else if (bad == 0) {
    fmt::print("copied {} from offset {} to offset {} through {} in {}: verified\n",
               mdl::format_size(size), mdl::hex(soff), mdl::hex(doff), dev.node().path(),
               us >= 10000 ? fmt::format("{:.1f} ms", us / 1000) : fmt::format("{:.1f} us", us));
  }
  if (bad)
    die(fmt::format("copy: {} bytes differ in the destination, first at offset {}", bad,
                    mdl::hex(first_bad)),
        EIO);
}

// ---- command line ----

constexpr std::string_view kCommands = "list, info, clients, alloc or copy";

// The footer of every subcommand's --help: its examples, then what all share.
std::string sub_footer(std::string_view examples) {
  return fmt::format(
      "Examples:\n{}\n"
      "Global options, before or after the command: -d/--device PATH, --pci, --platform,\n"
      "-j/--json (see mdlctl --help).\n"
      "Sizes: 4096, 0x1000, 64K, 64M, 1G, 4G-1 (binary units). Addresses also: max.",
      examples);
}

// A command line CLI11 refused: what was wrong, then where the help is. An
// unknown command reads as "a subcommand is required" in CLI11; name it.
std::string usage_failure(const CLI::App* app, const CLI::Error& e) {
  std::string where = "mdlctl";
  for (const CLI::App* sub : app->get_subcommands()) where += " " + sub->get_name();
  std::string what = e.what();
  if (app->get_subcommands().empty()) {
    for (const std::string& arg : app->remaining()) {
      if (!arg.empty() && arg[0] != '-') {
        what = fmt::format("unknown command '{}'; the commands are {}", arg, kCommands);
        break;
      }
    }
    if (what == e.what() && e.get_name() == "RequiredError")
      what = fmt::format("a command is required: {}", kCommands);
  }
  return fmt::format("mdlctl: {}\nRun '{} --help' for the options.\n", what, where);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mdlctl: allocate GPU-reachable system memory through drm-mdl"};
  app.require_subcommand(1);
  app.fallthrough();
  app.failure_message(usage_failure);
  Options o;
  auto* dev_opt = app.add_option("-d,--device", o.device, "DRM node to use (/dev/dri/renderD*)");
  auto* pci_opt = app.add_flag("--pci", o.pci, "use the PCI mdl device (edu, behind the IOMMU)");
  auto* plat_opt = app.add_flag("--platform", o.platform, "use the platform mdl device (DMA-direct)");
  dev_opt->excludes(pci_opt)->excludes(plat_opt);
  pci_opt->excludes(plat_opt);
  app.add_flag("-j,--json", o.json, "machine-readable output");
  app.footer(
      "By default the PCI edu device is used when present, else the first mdl device.\n"
      "Sizes: 4096, 0x1000, 64K, 64M, 1G, 4G-1 (binary units). Addresses also: max.");

  app.add_subcommand("list", "list the mdl devices")
      ->footer(sub_footer("  mdlctl list\n  mdlctl list --json"));
  auto* info = app.add_subcommand("info", "show what the device offers");
  info->footer(sub_footer("  mdlctl info\n  mdlctl --platform info --json"));
  auto* clients = app.add_subcommand(
      "clients", "show who holds mdl memory (from /proc/PID/fdinfo) and the client limits");
  clients->footer(sub_footer("  mdlctl clients\n  mdlctl clients --json\n"
                             "Root sees every process; others see their own."));

  AllocArgs aa;
  auto* alloc = app.add_subcommand("alloc", "allocate, describe and free pages");
  alloc->add_option("SIZE", aa.size, "bytes to allocate (64K, 64M, 1G, 0x1000, ...)")->required();
  alloc->add_option("--low", aa.low, "first byte of the physical window (default 0)");
  alloc->add_option("--high", aa.high, "last byte of the window, inclusive (default max)");
  alloc->add_option("--skip", aa.skip, "SkipBytes between windows (default 0)");
  alloc->add_option("--cache", aa.cache, "cached, wc, uc or a number (default cached)");
  alloc->add_option("--flags", aa.flags,
                    "comma list: dont-zero, local-node-only, fully-required, no-wait, "
                    "prefer-contiguous, require-contiguous-chunks, fast-large-pages; or a number");
  alloc->add_flag("--pages", aa.pages, "dump the page table: physical vs DMA address per page");
  alloc->add_option("--hold", aa.hold, "keep the allocation alive for SECONDS");
  alloc->footer(sub_footer(
      "  mdlctl alloc 64M                          64 MiB anywhere, cached\n"
      "  mdlctl alloc 64K --pages                  and print physical vs DMA address per page\n"
      "  mdlctl alloc 1M --high 4G-1 --cache wc    below 4 GiB, write-combined\n"
      "  mdlctl alloc 8M --skip 2M --flags require-contiguous-chunks\n"
      "                                            four 2 MiB blocks, each aligned to 2 MiB\n"
      "  mdlctl alloc 16M --hold 30                keep it for 30 s (see debugfs mdl_clients)"));

  CopyArgs ca;
  auto* copy = app.add_subcommand("copy", "DMA-copy a random pattern between two allocations");
  copy->add_option("SIZE", ca.size, "bytes to copy (default 4K)");
  copy->add_option("--src-offset", ca.src_offset, "byte offset into the source");
  copy->add_option("--dst-offset", ca.dst_offset, "byte offset into the destination");
  copy->add_option("--src-cache", ca.src_cache, "source cache type (default cached)");
  copy->add_option("--dst-cache", ca.dst_cache, "destination cache type (default cached)");
  copy->add_option("--seed", ca.seed, "random seed (default: random)");
  copy->footer(sub_footer(
      "  mdlctl --pci copy                         4 KiB through the edu DMA engine\n"
      "  mdlctl --pci copy 64K --dst-offset 100 --dst-cache wc\n"
      "Needs a device with a DMA engine: the edu PCI device of the test VM."));

  CLI11_PARSE(app, argc, argv);

  const char* command = "";
  try {
    if (app.got_subcommand("list")) {
      command = "list";
      cmd_list(o);
    } else if (app.got_subcommand(info)) {
      command = "info";
      cmd_info(o);
    } else if (app.got_subcommand(clients)) {
      command = "clients";
      cmd_clients(o);
    } else if (app.got_subcommand(alloc)) {
      command = "alloc";
      cmd_alloc(o, aa);
    } else if (app.got_subcommand(copy)) {
      command = "copy";
      cmd_copy(o, ca);
    }
  } catch (Failure& f) {
    if (*command && f.message.rfind(std::string(command) + ":", 0) != 0)
      f.message = std::string(command) + ": " + f.message;
    if (o.json)
      print_json(json{{"command", command},
                      {"error", {{"message", f.message},
                                 {"errno", f.err},
                                 {"name", f.err ? mdl::errno_name(f.err) : std::string()}}}});
    fmt::print(stderr, "mdlctl: {}\n", f.message);
    return 1;
  }
  return 0;
}
