#pragma once
// JWS signature verification (RFC 7515, algorithms of RFC 7518 and RFC 8037) with OpenSSL EVP.
#include <string_view>

#include "auth/algorithm.hpp"
#include "auth/jwk.hpp"

namespace mcpx::auth {

enum class signature_check {
  valid,
  wrong_key,  ///< the key's type, or the JWK's own `alg`, does not fit the algorithm: nothing computed
  invalid,    ///< the signature does not verify (or has the wrong length for the key)
};

/// Verifies `signature` (the decoded JWS signature) over `signing_input` (ASCII header.payload).
/// ES256 takes raw r||s (64 bytes); PS256 uses MGF1-SHA-256 with a 32-byte salt. Thread-safe (keys
/// are only read); never throws.
signature_check verify(algorithm a, const verification_key& key, std::string_view signing_input,
                       std::string_view signature) noexcept;

}  // namespace mcpx::auth
