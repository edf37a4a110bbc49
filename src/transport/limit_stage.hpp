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

  /// The RateLimit-Policy value of an admitted request, made once per tier and class (they only
  /// change with the configuration): tier name -> class name ("" for none) -> the field value.
  const std::string* policy_of(std::string_view tier, std::string_view cost_class) const noexcept;

  limits::limiter& lim_;
  const protocol::registry& reg_;
  std::map<std::string, std::map<std::string, std::string, std::less<>>, std::less<>> policies_;
  mutable std::mutex mu_;  // refusals only: an admitted request takes no lock here
  mutable std::map<std::string, std::uint64_t, std::less<>> refused_;  // "tier\\ncls\\ntool"
  mutable std::array<std::atomic<std::uint64_t>, 3> store_errors_{};
  mutable std::atomic<std::uint64_t> failed_open_{0}, shadow_{0};
};

}  // namespace mcpx::transport
