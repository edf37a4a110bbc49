#pragma once
// 2026-07-28 request rules: _meta fields, and headers that must mirror the body
// (MCP-Protocol-Version, Mcp-Method, Mcp-Name, Mcp-Param-*), so intermediaries that route on
// headers and the server that executes the body agree.
#include <array>
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

/// A header's name with Beast's code for it (unknown for the Mcp-* names). A lookup of a name
/// Beast knows compares codes; one of a name it does not know looks only at the fields whose
/// code is unknown too. Most of a request's fields are known ones.
struct header_name {
  explicit header_name(std::string_view name, int slot = -1)
      : text(name), code(http::bhttp::string_to_field(name)), slot(slot) {}
  std::string_view text;
  http::bhttp::field code;
  int slot;  ///< its place in a field_index; -1 for a name no index holds (Mcp-Param-*)
};

/// The names the transport reads, each made once, each with its place in a field_index.
namespace headers {
inline const header_name accept{"Accept", 0}, content_type{"Content-Type", 1}, host{"Host", 2}, origin{"Origin", 3},
    last_event_id{"Last-Event-ID", 4}, mcp_protocol_version{"MCP-Protocol-Version", 5}, mcp_method{"Mcp-Method", 6},
    mcp_name{"Mcp-Name", 7}, mcp_session_id{"Mcp-Session-Id", 8};
/// Every name above, in the order of their places.
inline const header_name* const all[] = {&accept,     &content_type,  &host,
                                         &origin,     &last_event_id, &mcp_protocol_version,
                                         &mcp_method, &mcp_name,      &mcp_session_id};
}  // namespace headers

/// The values of a request's fields named in headers::, found in one walk of its field list at
/// the first lookup. A request is looked up about ten times, and a walk per lookup was 2 % of
/// a call's instructions. The request's fields must not change once it is built.
class field_index {
 public:
  /// As header_value(req, name); `req` must be the same request at every call.
  std::optional<std::string_view> find(const http::request& req, const header_name& name);

 private:
  static constexpr std::size_t slots = std::size(headers::all);
  void build(const http::request& req);
  bool built_ = false;
  std::array<bool, slots> present_{};
  std::array<std::string_view, slots> value_{};
};

/// The members of a request's params._meta that the transport reads, found in one pass over
/// it: eight lookups by name, each a scan comparing keys of about 40 bytes, cost more than the
/// pass. Null where absent.
struct meta_members {
  const boost::json::value* protocol_version = nullptr;     ///< io.modelcontextprotocol/protocolVersion
  const boost::json::value* client_capabilities = nullptr;  ///< io.modelcontextprotocol/clientCapabilities
  const boost::json::value* client_info = nullptr;          ///< io.modelcontextprotocol/clientInfo
  const boost::json::value* log_level = nullptr;            ///< io.modelcontextprotocol/logLevel
  const boost::json::value* traceparent = nullptr;          ///< traceparent
  /// The members of `meta` (none when null). An object holds each key once.
  static meta_members of(const boost::json::object* meta) noexcept;
};

/// Checks a modern request. Every violation is answered with HTTP 400. `meta`: the members of
/// the message's params._meta, found once, by the decode stage. `tool`, when given, gets a
/// tools/call's tool as found by its params.name (null when unknown).
std::optional<rule_violation> check_modern_request(const http::request& req, field_index& fields,
                                                   const jsonrpc::message& msg, const meta_members& meta,
                                                   const protocol::registry& reg,
                                                   const protocol::tool_def** tool = nullptr);

/// The value of header `name` without surrounding whitespace, viewing into `req`; nullopt when
/// absent, the first when repeated.
std::optional<std::string_view> header_value(const http::request& req, const header_name& name);
/// The same for a name made at run time (Mcp-Param-*).
inline std::optional<std::string_view> header_value(const http::request& req, std::string_view name) {
  return header_value(req, header_name(name));
}

/// Decodes a "=?base64?...?=" header value; plain values pass through. nullopt when invalid.
std::optional<std::string> decode_header_value(std::string_view v);

}  // namespace mcpx::transport
