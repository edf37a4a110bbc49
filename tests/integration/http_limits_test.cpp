// The HTTP layer's limits and refusals, under handlers that know nothing of MCP.
#include <gtest/gtest.h>

#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "http/server.hpp"
#include "test_client.hpp"

using namespace mcpx::test;
using namespace std::chrono_literals;
namespace http = mcpx::http;

namespace {

// Answers every request with `body`; throws on a request for /throw, and leaves a task that
// throws on the I/O thread for /post_throw.
struct echo_size : http::handler {
  explicit echo_size(std::size_t n = 2) : body(n, 'x') {}
  std::string body;
  net::awaitable<void> handle(http::request& req, const http::peer_info&, http::reply& r) override {
    if (req.target() == "/throw") throw std::runtime_error("handler bug");
    if (req.target() == "/post_throw")
      net::post(co_await net::this_coro::executor, [] { throw std::runtime_error("a posted task broke"); });
    r.head.result(200);
    r.head.body() = body;
  }
};

// What on_done saw, copied out of the I/O thread.
struct seen {
  unsigned status;
  std::string method, target, remote;
  http::refusal refusal;
};

struct recorder {
  std::mutex mu;
  std::vector<seen> records;
  void attach(http::server_config& cfg) {
    cfg.on_done = [this](const http::request_record& r, const net::any_io_executor&) {
      std::lock_guard lock(mu);
      records.push_back({r.status, r.http_method, r.target, r.remote, r.refusal});
    };
  }
  // Waits for the record with `status` (on_done runs after the reply is written).
  std::optional<seen> wait_for(unsigned status) {
    for (int i = 0; i < 200; ++i) {
      {
        std::lock_guard lock(mu);
        for (auto& s : records)
          if (s.status == status) return s;
      }
      std::this_thread::sleep_for(10ms);
    }
    return std::nullopt;
  }
};

http::server_config config() {
  http::server_config cfg;
  cfg.port = 0;
  cfg.limits.body_limit = 1024;
  cfg.limits.header_limit = 1024;
  return cfg;
}

std::string request(const std::string& target, std::size_t body_size = 0) {
  return "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + std::to_string(body_size) +
         "\r\n\r\n" + std::string(body_size, 'b');
}

// A request the connection refuses never reached the handler, and used to reach nobody else
// either: no access line, no metric.
TEST(refusals, each_refused_request_reaches_on_done_with_what_is_known) {
  recorder rec;
  auto cfg = config();
  rec.attach(cfg);
  http::server srv(cfg, std::make_shared<echo_size>());
  srv.start();
  EXPECT_EQ(roundtrip(srv.port(), request("/big", 4096)).status, 413);
  EXPECT_EQ(roundtrip(srv.port(), "BAD\x01 / HTTP/1.1\r\n\r\n").status, 400);
  EXPECT_EQ(roundtrip(srv.port(), "GET / HTTP/1.1\r\nX-Junk: " + std::string(2048, 'a') + "\r\n\r\n").status, 431);
  EXPECT_EQ(roundtrip(srv.port(), request("/throw")).status, 500);
  auto too_big = rec.wait_for(413);
  ASSERT_TRUE(too_big);
  EXPECT_EQ(too_big->method, "POST");  // the header was read before the body was refused
  EXPECT_EQ(too_big->target, "/big");
  EXPECT_EQ(too_big->remote, "127.0.0.1");
  EXPECT_EQ(too_big->refusal, http::refusal::body_too_large);
  auto malformed = rec.wait_for(400);
  ASSERT_TRUE(malformed);
  EXPECT_EQ(malformed->remote, "127.0.0.1");
  EXPECT_EQ(malformed->refusal, http::refusal::malformed);
  auto head_too_large = rec.wait_for(431);
  ASSERT_TRUE(head_too_large);
  EXPECT_EQ(head_too_large->refusal, http::refusal::header_too_large);
  EXPECT_EQ(head_too_large->method, "GET");  // the request line, read before the limit was hit
  EXPECT_EQ(head_too_large->target, "/");
  auto thrown = rec.wait_for(500);
  ASSERT_TRUE(thrown);
  EXPECT_EQ(thrown->refusal, http::refusal::internal_error);
  EXPECT_EQ(thrown->target, "/throw");
  EXPECT_EQ(roundtrip(srv.port(), request("/")).status, 200);
  auto fine = rec.wait_for(200);
  ASSERT_TRUE(fine);
  EXPECT_EQ(fine->refusal, http::refusal::none);
  srv.stop();
}

// The names label metrics and appear in access logs: dashboards and alerts depend on them.
TEST(refusals, have_stable_names_and_statuses) {
  using http::refusal;
  const std::pair<refusal, std::string_view> names[] = {{refusal::none, ""},
                                                        {refusal::malformed, "malformed"},
                                                        {refusal::header_too_large, "header_too_large"},
                                                        {refusal::body_too_large, "body_too_large"},
                                                        {refusal::internal_error, "internal_error"},
                                                        {refusal::too_many_connections, "too_many_connections"},
                                                        {refusal::out_of_descriptors, "out_of_descriptors"},
                                                        {refusal::bad_framing, "bad_framing"},
                                                        {refusal::bad_host, "bad_host"},
                                                        {refusal::too_many_connections_from_address,
                                                         "too_many_connections_from_address"}};
  static_assert(std::size(names) == http::refusal_count);
  for (auto [r, name] : names) EXPECT_EQ(http::to_string(r), name);
  EXPECT_EQ(http::status_of(refusal::malformed), http::bhttp::status::bad_request);
  EXPECT_EQ(http::status_of(refusal::header_too_large), http::bhttp::status::request_header_fields_too_large);
  EXPECT_EQ(http::status_of(refusal::body_too_large), http::bhttp::status::payload_too_large);
  EXPECT_EQ(http::status_of(refusal::internal_error), http::bhttp::status::internal_server_error);
  EXPECT_EQ(http::status_of(refusal::too_many_connections), http::bhttp::status::service_unavailable);
  EXPECT_EQ(http::status_of(refusal::bad_framing), http::bhttp::status::bad_request);
  EXPECT_EQ(http::status_of(refusal::bad_host), http::bhttp::status::bad_request);
  EXPECT_EQ(http::status_of(refusal::too_many_connections_from_address), http::bhttp::status::service_unavailable);
  // A finer reason is worded as the refusal it refines, so upper layers need no new wording.
  EXPECT_EQ(http::worded_as(refusal::bad_framing), refusal::malformed);
  EXPECT_EQ(http::worded_as(refusal::bad_host), refusal::malformed);
  EXPECT_EQ(http::worded_as(refusal::too_many_connections_from_address), refusal::too_many_connections);
  EXPECT_EQ(http::worded_as(refusal::body_too_large), refusal::body_too_large);
  EXPECT_TRUE(http::refuses_connection(refusal::too_many_connections_from_address));
  EXPECT_EQ(http::to_string(http::accept_error::emfile), "emfile");
  EXPECT_EQ(http::to_string(http::accept_error::other), "other");
}

// Without an upper layer, the connection says what it refused in a line of text.
TEST(refusals, without_a_hook_the_answer_is_short_text) {
  http::server srv(config(), std::make_shared<echo_size>());
  srv.start();
  auto r = roundtrip(srv.port(), request("/big", 4096));
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.head.find("Content-Type: text/plain"), std::string::npos) << r.head;
  EXPECT_EQ(r.body, "Request body too large: limit is 1024 bytes\n");
  srv.stop();
}

