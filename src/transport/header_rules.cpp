#include "transport/header_rules.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>

#include "protocol/revision.hpp"
#include "util/base64.hpp"

namespace mcpx::transport {

namespace json = boost::json;
using code = jsonrpc::code;

namespace {

rule_violation mismatch(std::string m) { return {code::header_mismatch, "Header mismatch: " + std::move(m)}; }

bool header_safe(std::string_view v) {
  for (unsigned char c : v)
    if (!(c == '\t' || (c >= 0x20 && c < 0x7f))) return false;
  return true;
}

const json::value* value_at(const json::value& root, const std::vector<std::string>& path) {
  const json::value* v = &root;
  for (auto& k : path) {
    if (!v->is_object()) return nullptr;
    v = v->get_object().if_contains(k);
    if (!v) return nullptr;
  }
  return v;
}

// Compares a decoded header value with the body value it mirrors; integers numerically.
bool same_value(const std::string& h, const json::value& body) {
  if (body.is_string()) return h == body.get_string();
  if (body.is_bool()) return h == (body.get_bool() ? "true" : "false");
  if (body.is_number()) {
    char* end = nullptr;
    double d = std::strtod(h.c_str(), &end);
    if (h.empty() || end != h.c_str() + h.size()) return false;
    return d == body.to_number<double>();
  }
  return false;
}

std::optional<rule_violation> check_param_headers(const http::request& req, const json::object& p,
                                                  const json::value* name, const protocol::registry& reg,
                                                  const protocol::tool_def** found) {
  if (!name || !name->is_string()) return std::nullopt;
  const auto* tool = reg.find_tool(name->get_string());
  if (found) *found = tool;
  if (!tool || tool->header_params.empty()) return std::nullopt;
  static const json::value empty = json::object{};
  const json::value* args = p.if_contains("arguments");
  if (!args) args = &empty;
  for (auto& hp : tool->header_params) {
    const json::value* v = value_at(*args, hp.path);
    auto h = header_value(req, "Mcp-Param-" + hp.name);
    if (!v || v->is_null()) {
      if (h) return mismatch("Mcp-Param-" + hp.name + " header sent but the argument is absent");
      continue;
    }
    if (!h) return mismatch("missing Mcp-Param-" + hp.name + " header for argument '" + hp.path.back() + "'");
    auto decoded = decode_header_value(*h);
    if (!decoded) return mismatch("Mcp-Param-" + hp.name + " header has an invalid encoding");
    if (!same_value(*decoded, *v))
      return mismatch("Mcp-Param-" + hp.name + " header does not match argument '" + hp.path.back() + "'");
  }
  return std::nullopt;
}

}  // namespace

namespace {

std::string_view without_ows(std::string_view v) {
  // Optional whitespace around a field value is not part of it (RFC 9110 5.5).
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

}  // namespace

namespace {

// `name` (a field name: a token) equals `known` (letters and '-' only) ignoring case, eight
// bytes at a time: in a token, setting the 0x20 bit changes only upper-case letters (and CR,
// which no token holds, into '-'). Beast's iequals goes a byte at a time through a table.
bool same_name(std::string_view name, std::string_view known) noexcept {
  if (name.size() != known.size()) return false;
  std::size_t i = 0;
  constexpr std::uint64_t lower = 0x2020202020202020ull;
  for (; i + 8 <= name.size(); i += 8) {
    std::uint64_t a, b;
    std::memcpy(&a, name.data() + i, 8);
    std::memcpy(&b, known.data() + i, 8);
    if ((a | lower) != (b | lower)) return false;
  }
  for (; i < name.size(); ++i)
    if ((name[i] | 0x20) != (known[i] | 0x20)) return false;
  return true;
}

// The index's place for a field: by Beast's code for the names it knows, by length and then
// text for the Mcp-* ones (one comparison each, not one per name the index holds).
int place_of(const http::request::value_type& f) {
  using http::bhttp::field;
  switch (f.name()) {
    case field::accept: return headers::accept.slot;
    case field::content_type: return headers::content_type.slot;
    case field::host: return headers::host.slot;
    case field::origin: return headers::origin.slot;
    case field::unknown: break;
    default: return -1;
  }
  const auto n = f.name_string();
  const header_name* h = n.size() == headers::mcp_name.text.size()               ? &headers::mcp_name
                         : n.size() == headers::mcp_method.text.size()           ? &headers::mcp_method
                         : n.size() == headers::mcp_session_id.text.size()       ? &headers::mcp_session_id
                         : n.size() == headers::mcp_protocol_version.text.size() ? &headers::mcp_protocol_version
                         : n.size() == headers::last_event_id.text.size()        ? &headers::last_event_id
                                                                                 : nullptr;
  return h && h->code == field::unknown && same_name(n, h->text) ? h->slot : -1;
}

}  // namespace

void field_index::build(const http::request& req) {
  built_ = true;
  for (const auto& f : req) {
    const int at = place_of(f);
    if (at < 0 || present_[at]) continue;  // the first of a repeated field, as header_value
    present_[at] = true;
    value_[at] = without_ows(f.value());
  }
}

std::optional<std::string_view> field_index::find(const http::request& req, const header_name& name) {
  if (name.slot < 0) return header_value(req, name);
  if (!built_) build(req);
  if (!present_[name.slot]) return std::nullopt;
  return value_[name.slot];
}

std::optional<std::string_view> header_value(const http::request& req, const header_name& name) {
  // A scan, not Beast's find, which walks a tree comparing case-insensitively at every node
  // (6.7 % of a session call's instructions once).
  auto it = req.begin();
  if (name.code != http::bhttp::field::unknown) {
    while (it != req.end() && it->name() != name.code) ++it;
  } else {
    for (; it != req.end(); ++it) {
      if (it->name() != http::bhttp::field::unknown) continue;
      auto n = it->name_string();
      if (n.size() == name.text.size() && boost::beast::iequals(n, name.text)) break;
    }
  }
  if (it == req.end()) return std::nullopt;
  return without_ows(it->value());
}

std::optional<std::string> decode_header_value(std::string_view v) {
  if (!header_safe(v)) return std::nullopt;
  constexpr std::string_view pre = "=?base64?", post = "?=";
  if (v.size() >= pre.size() + post.size() && v.substr(0, pre.size()) == pre &&
      v.substr(v.size() - post.size()) == post)
    return util::base64_decode(v.substr(pre.size(), v.size() - pre.size() - post.size()));
  return std::string(v);
}

meta_members meta_members::of(const json::object* meta) noexcept {
  meta_members m;
  if (!meta) return m;
  constexpr std::string_view prefix = "io.modelcontextprotocol/";
  for (const auto& kv : *meta) {
    const std::string_view k = kv.key();
    if (k == "traceparent") {
      m.traceparent = &kv.value();
      continue;
    }
    if (!k.starts_with(prefix)) continue;
    const std::string_view name = k.substr(prefix.size());
    if (name == "protocolVersion") m.protocol_version = &kv.value();
    else if (name == "clientCapabilities") m.client_capabilities = &kv.value();
    else if (name == "clientInfo") m.client_info = &kv.value();
    else if (name == "logLevel") m.log_level = &kv.value();
  }
  return m;
}

std::optional<rule_violation> check_modern_request(const http::request& req, field_index& fields,
                                                   const jsonrpc::message& msg, const meta_members& meta,
                                                   const protocol::registry& reg, const protocol::tool_def** tool) {
  // Order matters: malformed _meta first (-32602), then header agreement (-32020), then
  // whether we speak the version at all (-32022).
  auto* pv = meta.protocol_version;
  auto* caps = meta.client_capabilities;
  if (!pv || !pv->is_string())
    return rule_violation{code::invalid_params,
                          "Invalid params: _meta[\"io.modelcontextprotocol/protocolVersion\"] is required"};
  if (!caps || !caps->is_object())
    return rule_violation{code::invalid_params,
                          "Invalid params: _meta[\"io.modelcontextprotocol/clientCapabilities\"] is required (an "
                          "object)"};
  auto version_h = fields.find(req, headers::mcp_protocol_version);
  if (!version_h) return mismatch("missing MCP-Protocol-Version header");
  if (*version_h != pv->get_string())
    return mismatch("MCP-Protocol-Version header '" + std::string(*version_h) +
                    "' does not match _meta protocolVersion '" + std::string(pv->get_string()) + "'");
  auto method_h = fields.find(req, headers::mcp_method);
  if (!method_h) return mismatch("missing Mcp-Method header");
  if (*method_h != msg.method)
    return mismatch("Mcp-Method header '" + std::string(*method_h) + "' does not match method '" + msg.method + "'");
  std::string_view name_key = msg.method == "tools/call" || msg.method == "prompts/get" ? "name"
                              : msg.method == "resources/read"                          ? "uri"
                              : msg.method == "tasks/get" || msg.method == "tasks/update" ||
                                      msg.method == "tasks/cancel"
                                  ? "taskId"
                                  : "";
  const json::value* body_name = nullptr;
  if (!name_key.empty()) {
    body_name = msg.params.is_object() ? msg.params.get_object().if_contains(name_key) : nullptr;
    auto name_h = fields.find(req, headers::mcp_name);
    if (!name_h) return mismatch("missing Mcp-Name header");
    if (!header_safe(*name_h)) return mismatch("Mcp-Name header has an invalid encoding");
    // A plain name compares as it is; only a base64 sentinel needs decoding (and a copy).
    std::optional<std::string> decoded;
    if (name_h->starts_with("=?base64?")) {
      decoded = decode_header_value(*name_h);
      if (!decoded) return mismatch("Mcp-Name header has an invalid encoding");
    }
    std::string_view name = decoded ? std::string_view(*decoded) : *name_h;
    if (!body_name || !body_name->is_string() || name != std::string_view(body_name->get_string()))
      return mismatch("Mcp-Name header does not match params." + std::string(name_key));
  }
  if (msg.method == "tools/call" && msg.params.is_object())  // body_name: its params.name
    if (auto v = check_param_headers(req, msg.params.get_object(), body_name, reg, tool)) return v;
  auto rev = protocol::parse_revision(pv->get_string());
  if (!rev || !protocol::is_modern(*rev))
    return rule_violation{code::unsupported_protocol_version,
                          "Unsupported protocol version '" + std::string(pv->get_string()) +
                              "': this request format needs 2026-07-28 (2025-xx clients: send initialize)",
                          json::object{{"supported", json::array{protocol::latest_modern}},
                                       {"requested", pv->get_string()}}};
  return std::nullopt;
}

}  // namespace mcpx::transport
