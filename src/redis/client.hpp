#pragma once
// An asynchronous Redis client: a small pool of pipelined connections on Asio, for the
// request path (one rate-limit script per check) and the Redis stores.
//
//   auto c = redis::client::create(ioc.get_executor(), opts);  // throws on bad options
//   c->start();
//   c->command({"INCR", key}, [](boost::system::error_code ec, redis::reply r) { ... });
//   std::array<std::string_view, 2> get{"GET", key};  // GCC 12: no braced list across co_await
//   auto [ec, r] = co_await c->command(get, net::as_tuple(net::use_awaitable));
//
// Completions run on the completion handler's associated executor: for a plain callback,
// the executor given to create(); for a coroutine, the coroutine's own executor. They are
// always posted there, never run inside command() and never on a connection's strand, so a
// completion may issue the next command and slow user code does not hold up the I/O.
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "redis/errors.hpp"
#include "redis/options.hpp"
#include "redis/pending.hpp"
#include "redis/reply.hpp"
#include "redis/resp.hpp"

namespace mcpx::redis {

namespace detail {
class connection;
class shared_state;
/// This thread's buffer for encoding a command before it is copied into a connection's
/// queue (so a command allocates nothing for its bytes). Returned empty.
std::string& encode_scratch();
}  // namespace detail

/// Counters since create(), for metrics. Plain numbers, read without a lock.
struct stats {
  std::uint64_t commands = 0;          ///< command() and eval() calls (an EVAL fallback counts again)
  std::uint64_t writes = 0;            ///< socket writes: commands / writes is the pipelining at work
  std::uint64_t errors = 0;            ///< completed with an errc other than timeout
  std::uint64_t timeouts = 0;          ///< completed with errc::timeout
  std::uint64_t error_replies = 0;     ///< Redis answered with an error reply (NOSCRIPT included)
  std::uint64_t reconnects = 0;        ///< a connection came back after it was lost or failed
  std::uint64_t connect_failures = 0;  ///< connection attempts that failed (refused, TLS, AUTH, timeout)
};

struct pool_status {
  std::size_t connections = 0;  ///< options::pool_size
  std::size_t ready = 0;        ///< of which connected and authenticated
  std::string last_error;       ///< the latest connection failure, in words ("AUTH refused: WRONGPASS ...")
};

class client : public std::enable_shared_from_this<client> {
 public:
  using executor_type = boost::asio::any_io_executor;
  /// The completion signature: an errc (or success with the reply, which may be an error reply).
  using signature = void(boost::system::error_code, reply);

  /// Checks `o` (throws std::invalid_argument naming the field, and when a TLS file cannot be
  /// loaded). Connections are strands of `ex`; nothing connects before start().
  static std::shared_ptr<client> create(executor_type ex, const options& o);
  ~client();  ///< stop()s
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// Starts connecting every connection of the pool; returns at once. Commands before a
  /// connection is ready complete with errc::not_connected: see ready().
  void start();
  /// Completes every pending command with errc::stopped (posted to their executors), closes
  /// the connections, and makes later commands complete the same way. Returns at once. Any
  /// thread; idempotent. Stop (or drop) the client before destroying the executor's context:
  /// until then a pending command holds its completion handler.
  void stop();

  /// Sends one command. `args` are any bytes; they are copied before command() returns (with
  /// a lazy token such as use_awaitable: when the operation starts, i.e. at co_await).
  /// Completes with the reply, or with errc::timeout (options::command_timeout),
  /// not_connected, connection_lost, queue_full, stopped or empty_command. Any thread; never
  /// blocks. Connections are shared and pipelined, so commands that change a connection's
  /// state or its reply stream (AUTH, SELECT, RESET, CLIENT REPLY, SUBSCRIBE, MONITOR) and
  /// blocking ones (BLPOP, WAIT) do not belong here.
  template <class CompletionToken>
  auto command(std::span<const std::string_view> args, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, signature>(
        [this](auto handler, std::span<const std::string_view> a) {
          auto& buf = detail::encode_scratch();
          encode_command(buf, a);
          submit(buf, detail::make_pending(std::move(handler), ex_));
        },
        token, args);
  }
  template <class CompletionToken>
  auto command(std::initializer_list<std::string_view> args, CompletionToken&& token) {
    return command(std::span<const std::string_view>(args.begin(), args.size()), std::forward<CompletionToken>(token));
  }

  /// Low level: sends exactly one command already encoded as RESP and completes `p` with its
  /// reply. What command() and eval() are made of. Any thread.
  void submit(std::string_view encoded, std::unique_ptr<detail::pending> p);

  /// At least one connection is connected and has answered (a readiness check). Any thread.
  bool ready() const noexcept;
  /// Any thread (takes a lock for last_error).
  pool_status status() const;
  /// Any thread, lock-free.
  stats counters() const noexcept;
  const settings& config() const noexcept;
  executor_type get_executor() const noexcept { return ex_; }

 private:
  client(executor_type ex, std::shared_ptr<detail::shared_state> shared);

  executor_type ex_;
  std::shared_ptr<detail::shared_state> shared_;
  std::vector<std::shared_ptr<detail::connection>> conns_;
  std::atomic<std::size_t> next_{0};
  std::atomic<bool> started_{false}, stopped_{false};
};

}  // namespace mcpx::redis
