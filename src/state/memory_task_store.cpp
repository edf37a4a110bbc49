// Task records in process memory: one map under one lock (tasks are rare next to requests),
// within a count and byte budget.
#include <map>
#include <mutex>

#include "mcpx/state/stores.hpp"

namespace mcpx::state {

namespace {

class memory_task_store final : public task_store {
 public:
  explicit memory_task_store(task_limits limits) : limits_(limits) {}

  bool put(const task_record& r) override {
    if (r.detail_json.size() > limits_.max_record_bytes) return false;
    auto rec = std::make_shared<const task_record>(r);
    std::lock_guard lock(mu_);
    auto it = map_.find(r.id);
    const std::size_t before = it == map_.end() ? 0 : it->second->detail_json.size();
    if (bytes_ - before + r.detail_json.size() > limits_.max_total_bytes) return false;
    if (it == map_.end() && map_.size() >= limits_.max_tasks) return false;
    bytes_ = bytes_ - before + r.detail_json.size();
    if (it != map_.end()) it->second = std::move(rec);
    else map_.emplace(r.id, std::move(rec));
    return true;
  }

  std::shared_ptr<const task_record> get(std::string_view id) override {
    std::lock_guard lock(mu_);
    auto it = map_.find(id);
    if (it == map_.end()) return nullptr;
    if (std::chrono::system_clock::now() > it->second->expires) {
      drop(it);
      return nullptr;
    }
    return it->second;
  }

  bool erase(std::string_view id) override {
    std::lock_guard lock(mu_);
    auto it = map_.find(id);
    if (it == map_.end()) return false;
    drop(it);
    return true;
  }

  std::size_t size() const override {
    std::lock_guard lock(mu_);
    return map_.size();
  }

  std::size_t bytes() const override {
    std::lock_guard lock(mu_);
    return bytes_;
  }

  std::size_t expire() override {
    auto now = std::chrono::system_clock::now();
    std::lock_guard lock(mu_);
    std::size_t n = 0;
    for (auto it = map_.begin(); it != map_.end();) {
      if (now > it->second->expires) {
        it = drop(it);
        ++n;
      } else {
        ++it;
      }
    }
    return n;
  }

 private:
  using map_type = std::map<std::string, std::shared_ptr<const task_record>, std::less<>>;
  map_type::iterator drop(map_type::iterator it) {
    bytes_ -= it->second->detail_json.size();
    return map_.erase(it);
  }

  const task_limits limits_;
  mutable std::mutex mu_;
  map_type map_;
  std::size_t bytes_ = 0;
};

}  // namespace

std::unique_ptr<task_store> make_memory_task_store(task_limits limits) {
  return std::make_unique<memory_task_store>(limits);
}

}  // namespace mcpx::state
