// SPDX-License-Identifier: MIT
#include "mdl/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <cstring>
#include <limits>

namespace mdl {

namespace {

struct FlagName {
  uint32_t bit;
  std::string_view name;
};

constexpr std::array<FlagName, 7> kFlags{{
    {DRM_MDL_ALLOC_DONT_ZERO, "dont-zero"},
    {DRM_MDL_ALLOC_LOCAL_NODE_ONLY, "local-node-only"},
    {DRM_MDL_ALLOC_FULLY_REQUIRED, "fully-required"},
    {DRM_MDL_ALLOC_NO_WAIT, "no-wait"},
    {DRM_MDL_ALLOC_PREFER_CONTIGUOUS, "prefer-contiguous"},
    {DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS, "require-contiguous-chunks"},
    {DRM_MDL_ALLOC_FAST_LARGE_PAGES, "fast-large-pages"},
}};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && lower(s.substr(0, prefix.size())) == prefix;
}

// Plain number: hex (0x...), or decimal with an optional binary unit.
Parsed<uint64_t> parse_term(std::string_view term, std::string_view whole) {
  using P = Parsed<uint64_t>;
  term = trim(term);
  if (term.empty()) return P::bad(fmt::format("'{}': missing number", whole));
  if (starts_with_ci(term, "0x")) {
    std::string_view digits = term.substr(2);
    if (digits.empty()) return P::bad(fmt::format("'{}': '0x' needs hex digits", whole));
    uint64_t v = 0;
    for (char c : digits) {
      int d;
      if (c >= '0' && c <= '9') d = c - '0';
      else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
      else if (c == '_' || c == '\'') continue;
      else
        return P::bad(fmt::format("'{}': '{}' is not a hex digit (hex takes no unit suffix)",
                                  whole, c));
      if (v > (std::numeric_limits<uint64_t>::max() >> 4))
        return P::bad(fmt::format("'{}': does not fit in 64 bits", whole));
      v = (v << 4) | static_cast<uint64_t>(d);
    }
    return P::ok(v);
  }
  size_t i = 0;
  uint64_t v = 0;
  if (!std::isdigit(static_cast<unsigned char>(term[0])))
    return P::bad(fmt::format("'{}': '{}' is not a number", whole, term));
  for (; i < term.size(); i++) {
    char c = term[i];
    if (c == '_' || c == '\'') continue;
    if (!std::isdigit(static_cast<unsigned char>(c))) break;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10)
      return P::bad(fmt::format("'{}': does not fit in 64 bits", whole));
    v = v * 10 + d;
  }
  std::string unit = lower(trim(term.substr(i)));
  if (!unit.empty() && unit[0] == '.')
    return P::bad(fmt::format("'{}': fractions are not accepted; use a smaller unit", whole));
  int shift = 0;
  if (!unit.empty()) {
    switch (unit[0]) {
      case 'b': shift = 0; break;
      case 'k': shift = 10; break;
      case 'm': shift = 20; break;
      case 'g': shift = 30; break;
      case 't': shift = 40; break;
      case 'p': shift = 50; break;
      default:
        return P::bad(fmt::format("'{}': unknown unit '{}' (use K, M, G, T or plain bytes)",
                                  whole, term.substr(i)));
    }
    std::string_view rest = std::string_view(unit).substr(1);
    bool ok = rest.empty() || (unit[0] != 'b' && (rest == "b" || rest == "ib" || rest == "i"));
    if (unit == "b" || unit == "bytes" || unit == "byte") ok = true;
    if (!ok)
      return P::bad(fmt::format("'{}': unknown unit '{}' (use K, M, G, T or plain bytes)", whole,
                                term.substr(i)));
  }
  if (shift && v > (std::numeric_limits<uint64_t>::max() >> shift))
    return P::bad(fmt::format("'{}': does not fit in 64 bits", whole));
  return P::ok(v << shift);
}

}  // namespace

