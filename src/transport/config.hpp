#pragma once
// The transport's own settings, read once at start (mcpx::server derives them from
// mcpx::options). Each stage of the request path gets its own part.
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "protocol/dispatcher.hpp"

namespace mcpx::transport {

/// DNS-rebinding protection (host_origin stage).
struct origin_config {
  /// Host header names accepted (without port); empty: any.
  std::vector<std::string> allowed_hosts;
  /// Origins accepted besides loopback ones, compared exactly.
  std::vector<std::string> allowed_origins;
};

/// Legacy (2025-xx) sessions.
struct session_config {
  std::chrono::seconds idle_timeout{1800};
  std::size_t max_sessions = 100'000;
  std::size_t max_record_bytes = 64 * 1024;  ///< capabilities + client info at initialize, and more
};

struct worker_config {
  unsigned threads = 4;
  std::size_t queue_limit = 1024;  ///< queued + running calls beyond which requests get 503
  /// A tool call that took no longer than this sends the tool's next calls to run on the I/O
  /// thread that read them (outside its event loop) instead of on a worker; one that took
  /// longer sends them to the workers for `short_call_probation`. Zero: always on a worker.
  std::chrono::microseconds short_call{100};
  std::chrono::milliseconds short_call_probation{10'000};
};

struct transport_config {
  std::string endpoint = "/mcp";
  origin_config origin;
  session_config sessions;
  worker_config workers;
  std::chrono::milliseconds sse_retry{1000};  ///< SSE "retry" in 2025-11-25 priming events
  std::chrono::milliseconds task_after{100};  ///< a task-capable call still running becomes a task
  /// A tool's time limit on the worker pool unless it sets one (tool_def::timeout).
  std::chrono::milliseconds tool_timeout{30'000};
  protocol::dispatcher_config protocol;
};

}  // namespace mcpx::transport
