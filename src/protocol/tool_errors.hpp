#pragma once
// Tool results for failures: classified so an LLM can self-correct, retry or give up.
#include <string>

#include <functional>

#include "mcpx/content.hpp"
#include "mcpx/errors.hpp"

namespace mcpx::protocol {

/// {content:[text], isError:true, structuredContent:{error:{type, code, message, recoverable, retry_after?}}}
json::object error_result(error_class cls, std::string_view code, std::string_view message, bool recoverable,
                          std::optional<int> retry_after = std::nullopt);
json::object client_error_result(std::string_view code, std::string_view message);
json::object tool_error_result(const tool_error& e);
/// An exception the handler did not classify: SERVER_ERROR with a correlation id; the
/// original message goes to the log, not to the client.
/// Where an unexpected tool failure is reported for operators (the server's log): the tool,
/// what went wrong (never shown to the client) and the correlation id both carry.
using failure_reporter =
    std::function<void(std::string_view tool, std::string_view what, std::string_view correlation_id)>;

/// A SERVER_ERROR result for an unexpected failure: a sanitized message with a correlation id.
json::object unexpected_error_result(std::string_view tool, std::string_view what, const failure_reporter& report);
/// The CallToolResult, built in `sp` (the handler's JSON is copied there).
json::object encode_tool_result(tool_result&& r, const json::storage_ptr& sp = {});

}  // namespace mcpx::protocol
