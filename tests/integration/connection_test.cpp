// The HTTP connection alone (src/http), under a handler that knows nothing of MCP.
#include <gtest/gtest.h>

#include <mutex>
#include <stdexcept>
#include <thread>

#include "http/server.hpp"
#include "test_client.hpp"

using namespace mcpx::test;
using namespace std::chrono_literals;

namespace {

struct fixed_reply : mcpx::http::handler {
  net::awaitable<mcpx::http::reply> handle(mcpx::http::request&, const mcpx::http::peer_info&) override {
    mcpx::http::reply r;
    r.head.result(200);
    r.head.body() = "{}";
    co_return r;
  }
};

// An exception that escapes the connection (here from the access-log callback, after the reply
// is written) must still close it: nothing may keep a dead connection's socket open.
TEST(connection, an_exception_after_the_reply_still_closes_the_connection) {
  mcpx::http::server_config cfg;
  cfg.port = 0;
  cfg.on_done = [](const mcpx::http::request_record&, const net::any_io_executor&) {
    throw std::runtime_error("the log sink broke");
  };
  mcpx::http::server srv(cfg, std::make_shared<fixed_reply>());
  srv.start();
  auto s = connect(srv.port());
  net::write(s, net::buffer(std::string("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n")));
  EXPECT_EQ(read_response(s).status, 200);
  char c;
  EXPECT_EQ(read_for(s, &c, 1, 2000ms), -1) << "the connection was left open";
  srv.stop();
}

// A query string may hold a secret (a token sent where it does not belong): the record keeps
// the path only, so the access log never shows it.
TEST(connection, the_record_keeps_the_path_without_the_query) {
  mcpx::http::server_config cfg;
  cfg.port = 0;
  std::mutex mu;
  std::string seen;
  cfg.on_done = [&](const mcpx::http::request_record& r, const net::any_io_executor&) {
    std::lock_guard lock(mu);
    seen = r.target;
  };
  mcpx::http::server srv(cfg, std::make_shared<fixed_reply>());
  srv.start();
  auto r = roundtrip(srv.port(), "GET /mcp?access_token=secret-token HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_EQ(r.status, 200);
  // The record is done once the reply is written, which may be just after the client read it.
  for (int i = 0; i < 200; ++i) {
    {
      std::lock_guard lock(mu);
      if (!seen.empty()) break;
    }
    std::this_thread::sleep_for(10ms);
  }
  srv.stop();
  std::lock_guard lock(mu);
  EXPECT_EQ(seen, "/mcp");
}

}  // namespace
