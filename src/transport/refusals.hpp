#pragma once
// The HTTP layer's refusals worded for MCP clients: a JSON-RPC error with a null id (no
// message was read). The core hands refusal_reply to http::server_config::refusal_reply.
#include "http/types.hpp"

namespace mcpx::transport {

/// The body and content type of a refusal's reply; the HTTP layer sets the status and closes.
http::response refusal_reply(http::refusal why, const http::limits& lim);

}  // namespace mcpx::transport
