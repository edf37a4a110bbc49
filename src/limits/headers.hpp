#pragma once
// The response fields a limit answers with: RateLimit-Policy and RateLimit of
// draft-ietf-httpapi-ratelimit-headers (-11: Structured Field lists of string items with
// integer parameters), and Retry-After.
#include <cstdint>
#include <string>
#include <string_view>

#include "mcpx/limits/gcra.hpp"
#include "mcpx/limits/rate.hpp"

namespace mcpx::limits {

/// Whole seconds, rounded up (0 stays 0); saturates. The draft's integers are delay-seconds.
std::int64_t ceil_seconds(usec d) noexcept;

/// Appends the quota policy item of `r` to a RateLimit-Policy field value (", " between items):
/// `"name";q=<burst>;w=<burst·T in seconds, rounded up>`. The quota is the burst and the window
/// the time a drained client takes to earn it back, so q/w is the steady rate and the RateLimit
/// field's `r` counts down from q. (q = requests_per_minute with w = 60 says the same rate but
/// hides the burst.)
void append_policy(std::string& field, std::string_view name, const rate& r);

/// Appends the service limit item of `d` to a RateLimit field value (", " between items):
/// `"name";r=<remaining>;t=<seconds until remaining grows, rounded up>`. With that `t`, the
/// client indeed can use no more than `r` within it (the draft's meaning), and a Retry-After for
/// the same refusal never ends before it (the draft's §6 asks for that).
void append_limit(std::string& field, std::string_view name, const decision& d);

/// The start of a RateLimit item for `name`, made once per tier and class so an admitted
/// request only writes integers: `"name";r=`.
std::string limit_item_prefix(std::string_view name);

/// The most a limit item needs beyond its prefix: two sf-integers and ";t=".
inline constexpr std::size_t limit_item_tail = 15 + 3 + 15;

/// Writes the item append_limit would (its prefix from limit_item_prefix) at `out`, which has
/// room for prefix.size() + limit_item_tail characters; returns the end.
char* write_limit(char* out, std::string_view prefix, const decision& d) noexcept;

/// Retry-After delay-seconds for a refusal: retry_after rounded up, at least 1 (0 would invite
/// an immediate retry into the same refusal); `never` saturates at UINT32_MAX, which a stage
/// should rather not send at all.
std::uint32_t retry_after_seconds(usec wait) noexcept;

}  // namespace mcpx::limits
