#pragma once
/// @file The server: register tools, resources and prompts, then start.
/// Registration happens before start() on one thread; after start() the registry is frozen
/// and shared read-only by every I/O and worker thread.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "mcpx/content.hpp"
#include "mcpx/context.hpp"
#include "mcpx/errors.hpp"

namespace mcpx {

/// Arguments of a tool call, already validated against the tool's input schema.
using args = json::object;
using tool_handler = std::function<tool_result(const args&, context&)>;
/// Reads a resource; for templates `vars` holds the matched template variables.
using resource_handler = std::function<resource_contents(std::string_view uri, const json::object& vars, context&)>;
using prompt_handler = std::function<prompt_result(const json::object& arguments, context&)>;
/// Suggests completions for one argument: given the partial value and the other arguments.
using completion_handler =
    std::function<std::vector<std::string>(std::string_view value, const json::object& context_arguments)>;

/// Whether a tool's calls may outlive their request as tasks (extension io.modelcontextprotocol/tasks).
enum class task_mode {
  never,     ///< always answered in the request
  optional,  ///< becomes a task when still running after options::task_after, or on context::run_as_task()
  required,  ///< always a task; clients without the extension get MissingRequiredClientCapability
};

/// Where a tool's handler runs.
enum class execution {
  /// Default: on the bounded worker pool. The handler may block (database, HTTP, locks, waiting
  /// for the client's answer to an elicitation); the request pays a thread hop.
  worker_pool,
  /// On the I/O thread that read the request, with no thread hop and no queue: for cheap
  /// handlers that never block (pure computation, in-memory lookups). While it runs, no other
  /// request on that I/O thread is served. Anything that would wait fails instead of blocking:
  /// input from a 2025-xx client (`context::elicit`, `sample`, `list_roots`, `input`) ends the
  /// call with a SERVER_ERROR tool result coded `WOULD_BLOCK_IO_THREAD`. (On 2026-07-28 input
  /// is a multi round-trip result and works as usual.) Progress and log notifications work;
  /// they are sent before the response on the same SSE reply.
  /// The arguments and the context's JSON live in the request's own memory, released once the
  /// reply is written; a copy made with the copy constructor shares it. To keep any of it past
  /// the call, copy it into the heap explicitly: `json::value kept(v, json::storage_ptr());`.
  io_thread,
};

struct server_info {
  server_info(std::string name_ = "mcpx", std::string version_ = "0.1.0", std::string title_ = {},
              std::string instructions_ = {})
      : name(std::move(name_)), version(std::move(version_)), title(std::move(title_)),
        instructions(std::move(instructions_)) {}
  std::string name;
  std::string version;
  std::string title;
  std::string instructions;
};

/// Operational settings. Every limit is named, has a default, and is enforced.
struct options {
  std::string address = "127.0.0.1";
  unsigned short port = 8000;  ///< 0 picks a free port (see server::port())
  std::string endpoint = "/mcp";
  unsigned io_threads = 1;
  unsigned worker_threads = 4;
  std::size_t worker_queue_limit = 1024;  ///< queued handler calls beyond which requests get 503
  std::size_t header_limit = 16 * 1024;
  std::size_t body_limit = 4 * 1024 * 1024;
  std::chrono::milliseconds read_timeout{30'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::size_t max_connections = 10'000;
  /// Origins allowed besides loopback ones (e.g. "https://app.example.com"). A request with
  /// any other Origin gets 403.
  std::vector<std::string> allowed_origins;
  /// Host header names accepted (without port). Empty: any. When left empty and the server
  /// binds a loopback address, start() fills in localhost, 127.0.0.1 and [::1].
  std::vector<std::string> allowed_hosts;
  /// Legacy (2025-xx) sessions expire after this much inactivity.
  std::chrono::seconds session_idle_timeout{1800};
  std::size_t max_sessions = 100'000;
  /// Key that signs requestState for multi round-trip requests. Empty: random per process
  /// (then replicas cannot verify each other's state: set it when running more than one).
  std::string state_secret;
  std::chrono::seconds request_state_ttl{600};
  /// SSE "retry" sent to 2025-11-25 clients in the priming event of each stream.
  std::chrono::milliseconds sse_retry{1000};
  /// How long a handler waits for the client's answer to a sampling/elicitation request (legacy).
  std::chrono::milliseconds client_request_timeout{60'000};
  std::size_t page_size = 50;  ///< items per page of tools/list, resources/list, prompts/list
  /// Cache hints on list results for 2026-07-28 clients.
  std::chrono::milliseconds list_ttl{60'000};
  /// A task_mode::optional call still running after this becomes a task (clients with the extension).
  std::chrono::milliseconds task_after{100};
  std::chrono::milliseconds task_ttl{600'000};           ///< how long a task's record stays readable
  std::chrono::milliseconds task_poll_interval{500};     ///< suggested to clients polling tasks/get
  /// Serve /metrics (and the health endpoints) on this separate port instead of the main one; 0:
  /// on the main port. Lets a NetworkPolicy expose metrics only to the monitoring namespace.
  unsigned short metrics_port = 0;
  /// JSON log lines at this level and above go to stderr: "debug", "info" (one access line per
  /// request), "warning" (only failed requests), "error", "off" (nothing; benchmarks).
  std::string log_level = "info";
  /// On SIGTERM: how long requests in flight may take to finish before the process exits.
  std::chrono::milliseconds shutdown_grace{30'000};
};

class tool_builder {
 public:
  tool_builder& title(std::string t);
  tool_builder& description(std::string d);
  /// JSON Schema (2020-12 unless `$schema` says otherwise). Compiled when the server starts.
  tool_builder& input_schema(json::value schema);
  tool_builder& output_schema(json::value schema);
  /// e.g. {{"readOnlyHint", true}}
  tool_builder& annotations(json::object a);
  tool_builder& meta(json::object m);
  /// A client capability the tool cannot work without (e.g. "sampling"); a client that did
  /// not declare it gets a MissingRequiredClientCapability error instead of a call.
  tool_builder& requires_capability(std::string capability);
  tool_builder& tasks(task_mode m);
  /// Where the handler runs (default execution::worker_pool). execution::io_thread cannot be
  /// combined with tasks(optional|required): start() refuses it, as a task is long-running work.
  tool_builder& run_on(execution e);
  tool_builder& handle(tool_handler h);
  struct def;
  explicit tool_builder(def* d) : d_(d) {}

 private:
  def* d_;
};

class resource_builder {
 public:
  resource_builder& title(std::string t);
  resource_builder& description(std::string d);
  resource_builder& mime_type(std::string m);
  resource_builder& meta(json::object m);
  resource_builder& handle(resource_handler h);
  /// Template variables only: completion for `var`.
  resource_builder& complete(std::string var, completion_handler h);
  struct def;
  explicit resource_builder(def* d) : d_(d) {}

 private:
  def* d_;
};

class prompt_builder {
 public:
  prompt_builder& title(std::string t);
  prompt_builder& description(std::string d);
  prompt_builder& argument(std::string name, std::string description, bool required = false);
  prompt_builder& complete(std::string argument, completion_handler h);
  prompt_builder& handle(prompt_handler h);
  struct def;
  explicit prompt_builder(def* d) : d_(d) {}

 private:
  def* d_;
};

class server {
 public:
  explicit server(server_info info = {}, options opts = {});
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  tool_builder tool(std::string name);
  resource_builder resource(std::string uri, std::string name);
  /// RFC 6570 level-1 template, e.g. "test://template/{id}/data".
  resource_builder resource_template(std::string uri_template, std::string name);
  prompt_builder prompt(std::string name);

  /// Binds and serves in the background. Throws on a bad registration or bind failure.
  void start();
  /// start(), then blocks until SIGINT/SIGTERM. The first signal drains (see drain()); a
  /// second one stops at once.
  void run();
  /// Graceful: readiness answers 503 at once, long-lived streams end, requests in flight finish
  /// (new ones are still served meanwhile); returns when none is left or after `grace`.
  /// Call stop() afterwards.
  void drain(std::chrono::milliseconds grace);
  void stop();
  /// A dependency readiness depends on (a database, an upstream API). Runs every 2 s on a
  /// background thread, never on an I/O thread; /health/ready serves the latest result.
  /// Register before start().
  void add_readiness_check(std::string name, std::function<bool(std::string& detail)> check);
  /// Requests being handled or streamed right now.
  std::size_t active_requests() const;
  unsigned short port() const;
  /// The separate metrics port when options::metrics_port is set, else 0.
  unsigned short metrics_port() const;

  /// Tells subscribed clients that a resource changed. Thread-safe.
  void notify_resource_updated(const std::string& uri);
  enum class list { tools, prompts, resources };
  /// Tells listening clients that a list changed (e.g. a tool's availability). Thread-safe.
  void notify_list_changed(list which);

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace mcpx
