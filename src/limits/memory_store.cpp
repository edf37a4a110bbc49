// The memory limit store: TATs in shards by key hash, each with its own mutex, map and heap.
#include <algorithm>
#include <bit>
#include <functional>
#include <limits>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "mcpx/limits/store.hpp"

namespace mcpx::limits {

namespace {

/// A key with its hash, computed once per check: it picks the shard and finds the slot.
struct hashed_key {
  std::string_view text;
  std::size_t hash;
};

struct key_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view k) const noexcept { return std::hash<std::string_view>{}(k); }
  std::size_t operator()(const hashed_key& k) const noexcept { return k.hash; }
};

struct key_equal {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
  bool operator()(const hashed_key& a, std::string_view b) const noexcept { return a.text == b; }
  bool operator()(std::string_view a, const hashed_key& b) const noexcept { return a == b.text; }
};

using tat_map = std::unordered_map<std::string, std::int64_t, key_hash, key_equal>;

/// One heap entry per key. `tat` is the key's TAT when the entry was pushed: TATs only grow, so
/// it is a lower bound, and the heap's top is the earliest a key of the shard can expire.
struct heap_entry {
  std::int64_t tat;
  tat_map::value_type* slot;  // node-based map: stable until the key is erased
};

struct later {
  bool operator()(const heap_entry& a, const heap_entry& b) const noexcept { return a.tat > b.tat; }
};

// Keys dropped, at most, each time a new key comes in: keeps the map near its live size at a
// bounded cost per check, so a full shard rarely has to sweep.
constexpr std::size_t upkeep_per_insert = 2;

struct alignas(64) shard {
  mutable std::mutex m;
  tat_map tats;
  std::vector<heap_entry> heap;

  // Pops up to `budget` heap entries that are due; a due entry whose key was renewed since is
  // pushed again with the key's current TAT. Returns the keys dropped.
  std::size_t drop_expired(std::int64_t now, std::size_t budget) {
    std::size_t dropped = 0;
    while (budget > 0 && !heap.empty() && heap.front().tat <= now) {
      --budget;
      std::pop_heap(heap.begin(), heap.end(), later{});
      heap_entry e = heap.back();
      heap.pop_back();
      if (e.slot->second <= now) {
        tats.erase(tats.find(std::string_view(e.slot->first)));
        ++dropped;
      } else {
        push(e.slot);
      }
    }
    return dropped;
  }

  void push(tat_map::value_type* slot) {
    heap.push_back({slot->second, slot});
    std::push_heap(heap.begin(), heap.end(), later{});
  }
};

class sharded_memory_store final : public memory_store {
 public:
  explicit sharded_memory_store(memory_store_options o)
      : shards_(shard_count(o)),
        mask_(shards_.size() - 1),
        per_shard_(std::max<std::size_t>(o.max_keys, 1) / shards_.size()) {}

  void check(std::string_view key, const rate& r, std::int64_t cost, usec now, completion done) override {
    done(*try_check(key, r, cost, now));
  }

  std::optional<check_result> try_check(std::string_view key, const rate& r, std::int64_t cost, usec now) override {
    const hashed_key k{key, key_hash{}(key)};
    shard& s = shards_[k.hash & mask_];
    std::lock_guard lock(s.m);
    if (auto it = s.tats.find(k); it != s.tats.end()) {
      decision d = gcra(usec(it->second), now, r, cost);
      if (d.allowed) it->second = d.tat.count();
      return d;
    }
    decision d = gcra(std::nullopt, now, r, cost);
    // A refused request leaves a rested key rested: nothing to keep.
    if (!d.allowed) return d;
    return admit_new(s, key, d, now.count());
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
  decision admit_new(shard& s, std::string_view key, decision d, std::int64_t now) {
    s.drop_expired(now, upkeep_per_insert);
    if (s.tats.size() >= per_shard_) s.drop_expired(now, std::numeric_limits<std::size_t>::max());
    if (s.tats.size() >= per_shard_) return full(s, now);
    auto [it, inserted] = s.tats.emplace(std::string(key), d.tat.count());
    s.push(&*it);
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

  static std::size_t shard_count(const memory_store_options& o) {
    const std::size_t max_keys = std::max<std::size_t>(o.max_keys, 1);
    std::size_t n = std::bit_ceil(std::clamp<std::size_t>(o.shards, 1, std::size_t{1} << 16));
    while (n > max_keys) n /= 2;
    return n;
  }

  std::vector<shard> shards_;
  std::size_t mask_ = 0;
  std::size_t per_shard_ = 1;
};

}  // namespace

std::unique_ptr<memory_store> make_memory_store(memory_store_options options) {
  return std::make_unique<sharded_memory_store>(options);
}

}  // namespace mcpx::limits
