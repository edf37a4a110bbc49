#include "limits/limiter.hpp"

namespace mcpx::limits {

limiter_config limiter_config_of(const rate_limit_options& o) {
  limiter_config c;
  c.mode = o.mode;
  c.tiers.tiers = o.tiers;
  c.tiers.default_tier = o.default_tier;
  c.tiers.clients.clear();
  for (const auto& [client, tier] : o.clients) c.tiers.clients.emplace(client, tier);
  c.classes = o.classes;
  for (const auto& [cls, f] : o.on_store_error) c.on_store_error.emplace(cls, f);
  if (o.on_store_error.empty() && c.classes.contains("read"))  // the default: reads open, the rest closed
    c.on_store_error.emplace("read", store_failure::open);
  c.anonymous_by_address = o.anonymous_by_address;
  return c;
}

std::optional<std::string> validate(const limiter_config& c) {
  if (auto e = validate(c.tiers)) return "rate_limits / limits: " + *e;
  if (auto e = validate(c.classes)) return "tool_costs.classes: " + *e;
  for (const auto& [cls, f] : c.on_store_error)
    if (!c.classes.contains(cls)) return "limits.on_store_error: " + cls + " is not a cost class of tool_costs.classes";
  return std::nullopt;
}

limiter::limiter(limiter_config cfg, std::unique_ptr<limit_store> store)
    : cfg_(std::move(cfg)), store_(std::move(store)) {}

// A store failure takes the policy of the request's cost class; a request without one (not a
// tool call) that of "read", the class of lookups.
verdict limiter::on_failure(const ask& a, store_error e) const {
  std::string_view cls = a.cost_class.empty() ? std::string_view("read") : a.cost_class;
  auto it = cfg_.on_store_error.find(cls);
  const bool open = it != cfg_.on_store_error.end() && it->second == store_failure::open;
  verdict v;
  v.what = open ? outcome::failed_open : outcome::failed_closed;
  v.error = e;
  if (!open) v.retry_after = store_retry;
  return v;
}

verdict limiter::after_tier(const ask&, const decision& d) const {
  verdict v;
  v.tier = d;
  if (!d.allowed) {
    v.what = outcome::limited;
    v.retry_after = d.retry_after;
  }
  return v;
}

std::optional<verdict> limiter::try_decide(const ask& a, usec now) {
  const auto tk = tier_key(a.tier.name, a.who);
  auto t = store_->try_check(tk.view(), *a.tier.limit, 1, now);
  if (!t) return std::nullopt;
  if (!t->has_value()) return on_failure(a, t->error());
  verdict v = after_tier(a, **t);
  if (v.what != outcome::admitted || !a.class_limit) return v;
  const auto ck = class_key(a.cost_class, a.who);
  auto c = store_->try_check(ck.view(), *a.class_limit, 1, now);
  if (!c) return std::nullopt;  // a store answering one key inline and not the next: ask again
  if (!c->has_value()) {
    auto f = on_failure(a, c->error());
    f.tier = v.tier;
    return f;
  }
  v.cls = **c;
  if (!v.cls->allowed) {
    v.what = outcome::limited;
    v.by_class = true;
    v.retry_after = v.cls->retry_after;
  }
  return v;
}

void limiter::decide(const ask& a, usec now, std::function<void(const verdict&)> done) {
  const auto tk = tier_key(a.tier.name, a.who);
  auto finish = std::make_shared<std::function<void(const verdict&)>>(std::move(done));
  store_->check(tk.view(), *a.tier.limit, 1, now, [this, &a, now, finish](check_result t) {
    if (!t.has_value()) return (*finish)(on_failure(a, t.error()));
    verdict v = after_tier(a, *t);
    if (v.what != outcome::admitted || !a.class_limit) return (*finish)(v);
    const auto ck = class_key(a.cost_class, a.who);
    store_->check(ck.view(), *a.class_limit, 1, now, [this, &a, v, finish](check_result c) mutable {
      if (!c.has_value()) {
        auto f = on_failure(a, c.error());
        f.tier = v.tier;
        return (*finish)(f);
      }
      v.cls = *c;
      if (!v.cls->allowed) {
        v.what = outcome::limited;
        v.by_class = true;
        v.retry_after = v.cls->retry_after;
      }
      (*finish)(v);
    });
  });
}

}  // namespace mcpx::limits
