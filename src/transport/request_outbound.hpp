#pragma once
// The outbound side of one request: its notifications, server-to-client requests (legacy)
// and final response all travel through the request's event stream.
#include <atomic>

#include "transport/live_session.hpp"

namespace mcpx::transport {

class request_outbound final : public protocol::outbound {
 public:
  request_outbound(std::shared_ptr<http::event_stream> stream, std::shared_ptr<live_session> session,
                   state::event_store* events, std::string stream_name, std::chrono::milliseconds client_timeout)
      : stream_(std::move(stream)),
        session_(std::move(session)),
        events_(events),
        stream_name_(std::move(stream_name)),
        client_timeout_(client_timeout) {}

  void notify(json::object notification) override { push(json::serialize(notification), false); }
  std::optional<json::value> call_client(std::string_view method, json::object params, std::string* error) override;
  bool cancelled() const noexcept override { return cancelled_.load() || stream_->cancelled(); }

  void respond(const json::value& message, unsigned status) override { finish(message, status); }
  /// The response, last on the stream. `status` applies if it ends up as a JSON reply.
  void finish(const json::value& message, unsigned status) {
    status_.store(status);
    push(json::serialize(message), true);
  }
  unsigned status() const noexcept { return status_.load(); }
  /// notifications/cancelled from the client.
  void cancel() noexcept { cancelled_.store(true); }

 private:
  void push(std::string data, bool final);

  std::shared_ptr<http::event_stream> stream_;
  std::shared_ptr<live_session> session_;
  state::event_store* events_;
  std::string stream_name_;
  std::chrono::milliseconds client_timeout_;
  std::atomic<bool> cancelled_{false};
  std::atomic<bool> streamed_{false};  ///< something came before the response: the reply is SSE
  std::atomic<unsigned> status_{200};
};

}  // namespace mcpx::transport
