#pragma once
// MCP Streamable HTTP on one endpoint, for every revision a client may speak:
// 2026-07-28 requests are stateless (per-request _meta); 2025-xx clients initialize and
// get an Mcp-Session-Id, a GET stream, and resumable SSE.
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <variant>
#include <vector>

#include "http/types.hpp"
#include "mcpx/state/stores.hpp"
#include "protocol/dispatcher.hpp"
#include "transport/config.hpp"
#include "transport/live_session.hpp"
#include "transport/request_outbound.hpp"
#include "transport/stage.hpp"
#include "transport/worker_pool.hpp"

namespace mcpx::transport {
class worker_call;
}

namespace mcpx::transport {

/// The one bus channel replicas talk on (replicas.cpp).
inline constexpr std::string_view bus_channel = "mcpx.sessions";

/// What a client's error answer to a server-to-client request says, for the waiting handler.
std::string client_error_message(const json::value& error);

class streamable_http final : public http::handler {
 public:
  /// Every member of `state` must be set (mcpx::server fills in memory ones).
  streamable_http(const protocol::registry& reg, server_info info, transport_config cfg, state::backends state);
  ~streamable_http() override;

  net::awaitable<void> handle(http::request& req, const http::peer_info& peer, http::reply& out) override;

  /// Sends notifications/resources/updated to sessions and listeners subscribed to `uri`, on
  /// every replica sharing the message bus.
  void resource_updated(const std::string& uri);
  /// Sends notifications/<kind>/list_changed to listeners and legacy sessions, on every replica.
  void list_changed(std::string_view kind);
  /// Draining: ends long-lived streams gracefully (a final result for each subscriptions/listen,
  /// the end of each session's GET stream) so clients reconnect elsewhere; requests in flight go on.
  void begin_drain();
  /// Shutdown, while the I/O contexts still exist but their threads have stopped: cancels
  /// tasks, ends sessions, waits for the workers, and lets go of every stream, so nothing
  /// bound to an io_context outlives it.
  void shutdown();
  /// Drops idle sessions; call periodically.
  void expire_sessions();
  std::size_t session_count() const { return sessions_->size(); }
  std::size_t listen_streams() {
    std::lock_guard lock(listeners_mu_);
    std::size_t n = 0;
    for (auto& l : listeners_)
      if (auto s = l.stream.lock(); s && !s->cancelled() && !s->drained()) ++n;
    return n;
  }
  worker_pool& workers() { return pool_; }
  /// The request path's stages, in order. Add or insert stages before the server starts.
  pipeline& stages() { return stages_; }

 private:
  /// A call handed to the worker pool, whose first message decides the reply.
  struct on_worker {
    std::shared_ptr<http::event_stream> stream;
    std::shared_ptr<worker_call> call;  ///< its task slot (call.task) is set when it may become a task
  };
  /// What the synchronous stages decide: the reply now, or a call running on a worker.
  using step = std::variant<http::reply, on_worker>;
  /// One request's state while handle() runs, in the request's arena (streamable_http.cpp).
  struct pending;
  /// What handle() does next.
  enum class then : std::uint8_t {
    reply,         ///< send pending::reply
    stage_wait,    ///< await exchange::wait, then advance again
    worker_reply,  ///< await pending::worker
    get,           ///< await get()
  };
  /// Everything handle() decides without waiting: the stages, then the request by method.
  then advance(pending& p, const net::any_io_executor& ex);

  /// After the stages: the POST by era, GET (a session's stream), DELETE (ends a session).
  step post(exchange& x, const net::any_io_executor& ex);
  step post_modern(exchange& x, const net::any_io_executor& ex);
  step post_legacy(exchange& x, const net::any_io_executor& ex);
  http::reply initialize(exchange& x);
  net::awaitable<http::reply> get(exchange& x);
  http::reply del(exchange& x);
  /// Runs `c` here (run_here) or hands it to a worker. `x`: the request it came in.
  step run(protocol::call& c, std::shared_ptr<live_session> s, std::string stream_name, const exchange& x,
           const net::any_io_executor& ex);
  /// Runs `c` on this I/O thread (see dispatcher::runs_on_io_thread) and answers at once.
  /// `log`: the request's access record, or null.
  http::reply run_here(protocol::call& c, const std::shared_ptr<live_session>& s, std::string stream_name,
                       ops::access_record* log, const net::any_io_executor& ex);
  /// Waits for a call handed to a worker and makes its reply in `out` (in place: a reply
  /// returned through the coroutine was moved three times more).
  net::awaitable<void> await_worker(on_worker w, http::reply& out);
  http::reply listen(protocol::call c, const net::any_io_executor& ex);
  void notify_listeners(const std::string& uri);

  // Between replicas (replicas.cpp): what another process may hold travels over the bus.
  void forward_answer(std::string_view sid, const std::string& rid, const jsonrpc::message& msg);
  void forward_cancel(std::string_view sid, const std::string& request_key);
  void on_bus_message(std::string_view message);
  void deliver_resource_updated(const std::string& uri);
  void deliver_list_changed(std::string_view kind);

  /// An open subscriptions/listen stream (2026-07-28).
  struct listener {
    std::weak_ptr<http::event_stream> stream;
    json::value subscription_id;
    std::set<std::string> resources;
    std::set<std::string> lists;  ///< "tools", "prompts", "resources"
  };
  std::mutex listeners_mu_;
  std::vector<listener> listeners_;

  const protocol::registry& reg_;
  const transport_config cfg_;
  protocol::dispatcher dispatcher_;
  std::shared_ptr<state::session_store> sessions_;
  std::shared_ptr<state::event_store> events_;
  std::shared_ptr<state::message_bus> bus_;
  live_sessions live_;
  worker_pool pool_;
  pipeline stages_;
  std::unique_ptr<state::message_bus::subscription> inbox_;  ///< last: dropped first
};

}  // namespace mcpx::transport
