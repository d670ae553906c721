// SPDX-License-Identifier: MIT
//
// libmdl: a small C++20 wrapper over the drm-mdl uAPI, on libdrm.
//
//   auto dev = mdl::Device::open_default().value();   // PCI edu if present
//   auto a = dev.alloc({.total_bytes = 64 << 10}).value();
//   auto m = dev.map(a).value();                       // std::span<std::byte>
//   auto pages = dev.page_table(a).value();            // DMA + phys per page
//
// Every call that reaches the kernel returns mdl::Result: a value or an
// errno. Allocation, Mapping and DmaBuf own what they name (GEM handle, mmap,
// dma-buf fd) and release it in their destructors; they keep the DRM file
// open for as long as they live, so the order of destruction is free.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mdl/result.hpp"
#include "mdl_drm.h"

namespace mdl {

using PageEntry = drm_mdl_page_entry;
using Info = drm_mdl_info;

enum class Bus { pci, platform, other };
std::string_view bus_name(Bus bus);

// One DRM device node found on the system.
struct Node {
  std::string render_path;   // /dev/dri/renderD*, empty when there is none
  std::string primary_path;  // /dev/dri/card*, empty when there is none
  Bus bus = Bus::other;
  std::string bus_id;        // "0000:00:04.0" for PCI, the platform name otherwise
  uint16_t vendor_id = 0;    // PCI only
  uint16_t device_id = 0;    // PCI only
  std::string driver;        // DRM driver name ("mdl", "vgem", ...)

