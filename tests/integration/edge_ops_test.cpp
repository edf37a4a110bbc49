// The operational side of the edge: access-log lines stay valid, bounded JSON whatever clients
// send, and /metrics answers only requests addressed to this server.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <mcpx/server.hpp>
#include <thread>

#include "test_client.hpp"

using namespace mcpx::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

// Sends the server's stderr (where its log goes) to a file while alive.
class stderr_to_file {
 public:
  explicit stderr_to_file(const std::string& path) : path_(path) {
    std::fflush(stderr);
    saved_ = ::dup(2);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, 2);
    ::close(fd);
  }
  ~stderr_to_file() {
    ::dup2(saved_, 2);
    ::close(saved_);
    std::remove(path_.c_str());
  }

 private:
  std::string path_;
  int saved_;
};

int count_requests(const std::string& path) {
  std::ifstream in(path);
  int n = 0;
  for (std::string line; std::getline(in, line);) n += line.find("\"msg\":\"request\"") != std::string::npos;
  return n;
}

TEST(access_log, lines_stay_valid_bounded_json_whatever_clients_send) {
  const std::string path = ::testing::TempDir() + "mcpx-edge-log-" + std::to_string(::getpid()) + ".log";
  stderr_to_file redirect(path);
  {
    mcpx::options o;
    o.port = 0;
    o.log_level = "info";
    mcpx::server srv({"log-test", "1"}, o);
    srv.start();
    const std::string list = modern_body(1, "tools/list");
    const std::string legacy = R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})";
    // Invalid UTF-8, control characters and sheer length in every header the log repeats.
    roundtrip(srv.port(), post(legacy, "Mcp-Session-Id: \xff\xfe-abc\x80\r\nMCP-Protocol-Version: 2025-11-25\r\n"));
    roundtrip(srv.port(), post(legacy, "Mcp-Session-Id: " + std::string(5000, 's') + "\r\n"));
    roundtrip(srv.port(), post(list, modern_headers("tools/list") + "X-Request-Id: \xc3\x28-\xe2\x82\r\n"));
    roundtrip(srv.port(), post(list, modern_headers("tools/list") + "X-Request-Id: " + std::string(120, 'r') +
                                         "\xe2\x82\xac\xf0\x9f\r\n"));
    roundtrip(srv.port(), get("/mcp?q=\xff\xfe" + std::string(400, 'q')));
    roundtrip(srv.port(), "GET" + std::string(1000, 'X') + " /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    // What the decoder reads: client name, tool name and id, all from the body.
    json::object p{{"name", std::string(1000, 'n')}};
    auto body = json::parse(modern_body(2, "tools/call", p)).as_object();
    body["id"] = std::string(1000, 'i');
    body["params"].as_object()["_meta"].as_object()["io.modelcontextprotocol/clientInfo"] =
        json::object{{"name", std::string(1000, 'c') + "\x01"}, {"version", "1"}};
    roundtrip(srv.port(), post(json::serialize(body), modern_headers("tools/call", std::string(1000, 'n'))));
    // A line is written after its response is: wait for the last one before stopping.
    for (int i = 0; i < 100 && count_requests(path) < 7; ++i) std::this_thread::sleep_for(20ms);
    srv.stop();
  }
  std::ifstream in(path);
  int requests = 0;
  std::string all;
  for (std::string line; std::getline(in, line);) {
    all += line + "\n";
    boost::system::error_code ec;
    auto v = json::parse(line, ec);  // Boost.JSON rejects invalid UTF-8
    ASSERT_FALSE(ec) << "not valid JSON (" << ec.message() << "): " << line;
    if (v.as_object().at("msg") != "request") continue;
    ++requests;
    for (auto& [key, value] : v.as_object()) {
      if (!value.is_string()) continue;
      EXPECT_LE(value.as_string().size(), 256u + 3u) << key << " unbounded: " << line;
    }
    EXPECT_LT(line.size(), 3000u) << line;
  }
  EXPECT_EQ(requests, 7) << all;
}

class metrics_guard : public ::testing::Test {
 protected:
  void SetUp() override {
    mcpx::options o;
    o.port = 0;
    o.log_level = "off";
    srv_ = std::make_unique<mcpx::server>(mcpx::server_info{"metrics-guard-test", "1"}, o);
    srv_->start();
  }
  void TearDown() override { srv_->stop(); }
  std::unique_ptr<mcpx::server> srv_;
};

// A DNS-rebinding page (its own origin, resolving to 127.0.0.1) must not read the metrics.
TEST_F(metrics_guard, metrics_with_a_foreign_origin_or_host_are_forbidden) {
  EXPECT_EQ(roundtrip(srv_->port(), get("/metrics", "Origin: https://evil.example\r\n")).status, 403);
  std::string foreign_host = get("/metrics");
  foreign_host.replace(foreign_host.find("Host: 127.0.0.1"), 15, "Host: evil.example");
  EXPECT_EQ(roundtrip(srv_->port(), foreign_host).status, 403);
  EXPECT_EQ(roundtrip(srv_->port(), get("/metrics")).status, 200);
  EXPECT_EQ(roundtrip(srv_->port(), get("/metrics", "Origin: http://localhost:3000\r\n")).status, 200);
  // Counted with the MCP endpoint's own host/origin refusals.
  auto m = roundtrip(srv_->port(), get("/metrics"));
  EXPECT_NE(m.body.find(R"(mcpx_stage_refusals_total{stage="host_origin",reason="forbidden_origin"} 1)"),
            std::string::npos)
      << m.body;
}

// Orchestrator probes address pods by IP, with any Host: health stays open.
TEST_F(metrics_guard, health_with_a_foreign_origin_or_host_is_served) {
  EXPECT_EQ(roundtrip(srv_->port(), get("/health", "Origin: https://evil.example\r\n")).status, 200);
  std::string foreign_host = get("/health/ready");
  foreign_host.replace(foreign_host.find("Host: 127.0.0.1"), 15, "Host: 10.1.2.3:8000");
  EXPECT_EQ(roundtrip(srv_->port(), foreign_host).status, 200);
}

}  // namespace
