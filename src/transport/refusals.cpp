#include "transport/refusals.hpp"

#include "jsonrpc/message.hpp"

namespace mcpx::transport {

namespace {

struct rpc_error {
  int code;
  std::string message;
  bool busy = false;  ///< a 503: waiting helps
};

// The messages clients have always seen for the refusals that existed before the hook.
rpc_error rpc_error_of(http::refusal why, const http::limits& lim) {
  using code = jsonrpc::code;
  auto limit = [](std::string_view what, std::size_t n) {
    return std::string(what) + " too large: limit is " + std::to_string(n) + " bytes";
  };
  switch (why) {
    case http::refusal::malformed: return {code::invalid_request, "Malformed HTTP request"};
    case http::refusal::header_too_large: return {code::invalid_request, limit("Request headers", lim.header_limit)};
    case http::refusal::body_too_large: return {code::invalid_request, limit("Request body", lim.body_limit)};
    case http::refusal::too_many_connections:
      return {code::internal_error, "Server busy: too many connections; retry later", true};
    case http::refusal::out_of_descriptors: return {code::internal_error, "Server busy; retry later", true};
    case http::refusal::bad_framing:
      return {code::invalid_request, "Malformed HTTP request: ambiguous message framing (Transfer-Encoding)"};
    case http::refusal::bad_host:
      return {code::invalid_request, "Malformed HTTP request: exactly one Host header is required"};
    case http::refusal::too_many_connections_from_address:
      return {code::internal_error, "Server busy: too many connections from this address; retry later", true};
    case http::refusal::internal_error:
    case http::refusal::none: break;
  }
  return {code::internal_error, "Internal error"};
}

}  // namespace

http::response refusal_reply(http::refusal why, const http::limits& lim) {
  const auto err = rpc_error_of(why, lim);
  http::response res;
  res.set(http::bhttp::field::content_type, "application/json");
  boost::json::value data;
  if (err.busy) {
    // Classified like every recoverable error (docs/errors.md), with when to come back. The
    // reply is formatted once at start: this costs a turned-away connection nothing.
    constexpr int retry_s = 1;
    res.set(http::bhttp::field::retry_after, std::to_string(retry_s));
    data = boost::json::object{{"type", "SERVER_ERROR"},
                               {"code", "SERVER_BUSY"},
                               {"recoverable", true},
                               {"retry_after", retry_s}};
  }
  res.body() = jsonrpc::encode_error(nullptr, err.code, err.message, data);  // Boost.JSON escapes it
  return res;
}

}  // namespace mcpx::transport
