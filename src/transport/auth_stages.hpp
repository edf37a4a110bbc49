#pragma once
// The OAuth 2.1 resource server on the request path: `authenticate` (right after host_origin)
// turns the Authorization and DPoP headers into exchange::who or a 401 with its challenge;
// `scopes` (after the session stage) refuses a tools/call, resources/read or prompts/get whose
// declared scopes the caller lacks, with 403 insufficient_scope (RFC 6750 3.1).
#include <functional>
#include <string>

#include "auth/authenticator.hpp"
#include "protocol/registry.hpp"
#include "transport/stage.hpp"

namespace mcpx::transport {

struct auth_stage_config {
  /// This resource's RFC 9728 metadata URL, named in every challenge.
  std::string resource_metadata;
  dpop_mode dpop = dpop_mode::allowed;
  /// Waits until issuer `i`'s keys were refetched, or the attempt ended (bounded).
  std::function<http::net::awaitable<void>(std::size_t i)> refetch;
  /// Waits until the introspection endpoint answered for `token` (or the attempt ended), so
  /// the answer is in the authenticator's reach.
  std::function<http::net::awaitable<void>(std::string token)> introspect;
};

/// What a challenge says beyond the scheme and resource_metadata.
struct challenge_params {
  std::string_view scope;        ///< scopes the request needs (space-separated); empty: none named
  std::string_view error;        ///< RFC 6750 / RFC 9449 error code; empty: none
  std::string_view description;  ///< error_description
  bool on_dpop = false;          ///< the error belongs on the DPoP challenge
};

/// The WWW-Authenticate values for `p`: a Bearer challenge (not when DPoP is required) and a
/// DPoP one with its algs (not when DPoP is off).
std::vector<std::string> challenges(const auth_stage_config& cfg, const challenge_params& p);

class authenticate_stage final : public stage {
 public:
  authenticate_stage(auth::authenticator& a, const protocol::registry& reg, auth_stage_config cfg);
  std::optional<refusal> check(exchange& x) const override;

 private:
  /// The scopes a modern request names in Mcp-Method / Mcp-Name needs, for the challenge.
  std::string scope_hint(const http::request& req) const;
  auth::authenticator& authn_;
  const protocol::registry& reg_;
  auth_stage_config cfg_;
};

class scope_stage final : public stage {
 public:
  scope_stage(const protocol::registry& reg, auth_stage_config cfg);
  std::optional<refusal> check(exchange& x) const override;

 private:
  const protocol::registry& reg_;
  auth_stage_config cfg_;
};

/// The scopes a decoded request needs (tools/call, resources/read and /subscribe, prompts/get);
/// null when it needs none or names nothing registered (the dispatcher answers that).
const std::vector<std::string>* scopes_needed(const protocol::registry& reg, const jsonrpc::message& msg);

}  // namespace mcpx::transport
