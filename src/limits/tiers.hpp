#pragma once
// Which limits apply to a caller: its client tier (by token claim, by client id, or the
// default) and, for a tool call, its cost class. Pure functions over tables validated once.
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "mcpx/access.hpp"
#include "mcpx/limits/rate.hpp"

namespace mcpx::limits {

/// The client tiers: the `rate_limits:` table, the default tier, and tiers given per client.
struct tier_rules {
  rate_table tiers = default_tiers();
  std::string default_tier = std::string(default_tier_name);
  /// client_id -> tier name, for clients whose tokens carry no (known) `tier` claim. Matches
  /// the client_id of any issuer.
  std::map<std::string, std::string, std::less<>> clients;
};

/// nullopt when usable: every tier valid, the default tier and every client's tier defined.
std::optional<std::string> validate(const tier_rules& rules);

/// Where a caller's tier came from.
enum class tier_source {
  claim,    ///< the token's `tier` claim names a known tier
  client,   ///< the client_id is listed in tier_rules::clients
  default_  ///< neither: anonymous, no claim, or a claim naming no tier
};

struct tier_choice {
  std::string_view name;  ///< into the rules (or the principal) it was resolved from
  const rate* limit;      ///< never null once the rules passed validate()
  tier_source source;
  /// The token claimed a tier the rules do not define. It gets the client's listed tier or the
  /// default, never a guess; the stage counts these (an issuer and this server disagree).
  bool unknown_claim;
};

/// The caller's tier: the `tier` claim when it names a known tier, else the tier listed for
/// its client_id, else the default. `who` may be null (anonymous). Precondition: validate(rules).
tier_choice resolve_tier(const tier_rules& rules, const principal* who) noexcept;

/// The rate of a cost class, null when the table does not define it (a tool of an unknown
/// class then has no class limit; the stage's config check should refuse that at start).
const rate* class_rate(const rate_table& classes, std::string_view cost_class) noexcept;

}  // namespace mcpx::limits
