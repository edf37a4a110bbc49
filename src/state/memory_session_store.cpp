// Sessions in process memory, sharded so concurrent sessions rarely share a lock.
#include <array>
#include <atomic>
#include <functional>
#include <mutex>
#include <unordered_map>

#include "mcpx/state/stores.hpp"

namespace mcpx::state {

namespace {

using clock = std::chrono::steady_clock;

class memory_session_store final : public session_store {
 public:
  memory_session_store(std::chrono::seconds idle, session_limits limits) : idle_(idle), limits_(limits) {}

  bool create(const session_record& r) override {
    const std::size_t n = r.bytes();
    if (count_.load() >= limits_.max_sessions || n > limits_.max_record_bytes) return false;
    if (!reserve(n)) return false;
    auto& s = shard_for(r.id);
    std::lock_guard lock(s.mu);
    auto [it, inserted] = s.map.emplace(r.id, entry{std::make_shared<const session_record>(r), clock::now()});
    if (inserted) ++count_;
    else bytes_ -= n;
    return inserted;
  }

  std::shared_ptr<const session_record> touch(std::string_view id) override {
    auto& s = shard_for(id);
    std::lock_guard lock(s.mu);
    auto it = s.map.find(id);  // heterogeneous: no key copy on every request
    if (it == s.map.end()) return nullptr;
    auto now = clock::now();
    if (now - it->second.last_seen > idle_) {
      drop(s, it);
      return nullptr;
    }
    it->second.last_seen = now;
    return it->second.record;
  }

  std::shared_ptr<const session_record> peek(std::string_view id) override {
    auto& s = shard_for(id);
    std::lock_guard lock(s.mu);
    auto it = s.map.find(id);
    if (it == s.map.end() || clock::now() - it->second.last_seen > idle_) return nullptr;
    return it->second.record;
  }

  void set_log_level(std::string_view id, std::string_view level) override {
    modify(id, [&](session_record& r) { return r.log_level = level, true; });
  }
  bool subscribe(std::string_view id, const std::string& uri) override {
    return modify(id, [&](session_record& r) {
      if (r.subscriptions.count(uri)) return true;
      if (r.subscriptions.size() >= limits_.max_subscriptions) return false;
      r.subscriptions.insert(uri);
      return true;
    });
  }
  void unsubscribe(std::string_view id, const std::string& uri) override {
    modify(id, [&](session_record& r) { return r.subscriptions.erase(uri), true; });
  }

  bool erase(std::string_view id) override {
    auto& s = shard_for(id);
    std::lock_guard lock(s.mu);
    auto it = s.map.find(id);
    if (it == s.map.end()) return false;
    drop(s, it);
    return true;
  }

  std::size_t size() const override { return count_.load(); }
  std::size_t bytes() const override { return bytes_.load(); }

  std::vector<std::string> expire() override {
    std::vector<std::string> gone;
    auto now = clock::now();
    for (auto& s : shards_) {
      std::lock_guard lock(s.mu);
      for (auto it = s.map.begin(); it != s.map.end();) {
        if (now - it->second.last_seen > idle_) {
          gone.push_back(it->first);
          it = drop(s, it);
        } else {
          ++it;
        }
      }
    }
    return gone;
  }

 private:
  struct entry {
    std::shared_ptr<const session_record> record;  ///< replaced, never changed: touch() hands it out
    clock::time_point last_seen;
  };
  struct key_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  struct shard {
    std::mutex mu;
    std::unordered_map<std::string, entry, key_hash, std::equal_to<>> map;  // map_type
  };
  using map_type = std::unordered_map<std::string, entry, key_hash, std::equal_to<>>;

  // Copy on write within the budgets: `change` returns false to refuse, and a record that would
  // outgrow its budget or the store's stays as it was.
  template <class F>
  bool modify(std::string_view id, F&& change) {
    auto& s = shard_for(id);
    std::lock_guard lock(s.mu);
    auto it = s.map.find(id);
    if (it == s.map.end()) return false;
    auto next = std::make_shared<session_record>(*it->second.record);
    if (!change(*next)) return false;
    const std::size_t before = it->second.record->bytes(), after = next->bytes();
    if (after > limits_.max_record_bytes && after > before) return false;
    if (after > before && !reserve(after - before)) return false;
    if (after < before) bytes_ -= before - after;
    it->second.record = std::move(next);
    return true;
  }
  bool reserve(std::size_t n) {
    auto total = bytes_.fetch_add(n) + n;
    if (total <= limits_.max_total_bytes) return true;
    bytes_ -= n;
    return false;
  }
  map_type::iterator drop(shard& s, map_type::iterator it) {
    bytes_ -= it->second.record->bytes();
    --count_;
    return s.map.erase(it);
  }
  shard& shard_for(std::string_view id) { return shards_[std::hash<std::string_view>{}(id) % shards_.size()]; }

  std::chrono::seconds idle_;
  const session_limits limits_;
  std::atomic<std::size_t> count_{0};
  std::atomic<std::size_t> bytes_{0};
  std::array<shard, 16> shards_;
};

}  // namespace

std::unique_ptr<session_store> make_memory_session_store(std::chrono::seconds idle, session_limits limits) {
  return std::make_unique<memory_session_store>(idle, limits);
}

}  // namespace mcpx::state
