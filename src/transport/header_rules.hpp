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

/// Checks a modern request. Every violation is answered with HTTP 400.
std::optional<rule_violation> check_modern_request(const http::request& req, const jsonrpc::message& msg,
                                                   const protocol::registry& reg);

/// The value of header `name` without surrounding whitespace, viewing into `req`; nullopt when absent.
std::optional<std::string_view> header_value(const http::request& req, std::string_view name);

/// Decodes a "=?base64?...?=" header value; plain values pass through. nullopt when invalid.
std::optional<std::string> decode_header_value(std::string_view v);

}  // namespace mcpx::transport
