// SPDX-License-Identifier: MIT
// Who holds what: the DRM usage-stats keys in /proc/PID/fdinfo/FD, and the
// client limits (max_file_mb, max_total_mb) that bound what callers without
// CAP_IPC_LOCK may pin.
#include <unistd.h>

#include <cinttypes>
#include <cstdio>

#include <fmt/format.h>

#include "util.hpp"

namespace mdltest {
namespace {

constexpr uint64_t KiB = 1024;
constexpr uint64_t MiB = 1024 * KiB;

// ---- parsing, no kernel needed ----

TEST(ParseFdinfo, ReadsTheUsageStatsKeys) {
  auto u = mdl::parse_fdinfo(
      "pos:\t0\nflags:\t02100002\nmnt_id:\t24\nino:\t77\n"
      "drm-driver:\tmdl\ndrm-client-id:\t7\ndrm-pdev:\t0000:00:03.0\n"
      "drm-total-memory:\t1088 KiB\ndrm-shared-memory:\t64 KiB\n"
      "drm-resident-memory:\t2 MiB\n");
  ASSERT_TRUE(u) << u.error;
  EXPECT_EQ(u->driver, "mdl");
  EXPECT_EQ(u->client_id, 7u);
  EXPECT_EQ(u->pdev, "0000:00:03.0");
  EXPECT_EQ(u->total_bytes, 1088 * KiB);
  EXPECT_EQ(u->shared_bytes, 64 * KiB);
  EXPECT_EQ(u->resident_bytes, 2 * MiB);
}

TEST(ParseFdinfo, BytesWithoutAUnit) {
  auto u = mdl::parse_fdinfo(
      "drm-driver: mdl\ndrm-total-memory: 4096\ndrm-resident-memory: 4096\n");
  ASSERT_TRUE(u) << u.error;
  EXPECT_EQ(u->total_bytes, 4096u);
  EXPECT_EQ(u->pdev, "");
}

TEST(ParseFdinfo, RefusesWhatIsNotUsageStats) {
  EXPECT_FALSE(mdl::parse_fdinfo("pos:\t0\nflags:\t02\n"));
  EXPECT_FALSE(mdl::parse_fdinfo("drm-driver:\tmdl\n"));
  EXPECT_FALSE(mdl::parse_fdinfo(
      "drm-driver:\tmdl\ndrm-total-memory:\t4 GiB\ndrm-resident-memory:\t0\n"));
  EXPECT_FALSE(mdl::parse_fdinfo(
      "drm-driver:\tmdl\ndrm-total-memory:\t-1\ndrm-resident-memory:\t0\n"));
  EXPECT_FALSE(mdl::parse_fdinfo("drm-driver:\tmdl\ndrm-total-memory:\t"
                                 "99999999999999999999999 KiB\ndrm-resident-memory:\t0\n"));
}

// ---- fdinfo of real files ----

class Fdinfo : public EachDeviceTest {};
MDL_INSTANTIATE_EACH_DEVICE(Fdinfo);

TEST_P(Fdinfo, ShowsWhatTheFileHolds) {
  auto u = dev.usage();
  ASSERT_TRUE(u) << mdl::describe_errno(u.errnum());
  EXPECT_EQ(u->driver, "mdl");
  EXPECT_EQ(u->total_bytes, 0u);
  EXPECT_EQ(u->pdev.empty(), dev.node().bus != mdl::Bus::pci) << u->pdev;

  auto a = dev.alloc(request(64 * KiB));
  ASSERT_TRUE(a) << mdl::describe_errno(a.errnum());
  // A partial page pins, and counts as, the whole page.
  auto b = dev.alloc(request(MiB - 1));
  ASSERT_TRUE(b) << mdl::describe_errno(b.errnum());
  u = dev.usage();
  ASSERT_TRUE(u);
  EXPECT_EQ(u->total_bytes, MiB + 64 * KiB);
  EXPECT_EQ(u->resident_bytes, MiB + 64 * KiB);
  EXPECT_EQ(u->shared_bytes, 0u);

  // Exported: shared.
  auto buf = dev.export_dmabuf(*a);
  ASSERT_TRUE(buf) << mdl::describe_errno(buf.errnum());
  u = dev.usage();
  ASSERT_TRUE(u);
  EXPECT_EQ(u->shared_bytes, 64 * KiB);

  ASSERT_TRUE(b->free());
  u = dev.usage();
  ASSERT_TRUE(u);
  EXPECT_EQ(u->total_bytes, 64 * KiB);
}

TEST_P(Fdinfo, EachFileIsAClientOfItsOwn) {
  auto other = mdl::Device::open(dev.node());
  ASSERT_TRUE(other) << mdl::describe_errno(other.errnum());
  auto mine = dev.usage();
  auto theirs = other->usage();
  ASSERT_TRUE(mine);
  ASSERT_TRUE(theirs);
  EXPECT_NE(mine->client_id, theirs->client_id);

  // An import counts at both clients, as shared.
  auto a = dev.alloc(request(128 * KiB));
  ASSERT_TRUE(a);
  auto buf = dev.export_dmabuf(*a);
  ASSERT_TRUE(buf);
  auto imported = other->import_dmabuf(buf->fd());
  ASSERT_TRUE(imported) << mdl::describe_errno(imported.errnum());
  theirs = other->usage();
  ASSERT_TRUE(theirs);
  EXPECT_EQ(theirs->total_bytes, 128 * KiB);
  EXPECT_EQ(theirs->shared_bytes, 128 * KiB);
  EXPECT_EQ(other->free(*imported).errnum(), 0);
  theirs = other->usage();
  ASSERT_TRUE(theirs);
  EXPECT_EQ(theirs->total_bytes, 0u);
}

// Another process's file, as a monitoring tool reads it.
TEST_P(Fdinfo, ReadableForTheHolderByPid) {
  auto a = dev.alloc(request(256 * KiB));
  ASSERT_TRUE(a);
  auto u = mdl::client_usage(getpid(), dev.fd());
  ASSERT_TRUE(u) << mdl::describe_errno(u.errnum());
  EXPECT_EQ(u->total_bytes, 256 * KiB);
  EXPECT_EQ(mdl::client_usage(getpid(), 0).errnum(), EINVAL) << "stdin has no DRM keys";
}

// ---- the client limits ----

uint64_t mem_total_mb() {
  std::string text = slurp("/proc/meminfo");
  uint64_t kb = 0;
  std::sscanf(text.c_str(), "MemTotal: %" SCNu64, &kb);
  return kb / 1024;
}

uint64_t param_mb(const char* name) {
  return std::stoull(first_line(std::string("/sys/module/mdl/parameters/") + name));
}

class ClientLimits : public DeviceTest {
 protected:
  void SetUp() override {
    DeviceTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    if (!is_root()) GTEST_SKIP() << "setting module parameters needs root";
  }
};

// Half of RAM for all clients, a quarter for one, shown as numbers.
TEST_F(ClientLimits, DefaultsAreFractionsOfRam) {
  uint64_t ram_mb = mem_total_mb();
  ASSERT_GT(ram_mb, 0u);
  EXPECT_EQ(param_mb("max_total_mb"), ram_mb / 2);
  EXPECT_EQ(param_mb("max_file_mb"), ram_mb / 4);
}

// A client without CAP_IPC_LOCK is bounded by its file's limit and by what
// all clients hold; the refused request leaves nothing allocated.
TEST_F(ClientLimits, UnprivilegedClientsAreBounded) {
  ModuleParam file_mb("max_file_mb", "4");
  ModuleParam total_mb("max_total_mb", "6");
  ASSERT_TRUE(file_mb.ok() && total_mb.ok());
  auto before = debugfs_value(dev, "client_pages");
  ASSERT_TRUE(before) << "debugfs shows no client_pages";
  std::string path = dev.node().path();
  EXPECT_EQ(run_unprivileged([path]() -> std::string {
              auto a = mdl::Device::open(path);
              auto b = mdl::Device::open(path);
              if (!a || !b) return "open " + path;
              auto x = a->alloc(request(4 * MiB));
              if (!x) return "4 MiB under a 4 MiB file limit: " + mdl::describe_errno(x.errnum());
              auto y = a->alloc(request(4 * KiB));
              if (y || y.errnum() != ENOMEM) return "a page over the file limit: not ENOMEM";
              auto z = b->alloc(request(2 * MiB));
              if (!z) return "2 MiB on another file: " + mdl::describe_errno(z.errnum());
              auto w = b->alloc(request(4 * KiB));
              if (w || w.errnum() != ENOMEM) return "a page over the total limit: not ENOMEM";
              auto u = b->usage();
              if (!u || u->total_bytes != 2 * MiB) return "fdinfo of the second file";
              return "";
            }),
            "");
  // The child's files are closed: everything went back.
  EXPECT_EQ(debugfs_value(dev, "client_pages"), before);
}

// CAP_IPC_LOCK goes past both limits, as it goes past RLIMIT_MEMLOCK, and its
// pages still count against what the others may take.
TEST_F(ClientLimits, IpcLockGoesPastThemAndCounts) {
  ModuleParam file_mb("max_file_mb", "1");
  ModuleParam total_mb("max_total_mb", "1");
  ASSERT_TRUE(file_mb.ok() && total_mb.ok());
  auto a = dev.alloc(request(2 * MiB));
  ASSERT_TRUE(a) << mdl::describe_errno(a.errnum());
  std::string path = dev.node().path();
  EXPECT_EQ(run_unprivileged([path]() -> std::string {
              auto d = mdl::Device::open(path);
              if (!d) return "open " + path;
              auto x = d->alloc(request(4 * KiB));
              if (x || x.errnum() != ENOMEM)
                return "a page with the total used up by root: not ENOMEM";
              return "";
            }),
            "");
}

// 0 lifts a limit.
TEST_F(ClientLimits, ZeroMeansNoLimit) {
  ModuleParam file_mb("max_file_mb", "0");
  ModuleParam total_mb("max_total_mb", "0");
  ASSERT_TRUE(file_mb.ok() && total_mb.ok());
  std::string path = dev.node().path();
  EXPECT_EQ(run_unprivileged([path]() -> std::string {
              auto d = mdl::Device::open(path);
              if (!d) return "open " + path;
              // Above the default file limit of a quarter of RAM.
              uint64_t bytes = mem_total_mb() * MiB * 5 / 16;
              auto x = d->alloc(request(bytes));
              if (!x)
                return fmt::format("{} MiB with no limits: {}", bytes / MiB,
                                   mdl::describe_errno(x.errnum()));
              return "";
            }),
            "");
}

}  // namespace
}  // namespace mdltest
