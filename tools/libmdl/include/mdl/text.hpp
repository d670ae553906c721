// SPDX-License-Identifier: MIT
//
// Text in and out for drm-mdl: human sizes and addresses, flag and cache type
// names, the SPEC.md validation rules restated in user space, and errno
// explanations that name the field most likely at fault. Shared by mdlctl
// and the tests; none of it talks to the kernel.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mdl/mdl.hpp"

namespace mdl {

// A parsed value or why it could not be parsed.
template <class T>
struct Parsed {
  std::optional<T> value;
  std::string error;

  static Parsed ok(T v) { return {v, {}}; }
  static Parsed bad(std::string why) { return {std::nullopt, std::move(why)}; }
  explicit operator bool() const { return value.has_value(); }
  const T& operator*() const { return *value; }
  const T* operator->() const { return &*value; }
};

// "4096", "0x1000", "64K", "64KiB", "1.5M" is refused, "4G-1", "1G+4K".
// Binary units only: K = 1024. Overflow is an error.
Parsed<uint64_t> parse_size(std::string_view text);
// parse_size(), plus "max", "unlimited", "none" and "~0" for all ones.
Parsed<uint64_t> parse_address(std::string_view text);
// Comma (or '|') separated flag names and/or numbers: "dont-zero,no-wait",
// "0x21", "DONT_ZERO|MM_ALLOCATE_NO_WAIT". Unknown names are an error;
// unknown bits given as numbers are kept (the kernel must refuse them).
Parsed<uint32_t> parse_flags(std::string_view text);
// "cached", "wc", "uc" (and long forms, MmCached...), or a number.
Parsed<uint32_t> parse_cache_type(std::string_view text);

// Flag bit -> canonical name ("dont-zero"), empty for an unknown bit.
std::string_view flag_name(uint32_t bit);
// "dont-zero,no-wait" (unknown bits as "0x80"); "none" for 0.
std::string flags_to_string(uint32_t flags);
std::vector<std::string> flag_names(uint32_t flags);
// "uc", "cached", "wc" or "cache type N".
std::string cache_type_name(uint32_t cache_type);
std::string cache_type_long_name(uint32_t cache_type);

// The DRM usage-stats keys of an fdinfo text ("drm-total-memory:\t64 KiB").
// Sizes take the convention's units (none, KiB, MiB). Other keys and lines
// are skipped; a text without drm-driver or the memory keys is an error.
Parsed<ClientUsage> parse_fdinfo(std::string_view text);

// "64 KiB", "4 GiB - 4 KiB", "12345 bytes".
std::string format_size(uint64_t bytes);
// "0x0000000012345000" (16 digits) or compact "0x12345000".
std::string hex(uint64_t v, bool padded = false);

// The limits validation needs; defaults are x86-64's.
struct Limits {
  uint64_t page_size = 4096;
  uint64_t large_page_size = 2ull << 20;
  uint64_t max_total_bytes = (4ull << 30) - 4096;
  uint32_t supported_flags = DRM_MDL_ALLOC_FLAGS_ALL;
  uint32_t cache_types = 0x7;
};
Limits limits_from(const Info& info);

// Every reason SPEC.md gives for refusing @req with EINVAL, each naming the
// field as mdlctl spells it ("--skip 0x1001 is not a multiple of the page
// size 4096"). Empty: the request is well formed.
std::vector<std::string> validate_request(const Request& req, const Limits& limits = {});

// A message for an allocation that failed with @err, naming the field most
// likely at fault.
std::string explain_alloc_error(int err, const Request& req, const Limits& limits = {});
// Same for a DMA copy of @size bytes between buffers of the given sizes.
std::string explain_copy_error(int err, uint64_t src_size, uint64_t src_offset,
                               uint64_t dst_size, uint64_t dst_offset, uint64_t size);
// Generic: "EINVAL (Invalid argument)".
std::string describe_errno(int err);

}  // namespace mdl
