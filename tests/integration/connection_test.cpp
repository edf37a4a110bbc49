// The HTTP connection alone (src/http), under a handler that knows nothing of MCP.
#include <gtest/gtest.h>

#include <mutex>
#include <stdexcept>
#include <thread>

#include "http/event_stream.hpp"
#include "http/server.hpp"
#include "test_client.hpp"

using namespace mcpx::test;
using namespace std::chrono_literals;

namespace {

struct fixed_reply : mcpx::http::handler {
  net::awaitable<void> handle(mcpx::http::request&, const mcpx::http::peer_info&, mcpx::http::reply& r) override {
    r.head.result(200);
    r.head.body() = "{}";
    co_return;
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

// Whether a connection stays open: HTTP/1.1 by default, unless the request or the reply says
// close; HTTP/1.0 never here (no handler reply says keep-alive). A reply that keeps the default
// carries no Connection field.
TEST(connection, keeps_alive_by_default_and_closes_when_either_side_says_so) {
  struct closing_reply : mcpx::http::handler {
    net::awaitable<void> handle(mcpx::http::request& req, const mcpx::http::peer_info&, mcpx::http::reply& r) override {
      r.head.result(200);
      if (req.target() == "/close") r.head.keep_alive(false);
      co_return;
    }
  };
  mcpx::http::server_config cfg;
  cfg.port = 0;
  mcpx::http::server srv(cfg, std::make_shared<closing_reply>());
  srv.start();
  char c;
  {
    auto s = connect(srv.port());
    for (int i = 0; i < 2; ++i) {  // the same connection serves both
      net::write(s, net::buffer(std::string("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")));
      auto r = read_response(s);
      EXPECT_EQ(r.status, 200);
      EXPECT_EQ(r.head.find("Connection"), std::string::npos) << r.head;
    }
  }
  for (const char* req : {"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                          "GET /close HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "GET / HTTP/1.0\r\n\r\n"}) {
    auto s = connect(srv.port());
    net::write(s, net::buffer(std::string(req)));
    auto r = read_response(s);
    EXPECT_EQ(r.status, 200) << req;
    if (std::string_view(req).find("HTTP/1.1") != std::string_view::npos) {
      EXPECT_NE(r.head.find("Connection: close"), std::string::npos) << req << r.head;
    }
    EXPECT_EQ(read_for(s, &c, 1, 2000ms), -1) << "left open after: " << req;
  }
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

// A reply whose stream the handler fills from a thread of its own: `count` events (a pause
// every `pause_every`), then a final one. With `before_reply` the whole stream is queued (and
// closed) before the handler returns.
struct streaming_reply : mcpx::http::handler {
  int count = 100;
  int pause_every = 0;
  bool before_reply = false;
  std::vector<std::thread> producers;
  ~streaming_reply() override {
    for (auto& t : producers) t.join();
  }
  net::awaitable<void> handle(mcpx::http::request&, const mcpx::http::peer_info&, mcpx::http::reply& r) override {
    r.head.result(200);
    r.head.set("Content-Type", "text/event-stream");
    r.extra_fields = "X-Stage: one\r\n";
    r.stream = std::make_shared<mcpx::http::event_stream>(co_await net::this_coro::executor);
    auto fill = [s = r.stream, n = count, every = pause_every] {
      for (int i = 0; i < n; ++i) {
        s->push({std::to_string(i), "{\"n\":" + std::to_string(i) + "}"});
        if (every && i % every == every - 1) std::this_thread::sleep_for(1ms);
      }
      s->push_final({"final", "{\"done\":true}"});
    };
    if (before_reply) fill();
    else producers.emplace_back(fill);
    co_return;
  }
};

// The chunks of a raw chunked body (test_client keeps it raw).
std::vector<std::string> chunks_of(const std::string& raw) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < raw.size()) {
    auto eol = raw.find("\r\n", at);
    if (eol == std::string::npos) break;
    const std::size_t size = std::stoul(raw.substr(at, eol - at), nullptr, 16);
    if (size == 0) break;
    out.push_back(raw.substr(eol + 2, size));
    at = eol + 2 + size + 2;
  }
  return out;
}

std::vector<std::string> ids_of(const std::string& events) {
  std::vector<std::string> ids;
  std::size_t at = 0;
  while (at < events.size()) {
    auto eol = events.find('\n', at);
    if (eol == std::string::npos) break;
    if (events.compare(at, 4, "id: ") == 0) ids.push_back(events.substr(at + 4, eol - at - 4));
    at = eol + 1;
  }
  return ids;
}

std::vector<std::string> expected_ids(int n) {
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i) ids.push_back(std::to_string(i));
  ids.push_back("final");
  return ids;
}

// Events queued together go out together: a stream already complete when the reply is made
// is one write of head, one chunk and the last chunk (it was one chunk and write per event).
TEST(connection, queued_events_are_written_as_one_chunk) {
  mcpx::http::server_config cfg;
  cfg.port = 0;
  auto h = std::make_shared<streaming_reply>();
  h->before_reply = true;
  mcpx::http::server srv(cfg, h);
  srv.start();
  auto r = roundtrip(srv.port(), "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n");
  ASSERT_EQ(r.status, 200) << r.head;
  EXPECT_NE(r.head.find("\r\nX-Stage: one\r\n"), std::string::npos) << r.head;
  EXPECT_NE(r.head.find("\r\nTransfer-Encoding: chunked"), std::string::npos) << r.head;
  auto chunks = chunks_of(r.body);
  ASSERT_EQ(chunks.size(), 1u) << r.body.substr(0, 400);
  EXPECT_EQ(ids_of(chunks[0]), expected_ids(100));
  EXPECT_TRUE(r.body.ends_with("\r\n0\r\n\r\n"));
  srv.stop();
}

// Events pushed from another thread while the connection writes or waits: every one arrives,
// in order, and the stream ends (a producer only wakes a waiting writer; none is missed).
TEST(connection, events_from_another_thread_all_arrive_in_order) {
  mcpx::http::server_config cfg;
  cfg.port = 0;
  auto h = std::make_shared<streaming_reply>();
  h->count = 3000;
  h->pause_every = 50;
  mcpx::http::server srv(cfg, h);
  srv.start();
  for (int round = 0; round < 3; ++round) {
    auto r = roundtrip(srv.port(), "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n");
    ASSERT_EQ(r.status, 200) << r.head;
    std::string events;
    for (const auto& c : chunks_of(r.body)) events += c;
    EXPECT_EQ(ids_of(events), expected_ids(3000)) << "round " << round;
    EXPECT_TRUE(r.body.ends_with("\r\n0\r\n\r\n")) << "round " << round;
  }
  srv.stop();
}

}  // namespace
