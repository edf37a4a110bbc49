#include "auth/token_cache.hpp"

#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

#include "auth/digest.hpp"

namespace mcpx::auth {

namespace {

struct entry {
  std::string token;
  std::shared_ptr<const verified_token> value;
  wall_clock::time_point expires;
};

// The map's key views the token held by its list node, with the hash computed once per call.
struct key_view {
  std::size_t hash;
  std::string_view token;
};
struct key_hash {
  std::size_t operator()(const key_view& k) const noexcept { return k.hash; }
};
struct key_equal {
  // Constant time: a match must not reveal how much of a stored token a guess got right.
  bool operator()(const key_view& a, const key_view& b) const noexcept {
    return a.hash == b.hash && constant_time_equal(a.token, b.token);
  }
};

std::size_t hash_of(std::string_view token) noexcept { return std::hash<std::string_view>{}(token); }

}  // namespace

// Entries in insertion order (the front is the oldest, evicted first) and an index into them.
struct token_cache::shard {
  std::mutex mutex;
  std::list<entry> order;
  std::unordered_map<key_view, std::list<entry>::iterator, key_hash, key_equal> index;

  void erase(decltype(index)::iterator it) {
    auto node = it->second;
    index.erase(it);
    order.erase(node);
  }
};

token_cache::token_cache(token_cache_config config)
    : config_(config),
      shards_(new shard[std::max<std::size_t>(config.shards, 1)]),
      per_shard_(std::max<std::size_t>(1, (config.max_entries + std::max<std::size_t>(config.shards, 1) - 1) /
                                              std::max<std::size_t>(config.shards, 1))) {
  config_.shards = std::max<std::size_t>(config.shards, 1);
}

token_cache::~token_cache() = default;

std::shared_ptr<const verified_token> token_cache::find(std::string_view token, wall_clock::time_point now) {
  auto h = hash_of(token);
  auto& s = shards_[h % config_.shards];
  std::lock_guard lock(s.mutex);
  auto it = s.index.find(key_view{h, token});
  if (it == s.index.end()) return nullptr;
  if (it->second->expires <= now) {
    s.erase(it);
    return nullptr;
  }
  return it->second->value;
}

void token_cache::insert(std::string_view token, std::shared_ptr<const verified_token> verified,
                         wall_clock::time_point now) {
  if (!verified) return;
  auto expires = verified->expires;
  if (config_.max_ttl.count() > 0) expires = std::min(expires, now + config_.max_ttl);
  if (expires <= now) return;
  try {
    // The node (and its copy of the token) is made before the lock is taken.
    std::list<entry> node;
    node.push_back(entry{std::string(token), std::move(verified), expires});
    auto h = hash_of(token);
    auto& s = shards_[h % config_.shards];
    std::lock_guard lock(s.mutex);
    if (auto it = s.index.find(key_view{h, token}); it != s.index.end()) {
      it->second->value = std::move(node.front().value);
      it->second->expires = expires;
      return;
    }
    if (s.index.size() >= per_shard_) {
      auto& oldest = s.order.front();
      if (oldest.expires > now) evictions_.fetch_add(1, std::memory_order_relaxed);
      auto victim = s.index.find(key_view{hash_of(oldest.token), oldest.token});
      if (victim != s.index.end()) s.erase(victim);
      else s.order.pop_front();
    }
    s.order.splice(s.order.end(), node);
    auto last = std::prev(s.order.end());
    try {
      s.index.emplace(key_view{h, last->token}, last);
    } catch (...) {
      s.order.erase(last);
    }
  } catch (...) {
    // Out of memory: the token simply is not cached; the next request verifies it again.
  }
}

std::size_t token_cache::size() const {
  std::size_t n = 0;
  for (std::size_t i = 0; i < config_.shards; ++i) {
    std::lock_guard lock(shards_[i].mutex);
    n += shards_[i].index.size();
  }
  return n;
}

}  // namespace mcpx::auth
