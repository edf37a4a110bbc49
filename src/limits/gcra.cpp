// The generic cell rate algorithm on whole microseconds (mcpx/limits/gcra.hpp).
#include "mcpx/limits/gcra.hpp"

#include <algorithm>
#include <limits>

namespace mcpx::limits {

namespace {

using i64 = std::int64_t;
constexpr i64 i64_max = std::numeric_limits<i64>::max();
constexpr i64 i64_min = std::numeric_limits<i64>::min();
constexpr i64 minute_us = 60'000'000;

i64 sat_add(i64 a, i64 b) noexcept {
  i64 r;
  if (__builtin_add_overflow(a, b, &r)) return b > 0 ? i64_max : i64_min;
  return r;
}

i64 sat_sub(i64 a, i64 b) noexcept {
  i64 r;
  if (__builtin_sub_overflow(a, b, &r)) return b < 0 ? i64_max : i64_min;
  return r;
}

bool usable(const rate& r) noexcept {
  return r.requests_per_minute >= 1 && r.requests_per_minute <= max_requests_per_minute && r.burst >= 1 &&
         r.burst <= max_burst;
}

// remaining, next_after and reset_after follow from where the TAT ends up: `slack` is how far
// it stays below now + burst·T, in cells of T.
void describe(decision& d, i64 now, i64 limit, i64 t, i64 burst) noexcept {
  const i64 slack = sat_sub(limit, d.tat.count());
  d.remaining = slack > 0 ? std::min(slack / t, burst) : 0;
  if (d.remaining >= burst) d.next_after = usec(0);
  else d.next_after = usec(sat_sub((d.remaining + 1) * t, slack));
  d.reset_after = usec(sat_sub(d.tat.count(), now));
}

}  // namespace

usec interval(const rate& r) noexcept {
  if (r.requests_per_minute < 1) return never;
  // Rounded up: a rate that does not divide the minute runs slightly slow, never fast.
  return usec((minute_us + r.requests_per_minute - 1) / r.requests_per_minute);
}

decision gcra(std::optional<usec> tat, usec now, const rate& r, i64 cost) noexcept {
  decision d;
  const i64 t_now = now.count();
  // A TAT in the past says nothing more than "rested": the key starts from now.
  const i64 base = tat && tat->count() > t_now ? tat->count() : t_now;
  d.tat = usec(base);
  if (!usable(r)) {
    d.why = refusal_cause::impossible;
    d.retry_after = never;
    d.reset_after = usec(sat_sub(base, t_now));
    return d;
  }
  const i64 t = interval(r).count();
  // burst·T ≤ 1e6 · 6e7 and cost·T likewise (cost ≤ burst): neither product overflows.
  const i64 limit = sat_add(t_now, r.burst * t);
  i64 next;
  if (cost < 1 || cost > r.burst) {
    // More than a burst never fits, however long the wait; less than one cell is no request.
    d.why = refusal_cause::impossible;
    d.retry_after = never;
  } else if (__builtin_add_overflow(base, cost * t, &next)) {
    // A TAT beyond the year 292,000: refuse rather than wrap into the past.
    d.why = refusal_cause::impossible;
    d.retry_after = never;
  } else if (next <= limit) {
    d.allowed = true;
    d.tat = usec(next);
  } else {
    d.why = refusal_cause::limited;
    d.retry_after = usec(sat_sub(next, limit));
  }
  describe(d, t_now, limit, t, r.burst);
  return d;
}

}  // namespace mcpx::limits
