#pragma once
/// @file Who is calling, and what a tool, resource or prompt asks of a caller: the vocabulary
/// shared by the authentication and rate-limit stages, the dispatcher and handlers.
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mcpx {

/// The caller, as established by an authentication stage (a verified access token).
/// Immutable once made; shared by every part of the request that needs it.
struct principal {
  std::string subject;    ///< `sub`: the end user or service the token speaks for
  std::string client_id;  ///< the OAuth client that holds the token
  /// What checks use: the token's scopes plus those they imply (auth.scope_implies).
  std::vector<std::string> scopes;
  std::vector<std::string> granted;  ///< the token's scopes as granted (a step-up keeps them)
  std::string tier;                  ///< rate-limit tier ("development", "production", "enterprise", ...)
  std::string issuer;                ///< `iss`
  std::chrono::system_clock::time_point expires{};  ///< `exp`

  bool has_scope(std::string_view s) const noexcept {
    for (const auto& mine : scopes)
      if (mine == s) return true;
    return false;
  }
  /// True when every scope in `required` is held.
  bool has_scopes(const std::vector<std::string>& required) const noexcept {
    for (const auto& r : required)
      if (!has_scope(r)) return false;
    return true;
  }
};

/// Empty when no authentication is configured (every caller is anonymous).
using principal_ptr = std::shared_ptr<const principal>;

/// Who owns what a caller creates (a legacy session, a task): issuer and subject, "" for an
/// anonymous caller. Another caller presenting its id is told it does not exist.
inline std::string owner_key(const principal* p) {
  if (!p) return {};
  std::string k = p->issuer;
  k += '\n';
  k += p->subject;
  return k;
}

/// owner_key(p) == owner, without building the key.
inline bool is_owner(const principal* p, std::string_view owner) noexcept {
  if (!p) return owner.empty();
  return owner.size() == p->issuer.size() + 1 + p->subject.size() && owner.starts_with(p->issuer) &&
         owner[p->issuer.size()] == '\n' && owner.ends_with(p->subject);
}

/// What one call costs, for per-tool rate limits. The built-in classes cover most tools; a
/// custom class is a name the rate-limit configuration gives its own budget.
struct cost_class {
  std::string name = "read";

  static cost_class read() { return {"read"}; }          ///< cheap lookups
  static cost_class write() { return {"write"}; }        ///< changes state
  static cost_class external() { return {"external"}; }  ///< calls a third-party API
  static cost_class heavy() { return {"heavy"}; }        ///< expensive computation or export
  static cost_class custom(std::string n) { return {std::move(n)}; }
  bool operator==(const cost_class&) const = default;
};

/// What an offering (tool, resource, prompt) asks of a caller; visible to every stage.
struct access_policy {
  std::vector<std::string> scopes;  ///< all required; empty: none
  cost_class cost;
};

}  // namespace mcpx
