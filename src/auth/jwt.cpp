#include "auth/jwt.hpp"

#include <algorithm>
#include <boost/beast/core/string.hpp>

#include "auth/claims.hpp"
#include "auth/jws.hpp"

namespace mcpx::auth {

namespace {

using boost::beast::iequals;  // ASCII case-insensitive

// RFC 9068 section 4: `typ` is at+jwt; media type names ignore case and may carry "application/".
bool typ_accepted(const json::object& header, const token_format& format) {
  auto it = header.find("typ");
  if (it == header.end()) return format.accept_jwt_typ;
  auto typ = it->value().if_string();
  if (!typ) return false;
  if (iequals(*typ, "at+jwt") || iequals(*typ, "application/at+jwt")) return true;
  return format.accept_jwt_typ && (iequals(*typ, "jwt") || iequals(*typ, "application/jwt"));
}

token_error from(compact_error e) {
  return e == compact_error::too_large ? token_error::too_large : token_error::malformed;
}

}  // namespace

std::string_view name(token_error e) noexcept {
  switch (e) {
    case token_error::malformed: return "malformed";
    case token_error::too_large: return "too_large";
    case token_error::unsupported_alg: return "unsupported_alg";
    case token_error::wrong_type: return "wrong_type";
    case token_error::unknown_crit: return "unknown_crit";
    case token_error::unknown_key: return "unknown_key";
    case token_error::key_mismatch: return "key_mismatch";
    case token_error::bad_signature: return "bad_signature";
    case token_error::missing_claim: return "missing_claim";
    case token_error::bad_claim: return "bad_claim";
    case token_error::wrong_issuer: return "wrong_issuer";
    case token_error::wrong_audience: return "wrong_audience";
    case token_error::expired: return "expired";
    case token_error::not_yet_valid: return "not_yet_valid";
    case token_error::issued_in_future: return "issued_in_future";
  }
  return "unknown";
}

std::string_view describe(token_error e) noexcept {
  switch (e) {
    case token_error::malformed: return "The access token is not a well-formed JWS";
    case token_error::too_large: return "The access token is too large";
    case token_error::unsupported_alg: return "The token's signing algorithm is not accepted";
    case token_error::wrong_type: return "The token is not a JWT access token (typ at+jwt)";
    case token_error::unknown_crit: return "The token requires an unsupported extension (crit)";
    case token_error::unknown_key: return "The token's signing key is unknown";
    case token_error::key_mismatch: return "The token's signing key does not fit its algorithm";
    case token_error::bad_signature: return "The token's signature is invalid";
    case token_error::missing_claim: return "The token lacks a required claim";
    case token_error::bad_claim: return "The token has a claim of the wrong type";
    case token_error::wrong_issuer: return "The token was issued by an issuer not accepted here";
    case token_error::wrong_audience: return "The token is not meant for this resource";
    case token_error::expired: return "The token has expired";
    case token_error::not_yet_valid: return "The token is not valid yet";
    case token_error::issued_in_future: return "The token was issued in the future";
  }
  return "The token was refused";
}

boost::system::result<parsed_token, token_error> parse(std::string_view token, const token_format& format) {
  auto jws = decode_compact(token, format.max_bytes);
  if (!jws) return from(jws.error());
  try {
    parsed_token out;
    auto& h = jws->header;
    auto alg = h.find("alg");
    if (alg == h.end() || !alg->value().is_string()) return token_error::malformed;
    auto a = algorithm_from_name(alg->value().get_string());
    if (!a) return token_error::unsupported_alg;
    out.alg = *a;
    // RFC 7515 4.1.11: an extension we do not understand, listed in crit, must fail the token.
    if (h.contains("crit")) return token_error::unknown_crit;
    if (!typ_accepted(h, format)) return token_error::wrong_type;
    if (auto kid = h.find("kid"); kid != h.end()) {
      auto s = kid->value().if_string();
      if (!s || s->size() > jwk_limits::max_kid_bytes) return token_error::malformed;
      out.kid = *s;
    }
    if (auto iss = jws->payload.find("iss"); iss != jws->payload.end() && iss->value().is_string())
      out.issuer = iss->value().get_string();
    out.jws = std::move(*jws);
    return out;
  } catch (...) {
    return token_error::malformed;
  }
}

boost::system::result<verified_token, token_error> verify(const parsed_token& token, const key_set& keys,
                                                          const claim_rules& rules, wall_clock::time_point now) {
  auto& jws = token.jws;
  if (!token.kid.empty()) {
    auto key = keys.find(token.kid);
    if (!key) return token_error::unknown_key;
    auto check = verify(token.alg, *key, jws.signing_input, jws.signature);
    if (check == signature_check::wrong_key) return token_error::key_mismatch;
    if (check != signature_check::valid) return token_error::bad_signature;
  } else {
    std::vector<const verification_key*> candidates;
    try {
      candidates = keys.candidates(token.alg);
    } catch (...) {
      return token_error::unknown_key;
    }
    if (candidates.empty()) return token_error::unknown_key;
    auto signed_by = [&](const verification_key* key) {
      return verify(token.alg, *key, jws.signing_input, jws.signature) == signature_check::valid;
    };
    if (std::none_of(candidates.begin(), candidates.end(), signed_by)) return token_error::bad_signature;
  }
  return check_claims(jws.payload, rules, now);
}

}  // namespace mcpx::auth
