#pragma once
// A tiny HTTP or HTTPS server on loopback for the issuer tests: serves documents set (and
// changed) at runtime by path, with a chosen status, media type, headers and delay, and counts
// the requests for each path. One thread; each connection answers one request and closes.
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mcpx::test {

namespace net = boost::asio;
namespace bhttp = boost::beast::http;

struct route {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::chrono::milliseconds delay{0};
  std::vector<std::pair<std::string, std::string>> headers;
};

class doc_server {
 public:
  /// Plain http when `tls` is null.
  explicit doc_server(std::shared_ptr<net::ssl::context> tls = nullptr) : tls_(std::move(tls)) {
    acceptor_.open(net::ip::tcp::v4());
    acceptor_.bind({net::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    net::co_spawn(ioc_, accept_loop(), net::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~doc_server() {
    ioc_.stop();
    thread_.join();
  }

  unsigned short port() const { return acceptor_.local_endpoint().port(); }
  /// "http://127.0.0.1:PORT" (or https; `host` replaces 127.0.0.1).
  std::string origin(const std::string& host = "127.0.0.1") const {
    return std::string(tls_ ? "https://" : "http://") + host + ":" + std::to_string(port());
  }

  void set(const std::string& path, route r) {
    std::lock_guard lk(mu_);
    routes_[path] = std::move(r);
  }
  void set_json(const std::string& path, const boost::json::value& v,
                std::vector<std::pair<std::string, std::string>> headers = {}) {
    route r;
    r.body = boost::json::serialize(v);
    r.headers = std::move(headers);
    set(path, std::move(r));
  }
  void remove(const std::string& path) {
    std::lock_guard lk(mu_);
    routes_.erase(path);
  }
  int hits(const std::string& path) const {
    std::lock_guard lk(mu_);
    auto it = hits_.find(path);
    return it == hits_.end() ? 0 : it->second;
  }
  int connections() const { return connections_.load(); }
  /// The last request's header (for checking what the client sent).
  bhttp::request<bhttp::string_body> last_request() const {
    std::lock_guard lk(mu_);
    return last_;
  }

 private:
  net::awaitable<void> accept_loop() {
    for (;;) {
      auto sock = co_await acceptor_.async_accept(net::use_awaitable);
      ++connections_;
      net::co_spawn(ioc_, serve(std::move(sock)), net::detached);
    }
  }

  net::awaitable<void> serve(net::ip::tcp::socket sock) {
    try {
      if (!tls_) {
        co_await answer(sock);
      } else {
        net::ssl::stream<net::ip::tcp::socket> s(std::move(sock), *tls_);
        co_await s.async_handshake(net::ssl::stream_base::server, net::use_awaitable);
        co_await answer(s);
      }
    } catch (const std::exception&) {
      // The client went away, or refused our certificate: that is what some tests want.
    }
  }

  template <class Stream>
  net::awaitable<void> answer(Stream& s) {
    boost::beast::flat_buffer buf;
    bhttp::request<bhttp::string_body> req;
    co_await bhttp::async_read(s, buf, req, net::use_awaitable);
    std::string path(req.target());
    route r;
    r.status = 404;
    r.content_type = "text/plain";
    r.body = "not found";
    {
      std::lock_guard lk(mu_);
      ++hits_[path];
      last_ = req;
      if (auto it = routes_.find(path); it != routes_.end()) r = it->second;
    }
    if (r.delay.count() > 0) {
      net::steady_timer t(co_await net::this_coro::executor, r.delay);
      co_await t.async_wait(net::use_awaitable);
    }
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), 11};
    if (!r.content_type.empty()) res.set(bhttp::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) res.set(k, v);
    res.body() = r.body;
    res.prepare_payload();
    co_await bhttp::async_write(s, res, net::use_awaitable);
  }

  std::shared_ptr<net::ssl::context> tls_;
  net::io_context ioc_;
  net::ip::tcp::acceptor acceptor_{ioc_};
  std::thread thread_;
  mutable std::mutex mu_;
  std::map<std::string, route> routes_;
  std::map<std::string, int> hits_;
  bhttp::request<bhttp::string_body> last_;
  std::atomic<int> connections_{0};
};

/// A server-side TLS context for a certificate made by test_ca.
inline std::shared_ptr<net::ssl::context> server_tls(const std::string& cert_pem, const std::string& key_pem) {
  auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_server);
  ctx->use_certificate_chain(net::buffer(cert_pem));
  ctx->use_private_key(net::buffer(key_pem), net::ssl::context::pem);
  return ctx;
}

}  // namespace mcpx::test