std::string errno_name(int code) {
  switch (code) {
    case 0: return "OK";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case ENXIO: return "ENXIO";
    case E2BIG: return "E2BIG";
    case EBADF: return "EBADF";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case ENODEV: return "ENODEV";
    case EINVAL: return "EINVAL";
    case ENOSPC: return "ENOSPC";
    case ERANGE: return "ERANGE";
    case ENOSYS: return "ENOSYS";
    case ENOTTY: return "ENOTTY";
    case EOVERFLOW: return "EOVERFLOW";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case ETIMEDOUT: return "ETIMEDOUT";
    default: return fmt::format("errno {}", code);
  }
}

std::string describe_errno(int err) {
  return fmt::format("{} ({})", errno_name(err), std::strerror(err));
}

Parsed<uint64_t> parse_size(std::string_view text) {
  using P = Parsed<uint64_t>;
  std::string_view s = trim(text);
  if (s.empty()) return P::bad("empty value");
  // Terms joined by + or -: "4G-1", "1G+4K". A leading sign is not allowed.
  uint64_t acc = 0;
  bool negative = false;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); i++) {
    if (i < s.size() && s[i] != '+' && s[i] != '-') continue;
    if (i < s.size() && i == 0)
      return P::bad(fmt::format("'{}': sizes and addresses are unsigned", text));
    auto term = parse_term(s.substr(start, i - start), text);
    if (!term) return term;
    if (negative) {
      if (*term > acc) return P::bad(fmt::format("'{}': goes below zero", text));
      acc -= *term;
    } else {
      if (*term > std::numeric_limits<uint64_t>::max() - acc)
        return P::bad(fmt::format("'{}': does not fit in 64 bits", text));
      acc += *term;
    }
    if (i < s.size()) negative = s[i] == '-';
    start = i + 1;
  }
  return P::ok(acc);
}

Parsed<uint64_t> parse_address(std::string_view text) {
  std::string l = lower(trim(text));
  if (l == "max" || l == "unlimited" || l == "none" || l == "~0" || l == "all-ones")
    return Parsed<uint64_t>::ok(DRM_MDL_HIGH_UNLIMITED);
  return parse_size(text);
}

Parsed<uint32_t> parse_flags(std::string_view text) {
  using P = Parsed<uint32_t>;
  uint32_t flags = 0;
  std::string_view s = trim(text);
  if (s.empty()) return P::ok(0);
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); i++) {
    if (i < s.size() && s[i] != ',' && s[i] != '|') continue;
    std::string_view item = trim(s.substr(start, i - start));
    start = i + 1;
    if (item.empty()) continue;
    std::string name = lower(item);
    std::replace(name.begin(), name.end(), '_', '-');
    if (name == "none" || name == "0") continue;
    if (std::isdigit(static_cast<unsigned char>(name[0]))) {
      auto v = parse_size(item);
      if (!v) return P::bad("--flags " + v.error);
      if (*v > std::numeric_limits<uint32_t>::max())
        return P::bad(fmt::format("--flags {}: does not fit in 32 bits", item));
      flags |= static_cast<uint32_t>(*v);
      continue;
    }
    // Accept the Windows spellings too: MM_ALLOCATE_NO_WAIT, MM_DONT_ZERO_ALLOCATION.
    for (std::string_view prefix : {"drm-mdl-alloc-", "mm-allocate-", "mm-"}) {
      if (name.starts_with(prefix)) {
        name.erase(0, prefix.size());
        break;
      }
    }
    if (name.ends_with("-allocation")) name.erase(name.size() - std::strlen("-allocation"));
    if (name == "dontzero" || name == "no-zero") name = "dont-zero";
    if (name == "contiguous") name = "require-contiguous-chunks";
    if (name == "large-pages") name = "fast-large-pages";
    auto it = std::find_if(kFlags.begin(), kFlags.end(),
                           [&](const FlagName& f) { return f.name == name; });
    if (it == kFlags.end()) {
      std::string known;
      for (const auto& f : kFlags) known += (known.empty() ? "" : ", ") + std::string(f.name);
      return P::bad(fmt::format("--flags: unknown flag '{}' (known: {}; or a number)", item,
                                known));
    }
    flags |= it->bit;
  }
  return P::ok(flags);
}

