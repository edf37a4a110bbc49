#pragma once
/// @file How the server authenticates callers as an OAuth 2.1 resource server: which
/// authorization servers it trusts, the audience tokens must carry, DPoP, and how scopes relate.
/// Set in code or by the `auth:` section of the config file (mcpx/config.hpp).
#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace mcpx {

/// RFC 9449 sender-constrained tokens.
enum class dpop_mode {
  off,       ///< DPoP proofs are not looked at; a DPoP-bound token is refused
  allowed,   ///< bearer tokens, and DPoP-bound tokens with a valid proof
  required,  ///< only DPoP-bound tokens, each with a valid proof
};

/// One authorization server whose tokens are accepted.
struct issuer_options {
  std::string issuer;                  ///< its issuer identifier; discovery (RFC 8414, then OIDC) starts here
  std::vector<std::string> audiences;  ///< accepted besides auth_options::resource
};

/// RFC 7662 introspection, for access tokens that are not JWTs (opaque tokens). Off unless
/// client_id is set. Only tokens that are not JWTs are introspected: a JWT is always verified
/// locally, so a forged JWT never reaches the authorization server.
struct introspection_options {
  /// Which configured issuer answers (its identifier, exactly as in `issuers`); empty: the first.
  std::string issuer;
  /// The endpoint; empty: the issuer's metadata `introspection_endpoint`.
  std::string endpoint;
  std::string client_id;      ///< this server's credentials at the authorization server (HTTP Basic)
  std::string client_secret;  ///< config: auth.introspection.client_secret_file
  /// An active answer is trusted this long (never past the token's `exp`): a revoked token is
  /// refused at most this long after revocation.
  std::chrono::seconds cache_ttl{60};
  std::size_t cache_entries = 10'000;
  /// Introspection calls under way at once; more are answered 503 with Retry-After (a flood of
  /// made-up tokens must not become a flood on the authorization server).
  std::size_t max_in_flight = 32;

  bool enabled() const noexcept { return !client_id.empty(); }
};

struct auth_options {
  /// No issuer: authentication is off and every caller is anonymous.
  std::vector<issuer_options> issuers;
  /// False lets a request without a token through as anonymous (local development only;
  /// start() warns). A token that is sent is always checked.
  bool required = true;
  /// This server's canonical resource URI (RFC 8707, RFC 9728): the audience tokens must carry.
  std::string resource;
  std::string resource_name;  ///< human-readable, in the protected-resource metadata
  dpop_mode dpop = dpop_mode::allowed;
  /// tools/list, resources/list and prompts/list show only what the caller's scopes allow.
  bool list_filtering = true;
  /// Scopes that imply others: {"crm:admin": ["crm:write"], "crm:write": ["crm:read"]}.
  std::map<std::string, std::vector<std::string>> scope_implies;
  bool accept_jwt_typ = false;             ///< also accept `typ: JWT` (providers that do not send at+jwt)
  std::chrono::seconds leeway{30};         ///< clock skew allowed on exp, nbf, iat
  std::size_t max_token_bytes = 8 * 1024;  ///< longer tokens are refused unread
  std::size_t token_cache_entries = 100'000;
  std::chrono::seconds jwks_refresh{300};        ///< keys are refetched at least this often
  std::chrono::seconds unknown_kid_refetch{30};  ///< at most one refetch per issuer per this, for unknown kids
  /// PEM file of CAs trusted for issuer HTTPS instead of the system store (private PKI, tests).
  std::string ca_file;
  introspection_options introspection;

  bool enabled() const noexcept { return !issuers.empty(); }
};

}  // namespace mcpx
