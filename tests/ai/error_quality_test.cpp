// What a model reads when a call fails: for every error path a tool call can take, the result
// is classified (type, code, message, recoverable, and retry_after when waiting helps), its text
// block is short (<= 200 characters) and says what to do next, and nothing internal leaks (no
// stack trace, SQL, file path, token, internal address).
#include <gtest/gtest.h>

#include <mcpx/server.hpp>
#include <regex>
#include <thread>

#include "../integration/test_client.hpp"

using namespace mcpx::test;
namespace json = boost::json;

namespace {

// What an unclassified failure deep in a handler might say: it must reach the log, not the model.
const char* leaky =
    "pq: ERROR: relation \"customers\" does not exist in SELECT * FROM customers WHERE id='1' "
    "at /work/app/src/db.cpp:42 (connecting to 10.0.3.7:5432 as app, token eyJhbGciOiJSUzI1NiJ9.x.y)";

struct error_server {
  std::unique_ptr<mcpx::server> srv;
  error_server() {
    mcpx::options o;
    o.port = 0;
    o.log_level = "off";
    o.rate_limits.mode = mcpx::limit_mode::enforce;
    o.rate_limits.tiers = {{"development", {60, 1000}}};
    o.rate_limits.classes = {{"read", {60'000, 1000}}, {"write", {60, 1}}};
    srv = std::make_unique<mcpx::server>(mcpx::server_info{"ai-errors", "1.0.0"}, o);
    srv->tool("get_customer")
        .description("one customer")
        .input_schema(json::parse(R"({"type":"object","properties":{"customer_id":{"type":"string",
            "pattern":"^cust_[0-9]+$"}},"required":["customer_id"],"additionalProperties":false})"))
        .handle([](const mcpx::args& a, mcpx::context&) -> mcpx::tool_result {
          if (a.at("customer_id") == "cust_0")
            throw mcpx::client_error("No customer cust_0; call list_customers to find valid ids.", "NOT_FOUND");
          return mcpx::tool_result::text("ok");
        });
    srv->tool("search")
        .description("long pattern")
        .input_schema(json::parse(R"({"type":"object","properties":{"q":{"type":"string","pattern":"^)" +
                                  std::string(180, 'a') + R"($"}},"required":["q"]})"))
        .handle([](const mcpx::args&, mcpx::context&) { return mcpx::tool_result::text("ok"); });
    srv->tool("crm_upstream")
        .description("calls the CRM")
        .handle([](const mcpx::args&, mcpx::context&) -> mcpx::tool_result {
          throw mcpx::external_error("The CRM did not answer in time; retry later.", 30, "UPSTREAM_TIMEOUT");
        });
    srv->tool("broken").description("fails").handle([](const mcpx::args&, mcpx::context&) -> mcpx::tool_result {
      throw std::runtime_error(leaky);
    });
    srv->tool("misconfigured").description("fails").handle([](const mcpx::args&, mcpx::context&) -> mcpx::tool_result {
      throw mcpx::server_error("This tool is not configured on the server; do not retry, report it.", "NOT_CONFIGURED");
    });
    srv->tool("update_customer")
        .description("writes")
        .cost(mcpx::cost_class::write())
        .handle([](const mcpx::args&, mcpx::context&) { return mcpx::tool_result::text("updated"); });
    srv->start();
  }
  json::object call(const std::string& tool, json::value args) const {
    auto r = roundtrip(srv->port(), post(modern_body(1, "tools/call", {{"name", tool}, {"arguments", args}}),
                                         modern_headers("tools/call", tool)));
    auto body = json_body(r);
    return body.is_object() && body.as_object().contains("result") ? body.at("result").as_object() : json::object{};
  }
};

// "Waiting helps": the class of failures a retry after a delay can fix.
bool waiting_helps(const json::object& err) {
  auto code = std::string(err.at("code").as_string());
  return err.at("type") == "EXTERNAL_ERROR" || code == "RATE_LIMIT_EXCEEDED" || code == "TIMEOUT" ||
         code == "SERVER_BUSY";
}

void check_quality(const std::string& path, const json::object& result) {
  SCOPED_TRACE(path + ": " + json::serialize(result));
  ASSERT_EQ(result.contains("isError") ? result.at("isError") : json::value(false), true);
  const auto& err = result.at("structuredContent").at("error").as_object();
  const std::string type(err.at("type").as_string());
  EXPECT_TRUE(type == "CLIENT_ERROR" || type == "SERVER_ERROR" || type == "EXTERNAL_ERROR");
  EXPECT_TRUE(std::regex_match(std::string(err.at("code").as_string()), std::regex("[A-Z][A-Z0-9_]{2,40}")));
  EXPECT_FALSE(err.at("message").as_string().empty());
  ASSERT_TRUE(err.at("recoverable").is_bool());
  if (err.at("recoverable").as_bool() && waiting_helps(err)) {
    ASSERT_TRUE(err.contains("retry_after")) << "waiting helps: say how long";
    EXPECT_GE(err.at("retry_after").as_int64(), 1);
  }
  if (type == "CLIENT_ERROR" && !waiting_helps(err)) {
    EXPECT_FALSE(err.contains("retry_after")) << "the same call will fail again: waiting does not help";
  }
  const auto& content = result.at("content").as_array();
  ASSERT_FALSE(content.empty());
  const std::string text(content.at(0).at("text").as_string());
  EXPECT_LE(text.size(), 200u);
  EXPECT_TRUE(text.back() == '.') << "one or two plain sentences";
  static const std::regex next_step(
      "(retry|Retry|retried|call |Call |use |Use "
      "|provide|Provide|fix|Fix|check|Check|report|Report|wait|Wait|must|expected)");
  EXPECT_TRUE(std::regex_search(text, next_step)) << "says what to do next: " << text;
  static const std::regex leak(
      "(SELECT |INSERT |UPDATE |/work/|/home/|/usr/|/tmp/|\\.cpp|\\.hpp|std::|Traceback|0x[0-9a-f]{6}|"
      "127\\.0\\.0\\.1|10\\.[0-9]+\\.[0-9]+\\.[0-9]+|192\\.168\\.|eyJ|Bearer |password|pq: )");
  const std::string all = json::serialize(result);
  EXPECT_FALSE(std::regex_search(all, leak)) << "leaks internals: " << all;
}

TEST(ai_errors, every_tool_error_path_is_classified_short_actionable_and_leaks_nothing) {
  error_server s;
  check_quality("arguments not an object", s.call("get_customer", "cust_1"));
  check_quality("schema: missing required", s.call("get_customer", json::object{}));
  check_quality("schema: pattern", s.call("get_customer", json::object{{"customer_id", "42"}}));
  check_quality("schema: unknown property",
                s.call("get_customer", json::object{{"customer_id", "cust_1"}, {"color", "red"}}));
  check_quality("schema: a long detail", s.call("search", json::object{{"q", "b"}}));
  check_quality("client_error NOT_FOUND", s.call("get_customer", json::object{{"customer_id", "cust_0"}}));
  check_quality("external_error", s.call("crm_upstream", json::object{}));
  check_quality("server_error", s.call("misconfigured", json::object{}));
  check_quality("unexpected exception", s.call("broken", json::object{}));
  EXPECT_FALSE(s.call("update_customer", json::object{}).contains("isError"));
  check_quality("rate limited (cost class)", s.call("update_customer", json::object{}));
}

}  // namespace