Parsed<uint32_t> parse_cache_type(std::string_view text) {
  using P = Parsed<uint32_t>;
  std::string n = lower(trim(text));
  std::replace(n.begin(), n.end(), '_', '-');
  if (n.starts_with("mm")) n.erase(0, 2);
  if (n == "cached" || n == "wb" || n == "write-back" || n == "writeback" || n == "c")
    return P::ok(DRM_MDL_CACHE_CACHED);
  if (n == "wc" || n == "write-combined" || n == "writecombined" || n == "write-combine")
    return P::ok(DRM_MDL_CACHE_WRITE_COMBINED);
  if (n == "uc" || n == "non-cached" || n == "noncached" || n == "uncached" || n == "nc")
    return P::ok(DRM_MDL_CACHE_NON_CACHED);
  if (!n.empty() && std::isdigit(static_cast<unsigned char>(n[0]))) {
    auto v = parse_size(n);
    if (!v) return P::bad("--cache " + v.error);
    if (*v > std::numeric_limits<uint32_t>::max())
      return P::bad(fmt::format("--cache {}: does not fit in 32 bits", text));
    return P::ok(static_cast<uint32_t>(*v));
  }
  return P::bad(fmt::format("--cache: unknown cache type '{}' (cached, wc, uc or a number)", text));
}

std::string_view flag_name(uint32_t bit) {
  for (const auto& f : kFlags)
    if (f.bit == bit) return f.name;
  return {};
}

std::vector<std::string> flag_names(uint32_t flags) {
  std::vector<std::string> out;
  for (uint32_t bit = 1; bit; bit <<= 1) {
    if (!(flags & bit)) continue;
    auto name = flag_name(bit);
    out.push_back(name.empty() ? fmt::format("{:#x}", bit) : std::string(name));
  }
  return out;
}

std::string flags_to_string(uint32_t flags) {
  if (!flags) return "none";
  std::string out;
  for (const auto& n : flag_names(flags)) out += (out.empty() ? "" : ",") + n;
  return out;
}

std::string cache_type_name(uint32_t cache_type) {
  switch (cache_type) {
    case DRM_MDL_CACHE_NON_CACHED: return "uc";
    case DRM_MDL_CACHE_CACHED: return "cached";
    case DRM_MDL_CACHE_WRITE_COMBINED: return "wc";
    default: return fmt::format("cache type {}", cache_type);
  }
}

std::string cache_type_long_name(uint32_t cache_type) {
  switch (cache_type) {
    case DRM_MDL_CACHE_NON_CACHED: return "non-cached";
    case DRM_MDL_CACHE_CACHED: return "cached";
    case DRM_MDL_CACHE_WRITE_COMBINED: return "write-combined";
    default: return fmt::format("cache type {}", cache_type);
  }
}

namespace {

// "<uint> [KiB|MiB]" of a usage-stats memory key, in bytes.
std::optional<uint64_t> fdinfo_size(std::string_view value) {
  uint64_t n = 0;
  size_t i = 0;
  for (; i < value.size() && std::isdigit(static_cast<unsigned char>(value[i])); i++) {
    if (n > (std::numeric_limits<uint64_t>::max() - 9) / 10) return std::nullopt;
    n = n * 10 + static_cast<uint64_t>(value[i] - '0');
  }
  if (i == 0) return std::nullopt;
  std::string_view unit = value.substr(i);
  while (!unit.empty() && (unit.front() == ' ' || unit.front() == '\t')) unit.remove_prefix(1);
  unsigned shift = 0;
  if (unit == "KiB")
    shift = 10;
  else if (unit == "MiB")
    shift = 20;
  else if (!unit.empty())
    return std::nullopt;
  if (n > (std::numeric_limits<uint64_t>::max() >> shift)) return std::nullopt;
  return n << shift;
}

}  // namespace

