// Task records in process memory: one map under one lock (tasks are rare next to requests).
#include <map>
#include <mutex>

#include "mcpx/state/stores.hpp"

namespace mcpx::state {

namespace {

class memory_task_store final : public task_store {
 public:
  explicit memory_task_store(std::size_t max) : max_(max) {}

  bool put(const task_record& r) override {
    auto rec = std::make_shared<const task_record>(r);
    std::lock_guard lock(mu_);
    auto it = map_.find(r.id);
    if (it != map_.end()) {
      it->second = std::move(rec);
      return true;
    }
    if (map_.size() >= max_) return false;
    map_.emplace(r.id, std::move(rec));
    return true;
  }

  std::shared_ptr<const task_record> get(std::string_view id) override {
    std::lock_guard lock(mu_);
    auto it = map_.find(id);
    if (it == map_.end()) return nullptr;
    if (std::chrono::system_clock::now() > it->second->expires) {
      map_.erase(it);
      return nullptr;
    }
    return it->second;
  }

  bool erase(std::string_view id) override {
    std::lock_guard lock(mu_);
    auto it = map_.find(id);
    if (it == map_.end()) return false;
    map_.erase(it);
    return true;
  }

  std::size_t size() const override {
    std::lock_guard lock(mu_);
    return map_.size();
  }

  std::size_t expire() override {
    auto now = std::chrono::system_clock::now();
    std::lock_guard lock(mu_);
    return std::erase_if(map_, [&](const auto& kv) { return now > kv.second->expires; });
  }

 private:
  const std::size_t max_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const task_record>, std::less<>> map_;
};

}  // namespace

std::unique_ptr<task_store> make_memory_task_store(std::size_t max_tasks) {
  return std::make_unique<memory_task_store>(max_tasks);
}

}  // namespace mcpx::state
