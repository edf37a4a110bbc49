#include "auth/dpop.hpp"

#include <optional>

#include "auth/claims.hpp"
#include "auth/compact.hpp"
#include "auth/digest.hpp"
#include "auth/jws.hpp"
#include "auth/resource_uri.hpp"

namespace mcpx::auth {

namespace {

using result = boost::system::result<dpop_proof, dpop_error>;

bool is_dpop_typ(std::string_view t) {
  constexpr std::string_view want = "dpop+jwt";
  if (t.size() != want.size()) return false;
  for (std::size_t i = 0; i < t.size(); ++i)
    if ((t[i] >= 'A' && t[i] <= 'Z' ? char(t[i] + 32) : t[i]) != want[i]) return false;
  return true;
}

// The header: alg, typ, no crit, and the public key the proof carries.
std::optional<dpop_error> check_header(const json::object& h, dpop_proof& out, std::optional<verification_key>& key) {
  auto alg = h.if_contains("alg");
  if (!alg || !alg->is_string()) return dpop_error::malformed_proof;
  auto a = algorithm_from_name(alg->get_string());
  if (!a) return dpop_error::unsupported_proof_alg;
  out.alg = *a;
  if (h.contains("crit")) return dpop_error::malformed_proof;
  auto typ = h.if_contains("typ");
  if (!typ || !typ->is_string() || !is_dpop_typ(typ->get_string())) return dpop_error::wrong_proof_type;
  auto jwk = h.if_contains("jwk");
  if (!jwk || !jwk->is_object()) return dpop_error::bad_proof_key;
  // key_from_jwk refuses private members, so a proof carrying its private key fails here.
  key = key_from_jwk(jwk->get_object());
  if (!key || !key->usable_with(*a)) return dpop_error::bad_proof_key;
  out.jkt = key->thumbprint();
  return std::nullopt;
}

const json::string* string_claim(const json::object& c, std::string_view name) {
  auto v = c.if_contains(name);
  return v ? v->if_string() : nullptr;
}

// htm, htu, iat, jti, ath against the request; `jti` is returned for the replay check.
std::optional<dpop_error> check_claims(const json::object& c, const dpop_request& req, const dpop_rules& rules,
                                       wall_clock::time_point now, dpop_proof& out, std::string_view& jti) {
  for (auto n : {"htm", "htu", "iat", "jti", "ath"})
    if (!c.contains(n)) return dpop_error::incomplete_proof;
  auto htm = string_claim(c, "htm");
  auto htu = string_claim(c, "htu");
  auto id = string_claim(c, "jti");
  auto ath = string_claim(c, "ath");
  auto iat = numeric_date(c.at("iat"));
  if (!htm || !htu || !id || !ath || !iat || id->empty() || id->size() > rules.max_jti_bytes)
    return dpop_error::malformed_proof;
  if (*htm != req.method) return dpop_error::wrong_htm;
  if (!same_resource_uri(without_query(*htu), without_query(req.url))) return dpop_error::wrong_htu;
  auto skew = epoch_seconds(now) - *iat;
  if (skew > rules.window.count() || -skew > rules.window.count()) return dpop_error::stale_proof;
  out.issued_at = wall_clock::time_point(std::chrono::seconds(*iat));
  auto want = sha256_base64url(req.access_token);
  if (want.empty() || !constant_time_equal(*ath, want)) return dpop_error::wrong_ath;
  jti = *id;
  return std::nullopt;
}

}  // namespace

std::string_view name(dpop_error e) noexcept {
  switch (e) {
    case dpop_error::malformed_proof: return "malformed_proof";
    case dpop_error::unsupported_proof_alg: return "unsupported_proof_alg";
    case dpop_error::wrong_proof_type: return "wrong_proof_type";
    case dpop_error::bad_proof_key: return "bad_proof_key";
    case dpop_error::bad_proof_signature: return "bad_proof_signature";
    case dpop_error::incomplete_proof: return "incomplete_proof";
    case dpop_error::wrong_htm: return "wrong_htm";
    case dpop_error::wrong_htu: return "wrong_htu";
    case dpop_error::stale_proof: return "stale_proof";
    case dpop_error::wrong_ath: return "wrong_ath";
    case dpop_error::wrong_key: return "wrong_key";
    case dpop_error::replayed_proof: return "replayed_proof";
  }
  return "unknown";
}

std::string_view describe(dpop_error e) noexcept {
  switch (e) {
    case dpop_error::malformed_proof: return "The DPoP proof is not well formed";
    case dpop_error::unsupported_proof_alg: return "The DPoP proof's algorithm is not accepted";
    case dpop_error::wrong_proof_type: return "The DPoP proof's typ is not dpop+jwt";
    case dpop_error::bad_proof_key: return "The DPoP proof does not carry a usable public key";
    case dpop_error::bad_proof_signature: return "The DPoP proof's signature is invalid";
    case dpop_error::incomplete_proof: return "The DPoP proof lacks a required claim";
    case dpop_error::wrong_htm: return "The DPoP proof was made for another method";
    case dpop_error::wrong_htu: return "The DPoP proof was made for another URL";
    case dpop_error::stale_proof: return "The DPoP proof is too old or too far in the future";
    case dpop_error::wrong_ath: return "The DPoP proof was made for another access token";
    case dpop_error::wrong_key: return "The DPoP proof key is not the key the token is bound to";
    case dpop_error::replayed_proof: return "The DPoP proof was already used";
  }
  return "The DPoP proof was refused";
}

result verify_proof(std::string_view proof, const dpop_request& request, const dpop_rules& rules, replay_cache& seen,
                    wall_clock::time_point now) {
  try {
    auto jws = decode_compact(proof, rules.max_proof_bytes);
    if (!jws) return dpop_error::malformed_proof;
    dpop_proof out;
    std::optional<verification_key> key;
    if (auto e = check_header(jws->header, out, key)) return *e;
    std::string_view jti;
    // The cheap checks come first: a proof that cannot pass costs no signature verification.
    if (auto e = check_claims(jws->payload, request, rules, now, out, jti)) return *e;
    if (request.jkt.empty() || !constant_time_equal(out.jkt, request.jkt)) return dpop_error::wrong_key;
    if (verify(out.alg, *key, jws->signing_input, jws->signature) != signature_check::valid)
      return dpop_error::bad_proof_signature;
    // A jti is unique per key (RFC 9449 11.1); the entry lives as long as the proof could pass.
    auto until = out.issued_at + rules.window + std::chrono::seconds(1);
    if (!seen.first_use(out.jkt + '.' + std::string(jti), now, until)) return dpop_error::replayed_proof;
    return out;
  } catch (...) {
    return dpop_error::malformed_proof;
  }
}

}  // namespace mcpx::auth
