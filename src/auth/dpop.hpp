#pragma once
// DPoP proofs (RFC 9449 section 4.3): a JWS signed by the key a token is bound to, made for one
// request. verify_proof() performs every check of section 4.3 that needs no server nonce, plus the
// binding to the access token (section 7.1: `ath` and the thumbprint in `cnf.jkt`).
#include <boost/system/result.hpp>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "auth/algorithm.hpp"
#include "auth/jwt.hpp"
#include "auth/replay_cache.hpp"

namespace mcpx::auth {

/// Why a proof was refused; name() is stable (metrics, logs), describe() short and token-free.
/// A request without a `DPoP` header is the caller's to refuse (`dpop_missing`).
enum class dpop_error {
  malformed_proof,        ///< not a strict compact JWS of JSON objects, too large, `crit`, or a claim of the wrong type
  unsupported_proof_alg,  ///< `alg` other than RS256, PS256, ES256, EdDSA
  wrong_proof_type,       ///< `typ` is not dpop+jwt
  bad_proof_key,          ///< `jwk` missing, private, or not a usable public key for the alg
  bad_proof_signature,    ///< the signature does not verify with the `jwk`
  incomplete_proof,       ///< `htm`, `htu`, `iat`, `jti` or `ath` missing
  wrong_htm,              ///< made for another method
  wrong_htu,              ///< made for another URL
  stale_proof,            ///< `iat` outside the window around now
  wrong_ath,              ///< made for another access token
  wrong_key,              ///< the proof key is not the one the token is bound to (`cnf.jkt`)
  replayed_proof,         ///< this `jti` was already used with this key within the window
};
std::string_view name(dpop_error e) noexcept;
std::string_view describe(dpop_error e) noexcept;

struct dpop_rules {
  std::chrono::seconds window{60};     ///< `iat` accepted within now ± window
  std::size_t max_proof_bytes = 8192;  ///< longer proofs are refused before decoding
  std::size_t max_jti_bytes = 128;
};

/// The request a proof must have been made for.
struct dpop_request {
  std::string_view method;        ///< e.g. "POST"; compared exactly
  std::string_view url;           ///< this endpoint's absolute URL; query and fragment are ignored
  std::string_view access_token;  ///< the token sent with the proof (for `ath`)
  std::string_view jkt;           ///< the token's `cnf.jkt`; empty never matches
};

/// What an accepted proof says.
struct dpop_proof {
  algorithm alg = algorithm::es256;
  std::string jkt;  ///< thumbprint of the proof key
  wall_clock::time_point issued_at;
};

/// Verifies `proof` for `request` at `now`; on success records its `jti` in `seen` (only then, so
/// refused proofs cannot fill it). Thread-safe; never throws.
boost::system::result<dpop_proof, dpop_error> verify_proof(std::string_view proof, const dpop_request& request,
                                                           const dpop_rules& rules, replay_cache& seen,
                                                           wall_clock::time_point now);

}  // namespace mcpx::auth
