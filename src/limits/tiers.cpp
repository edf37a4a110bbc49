// Tier and cost-class resolution (tiers.hpp).
#include "limits/tiers.hpp"

namespace mcpx::limits {

std::optional<std::string> validate(const tier_rules& rules) {
  if (rules.tiers.empty()) return "no tier is defined";
  if (auto e = validate(rules.tiers)) return "tier " + *e;
  if (!rules.tiers.contains(rules.default_tier)) return "default tier \"" + rules.default_tier + "\" is not defined";
  for (const auto& [client, tier] : rules.clients)
    if (!rules.tiers.contains(tier)) return "client \"" + client + "\": tier \"" + tier + "\" is not defined";
  return std::nullopt;
}

tier_choice resolve_tier(const tier_rules& rules, const principal* who) noexcept {
  bool unknown_claim = false;
  if (who && !who->tier.empty()) {
    if (auto it = rules.tiers.find(who->tier); it != rules.tiers.end())
      return {it->first, &it->second, tier_source::claim, false};
    unknown_claim = true;
  }
  if (who && !who->client_id.empty()) {
    if (auto c = rules.clients.find(who->client_id); c != rules.clients.end()) {
      if (auto it = rules.tiers.find(c->second); it != rules.tiers.end())
        return {it->first, &it->second, tier_source::client, unknown_claim};
    }
  }
  auto it = rules.tiers.find(rules.default_tier);
  if (it == rules.tiers.end()) return {rules.default_tier, nullptr, tier_source::default_, unknown_claim};
  return {it->first, &it->second, tier_source::default_, unknown_claim};
}

const rate* class_rate(const rate_table& classes, std::string_view cost_class) noexcept {
  auto it = classes.find(cost_class);
  return it == classes.end() ? nullptr : &it->second;
}

}  // namespace mcpx::limits
