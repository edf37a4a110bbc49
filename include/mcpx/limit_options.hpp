#pragma once
/// @file Rate limits: per-client tiers (requests per minute + burst) and per-tool cost classes,
/// kept in memory or in Redis so replicas share them. Set in code or by the `rate_limits:`,
/// `limits:` and `tool_costs:` sections of the config file (mcpx/config.hpp).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "mcpx/limits/rate.hpp"

namespace mcpx {

/// A steady rate with a burst: `requests_per_minute` on average, and up to `burst` requests
/// at once (docs/limits.md says exactly how they combine).
using rate_limit = limits::rate;

enum class limit_mode {
  off,      ///< nothing is checked
  shadow,   ///< checked and counted (metrics, log), never refused: to size limits before enforcing
  enforce,  ///< over the limit is refused with RATE_LIMIT_EXCEEDED
};

/// What a check does when the store cannot answer (Redis unreachable, timed out).
enum class store_failure {
  open,    ///< let the request through (logged and counted)
  closed,  ///< refuse it: EXTERNAL_ERROR, recoverable, with retry_after
};

/// Where limit state lives when it is shared by replicas.
struct limit_redis_options {
  std::string url = "redis://127.0.0.1:6379";  ///< redis://[user:password@]host:port[/db], rediss:// for TLS
  std::string password;                        ///< config: limits.redis.password_file
  std::string key_prefix = "mcpx:";
  std::string ca_file;  ///< PEM CAs for rediss:// instead of the system store
  std::chrono::milliseconds command_timeout{250};
  std::size_t pool_size = 2;
};

struct rate_limit_options {
  limit_mode mode = limit_mode::off;
  /// Tier name -> rate. A client's tier: the token's `tier` claim when it names a tier here,
  /// else `clients[client_id]`, else `default_tier`.
  limits::rate_table tiers = {{"development", {60, 10}}, {"production", {1000, 200}}, {"enterprise", {10000, 1000}}};
  std::string default_tier = "development";
  std::map<std::string, std::string> clients;  ///< client_id -> tier
  /// Callers without a principal (auth off, or auth.required false) are limited by their
  /// address (IPv6: its /64) under the default tier; false: not limited at all.
  bool anonymous_by_address = true;
  /// Cost class -> rate, each its own budget per client (on top of the tier's).
  limits::rate_table classes = {{"read", {600, 100}}, {"write", {60, 10}}, {"external", {30, 5}}, {"heavy", {10, 2}}};
  /// Cost class -> behaviour when the store fails; a class not named here fails closed. Empty
  /// (the default): `read` fails open, every other class closed.
  std::map<std::string, store_failure> on_store_error;
  bool use_redis = false;  ///< limits.store: memory | redis
  limit_redis_options redis;
  std::size_t memory_max_keys = 1'000'000;  ///< memory store: clients tracked at once

  bool enabled() const noexcept { return mode != limit_mode::off; }
};

}  // namespace mcpx
