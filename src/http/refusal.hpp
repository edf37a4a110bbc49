#pragma once
// Refusals: what the HTTP layer answers instead of the handler, in one table (refusal.cpp).
#include <optional>
#include <string>

#include "http/server.hpp"

namespace mcpx::http {

/// The refusal a failed read means, or nullopt for endings that get no answer (the end of
/// the stream, a timeout, a reset).
std::optional<refusal> refusal_of(const boost::system::error_code& ec) noexcept;

/// The reply to a refusal: the upper layer's body and headers (server_config::refusal_reply),
/// else a short text, with the refusal's status and the connection closing.
response refusal_response(refusal why, const server_config& cfg);

/// The same reply as the bytes on the wire: made once, sent as is by refusals at accept.
std::string refusal_wire(refusal why, const server_config& cfg);

/// The kind of a failed accept.
accept_error accept_error_of(const boost::system::error_code& ec) noexcept;

}  // namespace mcpx::http
