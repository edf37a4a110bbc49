#pragma once
// The built-in stages of the request path, in the order mcpx::server chains them. Each is a
// small class over its own config; see stage.hpp for the contract.
#include "protocol/registry.hpp"
#include "transport/config.hpp"
#include "transport/stage.hpp"

namespace mcpx::transport {

/// DNS-rebinding protection: the Host must be an allowed name, a browser's Origin an allowed
/// or loopback one. Every method.
/// An Origin is compared whole (scheme, host, port; RFC 6454 §6.2): loopback hosts
/// (localhost, 127.0.0.1, [::1]) on any port, or one of the configured origins; "null" and
/// anything malformed are refused.
class host_origin_stage final : public stage {
 public:
  explicit host_origin_stage(origin_config cfg);
  std::optional<refusal> check(exchange& x) const override;
  /// The same rule for any request (e.g. a router's other endpoints): true when its Host and
  /// Origin are allowed. Counts nothing. Thread-safe.
  bool allows(const http::request& req) const;

 private:
  /// "forbidden_host" or "forbidden_origin"; empty when `req` is allowed.
  std::string_view refusal_reason(const http::request& req, field_index& fields) const;
  bool host_allowed(std::string_view host) const;
  bool origin_allowed(std::string_view origin) const;
  struct allowed_origin {
    std::string scheme, host, port;
  };
  const origin_config cfg_;
  std::vector<allowed_origin> origins_;  ///< cfg_.allowed_origins, parsed
};

/// A POST must carry JSON and accept JSON or an event stream.
class media_type_stage final : public stage {
 public:
  media_type_stage();
  std::optional<refusal> check(exchange& x) const override;
};

/// Parses the body as one JSON-RPC message (into the request's arena) and tells the access log
/// what it is.
class decode_stage final : public stage {
 public:
  decode_stage();
  std::optional<refusal> check(exchange& x) const override;
};

/// Which revision the request speaks: a session id means a 2025-xx session, `_meta` or a
/// 2026-07-28 version header means stateless 2026-07-28 (whose headers must mirror the body),
/// a plain initialize starts a 2025-xx session.
class revision_stage final : public stage {
 public:
  explicit revision_stage(const protocol::registry& reg);
  std::optional<refusal> check(exchange& x) const override;

 private:
  const protocol::registry& reg_;
};

/// Finds the 2025-xx session a POST or GET names (refreshing its idle time) and checks the
/// version header against it.
class session_stage final : public stage {
 public:
  explicit session_stage(state::session_store& sessions);
  std::optional<refusal> check(exchange& x) const override;

 private:
  state::session_store& sessions_;
};

}  // namespace mcpx::transport
