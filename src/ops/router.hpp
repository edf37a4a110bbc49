#pragma once
// The first stage after the connection: operational endpoints, then the MCP endpoint.
// Health endpoints skip the Host/Origin checks: orchestrator probes address the pod by IP.
#include <memory>

#include "http/types.hpp"
#include "ops/health.hpp"
#include "ops/metrics.hpp"

namespace mcpx::ops {

namespace net = boost::asio;

class router final : public http::handler {
 public:
  /// `m` may be null (metrics served elsewhere, or off).
  router(std::shared_ptr<http::handler> mcp, health& h, const metrics* m)
      : mcp_(std::move(mcp)), health_(h), metrics_(m) {}
  net::awaitable<http::reply> handle(http::request& req, const http::peer_info& peer) override;

 private:
  net::awaitable<http::reply> handle_ops(http::request& req, const http::peer_info& peer);
  std::shared_ptr<http::handler> mcp_;
  health& health_;
  const metrics* metrics_;
};

}  // namespace mcpx::ops
