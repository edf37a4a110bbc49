#pragma once
// Tool results for failures: classified so an LLM can self-correct, retry or give up.
#include <chrono>
#include <functional>
#include <string>

#include "mcpx/content.hpp"
#include "mcpx/errors.hpp"

namespace mcpx::protocol {

/// {content:[text], isError:true, structuredContent:{error:{type, code, message, recoverable, retry_after?}}}
/// The text is one sentence: the message, then when it may be retried if retry_after is set.
json::object error_result(error_class cls, std::string_view code, std::string_view message, bool recoverable,
                          std::optional<int> retry_after = std::nullopt);
/// The text block of error_result(): `message` as one sentence ("...; it may be retried after N s.").
std::string error_text(std::string_view message, std::optional<int> retry_after);
json::object client_error_result(std::string_view code, std::string_view message);
json::object tool_error_result(const tool_error& e);

/// When a caller may retry a call that timed out: soon, since a handler that waits on its
/// cancellation frees its worker at once (docs/errors.md).
inline constexpr int timeout_retry_after_s = 5;
/// A call of `tool` that did not finish within `limit`: SERVER_ERROR, TIMEOUT, recoverable.
json::object timeout_error_result(std::string_view tool, std::chrono::milliseconds limit);
/// An exception the handler did not classify: SERVER_ERROR with a correlation id; the
/// original message goes to the log, not to the client.
/// Where an unexpected tool failure is reported for operators (the server's log): the tool,
/// what went wrong (never shown to the client) and the correlation id both carry.
using failure_reporter =
    std::function<void(std::string_view tool, std::string_view what, std::string_view correlation_id)>;

/// A SERVER_ERROR result for an unexpected failure: a sanitized message with a correlation id.
json::object unexpected_error_result(std::string_view tool, std::string_view what, const failure_reporter& report);
/// The CallToolResult, built in the storage of the handler's content (the heap, unless the
/// handler chose another), so the handler's JSON moves in and is never copied. Copying it into
/// the request's or the worker's arena cost more than the two allocations it saved, for a
/// one-line text as for a megabyte (docs/performance.md, session 20).
json::object encode_tool_result(tool_result&& r);

}  // namespace mcpx::protocol
