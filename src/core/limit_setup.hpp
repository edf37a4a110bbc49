#pragma once
// The rate limiter, built from options::rate_limits at start: its store (memory, or Redis for
// replicas), the `admit` stage on the request path, its readiness check and metrics.
#include <boost/asio/any_io_executor.hpp>
#include <memory>

#include "limits/limiter.hpp"
#include "mcpx/options.hpp"
#include "ops/health.hpp"
#include "ops/log.hpp"
#include "ops/metrics.hpp"
#include "protocol/registry.hpp"
#include "transport/limit_stage.hpp"
#include "transport/streamable_http.hpp"

namespace mcpx::core {

class limit_setup {
 public:
  /// Checks the options against the registry (every cost class a tool, resource or prompt
  /// declares must have a rate; the Redis options; throws std::invalid_argument naming the
  /// key) and inserts the stage after `scopes` (or `session`).
  limit_setup(const rate_limit_options& o, const protocol::registry& reg, transport::streamable_http& tr);
  ~limit_setup();

  /// Readiness (the Redis store's connections) and metrics.
  void publish(ops::health& h, ops::metrics& m);
  /// With the Redis store: creates its client on `ex` (an I/O thread's executor) and starts
  /// connecting; checks before it is ready fail at once (limits.on_store_error decides).
  /// Throws std::invalid_argument when limits.redis.ca_file cannot be loaded.
  void start(boost::asio::any_io_executor ex, std::shared_ptr<ops::logger> log);
  /// Stops the Redis client and lets it go; before the io_contexts go. Checks from then on
  /// fail as unavailable. Idempotent.
  void stop();

 private:
  struct redis_part;  // the client and what the readiness check, metrics and log share
  void publish_redis(ops::health& h, ops::metrics& m);
  std::unique_ptr<limits::limiter> limiter_;
  const transport::limit_stage* stage_ = nullptr;
  limits::memory_store* memory_ = nullptr;  // when the store is in memory
  std::shared_ptr<redis_part> redis_;       // when it is in Redis
};

}  // namespace mcpx::core
