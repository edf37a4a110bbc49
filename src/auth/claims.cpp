#include "auth/claims.hpp"

#include <algorithm>
#include <cmath>

#include "auth/resource_uri.hpp"

namespace mcpx::auth {

namespace {

using result = boost::system::result<verified_token, token_error>;

constexpr std::int64_t max_numeric_date = 253402300799;  // 9999-12-31T23:59:59Z
constexpr std::size_t max_audiences = 32;

// Splits a space-separated scope string (RFC 6749 section 3.3) into `out`.
void split_scopes(std::string_view s, std::vector<std::string>& out) {
  while (!s.empty()) {
    auto sp = s.find(' ');
    if (sp != 0) out.emplace_back(s.substr(0, sp));
    if (sp == std::string_view::npos) break;
    s.remove_prefix(sp + 1);
  }
}

// `scope` (RFC 9068, space-separated) or else `scp` (an array, or a string as some issuers write it).
bool read_scopes(const json::object& c, std::vector<std::string>& out) {
  auto it = c.find("scope");
  if (it == c.end()) it = c.find("scp");
  if (it == c.end()) return true;
  if (auto s = it->value().if_string()) {
    split_scopes(*s, out);
  } else if (auto a = it->value().if_array()) {
    for (auto& v : *a) {
      if (!v.is_string()) return false;
      out.emplace_back(v.get_string());
    }
  } else {
    return false;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return true;
}

// RFC 7519 4.1.3: `aud` is one string or an array of strings; one of them must be ours.
std::optional<token_error> check_audience(const json::value* aud, const claim_rules& rules) {
  if (!aud) return token_error::missing_claim;
  auto ours = [&](const json::value& v) {
    auto s = v.if_string();
    return s && std::any_of(rules.audiences.begin(), rules.audiences.end(),
                            [&](const std::string& a) { return same_resource_uri(*s, a); });
  };
  if (aud->is_string()) return ours(*aud) ? std::nullopt : std::optional(token_error::wrong_audience);
  auto list = aud->if_array();
  if (!list || list->size() > max_audiences) return token_error::bad_claim;
  for (auto& v : *list)
    if (!v.is_string()) return token_error::bad_claim;
  return std::any_of(list->begin(), list->end(), ours) ? std::nullopt : std::optional(token_error::wrong_audience);
}

const json::value* member(const json::object& o, std::string_view name) { return o.if_contains(name); }

// exp (required), nbf and iat (optional), each with the leeway.
std::optional<token_error> check_times(const json::object& c, std::int64_t now, std::int64_t leeway,
                                       verified_token& out) {
  auto exp_v = member(c, "exp");
  if (!exp_v) return token_error::missing_claim;
  auto exp = numeric_date(*exp_v);
  if (!exp) return token_error::bad_claim;
  if (now >= *exp + leeway) return token_error::expired;
  out.expires = wall_clock::time_point(std::chrono::seconds(*exp));
  if (auto v = member(c, "nbf")) {
    auto nbf = numeric_date(*v);
    if (!nbf) return token_error::bad_claim;
    if (*nbf - leeway > now) return token_error::not_yet_valid;
    out.not_before = wall_clock::time_point(std::chrono::seconds(*nbf));
  }
  if (auto v = member(c, "iat")) {
    auto iat = numeric_date(*v);
    if (!iat) return token_error::bad_claim;
    if (*iat - leeway > now) return token_error::issued_in_future;
  }
  return std::nullopt;
}

// Optional string claims: absent is fine, another type is not.
bool optional_string(const json::object& c, std::string_view name, std::optional<std::string>& out) {
  auto v = member(c, name);
  if (!v) return true;
  if (!v->is_string()) return false;
  out = std::string(v->get_string());
  return true;
}

std::optional<token_error> read_identity(const json::object& c, verified_token& out) {
  auto sub = member(c, "sub");
  if (!sub) return token_error::missing_claim;
  if (!sub->is_string() || sub->get_string().empty()) return token_error::bad_claim;
  out.subject = sub->get_string();
  std::optional<std::string> client_id, azp;
  if (!optional_string(c, "client_id", client_id) || !optional_string(c, "azp", azp)) return token_error::bad_claim;
  out.client_id = client_id ? *client_id : azp.value_or("");
  if (auto cnf = member(c, "cnf")) {
    auto o = cnf->if_object();
    if (!o || !optional_string(*o, "jkt", out.jkt)) return token_error::bad_claim;
  }
  // `tier` is ours, but another issuer may use the name for something else: only a string counts.
  if (auto t = member(c, "tier"); t && t->is_string()) out.tier = std::string(t->get_string());
  if (!read_scopes(c, out.scopes)) return token_error::bad_claim;
  return std::nullopt;
}

}  // namespace

std::optional<std::int64_t> numeric_date(const json::value& v) noexcept {
  double d;
  if (v.is_int64()) d = double(v.get_int64());
  else if (v.is_uint64()) d = double(v.get_uint64());
  else if (v.is_double()) d = v.get_double();
  else return std::nullopt;
  if (!std::isfinite(d) || d < 0 || d > double(max_numeric_date)) return std::nullopt;
  return std::int64_t(std::floor(d));
}

std::int64_t epoch_seconds(wall_clock::time_point now) noexcept {
  return std::chrono::floor<std::chrono::seconds>(now.time_since_epoch()).count();
}

result check_claims(const json::object& c, const claim_rules& rules, wall_clock::time_point now) {
  try {
    verified_token out;
    auto iss = member(c, "iss");
    if (!iss) return token_error::missing_claim;
    if (!iss->is_string()) return token_error::bad_claim;
    if (iss->get_string() != rules.issuer) return token_error::wrong_issuer;
    out.issuer = rules.issuer;
    if (auto e = check_audience(member(c, "aud"), rules)) return *e;
    if (auto e = check_times(c, epoch_seconds(now), rules.leeway.count(), out)) return *e;
    if (auto e = read_identity(c, out)) return *e;
    return out;
  } catch (...) {
    return token_error::malformed;
  }
}

}  // namespace mcpx::auth
