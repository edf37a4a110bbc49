#pragma once
// gcra() as a Redis Lua script: one atomic call per check, on Redis' clock, so that replicas
// (and their skewed clocks) share one limit. What the script is given and what it answers are
// encoded and decoded here, apart from the store, so tests can drive the script with a fixed
// clock and compare it with gcra() step by step.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "mcpx/limits/completion.hpp"
#include "mcpx/limits/gcra.hpp"
#include "mcpx/limits/rate.hpp"
#include "redis/reply.hpp"
#include "redis/script.hpp"

namespace mcpx::limits {

/// The script. KEYS[1]: the key, holding the TAT (whole microseconds on Redis' clock, as a
/// decimal integer) with a TTL equal to the decision's reset_after. ARGV: T (interval(r) in
/// µs), burst, cost, and, for tests only, a fixed `now` in µs instead of Redis' TIME. Answers
/// an array of seven integers: allowed (0/1), why (0 none, 1 limited, 2 impossible), the TAT
/// after the check, remaining, retry_after (-1: never), next_after, reset_after (µs).
const redis::script& gcra_script();

/// ARGV of one check, formatted in place (no allocation).
class script_args {
 public:
  /// Precondition: validate(r) (an unusable rate has no T to send). `fixed_now`: tests only.
  script_args(const rate& r, std::int64_t cost, std::optional<usec> fixed_now = std::nullopt) noexcept;
  std::span<const std::string_view> views() const noexcept { return {views_.data(), count_}; }

 private:
  std::array<std::array<char, 24>, 4> text_;
  std::array<std::string_view, 4> views_;
  std::size_t count_ = 0;
};

/// The decision the script answered, or store_error::protocol for anything else (an error
/// reply, another shape, values out of range). The script reports durations: the decision's
/// `tat` is put on the caller's clock as `now + reset_after`, since Redis' clock is not the
/// caller's.
check_result decision_of(const redis::reply& r, usec now) noexcept;

}  // namespace mcpx::limits
