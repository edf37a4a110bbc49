#pragma once
// One connection of the pool, on a strand of its own. Commands come from any thread:
// enqueue() appends their bytes to one buffer and their entries to one FIFO under a short
// lock; whatever arrives while a write is in flight goes out in the next single write.
// Replies are matched to entries in order. A lifecycle coroutine connects (TLS, AUTH,
// SELECT), reads, and on a failure fails what is pending, waits (backoff) and starts over.
#include <array>
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "redis/errors.hpp"
#include "redis/pending.hpp"
#include "redis/resp.hpp"
#include "redis/shared_state.hpp"

namespace mcpx::redis::detail {

using tcp = net::ip::tcp;
using boost::system::error_code;

class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(const net::any_io_executor& ex, std::shared_ptr<shared_state> shared);

  /// Starts connecting (returns at once).
  void start();
  /// Fails what is pending with errc::stopped and ends the lifecycle. Any thread.
  void stop();
  /// Connected, authenticated, and taking commands. Any thread (a hint: enqueue decides).
  bool ready() const noexcept { return ready_.load(std::memory_order_acquire); }

  /// Queues one encoded command and takes `p`; or refuses (not_connected, stopped,
  /// queue_full) and leaves `p` with the caller. Any thread; never completes inline.
  std::optional<errc> enqueue(std::string_view encoded, std::unique_ptr<pending>& p);

 private:
  using clock = std::chrono::steady_clock;
  enum class link { down, ready, stopped };
  struct slot {
    std::unique_ptr<pending> p;  ///< null once timed out: its reply is still due and is dropped
    clock::time_point deadline;
  };

  // The lifecycle (connect.cpp).
  net::awaitable<void> run(std::shared_ptr<connection> self);
  net::awaitable<std::string> connect();
  net::awaitable<std::string> establish();
  net::awaitable<std::string> handshake();
  net::awaitable<void> back_off();
  net::awaitable<std::string> serve();
  net::awaitable<error_code> read_replies();
  void on_ready();

  // Commands, replies and deadlines (connection.cpp).
  void do_flush();
  void on_write(error_code ec, std::size_t gen);
  /// Hands replies_ to their commands; what went wrong when a reply had no command.
  std::string deliver();
  void arm_timer();
  void on_timer(error_code ec);
  clock::time_point next_wake();
  void close(std::string why);
  /// stop() was called (stopped_ follows on the strand a little later).
  bool stopping();
  /// Moves to `next` (stopped stays stopped) and fails every pending command with `why`.
  void shut(link next, errc why);

  net::strand<net::any_io_executor> strand_;
  std::shared_ptr<shared_state> shared_;
  const settings& cfg_;
  std::atomic<bool> ready_{false};

  // On the strand only.
  tcp::resolver resolver_;
  tcp::socket sock_;
  std::optional<net::ssl::stream<tcp::socket&>> tls_;
  net::steady_timer watchdog_, backoff_, timer_;
  std::unique_ptr<reader> reader_;
  std::vector<reply> replies_;  ///< parsed from one read, before delivery
  std::vector<std::pair<std::unique_ptr<pending>, reply>> done_;
  std::vector<std::unique_ptr<pending>> expired_;
  std::string wbuf_;  ///< the bytes of the write in flight
  std::unique_ptr<std::array<char, 16 * 1024>> rbuf_;
  std::string close_reason_;  ///< set by whoever closes the socket on purpose
  std::size_t gen_ = 0;       ///< which socket: a late completion of an older one is ignored
  bool stopped_ = false, connecting_ = false, timer_armed_ = false, ever_ready_ = false;
  clock::time_point armed_at_;
  unsigned attempt_ = 0;
  std::minstd_rand rng_;

  // Guarded by mu_: what enqueue() touches.
  std::mutex mu_;
  link link_ = link::down;
  std::string out_;            ///< encoded commands not yet handed to a write
  std::deque<slot> pending_;   ///< in the order of their bytes on the wire
  std::size_t timed_out_ = 0;  ///< leading entries of pending_ that timed out
  bool flush_posted_ = false;  ///< a flush is posted or a write in flight: no new post needed
};

}  // namespace mcpx::redis::detail
