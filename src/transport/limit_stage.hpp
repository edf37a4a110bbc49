#pragma once
// `admit`: per-client tier and per-offering cost-class rate limits (src/limits), after the
// scopes stage. An admitted request carries RateLimit-Policy / RateLimit fields; a limited one
// is answered with RATE_LIMIT_EXCEEDED: a tool result (isError) for tools/call, a JSON-RPC
// error for other requests, HTTP 429 with Retry-After when there is no JSON-RPC request to
// answer (GET, DELETE, notifications). With a shared store (Redis) the stage waits for the
// store's answer (exchange::wait) instead of blocking the I/O thread.
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "limits/limiter.hpp"
#include "ops/metrics.hpp"
#include "protocol/registry.hpp"
#include "transport/stage.hpp"

namespace mcpx::transport {

class limit_stage final : public stage {
 public:
  limit_stage(limits::limiter& l, const protocol::registry& reg);
  std::optional<refusal> check(exchange& x) const override;

  /// Refusals by tier, class and tool (the tool of a tools/call, else ""); for /metrics.
  std::vector<ops::metrics::sample> refusal_samples() const;
  std::uint64_t store_failures(limits::store_error e) const noexcept;
  std::uint64_t failed_open() const noexcept { return failed_open_.load(std::memory_order_relaxed); }
  std::uint64_t shadow_limited() const noexcept { return shadow_.load(std::memory_order_relaxed); }

 private:
  std::optional<refusal> answer(exchange& x, const limits::ask& a, const limits::verdict& v,
                                std::string_view tool) const;
  void count_refusal(std::string_view tier, std::string_view cls, std::string_view tool) const;

  // What an admitted request's fields need is made once per tier and class at start (they only
  // change with the configuration), found by the rates' addresses in the configuration: a
  // short scan of pointers, no string compared or copied.
  struct policy_entry {
    const limits::rate* tier;
    const limits::rate* cls;  // null: no class limit
    std::string lead;         // "RateLimit-Policy: <value>\r\nRateLimit: "
  };
  struct item_prefix {
    const limits::rate* limit;
    std::string prefix;  // limits::limit_item_prefix of its name
  };
  const std::string* fields_lead(const limits::rate* tier, const limits::rate* cls) const noexcept;
  const std::string* prefix_of(const limits::rate* limit) const noexcept;
  void add_fields(exchange& x, const limits::ask& a, const limits::verdict& v) const;

  limits::limiter& lim_;
  const protocol::registry& reg_;
  std::vector<policy_entry> policies_;
  std::vector<item_prefix> prefixes_;
  mutable std::mutex mu_;  // refusals only: an admitted request takes no lock here
  mutable std::map<std::string, std::uint64_t, std::less<>> refused_;  // "tier\\ncls\\ntool"
  mutable std::array<std::atomic<std::uint64_t>, 3> store_errors_{};
  mutable std::atomic<std::uint64_t> failed_open_{0}, shadow_{0};
};

}  // namespace mcpx::transport
