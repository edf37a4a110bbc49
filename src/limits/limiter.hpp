#pragma once
// One request's admission: its client tier's limit, then its cost class's, against a store
// (memory: decided inline; Redis: asynchronously), with the failure policy applied when the
// store cannot answer. Holds no per-request state; thread-safe.
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "limits/keys.hpp"
#include "limits/tiers.hpp"
#include "mcpx/limit_options.hpp"
#include "mcpx/limits/store.hpp"

namespace mcpx::limits {

struct limiter_config {
  limit_mode mode = limit_mode::enforce;
  tier_rules tiers;
  rate_table classes = default_cost_classes();
  /// Cost class -> what a store failure does; classes not named fail closed.
  std::map<std::string, store_failure, std::less<>> on_store_error;
  bool anonymous_by_address = true;
};

/// limiter_config from the options; validate() it before use.
limiter_config limiter_config_of(const rate_limit_options& o);
/// nullopt when usable, else what is wrong (naming the config key).
std::optional<std::string> validate(const limiter_config& c);

/// What one request asks for: who, under which tier, and its cost class (none for requests
/// that name no offering).
struct ask {
  identity who;
  tier_choice tier;
  std::string_view cost_class;  ///< "" when the request has no class limit
  const rate* class_limit = nullptr;
};

enum class outcome : std::uint8_t {
  admitted,
  limited,        ///< over the tier's or the class's limit (`by_class` says which)
  failed_open,    ///< the store could not answer; let through by policy
  failed_closed,  ///< the store could not answer; refused by policy
};

struct verdict {
  outcome what = outcome::admitted;
  bool by_class = false;                         ///< limited: the class limit refused (else the tier's)
  std::optional<decision> tier, cls;             ///< the decisions made (for the RateLimit fields)
  store_error error = store_error::unavailable;  ///< failed_*
  /// limited / failed_closed: how long to wait (exact for limited; a short fixed delay for a
  /// failed store).
  usec retry_after{0};
};

class limiter {
 public:
  limiter(limiter_config cfg, std::unique_ptr<limit_store> store);

  const limiter_config& config() const noexcept { return cfg_; }
  /// The verdict when the store answers without waiting (memory: always); nullopt otherwise.
  std::optional<verdict> try_decide(const ask& a, usec now);
  /// The verdict, possibly later and on another thread (the store's). `a` must stay valid
  /// until `done` ran.
  void decide(const ask& a, usec now, std::function<void(const verdict&)> done);

  /// How long a refused-on-failure caller is told to wait.
  static constexpr usec store_retry = std::chrono::seconds(1);

 private:
  verdict on_failure(const ask& a, store_error e) const;
  verdict after_tier(const ask& a, const decision& d) const;

  limiter_config cfg_;
  std::unique_ptr<limit_store> store_;
};

}  // namespace mcpx::limits
