#pragma once
// From a request's Authorization and DPoP headers to a principal, or to the reason it is refused:
// the scheme, the token (cached once verified), the issuer it names and that issuer's keys, the
// DPoP proof when the token is bound. Synchronous: an unknown key is reported (need_keys) so the
// caller can wait for the issuer's keys to be refetched and ask again.
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "auth/dpop.hpp"
#include "auth/introspection.hpp"
#include "auth/jwt.hpp"
#include "auth/replay_cache.hpp"
#include "auth/token_cache.hpp"
#include "mcpx/access.hpp"
#include "mcpx/auth_options.hpp"

namespace mcpx::auth {

/// What a request presents, as views into its head.
struct credentials {
  std::string_view authorization;  ///< the Authorization field ("" when none)
  std::size_t authorization_fields = 0;
  std::string_view dpop;  ///< the DPoP field
  std::size_t dpop_fields = 0;
  bool token_in_query = false;  ///< an access_token parameter in the request target
  std::string_view method;      ///< for a proof's `htm`
};

enum class auth_status {
  accepted,   ///< `who` is the caller
  anonymous,  ///< no credentials, and auth.required is false
  refused,    ///< see reason, error, description
  need_keys,  ///< the token names a key `issuer` does not have (yet): refetch, then check again
  /// An opaque token not yet introspected: ask the introspection endpoint (`token`), then check again.
  need_introspection,
  no_keys,  ///< `issuer` has no keys at all even after a refetch: the server cannot judge (503)
};

struct auth_decision {
  auth_status status = auth_status::refused;
  principal_ptr who;
  /// Stable snake_case name (metric label, access log): missing_token, a token_error or
  /// dpop_error name, or one of the header checks' (token_in_query, ...).
  std::string_view reason;
  /// The RFC 6750 / RFC 9449 error code of the challenge: "invalid_request", "invalid_token",
  /// "invalid_dpop_proof"; empty when no credentials were sent (the challenge has no error).
  std::string_view error;
  std::string_view description;  ///< short, never containing the token
  bool dpop_scheme = false;      ///< the request used the DPoP scheme (the error goes on that challenge)
  std::size_t issuer = 0;        ///< need_keys, no_keys
  std::string_view token;        ///< need_introspection: the token to introspect (a view into the request)
};

struct authenticator_config {
  std::vector<issuer_options> issuers;
  std::string resource;  ///< the canonical resource URI: an accepted audience, and a proof's `htu`
  bool required = true;
  dpop_mode dpop = dpop_mode::allowed;
  token_format format;
  std::chrono::seconds leeway{30};
  std::map<std::string, std::vector<std::string>> scope_implies;
  std::size_t cache_entries = 100'000;  ///< 0: every request verifies its token
  dpop_rules proofs;
  /// Tokens that are not JWTs are introspected (set_introspector) at this issuer's endpoint;
  /// an active answer is trusted for introspection_ttl at most.
  bool introspection = false;
  std::size_t introspection_issuer = 0;
  std::chrono::seconds introspection_ttl{60};
};

authenticator_config authenticator_config_of(const auth_options& o);

/// Thread-safe. The hot path (a cached token, bearer) takes one shard lock of the token cache.
class authenticator {
 public:
  explicit authenticator(authenticator_config cfg);

  /// `refetched`: the caller already waited for a refetch of the issuer's keys for this request
  /// (an unknown key is then refused, never reported again).
  auth_decision check(const credentials& c, wall_clock::time_point now, bool refetched = false);
  /// Installs issuer `i`'s JWKS. False (keys unchanged) when none of its keys is usable.
  bool set_keys(std::size_t i, const boost::json::value& jwks, std::string* why = nullptr);
  bool has_keys(std::size_t i) const;
  /// Where the answers for opaque tokens are found (config().introspection); set before use.
  void set_introspector(std::shared_ptr<introspector> in) { introspector_ = std::move(in); }
  const authenticator_config& config() const noexcept { return cfg_; }
  /// The scopes `granted` gives with everything they imply (auth.scope_implies), sorted.
  std::vector<std::string> effective_scopes(const std::vector<std::string>& granted) const;

  std::uint64_t cache_hits() const noexcept { return hits_.load(std::memory_order_relaxed); }
  std::uint64_t verifications() const noexcept { return verified_.load(std::memory_order_relaxed); }

 private:
  struct issuer_state {
    claim_rules rules;
    mutable std::mutex mu;
    std::shared_ptr<const key_set> keys;
  };
  std::shared_ptr<const key_set> keys_of(std::size_t i) const;
  auth_decision verify_token(std::string_view token, wall_clock::time_point now, bool refetched,
                             std::shared_ptr<const verified_token>& out);
  auth_decision check_opaque(std::string_view token, wall_clock::time_point now, bool asked,
                             std::shared_ptr<const verified_token>& out);
  auth_decision accept(verified_token v, std::string_view token, wall_clock::time_point now,
                       std::shared_ptr<const verified_token>& out, wall_clock::time_point cache_until);
  auth_decision check_proof(const credentials& c, std::string_view token, const verified_token& t, bool dpop_scheme,
                            wall_clock::time_point now);

  authenticator_config cfg_;
  std::vector<std::unique_ptr<issuer_state>> issuers_;
  token_cache cache_;
  std::shared_ptr<introspector> introspector_;
  replay_cache proofs_seen_;
  std::atomic<std::uint64_t> hits_{0}, verified_{0};
};

}  // namespace mcpx::auth
