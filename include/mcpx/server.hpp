#pragma once
/// @file The server: register tools, resources and prompts, then start.
/// Registration happens before start() on one thread; after start() the registry is frozen
/// and shared read-only by every I/O and worker thread.
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "mcpx/builders.hpp"
#include "mcpx/content.hpp"
#include "mcpx/context.hpp"
#include "mcpx/errors.hpp"
#include "mcpx/execution.hpp"
#include "mcpx/handlers.hpp"
#include "mcpx/options.hpp"
#include "mcpx/server_info.hpp"
#include "mcpx/state/stores.hpp"

namespace mcpx {

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
  /// Graceful: readiness answers 503 at once, long-lived streams end, every reply closes its
  /// connection, requests in flight finish (new ones are still served meanwhile); when none is
  /// left the listener stops accepting (connections already queued are served) and connections
  /// still open get up to drain_settle to bring their request. Returns then, or after `grace`.
  /// Call stop() afterwards.
  void drain(std::chrono::milliseconds grace);
  /// How long a drain waits, once nothing is in flight and the listener is closed, for
  /// connections still open (accepted last, or kept alive) to bring a request.
  static constexpr std::chrono::milliseconds drain_settle{500};
  void stop();
  /// Where sessions, resumable events and tasks live, and how replicas reach each other;
  /// members left null are kept in this process's memory (the default). Call before start().
  /// Replicas behind one load balancer share one set (e.g. Redis-backed).
  void use_state(state::backends b);
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
  /// The drain; wait_a_little() pauses briefly and returns false to stop at once (a second signal).
  bool drain_steps(std::chrono::milliseconds grace, const std::function<bool()>& wait_a_little);
  std::unique_ptr<impl> impl_;
};

}  // namespace mcpx
