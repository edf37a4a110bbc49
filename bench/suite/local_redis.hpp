#pragma once
// A redis-server of the suite's own for the "mcpx-limits-redis" entry: on 127.0.0.1, a free
// port, no persistence, started before the servers and stopped after them.
#include <sys/types.h>

#include <string>

#include "suite/process.hpp"

namespace mcpx::bench {

class local_redis {
 public:
  /// Starts `binary` with its files in `work_dir`, pinned to `cpu` when cpu >= 0; throws when
  /// it is missing or does not listen within seconds.
  local_redis(const std::string& binary, const std::string& work_dir, int cpu);
  ~local_redis();
  local_redis(const local_redis&) = delete;
  local_redis& operator=(const local_redis&) = delete;

  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  pid_t pid() const { return proc_.pid; }

 private:
  unsigned short port_ = 0;
  child proc_;
};

}  // namespace mcpx::bench
