// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <fcntl.h>
#include <linux/dma-buf.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <xf86drm.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>

#include "mdl/mdl.hpp"
#include "mdl/text.hpp"

namespace mdl {

std::string_view bus_name(Bus bus) {
  switch (bus) {
    case Bus::pci:
      return "pci";
    case Bus::platform:
      return "platform";
    case Bus::other:
      break;
  }
  return "other";
}

int raw_ioctl(int fd, unsigned long request, void* arg) {
  return drmIoctl(fd, request, arg) == 0 ? 0 : errno;
}

// ---- UniqueFd / Mapping ----

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) reset(o.release());
  return *this;
}

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

Mapping& Mapping::operator=(Mapping&& o) noexcept {
  if (this != &o) {
    reset();
    addr_ = std::exchange(o.addr_, nullptr);
    size_ = std::exchange(o.size_, 0);
  }
  return *this;
}

void Mapping::reset() {
  if (addr_) munmap(addr_, size_);
  addr_ = nullptr;
  size_ = 0;
}

Result<Mapping> Mapping::map_fd(int fd, uint64_t offset, size_t size, bool writable) {
  int prot = PROT_READ | (writable ? PROT_WRITE : 0);
  void* p = mmap(nullptr, size, prot, MAP_SHARED, fd, static_cast<off_t>(offset));
  if (p == MAP_FAILED) return fail(errno);
  return Mapping(p, size);
}

// ---- DmaBuf ----

static Status dmabuf_sync(int fd, uint64_t flags) {
  dma_buf_sync sync{};
  sync.flags = flags;
  if (int e = raw_ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync)) return fail(e);
  return {};
}

Status DmaBuf::begin_cpu_access(bool write) const {
  return dmabuf_sync(fd(), DMA_BUF_SYNC_START | (write ? DMA_BUF_SYNC_RW : DMA_BUF_SYNC_READ));
}

Status DmaBuf::end_cpu_access(bool write) const {
  return dmabuf_sync(fd(), DMA_BUF_SYNC_END | (write ? DMA_BUF_SYNC_RW : DMA_BUF_SYNC_READ));
}

Result<Mapping> DmaBuf::map() const { return Mapping::map_fd(fd(), 0, size_); }

// ---- Allocation ----

Allocation::Allocation(Allocation&& o) noexcept
    : file_(std::move(o.file_)), reply_(o.reply_) {
  o.file_.reset();
}

Allocation& Allocation::operator=(Allocation&& o) noexcept {
  if (this != &o) {
    reset();
    file_ = std::move(o.file_);
    o.file_.reset();
    reply_ = o.reply_;
  }
  return *this;
}

Status Allocation::free() {
  if (!file_) return {};
  drm_mdl_free args{};
  args.handle = reply_.handle;
  int e = raw_ioctl(file_->get(), DRM_IOCTL_MDL_FREE, &args);
  file_.reset();
  if (e) return fail(e);
  return {};
}

uint32_t Allocation::release() {
  file_.reset();
  return reply_.handle;
}

// ---- discovery ----

static std::string read_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

static std::string driver_of(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return {};
  std::string name;
  if (drmVersionPtr v = drmGetVersion(fd)) {
    name.assign(v->name, v->name_len);
    drmFreeVersion(v);
  }
  ::close(fd);
  return name;
}

// Describes a node libdrm did not report, from sysfs.
static Node node_from_sysfs(const std::string& path) {
  Node n;
  n.render_path = path;
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return n;
  std::string sys = "/sys/dev/char/" + std::to_string(major(st.st_rdev)) + ":" +
                    std::to_string(minor(st.st_rdev)) + "/device";
  char buf[4096];
  ssize_t len = readlink((sys + "/subsystem").c_str(), buf, sizeof(buf) - 1);
  if (len > 0) {
    std::string subsys(buf, static_cast<size_t>(len));
    subsys = subsys.substr(subsys.rfind('/') + 1);
    if (subsys == "pci") n.bus = Bus::pci;
    if (subsys == "platform") n.bus = Bus::platform;
  }
  len = readlink(sys.c_str(), buf, sizeof(buf) - 1);
  if (len > 0) {
    std::string target(buf, static_cast<size_t>(len));
    n.bus_id = target.substr(target.rfind('/') + 1);
  }
  if (n.bus == Bus::pci) {
    n.vendor_id = static_cast<uint16_t>(std::stoul(read_line(sys + "/vendor"), nullptr, 16));
    n.device_id = static_cast<uint16_t>(std::stoul(read_line(sys + "/device"), nullptr, 16));
  }
  // The primary node is the render node's sibling card* under the device
  // (vgem sits on 6.15's faux bus, which Debian 12's libdrm cannot parse).
  if (DIR* dir = opendir((sys + "/drm").c_str())) {
    while (dirent* e = readdir(dir)) {
      const std::string card = "/dev/dri/" + std::string(e->d_name);
      if (std::strncmp(e->d_name, "card", 4) == 0 && access(card.c_str(), F_OK) == 0) {
        n.primary_path = card;
        break;
      }
    }
    closedir(dir);
  }
  return n;
}

