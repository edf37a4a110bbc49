#pragma once
// TLS for rediss://: one client context per client, made at start-up; each new connection
// checks the server's certificate against it and against the host of the URL.
#include <boost/asio/ssl/context.hpp>
#include <memory>

#include "redis/options.hpp"

namespace mcpx::redis::detail {

/// Peer verification on, TLS 1.2 at least, trusting s.ca_file or the system store, with the
/// client certificate when one is configured. Throws std::invalid_argument naming the file.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const settings& s);

/// Sets what the handshake of `ssl` must find: the certificate names `t.host` (a DNS name,
/// checked by OpenSSL per RFC 6125, also sent as SNI) or its IP address. False on failure.
bool expect_peer(SSL* ssl, const url_parts& t);

}  // namespace mcpx::redis::detail
