// The lifecycle of a connection: connect (resolve, TCP, TLS), AUTH and SELECT before any
// command, serve replies until the connection ends, fail what was pending, back off, repeat.
// One watchdog bounds the whole connect by closing the socket.
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "redis/connection.hpp"
#include "redis/tls.hpp"

namespace mcpx::redis::detail {

namespace {

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

std::string tls_failure(SSL* ssl, const error_code& ec) {
  auto v = SSL_get_verify_result(ssl);
  if (v != X509_V_OK) return std::string("certificate verify failed (") + X509_verify_cert_error_string(v) + ")";
  return ec.message();
}

}  // namespace

net::awaitable<void> connection::run(std::shared_ptr<connection> self) {
  while (!stopping()) {
    auto why = co_await connect();
    if (stopping()) break;
    if (why.empty()) {
      on_ready();
      why = co_await serve();
      if (stopping()) break;
      close(why);
      shut(link::down, errc::connection_lost);
      shared_->set_last_error("connection lost: " + close_reason_);
    } else {
      close(why);
      shared_->n.connect_failures.fetch_add(1, std::memory_order_relaxed);
      shared_->set_last_error(close_reason_);
    }
    co_await back_off();
  }
}

net::awaitable<std::string> connection::connect() {
  ++gen_;
  close_reason_.clear();
  sock_ = tcp::socket(strand_);
  tls_.reset();
  reader_ = std::make_unique<reader>();
  connecting_ = true;
  watchdog_.expires_after(cfg_.connect_timeout);
  watchdog_.async_wait([self = shared_from_this(), gen = gen_](error_code ec) {
    if (ec || !self->connecting_ || gen != self->gen_) return;
    self->resolver_.cancel();
    self->close("no connection within " + std::to_string(self->cfg_.connect_timeout.count()) + " ms (connect_timeout)");
  });
  auto why = co_await establish();
  connecting_ = false;
  watchdog_.cancel();
  // A failure caused by the watchdog's close says so rather than "Operation canceled".
  if (!why.empty() && !close_reason_.empty()) why = close_reason_;
  co_return why;
}

net::awaitable<std::string> connection::establish() {
  const auto& t = cfg_.target;
  const auto where = t.host + ":" + std::to_string(t.port);
  tcp::resolver::results_type found;
  if (t.host_is_ip) {
    error_code ec;
    auto addr = net::ip::make_address(t.host, ec);
    if (ec) co_return "bad address " + t.host;
    found = tcp::resolver::results_type::create(tcp::endpoint(addr, t.port), t.host, std::to_string(t.port));
  } else {
    auto [ec, r] = co_await resolver_.async_resolve(t.host, std::to_string(t.port), use_tuple);
    if (ec) co_return "resolving " + t.host + ": " + ec.message();
    found = std::move(r);
  }
  auto [ec, ep] = co_await net::async_connect(sock_, found, use_tuple);
  if (ec) co_return "connecting to " + where + ": " + ec.message();
  error_code ignored;
  sock_.set_option(tcp::no_delay(true), ignored);  // we coalesce writes ourselves
  sock_.set_option(net::socket_base::keep_alive(true), ignored);
  if (shared_->tls) {
    tls_.emplace(sock_, *shared_->tls);
    if (!expect_peer(tls_->native_handle(), t)) co_return "TLS: cannot set the expected host name";
    auto [hec] = co_await tls_->async_handshake(net::ssl::stream_base::client, use_tuple);
    if (hec) co_return "TLS handshake with " + where + ": " + tls_failure(tls_->native_handle(), hec);
  }
  co_return co_await handshake();
}

// AUTH and SELECT go out before the connection takes commands, so nothing queued can run
// unauthenticated or in the wrong database. Without them a PING does: a connection is ready
// once the server has answered, not when a TCP (or TLS 1.3) handshake is over and the
// refusal (maxclients, a missing client certificate) is still on its way.
net::awaitable<std::string> connection::handshake() {
  const auto& t = cfg_.target;
  std::string req;
  std::vector<std::string> steps;
  if (t.password) {
    if (t.username.empty()) {
      std::string_view args[] = {"AUTH", *t.password};
      encode_command(req, args);
    } else {
      std::string_view args[] = {"AUTH", t.username, *t.password};
      encode_command(req, args);
    }
    steps.push_back("AUTH");
  }
  if (t.db != 0) {
    auto db = std::to_string(t.db);
    std::string_view args[] = {"SELECT", db};
    encode_command(req, args);
    steps.push_back("SELECT " + db);
  }
  if (steps.empty()) {
    std::string_view args[] = {"PING"};
    encode_command(req, args);
    steps.push_back("PING");
  }
  auto [ec, n] = tls_ ? co_await net::async_write(*tls_, net::buffer(req), use_tuple)
                      : co_await net::async_write(sock_, net::buffer(req), use_tuple);
  if (ec) co_return "sending " + steps.front() + ": " + ec.message();
  while (replies_.size() < steps.size())
    if (auto rec = co_await read_replies())
      co_return "reading the " + steps[replies_.size()] + " reply: " + rec.message();
  std::string why;
  for (std::size_t i = 0; i < steps.size() && why.empty(); ++i)
    if (replies_[i].is_error()) why = steps[i] + " refused: " + std::string(replies_[i].str());
  replies_.clear();
  co_return why;
}

void connection::on_ready() {
  {
    std::lock_guard lock(mu_);
    if (link_ == link::stopped) return;
    link_ = link::ready;
  }
  ready_.store(true, std::memory_order_release);
  attempt_ = 0;
  if (ever_ready_) shared_->n.reconnects.fetch_add(1, std::memory_order_relaxed);
  ever_ready_ = true;
}

// Reads into rbuf_ and parses every complete reply into replies_. A protocol error is
// reported as net::error::invalid_argument with close_reason_ saying what hiredis found.
net::awaitable<error_code> connection::read_replies() {
  auto [ec, n] = tls_ ? co_await tls_->async_read_some(net::buffer(*rbuf_), use_tuple)
                      : co_await sock_.async_read_some(net::buffer(*rbuf_), use_tuple);
  if (ec) co_return ec;
  if (!reader_->feed({rbuf_->data(), n})) {
    close("out of memory parsing replies");
    co_return net::error::no_memory;
  }
  reply r;
  reader::status s;
  while ((s = reader_->next(r)) == reader::status::reply) replies_.push_back(std::move(r));
  if (s == reader::status::error) {
    close("protocol error: " + std::string(reader_->error_message()));
    co_return net::error::invalid_argument;
  }
  co_return error_code{};
}

net::awaitable<std::string> connection::serve() {
  for (;;) {
    auto ec = co_await read_replies();
    if (ec == net::error::eof) co_return "the server closed the connection";
    if (ec) co_return ec.message();
    if (auto problem = deliver(); !problem.empty()) co_return problem;
  }
}

// Exponential backoff from reconnect_min to reconnect_max, each delay drawn from its upper
// half so that a pool (or many replicas) does not reconnect in step.
net::awaitable<void> connection::back_off() {
  auto base = cfg_.reconnect_min;
  for (unsigned i = 0; i < attempt_ && base < cfg_.reconnect_max; ++i) base *= 2;
  base = std::min(base, cfg_.reconnect_max);
  if (attempt_ < 32) ++attempt_;
  std::uniform_int_distribution<std::int64_t> half(base.count() / 2, base.count());
  if (stopping()) co_return;  // stop() may have come before this wait could be cancelled
  backoff_.expires_after(std::chrono::milliseconds(half(rng_)));
  co_await backoff_.async_wait(use_tuple);
}

}  // namespace mcpx::redis::detail