Parsed<ClientUsage> parse_fdinfo(std::string_view text) {
  ClientUsage usage;
  bool driver = false, total = false, resident = false;
  while (!text.empty()) {
    size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || !line.starts_with("drm-")) continue;
    std::string_view key = line.substr(0, colon);
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    auto size = [&](uint64_t& out, bool* seen) -> bool {
      auto v = fdinfo_size(value);
      if (!v) return false;
      out = *v;
      if (seen) *seen = true;
      return true;
    };
    bool ok = true;
    if (key == "drm-driver") {
      usage.driver = std::string(value);
      driver = !value.empty();
    } else if (key == "drm-client-id") {
      uint64_t id = 0;
      ok = size(id, nullptr) && value.find_first_not_of("0123456789") == std::string_view::npos;
      usage.client_id = id;
    } else if (key == "drm-pdev") {
      usage.pdev = std::string(value);
    } else if (key == "drm-total-memory") {
      ok = size(usage.total_bytes, &total);
    } else if (key == "drm-shared-memory") {
      ok = size(usage.shared_bytes, nullptr);
    } else if (key == "drm-resident-memory") {
      ok = size(usage.resident_bytes, &resident);
    }
    if (!ok) return Parsed<ClientUsage>::bad(fmt::format("bad value in '{}'", line));
  }
  if (!driver) return Parsed<ClientUsage>::bad("no drm-driver key: not a DRM file, or its device is gone");
  if (!total || !resident)
    return Parsed<ClientUsage>::bad("no drm-total-memory or drm-resident-memory key");
  return Parsed<ClientUsage>::ok(std::move(usage));
}

std::string format_size(uint64_t bytes) {
  static constexpr std::array<std::pair<int, std::string_view>, 5> units{
      {{50, "PiB"}, {40, "TiB"}, {30, "GiB"}, {20, "MiB"}, {10, "KiB"}}};
  if (bytes == 0) return "0 bytes";
  for (auto [shift, name] : units) {
    uint64_t unit = 1ull << shift;
    if (bytes < unit) continue;
    if (bytes % unit == 0) return fmt::format("{} {}", bytes >> shift, name);
    uint64_t deficit = unit - bytes % unit;
    // "4 GiB - 4 KiB": a round number minus a small exact remainder.
    if (deficit <= unit / 256 && (deficit % 1024 == 0 || deficit < 1024))
      return fmt::format("{} {} - {}", (bytes >> shift) + 1, name, format_size(deficit));
  }
  for (auto [shift, name] : units) {
    uint64_t unit = 1ull << shift;
    if (bytes >= unit && bytes % unit == 0) return fmt::format("{} {}", bytes >> shift, name);
  }
  return bytes == 1 ? std::string("1 byte") : fmt::format("{} bytes", bytes);
}

std::string hex(uint64_t v, bool padded) {
  return padded ? fmt::format("{:#018x}", v) : fmt::format("{:#x}", v);
}

Limits limits_from(const Info& info) {
  Limits l;
  if (info.page_size) l.page_size = info.page_size;
  if (info.large_page_size) l.large_page_size = info.large_page_size;
  if (info.max_total_bytes) l.max_total_bytes = info.max_total_bytes;
  l.supported_flags = info.supported_flags;
  l.cache_types = info.cache_types;
  return l;
}

