// SPDX-License-Identifier: MIT
// Size, flag and cache type parsing, validation and error messages: no kernel needed.
#include <gtest/gtest.h>

#include "mdl/text.hpp"

namespace {

using mdl::parse_address;
using mdl::parse_cache_type;
using mdl::parse_flags;
using mdl::parse_size;

constexpr uint64_t KiB = 1024, MiB = KiB * 1024, GiB = MiB * 1024;

TEST(ParseSize, PlainBytes) {
  EXPECT_EQ(*parse_size("0"), 0u);
  EXPECT_EQ(*parse_size("4096"), 4096u);
  EXPECT_EQ(*parse_size(" 12 "), 12u);
  EXPECT_EQ(*parse_size("1_000"), 1000u);
}

TEST(ParseSize, HumanUnitsAreBinary) {
  EXPECT_EQ(*parse_size("64K"), 64 * KiB);
  EXPECT_EQ(*parse_size("64k"), 64 * KiB);
  EXPECT_EQ(*parse_size("64KiB"), 64 * KiB);
  EXPECT_EQ(*parse_size("64KB"), 64 * KiB);
  EXPECT_EQ(*parse_size("64M"), 64 * MiB);
  EXPECT_EQ(*parse_size("1G"), GiB);
  EXPECT_EQ(*parse_size("2T"), 2048 * GiB);
  EXPECT_EQ(*parse_size("512B"), 512u);
}

TEST(ParseSize, Hex) {
  EXPECT_EQ(*parse_size("0x1000"), 4096u);
  EXPECT_EQ(*parse_size("0XfFfF"), 0xffffu);
  EXPECT_EQ(*parse_size("0xffffffffffffffff"), ~0ull);
}

TEST(ParseSize, Arithmetic) {
  EXPECT_EQ(*parse_size("4G-1"), 4 * GiB - 1);
  EXPECT_EQ(*parse_size("1G+4K"), GiB + 4 * KiB);
  EXPECT_EQ(*parse_size("4G-4K"), 4 * GiB - 4 * KiB);
  EXPECT_EQ(*parse_size("0x100000-1"), 0xfffffu);
}

TEST(ParseSize, RejectsGarbageWithAReason) {
  auto bad = parse_size("64Q");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error.find("unknown unit"), std::string::npos) << bad.error;
  EXPECT_FALSE(parse_size(""));
  EXPECT_FALSE(parse_size("abc"));
  EXPECT_FALSE(parse_size("-4K"));
  EXPECT_FALSE(parse_size("1.5M"));
  EXPECT_NE(parse_size("1.5M").error.find("fraction"), std::string::npos);
  EXPECT_FALSE(parse_size("0x"));
  EXPECT_FALSE(parse_size("0x10M"));  // hex takes no unit
  EXPECT_FALSE(parse_size("1K-2K"));
}

TEST(ParseSize, RejectsOverflow) {
  EXPECT_FALSE(parse_size("0x10000000000000000"));
  EXPECT_FALSE(parse_size("18446744073709551616"));
  EXPECT_EQ(*parse_size("18446744073709551615"), ~0ull);
  EXPECT_FALSE(parse_size("16777216T"));
  EXPECT_FALSE(parse_size("0xffffffffffffffff+1"));
}

TEST(ParseAddress, AcceptsUnlimitedSpellings) {
  for (const char* s : {"max", "MAX", "unlimited", "none", "~0"})
    EXPECT_EQ(*parse_address(s), DRM_MDL_HIGH_UNLIMITED) << s;
  EXPECT_EQ(*parse_address("4G-1"), 0xffffffffull);
  EXPECT_EQ(*parse_address("0x1000"), 0x1000u);
}

