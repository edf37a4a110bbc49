#pragma once
/// @file Where TATs live: the limit_store seam, with a sharded memory implementation for one
/// process; a Redis implementation (one atomic script per check) serves replicas.
#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>

#include "mcpx/limits/completion.hpp"
#include "mcpx/limits/gcra.hpp"
#include "mcpx/limits/rate.hpp"

namespace mcpx::limits {

/// Applies gcra() to the TAT stored under a key and stores the new one, atomically per key.
/// Keys are opaque bytes (see src/limits/keys.hpp for how the stage builds them). All methods
/// are thread-safe.
class limit_store {
 public:
  virtual ~limit_store() = default;

  /// Decides a request costing `cost` cells against `key` at `now` and hands the result to
  /// `done`, exactly once. A store that must ask elsewhere (Redis) returns at once and calls
  /// `done` later, on a thread of its own: `done` must not block, and should hop back to the
  /// caller's executor. A memory store calls `done` inline, before check() returns.
  /// `now` is the caller's clock (steady_now()); a store shared by replicas decides on a clock
  /// they share instead (Redis: TIME inside the script), which is why a decision reports
  /// durations, not instants, for the caller to use.
  virtual void check(std::string_view key, const rate& r, std::int64_t cost, usec now, completion done) = 0;

  /// The same decision when the store can make it without waiting (memory: always), nullopt
  /// when it cannot (Redis: call check()). No allocation for a key the store already holds.
  virtual std::optional<check_result> try_check(std::string_view key, const rate& r, std::int64_t cost, usec now) = 0;
};

/// What a memory store may hold.
struct memory_store_options {
  /// Keys kept at most. A key lives at most burst·T after its last admitted request (12 s for
  /// the largest default), so the bound is reached only by that many distinct callers within
  /// that time. Split evenly over the shards.
  std::size_t max_keys = 1'000'000;
  /// Independent locks; rounded up to a power of two, at most max_keys.
  std::size_t shards = 64;
};

/// One process's store: shards by a keyed digest of the key (SipHash-1-3 under a random
/// per-store key), each an open-addressing table of TATs plus a min-heap of TATs that finds the
/// keys whose TAT has passed (they carry nothing and are dropped first), under its own mutex.
/// About 50 bytes a key. When a shard is full of live keys, a new key is not taken and its
/// request is refused (`refusal_cause::store_full`, retry_after = until the shard's earliest key
/// can expire): forgetting a live key would hand its client a fresh burst, more than the limit
/// allows.
class memory_store : public limit_store {
 public:
  /// Keys held (live or not yet dropped).
  virtual std::size_t size() const = 0;
  /// Drops every key whose TAT is at or before `now`; returns how many. Optional upkeep: a full
  /// shard drops them itself before refusing a key.
  virtual std::size_t expire(usec now) = 0;
};

std::unique_ptr<memory_store> make_memory_store(memory_store_options options = {});

}  // namespace mcpx::limits
