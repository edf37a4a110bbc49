#pragma once
// The DPoP `jti` replay cache (RFC 9449 section 11.1): each proof id is accepted once while its
// proof could still be accepted. Bounded: when a shard is full its oldest entry goes, which is the
// price of bounded memory under a flood (the count of such evictions is kept for a metric).
#include <array>
#include <atomic>
#include <cstddef>
#include <memory>
#include <string_view>

#include "auth/jwt.hpp"

namespace mcpx::auth {

class replay_cache {
 public:
  /// At most `max_entries` ids in total, spread over `shards` independently locked shards.
  explicit replay_cache(std::size_t max_entries = 100'000, std::size_t shards = 16);
  ~replay_cache();
  replay_cache(const replay_cache&) = delete;
  replay_cache& operator=(const replay_cache&) = delete;

  /// Records `id` as used until `expires`. False when `id` is already recorded and its entry has
  /// not expired at `now`: a replay. Thread-safe; one shard's lock is held for a map lookup only.
  bool first_use(std::string_view id, wall_clock::time_point now, wall_clock::time_point expires);
  /// Ids held (expired ones included until their slot is reused).
  std::size_t size() const;
  /// Unexpired ids dropped because their shard was full.
  std::size_t evictions() const noexcept { return evictions_.load(std::memory_order_relaxed); }

 private:
  struct shard;
  std::unique_ptr<shard[]> shards_;
  std::size_t shard_count_;
  std::atomic<std::size_t> evictions_{0};
};

}  // namespace mcpx::auth
