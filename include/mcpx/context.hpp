#pragma once
/// @file The request context a handler receives. One per request; used only from the
/// thread running that handler (a worker, or the I/O thread for execution::io_thread tools);
/// it is not thread-safe and must not be kept.
#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mcpx/access.hpp"
#include "mcpx/cancellation.hpp"

namespace mcpx {

namespace json = boost::json;

enum class log_level { debug, info, notice, warning, error, critical, alert, emergency };
std::string_view to_string(log_level l) noexcept;
std::optional<log_level> parse_log_level(std::string_view s) noexcept;

/// Something the server needs from the client before it can finish: an elicitation,
/// a sampling call, or the client's roots.
struct input_request {
  std::string method;  ///< "elicitation/create", "sampling/createMessage" or "roots/list"
  json::object params;
  static input_request elicit(json::object params) { return {"elicitation/create", std::move(params)}; }
  static input_request sample(json::object params) { return {"sampling/createMessage", std::move(params)}; }
  static input_request list_roots() { return {"roots/list", {}}; }
};

class context {
 public:
  virtual ~context() = default;

  // Who is asking.
  virtual const json::value& request_id() const noexcept = 0;
  virtual std::string_view protocol_version() const noexcept = 0;
  virtual const json::object& client_capabilities() const noexcept = 0;
  virtual const json::object& client_info() const noexcept = 0;
  /// Empty for stateless (2026-07-28) requests.
  virtual std::string_view session_id() const noexcept = 0;
  /// The request's `_meta` (progress token, trace context, ...).
  virtual const json::object& meta() const noexcept = 0;
  /// The authenticated caller (subject, client, scopes, tier); null when the server runs
  /// without authentication.
  virtual const principal* caller() const noexcept = 0;

  // Request-scoped notifications. They travel on this request's own response stream.
  /// Sent only when the client asked for this level or more severe.
  virtual void log(log_level level, json::value data, std::string_view logger = {}) = 0;
  /// Sent only when the request carried a progress token.
  virtual void progress(double progress, std::optional<double> total = std::nullopt, std::string_view message = {}) = 0;
  /// True once this call should stop: the client gave up on it (cancelled it or closed its
  /// stream), its deadline passed (the caller was answered TIMEOUT), or its task was cancelled.
  virtual bool cancelled() const noexcept = 0;
  /// The same, as something to wait on and hook into: wait on it instead of sleeping
  /// (`if (ctx.cancellation().wait_for(2s)) return ...;`), register a callback that aborts a
  /// blocking upstream call, or read the time left (deadline(), remaining()). A tool on the
  /// worker pool has a deadline (tool_builder::timeout); one on the I/O thread, or a call that
  /// became a task, has none (a task stops on tasks/cancel or expiry).
  /// A handler that ignores cancellation keeps its worker thread until it returns, and what it
  /// returns then is discarded: the caller was answered already.
  virtual const cancellation_token& cancellation() const noexcept = 0;

  /// Asks the client for input and returns its answers, keyed as asked.
  /// How the question travels depends on the client's protocol revision: on 2026-07-28
  /// the request ends with an `input_required` result and the handler is run again when
  /// the client retries with the answers (so code before this call must be safe to repeat);
  /// on earlier revisions the server sends requests on the response stream and waits.
  /// Throws a protocol error when the client did not declare the needed capability.
  virtual std::map<std::string, json::value> input(std::vector<std::pair<std::string, input_request>> requests) = 0;

  json::value input(std::string key, input_request req) {
    std::vector<std::pair<std::string, input_request>> v;
    v.emplace_back(key, std::move(req));
    auto m = input(std::move(v));
    return std::move(m[key]);
  }
  /// Returns the ElicitResult ({action, content?}).
  json::value elicit(json::object params) { return input(next_key(), input_request::elicit(std::move(params))); }
  /// Returns the CreateMessageResult.
  json::value sample(json::object params) { return input(next_key(), input_request::sample(std::move(params))); }
  /// Returns the ListRootsResult.
  json::value list_roots() { return input(next_key(), input_request::list_roots()); }

  /// For tools declared with task_mode::optional or required: turns this call into a task now
  /// (the client gets a CreateTaskResult and polls) and returns true. Returns false, and
  /// nothing changes, when the tool or the client does not support tasks. Input asked for
  /// after this travels through tasks/get and tasks/update.
  virtual bool run_as_task() = 0;

  /// For long calls from 2025-11-25 clients: closes this response's stream now so no
  /// connection is held; the client reconnects after `retry` and receives the rest (SSE polling).
  /// Returns false, and nothing changes, for other clients.
  virtual bool release_connection(std::chrono::milliseconds retry = std::chrono::milliseconds(500)) = 0;

  /// Handler state that survives the rounds of a multi round-trip request (signed, and
  /// carried by the client on 2026-07-28; kept in memory on earlier revisions).
  virtual json::value& state() = 0;

 protected:
  virtual std::string next_key() = 0;
};

}  // namespace mcpx
