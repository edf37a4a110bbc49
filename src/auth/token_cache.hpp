#pragma once
// Verified access tokens, remembered until they expire, so a token already seen costs a hash and
// a comparison instead of a signature check.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string_view>

#include "auth/jwt.hpp"

namespace mcpx::auth {

struct token_cache_config {
  std::size_t max_entries = 10'000;  ///< across all shards; the oldest entry of a full shard goes
  std::size_t shards = 16;           ///< independently locked parts
  /// When positive, an entry also goes this long after insertion even if the token lives longer
  /// (a key removed from the issuer's set then stops being honoured sooner).
  std::chrono::seconds max_ttl{0};
};

/// Thread-safe; each operation locks one shard, briefly. Entries are keyed by the whole token
/// (a hash picks the bucket, then the full token is compared in constant time).
class token_cache {
 public:
  explicit token_cache(token_cache_config config = {});
  ~token_cache();
  token_cache(const token_cache&) = delete;
  token_cache& operator=(const token_cache&) = delete;

  /// The verified token cached for `token` if it has not expired at `now`; null otherwise (an
  /// expired entry is dropped). Allocates nothing.
  std::shared_ptr<const verified_token> find(std::string_view token, wall_clock::time_point now);
  /// Remembers `verified` for `token` until verified->expires (or now + max_ttl if sooner). A token
  /// already expired at `now` is not stored. Never throws (on allocation failure nothing is cached).
  void insert(std::string_view token, std::shared_ptr<const verified_token> verified, wall_clock::time_point now);

  std::size_t size() const;
  /// Unexpired entries dropped because their shard was full.
  std::size_t evictions() const noexcept { return evictions_.load(std::memory_order_relaxed); }

 private:
  struct shard;
  token_cache_config config_;
  std::unique_ptr<shard[]> shards_;
  std::size_t per_shard_;
  std::atomic<std::size_t> evictions_{0};
};

}  // namespace mcpx::auth
