#include "suite/local_redis.hpp"

#include <sys/stat.h>

#include <chrono>
#include <stdexcept>
#include <vector>

namespace mcpx::bench {

local_redis::local_redis(const std::string& binary, const std::string& work_dir, int cpu) {
  struct stat st {};
  if (::stat(binary.c_str(), &st) != 0) throw std::runtime_error(binary + " not found (apt-get install redis-server)");
  port_ = free_port();
  const std::string dir = work_dir + "/redis";
  ::mkdir(dir.c_str(), 0755);
  // No snapshots and no append-only file: only the limiter's keys live there, and disk writes
  // would be noise in the measurement.
  std::vector<std::string> argv{
      binary,  "--port", std::to_string(port_), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
      "--dir", dir,      "--protected-mode",    "yes"};
  proc_ = spawn("redis-server", argv, work_dir + "/redis.log", cpu);
  if (!wait_for_port(proc_, port_, std::chrono::seconds(10))) {
    auto log = tail_of(proc_.log_path);
    stop(proc_);
    throw std::runtime_error("redis-server did not start listening; its log ends with:\n" + log);
  }
}

local_redis::~local_redis() { stop(proc_); }

}  // namespace mcpx::bench
