#pragma once
// The one table that turns what happened to a request into an HTTP status, per revision.
// The protocol reports outcomes; stages report refusals; only this file knows the numbers.
#include "protocol/dispatcher.hpp"
#include "protocol/revision.hpp"
#include "transport/stage.hpp"

namespace mcpx::transport {

/// The status of a JSON-RPC answer. 2026-07-28 tells intermediaries what happened through the
/// status; 2025-xx clients expect 200 for every JSON-RPC answer, errors included.
inline unsigned status_for(protocol::outcome_kind k, protocol::revision rev) noexcept {
  using protocol::outcome_kind;
  if (k == outcome_kind::accepted) return 202;
  if (!protocol::is_modern(rev)) return 200;
  switch (k) {
    case outcome_kind::invalid: return 400;
    case outcome_kind::not_found: return 404;
    case outcome_kind::ok:
    case outcome_kind::failed:
    case outcome_kind::accepted: break;
  }
  return 200;
}

/// The status of a refusal, whatever the revision: the request never reached the protocol.
inline unsigned status_for(refusal_kind k) noexcept {
  switch (k) {
    case refusal_kind::bad_request: return 400;
    case refusal_kind::unauthorized: return 401;
    case refusal_kind::forbidden: return 403;
    case refusal_kind::not_found: return 404;
    case refusal_kind::method_not_allowed: return 405;
    case refusal_kind::not_acceptable: return 406;
    case refusal_kind::conflict: return 409;
    case refusal_kind::unsupported_media_type: return 415;
    case refusal_kind::too_many_requests: return 429;
    case refusal_kind::too_many_requests_in_rpc: return 200;
    case refusal_kind::unavailable: return 503;
  }
  return 500;
}

/// The error class a refusal means to a client: its own fault, or ours (try again later).
inline std::string_view error_class_of(refusal_kind k) noexcept {
  return k == refusal_kind::unavailable ? "SERVER_ERROR" : "CLIENT_ERROR";
}

/// The reply to a refusal: its status, a JSON-RPC error body with the request's id when one
/// was read, Retry-After and any headers the stage asked for; the access log learns its class.
/// `log` overrides the exchange's record (for a refusal after the exchange is gone).
http::reply refusal_reply(const refusal& r, const exchange* x = nullptr, ops::access_record* log = nullptr);

}  // namespace mcpx::transport
