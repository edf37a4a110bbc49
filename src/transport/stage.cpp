#include "transport/stage.hpp"

namespace mcpx::transport {

stage::stage(std::string_view name, unsigned methods, std::vector<std::string_view> reasons)
    : name_(name), methods_(methods), counters_(new counter[reasons.size() + 1]), size_(reasons.size() + 1) {
  for (std::size_t i = 0; i < reasons.size(); ++i) counters_[i].reason = reasons[i];
  counters_[reasons.size()].reason = "other";
}

bool stage::applies_to(http::bhttp::verb v) const noexcept {
  using http::bhttp::verb;
  unsigned bit = on_other;  // PUT, OPTIONS, ...: stages for every method still see them
  if (v == verb::post) bit = on_post;
  else if (v == verb::get) bit = on_get;
  else if (v == verb::delete_) bit = on_delete;
  return (methods_ & bit) != 0;
}

void stage::count(std::string_view reason) const noexcept {
  for (std::size_t i = 0; i + 1 < size_; ++i)
    if (counters_[i].reason == reason) {
      counters_[i].n.fetch_add(1, std::memory_order_relaxed);
      return;
    }
  counters_[size_ - 1].n.fetch_add(1, std::memory_order_relaxed);
}

std::vector<std::pair<std::string_view, std::uint64_t>> stage::refusals() const {
  std::vector<std::pair<std::string_view, std::uint64_t>> out;
  for (std::size_t i = 0; i < size_; ++i) out.emplace_back(counters_[i].reason, counters_[i].n.load());
  return out;
}

void pipeline::insert_after(std::string_view after, std::unique_ptr<stage> s) {
  for (auto it = stages_.begin(); it != stages_.end(); ++it)
    if ((*it)->name() == after) {
      stages_.insert(it + 1, std::move(s));
      return;
    }
  stages_.push_back(std::move(s));
}

std::optional<refusal> pipeline::run(exchange& x) const {
  const auto verb = x.req.method();
  for (; x.next_stage < stages_.size(); ++x.next_stage) {
    const auto& s = stages_[x.next_stage];
    if (!s->applies_to(verb)) continue;
    if (auto r = s->check(x)) {
      s->count(r->reason);
      return r;
    }
    if (x.wait) return std::nullopt;  // the same stage runs again once the wait is over
  }
  return std::nullopt;
}

}  // namespace mcpx::transport
