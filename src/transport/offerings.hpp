#pragma once
// Which registered offering a decoded request names, and what it asks of a caller: shared by
// the stages that act on it before dispatch (scopes, rate limits).
#include <string_view>

#include "jsonrpc/message.hpp"
#include "mcpx/access.hpp"
#include "protocol/registry.hpp"

namespace mcpx::transport {

/// The access policy of the offering a tools/call, resources/read or /subscribe, or prompts/get
/// names; null for other messages and for names nothing is registered under (the dispatcher
/// answers those). `name`: set to the tool's registered name for tools/call.
const access_policy* access_of(const protocol::registry& reg, const jsonrpc::message& msg,
                               std::string_view* name = nullptr);

}  // namespace mcpx::transport
