#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "ops/metrics.hpp"

using namespace mcpx;

namespace metrics_test {

ops::access_record request(std::string rpc_method, std::string name, unsigned status, std::string error_class = "") {
  ops::access_record r;
  r.http_method = "POST";
  r.rpc_method = std::move(rpc_method);
  r.name = std::move(name);
  r.status = status;
  r.error_class = std::move(error_class);
  r.latency = std::chrono::microseconds(300);
  return r;
}

std::string count_line(std::string_view labels, int n) {
  return "mcpx_requests_total{" + std::string(labels) + "} " + std::to_string(n) + "\n";
}

}  // namespace metrics_test

using metrics_test::count_line;
using metrics_test::request;

// The shard remembers what the last request's labels were made of; a request that differs from
// it in any one of them (tool, status, error class, method) must count in its own series.
TEST(metrics, a_request_differing_from_the_last_in_one_label_counts_in_its_own_series) {
  ops::metrics m;
  m.set_known_tools([](std::string_view n) { return n == "a" || n == "b"; });
  m.record(request("tools/call", "a", 200));
  m.record(request("tools/call", "a", 200));
  m.record(request("tools/call", "b", 200));
  m.record(request("tools/call", "b", 200, "CLIENT_ERROR"));
  m.record(request("tools/call", "b", 400, "CLIENT_ERROR"));
  m.record(request("tools/list", "", 200));
  m.record(request("tools/call", "a", 200));
  // Two names the server does not know: one "other" series, however they alternate.
  m.record(request("tools/call", "x", 200));
  m.record(request("tools/call", "y", 200));
  m.record(request("tools/call", "x", 200));
  // A plain GET is counted by its HTTP method.
  auto get = request("", "", 200);
  get.http_method = "GET";
  m.record(get);
  auto text = m.render();
  EXPECT_NE(text.find(count_line(R"(method="tools/call",tool="a",status="200",error_class="")", 3)), std::string::npos)
      << text;
  EXPECT_NE(text.find(count_line(R"(method="tools/call",tool="b",status="200",error_class="")", 1)), std::string::npos);
  EXPECT_NE(text.find(count_line(R"(method="tools/call",tool="b",status="200",error_class="CLIENT_ERROR")", 1)),
            std::string::npos);
  EXPECT_NE(text.find(count_line(R"(method="tools/call",tool="b",status="400",error_class="CLIENT_ERROR")", 1)),
            std::string::npos);
  EXPECT_NE(text.find(count_line(R"(method="tools/list",tool="",status="200",error_class="")", 1)), std::string::npos);
  EXPECT_NE(text.find(count_line(R"(method="tools/call",tool="other",status="200",error_class="")", 3)),
            std::string::npos);
  EXPECT_NE(text.find(count_line(R"(method="GET",tool="",status="200",error_class="")", 1)), std::string::npos);
  EXPECT_EQ(text.find("tool=\"x\""), std::string::npos);
}

// A tools/call whose name matches the last one but whose method does not (a prompt named like
// a tool) is not taken for it.
TEST(metrics, the_name_is_a_label_only_for_tool_calls) {
  ops::metrics m;
  m.set_known_tools([](std::string_view) { return true; });
  m.record(request("tools/call", "same", 200));
  m.record(request("prompts/get", "same", 200));
  m.record(request("tools/call", "same", 200));
  auto text = m.render();
  EXPECT_NE(text.find(count_line(R"(method="tools/call",tool="same",status="200",error_class="")", 2)),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(count_line(R"(method="prompts/get",tool="",status="200",error_class="")", 1)), std::string::npos);
}

// A name too long to be remembered as the last kind is counted all the same, each time, in
// the series its labels name (the shard keeps nothing of it).
TEST(metrics, a_long_name_is_counted_without_being_remembered) {
  ops::metrics m;
  m.set_known_tools([](std::string_view n) { return n == "a"; });
  const std::string long_name(4096, 'x');
  m.record(request("tools/call", long_name, 200));
  m.record(request("tools/call", long_name, 200));
  m.record(request("tools/call", "a", 200));
  m.record(request("tools/call", long_name, 200));
  m.record(request(std::string(300, 'm'), "", 200));
  m.record(request(std::string(300, 'm'), "", 200));
  auto text = m.render();
  EXPECT_NE(text.find(count_line(R"(method="tools/call",tool="other",status="200",error_class="")", 3)),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(count_line(R"(method="tools/call",tool="a",status="200",error_class="")", 1)), std::string::npos);
  EXPECT_NE(text.find(count_line(R"(method="other",tool="",status="200",error_class="")", 2)), std::string::npos);
  EXPECT_EQ(text.find("xxxx"), std::string::npos);
}
