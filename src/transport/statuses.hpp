#pragma once
// The one table that turns what happened to a request into an HTTP status, per revision.
// The protocol reports outcomes; stages report refusals; only this file knows the numbers.
#include "protocol/dispatcher.hpp"
#include "protocol/revision.hpp"

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

}  // namespace mcpx::transport
