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
  memory_session_store(std::chrono::seconds idle, std::size_t max) : idle_(idle), max_(max) {}

  bool create(const session_record& r) override {
    if (count_.load() >= max_) return false;
    auto& s = shard_for(r.id);
    std::lock_guard lock(s.mu);
    auto [it, inserted] = s.map.emplace(r.id, entry{std::make_shared<const session_record>(r), clock::now()});
    if (inserted) ++count_;
    return inserted;
  }

  std::shared_ptr<const session_record> touch(std::string_view id) override {
    auto& s = shard_for(id);
    std::lock_guard lock(s.mu);
    auto it = s.map.find(id);  // heterogeneous: no key copy on every request
    if (it == s.map.end()) return nullptr;
    auto now = clock::now();
    if (now - it->second.last_seen > idle_) {
      s.map.erase(it);
      --count_;
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
    modify(id, [&](session_record& r) { r.log_level = level; });
  }
  void subscribe(std::string_view id, const std::string& uri) override {
    modify(id, [&](session_record& r) { r.subscriptions.insert(uri); });
  }
  void unsubscribe(std::string_view id, const std::string& uri) override {
    modify(id, [&](session_record& r) { r.subscriptions.erase(uri); });
  }

  bool erase(std::string_view id) override {
    auto& s = shard_for(id);
    std::lock_guard lock(s.mu);
    if (s.map.erase(std::string(id)) == 0) return false;
    --count_;
    return true;
  }

  std::size_t size() const override { return count_.load(); }

  std::vector<std::string> expire() override {
    std::vector<std::string> gone;
    auto now = clock::now();
    for (auto& s : shards_) {
      std::lock_guard lock(s.mu);
      for (auto it = s.map.begin(); it != s.map.end();) {
        if (now - it->second.last_seen > idle_) {
          gone.push_back(it->first);
          it = s.map.erase(it);
          --count_;
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
    std::unordered_map<std::string, entry, key_hash, std::equal_to<>> map;
  };
  template <class F>
  void modify(std::string_view id, F&& change) {
    auto& s = shard_for(id);
    std::lock_guard lock(s.mu);
    if (auto it = s.map.find(id); it != s.map.end()) {
      auto next = std::make_shared<session_record>(*it->second.record);
      change(*next);
      it->second.record = std::move(next);
    }
  }
  shard& shard_for(std::string_view id) { return shards_[std::hash<std::string_view>{}(id) % shards_.size()]; }

  std::chrono::seconds idle_;
  std::size_t max_;
  std::atomic<std::size_t> count_{0};
  std::array<shard, 16> shards_;
};

}  // namespace

std::unique_ptr<session_store> make_memory_session_store(std::chrono::seconds idle, std::size_t max) {
  return std::make_unique<memory_session_store>(idle, max);
}

}  // namespace mcpx::state