Result<std::vector<Node>> find_nodes(std::string_view driver) {
  std::vector<Node> nodes;
  std::set<std::string> seen;

  int count = drmGetDevices2(0, nullptr, 0);
  if (count > 0) {
    std::vector<drmDevicePtr> devs(static_cast<size_t>(count));
    count = drmGetDevices2(0, devs.data(), count);
    for (int i = 0; i < count; i++) {
      drmDevicePtr d = devs[static_cast<size_t>(i)];
      Node n;
      if (d->available_nodes & (1 << DRM_NODE_RENDER)) n.render_path = d->nodes[DRM_NODE_RENDER];
      if (d->available_nodes & (1 << DRM_NODE_PRIMARY))
        n.primary_path = d->nodes[DRM_NODE_PRIMARY];
      if (n.path().empty()) continue;
      if (d->bustype == DRM_BUS_PCI) {
        n.bus = Bus::pci;
        char id[32];
        snprintf(id, sizeof(id), "%04x:%02x:%02x.%u", d->businfo.pci->domain, d->businfo.pci->bus,
                 d->businfo.pci->dev, d->businfo.pci->func);
        n.bus_id = id;
        n.vendor_id = d->deviceinfo.pci->vendor_id;
        n.device_id = d->deviceinfo.pci->device_id;
      } else if (d->bustype == DRM_BUS_PLATFORM) {
        n.bus = Bus::platform;
        n.bus_id = d->businfo.platform->fullname;
      }
      n.driver = driver_of(n.path());
      seen.insert(n.path());
      if (n.driver == driver) nodes.push_back(std::move(n));
    }
    drmFreeDevices(devs.data(), count);
  }

  // Render nodes libdrm could not parse (unusual buses) still count.
  if (DIR* dir = opendir("/dev/dri")) {
    std::vector<std::string> extra;
    while (dirent* e = readdir(dir)) {
      if (std::strncmp(e->d_name, "renderD", 7) == 0) extra.push_back(std::string("/dev/dri/") + e->d_name);
    }
    closedir(dir);
    std::sort(extra.begin(), extra.end());
    for (const auto& path : extra) {
      if (seen.count(path)) continue;
      if (driver_of(path) != driver) continue;
      Node n = node_from_sysfs(path);
      n.driver = std::string(driver);
      nodes.push_back(std::move(n));
    }
  }

  std::stable_sort(nodes.begin(), nodes.end(), [](const Node& a, const Node& b) {
    return static_cast<int>(a.bus) < static_cast<int>(b.bus);
  });
  return nodes;
}

// ---- Device ----

Result<Device> Device::open(const Node& node) {
  int fd = ::open(node.path().c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return fail(errno);
  auto file = std::make_shared<UniqueFd>(fd);
  drmVersionPtr v = drmGetVersion(fd);
  if (!v) return fail(errno ? errno : ENODEV);
  std::string name(v->name, v->name_len);
  Device dev;
  dev.version_ = std::to_string(v->version_major) + "." + std::to_string(v->version_minor) +
                 "." + std::to_string(v->version_patchlevel);
  drmFreeVersion(v);
  if (name != "mdl") return fail(ENODEV);
  dev.file_ = std::move(file);
  dev.node_ = node;
  dev.node_.driver = name;
  return dev;
}

Result<Device> Device::open(const std::string& path) {
  // Describe the node when discovery knows it.
  if (auto nodes = find_nodes("mdl")) {
    struct stat want {};
    if (stat(path.c_str(), &want) == 0) {
      for (const auto& n : *nodes) {
        struct stat st {};
        for (const auto* p : {&n.render_path, &n.primary_path}) {
          if (!p->empty() && stat(p->c_str(), &st) == 0 && st.st_rdev == want.st_rdev) {
            Node copy = n;
            copy.render_path = path;
            copy.primary_path.clear();
            return open(copy);
          }
        }
      }
    }
  }
  Node n = node_from_sysfs(path);
  return open(n);
}

static Result<Device> open_first(bool (*pred)(const Node&)) {
  auto nodes = find_nodes("mdl");
  if (!nodes) return fail(nodes.errnum());
  for (const auto& n : *nodes) {
    if (pred(n)) return Device::open(n);
  }
  return fail(ENODEV);
}

Result<Device> Device::open_default() {
  auto edu = open_first([](const Node& n) { return n.is_edu(); });
  if (edu || edu.errnum() != ENODEV) return edu;
  return open_first([](const Node&) { return true; });
}

Result<Device> Device::open_pci() {
  return open_first([](const Node& n) { return n.bus == Bus::pci; });
}

Result<Device> Device::open_platform() {
  return open_first([](const Node& n) { return n.bus == Bus::platform; });
}

int Device::ioctl(unsigned long request, void* arg) const {
  return raw_ioctl(fd(), request, arg);
}

Result<ClientUsage> client_usage(int pid, int fd) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/fdinfo/" + std::to_string(fd));
  if (!in) return fail(errno ? errno : ENOENT);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto usage = parse_fdinfo(text);
  if (!usage) return fail(EINVAL);
  return *usage;
}

