#pragma once
/// @file How a tool's calls run: as tasks or not, on a worker or on the I/O thread.

namespace mcpx {

/// Whether a tool's calls may outlive their request as tasks (extension io.modelcontextprotocol/tasks).
enum class task_mode {
  never,     ///< always answered in the request
  optional,  ///< becomes a task when still running after options::task_after, or on context::run_as_task()
  required,  ///< always a task; clients without the extension get MissingRequiredClientCapability
};

/// Where a tool's handler runs.
enum class execution {
  /// Default: on the bounded worker pool. The handler may block (database, HTTP, locks, waiting
  /// for the client's answer to an elicitation); the request pays a thread hop, except while
  /// the tool's calls are short (options::worker_short_call): those run on the I/O thread
  /// that read them, with everything else as on a worker.
  worker_pool,
  /// On the I/O thread that read the request, with no thread hop and no queue: for cheap
  /// handlers that never block (pure computation, in-memory lookups). While it runs, no other
  /// request on that I/O thread is served, and nothing can stop it: such a tool has no time
  /// limit (tool_builder::timeout is refused) and its context is never cancelled. Anything that would wait fails
  /// instead of blocking:
  /// input from a 2025-xx client (`context::elicit`, `sample`, `list_roots`, `input`) ends the
  /// call with a SERVER_ERROR tool result coded `WOULD_BLOCK_IO_THREAD`. (On 2026-07-28 input
  /// is a multi round-trip result and works as usual.) Progress and log notifications work;
  /// they are sent before the response on the same SSE reply.
  /// The arguments and the context's JSON live in the request's own memory, released once the
  /// reply is written; a copy made with the copy constructor shares it. To keep any of it past
  /// the call, copy it into the heap explicitly: `json::value kept(v, json::storage_ptr());`.
  io_thread,
};

}  // namespace mcpx
