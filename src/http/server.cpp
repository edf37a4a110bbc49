#include "http/server.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/io_loop.hpp"
#include "http/record.hpp"
#include "http/refusal.hpp"

namespace mcpx::http {

struct server::shard {
  // One thread runs its handlers at a time, but a loop with a spare needs posts made in a
  // handler to reach the shared queue (io_loop), which hint 1 would keep thread-private.
  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::unique_ptr<io_loop> loop;  ///< the I/O thread (and its spare) that runs ioc
  bool stopping = false;          ///< stop_accepting() was called; read and written on this shard's thread only
  /// Kept open to be given up when the process is out of descriptors: that one slot lets the
  /// listener take pending connections and turn them away (docs/decisions.md).
  int reserve_fd = -1;
  explicit shard(bool with_spare) : ioc(with_spare ? BOOST_ASIO_CONCURRENCY_HINT_DEFAULT : 1) {}
  shard(const shard&) = delete;
  shard& operator=(const shard&) = delete;
  ~shard() {
    if (reserve_fd >= 0) ::close(reserve_fd);
  }
};

server::server(server_config cfg, std::shared_ptr<handler> h) : cfg_(std::move(cfg)), handler_(std::move(h)) {
  if (cfg_.io_threads == 0) cfg_.io_threads = 1;
}

server::~server() { stop(); }

net::any_io_executor server::executor(unsigned i) { return shards_.at(i % shards_.size())->ioc.get_executor(); }

namespace {

// What one shard's accept loop works with; everything outlives the loop.
struct listener {
  server::shard& shard;
  std::shared_ptr<handler> h;
  const server_config& cfg;
  connection_counters& counters;
  address_counts& per_address;
  const std::string& too_many_connections_reply;  // formatted once at start()
  const std::string& out_of_descriptors_reply;
  const std::string& too_many_from_address_reply;
  std::atomic<unsigned>& listening;  ///< counted down when this shard's listener closes
};

// Accepting paused after a resource error: the wait doubles from `first` to `longest`.
struct accept_pause {
  static constexpr std::chrono::milliseconds first{10}, longest{1000};
  std::chrono::milliseconds wait{0};  // 0: accepting normally
  std::uint64_t errors = 0;
  std::chrono::steady_clock::time_point since;
  // A process at its limit can flap (a descriptor freed, taken, freed): one "paused" line a
  // second at most, and a "resumed" line only for a pause that was logged.
  bool logged = false;
  std::chrono::steady_clock::time_point last_logged;
};

int open_reserve() { return ::open("/dev/null", O_RDONLY | O_CLOEXEC); }

void report(const server_config& cfg, std::string_view level, std::string_view msg, std::string_view detail) {
  if (!cfg.on_event) return;
  try {
    cfg.on_event(level, msg, detail);
  } catch (...) {
    // A broken log sink must not stop the listener, and there is nowhere else to say so.
  }
}

// The access record of a connection turned away at accept: no request, only the remote.
void record_refusal(const listener& l, refusal why, const tcp::endpoint& remote) {
  if (!l.cfg.on_done) return;
  try {
    std::shared_ptr<request_record> mine;
    auto rec = start_record(mine, remote.address().to_string(), l.cfg);
    rec->status = static_cast<unsigned>(status_of(why));
    rec->refusal = why;
    l.cfg.on_done(*rec, l.shard.ioc.get_executor());
  } catch (const std::exception& e) {
    report(l.cfg, "error", "recording a refused connection failed", e.what());
  }
}

// Sends the fixed reply and returns at once: nothing is awaited. What the client has sent
// already is discarded (without waiting for more), so that the caller's close ends the
// connection with a FIN after the reply, not a reset that may destroy it unread.
void turn_away(int fd, std::string_view reply) {
  (void)::send(fd, reply.data(), reply.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  ::shutdown(fd, SHUT_WR);
  char sink[4096];
  for (int i = 0; i < 16 && ::recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0; ++i) {
  }
}

void refuse_connection(const listener& l, tcp::socket& sock, const tcp::endpoint& remote, refusal why) {
  turn_away(sock.native_handle(), why == refusal::too_many_connections_from_address ? l.too_many_from_address_reply
                                                                                    : l.too_many_connections_reply);
  boost::system::error_code ec;
  sock.close(ec);
  record_refusal(l, why, remote);
}

// Holds the connection's place in the per-address count while it runs.
net::awaitable<void> run_counted(tcp::socket sock, listener l, address_counts::slot slot) {
  co_await run_connection(std::move(sock), l.h, l.cfg, l.counters);
}

// Out of descriptors, the pending connections could only wait in the backlog until their
// clients give up. With the reserve descriptor given up, each one is accepted into that slot,
// answered 503 and closed, so clients (and proxies) learn at once and retry elsewhere.
void shed_pending(const listener& l) {
  auto& s = l.shard;
  if (s.reserve_fd < 0) s.reserve_fd = open_reserve();  // lost to another thread last time
  if (s.reserve_fd < 0) return;
  ::close(s.reserve_fd);
  constexpr int max_shed = 64;  // per pause: the work stays bounded under a flood
  for (int i = 0; i < max_shed; ++i) {
    tcp::endpoint remote;
    auto len = static_cast<socklen_t>(remote.capacity());
    const int fd = ::accept4(s.acceptor.native_handle(), remote.data(), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) break;  // none left, or the slot was taken by another thread meanwhile
    remote.resize(len);
    turn_away(fd, l.out_of_descriptors_reply);
    ::close(fd);
    record_refusal(l, refusal::out_of_descriptors, remote);
  }
  s.reserve_fd = open_reserve();
}

// An accept failed for want of a resource: retrying at once would only fail again (the
// pending connection keeps the socket readable), a busy loop. Wait instead, longer each time.
net::awaitable<void> pause_accepting(const listener& l, const boost::system::error_code& ec, accept_error why,
                                     accept_pause& p, net::steady_timer& timer) {
  const bool no_descriptors = why == accept_error::emfile || why == accept_error::enfile;
  if (no_descriptors) shed_pending(l);
  ++p.errors;
  if (p.wait.count() == 0) {
    p.since = std::chrono::steady_clock::now();
    p.wait = accept_pause::first;
    p.logged = p.since - p.last_logged >= std::chrono::seconds(1);
    if (p.logged) {
      p.last_logged = p.since;
      report(l.cfg, "warning", "accepting paused",
             std::string(to_string(why)) + " (" + ec.message() + "): retrying after 10 ms, then up to every 1 s" +
                 (no_descriptors ? "; pending connections are answered 503" : ""));
    }
  } else {
    p.wait = std::min(p.wait * 2, accept_pause::longest);
  }
  timer.expires_after(p.wait);
  co_await timer.async_wait(net::as_tuple(net::use_awaitable));
}

void resume_accepting(const listener& l, accept_pause& p) {
  const auto paused = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - p.since);
  if (p.logged)
    report(l.cfg, "info", "accepting resumed",
           "after " + std::to_string(p.errors) + " failed accepts in " + std::to_string(paused.count()) + " ms");
  const auto last_logged = p.last_logged;
  p = {};
  p.last_logged = last_logged;
}

// One accepted connection: turned away when over a connection limit, else run.
void admit(const listener& l, tcp::socket sock, const tcp::endpoint& remote) {
  if (l.counters.open.load(std::memory_order_relaxed) >= l.cfg.limits.max_connections) {
    refuse_connection(l, sock, remote, refusal::too_many_connections);
    return;
  }
  const std::size_t per_address = l.cfg.limits.max_connections_per_address;
  auto slot = per_address == 0 ? std::nullopt : l.per_address.try_take(remote.address(), per_address);
  if (per_address != 0 && !slot) {
    refuse_connection(l, sock, remote, refusal::too_many_connections_from_address);
    return;
  }
  boost::system::error_code ec;
  sock.set_option(tcp::no_delay(true), ec);
  auto ex = l.shard.acceptor.get_executor();
  if (slot) net::co_spawn(ex, run_counted(std::move(sock), l, std::move(*slot)), net::detached);
  else net::co_spawn(ex, run_connection(std::move(sock), l.h, l.cfg, l.counters), net::detached);
}

// stop_accepting(): closing a listener resets the connections still in its backlog, whose
// clients may have sent a request already (a proxy cannot safely retry those). So they are
// taken and served first; only a connection attempted after the close is refused, and a
// refused connection is always safe to retry elsewhere.
void take_pending_and_close(const listener& l) {
  auto& acc = l.shard.acceptor;
  boost::system::error_code ec;
  acc.non_blocking(true, ec);  // accept() below returns would_block instead of waiting
  for (int i = 0; i < 4096 && acc.is_open(); ++i) {
    tcp::endpoint remote;
    tcp::socket sock(acc.get_executor());
    acc.accept(sock, remote, ec);
    if (ec) break;  // would_block: none left (any other error: close anyway)
    admit(l, std::move(sock), remote);
  }
  acc.close(ec);
  l.listening.fetch_sub(1);
}

net::awaitable<void> accept_loop(listener l) {
  auto& acc = l.shard.acceptor;
  net::steady_timer timer(acc.get_executor());
  accept_pause pause;
  tcp::endpoint remote;
  for (;;) {
    if (l.shard.stopping) break;
    auto [ec, sock] = co_await acc.async_accept(remote, net::as_tuple(net::use_awaitable));
    if (l.shard.stopping && !sock.is_open()) break;  // stop_accepting() cancelled the accept
    if (ec == net::error::operation_aborted || !acc.is_open()) break;
    if (ec) {
      const auto why = accept_error_of(ec);
      l.counters.accept_errors[static_cast<std::size_t>(why)].fetch_add(1, std::memory_order_relaxed);
      if (why != accept_error::other) co_await pause_accepting(l, ec, why, pause, timer);
      continue;  // `other`: one peer's trouble (it reset before we took it), serve the next
    }
    if (pause.wait.count() != 0) resume_accepting(l, pause);
    admit(l, std::move(sock), remote);
  }
  take_pending_and_close(l);
}

}  // namespace

void server::start() {
  if (started_) return;
  auto addr = net::ip::make_address(cfg_.address);
  unsigned short port = cfg_.port;
  // Formatted once: a refusal at accept writes these bytes and awaits nothing.
  too_many_connections_reply_ = refusal_wire(refusal::too_many_connections, cfg_);
  out_of_descriptors_reply_ = refusal_wire(refusal::out_of_descriptors, cfg_);
  too_many_from_address_reply_ = refusal_wire(refusal::too_many_connections_from_address, cfg_);
  for (unsigned i = 0; i < cfg_.io_threads; ++i) {
    auto s = std::make_unique<shard>(cfg_.work_on_io_threads);
    tcp::endpoint ep(addr, port);
    s->acceptor.open(ep.protocol());
    s->acceptor.set_option(net::socket_base::reuse_address(true));
    if (cfg_.io_threads > 1) {
      int one = 1;
      ::setsockopt(s->acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    }
    s->acceptor.bind(ep);
    s->acceptor.listen(net::socket_base::max_listen_connections);
    s->acceptor.native_non_blocking(true);  // shed_pending() accepts on it directly
    s->reserve_fd = open_reserve();
    port = s->acceptor.local_endpoint().port();  // later shards share the port picked by the first
    shards_.push_back(std::move(s));
  }
  bound_port_ = port;
  for (auto& s : shards_) {
    listener l{*s,
               handler_,
               cfg_,
               counters_,
               per_address_,
               too_many_connections_reply_,
               out_of_descriptors_reply_,
               too_many_from_address_reply_,
               listening_};
    listening_.fetch_add(1);
    net::co_spawn(s->ioc, accept_loop(l), net::detached);
  }
  for (auto& s : shards_) {
    s->loop = std::make_unique<io_loop>(s->ioc, cfg_.work_on_io_threads, [cfg = &cfg_](std::string_view what) {
      report(*cfg, "error", "uncaught exception on I/O thread", what);
    });
    s->loop->start();
  }
  started_ = true;
}

std::uint64_t server::loop_takeovers() const noexcept {
  std::uint64_t n = 0;
  for (auto& s : shards_)
    if (s->loop) n += s->loop->takeovers();
  return n;
}

void server::stop_accepting() {
  // The accept loop, woken on its own thread, takes what is pending and closes the listener.
  for (auto& s : shards_) {
    net::post(s->ioc, [s = s.get()] {
      s->stopping = true;
      boost::system::error_code ec;
      s->acceptor.cancel(ec);
    });
  }
}

void server::stop() {
  if (!started_) return;
  started_ = false;
  for (auto& s : shards_) s->loop->stop();
  // The io_contexts live until the destructor: objects bound to them (timers, sockets) that
  // the owner still holds can be destroyed safely in between.
}

}  // namespace mcpx::http
