// SPDX-License-Identifier: MIT
#include "mdl/host.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>

namespace mdl::host {

std::vector<RamRange> system_ram() {
  std::vector<RamRange> out;
  std::ifstream in("/proc/iomem");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == ' ') continue;  // top level only
    if (line.find(": System RAM") == std::string::npos) continue;
    auto dash = line.find('-');
    auto space = line.find(' ');
    if (dash == std::string::npos || space == std::string::npos) continue;
    RamRange r{std::stoull(line.substr(0, dash), nullptr, 16),
               std::stoull(line.substr(dash + 1, space - dash - 1), nullptr, 16)};
    if (r.last > r.first) out.push_back(r);  // all zeros without root
  }
  return out;
}

uint64_t top_of_ram() {
  uint64_t top = 0;
  for (const auto& r : system_ram()) top = std::max(top, r.last + 1);
  return top;
}

KernelLog::KernelLog() {
  fd_ = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd_ >= 0 && lseek(fd_, 0, SEEK_END) < 0) {
    close(fd_);
    fd_ = -1;
  }
}

KernelLog::~KernelLog() {
  if (fd_ >= 0) close(fd_);
}

std::vector<std::string> KernelLog::new_records() {
  std::vector<std::string> out;
  if (fd_ < 0) return out;
  char buf[8192];
  for (;;) {
    ssize_t n = read(fd_, buf, sizeof(buf) - 1);
    if (n < 0 && errno == EPIPE) continue;  // records overwritten meanwhile
    if (n <= 0) break;
    std::string rec(buf, static_cast<size_t>(n));
    auto semi = rec.find(';');
    std::string msg = semi == std::string::npos ? rec : rec.substr(semi + 1);
    auto nl = msg.find('\n');  // continuation lines (" SUBSYSTEM=...")
    if (nl != std::string::npos) msg.erase(nl);
    out.push_back(std::move(msg));
  }
  return out;
}

}  // namespace mdl::host
