#include "suite/issuer.hpp"

#include <fcntl.h>
#include <sys/socket.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace mcpx::bench {

namespace net = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;

local_issuer::local_issuer()
    : jwks_(json::serialize(json::object{{"keys", json::array{key_.public_jwk()}}})),
      acceptor_(ioc_, {net::ip::make_address("127.0.0.1"), 0}),
      url_("http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port())),
      thread_([this] { serve(); }) {
  // Not inherited by the servers the suite forks: they have no business holding the issuer's port.
  ::fcntl(acceptor_.native_handle(), F_SETFD, FD_CLOEXEC);
}

local_issuer::~local_issuer() {
  stopping_ = true;
  // close() alone does not wake a thread blocked in accept(); shutdown() does (Linux).
  ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
  boost::system::error_code ec;
  acceptor_.close(ec);
  thread_.join();
}

std::string local_issuer::token(const std::string& audience, std::chrono::seconds lifetime) const {
  auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  return key_.jwt({{"iss", url_},
                   {"sub", "mcpx-bench"},
                   {"aud", audience},
                   {"client_id", "mcpx-bench"},
                   {"iat", now.count()},
                   {"exp", (now + lifetime).count()},
                   {"scope", ""}});
}

void local_issuer::serve() {
  while (!stopping_) {
    net::ip::tcp::socket s(ioc_);
    boost::system::error_code ec;
    acceptor_.accept(s, ec);
    if (ec) {
      if (stopping_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // out of descriptors: do not spin
      continue;
    }
    boost::beast::flat_buffer buf;
    http::request<http::string_body> req;
    http::read(s, buf, req, ec);
    if (ec) continue;
    http::response<http::string_body> res{http::status::ok, 11};
    res.set(http::field::content_type, "application/json");
    res.keep_alive(false);
    if (req.target() == "/.well-known/oauth-authorization-server")
      res.body() = json::serialize(json::object{{"issuer", url_}, {"jwks_uri", url_ + "/jwks"}});
    else if (req.target() == "/jwks") res.body() = jwks_;
    else res.result(http::status::not_found);
    res.prepare_payload();
    http::write(s, res, ec);
  }
}

}  // namespace mcpx::bench
