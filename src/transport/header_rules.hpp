#pragma once
// 2026-07-28 request rules: _meta fields, and headers that must mirror the body
// (MCP-Protocol-Version, Mcp-Method, Mcp-Name, Mcp-Param-*), so intermediaries that route on
// headers and the server that executes the body agree.
#include <optional>
#include <string>

#include "http/types.hpp"
#include "jsonrpc/message.hpp"
#include "protocol/registry.hpp"

namespace mcpx::transport {

struct rule_violation {
  int code;
  std::string message;
  boost::json::value data = nullptr;
};

/// Checks a modern request. Every violation is answered with HTTP 400. `meta` is the
/// message's params._meta when that is an object (found once, by the decode stage).
std::optional<rule_violation> check_modern_request(const http::request& req, const jsonrpc::message& msg,
                                                   const boost::json::object* meta, const protocol::registry& reg);

/// A header's name with Beast's code for it (unknown for the Mcp-* names). A lookup of a name
/// Beast knows compares codes; one of a name it does not know looks only at the fields whose
/// code is unknown too. Most of a request's fields are known ones, and a request is looked up
/// about fourteen times (what was left of the lookups' cost was 3 % of a call's instructions).
struct header_name {
  explicit header_name(std::string_view name) : text(name), code(http::bhttp::string_to_field(name)) {}
  std::string_view text;
  http::bhttp::field code;
};

/// The names the transport reads, each made once.
namespace headers {
inline const header_name accept{"Accept"}, content_type{"Content-Type"}, host{"Host"}, origin{"Origin"},
    last_event_id{"Last-Event-ID"}, mcp_protocol_version{"MCP-Protocol-Version"}, mcp_method{"Mcp-Method"},
    mcp_name{"Mcp-Name"}, mcp_session_id{"Mcp-Session-Id"};
}  // namespace headers

/// The value of header `name` without surrounding whitespace, viewing into `req`; nullopt when absent.
std::optional<std::string_view> header_value(const http::request& req, const header_name& name);
/// The same for a name made at run time (Mcp-Param-*).
inline std::optional<std::string_view> header_value(const http::request& req, std::string_view name) {
  return header_value(req, header_name(name));
}

/// Decodes a "=?base64?...?=" header value; plain values pass through. nullopt when invalid.
std::optional<std::string> decode_header_value(std::string_view v);

}  // namespace mcpx::transport
