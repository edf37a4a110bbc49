#pragma once
// The first stage after the connection: operational endpoints, then the MCP endpoint.
// Health endpoints skip the Host/Origin checks: orchestrator probes address the pod by IP.
#include <memory>

#include "http/types.hpp"
#include "ops/health.hpp"

namespace mcpx::ops {

namespace net = boost::asio;

class router final : public http::handler {
 public:
  router(std::shared_ptr<http::handler> mcp, health& h) : mcp_(std::move(mcp)), health_(h) {}
  net::awaitable<http::reply> handle(http::request& req, const http::peer_info& peer) override;

 private:
  std::shared_ptr<http::handler> mcp_;
  health& health_;
};

}  // namespace mcpx::ops
