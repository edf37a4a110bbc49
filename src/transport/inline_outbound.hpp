#pragma once
// The outbound side of a request handled on its I/O thread (no user code, or a tool registered
// with execution::io_thread). The handler returns before anything can be written, so
// notifications are only collected here; the transport sends them as SSE ahead of the
// response. Nothing is allocated unless a notification comes.
#include <vector>

#include "protocol/dispatcher.hpp"

namespace mcpx::transport {

class inline_outbound final : public protocol::outbound {
 public:
  void notify(json::object notification) override { notifications_.push_back(std::move(notification)); }
  std::optional<json::value> call_client(std::string_view method, json::object, std::string* error) override {
    // handler_context refuses before getting here; this keeps the contract if that changes.
    *error = "cannot wait for the client on the I/O thread (" + std::string(method) + ")";
    return std::nullopt;
  }
  // Nothing is watched: the call ends before the I/O thread could notice a hang-up.
  bool cancelled() const noexcept override { return false; }
  // Only a call turned into a task answers early, and such calls never run here.
  void respond(const json::value&, protocol::outcome_kind) override {}
  bool release_stream(unsigned) override { return false; }

  std::vector<json::object>& notifications() noexcept { return notifications_; }

 private:
  std::vector<json::object> notifications_;
};

}  // namespace mcpx::transport
