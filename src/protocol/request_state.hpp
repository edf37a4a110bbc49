#pragma once
// Tamper-proof requestState for multi round-trip requests (2026-07-28 MRTR).
// Format: base64url(payload JSON) "." base64url(HMAC-SHA256(key, payload)).
// The payload binds the state to the method, a digest of the request's salient params,
// and an expiry, so a state cannot be replayed on another request or after it lapses.
#include <boost/json.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace mcpx::protocol {

class request_state_codec {
 public:
  /// An empty key draws a random one (single-process deployments).
  explicit request_state_codec(std::string key, std::chrono::seconds ttl);

  std::string seal(boost::json::object payload, std::string_view binding) const;
  /// Returns the payload, or nullopt with `*why` set when the state is forged, altered,
  /// expired or bound to another request.
  std::optional<boost::json::object> open(std::string_view state, std::string_view binding, std::string* why) const;

  /// A digest of what the state must stay bound to (method + name/uri + arguments).
  static std::string binding_for(std::string_view method, const boost::json::object& params);

 private:
  std::string key_;
  std::chrono::seconds ttl_;
};

}  // namespace mcpx::protocol
