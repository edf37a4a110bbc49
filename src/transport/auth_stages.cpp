#include "transport/auth_stages.hpp"

#include "transport/header_rules.hpp"
#include "transport/offerings.hpp"

namespace mcpx::transport {

namespace {

using code = jsonrpc::code;

std::vector<std::string_view> reasons() {
  std::vector<std::string_view> r{"missing_token",           "token_in_query",           "duplicate_credentials",
                                  "malformed_authorization", "unsupported_scheme",       "dpop_off",
                                  "dpop_required",           "dpop_bound_as_bearer",     "dpop_not_bound",
                                  "dpop_proof_missing",      "unknown_issuer",           "issuer_keys_unavailable",
                                  "token_inactive",          "introspection_unavailable"};
  for (int e = 0; e <= static_cast<int>(auth::token_error::issued_in_future); ++e)
    r.push_back(auth::name(static_cast<auth::token_error>(e)));
  for (int e = 0; e <= static_cast<int>(auth::dpop_error::replayed_proof); ++e)
    r.push_back(auth::name(static_cast<auth::dpop_error>(e)));
  return r;
}

// Authorization and DPoP, with how often each came, in one pass over the fields (the hot path
// of every authenticated request).
void read_credentials(const http::request& req, auth::credentials& c) {
  for (const auto& f : req) {
    const auto name = f.name_string();
    if (name.size() == 13 && http::beast::iequals(name, "Authorization")) {
      if (++c.authorization_fields == 1) c.authorization = f.value();
    } else if (name.size() == 4 && http::beast::iequals(name, "DPoP")) {
      if (++c.dpop_fields == 1) c.dpop = f.value();
    }
  }
  if (c.authorization_fields != 1) c.authorization = {};
  if (c.dpop_fields != 1) c.dpop = {};
}

// RFC 6750 2.3 names the parameter access_token; MCP forbids tokens in the URI.
bool token_in_query(std::string_view target) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return false;
  auto query = target.substr(q + 1);
  for (std::size_t at = 0; at < query.size();) {
    auto amp = query.find('&', at);
    auto param = query.substr(at, amp == std::string_view::npos ? std::string_view::npos : amp - at);
    if (param.starts_with("access_token=") || param == "access_token") return true;
    if (amp == std::string_view::npos) break;
    at = amp + 1;
  }
  return false;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += ' ';
    out += s;
  }
  return out;
}

refusal auth_refusal(refusal_kind kind, std::string_view reason, std::string message, std::vector<std::string> values) {
  refusal r{kind, reason, code::invalid_request, std::move(message)};
  for (auto& v : values) r.headers.emplace_back("WWW-Authenticate", std::move(v));
  return r;
}

}  // namespace

std::vector<std::string> challenges(const auth_stage_config& cfg, const challenge_params& p) {
  auto params = [&](bool with_error) {
    std::string s = "resource_metadata=\"" + cfg.resource_metadata + "\"";
    if (!p.scope.empty()) s.append(", scope=\"").append(p.scope).append("\"");
    if (with_error && !p.error.empty()) {
      s.append(", error=\"").append(p.error).append("\"");
      if (!p.description.empty()) s.append(", error_description=\"").append(p.description).append("\"");
    }
    return s;
  };
  std::vector<std::string> out;
  if (cfg.dpop != dpop_mode::required) out.push_back("Bearer " + params(!p.on_dpop || cfg.dpop == dpop_mode::off));
  if (cfg.dpop != dpop_mode::off)
    out.push_back("DPoP algs=\"ES256 RS256 PS256 EdDSA\", " + params(p.on_dpop || cfg.dpop == dpop_mode::required));
  return out;
}

authenticate_stage::authenticate_stage(auth::authenticator& a, const protocol::registry& reg, auth_stage_config cfg)
    : stage("authenticate", on_any, reasons()), authn_(a), reg_(reg), cfg_(std::move(cfg)) {}

