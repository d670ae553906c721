// SPDX-License-Identifier: MIT
#include "mdl/host.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <thread>

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

std::optional<PoolState> pool_state() {
  std::ifstream in("/sys/kernel/debug/mdl_pool");
  if (!in) return std::nullopt;
  PoolState s;
  // Every field must be there: a partial read is no state at all.
  unsigned seen = 0;
  const std::pair<const char*, uint64_t PoolState::*> fields[] = {
      {"clean_pages: ", &PoolState::clean_pages},
      {"dirty_pages: ", &PoolState::dirty_pages},
      {"hits: ", &PoolState::hits},
      {"misses: ", &PoolState::misses},
  };
  const std::string cached = "cached order ";  // "cached order 9: 1024 pages"
  std::string line;
  try {
    while (std::getline(in, line)) {
      for (unsigned i = 0; i < std::size(fields); i++) {
        const std::string key = fields[i].first;
        if (line.rfind(key, 0) == 0) {
          s.*fields[i].second = std::stoull(line.substr(key.size()));
          seen |= 1u << i;
        }
      }
      if (line.rfind(cached, 0) == 0) {
        auto colon = line.find(": ");
        if (colon == std::string::npos) return std::nullopt;
        s.clean_cached_pages += std::stoull(line.substr(colon + 2));
        seen |= 1u << std::size(fields);
      }
    }
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (seen != (2u << std::size(fields)) - 1) return std::nullopt;
  return s;
}

bool empty_pool() {
  for (int attempt = 0; attempt < 5; attempt++) {
    auto s = pool_state();
    if (!s) return false;
    if (attempt && !s->clean_pages && !s->dirty_pages) return true;
    std::ofstream drop("/proc/sys/vm/drop_caches");
    drop << "2";
    drop.flush();
    if (!drop) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  auto s = pool_state();
  return s && !s->clean_pages && !s->dirty_pages;
}

bool wait_for_pool(const std::function<bool(const PoolState&)>& done,
                   std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto s = pool_state();
    if (!s) return false;
    if (done(*s)) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace mdl::host
