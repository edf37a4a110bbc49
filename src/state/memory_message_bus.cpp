// A message bus within one process: subscribers by channel, called on the publisher's thread.
#include <map>
#include <mutex>
#include <vector>

#include "mcpx/state/stores.hpp"

namespace mcpx::state {

namespace {

class memory_message_bus final : public message_bus {
 public:
  std::size_t publish(std::string_view channel, std::string_view message) override {
    // Called outside the lock: a handler may publish or subscribe in turn.
    std::vector<std::shared_ptr<handler>> targets;
    {
      std::lock_guard lock(state_->mu);
      auto [lo, hi] = state_->subs.equal_range(channel);
      for (auto it = lo; it != hi; ++it) targets.push_back(it->second);
    }
    for (auto& h : targets) (*h)(message);
    return targets.size();
  }

  std::unique_ptr<subscription> subscribe(std::string channel, handler h) override {
    auto fn = std::make_shared<handler>(std::move(h));
    std::lock_guard lock(state_->mu);
    auto it = state_->subs.emplace(std::move(channel), fn);
    return std::make_unique<sub>(state_, it);
  }

 private:
  struct shared_state {
    std::mutex mu;
    std::multimap<std::string, std::shared_ptr<handler>, std::less<>> subs;
  };
  // A subscription may outlive the bus (owners are destroyed in any order): it holds the state.
  struct sub final : subscription {
    using iterator = std::multimap<std::string, std::shared_ptr<handler>, std::less<>>::iterator;
    sub(std::shared_ptr<shared_state> s, iterator i) : state(std::move(s)), it(i) {}
    ~sub() override {
      std::lock_guard lock(state->mu);
      state->subs.erase(it);
    }
    std::shared_ptr<shared_state> state;
    iterator it;
  };
  std::shared_ptr<shared_state> state_ = std::make_shared<shared_state>();
};

}  // namespace

std::unique_ptr<message_bus> make_memory_message_bus() { return std::make_unique<memory_message_bus>(); }

}  // namespace mcpx::state
