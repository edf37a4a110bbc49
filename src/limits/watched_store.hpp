#pragma once
// A limit_store decorator that reports when its store starts failing and when it answers
// again: one report per transition, never one per check, so an outage makes two log lines
// however many requests it meets.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

#include "mcpx/limits/store.hpp"

namespace mcpx::limits {

class watched_store final : public limit_store {
 public:
  /// `failing` true: the first failure after an answer (or the first check) failed with `e`;
  /// false: the first answer after failures, `failed` counting the checks that failed since.
  /// Called on the thread completing the check; must not block. Concurrent transitions are
  /// each reported once, in no promised order.
  using observer = std::function<void(bool failing, store_error e, std::uint64_t failed)>;

  watched_store(std::unique_ptr<limit_store> inner, observer on_change);

  limit_store& inner() noexcept { return *inner_; }

  void check(std::string_view key, const rate& r, std::int64_t cost, usec now, completion done) override;
  std::optional<check_result> try_check(std::string_view key, const rate& r, std::int64_t cost, usec now) override;

 private:
  // Shared with completions that may outlive the decorator.
  struct state {
    observer on_change;
    std::atomic<bool> failing{false};
    std::atomic<std::uint64_t> failed{0};
    void see(const check_result& r);
  };

  std::unique_ptr<limit_store> inner_;
  std::shared_ptr<state> state_;
};

}  // namespace mcpx::limits
