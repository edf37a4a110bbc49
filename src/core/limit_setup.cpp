#include "core/limit_setup.hpp"

#include <set>
#include <stdexcept>

namespace mcpx::core {

namespace {

// A cost class an offering declares (in code or by config) without a rate would go unlimited
// without anyone noticing: refused at start instead.
void check_classes(const limits::limiter_config& c, const protocol::registry& reg) {
  std::set<std::string> missing;
  auto need = [&](const access_policy& a) {
    if (!c.classes.contains(a.cost.name)) missing.insert(a.cost.name);
  };
  for (const auto& t : reg.tools()) need(t->access);
  for (const auto& r : reg.resources()) need(r->access);
  for (const auto& r : reg.templates()) need(r->access);
  for (const auto& p : reg.prompts()) need(p->access);
  if (missing.empty()) return;
  std::string names;
  for (const auto& m : missing) names += (names.empty() ? "" : ", ") + m;
  throw std::invalid_argument("mcpx: tool_costs.classes has no rate for the cost class(es) " + names +
                              " that offerings declare");
}

}  // namespace

limit_setup::limit_setup(const rate_limit_options& o, const protocol::registry& reg, transport::streamable_http& tr) {
  auto cfg = limits::limiter_config_of(o);
  if (auto e = limits::validate(cfg)) throw std::invalid_argument("mcpx: " + *e);
  check_classes(cfg, reg);
  if (o.use_redis) throw std::invalid_argument("mcpx: limits.store: redis is not available in this build yet");
  auto mem = limits::make_memory_store({o.memory_max_keys, 64});
  memory_ = mem.get();
  limiter_ = std::make_unique<limits::limiter>(std::move(cfg), std::move(mem));
  auto stage = std::make_unique<transport::limit_stage>(*limiter_, reg);
  stage_ = stage.get();
  bool has_scopes = false;
  for (const auto& s : tr.stages().stages()) has_scopes = has_scopes || s->name() == "scopes";
  tr.stages().insert_after(has_scopes ? "scopes" : "session", std::move(stage));
}

void limit_setup::publish(ops::health&, ops::metrics& m) {
  const auto* s = stage_;
  m.add_family("mcpx_rate_limited_total",
               "Requests over a rate limit, by client tier, cost class (empty: the tier's limit) and tool.", "counter",
               [s] { return s->refusal_samples(); });
  m.add_family(
      "mcpx_rate_limit_store_errors_total", "Rate-limit checks the store could not answer, by error.", "counter", [s] {
        std::vector<ops::metrics::sample> out;
        for (auto e : {limits::store_error::unavailable, limits::store_error::timeout, limits::store_error::protocol})
          out.push_back({{{"error", limits::name(e)}}, double(s->store_failures(e))});
        return out;
      });
  m.add_reading("mcpx_rate_limit_failed_open_total",
                "Requests let through because the rate-limit store could not answer (limits.on_store_error).",
                "counter", [s] { return double(s->failed_open()); });
  m.add_reading("mcpx_rate_limit_shadow_limited_total",
                "Requests over a limit let through because limits.rate_limiting is shadow.", "counter",
                [s] { return double(s->shadow_limited()); });
  if (memory_)
    m.add_reading("mcpx_rate_limit_keys", "Clients and cost classes the memory store tracks.", "gauge",
                  [mem = memory_] { return double(mem->size()); });
}

}  // namespace mcpx::core
