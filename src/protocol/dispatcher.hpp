#pragma once
// MCP methods over decoded JSON-RPC messages. Synchronous and transport-free: the
// transport decides which thread runs what (runs_user_code() calls go to the worker pool).
#include <chrono>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "jsonrpc/message.hpp"
#include "mcpx/context.hpp"
#include "mcpx/server_info.hpp"
#include "protocol/registry.hpp"
#include "protocol/request_state.hpp"
#include "protocol/revision.hpp"
#include "protocol/tasks.hpp"
#include "protocol/tool_errors.hpp"

namespace mcpx::protocol {

/// What happened to a request. The transport decides what that means on the wire (HTTP
/// status codes, per revision): the protocol knows nothing of HTTP.
enum class outcome_kind {
  ok,         ///< a result (also input_required, and a call that became a task)
  accepted,   ///< a notification or a client's response: nothing to answer
  invalid,    ///< the client's request is wrong: params, unknown name, capability, requestState
  not_found,  ///< no such method
  failed,     ///< our own failure (internal error)
};
/// The kind a JSON-RPC error code stands for.
outcome_kind kind_of_error(int code) noexcept;

/// The protocol's own settings, read once at start.
struct dispatcher_config {
  std::size_t page_size = 0;  ///< items per page of the list methods; 0: all in one page
  /// The list methods show only what the caller's scopes allow (auth.list_filtering).
  bool filter_lists = false;
  std::chrono::milliseconds list_ttl{60'000};  ///< cache hint on list results (2026-07-28)
  std::string state_secret;                    ///< signs requestState; empty: random per process
  std::chrono::seconds request_state_ttl{600};
  std::chrono::milliseconds task_ttl{600'000};
  std::chrono::milliseconds task_poll_interval{500};
  /// How long a handler waits for a legacy client's answer to sampling/elicitation.
  std::chrono::milliseconds client_request_timeout{60'000};
  /// Unexpected tool failures, for the server's log (null: not reported).
  failure_reporter report_failure;
};

/// How a request's side messages reach the client. Implemented by the transport; thread-safe.
class outbound {
 public:
  virtual ~outbound() = default;
  /// A request-scoped notification (progress, log message).
  virtual void notify(json::object notification) = 0;
  /// Legacy revisions only: sends a request to the client and waits for its answer.
  /// Returns the result, or nullopt with `*error` set (timeout, cancelled, client error).
  virtual std::optional<json::value> call_client(std::string_view method, json::object params, std::string* error) = 0;
  virtual bool cancelled() const noexcept = 0;
  /// The call's cancellation, which the transport cancels when the client goes away or the
  /// deadline passes; null when nothing can cancel it (context::cancellation() then gives a
  /// token that never is).
  virtual mcpx::cancellation_token* cancellation() noexcept { return nullptr; }
  /// Answers the request now, before the handler returns (a call that became a task).
  virtual void respond(const json::value& message, outcome_kind kind) = 0;
  /// 2025-11-25 SSE polling: ends the client's stream now; it reconnects with Last-Event-ID
  /// after `retry_ms` and gets the rest. False where that is not possible.
  virtual bool release_stream(unsigned retry_ms) = 0;
};

/// State a legacy session keeps between requests; the dispatcher updates it through this.
class session_hooks {
 public:
  virtual ~session_hooks() = default;
  virtual void set_log_level(log_level l) = 0;
  /// False when the session's subscription budget refuses it.
  virtual bool subscribe(const std::string& uri) = 0;
  virtual void unsubscribe(const std::string& uri) = 0;
};

/// A JSON object a call reads without owning a copy: a view into the request (its arena) or
/// into the live session, made with view_of(); after call::copy_to_heap, a heap copy it shares.
using object_ref = std::shared_ptr<const json::object>;
/// A non-owning reference (no count is kept): `o` must outlive every use of the call.
inline object_ref view_of(const json::object& o) noexcept { return object_ref(object_ref(), &o); }
const json::object& empty_object() noexcept;

/// One request, normalized whatever revision it came in. Its JSON lives in the storage of
/// its message: the connection's per-request arena on the I/O thread (see copy_to_heap()).
struct call {
  call() = default;
  // Moved, never copied: its views may point into its own params (copy_to_heap()), which keep
  // their addresses when moved; a copy would keep pointing into the original.
  call(call&&) = default;
  call& operator=(call&&) = default;
  call(const call&) = delete;
  call& operator=(const call&) = delete;
  /// Takes `m` with its storage; the objects below are built in the same one.
  explicit call(jsonrpc::message m) : msg(std::move(m)) {}
  /// Where responses the dispatcher makes itself are built: its message's storage (the
  /// request's arena on the I/O thread, the heap after copy_to_heap). A tool's result is
  /// not: the response is built around it where its handler made it (encode_tool_result).
  const json::storage_ptr& storage() const noexcept { return msg.storage(); }
  /// A deep copy on the heap, for a worker: it may outlive the request's arena (tasks,
  /// released streams, a client that hung up).
  call copy_to_heap() const;

  jsonrpc::message msg;
  revision rev = revision::v2026_07_28;
  // Views, not copies: copying them into every request cost ~4 % of a call's instructions.
  object_ref client_capabilities = view_of(empty_object());
  object_ref client_info = view_of(empty_object());
  std::optional<log_level> min_log_level;  ///< nullopt: send no log messages
  std::string session_id;
  object_ref meta = view_of(empty_object());  ///< params._meta
  principal_ptr who;                          ///< the authenticated caller; null without authentication
  session_hooks* session = nullptr;
  /// A tools/call's tool, once the transport has found it by params.name (registry entries
  /// never move); null: tool_of() and call_tool() look it up.
  const tool_def* tool = nullptr;
  std::shared_ptr<task_slot> task;  ///< set when this tools/call may become a task
  /// Runs on an I/O thread (see runs_on_io_thread): whatever would wait must fail instead.
  bool on_io_thread = false;
};

struct outcome {
  json::value message;  ///< the JSON-RPC response; null for an accepted notification
  outcome_kind kind = outcome_kind::ok;
  /// When set, the result as JSON text made once and shared (a list page that is the same for
  /// every caller): `message` is then the envelope without "result". serialize() joins them;
  /// materialize() puts the result into `message` for a path that needs the value.
  std::shared_ptr<const std::string> result_text = nullptr;
  /// When set, members that end the result object, as JSON text: the resultType and server
  /// _meta every 2026-07-28 result carries, the same for every call (dispatcher-owned, made
  /// once). serialize() writes them; materialize() adds them to `message`.
  std::string_view result_tail = {};
};

/// The outcome's JSON-RPC message as JSON text.
std::string serialize(const outcome& o);
/// Puts result_text and result_tail into `message`, for a path that takes the message as a
/// value (an answer after notifications, a task's stored result).
void materialize(outcome& o);

class dispatcher {
 public:
  /// Null `tasks` or `bus`: process-memory ones.
  dispatcher(const registry& reg, server_info info, dispatcher_config cfg,
             std::shared_ptr<state::task_store> tasks = nullptr, std::shared_ptr<state::message_bus> bus = nullptr);

  /// True for methods that run user handlers (must not run on an I/O thread).
  static bool runs_user_code(std::string_view method) noexcept;
  /// True when `c` may run on the I/O thread that read it: methods without user code, and
  /// tools/call of a tool registered with execution::io_thread.
  bool runs_on_io_thread(const call& c) const { return runs_on_io_thread(c, tool_of(c)); }
  /// The same, given tool_of(c).
  bool runs_on_io_thread(const call& c, const tool_def* tool) const;
  /// The tool a tools/call names; null for an unknown one or another method.
  const tool_def* tool_of(const call& c) const;
  /// The answer to a call of `tool` that ran past `limit`: a recoverable SERVER_ERROR result
  /// coded TIMEOUT, built on the heap, never in `c.storage()` (an arena on the I/O thread):
  /// its worker may still be running meanwhile, on another thread.
  outcome timed_out(const call& c, const tool_def& tool, std::chrono::milliseconds limit) const;
  outcome dispatch(call& c, outbound& out) const;

  /// The InitializeResult for a negotiated legacy version.
  json::object initialize_result(std::string_view version) const;
  json::object server_capabilities(bool modern) const;
  const server_info& info() const noexcept { return info_; }
  const dispatcher_config& config() const noexcept { return cfg_; }

  /// True when this call may become a task: a task-capable tool and a client with the extension.
  bool task_capable(const call& c) const { return task_capable(c, tool_of(c)); }
  /// The same, given tool_of(c).
  bool task_capable(const call& c, const tool_def* tool) const;
  /// Turns a running call into a task; returns the CreateTaskResult response, or nullopt when
  /// the call finished first.
  std::optional<json::object> detach(const call& c, task_slot& slot) const;
  void expire_tasks() const { tasks_->expire(); }
  void cancel_tasks() const { tasks_->cancel_all(); }

  /// Error outcome helpers shared with the transport.
  static outcome error(const json::value& id, int code, std::string_view message, json::value data = nullptr);

 private:
  outcome ok(const call& c, json::object result, bool cacheable = false) const;
  outcome list_tools(const call& c) const;
  outcome list_resources(const call& c) const;
  outcome list_templates(const call& c) const;
  outcome list_prompts(const call& c) const;
  outcome call_tool(call& c, outbound& out) const;
  outcome read_resource(call& c, outbound& out) const;
  outcome get_prompt(call& c, outbound& out) const;
  outcome complete(call& c) const;
  outcome discover(const call& c) const;
  outcome subscribe(call& c, bool on) const;
  outcome set_level(call& c) const;
  outcome task_method(call& c) const;
  /// The pages of one list, serialized once for each era, when no page depends on the caller.
  struct shared_pages {
    std::once_flag once;
    std::vector<std::shared_ptr<const std::string>> legacy, modern;  ///< by page; null: per caller
  };
  template <class V>
  outcome paginate(const call& c, const V& items, std::string_view key, shared_pages& pages) const;
  /// Items per page, 0 (no limit) read as the largest count.
  std::size_t page_limit() const noexcept {
    return cfg_.page_size ? cfg_.page_size : std::numeric_limits<std::size_t>::max();
  }
  template <class V>
  void share_pages(const V& items, std::string_view key, shared_pages& pages) const;
  /// A result as ok() sends it: for 2026-07-28 with resultType, _meta and (cacheable) ttlMs.
  json::object finish_result(json::object result, bool modern, bool cacheable, const json::storage_ptr& sp) const;

  const registry& reg_;
  server_info info_;
  const dispatcher_config cfg_;
  request_state_codec state_codec_;
  std::unique_ptr<task_registry> tasks_;
  json::object modern_capabilities_;  ///< server/discover's, built once
  std::string modern_tail_;           ///< outcome::result_tail of a plain 2026-07-28 result
  // The registry is frozen before the first listing: each list's pages are made then, once.
  mutable shared_pages tool_pages_, resource_pages_, template_pages_, prompt_pages_;
};

}  // namespace mcpx::protocol
