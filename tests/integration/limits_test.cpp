// The admit stage through the real server: tier and cost-class limits, the answers a client
// (and a model) gets when over them, the RateLimit fields, shadow mode, metrics.
#include <gtest/gtest.h>

#include <mcpx/server.hpp>

#include "test_client.hpp"

using namespace mcpx::test;
namespace json = boost::json;

namespace {

struct limited_server {
  std::unique_ptr<mcpx::server> srv;
  explicit limited_server(mcpx::rate_limit_options rl) {
    mcpx::options o;
    o.port = 0;
    o.log_level = "off";
    o.rate_limits = std::move(rl);
    srv = std::make_unique<mcpx::server>(mcpx::server_info{"limits-test", "1.0.0"}, o);
    srv->tool("read_customer").description("reads").handle([](const mcpx::args&, mcpx::context&) {
      return mcpx::tool_result::text("read");
    });
    srv->tool("update_customer")
        .description("writes")
        .cost(mcpx::cost_class::write())
        .handle([](const mcpx::args&, mcpx::context&) { return mcpx::tool_result::text("updated"); });
    srv->start();
  }
  unsigned short port() const { return srv->port(); }
  http_result call(const std::string& tool) const {
    return roundtrip(port(), post(modern_body(7, "tools/call", {{"name", tool}, {"arguments", json::object{}}}),
                                  modern_headers("tools/call", tool)));
  }
  http_result list() const {
    return roundtrip(port(), post(modern_body(3, "tools/list"), modern_headers("tools/list")));
  }
  std::string metrics() const { return roundtrip(port(), "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").body; }
};

mcpx::rate_limit_options tier_of(std::int64_t burst, mcpx::limit_mode mode = mcpx::limit_mode::enforce) {
  mcpx::rate_limit_options o;
  o.mode = mode;
  o.tiers = {{"development", {60, burst}}};
  return o;
}

std::string field(const http_result& r, const std::string& name) {
  auto at = r.head.find("\r\n" + name + ": ");
  if (at == std::string::npos) return "";
  at += name.size() + 4;
  return r.head.substr(at, r.head.find("\r\n", at) - at);
}

TEST(rate_limits, the_tier_burst_is_admitted_then_a_tool_call_gets_a_result_a_model_can_act_on) {
  limited_server s(tier_of(3));
  for (int i = 0; i < 3; ++i) {
    auto r = s.call("read_customer");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body.find("isError"), std::string::npos) << i << ": " << r.body;
    // Both limits a tool call spends: the tier's and its cost class's (read).
    EXPECT_EQ(field(r, "RateLimit-Policy"), R"("development";q=3;w=3, "read";q=100;w=10)") << r.head;
    EXPECT_EQ(field(r, "RateLimit"),
              "\"development\";r=" + std::to_string(2 - i) + ";t=1, \"read\";r=" + std::to_string(99 - i) + ";t=1")
        << r.head;
  }
  auto r = s.call("read_customer");
  ASSERT_EQ(r.status, 200) << r.head << r.body;
  auto res = json_body(r).at("result").as_object();
  EXPECT_EQ(res.at("isError"), true);
  EXPECT_EQ(res.at("resultType"), "complete");
  const auto& err = res.at("structuredContent").at("error").as_object();
  EXPECT_EQ(err.at("type"), "CLIENT_ERROR");
  EXPECT_EQ(err.at("code"), "RATE_LIMIT_EXCEEDED");
  EXPECT_EQ(err.at("recoverable"), true);
  ASSERT_TRUE(err.at("retry_after").is_int64());
  EXPECT_EQ(err.at("retry_after").as_int64(), 1) << "one cell every second at 60/min, rounded up, never 0";
  const std::string text(res.at("content").at(0).at("text").as_string());
  EXPECT_NE(text.find("Rate limit exceeded"), std::string::npos) << text;
  EXPECT_NE(text.find("retried after 1 s."), std::string::npos) << text;
  EXPECT_EQ(field(r, "Retry-After"), "1") << r.head;
  EXPECT_EQ(field(r, "RateLimit"), R"("development";r=0;t=1)") << r.head;
}

