#pragma once
// JSON-RPC 2.0 message decoding and encoding. Knows nothing of MCP or HTTP.
#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace mcpx::jsonrpc {

namespace json = boost::json;

/// Standard JSON-RPC codes and the MCP-reserved ones (2026-07-28 numbering).
struct code {
  static constexpr int parse_error = -32700;
  static constexpr int invalid_request = -32600;
  static constexpr int method_not_found = -32601;
  static constexpr int invalid_params = -32602;
  static constexpr int internal_error = -32603;
  static constexpr int legacy_resource_not_found = -32002;  // 2025-11-25 and earlier
  static constexpr int legacy_url_elicitation_required = -32042;
  static constexpr int header_mismatch = -32020;
  static constexpr int missing_required_client_capability = -32021;
  static constexpr int unsupported_protocol_version = -32022;
};

enum class kind { request, notification, response, error_response };

/// A decoded message. `id` is null for notifications; for requests it is a string or integer.
/// Its JSON lives in the storage given at construction (parse() decodes into it).
struct message {
  message() = default;
  explicit message(json::storage_ptr sp) : id(sp), params(sp), result(sp), error(sp) {}
  const json::storage_ptr& storage() const noexcept { return params.storage(); }

  kind type = kind::request;
  json::value id;  ///< request id (string or int64), null when absent
  std::string method;
  json::value params;  ///< object or null
  json::value result;  ///< for responses
  json::value error;   ///< for error responses
};

struct decode_error {
  int code = code::invalid_request;
  std::string message;
  json::value id;  ///< the id when it could be read, else null
};

/// Validates the JSON-RPC envelope of one already-parsed value.
/// Rejects batches (arrays), a missing/incorrect "jsonrpc", null or fractional ids,
/// non-object params. Never throws.
std::optional<decode_error> decode(json::value&& v, message& out);

/// Parses `text` as JSON (bounded depth) into `out.storage()`, then decodes it. Parse failures
/// give -32700, and so does a number beyond the range of a double (it would read as an
/// infinity, which JSON cannot carry back out); that error has the id when it could be read.
std::optional<decode_error> parse(std::string_view text, message& out);

/// `v` as JSON text, like json::serialize, but into one buffer sized from a walk of `v` first:
/// json::serialize grows its string by doubling (and zero-filling) from 4 KB, which for a 1 MB
/// result is eight allocations and several megabytes copied. `spare`: room kept after the
/// text, for what the caller appends (no second allocation then).
std::string to_text(const json::value& v, std::size_t spare = 0);

/// {"jsonrpc":"2.0","id":..,"result":..}
std::string encode_result(const json::value& id, const json::value& result);
/// {"jsonrpc":"2.0","id":..,"error":{"code":..,"message":..,"data":..}}; data omitted when null.
std::string encode_error(const json::value& id, int code, std::string_view message, const json::value& data = nullptr);
json::object make_error(const json::value& id, int code, std::string_view message, const json::value& data = nullptr);
/// {"jsonrpc":"2.0","method":..,"params":..}
std::string encode_notification(std::string_view method, const json::value& params);
/// {"jsonrpc":"2.0","id":..,"method":..,"params":..}
std::string encode_request(const json::value& id, std::string_view method, const json::value& params);

}  // namespace mcpx::jsonrpc
