#pragma once
// Tamper-proof requestState for multi round-trip requests (2026-07-28 MRTR).
// Format: base64url(payload JSON) "." base64url(HMAC-SHA256(key, payload)).
// The payload binds the state to the method, a digest of the request's salient params,
// the client it was issued to, and an expiry, so a state cannot be replayed on another
// request, by another client, or after it lapses.
#include <boost/json.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "mcpx/access.hpp"

namespace mcpx::protocol {

class request_state_codec {
 public:
  /// An empty key draws a random one (single-process deployments).
  explicit request_state_codec(std::string key, std::chrono::seconds ttl);

  /// `binding`: binding_for() the request; `client`: client_binding_for() who receives it.
  std::string seal(boost::json::object payload, std::string_view binding, std::string_view client = {}) const;
  /// Returns the payload, or nullopt with `*why` set when the state is forged, altered,
  /// expired, bound to another request, or issued to another client.
  std::optional<boost::json::object> open(std::string_view state, std::string_view binding, std::string_view client,
                                          std::string* why) const;
  std::optional<boost::json::object> open(std::string_view state, std::string_view binding, std::string* why) const {
    return open(state, binding, {}, why);
  }

  /// A digest of what the state must stay bound to (method + name/uri + arguments).
  static std::string binding_for(std::string_view method, const boost::json::object& params);
  /// A digest of who the state is issued to: the authenticated principal (subject and OAuth
  /// client; null without authentication), the client's declared name, and its session (empty
  /// for stateless requests).
  static std::string client_binding_for(const principal* who, std::string_view client_name,
                                        std::string_view session_id);

 private:
  std::string key_;
  std::chrono::seconds ttl_;
};

}  // namespace mcpx::protocol
