#pragma once
/// @file The generic cell rate algorithm: one timestamp per key, the theoretical arrival time
/// (TAT), and a pure function deciding a request from it. Every store (memory, Redis) applies
/// exactly this function; see docs/limits.md for the arithmetic.
#include <chrono>
#include <cstdint>
#include <optional>

#include "mcpx/limits/rate.hpp"

namespace mcpx::limits {

/// Times are whole microseconds since the epoch of whichever clock the caller reads (steady
/// for one process, the system clock when replicas share a store). Microseconds because a Redis
/// script holds numbers as doubles: microseconds since 1970 stay below 2^53, so the script can
/// repeat this arithmetic exactly.
using usec = std::chrono::microseconds;

/// The clock a process's checks should read: monotonic, so a step of the system clock neither
/// refuses everyone for the length of a backward step nor rests every key on a forward one. A
/// store shared by replicas decides on a clock they share instead (Redis: its TIME).
inline usec steady_now() noexcept {
  return std::chrono::duration_cast<usec>(std::chrono::steady_clock::now().time_since_epoch());
}

/// "No amount of waiting helps": the retry_after of a request costing more than the burst.
inline constexpr usec never = usec::max();

/// Why a request was refused (`none` when admitted).
enum class refusal_cause : std::uint8_t {
  none,
  limited,     ///< over the rate: retry_after says when the same request fits
  impossible,  ///< costs more than the burst, or the rate or cost is invalid: retry_after == never
  store_full,  ///< a memory store full of live keys could not take a new one (memory_store)
};

/// What one check decided, with what the RateLimit and Retry-After fields need.
struct decision {
  bool allowed = false;
  refusal_cause why = refusal_cause::none;
  /// The key's TAT after this check. On a refusal it is what was stored (or `now` for a key
  /// with no TAT in the future): nothing needs writing.
  usec tat{0};
  /// Cells a request could still take at `now`, after this one if it was admitted (0..burst).
  std::int64_t remaining = 0;
  /// 0 when admitted. Else the wait after which this same request is admitted, exact: at
  /// now + retry_after it is, one microsecond earlier it is not. `never` when waiting cannot help.
  usec retry_after{0};
  /// Until `remaining` grows by one (0 when the key is fully rested). The RateLimit `t`.
  usec next_after{0};
  /// Until the key is fully rested (remaining == burst). After it the key carries no
  /// information, so a store may forget it: its TTL.
  usec reset_after{0};
};

/// T, the emission interval: 60 s / requests_per_minute rounded up to a whole microsecond. It
/// is exact for every rate dividing 60,000,000 (every default); otherwise the steady rate is
/// lower than asked by less than one part in T, never higher. Precondition: validate(r).
usec interval(const rate& r) noexcept;

/// Decides a request costing `cost` cells (≥ 1) for a key whose stored TAT is `tat` (nullopt
/// when the key has none) at `now`. Admitted when the TAT it would leave, max(tat, now) +
/// cost·T, is at most now + burst·T. Pure, noexcept, integer arithmetic; sums and products
/// saturate, and one that would overflow refuses (impossible) rather than wrap. An invalid
/// rate or a cost < 1 is refused as impossible.
decision gcra(std::optional<usec> tat, usec now, const rate& r, std::int64_t cost) noexcept;

}  // namespace mcpx::limits
