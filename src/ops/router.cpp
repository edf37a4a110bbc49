#include "ops/router.hpp"

namespace mcpx::ops {

net::awaitable<http::reply> router::handle(http::request& req, const http::peer_info& peer) {
  std::string_view target = req.target();
  if (auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
  if (target == "/health" || target == "/health/ready") {
    http::reply r;
    if (req.method() != http::bhttp::verb::get && req.method() != http::bhttp::verb::head) {
      r.head.result(http::bhttp::status::method_not_allowed);
      r.head.set(http::bhttp::field::allow, "GET, HEAD");
      co_return r;
    }
    r.head = target == "/health" ? health_.liveness() : health_.readiness();
    if (req.method() == http::bhttp::verb::head) r.head.body().clear();
    co_return r;
  }
  if (target == "/metrics" && metrics_ && req.method() == http::bhttp::verb::get) {
    http::reply r;
    r.head.result(http::bhttp::status::ok);
    r.head.set(http::bhttp::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    r.head.body() = metrics_->render();
    co_return r;
  }
  if (!mcp_) {
    http::reply r;
    r.head.result(http::bhttp::status::not_found);
    co_return r;
  }
  co_return co_await mcp_->handle(req, peer);
}

}  // namespace mcpx::ops
