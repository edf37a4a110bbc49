#include "transport/request_outbound.hpp"

#include "jsonrpc/message.hpp"

namespace mcpx::transport {

void request_outbound::push(std::string data, bool final) {
  http::stream_item item;
  std::lock_guard lock(mu_);
  // Legacy sessions keep events so a client can resume with Last-Event-ID. A response that
  // comes alone is sent as plain JSON and is never resumed, so it is not kept.
  if (!final) streamed_.store(true);
  if (session_ && events_ && streamed_.load()) item.id = events_->append(session_->id(), stream_name_, data);
  if (final) finished_ = true;
  if (released_) return;  // kept in the store until the client comes back
  item.data = std::move(data);
  final ? stream_->push_final(std::move(item)) : stream_->push(std::move(item));
}

bool request_outbound::cancelled() const noexcept {
  if (cancelled_.load()) return true;
  std::lock_guard lock(mu_);
  // After a release the client is expected back on another connection: its first one may go.
  if (!released_ && peer_gone_ && peer_gone_->load()) return true;
  // A released stream is closed on purpose: the client is expected back, not gone.
  return !released_ && stream_->cancelled();
}

void request_outbound::watch(std::weak_ptr<http::request_watcher> w, std::shared_ptr<std::atomic<bool>> peer_gone,
                             std::chrono::steady_clock::time_point nudge) {
  std::lock_guard lock(mu_);
  watcher_ = w;
  peer_gone_ = std::move(peer_gone);
  stream_->watch(std::move(w), token_.deadline(), nudge);
}

void request_outbound::watch_peer(std::shared_ptr<std::atomic<bool>> peer_gone) {
  std::lock_guard lock(mu_);
  if (!released_) peer_gone_ = std::move(peer_gone);
}

void request_outbound::prime(unsigned retry_ms) {
  std::lock_guard lock(mu_);
  if (!session_ || !events_) return;
  http::stream_item item;
  item.id = stream_name_ + "_0";  // "from the start" for a resuming GET
  item.retry_ms = retry_ms;
  stream_->unshift(std::move(item));
}

bool request_outbound::release_stream(unsigned retry_ms) {
  {
    std::lock_guard lock(mu_);
    if (!session_ || !events_ || released_) return false;
    streamed_.store(true);
    http::stream_item item;
    item.id = events_->append(session_->id(), stream_name_, "");
    item.retry_ms = retry_ms;
    stream_->push(std::move(item));
    stream_->close();
    released_ = true;
    ever_released_.store(true);
  }
  return true;
}

bool request_outbound::resume(std::shared_ptr<http::event_stream> s, const std::string& last_event_id) {
  std::lock_guard lock(mu_);
  auto events = events_->after(session_->id(), last_event_id, nullptr);
  if (!events) return false;
  for (auto& e : *events)
    if (!e.data.empty()) s->push({e.id, e.data});
  // The client reads this stream now: the one it left (the POST's, or an earlier GET's) ends
  // here, which frees its connection; later events go to the new stream only.
  if (stream_ != s) stream_->close();
  stream_ = std::move(s);
  // Its reader now answers at the deadline, and a break in it cancels the call.
  stream_->watch(watcher_, token_.deadline());
  released_ = false;
  peer_gone_.reset();  // the resuming GET's own stream now tells whether the client is there
  // The response was among the replayed events: nothing follows it.
  if (finished_) stream_->close();
  return true;
}

std::optional<json::value> request_outbound::call_client(std::string_view method, json::object params,
                                                         std::string* error) {
  if (!session_) {
    *error = "no session to carry a server-to-client request";
    return std::nullopt;
  }
  // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
  auto expected = session_->expect_answer();
  const auto rid = expected.first;
  auto p = expected.second;
  push(jsonrpc::encode_request(json::value(rid), method, params), false);
  const auto deadline = std::chrono::steady_clock::now() + client_timeout_;
  // Cancellation (the deadline, the client) wakes the wait at once; before the lock below,
  // so the registration ends after it is released.
  auto wake = token_.on_cancel([p] {
    std::lock_guard l(p->mu);
    p->cv.notify_all();
  });
  std::unique_lock lock(p->mu);
  // Wake periodically too, to notice a client that went away without telling the token.
  while (!p->done) {
    if (cancelled() || token_.requested()) {
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
    session_->forget_answer(rid);
    return std::nullopt;
  }
  if (!p->result) *error = p->error;
  return p->result;
}

}  // namespace mcpx::transport