TEST(ParseFlags, Names) {
  EXPECT_EQ(*parse_flags(""), 0u);
  EXPECT_EQ(*parse_flags("none"), 0u);
  EXPECT_EQ(*parse_flags("dont-zero"), DRM_MDL_ALLOC_DONT_ZERO);
  EXPECT_EQ(*parse_flags("dont-zero,no-wait"), DRM_MDL_ALLOC_DONT_ZERO | DRM_MDL_ALLOC_NO_WAIT);
  EXPECT_EQ(*parse_flags("local-node-only,fully-required,prefer-contiguous"),
            DRM_MDL_ALLOC_LOCAL_NODE_ONLY | DRM_MDL_ALLOC_FULLY_REQUIRED |
                DRM_MDL_ALLOC_PREFER_CONTIGUOUS);
  EXPECT_EQ(*parse_flags("require-contiguous-chunks, fast-large-pages"),
            DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS | DRM_MDL_ALLOC_FAST_LARGE_PAGES);
}

TEST(ParseFlags, WindowsSpellingsAndNumbers) {
  EXPECT_EQ(*parse_flags("MM_DONT_ZERO_ALLOCATION|MM_ALLOCATE_NO_WAIT"),
            DRM_MDL_ALLOC_DONT_ZERO | DRM_MDL_ALLOC_NO_WAIT);
  EXPECT_EQ(*parse_flags("DONT_ZERO"), DRM_MDL_ALLOC_DONT_ZERO);
  EXPECT_EQ(*parse_flags("0x21"), 0x21u);
  EXPECT_EQ(*parse_flags("33"), 0x21u);
  EXPECT_EQ(*parse_flags("no-wait,0x80"), 0x88u);  // unknown bits pass through to the kernel
}

TEST(ParseFlags, UnknownNameIsNamed) {
  auto bad = parse_flags("dont-zero,turbo");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error.find("'turbo'"), std::string::npos) << bad.error;
  EXPECT_NE(bad.error.find("require-contiguous-chunks"), std::string::npos) << bad.error;
  EXPECT_FALSE(parse_flags("0x100000000"));
}

TEST(ParseCacheType, NamesAndNumbers) {
  EXPECT_EQ(*parse_cache_type("cached"), DRM_MDL_CACHE_CACHED);
  EXPECT_EQ(*parse_cache_type("wc"), DRM_MDL_CACHE_WRITE_COMBINED);
  EXPECT_EQ(*parse_cache_type("uc"), DRM_MDL_CACHE_NON_CACHED);
  EXPECT_EQ(*parse_cache_type("MmNonCached"), DRM_MDL_CACHE_NON_CACHED);
  EXPECT_EQ(*parse_cache_type("write-combined"), DRM_MDL_CACHE_WRITE_COMBINED);
  EXPECT_EQ(*parse_cache_type("1"), 1u);
  EXPECT_EQ(*parse_cache_type("7"), 7u);  // the kernel must refuse it
  auto bad = parse_cache_type("fast");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error.find("'fast'"), std::string::npos);
}

TEST(FormatText, Sizes) {
  EXPECT_EQ(mdl::format_size(4096), "4 KiB");
  EXPECT_EQ(mdl::format_size(64 * MiB), "64 MiB");
  EXPECT_EQ(mdl::format_size(4 * GiB - 4096), "4 GiB - 4 KiB");
  EXPECT_EQ(mdl::format_size(5000), "5000 bytes");
  EXPECT_EQ(mdl::format_size(0), "0 bytes");
  EXPECT_EQ(mdl::format_size(0xffffffff), "4 GiB - 1 byte");
  EXPECT_EQ(mdl::format_size(3 * MiB + 512 * KiB), "3584 KiB");
}

TEST(FormatText, FlagsAndCacheTypes) {
  EXPECT_EQ(mdl::flags_to_string(0), "none");
  EXPECT_EQ(mdl::flags_to_string(0x21), "dont-zero,require-contiguous-chunks");
  EXPECT_EQ(mdl::flags_to_string(0x7f),
            "dont-zero,local-node-only,fully-required,no-wait,prefer-contiguous,"
            "require-contiguous-chunks,fast-large-pages");
  EXPECT_EQ(mdl::flags_to_string(0x180), "0x80,0x100");
  EXPECT_EQ(mdl::cache_type_name(0), "uc");
  EXPECT_EQ(mdl::cache_type_name(2), "wc");
  EXPECT_EQ(mdl::cache_type_name(9), "cache type 9");
  EXPECT_EQ(mdl::hex(0x1000), "0x1000");
  EXPECT_EQ(mdl::hex(0x1000, true), "0x0000000000001000");
}

