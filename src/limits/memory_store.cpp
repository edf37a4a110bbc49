// The memory limit store: TATs in shards by key digest, each shard a table and an expiry heap
// under its own mutex.
#include <algorithm>
#include <bit>
#include <limits>
#include <mutex>
#include <random>
#include <vector>

#include "limits/siphash.hpp"
#include "limits/tat_table.hpp"
#include "mcpx/limits/store.hpp"

namespace mcpx::limits {

namespace {

// A shard holds a 64-bit keyed digest of each key, not the key: 16 bytes a key instead of a
// node and a string, and a caller choosing its keys cannot choose where they land. Two keys
// sharing a digest (odds about n²/2⁶⁵ among a shard's n keys) would share one TAT: each then
// gets less than its limit, never more.

/// One heap entry per key. `tat` is the key's TAT when the entry was pushed: TATs only grow, so
/// it is a lower bound, and the heap's top is the earliest a key of the shard can expire.
struct heap_entry {
  std::int64_t tat;
  std::uint64_t key;
};

struct later {
  bool operator()(const heap_entry& a, const heap_entry& b) const noexcept { return a.tat > b.tat; }
};

// Keys dropped, at most, each time a new key comes in: keeps the table near its live size at a
// bounded cost per check, so a full shard rarely has to sweep.
constexpr std::size_t upkeep_per_insert = 2;

struct alignas(64) shard {
  mutable std::mutex m;
  tat_table tats;
  std::vector<heap_entry> heap;

  // Pops up to `budget` heap entries that are due; a due entry whose key was renewed since is
  // pushed again with the key's current TAT. Returns the keys dropped.
  std::size_t drop_expired(std::int64_t now, std::size_t budget) {
    std::size_t dropped = 0;
    while (budget > 0 && !heap.empty() && heap.front().tat <= now) {
      --budget;
      std::pop_heap(heap.begin(), heap.end(), later{});
      const heap_entry e = heap.back();
      heap.pop_back();
      tat_table::slot* s = tats.find(e.key);
      if (!s) continue;  // not expected: every key has exactly one entry
      if (s->tat <= now) {
        tats.erase(s);
        ++dropped;
      } else {
        push(e.key, s->tat);
      }
    }
    return dropped;
  }

  void push(std::uint64_t key, std::int64_t tat) {
    heap.push_back({tat, key});
    std::push_heap(heap.begin(), heap.end(), later{});
  }
};

class sharded_memory_store final : public memory_store {
 public:
  explicit sharded_memory_store(memory_store_options o)
      : key_(random_key()),
        shards_(shard_count(o)),
        shift_(shards_.size() == 1 ? 0 : 64 - std::countr_zero(shards_.size())),
        per_shard_(std::max<std::size_t>(o.max_keys, 1) / shards_.size()) {}

  void check(std::string_view key, const rate& r, std::int64_t cost, usec now, completion done) override {
    done(*try_check(key, r, cost, now));
  }

  std::optional<check_result> try_check(std::string_view key, const rate& r, std::int64_t cost, usec now) override {
    const std::uint64_t k = siphash<1, 3>(key_, key);
    // The shard from the top bits, the slot from the bottom ones: independent.
    shard& s = shards_[shift_ == 0 ? 0 : k >> shift_];
    std::lock_guard lock(s.m);
    if (tat_table::slot* held = s.tats.find(k)) {
      decision d = gcra(usec(held->tat), now, r, cost);
      if (d.allowed) held->tat = d.tat.count();
      return d;
    }
    decision d = gcra(std::nullopt, now, r, cost);
    // A refused request leaves a rested key rested: nothing to keep.
    if (!d.allowed) return d;
    return admit_new(s, k, d, now.count());
  }

  std::size_t size() const override {
    std::size_t n = 0;
    for (const shard& s : shards_) {
      std::lock_guard lock(s.m);
      n += s.tats.size();
    }
    return n;
  }

  std::size_t expire(usec now) override {
    std::size_t n = 0;
    for (shard& s : shards_) {
      std::lock_guard lock(s.m);
      n += s.drop_expired(now.count(), std::numeric_limits<std::size_t>::max());
    }
    return n;
  }

 private:
  decision admit_new(shard& s, std::uint64_t key, decision d, std::int64_t now) {
    s.drop_expired(now, upkeep_per_insert);
    if (s.tats.size() >= per_shard_) s.drop_expired(now, std::numeric_limits<std::size_t>::max());
    if (s.tats.size() >= per_shard_) return full(s, now);
    s.tats.insert(key, d.tat.count());
    s.push(key, d.tat.count());
    return d;
  }

  // Every key of the shard is live: taking this one would mean forgetting another's debt.
  static decision full(const shard& s, std::int64_t now) {
    decision d;
    d.why = refusal_cause::store_full;
    d.tat = usec(now);
    std::int64_t wait;
    if (__builtin_sub_overflow(s.heap.front().tat, now, &wait)) wait = std::numeric_limits<std::int64_t>::max();
    d.retry_after = usec(wait);
    d.next_after = d.retry_after;
    return d;
  }

  static sip_key random_key() {
    std::random_device rd;
    auto word = [&rd] { return (std::uint64_t{rd()} << 32) | rd(); };
    return {word(), word()};
  }

  static std::size_t shard_count(const memory_store_options& o) {
    const std::size_t max_keys = std::max<std::size_t>(o.max_keys, 1);
    std::size_t n = std::bit_ceil(std::clamp<std::size_t>(o.shards, 1, std::size_t{1} << 16));
    while (n > max_keys) n /= 2;
    return n;
  }

  const sip_key key_;
  std::vector<shard> shards_;
  const int shift_;
  const std::size_t per_shard_;
};

}  // namespace

std::unique_ptr<memory_store> make_memory_store(memory_store_options options) {
  return std::make_unique<sharded_memory_store>(options);
}

}  // namespace mcpx::limits
