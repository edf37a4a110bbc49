#pragma once
// A server with rate limits on, as the Redis store tests and the load test use it: one read
// tool and one write tool, on a free port, with helpers for calls, readiness and metrics.
#include <gtest/gtest.h>

#include <mcpx/server.hpp>
#include <memory>
#include <string>

#include "redis_server.hpp"
#include "test_client.hpp"

namespace mcpx::test {

struct limited_replica {
  std::unique_ptr<mcpx::server> srv;

  explicit limited_replica(mcpx::options o) {
    o.port = 0;
    srv = std::make_unique<mcpx::server>(mcpx::server_info{"limits-redis-test", "1.0.0"}, o);
    srv->tool("read_customer").description("reads").handle([](const mcpx::args&, mcpx::context&) {
      return mcpx::tool_result::text("read");
    });
    srv->tool("update_customer")
        .description("writes")
        .cost(mcpx::cost_class::write())
        .handle([](const mcpx::args&, mcpx::context&) { return mcpx::tool_result::text("updated"); });
    srv->start();
  }
  explicit limited_replica(mcpx::rate_limit_options rl, std::string log_level = "off")
      : limited_replica(options_with(std::move(rl), std::move(log_level))) {}

  static mcpx::options options_with(mcpx::rate_limit_options rl, std::string log_level) {
    mcpx::options o;
    o.log_level = std::move(log_level);
    o.rate_limits = std::move(rl);
    return o;
  }

  unsigned short port() const { return srv->port(); }
  static std::string call_request(const std::string& tool, int id = 7) {
    return post(modern_body(id, "tools/call", {{"name", tool}, {"arguments", boost::json::object{}}}),
                modern_headers("tools/call", tool));
  }
  http_result call(const std::string& tool) const { return roundtrip(port(), call_request(tool)); }
  std::string metrics() const { return roundtrip(port(), "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").body; }
  http_result ready() const { return roundtrip(port(), "GET /health/ready HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"); }
  /// Polls /health/ready until it answers `status` (at most `within`); the last answer.
  http_result ready_becomes(int status, std::chrono::milliseconds within = std::chrono::seconds(10)) const {
    http_result r;
    eventually(
        [&] {
          r = ready();
          return r.status == status;
        },
        within);
    return r;
  }
};

/// Limits in Redis at `redis`: the default tier at `tier`, classes generous enough not to
/// interfere unless a test tightens them, the default failure policy (read open, write closed).
inline mcpx::rate_limit_options limits_on(const redis_server& redis, mcpx::rate_limit tier,
                                          std::string prefix = "test:") {
  mcpx::rate_limit_options o;
  o.mode = mcpx::limit_mode::enforce;
  o.tiers = {{"development", tier}};
  o.classes = {{"read", {60'000, 10'000}}, {"write", {60'000, 10'000}}};
  o.use_redis = true;
  o.redis.url = redis.url();
  o.redis.key_prefix = std::move(prefix);
  return o;
}

/// The value of one response header field ("" when absent).
inline std::string field(const http_result& r, const std::string& name) {
  auto at = r.head.find("\r\n" + name + ": ");
  if (at == std::string::npos) return "";
  at += name.size() + 4;
  return r.head.substr(at, r.head.find("\r\n", at) - at);
}

/// The structuredContent.error of an isError tool result (null when the call was not refused).
inline boost::json::value tool_error(const http_result& r) {
  auto v = json_body(r);
  if (!v.is_object() || !v.as_object().contains("result")) return nullptr;
  const auto& res = v.at("result").as_object();
  if (!res.contains("isError") || !res.at("isError").as_bool()) return nullptr;
  return res.at("structuredContent").at("error");
}

}  // namespace mcpx::test
