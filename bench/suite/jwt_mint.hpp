#pragma once
// The "mcpx-auth" entry's credentials: one RSA key, its public JWK and RFC 9068 access tokens
// signed with it (OpenSSL EVP). Only what the benchmark needs; the auth tests mint their own.
#include <openssl/evp.h>

#include <boost/json.hpp>
#include <memory>
#include <string>

namespace mcpx::bench {

struct pkey_free {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

class signing_key {
 public:
  /// A fresh RSA-2048 key signing RS256 under `kid`. Throws std::runtime_error on an OpenSSL failure.
  explicit signing_key(std::string kid);
  /// {"kty":"RSA","kid","alg":"RS256","use":"sig","n","e"}
  boost::json::object public_jwk() const;
  /// header {"alg":"RS256","typ":"at+jwt","kid"} . claims . RS256 signature, base64url without padding.
  std::string jwt(const boost::json::object& claims) const;

 private:
  std::unique_ptr<EVP_PKEY, pkey_free> key_;
  std::string kid_;
};

std::string base64url(std::string_view bytes);

}  // namespace mcpx::bench
