#pragma once
// JWT access tokens (RFC 7519, RFC 9068) in two phases: parse() reads the header and the claimed
// issuer without trusting them, so the caller can find that issuer's keys (and refetch its JWKS for
// an unknown `kid`); verify() checks the signature and then the claims.
#include <boost/system/result.hpp>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/algorithm.hpp"
#include "auth/compact.hpp"
#include "auth/jwk.hpp"
#include "mcpx/access.hpp"

namespace mcpx::auth {

using wall_clock = std::chrono::system_clock;

/// Why a token was refused. name() is stable (metric labels, logs); describe() is for the
/// `error_description` of a challenge. Neither ever contains the token.
enum class token_error {
  malformed,         ///< not three strict base64url parts of JSON objects, or a header member of the wrong type
  too_large,         ///< longer than token_format::max_bytes
  unsupported_alg,   ///< `alg` other than RS256, PS256, ES256, EdDSA (so `none` and HS256 too)
  wrong_type,        ///< `typ` is not at+jwt (nor JWT when allowed)
  unknown_crit,      ///< a `crit` header: we understand no extension
  unknown_key,       ///< no key of the issuer's set has that `kid` (or fits the alg)
  key_mismatch,      ///< the `kid` names a key of another type, or whose own `alg` differs
  bad_signature,     ///< the signature does not verify
  missing_claim,     ///< `iss`, `aud`, `exp` or `sub` is missing
  bad_claim,         ///< a claim of the wrong type or out of range
  wrong_issuer,      ///< `iss` is not the expected issuer
  wrong_audience,    ///< `aud` names none of the accepted audiences
  expired,           ///< `exp` is past, beyond the leeway
  not_yet_valid,     ///< `nbf` is ahead, beyond the leeway
  issued_in_future,  ///< `iat` is ahead, beyond the leeway
};
std::string_view name(token_error e) noexcept;
std::string_view describe(token_error e) noexcept;

/// What parse() accepts, before any issuer is known.
struct token_format {
  std::size_t max_bytes = 8192;  ///< longer tokens are refused before any decoding
  /// Also accept `typ: JWT` (or no `typ`), for issuers that do not write RFC 9068's at+jwt. That
  /// gives up the check that keeps an ID token from passing as an access token.
  bool accept_jwt_typ = false;
};

/// What verify() requires of the claims, per issuer.
struct claim_rules {
  std::string issuer;                  ///< `iss` must equal this exactly
  std::vector<std::string> audiences;  ///< `aud` must contain one of these (resource URI comparison)
  std::chrono::seconds leeway{30};     ///< clock skew allowed on `exp`, `nbf`, `iat`
};

/// A token whose header passed the checks; nothing of it is verified yet.
struct parsed_token {
  algorithm alg = algorithm::rs256;
  std::string kid;     ///< empty when the header has none
  std::string issuer;  ///< the unverified `iss`, to pick the key set; empty when absent
  compact_jws jws;
};

/// What a verified token says about its caller.
struct verified_token {
  std::string issuer;
  std::string subject;                               ///< `sub`
  std::string client_id;                             ///< `client_id`, else `azp`; empty when neither
  std::vector<std::string> scopes;                   ///< from `scope` (space-separated) or `scp`; sorted, unique
  wall_clock::time_point expires;                    ///< `exp`
  std::optional<wall_clock::time_point> not_before;  ///< `nbf`
  std::optional<std::string> jkt;                    ///< `cnf.jkt`: the token is DPoP-bound to that key
  std::optional<std::string> tier;                   ///< a string `tier` claim
  /// The caller this token makes, for the request path (the authenticator sets it before the
  /// token is cached; verify() leaves it null).
  principal_ptr who;
};

/// Phase one: size, structure, `alg` (refused before any key is looked at), `crit`, `typ`, `kid`.
/// Never throws.
boost::system::result<parsed_token, token_error> parse(std::string_view token, const token_format& format = {});

/// Phase two: the signature with the key `kid` names in `keys` (without `kid`: each of the set's
/// candidates for the alg), then the claims against `rules` at `now`. Thread-safe; never throws.
boost::system::result<verified_token, token_error> verify(const parsed_token& token, const key_set& keys,
                                                          const claim_rules& rules, wall_clock::time_point now);

}  // namespace mcpx::auth
