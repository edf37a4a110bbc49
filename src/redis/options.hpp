#pragma once
// What a Redis client is given (options) and what it runs with (settings: the URL parsed,
// every value checked, immutable after). make_settings() is the one place that refuses.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mcpx::redis {

struct options {
  /// redis://[[user]:password@]host[:port][/db] or rediss:// (TLS). Port 6379 by default;
  /// IPv6 hosts in brackets. User and password are percent-decoded.
  std::string url = "redis://127.0.0.1:6379";
  /// AUTH password when the URL has none (the caller reads password_file). Giving both is
  /// refused rather than guessing which one is meant.
  std::string password;
  /// rediss only: trust anchors (PEM). Empty: the system store.
  std::string ca_file;
  /// rediss only: a client certificate chain and its key (PEM), for servers that ask for
  /// one (redis-server's tls-auth-clients is on by default). Both or neither.
  std::string cert_file, key_file;

  std::size_t pool_size = 2;                        ///< connections, 1..64
  std::chrono::milliseconds connect_timeout{2000};  ///< resolve + connect + TLS + AUTH/SELECT
  std::chrono::milliseconds command_timeout{250};   ///< from command() to its reply
  /// A connection whose oldest unanswered command has waited this long is taken for dead
  /// (a peer gone without a reset, a server hung) and is replaced. >= command_timeout.
  std::chrono::milliseconds stall_timeout{3000};
  std::chrono::milliseconds reconnect_min{100};   ///< first retry delay after a failure
  std::chrono::milliseconds reconnect_max{5000};  ///< the delay doubles up to this
  /// Commands sent or waiting on one connection (timed-out ones whose reply is still due
  /// included); past it, command() completes with errc::queue_full.
  std::size_t queue_limit = 4096;
};

/// The parts of a redis:// URL.
struct url_parts {
  bool tls = false;  ///< rediss://
  std::string host;  ///< a name, or an IP address without brackets
  bool host_is_ip = false;
  std::uint16_t port = 6379;
  std::string username;  ///< empty: AUTH with the password only
  std::optional<std::string> password;
  int db = 0;
};

/// Parses a redis:// or rediss:// URL. On a refusal returns nullopt and sets `why` (which
/// never repeats the URL, since it may hold a password).
std::optional<url_parts> parse_url(std::string_view url, std::string& why);

struct settings {
  url_parts target;  ///< password filled from options::password when the URL has none
  std::string ca_file, cert_file, key_file;
  std::size_t pool_size;
  std::chrono::milliseconds connect_timeout, command_timeout, stall_timeout, reconnect_min, reconnect_max;
  std::size_t queue_limit;
};

/// Checks `o` and resolves the URL. Throws std::invalid_argument naming the bad field
/// ("redis.pool_size must be 1..64, got 0"): this runs at start-up, never per command.
settings make_settings(const options& o);

}  // namespace mcpx::redis
