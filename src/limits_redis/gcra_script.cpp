// The GCRA script and its arguments and answer (gcra_script.hpp).
#include "limits_redis/gcra_script.hpp"

#include <charconv>

namespace mcpx::limits {

namespace {

// Line for line the arithmetic of gcra() (src/limits/gcra.cpp). Every value is an integer
// below 2^53 (microseconds since 1970 are about 1.8e15, burst·T at most 6e13), so Lua's doubles
// hold them exactly and floor(slack / t) is the integer quotient. gcra()'s saturation cannot
// trigger here: only this script writes the keys, and it never stores more than now + burst·T.
// TIME before a write needs effects replication: the default since Redis 5, the only mode
// since 7. A refusal writes nothing, so it leaves the key's TTL as it was.
constexpr std::string_view source = R"lua(-- mcpx GCRA check (src/limits_redis/gcra_script.cpp)
local t = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local now
if ARGV[4] then
  now = tonumber(ARGV[4])
else
  local clock = redis.call('TIME')
  now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
end
local base = now
local stored = tonumber(redis.call('GET', KEYS[1]))
if stored and stored > now then base = stored end
local limit = now + burst * t
local allowed, why, tat, retry = 0, 0, base, 0
if cost < 1 or cost > burst then
  why, retry = 2, -1
else
  local nxt = base + cost * t
  if nxt <= limit then
    allowed, tat = 1, nxt
  else
    why, retry = 1, nxt - limit
  end
end
local slack = limit - tat
local remaining = 0
if slack > 0 then remaining = math.min(math.floor(slack / t), burst) end
local next_after = 0
if remaining < burst then next_after = (remaining + 1) * t - slack end
local reset_after = tat - now
if allowed == 1 then
  redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', string.format('%.0f', math.ceil(reset_after / 1000)))
end
return {allowed, why, tat, remaining, retry, next_after, reset_after}
)lua";

constexpr std::size_t answer_size = 7;

}  // namespace

const redis::script& gcra_script() {
  static const redis::script s{std::string(source)};
  return s;
}

script_args::script_args(const rate& r, std::int64_t cost, std::optional<usec> fixed_now) noexcept {
  auto put = [this](std::int64_t v) {
    auto& buf = text_[count_];
    auto end = std::to_chars(buf.data(), buf.data() + buf.size(), v).ptr;
    views_[count_++] = std::string_view(buf.data(), static_cast<std::size_t>(end - buf.data()));
  };
  put(interval(r).count());
  put(r.burst);
  put(cost);
  if (fixed_now) put(fixed_now->count());
}

check_result decision_of(const redis::reply& r, usec now) noexcept {
  if (!r.is_array() || r.elements().size() != answer_size) return store_error::protocol;
  std::int64_t v[answer_size];
  for (std::size_t i = 0; i < answer_size; ++i) {
    const auto& e = r.elements()[i];
    if (!e.is_integer()) return store_error::protocol;
    v[i] = e.as_integer();
  }
  const auto [allowed, why, tat, remaining, retry, next_after, reset_after] = v;
  const bool shape_ok = (allowed == 1 && why == 0 && retry == 0) || (allowed == 0 && why == 1 && retry > 0) ||
                        (allowed == 0 && why == 2 && retry == -1);
  if (!shape_ok || tat < 0 || remaining < 0 || next_after < 0 || reset_after < 0) return store_error::protocol;
  decision d;
  d.allowed = allowed == 1;
  d.why = why == 0 ? refusal_cause::none : why == 1 ? refusal_cause::limited : refusal_cause::impossible;
  d.tat = now + usec(reset_after);
  d.remaining = remaining;
  d.retry_after = retry < 0 ? never : usec(retry);
  d.next_after = usec(next_after);
  d.reset_after = usec(reset_after);
  return d;
}

}  // namespace mcpx::limits
