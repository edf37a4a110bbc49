#pragma once
// `mcpx-bench suite`: starts mcpx and its peers on loopback, measures them alternately
// (A B C, C B A, …) so drift on a shared machine cancels, and prints one table of medians,
// the ratios the targets are stated in, and the memory figures. Also writes it all as JSON.
#include <chrono>
#include <set>
#include <string>
#include <vector>

namespace mcpx::bench {

struct suite_config {
  unsigned runs = 5;
  std::chrono::milliseconds duration{5000};
  std::chrono::milliseconds warmup{1000};
  /// Before round 1, each server serves this long unmeasured: Node's JIT was still compiling in
  /// round 1 (the TS SDK answered at half its later rate), which flattered every ratio of that round.
  std::chrono::milliseconds prime{3000};
  std::vector<unsigned> connection_counts{1, 64, 256};  ///< every server is measured at each
  unsigned target_connections = 64;                     ///< the count the issue's ratio targets are stated at
  bool pin = true;                                      ///< servers on CPU 0, the load generator on CPU 1
  bool smoke = false;                                   ///< seconds, for CI: checks every peer answers correctly
  std::vector<unsigned> memory_counts{1000, 10000};
  std::set<std::string> only;  ///< server names to run; empty: all
  /// Parts of the run: echo (every entry, tools/call echo, and the open loops), shapes (payload
  /// shapes against ts-sdk-2), scaling (1 vs 2 I/O threads, unpinned), memory. Empty: all.
  std::set<std::string> sections;
  unsigned shape_connections = 0;  ///< payload shapes: connections for every shape; 0: each shape's own count
  std::string echo_server;         ///< path of mcpx-bench-echo
  unsigned mcpx_io_threads = 1;
  unsigned mcpx_workers = 4;
  std::string peers_dir;  ///< bench/peers
  std::string node;       ///< node binary for the TS SDK peers
  std::string nginx = "/usr/sbin/nginx";
  std::string redis_server = "/usr/bin/redis-server";  ///< for "mcpx-limits-redis"
  std::string results_dir;                             ///< where the JSON goes; empty: the work dir
  std::string work_dir;                                ///< logs and nginx's prefix; empty: a new /tmp dir
};

/// Whether `section` runs (suite_config::sections).
inline bool runs_section(const suite_config& c, const std::string& section) {
  return c.sections.empty() || c.sections.count(section) > 0;
}

/// 0 when every server ran and every answer was right; 1 otherwise. Targets are reported, not enforced.
int run_suite(suite_config cfg);

}  // namespace mcpx::bench