  // The QEMU edu device: the PCI "GPU" with a DMA engine, behind the IOMMU.
  [[nodiscard]] bool is_edu() const {
    return bus == Bus::pci && vendor_id == 0x1234 && device_id == 0x11e8;
  }
  // What to open: the render node, else the primary node.
  [[nodiscard]] const std::string& path() const {
    return render_path.empty() ? primary_path : render_path;
  }
};

// Every DRM node whose driver is @driver (drmGetDevices2, completed by a scan
// of /dev/dri for nodes libdrm cannot describe). PCI devices first.
Result<std::vector<Node>> find_nodes(std::string_view driver = "mdl");

// What to allocate: struct drm_mdl_alloc's inputs. Defaults: no window, cached.
struct Request {
  uint64_t low = 0;
  uint64_t high = DRM_MDL_HIGH_UNLIMITED;
  uint64_t skip = 0;
  uint64_t total_bytes = 0;
  uint32_t cache_type = DRM_MDL_CACHE_CACHED;
  uint32_t flags = 0;
};

// The ALLOC ioctl's argument for @req, outputs zeroed.
drm_mdl_alloc to_alloc_args(const Request& req);

// A file descriptor, closed on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  [[nodiscard]] int get() const { return fd_; }
  [[nodiscard]] bool valid() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// A CPU mapping (munmap on destruction).
class Mapping {
 public:
  Mapping() = default;
  Mapping(void* addr, size_t size) : addr_(addr), size_(size) {}
  Mapping(Mapping&& o) noexcept
      : addr_(std::exchange(o.addr_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  Mapping& operator=(Mapping&& o) noexcept;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() { reset(); }

  // mmap(@size bytes at @offset of @fd), shared, read-write (or read-only).
  static Result<Mapping> map_fd(int fd, uint64_t offset, size_t size, bool writable = true);

  [[nodiscard]] std::span<std::byte> bytes() const {
    return {static_cast<std::byte*>(addr_), size_};
  }
  [[nodiscard]] void* data() const { return addr_; }
  [[nodiscard]] size_t size() const { return size_; }
  void reset();

 private:
  void* addr_ = nullptr;
  size_t size_ = 0;
};

// An exported dma-buf.
class DmaBuf {
 public:
  DmaBuf() = default;
  DmaBuf(UniqueFd fd, uint64_t size) : fd_(std::move(fd)), size_(size) {}

  [[nodiscard]] int fd() const { return fd_.get(); }
  [[nodiscard]] uint64_t size() const { return size_; }
  int release() { return fd_.release(); }

  // DMA_BUF_IOCTL_SYNC around CPU access.
  Status begin_cpu_access(bool write = true) const;
  Status end_cpu_access(bool write = true) const;
  // mmap the dma-buf itself.
  Result<Mapping> map() const;

 private:
  UniqueFd fd_;
  uint64_t size_ = 0;
};

// A GEM handle on an mdl device file; DRM_IOCTL_MDL_FREE on destruction.
class Allocation {
 public:
  Allocation() = default;
  Allocation(std::shared_ptr<UniqueFd> file, const drm_mdl_alloc& reply)
      : file_(std::move(file)), reply_(reply) {}
  Allocation(Allocation&& o) noexcept;
  Allocation& operator=(Allocation&& o) noexcept;
  Allocation(const Allocation&) = delete;
  Allocation& operator=(const Allocation&) = delete;
  ~Allocation() { reset(); }

  [[nodiscard]] bool valid() const { return file_ != nullptr; }
  [[nodiscard]] uint32_t handle() const { return reply_.handle; }
  [[nodiscard]] uint64_t byte_count() const { return reply_.byte_count; }
  [[nodiscard]] uint64_t page_count() const { return reply_.page_count; }
  [[nodiscard]] uint32_t chunk_count() const { return reply_.chunk_count; }
  [[nodiscard]] uint32_t dma_segment_count() const { return reply_.dma_segment_count; }
  [[nodiscard]] uint32_t cache_type() const { return reply_.cache_type; }
  [[nodiscard]] uint32_t flags() const { return reply_.flags; }
  // The whole ioctl reply (inputs as sent, outputs as returned).
  [[nodiscard]] const drm_mdl_alloc& reply() const { return reply_; }

  // Frees now; reports the kernel's answer.
  Status free();
  // Gives up ownership: the handle stays allocated until the file closes.
  uint32_t release();
  void reset() { (void)free(); }

 private:
  std::shared_ptr<UniqueFd> file_;
  drm_mdl_alloc reply_{};
};

// What one client (one open DRM file) holds, from the DRM usage-stats keys
// the driver prints in /proc/PID/fdinfo/FD (drm-usage-stats.rst; region
// "memory"). Objects count by handle: shared ones at every holder.
struct ClientUsage {
  std::string driver;         // drm-driver
  uint64_t client_id = 0;     // drm-client-id
  std::string pdev;           // drm-pdev; empty for the platform device
  uint64_t total_bytes = 0;     // drm-total-memory
  uint64_t shared_bytes = 0;    // drm-shared-memory
  uint64_t resident_bytes = 0;  // drm-resident-memory
};

// The usage of file descriptor @fd of process @pid (EINVAL: no DRM keys).
Result<ClientUsage> client_usage(int pid, int fd);

// An open mdl device file.
class Device {
 public:
  Device() = default;
  Device(Device&&) noexcept = default;
  Device& operator=(Device&&) noexcept = default;
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  // Opens @path and checks that its driver is "mdl" (ENODEV otherwise).
  static Result<Device> open(const std::string& path);
  static Result<Device> open(const Node& node);
  // The PCI edu device if there is one, else the first mdl device (ENODEV).
  static Result<Device> open_default();
  static Result<Device> open_pci();       // first mdl device on PCI
  static Result<Device> open_platform();  // first mdl platform device

  [[nodiscard]] bool valid() const { return file_ && file_->valid(); }
  [[nodiscard]] int fd() const { return file_ ? file_->get() : -1; }
  [[nodiscard]] const Node& node() const { return node_; }
  [[nodiscard]] const std::string& driver_version() const { return version_; }
  // Closes this handle on the file; allocations still alive keep it open.
  void close() { file_.reset(); }

  Result<Info> info() const;
  // This file's line in the usage stats, as tools such as gputop read it.
  Result<ClientUsage> usage() const;
  Result<Allocation> alloc(const Request& req) const;
  Status free(uint32_t handle) const;
  // Page table entries [@first, @first + @count) (fewer at the end).
  Result<std::vector<PageEntry>> page_table(uint32_t handle, uint64_t first,
                                            uint64_t count) const;
  Result<std::vector<PageEntry>> page_table(const Allocation& a) const {
    return page_table(a.handle(), 0, a.page_count());
  }
  Result<uint64_t> map_offset(uint32_t handle) const;
  Result<Mapping> map(const Allocation& a) const;
  Result<DmaBuf> export_dmabuf(const Allocation& a, bool writable = true) const;
  // Imports a dma-buf into this file: a GEM handle (not owned).
  Result<uint32_t> import_dmabuf(int dmabuf_fd) const;
  Status dma_copy(const Allocation& src, uint64_t src_offset, const Allocation& dst,
                  uint64_t dst_offset, uint64_t size) const;

  // Raw escape hatch for malformed structs: 0 or the errno.
  int ioctl(unsigned long request, void* arg) const;

 private:
  std::shared_ptr<UniqueFd> file_;
  Node node_;
  std::string version_;
};

// ioctl() with EINTR/EAGAIN retry (drmIoctl): 0 or the errno.
int raw_ioctl(int fd, unsigned long request, void* arg);

}  // namespace mdl