// A reply that becomes an SSE stream (the tool reported progress) carries the same fields
// in its head as a plain JSON reply.
TEST(rate_limits, a_streamed_reply_carries_the_fields_too) {
  mcpx::options o;
  o.port = 0;
  o.log_level = "off";
  o.rate_limits = tier_of(5);
  mcpx::server srv(mcpx::server_info{"limits-test", "1.0.0"}, o);
  srv.tool("reports").description("reports progress").handle([](const mcpx::args&, mcpx::context& ctx) {
    ctx.progress(1, 2, "half");
    return mcpx::tool_result::text("done");
  });
  srv.start();
  auto body = json::parse(modern_body(9, "tools/call", {{"name", "reports"}, {"arguments", json::object{}}}));
  body.at("params").at("_meta").as_object()["progressToken"] = "p";
  auto r = roundtrip(srv.port(), post(json::serialize(body), modern_headers("tools/call", "reports")));
  ASSERT_EQ(r.status, 200) << r.head << r.body;
  EXPECT_NE(r.head.find("text/event-stream"), std::string::npos) << r.head;
  EXPECT_EQ(field(r, "Transfer-Encoding"), "chunked") << r.head;
  EXPECT_EQ(r.head.find("Content-Length"), std::string::npos) << r.head;
  EXPECT_EQ(field(r, "RateLimit-Policy"), R"("development";q=5;w=5, "read";q=100;w=10)") << r.head;
  EXPECT_EQ(field(r, "RateLimit"), R"("development";r=4;t=1, "read";r=99;t=1)") << r.head;
  EXPECT_NE(r.body.find("notifications/progress"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("done"), std::string::npos) << r.body;
}

TEST(rate_limits, other_requests_get_a_json_rpc_error_with_429_or_200_by_revision) {
  limited_server s(tier_of(2));
  auto sid = open_legacy_session(s.port());  // one cell
  ASSERT_FALSE(sid.empty());
  EXPECT_EQ(s.list().status, 200);  // the second
  auto modern = s.list();
  EXPECT_EQ(modern.status, 429) << modern.head;
  EXPECT_EQ(field(modern, "Retry-After"), "1");
  auto e = json_body(modern).at("error").as_object();
  EXPECT_EQ(e.at("code"), -32029);
  EXPECT_EQ(e.at("data").at("code"), "RATE_LIMIT_EXCEEDED");
  EXPECT_EQ(e.at("data").at("recoverable"), true);
  EXPECT_EQ(json_body(modern).at("id"), 3);
  // A 2025-11-25 client reads JSON-RPC errors from 200 answers.
  auto legacy = roundtrip(s.port(), post(R"({"jsonrpc":"2.0","id":9,"method":"tools/list"})", legacy_headers(sid)));
  EXPECT_EQ(legacy.status, 200) << legacy.head;
  EXPECT_EQ(json_body(legacy).at("error").at("data").at("code"), "RATE_LIMIT_EXCEEDED") << legacy.body;
  EXPECT_EQ(field(legacy, "Retry-After"), "1");
  // No JSON-RPC request to answer: HTTP 429.
  auto del = roundtrip(s.port(), "DELETE /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n" + legacy_headers(sid) + "\r\n");
  EXPECT_EQ(del.status, 429) << del.head;
}

TEST(rate_limits, a_cost_class_has_its_own_budget_beside_the_tier) {
  auto o = tier_of(100);
  o.classes = {{"read", {600, 100}}, {"write", {60, 2}}};
  limited_server s(o);
  EXPECT_EQ(s.call("update_customer").body.find("isError"), std::string::npos);
  auto second = s.call("update_customer");
  EXPECT_EQ(second.body.find("isError"), std::string::npos);
  EXPECT_NE(field(second, "RateLimit-Policy").find(R"("write";q=2)"), std::string::npos) << second.head;
  auto third = s.call("update_customer");
  auto err = json_body(third).at("result").at("structuredContent").at("error");
  EXPECT_EQ(err.at("code"), "RATE_LIMIT_EXCEEDED") << third.body;
  EXPECT_NE(std::string(err.at("message").as_string()).find("write"), std::string::npos) << third.body;
  EXPECT_EQ(s.call("read_customer").body.find("isError"), std::string::npos) << "reads have their own budget";
  auto m = s.metrics();
  EXPECT_NE(m.find(R"(mcpx_rate_limited_total{tier="development",class="write",tool="update_customer"} 1)"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find(R"(mcpx_stage_refusals_total{stage="admit",reason="rate_limited"} 1)"), std::string::npos) << m;
}

TEST(rate_limits, shadow_mode_counts_and_never_refuses) {
  limited_server s(tier_of(1, mcpx::limit_mode::shadow));
  for (int i = 0; i < 4; ++i) {
    auto r = s.call("read_customer");
    EXPECT_EQ(r.body.find("isError"), std::string::npos) << r.body;
    EXPECT_EQ(field(r, "RateLimit"), "") << "shadow mode changes no answer";
  }
  EXPECT_NE(s.metrics().find("mcpx_rate_limit_shadow_limited_total 3"), std::string::npos);
}

TEST(rate_limits, the_budget_comes_back_at_the_steady_rate) {
  limited_server s(tier_of(1));  // 60/min: a cell a second
  EXPECT_EQ(s.call("read_customer").body.find("isError"), std::string::npos);
  EXPECT_NE(s.call("read_customer").body.find("RATE_LIMIT_EXCEEDED"), std::string::npos);
  std::this_thread::sleep_for(std::chrono::milliseconds(1050));
  EXPECT_EQ(s.call("read_customer").body.find("isError"), std::string::npos) << "retry_after was honest";
}

TEST(rate_limits, an_offering_of_a_class_without_a_rate_stops_start_up) {
  auto o = tier_of(10);
  o.classes = {{"read", {600, 100}}};  // update_customer declares write
  EXPECT_THROW(limited_server{o}, std::invalid_argument);
  auto bad = tier_of(10);
  bad.default_tier = "gold";
  EXPECT_THROW(limited_server{bad}, std::invalid_argument);
}

}  // namespace