std::vector<std::string> validate_request(const Request& req, const Limits& lim) {
  std::vector<std::string> why;
  const uint64_t page = lim.page_size;
  if (req.total_bytes == 0) {
    why.push_back("SIZE is 0; an allocation needs at least one byte");
  } else {
    uint64_t rounded = req.total_bytes + (page - 1);
    if (rounded < req.total_bytes) {
      why.push_back(fmt::format("SIZE {} overflows when rounded up to whole pages",
                                hex(req.total_bytes)));
    } else {
      rounded -= rounded % page;
      if (rounded > lim.max_total_bytes)
        why.push_back(fmt::format("SIZE {} ({} rounded to pages) is over the cap of {} ({})",
                                  hex(req.total_bytes), format_size(rounded),
                                  format_size(lim.max_total_bytes), hex(lim.max_total_bytes)));
    }
  }
  if (req.high < req.low)
    why.push_back(fmt::format("--high {} is below --low {} (high is inclusive and must be >= low)",
                              hex(req.high), hex(req.low)));
  const uint32_t rcc = DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS;
  if (req.skip % page)
    why.push_back(fmt::format("--skip {} is not a multiple of the page size {}", hex(req.skip),
                              page));
  if ((req.flags & rcc) && req.skip) {
    if (!std::has_single_bit(req.skip))
      why.push_back(fmt::format(
          "--skip {} is not a power of two, which require-contiguous-chunks needs", hex(req.skip)));
    else if (req.skip < page)
      why.push_back(fmt::format(
          "--skip {} is below the page size {}, which require-contiguous-chunks forbids",
          hex(req.skip), page));
    else if (req.total_bytes % req.skip)
      why.push_back(fmt::format(
          "SIZE {} is not a multiple of --skip {}, which require-contiguous-chunks needs",
          hex(req.total_bytes), hex(req.skip)));
  }
  if (req.flags & DRM_MDL_ALLOC_FAST_LARGE_PAGES) {
    if (!(req.flags & rcc))
      why.push_back("--flags fast-large-pages needs require-contiguous-chunks too");
    else if (req.skip == 0 || req.skip % lim.large_page_size)
      why.push_back(fmt::format(
          "--flags fast-large-pages needs --skip to be a multiple of the large page size {} "
          "(got {})",
          format_size(lim.large_page_size), hex(req.skip)));
  }
  uint32_t unknown = req.flags & ~lim.supported_flags;
  if (unknown)
    why.push_back(fmt::format("--flags {:#x} has unknown bits {} (supported: {})", req.flags,
                              flags_to_string(unknown), flags_to_string(lim.supported_flags)));
  if (req.cache_type >= 32 || !(lim.cache_types & (1u << req.cache_type)))
    why.push_back(fmt::format("--cache {} is not a cache type (0 uc, 1 cached, 2 wc)",
                              req.cache_type));
  return why;
}

