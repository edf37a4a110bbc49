#pragma once
// The mcpx::context a handler sees. Carries the revision-specific ways of talking back:
// notifications go to the outbound stream; input requests become MRTR rounds (modern) or
// server-to-client requests (legacy).
#include <map>
#include <vector>

#include "protocol/dispatcher.hpp"

namespace mcpx::protocol {

/// Thrown through a handler when a modern request needs client input it does not have yet.
struct input_required {
  json::object requests;  ///< key -> {method, params}
};

/// Thrown when a task waiting for input was cancelled or expired: the handler's work is moot.
struct task_abandoned {};

/// Thrown when the client lacks a capability an input request needs.
struct missing_capability {
  json::object required;  ///< e.g. {"elicitation": {}}
};

class handler_context final : public context {
 public:
  handler_context(const call& c, outbound& out, std::chrono::milliseconds client_timeout, const dispatcher* d = nullptr,
                  task_registry* tasks = nullptr);

  /// Modern MRTR: answers carried by the retry and by the verified requestState.
  void set_round(json::object prior_answers, json::value state, const json::value* input_responses);
  /// What the next requestState must carry: answers consumed so far and handler state.
  json::object state_payload() const;

  const json::value& request_id() const noexcept override { return c_.msg.id; }
  std::string_view protocol_version() const noexcept override { return to_string(c_.rev); }
  const json::object& client_capabilities() const noexcept override { return *c_.client_capabilities; }
  const json::object& client_info() const noexcept override { return *c_.client_info; }
  std::string_view session_id() const noexcept override { return c_.session_id; }
  const json::object& meta() const noexcept override { return *c_.meta; }
  const principal* caller() const noexcept override { return c_.who.get(); }
  void log(log_level level, json::value data, std::string_view logger) override;
  void progress(double progress, std::optional<double> total, std::string_view message) override;
  bool cancelled() const noexcept override {
    // A task outlives its request: once detached only tasks/cancel (or expiry) stops it, not
    // the creating connection closing or moving on.
    if (c_.task && c_.task->is_detached()) return c_.task->t->cancel_requested.load();
    return token_.requested() || out_.cancelled();
  }
  const cancellation_token& cancellation() const noexcept override { return token_; }
  bool run_as_task() override;
  bool release_connection(std::chrono::milliseconds retry) override {
    // A handler on the I/O thread answers before anything could be streamed: nothing to release.
    return c_.rev == revision::v2025_11_25 && !c_.on_io_thread &&
           out_.release_stream(static_cast<unsigned>(retry.count()));
  }
  std::map<std::string, json::value> input(std::vector<std::pair<std::string, input_request>> requests) override;
  json::value& state() override { return state_; }

 protected:
  std::string next_key() override { return "input_" + std::to_string(++key_counter_); }

 private:
  void check_capability(const input_request& r) const;
  std::map<std::string, json::value> input_legacy(std::vector<std::pair<std::string, input_request>>& requests);

  const call& c_;
  outbound& out_;
  const cancellation_token& token_;
  std::chrono::milliseconds client_timeout_;
  const dispatcher* d_;
  task_registry* tasks_;
  json::object prior_answers_;
  const json::object* input_responses_ = nullptr;
  json::object consumed_;
  json::value state_ = nullptr;
  unsigned key_counter_ = 0;
};

}  // namespace mcpx::protocol