// The upper layer words the refusal; the HTTP layer keeps the status and closes.
TEST(refusals, the_hook_gives_the_body_and_the_connection_keeps_the_status) {
  auto cfg = config();
  cfg.limits.max_connections = 1;
  cfg.refusal_reply = [](http::refusal why, const http::limits& lim) {
    http::response res{http::bhttp::status::ok, 11};  // the status is not the hook's to choose
    res.set(http::bhttp::field::content_type, "application/x-test");
    res.body() = std::string(http::to_string(why)) + " " + std::to_string(lim.body_limit);
    return res;
  };
  http::server srv(cfg, std::make_shared<echo_size>());
  srv.start();
  auto s = connect(srv.port());
  net::write(s, net::buffer(request("/big", 4096)));
  auto r = read_response(s);
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.head.find("Content-Type: application/x-test"), std::string::npos) << r.head;
  EXPECT_NE(r.head.find("Connection: close"), std::string::npos) << r.head;
  EXPECT_EQ(r.body, "body_too_large 1024");
  char c;
  EXPECT_EQ(read_for(s, &c, 1, 2000ms), -1) << "a refused connection stays open";
  s.close();  // the server lingers until the client closes its end too
  for (int i = 0; i < 200 && srv.open_connections() > 0; ++i) std::this_thread::sleep_for(10ms);
  // The accept refusal's reply was made by the hook once, at start.
  auto held = connect(srv.port());
  net::write(held, net::buffer(request("/")));
  ASSERT_EQ(read_response(held).status, 200);
  auto extra = roundtrip(srv.port(), request("/"));
  EXPECT_EQ(extra.status, 503);
  EXPECT_EQ(extra.body, "too_many_connections 1024");
  srv.stop();
}

