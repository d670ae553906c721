// SPDX-License-Identifier: MIT
// Who holds what: the DRM usage-stats keys in /proc/PID/fdinfo/FD, and the
// client limits (max_user_mb, max_total_mb) that bound what callers without
// CAP_IPC_LOCK may pin.
#include <unistd.h>

#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <optional>
#include <thread>
#include <vector>

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

// Half of RAM for all clients, a quarter for one user, shown as numbers.
TEST_F(ClientLimits, DefaultsAreFractionsOfRam) {
  uint64_t ram_mb = mem_total_mb();
  ASSERT_GT(ram_mb, 0u);
  EXPECT_EQ(param_mb("max_total_mb"), ram_mb / 2);
  EXPECT_EQ(param_mb("max_user_mb"), ram_mb / 4);
  // The per-file limit is gone, with no alias.
  EXPECT_NE(access("/sys/module/mdl/parameters/max_file_mb", F_OK), 0);
}

// A client without CAP_IPC_LOCK is bounded by what its user holds in all its
// files and by what all clients hold; the refused request leaves nothing
// allocated.
TEST_F(ClientLimits, UnprivilegedClientsAreBounded) {
  ModuleParam user_mb("max_user_mb", "4");
  ModuleParam total_mb("max_total_mb", "6");
  ASSERT_TRUE(user_mb.ok() && total_mb.ok());
  auto before = debugfs_value(dev, "client_pages");
  ASSERT_TRUE(before) << "debugfs shows no client_pages";
  std::string path = dev.node().path();
  EXPECT_EQ(run_unprivileged([path]() -> std::string {
              auto a = mdl::Device::open(path);
              auto b = mdl::Device::open(path);
              if (!a || !b) return "open " + path;
              auto x = a->alloc(request(3 * MiB));
              if (!x) return "3 MiB under a 4 MiB user limit: " + mdl::describe_errno(x.errnum());
              // Under the limit on its own, over it with the user's other file.
              auto y = b->alloc(request(2 * MiB));
              if (y || y.errnum() != ENOMEM) return "2 MiB on another file over the user limit: not ENOMEM";
              auto z = b->alloc(request(1 * MiB));
              if (!z) return "1 MiB up to the user limit: " + mdl::describe_errno(z.errnum());
              auto w = a->alloc(request(4 * KiB));
              if (w || w.errnum() != ENOMEM) return "a page over the user limit: not ENOMEM";
              auto u = b->usage();
              if (!u || u->total_bytes != 1 * MiB) return "fdinfo of the second file";
              return "";
            }),
            "");
  // With root holding 3 MiB, the total runs out before the user's share.
  auto held = dev.alloc(request(3 * MiB));
  ASSERT_TRUE(held) << mdl::describe_errno(held.errnum());
  EXPECT_EQ(run_unprivileged([path]() -> std::string {
              auto a = mdl::Device::open(path);
              if (!a) return "open " + path;
              auto x = a->alloc(request(3 * MiB));
              if (!x) return "3 MiB up to the total: " + mdl::describe_errno(x.errnum());
              auto y = a->alloc(request(4 * KiB));
              if (y || y.errnum() != ENOMEM) return "a page over the total limit: not ENOMEM";
              return "";
            }),
            "");
  held->reset();
  // The child's files are closed: everything went back.
  EXPECT_EQ(debugfs_value(dev, "client_pages"), before);
}

