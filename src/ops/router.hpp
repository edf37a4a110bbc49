#pragma once
// The first stage after the connection: operational endpoints, then the MCP endpoint.
// Health endpoints skip the Host/Origin checks: orchestrator probes address the pod by IP.
// /metrics does not: a DNS-rebinding page could read them otherwise.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "http/types.hpp"
#include "ops/health.hpp"
#include "ops/metrics.hpp"

namespace mcpx::ops {

namespace net = boost::asio;

class router final : public http::handler {
 public:
  /// Whether a request may be served; called on the I/O thread, must not block.
  using request_guard = std::function<bool(http::request&, const http::peer_info&)>;

  /// `m` may be null (metrics served elsewhere, or off). `metrics_guard`, when set, must allow
  /// a /metrics request before it is served (403 otherwise): the MCP endpoint's Host/Origin
  /// rule, which this module cannot include. Asked of /metrics requests only.
  router(std::shared_ptr<http::handler> mcp, health& h, const metrics* m, request_guard metrics_guard = {})
      : mcp_(std::move(mcp)), health_(h), metrics_(m), metrics_guard_(std::move(metrics_guard)) {}
  net::awaitable<void> handle(http::request& req, const http::peer_info& peer, http::reply& out) override;
  /// Serves `body` at `path` (under /.well-known/) to GET and HEAD, to anyone and any origin:
  /// public metadata such as RFC 9728's. Before the server starts serving.
  void add_document(std::string path, std::string content_type, std::string body);

 private:
  struct document {
    std::string path, content_type, body;
  };
  std::vector<document> documents_;
  net::awaitable<void> handle_ops(http::request& req, const http::peer_info& peer, http::reply& r);
  std::shared_ptr<http::handler> mcp_;
  health& health_;
  const metrics* metrics_;
  const request_guard metrics_guard_;
};

}  // namespace mcpx::ops
