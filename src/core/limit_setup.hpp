#pragma once
// The rate limiter, built from options::rate_limits at start: its store (memory, or Redis for
// replicas), the `admit` stage on the request path, its metrics.
#include <memory>

#include "limits/limiter.hpp"
#include "mcpx/options.hpp"
#include "ops/health.hpp"
#include "ops/metrics.hpp"
#include "protocol/registry.hpp"
#include "transport/limit_stage.hpp"
#include "transport/streamable_http.hpp"

namespace mcpx::core {

class limit_setup {
 public:
  /// Checks the options against the registry (every cost class a tool, resource or prompt
  /// declares must have a rate; throws std::invalid_argument naming the key) and inserts the
  /// stage after `scopes` (or `session`).
  limit_setup(const rate_limit_options& o, const protocol::registry& reg, transport::streamable_http& tr);

  void publish(ops::health& h, ops::metrics& m);

 private:
  std::unique_ptr<limits::limiter> limiter_;
  const transport::limit_stage* stage_ = nullptr;
  limits::memory_store* memory_ = nullptr;  // when the store is in memory
};

}  // namespace mcpx::core
