// The pool: connections are picked round-robin among the ready ones, so a connection that
// is reconnecting takes nothing while the others serve.
#include "redis/client.hpp"

#include "redis/connection.hpp"
#include "redis/shared_state.hpp"
#include "redis/tls.hpp"

namespace mcpx::redis {

namespace detail {

std::string& encode_scratch() {
  thread_local std::string buf;
  // One huge command does not leave every thread holding its size.
  if (buf.capacity() > 64 * 1024) std::string().swap(buf);
  buf.clear();
  return buf;
}

}  // namespace detail

std::shared_ptr<client> client::create(executor_type ex, const options& o) {
  auto s = make_settings(o);
  auto tls = s.target.tls ? detail::make_tls_context(s) : nullptr;
  auto shared = std::make_shared<detail::shared_state>(std::move(s), std::move(tls));
  return std::shared_ptr<client>(new client(std::move(ex), std::move(shared)));
}

client::client(executor_type ex, std::shared_ptr<detail::shared_state> shared)
    : ex_(std::move(ex)), shared_(std::move(shared)) {
  for (std::size_t i = 0; i < shared_->cfg.pool_size; ++i)
    conns_.push_back(std::make_shared<detail::connection>(ex_, shared_));
}

client::~client() { stop(); }

void client::start() {
  if (started_.exchange(true) || stopped_.load()) return;
  for (auto& c : conns_) c->start();
}

void client::stop() {
  if (stopped_.exchange(true)) return;
  for (auto& c : conns_) c->stop();
}

void client::submit(std::string_view encoded, std::unique_ptr<detail::pending> p) {
  shared_->n.commands.fetch_add(1, std::memory_order_relaxed);
  auto why = errc::not_connected;
  if (stopped_.load(std::memory_order_relaxed)) {
    why = errc::stopped;
  } else if (encoded.starts_with("*0\r\n")) {
    why = errc::empty_command;
  } else {
    const auto n = conns_.size();
    const auto first = next_.fetch_add(1, std::memory_order_relaxed);
    for (std::size_t i = 0; i < n; ++i) {
      auto& c = conns_[(first + i) % n];
      if (!c->ready()) continue;
      auto refused = c->enqueue(encoded, p);
      if (!refused) return;
      why = *refused;  // full (or gone meanwhile): another connection may take it
    }
  }
  shared_->n.errors.fetch_add(1, std::memory_order_relaxed);
  detail::pending::complete(std::move(p), why, {});
}

bool client::ready() const noexcept {
  for (const auto& c : conns_)
    if (c->ready()) return true;
  return false;
}

pool_status client::status() const {
  pool_status s;
  s.connections = conns_.size();
  for (const auto& c : conns_) s.ready += c->ready() ? 1 : 0;
  s.last_error = shared_->last_error();
  return s;
}

stats client::counters() const noexcept {
  const auto& n = shared_->n;
  auto get = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  return {get(n.commands),      get(n.writes),     get(n.errors),          get(n.timeouts),
          get(n.error_replies), get(n.reconnects), get(n.connect_failures)};
}

const settings& client::config() const noexcept { return shared_->cfg; }

}  // namespace mcpx::redis
