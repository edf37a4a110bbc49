#pragma once
// Listener side of the HTTP layer: N I/O threads, one io_context and one SO_REUSEPORT
// acceptor each, so a connection lives on one thread and needs no strand.
#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http/address_counts.hpp"
#include "http/types.hpp"

namespace mcpx::http {

struct connection_counters {
  std::atomic<std::size_t> open{0};                                            ///< connections
  std::atomic<std::size_t> active{0};                                          ///< requests being handled or streamed
  std::array<std::atomic<std::uint64_t>, accept_error_count> accept_errors{};  ///< by accept_error
  /// Set by server::begin_drain(): every reply from then on closes its connection.
  std::atomic<bool> draining{false};
};

struct server_config {
  std::string address = "127.0.0.1";
  unsigned short port = 8000;  ///< 0 picks a free port
  unsigned io_threads = 1;
  /// Each I/O thread may run short work outside its event loop (io_loop::run_after_pass),
  /// with a spare thread that takes the loop over should that work block.
  bool work_on_io_threads = false;
  http::limits limits;
  /// Called once per request after its reply is complete (for the access log), on the I/O
  /// thread, with that thread's executor (for work deferred until the ready handlers have run).
  std::function<void(const request_record&, const net::any_io_executor&)> on_done;
  /// Makes the record a request's on_done receives (an upper layer's extension of it); null:
  /// a plain request_record.
  std::function<std::shared_ptr<request_record>()> make_record;
  /// A refusal's reply in the upper layer's error format: its body and headers. The connection
  /// sets the status (status_of) and closes. Called for each refused request, and once per
  /// accept refusal at start() (that reply is sent pre-formatted), so it must depend on its
  /// arguments only. Null: a short text/plain body.
  std::function<response(refusal, const http::limits&)> refusal_reply;
  /// Events that belong to no request (accepting paused and resumed, an exception escaping an
  /// I/O thread), from any I/O thread. `level` is "info", "warning" or "error"; `detail` is
  /// plain text. Null: not reported.
  std::function<void(std::string_view level, std::string_view msg, std::string_view detail)> on_event;
};

class server {
 public:
  server(server_config cfg, std::shared_ptr<handler> h);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds and starts the I/O threads. Throws on bind failure (start-up only).
  void start();
  /// Stops the I/O threads and joins them; the io_contexts (and what they own) go with the
  /// destructor, so objects bound to executor() may be destroyed after stop() and before that.
  void stop();
  /// From now on every reply says `Connection: close` and closes its connection, so that
  /// clients and proxies send their next request on a new connection (to another replica
  /// once this one stops accepting) instead of on one that is about to be closed.
  void begin_drain() noexcept { counters_.draining.store(true); }
  /// Stops accepting new connections but lets open ones finish. Connections already waiting
  /// in the listen backlog are accepted and served first. Asynchronous: done on the I/O
  /// threads, when listening() is 0.
  void stop_accepting();
  /// I/O threads whose listener is still open.
  unsigned listening() const noexcept { return listening_.load(); }
  unsigned short port() const noexcept { return bound_port_; }
  std::size_t open_connections() const noexcept { return counters_.open.load(); }
  /// Client addresses (IPv6: /64s) with a connection open; counted only when
  /// limits::max_connections_per_address is set.
  std::size_t open_addresses() const { return per_address_.addresses(); }
  /// Requests read and not yet fully answered (an open SSE response counts until it ends).
  std::size_t active_requests() const noexcept { return counters_.active.load(); }
  /// Failed accepts so far, of one kind (see accept_error).
  std::uint64_t accept_errors(accept_error e) const noexcept {
    return counters_.accept_errors[static_cast<std::size_t>(e)].load(std::memory_order_relaxed);
  }
  net::any_io_executor executor(unsigned i = 0);
  /// Times an I/O thread's spare took its loop over from work run outside it (io_loop).
  std::uint64_t loop_takeovers() const noexcept;

  struct shard;

 private:
  server_config cfg_;
  std::shared_ptr<handler> handler_;
  // Declared before shards_: connection coroutines still suspended when the io_contexts go
  // (in ~shard) count themselves out of these.
  connection_counters counters_;
  address_counts per_address_;
  std::vector<std::unique_ptr<shard>> shards_;
  unsigned short bound_port_ = 0;
  std::atomic<unsigned> listening_{0};
  /// Formatted at start().
  std::string too_many_connections_reply_, out_of_descriptors_reply_, too_many_from_address_reply_;
  bool started_ = false;
};

/// Runs one connection until it closes. Exposed for tests that drive a socket pair.
net::awaitable<void> run_connection(tcp::socket sock, std::shared_ptr<handler> h, const server_config& cfg,
                                    connection_counters& counters);

}  // namespace mcpx::http