// validate_request: every EINVAL case of SPEC.md, each naming its field.
mdl::Request req(uint64_t total) {
  mdl::Request r;
  r.total_bytes = total;
  return r;
}

std::string only_problem(const mdl::Request& r) {
  auto why = mdl::validate_request(r);
  EXPECT_EQ(why.size(), 1u);
  return why.empty() ? "" : why.front();
}

TEST(Validate, WellFormedRequestsPass) {
  EXPECT_TRUE(mdl::validate_request(req(1)).empty());
  EXPECT_TRUE(mdl::validate_request(req(4 * GiB - 4096)).empty());
  auto r = req(512 * KiB);
  r.skip = 64 * KiB;
  r.flags = DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS;
  EXPECT_TRUE(mdl::validate_request(r).empty());
  r = req(4 * MiB);
  r.skip = 2 * MiB;
  r.flags = DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS | DRM_MDL_ALLOC_FAST_LARGE_PAGES;
  EXPECT_TRUE(mdl::validate_request(r).empty());
  r = req(4096);
  r.low = r.high = 0x1000;  // one byte window: well formed, ENOMEM in the kernel
  EXPECT_TRUE(mdl::validate_request(r).empty());
}

TEST(Validate, ZeroSize) { EXPECT_NE(only_problem(req(0)).find("SIZE is 0"), std::string::npos); }

TEST(Validate, OverTheCap) {
  EXPECT_NE(only_problem(req(4 * GiB - 4095)).find("over the cap"), std::string::npos);
  EXPECT_NE(only_problem(req(4 * GiB)).find("over the cap"), std::string::npos);
  EXPECT_NE(only_problem(req(~0ull)).find("overflows"), std::string::npos);
}

TEST(Validate, HighBelowLow) {
  auto r = req(4096);
  r.low = 0x2000;
  r.high = 0x1fff;
  EXPECT_NE(only_problem(r).find("--high 0x1fff is below --low 0x2000"), std::string::npos);
}

TEST(Validate, SkipNotPageMultipleNamesTheField) {
  auto r = req(4096);
  r.skip = 0x1001;
  EXPECT_EQ(only_problem(r), "--skip 0x1001 is not a multiple of the page size 4096");
}

TEST(Validate, ContiguousChunksNeedPowerOfTwoSkip) {
  auto r = req(96 * KiB);
  r.skip = 12 * KiB;
  r.flags = DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS;
  EXPECT_NE(only_problem(r).find("not a power of two"), std::string::npos);
}

TEST(Validate, ContiguousChunksNeedTotalMultipleOfSkip) {
  auto r = req(96 * KiB);
  r.skip = 64 * KiB;
  r.flags = DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS;
  EXPECT_NE(only_problem(r).find("not a multiple of --skip"), std::string::npos);
}

TEST(Validate, FastLargePagesNeedContiguousChunks) {
  auto r = req(2 * MiB);
  r.skip = 2 * MiB;
  r.flags = DRM_MDL_ALLOC_FAST_LARGE_PAGES;
  EXPECT_NE(only_problem(r).find("needs require-contiguous-chunks"), std::string::npos);
  r.flags |= DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS;
  r.skip = 64 * KiB;
  EXPECT_NE(only_problem(r).find("large page size 2 MiB"), std::string::npos);
}

TEST(Validate, UnknownFlagsAndCacheTypes) {
  for (uint32_t bit : {0x80u, 0x100u, 1u << 31}) {
    auto r = req(4096);
    r.flags = bit;
    EXPECT_NE(only_problem(r).find("unknown bits"), std::string::npos) << bit;
  }
  auto r = req(4096);
  r.cache_type = 3;
  EXPECT_NE(only_problem(r).find("--cache 3"), std::string::npos);
  r.cache_type = 0xffffffff;
  EXPECT_FALSE(mdl::validate_request(r).empty());
}

