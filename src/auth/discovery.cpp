#include "auth/discovery.hpp"

#include <boost/json/object.hpp>
#include <boost/url/parse.hpp>

namespace mcpx::auth {

std::vector<std::string> discovery_urls(std::string_view issuer) {
  auto u = boost::urls::parse_absolute_uri(issuer);
  if (!u || u->has_query() || u->has_fragment() || !u->has_authority()) return {};
  if (u->scheme_id() != boost::urls::scheme::https && u->scheme_id() != boost::urls::scheme::http) return {};
  std::string origin = std::string(u->scheme()) + "://" + std::string(u->encoded_authority());
  std::string path(u->encoded_path());
  if (!path.empty() && path.back() == '/') path.pop_back();  // RFC 8414 3.1: terminating '/' removed
  std::vector<std::string> out{origin + "/.well-known/oauth-authorization-server" + path,
                               origin + "/.well-known/openid-configuration" + path};
  if (!path.empty()) out.push_back(origin + path + "/.well-known/openid-configuration");
  return out;
}

std::string check_metadata(const boost::json::value& doc, std::string_view issuer) {
  if (!doc.is_object()) return "metadata is not a JSON object";
  const auto& o = doc.as_object();
  const auto* iss = o.if_contains("issuer");
  if (!iss || !iss->is_string()) return "metadata has no issuer";
  if (iss->as_string() != issuer) {
    std::string said(iss->as_string().subview().substr(0, 200));
    return "issuer mismatch: metadata says '" + said + "', configured '" + std::string(issuer) + "'";
  }
  const auto* jwks = o.if_contains("jwks_uri");
  if (!jwks || !jwks->is_string() || jwks->as_string().empty()) return "metadata names no jwks_uri";
  return {};
}

bool moves_on(fetch_error e) noexcept {
  switch (e) {
    case fetch_error::redirect:
    case fetch_error::status:
    case fetch_error::content_type:
    case fetch_error::json:
    case fetch_error::too_large: return true;
    default: return false;
  }
}

}  // namespace mcpx::auth
