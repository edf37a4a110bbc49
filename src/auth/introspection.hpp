#pragma once
// RFC 7662 token introspection for opaque tokens: POST the token to the issuer's
// introspection endpoint with the resource server's client credentials, and cache the answer
// by a hash of the token (never the token itself), bounded in entries and in time.
//
// Threads: introspect() may be called from any thread's coroutine; the fetch runs on a strand
// of the caller's executor and the caller resumes there. The cache is shared (mutex). The
// introspector must outlive every introspect() call under way.
#include <atomic>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "auth/fetch.hpp"

namespace mcpx::auth {

struct introspection_config {
  std::string endpoint;                                             ///< the metadata's introspection_endpoint
  std::string client_id, client_secret;                             ///< sent as HTTP Basic (client_secret_basic)
  std::chrono::milliseconds active_ttl = std::chrono::seconds(60);  ///< at most; never past `exp`
  std::chrono::milliseconds inactive_ttl = std::chrono::seconds(5);
  std::size_t max_entries = 10000;
  std::size_t max_in_flight = 32;  ///< calls under way at once; more fail at once ("busy")
  fetch_options fetch;             ///< body_limit lowered to 64 KiB by default below
  introspection_config() { fetch.body_limit = 64 * 1024; }
};

struct introspection_result {
  enum class kind { active, inactive, failed };
  kind what = kind::failed;
  /// When active: the members the authenticator needs, as sent: active, scope, sub,
  /// client_id, exp, aud, iss, cnf (only its jkt), token_type, tier.
  boost::json::object claims;
  std::string error;  ///< when failed: why (no token in it)
};

struct introspection_counters {
  std::atomic<std::uint64_t> cache_hits{0}, fetched{0}, failed{0};
  std::atomic<std::uint64_t> busy{0};  ///< calls refused because max_in_flight were under way
};

class introspector {
 public:
  explicit introspector(introspection_config cfg);

  /// The cached answer for `token`, or a fresh one. A failed fetch is not cached.
  net::awaitable<std::shared_ptr<const introspection_result>> introspect(std::string token);
  /// The same against `endpoint` instead of the configured one (one learnt from metadata).
  net::awaitable<std::shared_ptr<const introspection_result>> introspect(std::string token, std::string endpoint);
  /// The cached answer for `token` without asking anyone; null when there is none (or it expired).
  std::shared_ptr<const introspection_result> cached(std::string_view token);

  std::size_t cached() const;
  const introspection_config& config() const noexcept { return cfg_; }
  const introspection_counters& counters() const noexcept { return counters_; }

  /// Interprets an introspection response (exposed for tests).
  static introspection_result interpret(const boost::json::value& body);

 private:
  using clock = std::chrono::steady_clock;
  struct entry {
    std::shared_ptr<const introspection_result> result;
    clock::time_point expires;
    std::list<std::string>::iterator lru;
  };
  std::shared_ptr<const introspection_result> lookup(const std::string& key);
  void store(const std::string& key, std::shared_ptr<const introspection_result> r);

  const introspection_config cfg_;
  introspection_counters counters_;
  std::atomic<std::size_t> in_flight_{0};
  mutable std::mutex mu_;
  std::unordered_map<std::string, entry> cache_;
  std::list<std::string> lru_;  ///< front: most recently used
};

}  // namespace mcpx::auth
