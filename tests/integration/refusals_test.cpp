// The HTTP layer's refusals as MCP clients and operators see them: JSON-RPC errors (worded
// above src/http), a counter by reason, and an access line.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <mcpx/server.hpp>
#include <thread>

#include "test_client.hpp"
#include "transport/refusals.hpp"

using namespace mcpx::test;
namespace json = boost::json;
namespace http = mcpx::http;

namespace {

// The bodies src/http wrote itself before the hook: clients must see no difference.
TEST(refusal_replies, are_the_json_rpc_errors_clients_always_got) {
  http::limits lim;
  lim.header_limit = 16384;
  lim.body_limit = 1048576;
  auto body = [&](http::refusal r) { return mcpx::transport::refusal_reply(r, lim).body(); };
  EXPECT_EQ(body(http::refusal::malformed),
            R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Malformed HTTP request"}})");
  EXPECT_EQ(
      body(http::refusal::header_too_large),
      R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Request headers too large: limit is 16384 bytes"}})");
  EXPECT_EQ(
      body(http::refusal::body_too_large),
      R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Request body too large: limit is 1048576 bytes"}})");
  EXPECT_EQ(body(http::refusal::internal_error),
            R"({"jsonrpc":"2.0","id":null,"error":{"code":-32603,"message":"Internal error"}})");
  EXPECT_EQ(json::parse(body(http::refusal::too_many_connections)).at("error").at("code").as_int64(), -32603);
  // A 503 says when to come back, in the header and classified in the body (it said neither).
  for (auto r : {http::refusal::too_many_connections, http::refusal::out_of_descriptors,
                 http::refusal::too_many_connections_from_address}) {
    auto res = mcpx::transport::refusal_reply(r, lim);
    EXPECT_EQ(res[http::bhttp::field::retry_after], "1");
    EXPECT_EQ(
        json::parse(res.body()).at("error").at("data"),
        (json::value{{"type", "SERVER_ERROR"}, {"code", "SERVER_BUSY"}, {"recoverable", true}, {"retry_after", 1}}));
  }
  EXPECT_EQ(mcpx::transport::refusal_reply(http::refusal::malformed, lim)[http::bhttp::field::content_type],
            "application/json");
}

mcpx::options small_server() {
  mcpx::options o;
  o.port = 0;
  o.log_level = "off";
  o.body_limit = 1024;
  o.max_connections = 2;
  return o;
}

TEST(refusals, reach_the_client_as_json_rpc_errors_with_a_null_id) {
  mcpx::server s({"refusals-test", "1"}, small_server());
  s.start();
  auto r = roundtrip(s.port(), post(std::string(2048, ' ')));
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.head.find("Content-Type: application/json"), std::string::npos) << r.head;
  auto v = json_body(r);
  EXPECT_TRUE(v.at("id").is_null());
  EXPECT_EQ(v.at("error").at("code").as_int64(), -32600);
  EXPECT_EQ(v.at("error").at("message").as_string(), "Request body too large: limit is 1024 bytes");
  auto bad = roundtrip(s.port(), "GET /mcp HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json_body(bad).at("error").at("message").as_string(), "Malformed HTTP request");
  s.stop();
}

TEST(refusals, are_counted_by_reason_in_metrics) {
  mcpx::server s({"refusals-test", "1"}, small_server());
  s.start();
  EXPECT_EQ(roundtrip(s.port(), post(std::string(2048, ' '))).status, 413);
  // Two connections held open, the third turned away at accept.
  std::vector<tcp::socket> held;
  for (int i = 0; i < 2; ++i) {
    held.push_back(connect(s.port()));
    net::write(held.back(), net::buffer(get("/health")));
    ASSERT_EQ(read_response(held.back()).status, 200);
  }
  auto extra = roundtrip(s.port(), get("/health"));
  EXPECT_EQ(extra.status, 503);
  EXPECT_EQ(json_body(extra).at("error").at("code").as_int64(), -32603) << extra.body;
  EXPECT_NE(extra.head.find("Retry-After: 1"), std::string::npos) << extra.head;
  held.clear();
  http_result m;
  for (int i = 0; i < 100; ++i) {  // until the server has seen the held connections close
    m = roundtrip(s.port(), get("/metrics"));
    if (m.status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("# TYPE mcpx_http_refusals_total counter\n"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("mcpx_http_refusals_total{reason=\"body_too_large\"} 1\n"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("mcpx_http_refusals_total{reason=\"malformed\"} 0\n"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("mcpx_http_refusals_total{reason=\"too_many_connections\"} "), std::string::npos);
  EXPECT_EQ(m.body.find("mcpx_http_refusals_total{reason=\"too_many_connections\"} 0\n"), std::string::npos);
  EXPECT_NE(m.body.find("mcpx_http_accept_errors_total{reason=\"emfile\"} 0\n"), std::string::npos) << m.body;
  // A refused request is a request answered; a refused connection is not one.
  EXPECT_NE(m.body.find(R"(mcpx_requests_total{method="POST",tool="",status="413",error_class=""} 1)"),
            std::string::npos)
      << m.body;
  EXPECT_EQ(m.body.find(R"(status="503")"), std::string::npos) << m.body;
  s.stop();
}

TEST(refusals, reach_the_access_log_with_their_reason) {
  std::string path = ::testing::TempDir() + "mcpx-refusals-" + std::to_string(::getpid()) + ".log";
  unsigned short port = 0;
  {
    net::io_context ioc;
    tcp::acceptor a(ioc, {net::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    FILE* f = std::freopen(path.c_str(), "w", stderr);
    (void)f;
    std::string listen = "127.0.0.1:" + std::to_string(port);
    execl(MCPX_CONFORMANCE_PATH, "mcpx-conformance", "--listen", listen.c_str(), nullptr);
    _exit(127);
  }
  bool up = false;
  for (int i = 0; i < 100 && !up; ++i) {
    try {
      up = roundtrip(port, get("/health")).status == 200;
    } catch (...) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ASSERT_TRUE(up);
  EXPECT_EQ(roundtrip(port, "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: x\r\n\r\n").status, 400);
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  std::ifstream in(path);
  std::string line, all;
  bool found = false;
  while (std::getline(in, line)) {
    all += line + "\n";
    boost::system::error_code ec;
    auto v = json::parse(line, ec);
    ASSERT_FALSE(ec) << "not JSON: " << line;
    auto& o = v.as_object();
    if (!o.contains("refusal")) continue;
    found = true;
    EXPECT_EQ(o.at("refusal").as_string(), "malformed");
    EXPECT_EQ(o.at("status").as_int64(), 400);
    EXPECT_EQ(o.at("level").as_string(), "warning");
    EXPECT_EQ(o.at("http_method").as_string(), "POST");
    EXPECT_EQ(o.at("path").as_string(), "/mcp");
    EXPECT_EQ(o.at("remote").as_string(), "127.0.0.1");
  }
  EXPECT_TRUE(found) << all;
  std::remove(path.c_str());
}

}  // namespace
