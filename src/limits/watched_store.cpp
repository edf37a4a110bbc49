#include "limits/watched_store.hpp"

namespace mcpx::limits {

void watched_store::state::see(const check_result& r) {
  if (r.has_value()) {
    // The exchange makes one caller the reporter of the transition; the load keeps the
    // common case (answering, and answered before) free of a read-modify-write.
    if (failing.load(std::memory_order_relaxed) && failing.exchange(false))
      on_change(false, store_error::unavailable, failed.exchange(0));
    return;
  }
  failed.fetch_add(1, std::memory_order_relaxed);
  if (!failing.load(std::memory_order_relaxed) && !failing.exchange(true)) on_change(true, r.error(), 0);
}

watched_store::watched_store(std::unique_ptr<limit_store> inner, observer on_change)
    : inner_(std::move(inner)), state_(std::make_shared<state>()) {
  state_->on_change = std::move(on_change);
}

void watched_store::check(std::string_view key, const rate& r, std::int64_t cost, usec now, completion done) {
  inner_->check(key, r, cost, now, [s = state_, done = std::move(done)](check_result res) mutable {
    s->see(res);
    done(std::move(res));
  });
}

std::optional<check_result> watched_store::try_check(std::string_view key, const rate& r, std::int64_t cost, usec now) {
  auto res = inner_->try_check(key, r, cost, now);
  if (res) state_->see(*res);
  return res;
}

}  // namespace mcpx::limits
