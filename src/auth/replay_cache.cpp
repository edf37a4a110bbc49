#include "auth/replay_cache.hpp"

#include <cstring>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "auth/digest.hpp"

namespace mcpx::auth {

namespace {

// Ids are kept as 16 bytes of their SHA-256: fixed size whatever the client sends, and no
// attacker-chosen hash collisions.
using id_key = std::array<unsigned char, 16>;

struct id_hash {
  std::size_t operator()(const id_key& k) const noexcept {
    std::size_t h;
    std::memcpy(&h, k.data(), sizeof h);
    return h;
  }
};

struct slot {
  id_key key{};
  wall_clock::time_point expires{};
  bool used = false;
};

}  // namespace

// A ring of slots in insertion order (the next one to reuse is the oldest) and an index into it.
struct replay_cache::shard {
  std::mutex mutex;
  std::vector<slot> ring;
  std::size_t next = 0;
  std::unordered_map<id_key, std::size_t, id_hash> index;
};

replay_cache::replay_cache(std::size_t max_entries, std::size_t shards)
    : shards_(new shard[std::max<std::size_t>(shards, 1)]), shard_count_(std::max<std::size_t>(shards, 1)) {
  std::size_t per_shard = std::max<std::size_t>(1, (max_entries + shard_count_ - 1) / shard_count_);
  for (std::size_t i = 0; i < shard_count_; ++i) {
    shards_[i].ring.resize(per_shard);
    shards_[i].index.reserve(per_shard);
  }
}

replay_cache::~replay_cache() = default;

bool replay_cache::first_use(std::string_view id, wall_clock::time_point now, wall_clock::time_point expires) {
  auto digest = sha256(id);
  // Without a digest the id cannot be recorded: refusing is the safe answer.
  if (!digest) return false;
  id_key key;
  std::memcpy(key.data(), digest->data(), key.size());
  auto& s = shards_[id_hash{}(key) % shard_count_];
  std::lock_guard lock(s.mutex);
  if (auto it = s.index.find(key); it != s.index.end()) {
    auto& old = s.ring[it->second];
    if (old.expires > now) return false;
    old.expires = expires;  // the earlier use is past its window: this is a new one
    return true;
  }
  auto& victim = s.ring[s.next];
  if (victim.used) {
    if (victim.expires > now) evictions_.fetch_add(1, std::memory_order_relaxed);
    if (auto it = s.index.find(victim.key); it != s.index.end() && it->second == s.next) s.index.erase(it);
  }
  victim = slot{key, expires, false};
  s.index.emplace(key, s.next);
  victim.used = true;  // only once indexed, should emplace have thrown
  s.next = (s.next + 1) % s.ring.size();
  return true;
}

std::size_t replay_cache::size() const {
  std::size_t n = 0;
  for (std::size_t i = 0; i < shard_count_; ++i) {
    std::lock_guard lock(shards_[i].mutex);
    n += shards_[i].index.size();
  }
  return n;
}

}  // namespace mcpx::auth