std::optional<refusal> authenticate_stage::check(exchange& x) const {
  const auto& req = x.req;
  auth::credentials c;
  c.token_in_query = token_in_query(req.target());
  read_credentials(req, c);
  c.method = req.method_string();
  auto d = authn_.check(c, auth::wall_clock::now(), x.waited);
  switch (d.status) {
    case auth::auth_status::accepted: x.who = std::move(d.who); return std::nullopt;
    case auth::auth_status::anonymous: return std::nullopt;
    case auth::auth_status::need_keys: x.wait = [f = cfg_.refetch, i = d.issuer] { return f(i); }; return std::nullopt;
    case auth::auth_status::need_introspection:
      if (cfg_.introspect) {
        x.wait = [f = cfg_.introspect, t = std::string(d.token)] { return f(t); };
        return std::nullopt;
      }
      d.reason = "introspection_unavailable";
      d.description = "opaque tokens cannot be checked here";
      [[fallthrough]];
    case auth::auth_status::no_keys: {
      refusal r{refusal_kind::unavailable, d.reason, code::internal_error, std::string(d.description)};
      r.retry_after_s = 5;
      return r;
    }
    case auth::auth_status::refused: break;
  }
  auto hint = scope_hint(req);
  auto values = challenges(cfg_, {hint, d.error, d.description, d.dpop_scheme});
  const auto kind = d.error == "invalid_request" ? refusal_kind::bad_request : refusal_kind::unauthorized;
  std::string message = kind == refusal_kind::bad_request ? "Bad request: " : "Unauthorized: ";
  message += d.description;
  return auth_refusal(kind, d.reason, std::move(message), std::move(values));
}

std::string authenticate_stage::scope_hint(const http::request& req) const {
  auto method = header_value(req, headers::mcp_method);
  auto name = header_value(req, headers::mcp_name);
  if (!method || !name) return {};
  const std::vector<std::string>* scopes = nullptr;
  if (*method == "tools/call") {
    if (auto* t = reg_.find_tool(*name)) scopes = &t->access.scopes;
  } else if (*method == "prompts/get") {
    if (auto* p = reg_.find_prompt(*name)) scopes = &p->access.scopes;
  } else if (*method == "resources/read") {
    if (auto* r = reg_.find_resource(*name)) scopes = &r->access.scopes;
  }
  return scopes ? join(*scopes) : std::string();
}

const std::vector<std::string>* scopes_needed(const protocol::registry& reg, const jsonrpc::message& msg) {
  const auto* a = access_of(reg, msg);
  return a && !a->scopes.empty() ? &a->scopes : nullptr;
}

scope_stage::scope_stage(const protocol::registry& reg, auth_stage_config cfg)
    : stage("scopes", on_post, {"insufficient_scope", "token_required"}), reg_(reg), cfg_(std::move(cfg)) {}

std::optional<refusal> scope_stage::check(exchange& x) const {
  const auto* needed = scopes_needed(reg_, x.msg);
  if (!needed) return std::nullopt;
  const auto scope = join(*needed);
  if (!x.who)  // anonymous (auth.required false): a scoped offering still needs a token
    return auth_refusal(refusal_kind::unauthorized, "token_required",
                        "Unauthorized: this operation requires an access token with scope " + scope,
                        challenges(cfg_, {scope, "", "", false}));
  if (x.who->has_scopes(*needed)) return std::nullopt;
  // What to ask for: what the token holds plus what is missing, so a step-up keeps both.
  std::vector<std::string> ask = x.who->granted;
  std::string missing;
  for (const auto& s : *needed) {
    if (x.who->has_scope(s)) continue;
    ask.push_back(s);
    if (!missing.empty()) missing += ' ';
    missing += s;
  }
  const auto ask_text = join(ask);
  const std::string description = "requires scope " + missing;
  return auth_refusal(refusal_kind::forbidden, "insufficient_scope", "Forbidden: this operation " + description,
                      challenges(cfg_, {ask_text, "insufficient_scope", description, false}));
}

}  // namespace mcpx::transport
