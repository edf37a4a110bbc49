#pragma once
/// @file What a rate limit allows: a steady rate and a burst, as operators write them in the
/// `rate_limits:` table (tiers) and for tool cost classes. See docs/limits.md.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace mcpx::limits {

/// A GCRA limit. `requests_per_minute` is the steady rate: one cell is earned back every
/// T = 60 s / requests_per_minute. `burst` is the most cells a rested client may spend at once
/// (the bucket's size): a fresh key admits exactly `burst` requests back to back, then one per T.
/// Signed so that validate() can name a negative value instead of seeing it wrapped.
struct rate {
  std::int64_t requests_per_minute = 60;
  std::int64_t burst = 10;
  bool operator==(const rate&) const = default;
};

/// Bounds validate() enforces. A minute split into more than 60 million cells (1 µs each) would
/// round T; a larger burst than a million is no limit at all.
inline constexpr std::int64_t max_requests_per_minute = 60'000'000;
inline constexpr std::int64_t max_burst = 1'000'000;

/// nullopt when `r` is usable, else why not ("requests_per_minute must be 1-60000000, got 0").
/// Zero is refused rather than read as "refuse everything": a client that must not call at
/// all is an authorization matter, and a limit that can never admit has no Retry-After.
std::optional<std::string> validate(const rate& r);

/// Rates by name (tiers, cost classes); transparent, so a string_view finds without a copy.
using rate_table = std::map<std::string, rate, std::less<>>;

/// The tiers of the production checklist: development 60/10, production 1000/200,
/// enterprise 10000/1000 (requests per minute / burst).
rate_table default_tiers();
/// The tier of a caller no rule names: the strictest of the defaults.
inline constexpr std::string_view default_tier_name = "development";
/// The built-in cost classes (mcpx::cost_class): read 600/100, write 60/10, external 30/5,
/// heavy 10/2.
rate_table default_cost_classes();

/// nullopt when `name` may name a tier or a class: 1-64 characters of [A-Za-z0-9_.-]. Limit keys
/// and header items embed names as they are, so a name can hold neither ':' nor '"'.
std::optional<std::string> validate_name(std::string_view name);
/// Every name and rate of `t`; the message names the offending entry.
std::optional<std::string> validate(const rate_table& t);

}  // namespace mcpx::limits
