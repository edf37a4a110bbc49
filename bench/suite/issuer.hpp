#pragma once
// A stand-in authorization server for the "mcpx-auth" entry: on 127.0.0.1 (mcpx accepts plain
// http:// issuers on loopback only), it serves RFC 8414 metadata and the JWKS of one key, and
// mints access tokens with that key. One request per connection, on its own thread: after the
// server's discovery and its JWKS refreshes it is idle, so it takes nothing from a measurement.
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "suite/jwt_mint.hpp"

namespace mcpx::bench {

class local_issuer {
 public:
  local_issuer();  ///< generates the key and starts serving; throws when it cannot
  ~local_issuer();
  local_issuer(const local_issuer&) = delete;
  local_issuer& operator=(const local_issuer&) = delete;

  const std::string& url() const { return url_; }  ///< the issuer identifier: http://127.0.0.1:PORT
  /// An RFC 9068 access token for `audience`, valid `lifetime` from now, with no scope.
  std::string token(const std::string& audience, std::chrono::seconds lifetime) const;

 private:
  void serve();

  signing_key key_{"bench-1"};
  std::string jwks_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::string url_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace mcpx::bench