Result<ClientUsage> Device::usage() const {
  if (!valid()) return fail(EBADF);
  return client_usage(getpid(), fd());
}

Result<Info> Device::info() const {
  Info info{};
  if (int e = ioctl(DRM_IOCTL_MDL_INFO, &info)) return fail(e);
  return info;
}

drm_mdl_alloc to_alloc_args(const Request& req) {
  drm_mdl_alloc args{};
  args.low = req.low;
  args.high = req.high;
  args.skip = req.skip;
  args.total_bytes = req.total_bytes;
  args.cache_type = req.cache_type;
  args.flags = req.flags;
  return args;
}

Result<Allocation> Device::alloc(const Request& req) const {
  drm_mdl_alloc args = to_alloc_args(req);
  if (int e = ioctl(DRM_IOCTL_MDL_ALLOC, &args)) return fail(e);
  return Allocation(file_, args);
}

Status Device::free(uint32_t handle) const {
  drm_mdl_free args{};
  args.handle = handle;
  if (int e = ioctl(DRM_IOCTL_MDL_FREE, &args)) return fail(e);
  return {};
}

Result<std::vector<PageEntry>> Device::page_table(uint32_t handle, uint64_t first,
                                                  uint64_t count) const {
  std::vector<PageEntry> entries(count);
  drm_mdl_get_pages args{};
  args.handle = handle;
  args.first_page = first;
  args.count = count;
  args.entries_ptr = reinterpret_cast<uintptr_t>(entries.data());
  if (int e = ioctl(DRM_IOCTL_MDL_GET_PAGES, &args)) return fail(e);
  if (args.count > count) return fail(EOVERFLOW);  // the kernel wrote past the end
  entries.resize(args.count);
  return entries;
}

Result<uint64_t> Device::map_offset(uint32_t handle) const {
  drm_mdl_map_offset args{};
  args.handle = handle;
  if (int e = ioctl(DRM_IOCTL_MDL_MAP_OFFSET, &args)) return fail(e);
  return args.offset;
}

Result<Mapping> Device::map(const Allocation& a) const {
  auto off = map_offset(a.handle());
  if (!off) return fail(off.errnum());
  return Mapping::map_fd(fd(), *off, a.byte_count());
}

Result<DmaBuf> Device::export_dmabuf(const Allocation& a, bool writable) const {
  int out = -1;
  uint32_t flags = DRM_CLOEXEC | (writable ? DRM_RDWR : 0);
  if (drmPrimeHandleToFD(fd(), a.handle(), flags, &out) != 0) return fail(errno);
  return DmaBuf(UniqueFd(out), a.byte_count());
}

Result<uint32_t> Device::import_dmabuf(int dmabuf_fd) const {
  uint32_t handle = 0;
  if (drmPrimeFDToHandle(fd(), dmabuf_fd, &handle) != 0) return fail(errno);
  return handle;
}

Status Device::dma_copy(const Allocation& src, uint64_t src_offset, const Allocation& dst,
                        uint64_t dst_offset, uint64_t size) const {
  drm_mdl_dma_copy args{};
  args.src_handle = src.handle();
  args.dst_handle = dst.handle();
  args.src_offset = src_offset;
  args.dst_offset = dst_offset;
  args.size = size;
  if (int e = ioctl(DRM_IOCTL_MDL_DMA_COPY, &args)) return fail(e);
  return {};
}

}  // namespace mdl