std::string explain_alloc_error(int err, const Request& req, const Limits& lim) {
  std::string base = describe_errno(err);
  switch (err) {
    case EINVAL: {
      auto why = validate_request(req, lim);
      if (why.empty())
        return fmt::format(
            "the kernel refused the request as malformed ({}) although every field looks valid "
            "by SPEC.md: a driver bug, or limits this tool does not know",
            base);
      std::string msg = why.front();
      for (size_t i = 1; i < why.size(); i++) msg += "; " + why[i];
      return msg + fmt::format(" ({})", errno_name(err));
    }
    case ENOMEM: {
      std::string window =
          req.high == DRM_MDL_HIGH_UNLIMITED
              ? fmt::format("[{}, no limit]", hex(req.low))
              : fmt::format("[{}, {}]", hex(req.low), hex(req.high));
      std::string msg = fmt::format("no {} to be had in window {}", format_size(req.total_bytes),
                                    window);
      if (req.skip && !(req.flags & DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS))
        msg += fmt::format(" or its --skip {} repeats", hex(req.skip));
      if (req.high != DRM_MDL_HIGH_UNLIMITED && req.high - req.low + 1 < lim.page_size)
        msg += fmt::format("; the window holds less than one page ({} bytes)",
                           req.high - req.low + 1);
      std::vector<std::string> hints;
      if (req.low || req.high != DRM_MDL_HIGH_UNLIMITED) hints.push_back("widen --low/--high");
      if (req.flags & DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS)
        hints.push_back("drop require-contiguous-chunks or use a smaller --skip");
      if (req.flags & DRM_MDL_ALLOC_FAST_LARGE_PAGES) hints.push_back("drop fast-large-pages");
      if (req.flags & DRM_MDL_ALLOC_NO_WAIT) hints.push_back("drop no-wait");
      if (req.flags & DRM_MDL_ALLOC_LOCAL_NODE_ONLY) hints.push_back("drop local-node-only");
      hints.push_back("ask for less than SIZE");
      msg += "; try to ";
      for (size_t i = 0; i < hints.size(); i++)
        msg += (i ? (i + 1 == hints.size() ? " or " : ", ") : "") + hints[i];
      return msg +
             "; without CAP_IPC_LOCK, what your user (uid) holds in all its files and dma-bufs "
             "and what all clients hold are also limited "
             "(/sys/module/mdl/parameters/max_user_mb and max_total_mb) (ENOMEM)";
    }
    case EPERM: {
      if (req.flags & DRM_MDL_ALLOC_DONT_ZERO)
        return "--flags dont-zero needs CAP_SYS_ADMIN: unzeroed pages never reach an "
               "unprivileged process; run as root or drop dont-zero (EPERM)";
      std::vector<std::string> what;
      const bool blocks = req.flags & DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS;
      if (req.skip && !blocks) what.push_back(fmt::format("--skip {}", hex(req.skip)));
      if (req.low) what.push_back(fmt::format("--low {}", hex(req.low)));
      if (req.high < 0xffffffffull)
        what.push_back(fmt::format("--high {} (below 4 GiB - 1)", hex(req.high)));
      if (what.empty() && blocks)
        what.push_back(fmt::format("contiguous blocks of {}, larger than the page "
                                   "allocator's largest",
                                   format_size(req.skip ? req.skip : req.total_bytes)));
      std::string list;
      for (size_t i = 0; i < what.size(); i++) list += (i ? ", " : "") + what[i];
      return fmt::format(
          "placing memory needs CAP_SYS_ADMIN{}{}: without it a window is all of memory or "
          "[0, 4 GiB - 1 or more], with no --skip; run as root or drop the placement (EPERM)",
          what.empty() ? "" : ": ", list);
    }
    case ENXIO:
      return "the platform bounces all of this device's DMA through swiotlb (swiotlb=force or a "
             "confidential guest), so no mapping would reach the pages; use a device behind an "
             "IOMMU (ENXIO)";
    case EOPNOTSUPP:
      return fmt::format("--cache {} is not offered on this architecture: its kernel mapping "
                         "stays cacheable; use --cache cached (EOPNOTSUPP)",
                         req.cache_type);
    case EINTR:
      return "interrupted by a signal while allocating (EINTR); nothing was allocated";
    case EFAULT:
      return "the kernel could not read or write the request (EFAULT)";
    case ENOTTY:
      return "the device does not know DRM_IOCTL_MDL_ALLOC (ENOTTY): not an mdl device?";
    case EACCES:
      return "access denied (EACCES): open the render node, not the primary node";
    default:
      return base;
  }
}

std::string explain_copy_error(int err, uint64_t src_size, uint64_t src_offset, uint64_t dst_size,
                               uint64_t dst_offset, uint64_t size) {
  switch (err) {
    case EINVAL: {
      auto past = [](uint64_t off, uint64_t len, uint64_t cap) {
        return off > cap || len > cap - off;
      };
      if (size == 0) return "--size 0: nothing to copy (EINVAL)";
      if (past(src_offset, size, src_size))
        return fmt::format("--src-offset {} + SIZE {} runs past the source's {} bytes (EINVAL)",
                           hex(src_offset), hex(size), src_size);
      if (past(dst_offset, size, dst_size))
        return fmt::format(
            "--dst-offset {} + SIZE {} runs past the destination's {} bytes (EINVAL)",
            hex(dst_offset), hex(size), dst_size);
      return "the kernel refused the copy (EINVAL): SIZE over the engine's limit, or a "
             "nonzero flags/pad field";
    }
    case EOPNOTSUPP:
      return "this device has no DMA engine (EOPNOTSUPP); use the PCI edu device (--pci)";
    case ENOENT:
      return "unknown source or destination handle (ENOENT)";
    case ETIMEDOUT:
      return "the DMA engine did not finish in time (ETIMEDOUT)";
    case EIO:
      return "the DMA engine reported an error (EIO)";
    default:
      return describe_errno(err);
  }
}

}  // namespace mdl
