#pragma once
// Memory cost of state a server holds between requests: idle 2025-11-25 sessions and open
// 2026-07-28 subscriptions/listen streams, measured as growth of the server's resident set.
#include <sys/types.h>

#include <string>
#include <vector>

namespace mcpx::bench {

struct memory_point {
  unsigned count = 0;   ///< sessions or streams held at this point
  double kib_each = 0;  ///< (RSS now - RSS before any) / count
  long rss_kib = 0;
};

struct memory_result {
  std::string what;  ///< "idle sessions" or "listen streams"
  long baseline_rss_kib = 0;
  std::vector<memory_point> points;
  bool held = false;  ///< the first and last still work at the end
  std::string error;  ///< why the measurement stopped early
};

/// Opens sessions (initialize + notifications/initialized, nothing else) up to each count in
/// turn and reads the server's RSS at each; then checks the first and last sessions still answer.
memory_result measure_idle_sessions(pid_t server, unsigned short port, const std::vector<unsigned>& counts);

/// Opens subscriptions/listen streams (one connection each, kept open) up to each count.
memory_result measure_listen_streams(pid_t server, unsigned short port, const std::vector<unsigned>& counts);

}  // namespace mcpx::bench
