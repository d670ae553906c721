// SPDX-License-Identifier: MIT
//
// Shared helpers and fixtures of mdl_tests.
//
// Environment:
//   MDL_EXPECT_IOMMU=1|0  set by the VM harness: whether the IOMMU is on.
//   MDL_REQUIRE_EDU=1     a missing mdl device (edu, platform) or vgem is a
//                         failure, not a skip. Defaults to 1 when
//                         MDL_EXPECT_IOMMU is set (we are in the VM), to 0
//                         otherwise (a developer machine without mdl.ko).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "mdl/host.hpp"
#include "mdl/mdl.hpp"
#include "mdl/text.hpp"

namespace mdltest {

// ---- environment ----
std::optional<bool> expect_iommu();  // MDL_EXPECT_IOMMU
bool devices_required();             // see above
uint64_t page_size();
bool is_root();

// ---- physical memory (from /proc/iomem; needs root for real addresses) ----
using Range = mdl::host::RamRange;
using mdl::host::system_ram;
using mdl::host::top_of_ram;

// Highest physical byte + 1 the device can be given: RAM, capped by the DMA
// mask when there is no IOMMU.
uint64_t reach(const mdl::Info& info);

// A window [first, last] of @size bytes where tests can expect free pages:
// inside RAM and reach, the first from 64 MiB up (in 32 MiB steps) where @dev
// can allocate 4 MiB inside the window's first 32 MiB; 64 MiB on when none
// can. The probe's pages are freed before it returns; a window found by an
// earlier call is probed again and replaced when it no longer gives them.
Range test_window(const mdl::Device& dev, const mdl::Info& info, uint64_t size);

// ---- data ----
void fill_random(std::span<std::byte> bytes, uint64_t seed);
bool all_zero(std::span<const std::byte> bytes);
// Offset of the first difference, or -1.
int64_t first_difference(std::span<const std::byte> a, std::span<const std::byte> b);

// ---- privilege ----
// Runs @body in a forked child that has dropped to uid/gid 65534 with no
// supplementary groups. Returns "" on success, else what went wrong (the
// body's returned message, an exception, or the child's death).
std::string run_unprivileged(const std::function<std::string()>& body);
// Runs @body in a forked child as it is; returns as run_unprivileged().
std::string run_in_child(const std::function<std::string()>& body);

// ---- files (sysfs, procfs, cgroupfs) ----
std::string slurp(const std::string& path);       // "" when unreadable
std::string first_line(const std::string& path);  // without its newline
bool write_text(const std::string& path, const std::string& text);

// Sets a parameter of mdl.ko for the lifetime of the object.
class ModuleParam {
 public:
  ModuleParam(const std::string& name, const std::string& value);
  ~ModuleParam();
  ModuleParam(const ModuleParam&) = delete;
  ModuleParam& operator=(const ModuleParam&) = delete;
  bool ok() const { return ok_; }

 private:
  std::string path_, old_;
  bool ok_ = false;
};

// ---- accounting (debugfs) ----
// Pages currently allocated through the driver, all clients of @dev's device
// together, from debugfs; nullopt when debugfs does not show it.
std::optional<uint64_t> debugfs_total_pages(const mdl::Device& dev);
std::string debugfs_dir(const mdl::Device& dev);
// Any "key: N" line of the device's debugfs mdl_totals (allocations, pages,
// bytes, engine_pages).
std::optional<uint64_t> debugfs_value(const mdl::Device& dev, const std::string& key);

// ---- kernel log ----
// Watches /dev/kmsg from construction on; problems() lists the new records
// that show a kernel problem (WARNING, BUG, Oops, PAT conflicts, DMAR
// faults, KASAN/UBSAN, lockdep...). Inactive without access to /dev/kmsg.
class KmsgWatch {
 public:
  bool active() const { return log_.active(); }
  std::vector<std::string> problems();

 private:
  mdl::host::KernelLog log_;
};

// Fails the current test when the kernel logged a problem since @watch began.
void expect_clean_kernel_log(KmsgWatch& watch);

// ---- requests ----
mdl::Request request(uint64_t bytes, uint32_t cache = DRM_MDL_CACHE_CACHED, uint32_t flags = 0);
// Raw DRM_IOCTL_MDL_ALLOC; returns errno (0 on success, handle freed again).
int alloc_errno(const mdl::Device& dev, drm_mdl_alloc args);

// ---- device selection ----
enum class Which { any, edu, platform };
std::string which_name(Which w);
void PrintTo(Which w, std::ostream* os);  // gtest: "edu" rather than bytes
// Opens the device; nullopt with @why set when it is absent.
std::optional<mdl::Device> open_device(Which which, std::string* why);

// Fixture: the default device (edu when present, else the first mdl device).
class DeviceTest : public ::testing::Test {
 protected:
  virtual Which which() const { return Which::any; }
  void SetUp() override;
  void TearDown() override;
  std::unique_ptr<KmsgWatch> kmsg = std::make_unique<KmsgWatch>();
  mdl::Device dev;
  mdl::Info info{};
};

class EduTest : public DeviceTest {
 protected:
  Which which() const override { return Which::edu; }
};

class PlatformTest : public DeviceTest {
 protected:
  Which which() const override { return Which::platform; }
};

// Fixture parameterised over the edu and the platform device.
class EachDeviceTest : public ::testing::TestWithParam<Which> {
 protected:
  void SetUp() override;
  void TearDown() override;
  std::unique_ptr<KmsgWatch> kmsg = std::make_unique<KmsgWatch>();
  mdl::Device dev;
  mdl::Info info{};
};

std::string which_param_name(const ::testing::TestParamInfo<Which>& p);

#define MDL_INSTANTIATE_EACH_DEVICE(suite)                                            \
  INSTANTIATE_TEST_SUITE_P(Devices, suite,                                            \
                           ::testing::Values(::mdltest::Which::edu,                   \
                                             ::mdltest::Which::platform),             \
                           ::mdltest::which_param_name)

// ASSERT that a Result holds a value, printing the errno otherwise.
#define MDL_ASSERT_OK(expr)                                                            \
  ({                                                                                  \
    auto&& mdl_r_ = (expr);                                                           \
    ASSERT_TRUE(mdl_r_.has_value()) << #expr << " failed: "                           \
                                    << ::mdl::describe_errno(mdl_r_.errnum());        \
    std::move(mdl_r_).value();                                                        \
  })

// Expect a Result/Status to have failed with @err.
#define MDL_EXPECT_ERRNO(expr, err)                                                    \
  do {                                                                                \
    auto&& mdl_r_ = (expr);                                                           \
    EXPECT_EQ(::mdl::errno_name(mdl_r_.errnum()), ::mdl::errno_name(err)) << #expr;   \
  } while (0)

}  // namespace mdltest