// What belongs to no request reaches the upper layer's log through on_event, not stderr.
TEST(events, an_exception_escaping_an_io_thread_is_reported) {
  std::mutex mu;
  std::vector<std::string> events;
  auto cfg = config();
  cfg.on_event = [&](std::string_view level, std::string_view msg, std::string_view detail) {
    std::lock_guard lock(mu);
    events.push_back(std::string(level) + "|" + std::string(msg) + "|" + std::string(detail));
  };
  http::server srv(cfg, std::make_shared<echo_size>());
  srv.start();
  EXPECT_EQ(roundtrip(srv.port(), request("/post_throw")).status, 200);
  bool seen = false;
  for (int i = 0; i < 200 && !seen; ++i) {
    std::this_thread::sleep_for(10ms);
    std::lock_guard lock(mu);
    seen = !events.empty();
  }
  ASSERT_TRUE(seen);
  EXPECT_EQ(events[0], "error|uncaught exception on I/O thread|a posted task broke");
  EXPECT_EQ(roundtrip(srv.port(), request("/")).status, 200) << "the I/O thread keeps serving";
  srv.stop();
}

// Beyond max_connections a connection used to be closed without a word: proxies in front
// saw a reset, and nothing counted it.
TEST(max_connections, the_connection_beyond_the_limit_gets_503_and_is_counted) {
  recorder rec;
  auto cfg = config();
  cfg.limits.max_connections = 2;
  rec.attach(cfg);
  http::server srv(cfg, std::make_shared<echo_size>());
  srv.start();
  // Two connections, each answered and kept open.
  std::vector<tcp::socket> open;
  for (int i = 0; i < 2; ++i) {
    open.push_back(connect(srv.port()));
    net::write(open.back(), net::buffer(request("/")));
    ASSERT_EQ(read_response(open.back()).status, 200);
  }
  EXPECT_EQ(srv.open_connections(), 2u);
  auto extra = connect(srv.port());
  auto r = read_response(extra);
  EXPECT_EQ(r.status, 503) << r.head;
  char c;
  EXPECT_EQ(read_for(extra, &c, 1, 2000ms), -1) << "the refused connection was left open";
  auto refused = rec.wait_for(503);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->refusal, http::refusal::too_many_connections);
  EXPECT_EQ(refused->remote, "127.0.0.1");
  EXPECT_EQ(refused->method, "");  // no request was read
  // A place freed is a place taken.
  open.pop_back();
  for (int i = 0; i < 200 && srv.open_connections() > 1; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(roundtrip(srv.port(), request("/")).status, 200);
  srv.stop();
}

// limits::write_timeout bounds one write to a client that stopped reading.
TEST(write_timeout, a_client_that_never_reads_a_large_reply_is_disconnected) {
  recorder rec;
  auto cfg = config();
  cfg.limits.write_timeout = 300ms;
  rec.attach(cfg);
  const std::size_t body_size = 32 * 1024 * 1024;  // far beyond what the socket buffers hold
  http::server srv(cfg, std::make_shared<echo_size>(body_size));
  srv.start();
  net::io_context ioc;
  tcp::socket s(ioc);
  s.open(tcp::v4());
  s.set_option(net::socket_base::receive_buffer_size(4096));  // before connect: a small window
  s.connect({net::ip::make_address("127.0.0.1"), srv.port()});
  net::write(s, net::buffer(request("/")));
  for (int i = 0; i < 200 && srv.open_connections() == 0; ++i) std::this_thread::sleep_for(5ms);
  const auto start = std::chrono::steady_clock::now();
  while (srv.open_connections() > 0 && std::chrono::steady_clock::now() - start < 5s) std::this_thread::sleep_for(10ms);
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(srv.open_connections(), 0u) << "still writing to a client that does not read";
  EXPECT_GE(waited, 250ms);
  EXPECT_LT(waited, 2s);
  // The client, reading at last, gets part of the reply and then the end of the connection.
  std::size_t got = 0;
  char buf[65536];
  for (long n; (n = read_for(s, buf, sizeof buf, 2000ms)) > 0;) got += static_cast<std::size_t>(n);
  EXPECT_LT(got, body_size);
  EXPECT_TRUE(rec.wait_for(200)) << "the cut-off reply is still logged";
  srv.stop();
}

}  // namespace
