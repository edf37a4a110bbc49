#pragma once
// The built-in stages of the request path, in the order mcpx::server chains them. Each is a
// small class over its own config; see stage.hpp for the contract.
#include "protocol/registry.hpp"
#include "transport/config.hpp"
#include "transport/stage.hpp"

namespace mcpx::transport {

/// DNS-rebinding protection: the Host must be an allowed name, a browser's Origin an allowed
/// or loopback one. Every method.
class host_origin_stage final : public stage {
 public:
  explicit host_origin_stage(origin_config cfg);
  std::optional<refusal> check(exchange& x) const override;

 private:
  bool host_allowed(std::string_view host) const;
  bool origin_allowed(std::string_view origin) const;
  const origin_config cfg_;
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
