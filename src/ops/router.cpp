#include "ops/router.hpp"

namespace mcpx::ops {

namespace {

bool is_ops_path(std::string_view target) {
  if (auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
  return target == "/health" || target == "/health/ready" || target == "/metrics" ||
         target.starts_with("/.well-known/");
}

}  // namespace

net::awaitable<void> router::handle(http::request& req, const http::peer_info& peer, http::reply& out) {
  // Not a coroutine: MCP requests go straight to the transport's, with no frame of our own.
  if (mcp_ && !is_ops_path(req.target())) return mcp_->handle(req, peer, out);
  return handle_ops(req, peer, out);
}

void router::add_document(std::string path, std::string content_type, std::string body) {
  documents_.push_back({std::move(path), std::move(content_type), std::move(body)});
}

net::awaitable<void> router::handle_ops(http::request& req, const http::peer_info& peer, http::reply& r) {
  std::string_view target = req.target();
  if (auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
  if (target == "/health" || target == "/health/ready") {
    if (req.method() != http::bhttp::verb::get && req.method() != http::bhttp::verb::head) {
      r.head.result(http::bhttp::status::method_not_allowed);
      r.head.set(http::bhttp::field::allow, "GET, HEAD");
      co_return;
    }
    r.head = target == "/health" ? health_.liveness() : health_.readiness();
    if (req.method() == http::bhttp::verb::head) r.head.body().clear();
    co_return;
  }
  if (target == "/metrics" && metrics_ && req.method() == http::bhttp::verb::get) {
    if (metrics_guard_ && !metrics_guard_(req, peer)) {
      r.head.result(http::bhttp::status::forbidden);
      r.head.set(http::bhttp::field::content_type, "text/plain");
      r.head.body() = "Forbidden: Host or Origin not allowed\n";
      co_return;
    }
    r.head.result(http::bhttp::status::ok);
    r.head.set(http::bhttp::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    r.head.body() = metrics_->render();
    co_return;
  }
  for (const auto& d : documents_) {
    if (target != d.path) continue;
    if (req.method() != http::bhttp::verb::get && req.method() != http::bhttp::verb::head) {
      r.head.result(http::bhttp::status::method_not_allowed);
      r.head.set(http::bhttp::field::allow, "GET, HEAD");
      co_return;
    }
    r.head.result(http::bhttp::status::ok);
    r.head.set(http::bhttp::field::content_type, d.content_type);
    // Browser-based clients read it cross-origin; it holds nothing private.
    r.head.set(http::bhttp::field::access_control_allow_origin, "*");
    r.head.set(http::bhttp::field::cache_control, "max-age=300");
    if (req.method() == http::bhttp::verb::get) r.head.body() = d.body;
    co_return;
  }
  if (!mcp_) {
    r.head.result(http::bhttp::status::not_found);
    co_return;
  }
  co_await mcp_->handle(req, peer, r);  // /metrics served elsewhere: the transport says 404
}

}  // namespace mcpx::ops
