#pragma once
// One configured OAuth issuer: RFC 8414 discovery (OIDC discovery as fallback), then its JWKS,
// refreshed in the background and on demand when a token names an unknown key. The JWKS goes
// to a consumer (the JOSE core); this class never parses keys.
//
// Threads: everything runs on a strand of the executor given to create(). Every public member
// may be called from any thread. The consumer is called on that strand, one call at a time.
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "auth/fetch.hpp"

namespace mcpx::auth {

struct issuer_config {
  std::string issuer;  ///< exactly as the metadata's "issuer" must say it (RFC 8414 3.3)
  /// Background refresh period; a Cache-Control max-age shortens it, down to min_refresh.
  std::chrono::milliseconds refresh_interval = std::chrono::seconds(300);
  std::chrono::milliseconds min_refresh = std::chrono::seconds(60);
  /// At most one unknown-kid refetch per this interval; calls within it complete with false.
  std::chrono::milliseconds unknown_kid_interval = std::chrono::seconds(30);
  /// How long refetch_for_unknown_kid() waits for the fetch before giving up (false).
  std::chrono::milliseconds unknown_kid_wait = std::chrono::seconds(5);
  /// After a failed refresh: retry after retry_initial, doubling up to retry_max.
  std::chrono::milliseconds retry_initial = std::chrono::seconds(1);
  std::chrono::milliseconds retry_max = std::chrono::seconds(60);
  fetch_options fetch;  ///< timeouts, limits, trust anchors (its `cancel` slot is not used)
};

/// Takes a JWKS; false (with a reason) when it is unusable, which counts as a failed fetch.
using jwks_consumer = std::function<bool(const boost::json::value& jwks, std::string* why)>;

struct issuer_counters {
  std::atomic<std::uint64_t> refresh_ok{0};             ///< JWKS fetched and accepted by the consumer
  std::atomic<std::uint64_t> refresh_failed{0};         ///< discovery, fetch or consumer failed
  std::atomic<std::uint64_t> unknown_kid_started{0};    ///< refetches an unknown kid started
  std::atomic<std::uint64_t> unknown_kid_joined{0};     ///< calls that joined a fetch under way
  std::atomic<std::uint64_t> unknown_kid_throttled{0};  ///< calls refused: within the interval
};

class issuer_client : public std::enable_shared_from_this<issuer_client> {
 public:
  /// Loads the system CA store when cfg.fetch.tls is null (throws std::runtime_error if it
  /// cannot). Like any I/O object the client must not outlive the context of `ex`: drop your
  /// references before that context is destroyed; its destruction frees what pending
  /// operations still hold, so the client goes then even without stop().
  static std::shared_ptr<issuer_client> create(net::any_io_executor ex, issuer_config cfg, jwks_consumer consumer);
  ~issuer_client();
  issuer_client(const issuer_client&) = delete;
  issuer_client& operator=(const issuer_client&) = delete;

  /// Discovery, first JWKS, then background refresh. Returns at once.
  void start();
  /// Cancels the fetch under way, the refresh timer and every waiter (they complete with
  /// false). Call before dropping the last reference: the background loop holds one.
  void stop();

  /// For a token whose kid is not in the current keys: completes with true when fresh keys
  /// were delivered to the consumer. Joins a fetch under way (background or not); otherwise
  /// starts one, unless an unknown-kid fetch started within unknown_kid_interval (then false
  /// at once; background refreshes do not count). Bounded by unknown_kid_wait (then false;
  /// the fetch goes on). The caller resumes on its own executor.
  net::awaitable<bool> refetch_for_unknown_kid();

  /// Keys delivered at least once.
  bool ready() const noexcept { return ready_.load(std::memory_order_acquire); }
  /// One line for /health/ready: "keys loaded 42 s ago", "discovery failed: ...".
  std::string status() const;
  /// The verified metadata document (null until discovery succeeded).
  std::shared_ptr<const boost::json::object> metadata() const;
  const issuer_config& config() const noexcept { return cfg_; }
  const issuer_counters& counters() const noexcept { return counters_; }

 private:
  using clock = std::chrono::steady_clock;
  struct waiter;

  issuer_client(net::any_io_executor ex, issuer_config cfg, jwks_consumer consumer);
  net::awaitable<void> background();
  net::awaitable<bool> join_round();
  template <class Handler>
  void park(Handler&& h, bool bounded);
  void begin_round();
  net::awaitable<void> round();
  net::awaitable<std::optional<std::string>> discover();
  net::awaitable<std::optional<std::string>> load_keys(const std::string& jwks_uri);
  void finish_round(bool ok, const std::string& error);
  void complete_all(bool ok);
  fetch_options fetch_opts();

  const issuer_config cfg_;
  const jwks_consumer consumer_;
  net::strand<net::any_io_executor> strand_;

  // On the strand only.
  net::steady_timer timer_;
  net::cancellation_signal cancel_fetch_;
  bool started_ = false;
  bool stopped_ = false;
  bool running_ = false;  ///< a round (discovery and/or JWKS fetch) is under way
  bool last_failed_ = true;
  std::optional<std::chrono::seconds> max_age_;
  std::optional<clock::time_point> last_unknown_kid_;
  std::vector<std::shared_ptr<waiter>> waiters_;

  // Read from any thread.
  std::atomic<bool> ready_{false};
  std::atomic<bool> stop_requested_{false};
  issuer_counters counters_;
  mutable std::mutex mu_;
  std::shared_ptr<const boost::json::object> metadata_;
  std::optional<clock::time_point> loaded_at_;
  std::string last_error_;  ///< of the latest round, empty when it succeeded
};

}  // namespace mcpx::auth
