#pragma once
/// @file The server's operational settings, as a user or the config loader (mcpx/config.hpp)
/// sets them. Each part of the server reads its own share of them once, at start.
#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mcpx/auth_options.hpp"
#include "mcpx/limit_options.hpp"

namespace mcpx {

/// What an operator changes about a tool, resource or prompt without touching its code.
struct access_override {
  std::optional<std::vector<std::string>> scopes;  ///< replaces the declared scopes
  std::optional<std::string> cost;                 ///< replaces the declared cost class
  /// Tools only: replaces the tool's time limit (tool_builder::timeout). At least 1 ms.
  std::optional<std::chrono::milliseconds> timeout;
};

/// Operational settings. Every limit is named, has a default, and is enforced.
struct options {
  std::string address = "127.0.0.1";
  unsigned short port = 8000;  ///< 0 picks a free port (see server::port())
  std::string endpoint = "/mcp";
  unsigned io_threads = 1;
  /// Sets glibc's malloc so large answers reuse heap memory instead of fresh pages each time
  /// (process-wide, once; not when GLIBC_TUNABLES sets malloc tunables). docs/performance.md.
  /// Only where glibc's malloc serves the process: a default build links tcmalloc instead
  /// (CMake's MCPX_ALLOCATOR), which needs no tuning for that.
  bool tune_allocator = true;
  unsigned worker_threads = 4;
  std::size_t worker_queue_limit = 1024;  ///< queued handler calls beyond which requests get 503
  /// A worker-pool tool whose calls finish within this runs them on the I/O thread that read
  /// them, after the requests ready there: no hop to a worker and back. A call that takes longer sends that tool to the
  /// workers for the next 10 seconds, and one that blocks has the I/O thread's spare take the event loop over after 1
  /// ms (docs/performance.md). Time limits, cancellation and input requests work as on a worker. Zero: every call on a
  /// worker.
  std::chrono::microseconds worker_short_call{100};
  /// How long a tool call may run on the worker pool (queued time included) before its caller
  /// is answered TIMEOUT and the handler is cancelled; tool_builder::timeout and
  /// tool_access[name].timeout set it per tool.
  std::chrono::milliseconds tool_timeout{30'000};
  std::size_t header_limit = 16 * 1024;
  std::size_t body_limit = 4 * 1024 * 1024;
  std::chrono::milliseconds read_timeout{30'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::size_t max_connections = 10'000;
  /// Open connections one client address may hold (IPv6: one /64); beyond, a new one gets 503
  /// and is closed. 0: no limit. Clients behind one NAT or proxy share it.
  std::size_t max_connections_per_address = 256;
  /// Origins allowed besides loopback ones (e.g. "https://app.example.com"). A request with
  /// any other Origin gets 403.
  std::vector<std::string> allowed_origins;
  /// Host header names accepted (without port). Empty: any. When left empty and the server
  /// binds a loopback address, start() fills in localhost, 127.0.0.1 and [::1].
  std::vector<std::string> allowed_hosts;
  /// Legacy (2025-xx) sessions expire after this much inactivity.
  std::chrono::seconds session_idle_timeout{1800};
  std::size_t max_sessions = 100'000;
  /// What one session may make the server keep (capabilities, client info, subscriptions),
  /// and all sessions together; beyond, initialize gets 400 / 503 and a subscription -32602.
  std::size_t session_record_bytes = 64 * 1024;
  std::size_t sessions_total_bytes = 256 * 1024 * 1024;
  std::size_t max_subscriptions = 256;  ///< resources one session may subscribe to
  /// Resumable events (2025-xx sessions) kept per session and in all; over either, the
  /// oldest go first and a resume from before them starts afresh.
  std::size_t event_session_bytes = 16 * 1024 * 1024;
  std::size_t events_total_bytes = 256 * 1024 * 1024;
  /// Key that signs requestState for multi round-trip requests. Empty: random per process
  /// (then replicas cannot verify each other's state: set it when running more than one).
  std::string state_secret;
  std::chrono::seconds request_state_ttl{600};
  /// SSE "retry" sent to 2025-11-25 clients in the priming event of each stream.
  std::chrono::milliseconds sse_retry{1000};
  /// How long a handler waits for the client's answer to a sampling/elicitation request (legacy).
  std::chrono::milliseconds client_request_timeout{60'000};
  /// Items per page of tools/list, resources/list, prompts/list; 0: everything in one page. One
  /// page by default: several clients read only the first page (docs/performance.md), and a
  /// listing in pages costs a round trip per page. Set it for lists too long for one answer.
  std::size_t page_size = 0;
  /// Cache hints on list results for 2026-07-28 clients.
  std::chrono::milliseconds list_ttl{60'000};
  /// A task_mode::optional call still running after this becomes a task (clients with the extension).
  std::chrono::milliseconds task_after{100};
  std::chrono::milliseconds task_ttl{600'000};  ///< how long a task's record stays readable
  /// Tasks kept at once, one task record's bytes (its result included: a bigger one fails the
  /// task) and all records' bytes.
  std::size_t max_tasks = 10'000;
  std::size_t task_record_bytes = 1024 * 1024;
  std::size_t tasks_total_bytes = 256 * 1024 * 1024;
  std::chrono::milliseconds task_poll_interval{500};  ///< suggested to clients polling tasks/get
  /// Serve /metrics (and the health endpoints) on this separate port instead of the main one; 0:
  /// on the main port. Lets a NetworkPolicy expose metrics only to the monitoring namespace.
  unsigned short metrics_port = 0;
  /// JSON log lines at this level and above go to stderr: "debug", "info" (one access line per
  /// request), "warning" (only failed requests), "error", "off" (nothing; benchmarks).
  std::string log_level = "info";
  /// Access lines are written in batches: by the I/O thread when its batch holds 64 KiB, or
  /// at the latest this long after they were made (nginx's `access_log buffer= flush=`). Zero:
  /// after each pass of the I/O thread's event loop (a write() per handful of requests). Event
  /// lines are written at once, after the access lines batched before them.
  std::chrono::milliseconds log_flush{200};
  /// On SIGTERM: how long requests in flight may take to finish before the process exits.
  std::chrono::milliseconds shutdown_grace{30'000};
  /// Overrides of the scopes and cost classes declared in code, by tool name, resource URI
  /// (or template) and prompt name, and of tools' time limits. start() refuses a name that is
  /// not registered, and a timeout given to a resource or prompt.
  std::map<std::string, access_override> tool_access, resource_access, prompt_access;
  /// OAuth 2.1 resource server; off while auth.issuers is empty.
  auth_options auth;
  /// Per-client tiers and per-tool cost classes; off unless rate_limits.mode is set.
  rate_limit_options rate_limits;
};

}  // namespace mcpx
