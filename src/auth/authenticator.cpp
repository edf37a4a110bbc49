#include "auth/authenticator.hpp"

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <set>

#include "auth/claims.hpp"

namespace mcpx::auth {

namespace {

auth_decision refused(std::string_view reason, std::string_view error, std::string_view description,
                      bool dpop_scheme = false) {
  auth_decision d;
  d.status = auth_status::refused;
  d.reason = reason;
  d.error = error;
  d.description = description;
  d.dpop_scheme = dpop_scheme;
  return d;
}

using boost::beast::iequals;  // ASCII case-insensitive

// RFC 6750 2.1 b64token: what may follow "Bearer " (and "DPoP ", RFC 9449 7.1).
bool is_b64token(std::string_view t) {
  std::size_t i = 0;
  for (; i < t.size(); ++i) {
    char c = t[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
              c == '_' || c == '~' || c == '+' || c == '/';
    if (!ok) break;
  }
  if (i == 0) return false;
  for (; i < t.size(); ++i)
    if (t[i] != '=') return false;
  return true;
}

// A JWS in compact form has exactly two dots; anything else is an opaque token (or a JWE,
// which only its issuer can read) and goes to introspection when that is configured.
bool looks_like_jwt(std::string_view t) { return std::count(t.begin(), t.end(), '.') == 2; }

}  // namespace

authenticator_config authenticator_config_of(const auth_options& o) {
  authenticator_config c;
  c.issuers = o.issuers;
  c.resource = o.resource;
  c.required = o.required;
  c.dpop = o.dpop;
  c.format.max_bytes = o.max_token_bytes;
  c.format.accept_jwt_typ = o.accept_jwt_typ;
  c.leeway = o.leeway;
  c.scope_implies = o.scope_implies;
  c.cache_entries = o.token_cache_entries;
  c.proofs.max_proof_bytes = o.max_token_bytes;
  if (o.introspection.enabled()) {
    c.introspection = true;
    c.introspection_ttl = o.introspection.cache_ttl;
    for (std::size_t i = 0; i < o.issuers.size(); ++i)
      if (o.issuers[i].issuer == o.introspection.issuer) c.introspection_issuer = i;
  }
  return c;
}

authenticator::authenticator(authenticator_config cfg)
    : cfg_(std::move(cfg)),
      cache_(token_cache_config{std::max<std::size_t>(cfg_.cache_entries, 1), 16, std::chrono::seconds(0)}),
      proofs_seen_(100'000, 16) {
  for (const auto& i : cfg_.issuers) {
    auto st = std::make_unique<issuer_state>();
    st->rules.issuer = i.issuer;
    st->rules.audiences = i.audiences;
    st->rules.audiences.insert(st->rules.audiences.begin(), cfg_.resource);
    st->rules.leeway = cfg_.leeway;
    issuers_.push_back(std::move(st));
  }
}

bool authenticator::set_keys(std::size_t i, const boost::json::value& jwks, std::string* why) {
  if (i >= issuers_.size()) return false;
  auto set = std::make_shared<const key_set>(key_set::from_jwks(jwks));
  if (set->empty()) {
    if (why) *why = "no usable signing key in the JWKS";
    return false;
  }
  std::lock_guard lock(issuers_[i]->mu);
  issuers_[i]->keys = std::move(set);
  return true;
}

bool authenticator::has_keys(std::size_t i) const { return keys_of(i) != nullptr; }

std::shared_ptr<const key_set> authenticator::keys_of(std::size_t i) const {
  if (i >= issuers_.size()) return nullptr;
  std::lock_guard lock(issuers_[i]->mu);
  return issuers_[i]->keys;
}

std::vector<std::string> authenticator::effective_scopes(const std::vector<std::string>& granted) const {
  std::set<std::string> out(granted.begin(), granted.end());
  std::vector<std::string> todo(granted.begin(), granted.end());
  // Bounded by the configured map: each scope is expanded once, so cycles end.
  while (!todo.empty()) {
    std::string s = std::move(todo.back());
    todo.pop_back();
    auto it = cfg_.scope_implies.find(s);
    if (it == cfg_.scope_implies.end()) continue;
    for (const auto& implied : it->second)
      if (out.insert(implied).second) todo.push_back(implied);
  }
  return {out.begin(), out.end()};
}

auth_decision authenticator::check(const credentials& c, wall_clock::time_point now, bool refetched) {
  // A token in the URL ends up in logs and histories: refused even beside a header (RFC 6750 2.3
  // is optional, MCP forbids it).
  if (c.token_in_query)
    return refused("token_in_query", "invalid_request", "access tokens are accepted in the Authorization header only");
  if (c.authorization_fields == 0) {
    if (!cfg_.required) {
      auth_decision d;
      d.status = auth_status::anonymous;
      return d;
    }
    return refused("missing_token", "", "an access token is required");
  }
  if (c.authorization_fields > 1 || c.dpop_fields > 1)
    return refused("duplicate_credentials", "invalid_request", "send one Authorization and at most one DPoP field");
  auto sp = c.authorization.find(' ');
  if (sp == std::string_view::npos)
    return refused("malformed_authorization", "invalid_request", "expected Authorization: Bearer <token>");
  const auto scheme = c.authorization.substr(0, sp);
  const bool dpop_scheme = iequals(scheme, "DPoP");
  if (!dpop_scheme && !iequals(scheme, "Bearer"))
    return refused("unsupported_scheme", "invalid_request", "expected the Bearer or DPoP authorization scheme");
  if (dpop_scheme && cfg_.dpop == dpop_mode::off)
    return refused("dpop_off", "invalid_request", "DPoP is not accepted by this server; use a bearer token", true);
  if (!dpop_scheme && cfg_.dpop == dpop_mode::required)
    return refused("dpop_required", "invalid_token", "this server accepts DPoP-bound tokens only", true);
  auto token = c.authorization.substr(sp + 1);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  if (token.size() > cfg_.format.max_bytes)
    return refused(name(token_error::too_large), "invalid_token", describe(token_error::too_large), dpop_scheme);
  // The cache first: a token found there is byte for byte one that passed every check below.
  std::shared_ptr<const verified_token> t = cfg_.cache_entries > 0 ? cache_.find(token, now) : nullptr;
  if (t) {
    hits_.fetch_add(1, std::memory_order_relaxed);
  } else {
    if (!is_b64token(token))
      return refused("malformed_authorization", "invalid_request", "the token is not a b64token", dpop_scheme);
    auto d = cfg_.introspection && !looks_like_jwt(token) ? check_opaque(token, now, refetched, t)
                                                          : verify_token(token, now, refetched, t);
    if (d.status != auth_status::accepted) {
      d.dpop_scheme = dpop_scheme;
      return d;
    }
  }
  // RFC 9449 7.1, 7.2: a bound token only with its proof and the DPoP scheme; the DPoP scheme
  // only with a bound token.
  if (t->jkt) {
    if (cfg_.dpop == dpop_mode::off)
      return refused("dpop_off", "invalid_token", "DPoP-bound tokens are not accepted by this server", dpop_scheme);
    if (!dpop_scheme)
      return refused("dpop_bound_as_bearer", "invalid_token", "a DPoP-bound token must use the DPoP scheme", true);
  } else if (dpop_scheme) {
    return refused("dpop_not_bound", "invalid_token", "the token is not DPoP-bound (no cnf.jkt)", true);
  }
  if (t->jkt) {
    auto d = check_proof(c, token, *t, dpop_scheme, now);
    if (d.status != auth_status::accepted) return d;
  }
  auth_decision ok;
  ok.status = auth_status::accepted;
  ok.who = t->who;
  ok.dpop_scheme = dpop_scheme;
  return ok;
}

auth_decision authenticator::verify_token(std::string_view token, wall_clock::time_point now, bool refetched,
                                          std::shared_ptr<const verified_token>& out) {
  auto parsed = parse(token, cfg_.format);
  if (!parsed) return refused(name(parsed.error()), "invalid_token", describe(parsed.error()));
  std::size_t i = 0;
  while (i < issuers_.size() && issuers_[i]->rules.issuer != parsed->issuer) ++i;
  if (i == issuers_.size()) return refused("unknown_issuer", "invalid_token", "the token's issuer is not trusted here");
  auto keys = keys_of(i);
  const bool known_key = keys && (parsed->kid.empty() ? !keys->candidates(parsed->alg).empty()
                                                      : keys->find(parsed->kid) != nullptr);
  if (!known_key && !refetched) {
    auth_decision d;
    d.status = auth_status::need_keys;
    d.issuer = i;
    return d;
  }
  if (!keys) {
    auth_decision d;
    d.status = auth_status::no_keys;
    d.reason = "issuer_keys_unavailable";
    d.description = "the token's issuer could not be reached to check it; retry later";
    d.issuer = i;
    return d;
  }
  auto v = verify(*parsed, *keys, issuers_[i]->rules, now);
  verified_.fetch_add(1, std::memory_order_relaxed);
  if (!v) return refused(name(v.error()), "invalid_token", describe(v.error()));
  const auto until = v->expires;
  return accept(std::move(*v), token, now, out, until);
}

auth_decision authenticator::accept(verified_token v, std::string_view token, wall_clock::time_point now,
                                    std::shared_ptr<const verified_token>& out, wall_clock::time_point cache_until) {
  auto who = std::make_shared<principal>();
  who->subject = v.subject;
  who->client_id = v.client_id;
  who->granted = v.scopes;
  who->scopes = effective_scopes(v.scopes);
  who->tier = v.tier.value_or("");
  who->issuer = v.issuer;
  who->expires = v.expires;
  v.expires = std::min(v.expires, cache_until);  // how long the cache may answer for it
  auto kept = std::make_shared<verified_token>(std::move(v));
  kept->who = std::move(who);
  if (cfg_.cache_entries > 0) cache_.insert(token, kept, now);
  out = std::move(kept);
  auth_decision d;
  d.status = auth_status::accepted;
  return d;
}

// RFC 7662: the authorization server says whether the token is active and what it carries. The
// answer is held to the same claim rules as a JWT's (issuer, audience, expiry), with what an
// answer may leave out filled in from what is known: `iss` is the issuer asked, `sub` the client
// (client credentials), `exp` the end of the time the answer is trusted.
auth_decision authenticator::check_opaque(std::string_view token, wall_clock::time_point now, bool asked,
                                          std::shared_ptr<const verified_token>& out) {
  const std::size_t i = cfg_.introspection_issuer;
  auto r = introspector_ ? introspector_->cached(token) : nullptr;
  if (!r) {
    if (!asked && introspector_) {
      auth_decision d;
      d.status = auth_status::need_introspection;
      d.issuer = i;
      d.token = token;
      return d;
    }
    auth_decision d;
    d.status = auth_status::no_keys;
    d.reason = "introspection_unavailable";
    d.description = "the token's issuer could not be asked about it; retry later";
    d.issuer = i;
    return d;
  }
  if (r->what != introspection_result::kind::active)
    return refused("token_inactive", "invalid_token", "the token is not active (revoked, expired or unknown)");
  if (const auto* type = r->claims.if_contains("token_type");
      type && type->is_string() && type->get_string() == "refresh_token")
    return refused("token_inactive", "invalid_token", "a refresh token is not an access token");
  json::object claims = r->claims;
  const auto& rules = issuers_[i]->rules;
  if (!claims.contains("iss")) claims["iss"] = rules.issuer;
  // A copy first: inserting "sub" may move the members a pointer into `claims` points at.
  if (!claims.contains("sub"))
    if (const auto* cid = claims.if_contains("client_id"); cid && cid->is_string()) {
      json::value sub = *cid;
      claims["sub"] = std::move(sub);
    }
  const auto trusted_until = now + cfg_.introspection_ttl;
  if (!claims.contains("exp")) claims["exp"] = epoch_seconds(trusted_until);
  // No `aud`: the server cannot tell the token was meant for it (RFC 8707), so it is refused
  // like a JWT without one (check_claims).
  auto v = check_claims(claims, rules, now);
  if (!v) return refused(name(v.error()), "invalid_token", describe(v.error()));
  return accept(std::move(*v), token, now, out, trusted_until);
}

auth_decision authenticator::check_proof(const credentials& c, std::string_view token, const verified_token& t,
                                         bool dpop_scheme, wall_clock::time_point now) {
  if (c.dpop_fields == 0)
    return refused("dpop_proof_missing", "invalid_dpop_proof", "a DPoP proof is required with this token", dpop_scheme);
  dpop_request r{c.method, cfg_.resource, token, *t.jkt};
  auto p = verify_proof(c.dpop, r, cfg_.proofs, proofs_seen_, now);
  if (!p) return refused(name(p.error()), "invalid_dpop_proof", describe(p.error()), dpop_scheme);
  auth_decision d;
  d.status = auth_status::accepted;
  return d;
}

}  // namespace mcpx::auth