// One uid with three files and an exported dma-buf holds at most max_user_mb:
// the dma-buf's object counts until it is freed, not until its file closes,
// and racing requests on all three files get exactly what is left.
TEST_F(ClientLimits, OneUidWithThreeFilesAndADmaBufHoldsAtMostMaxUserMb) {
  ModuleParam user_mb("max_user_mb", "8");
  ModuleParam total_mb("max_total_mb", "0");
  ASSERT_TRUE(user_mb.ok() && total_mb.ok());
  auto before = debugfs_value(dev, "client_pages");
  ASSERT_TRUE(before) << "debugfs shows no client_pages";
  std::string path = dev.node().path();
  EXPECT_EQ(run_unprivileged([path]() -> std::string {
              std::optional<mdl::DmaBuf> buf;
              {
                auto a = mdl::Device::open(path);
                if (!a) return "open " + path;
                auto x = a->alloc(request(3 * MiB));
                if (!x) return "3 MiB: " + mdl::describe_errno(x.errnum());
                auto e = a->export_dmabuf(*x);
                if (!e) return "export: " + mdl::describe_errno(e.errnum());
                buf = std::move(*e);
              }  // The handle is freed and the file closed: the dma-buf holds the object.
              auto b = mdl::Device::open(path);
              auto c = mdl::Device::open(path);
              auto d = mdl::Device::open(path);
              if (!b || !c || !d) return "open " + path;
              auto x = b->alloc(request(3 * MiB));
              if (!x) return "3 MiB on the second file: " + mdl::describe_errno(x.errnum());
              auto y = c->alloc(request(3 * MiB));
              if (y || y.errnum() != ENOMEM)
                return "3 + 3 + 3 MiB over an 8 MiB user limit, the file closed: not ENOMEM";
              // Racing for the 2 MiB left, a page each on three files.
              std::atomic<int> granted = 0, refused = 0, other = 0;
              std::vector<std::optional<mdl::Allocation>> won(24);
              std::vector<std::thread> threads;
              for (size_t i = 0; i < won.size(); i++)
                threads.emplace_back([&, i] {
                  const mdl::Device& f = i % 3 == 0 ? *b : i % 3 == 1 ? *c : *d;
                  auto r = f.alloc(request(128 * KiB));
                  if (r) {
                    granted++;
                    won[i] = std::move(*r);
                  } else if (r.errnum() == ENOMEM) {
                    refused++;
                  } else {
                    other++;
                  }
                });
              for (auto& t : threads) t.join();
              if (granted != 16 || refused != 8 || other != 0)
                return fmt::format("24 racing 128 KiB for 2 MiB: {} granted, {} ENOMEM, {} other",
                                   granted.load(), refused.load(), other.load());
              uint64_t held = 0;
              for (auto* f : {&*b, &*c, &*d}) {
                auto u = f->usage();
                if (!u) return "fdinfo";
                held += u->total_bytes;
              }
              if (held + buf->size() != 8 * MiB)
                return fmt::format("the files hold {} KiB and the dma-buf {} KiB, not 8 MiB",
                                   held / KiB, buf->size() / KiB);
              // Releasing the dma-buf frees its object, and its 3 MiB come back.
              buf.reset();
              auto z = d->alloc(request(3 * MiB));
              if (!z) return "3 MiB after the dma-buf went: " + mdl::describe_errno(z.errnum());
              auto w = c->alloc(request(4 * KiB));
              if (w || w.errnum() != ENOMEM) return "a page over the user limit again: not ENOMEM";
              won.clear();
              x->reset();
              z->reset();
              auto all = c->alloc(request(8 * MiB));
              if (!all) return "8 MiB after freeing everything: " + mdl::describe_errno(all.errnum());
              return "";
            }),
            "");
  EXPECT_EQ(debugfs_value(dev, "client_pages"), before);
}

// CAP_IPC_LOCK goes past both limits, as it goes past RLIMIT_MEMLOCK, and its
// pages still count against what the others may take.
TEST_F(ClientLimits, IpcLockGoesPastThemAndCounts) {
  ModuleParam user_mb("max_user_mb", "1");
  ModuleParam total_mb("max_total_mb", "1");
  ASSERT_TRUE(user_mb.ok() && total_mb.ok());
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
  ModuleParam user_mb("max_user_mb", "0");
  ModuleParam total_mb("max_total_mb", "0");
  ASSERT_TRUE(user_mb.ok() && total_mb.ok());
  std::string path = dev.node().path();
  EXPECT_EQ(run_unprivileged([path]() -> std::string {
              auto d = mdl::Device::open(path);
              if (!d) return "open " + path;
              // Above the default user limit of a quarter of RAM.
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
