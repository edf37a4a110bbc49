#include "transport/request_outbound.hpp"

#include "jsonrpc/message.hpp"

namespace mcpx::transport {

void request_outbound::push(std::string data, bool final) {
  http::stream_item item;
  // Legacy sessions keep events so a client can resume with Last-Event-ID. A response that
  // comes alone is sent as plain JSON and is never resumed, so it is not kept.
  if (!final) streamed_.store(true);
  if (session_ && events_ && streamed_.load()) item.id = events_->append(session_->id, stream_name_, data);
  item.data = std::move(data);
  final ? stream_->push_final(std::move(item)) : stream_->push(std::move(item));
}

std::optional<json::value> request_outbound::call_client(std::string_view method, json::object params,
                                                         std::string* error) {
  if (!session_) {
    *error = "no session to carry a server-to-client request";
    return std::nullopt;
  }
  auto p = std::make_shared<pending_call>();
  std::string rid = "mcpx-" + std::to_string(session_->next_id.fetch_add(1) + 1);
  {
    std::lock_guard lock(session_->mu);
    session_->pending[rid] = p;
  }
  push(jsonrpc::encode_request(json::value(rid), method, params), false);
  const auto deadline = std::chrono::steady_clock::now() + client_timeout_;
  std::unique_lock lock(p->mu);
  // Wake periodically to notice a cancelled request or a client that went away.
  while (!p->done) {
    if (cancelled()) {
      *error = "the request was cancelled";
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      *error = "timed out waiting for the client";
      break;
    }
    p->cv.wait_for(lock, std::chrono::milliseconds(100));
  }
  if (!p->done) {
    lock.unlock();
    std::lock_guard sl(session_->mu);
    session_->pending.erase(rid);
    return std::nullopt;
  }
  if (!p->result) *error = p->error;
  return p->result;
}

}  // namespace mcpx::transport
