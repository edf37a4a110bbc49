// Every refusal of a request-path stage is counted in /metrics by stage and reason, and the
// access log classifies it.
#include <gtest/gtest.h>

#include <mcpx/server.hpp>

#include "test_client.hpp"

using namespace mcpx::test;

namespace {

std::string metric_line(const std::string& metrics, const std::string& series) {
  auto p = metrics.find(series + " ");
  return p == std::string::npos ? "" : metrics.substr(p, metrics.find('\n', p) - p);
}

TEST(pipeline, stage_refusals_are_counted_by_stage_and_reason) {
  mcpx::options o;
  o.port = 0;
  o.log_level = "off";
  mcpx::server s({"pipeline", "1.0.0"}, o);
  s.start();
  auto scrape = [&] {
    return roundtrip(s.port(), "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").body;
  };
  const std::string origin = R"(mcpx_stage_refusals_total{stage="host_origin",reason="forbidden_origin"})";
  const std::string parse = R"(mcpx_stage_refusals_total{stage="decode",reason="parse_error"})";
  const std::string media = R"(mcpx_stage_refusals_total{stage="media_type",reason="unsupported_media_type"})";
  auto before = scrape();
  EXPECT_EQ(metric_line(before, origin), origin + " 0");  // listed before the first refusal
  EXPECT_EQ(roundtrip(s.port(), post(R"({"jsonrpc":"2.0","id":1,"method":"ping"})", "Origin: http://evil.example\r\n"))
                .status,
            403);
  EXPECT_EQ(roundtrip(s.port(), post("{not json")).status, 400);
  EXPECT_EQ(roundtrip(s.port(), post("{not json")).status, 400);
  auto text = "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n{}";
  EXPECT_EQ(roundtrip(s.port(), text).status, 415);
  auto after = scrape();
  EXPECT_EQ(metric_line(after, origin), origin + " 1");
  EXPECT_EQ(metric_line(after, parse), parse + " 2");
  EXPECT_EQ(metric_line(after, media), media + " 1");
  // The refused requests are in the request counter too, classified as the client's errors.
  EXPECT_NE(after.find(R"(status="403",error_class="CLIENT_ERROR")"), std::string::npos);
}

}  // namespace