TEST(ExplainError, EinvalNamesTheBadField) {
  auto r = req(4096);
  r.skip = 0x1001;
  EXPECT_EQ(mdl::explain_alloc_error(EINVAL, r),
            "--skip 0x1001 is not a multiple of the page size 4096 (EINVAL)");
  EXPECT_NE(mdl::explain_alloc_error(EINVAL, req(4096)).find("driver bug"), std::string::npos);
}

TEST(ExplainError, EnomemNamesTheWindow) {
  auto r = req(64 * MiB);
  r.low = 0x100000;
  r.high = 0x1fffff;
  r.flags = DRM_MDL_ALLOC_NO_WAIT;
  auto msg = mdl::explain_alloc_error(ENOMEM, r);
  EXPECT_NE(msg.find("[0x100000, 0x1fffff]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("--low/--high"), std::string::npos) << msg;
  EXPECT_NE(msg.find("no-wait"), std::string::npos) << msg;
  r.high = r.low + 10;
  EXPECT_NE(mdl::explain_alloc_error(ENOMEM, r).find("less than one page"), std::string::npos);
}

TEST(ExplainError, EpermNamesDontZero) {
  auto r = req(4096);
  r.flags = DRM_MDL_ALLOC_DONT_ZERO;
  EXPECT_NE(mdl::explain_alloc_error(EPERM, r).find("dont-zero needs CAP_SYS_ADMIN"),
            std::string::npos);
}

TEST(ExplainError, EpermNamesThePlacementAndTheCapability) {
  auto r = req(4096);
  r.low = 0x10000000;
  r.high = 0x10000fff;
  auto msg = mdl::explain_alloc_error(EPERM, r);
  EXPECT_NE(msg.find("placing memory needs CAP_SYS_ADMIN"), std::string::npos) << msg;
  EXPECT_NE(msg.find("--low 0x10000000"), std::string::npos) << msg;
  EXPECT_NE(msg.find("--high 0x10000fff"), std::string::npos) << msg;
  r = req(4096);
  r.high = 0xffffffff;
  r.skip = 0x100000000;
  msg = mdl::explain_alloc_error(EPERM, r);
  EXPECT_NE(msg.find("--skip 0x100000000"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("--high"), std::string::npos) << msg;
  r = req(16 << 20);
  r.skip = 8 << 20;
  r.flags = DRM_MDL_ALLOC_REQUIRE_CONTIGUOUS_CHUNKS;
  msg = mdl::explain_alloc_error(EPERM, r);
  EXPECT_NE(msg.find("contiguous blocks of 8 MiB"), std::string::npos) << msg;
}

TEST(ExplainError, EnxioAndEopnotsuppSayWhatThePlatformLacks) {
  EXPECT_NE(mdl::explain_alloc_error(ENXIO, req(4096)).find("swiotlb"), std::string::npos);
  auto r = req(4096);
  r.cache_type = DRM_MDL_CACHE_WRITE_COMBINED;
  EXPECT_NE(mdl::explain_alloc_error(EOPNOTSUPP, r).find("--cache 2 is not offered"),
            std::string::npos);
}

TEST(ExplainError, CopyErrorsNameTheRange) {
  auto msg = mdl::explain_copy_error(EINVAL, 8192, 8000, 8192, 0, 500);
  EXPECT_NE(msg.find("--src-offset"), std::string::npos) << msg;
  msg = mdl::explain_copy_error(EINVAL, 8192, 0, 4096, 4000, 500);
  EXPECT_NE(msg.find("--dst-offset"), std::string::npos) << msg;
  EXPECT_NE(mdl::explain_copy_error(EOPNOTSUPP, 1, 0, 1, 0, 1).find("no DMA engine"),
            std::string::npos);
}

}  // namespace
