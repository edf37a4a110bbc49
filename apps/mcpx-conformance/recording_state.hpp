#pragma once
// Decorators that count every call to the state backends they wrap. The fixture serves the
// conformance suite through them (--recording-state FILE) to prove the server reaches its
// state only through the injected interfaces; the counts go to FILE at exit.
#include <mcpx/state/stores.hpp>
#include <string>

namespace fixture {

/// Wraps memory backends; `report()` is the counts as JSON, e.g. {"sessions.create": 12, ...}.
class recording_state {
 public:
  recording_state(std::chrono::seconds session_idle, std::size_t max_sessions);
  ~recording_state();
  mcpx::state::backends backends() const;
  std::string report() const;

  struct counts;

 private:
  std::shared_ptr<counts> counts_;
  mcpx::state::backends wrapped_;
};

}  // namespace fixture
