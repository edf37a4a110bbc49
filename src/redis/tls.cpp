#include "redis/tls.hpp"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <stdexcept>

namespace mcpx::redis::detail {

namespace net = boost::asio;

std::shared_ptr<net::ssl::context> make_tls_context(const settings& s) {
  auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_client);
  if (SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION) != 1)
    throw std::invalid_argument("redis: cannot require TLS 1.2");
  ctx->set_verify_mode(net::ssl::verify_peer);
  boost::system::error_code ec;
  if (s.ca_file.empty()) ctx->set_default_verify_paths(ec);
  else ctx->load_verify_file(s.ca_file, ec);
  if (ec)
    throw std::invalid_argument(s.ca_file.empty() ? "redis: cannot load the system CA store: " + ec.message()
                                                  : "redis.ca_file: cannot load " + s.ca_file + ": " + ec.message());
  if (!s.cert_file.empty()) {
    ctx->use_certificate_chain_file(s.cert_file, ec);
    if (ec) throw std::invalid_argument("redis.cert_file: cannot load " + s.cert_file + ": " + ec.message());
    ctx->use_private_key_file(s.key_file, net::ssl::context::pem, ec);
    if (ec) throw std::invalid_argument("redis.key_file: cannot load " + s.key_file + ": " + ec.message());
  }
  return ctx;
}

bool expect_peer(SSL* ssl, const url_parts& t) {
  if (t.host_is_ip) return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), t.host.c_str()) == 1;
  // SNI carries names only (RFC 6066 3).
  return SSL_set1_host(ssl, t.host.c_str()) == 1 && SSL_set_tlsext_host_name(ssl, t.host.c_str()) == 1;
}

}  // namespace mcpx::redis::detail
