// The load generator's own parts: a benchmark that miscounts is worse than none.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <cstdio>
#include <fstream>
#include <random>
#include <thread>

#include "load/checks.hpp"
#include "load/histogram.hpp"
#include "load/load.hpp"
#include "load/response_parser.hpp"
#include "shapes/shape_text.hpp"
#include "suite/issuer.hpp"
#include "suite/open_loop.hpp"
#include "suite/process.hpp"
#include "suite/stalls.hpp"

using namespace mcpx::bench;

TEST(histogram, small_values_are_exact) {
  histogram h;
  for (std::uint64_t v = 1; v <= 100; ++v) h.record(v);
  EXPECT_EQ(h.count(), 100u);
  EXPECT_EQ(h.quantile(0.5), 50u);
  EXPECT_EQ(h.quantile(0.99), 99u);
  EXPECT_EQ(h.quantile(1.0), 100u);
  EXPECT_EQ(h.max(), 100u);
}

TEST(histogram, large_values_are_within_two_percent) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> dist(13.0, 1.0);  // around 0.4 ms in ns, long tail
  histogram h;
  std::vector<std::uint64_t> all;
  for (int i = 0; i < 100000; ++i) {
    auto v = static_cast<std::uint64_t>(dist(rng));
    all.push_back(v);
    h.record(v);
  }
  std::sort(all.begin(), all.end());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    double exact = static_cast<double>(all[static_cast<std::size_t>(q * all.size()) - 1]);
    double got = static_cast<double>(h.quantile(q));
    EXPECT_NEAR(got / exact, 1.0, 0.02) << "q=" << q;
  }
}

TEST(histogram, buckets_cover_every_value_in_order) {
  std::uint64_t last_index = 0;
  for (std::uint64_t v : {0ull, 1ull, 127ull, 128ull, 129ull, 1000ull, 1ull << 40, ~0ull}) {
    auto i = histogram::index(v);
    ASSERT_LT(i, histogram::buckets);
    EXPECT_GE(i, last_index);
    EXPECT_LE(histogram::lower(i), v);
    if (v < ~0ull) {
      EXPECT_GT(histogram::lower(i) + histogram::width(i), v);
    }
    last_index = i;
  }
}

TEST(histogram, merge_adds_counts_and_keeps_the_max) {
  histogram a, b;
  a.record(10);
  b.record(1000);
  b.record(20);
  a.merge(b);
  EXPECT_EQ(a.count(), 3u);
  EXPECT_EQ(a.max(), 1000u);
  EXPECT_EQ(a.quantile(0.5), 20u);
}

TEST(response_parser, content_length_body_and_headers) {
  std::string in =
      "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nMcp-Session-Id:  abc123 \r\n"
      "Content-Length: 4\r\n\r\n{}{}HTTP/1.1";
  std::string scratch;
  response_view r;
  ASSERT_EQ(parse_response(in, r, scratch), parse_status::complete);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.session_id, "abc123");
  EXPECT_EQ(r.body, "{}{}");
  EXPECT_EQ(in.substr(r.consumed), "HTTP/1.1");
  EXPECT_FALSE(r.close);
}

TEST(response_parser, incomplete_until_the_last_byte) {
  std::string in = "HTTP/1.1 202 Accepted\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc";
  std::string scratch;
  response_view r;
  for (std::size_t n = 0; n < in.size(); ++n)
    ASSERT_EQ(parse_response(std::string_view(in).substr(0, n), r, scratch), parse_status::incomplete) << n;
  ASSERT_EQ(parse_response(in, r, scratch), parse_status::complete);
  EXPECT_TRUE(r.close);
  EXPECT_EQ(r.status, 202);
}

TEST(response_parser, chunked_bodies_are_decoded) {
  std::string in =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/event-stream\r\n\r\n"
      "6\r\nevent:\r\n9;ext=1\r\n message\n\r\n0\r\n\r\nnext";
  std::string scratch;
  response_view r;
  ASSERT_EQ(parse_response(in, r, scratch), parse_status::complete);
  EXPECT_EQ(r.body, "event: message\n");
  EXPECT_EQ(in.substr(r.consumed), "next");
  EXPECT_EQ(parse_response(in.substr(0, in.size() - 8), r, scratch), parse_status::incomplete);
}

TEST(response_parser, garbage_is_bad_not_a_crash) {
  std::string scratch;
  response_view r;
  EXPECT_EQ(parse_response("SMTP ready\r\n\r\n", r, scratch), parse_status::bad);
  EXPECT_EQ(parse_response("HTTP/1.1 2x0 OK\r\n\r\n", r, scratch), parse_status::bad);
  EXPECT_EQ(parse_response("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", r, scratch), parse_status::bad);
  EXPECT_EQ(parse_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", r, scratch),
            parse_status::bad);
  EXPECT_EQ(parse_response("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", r, scratch), parse_status::bad);
  // 200 without a length or chunking could only be read until close: not measurable, so bad.
  EXPECT_EQ(parse_response("HTTP/1.1 200 OK\r\n\r\n", r, scratch), parse_status::bad);
  EXPECT_EQ(parse_response(std::string(70 * 1024, 'x'), r, scratch), parse_status::bad);
}

TEST(response_parser, a_chunked_body_is_incomplete_until_its_last_chunk) {
  std::string body(300 * 1024, 'x');
  std::string in = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (std::size_t at = 0; at < body.size(); at += 7000) {
    auto n = std::min<std::size_t>(7000, body.size() - at);
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", n);
    in += size + body.substr(at, n) + "\r\n";
  }
  in += "0\r\n\r\n";
  std::string scratch;
  response_view r;
  for (std::size_t n = 0; n < in.size(); n += 4099)
    ASSERT_EQ(parse_response(std::string_view(in).substr(0, n), r, scratch), parse_status::incomplete) << n;
  ASSERT_EQ(parse_response(in, r, scratch), parse_status::complete);
  EXPECT_EQ(r.body, body);
}

namespace {

// One SSE event per message, as the servers frame them.
std::string sse(const std::vector<std::string>& messages) {
  std::string out;
  for (auto& m : messages) out += "event: message\ndata: " + m + "\n\n";
  return out;
}

std::string progress(std::uint64_t token, double value) {
  return R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":)" + std::to_string(token) +
         R"(,"progress":)" + std::to_string(value) + R"(,"total":100}})";
}

std::string answer(std::uint64_t id, const std::string& text) {
  return R"({"jsonrpc":"2.0","id":)" + std::to_string(id) + R"(,"result":{"content":[{"type":"text","text":")" + text +
         R"("}]}})";
}

std::vector<std::string> good_progress(std::uint64_t id) {
  std::vector<std::string> m;
  for (int i = 1; i <= 100; ++i) m.push_back(progress(id, i));
  m.push_back(answer(id, "hello-" + std::to_string(id)));
  return m;
}

bool progress_ok(const std::string& body, std::string& why) {
  check_scratch s;
  return check_progress_stream(body, 42, 100, "hello-42", s, why);
}

}  // namespace

TEST(checks, a_progress_stream_in_order_then_the_answer_passes) {
  std::string why;
  EXPECT_TRUE(progress_ok(sse(good_progress(42)), why)) << why;
  // A 2025-11-25 stream opens with an event id and empty data: not a message.
  EXPECT_TRUE(progress_ok("id: r1_0\nretry: 1000\nevent: message\ndata: \n\n" + sse(good_progress(42)), why)) << why;
}

TEST(checks, a_wrong_progress_stream_is_refused) {
  auto m = good_progress(42);
  std::string why;
  auto refused = [&](std::vector<std::string> msgs, const std::string& expected_why) {
    why.clear();
    EXPECT_FALSE(progress_ok(sse(msgs), why));
    EXPECT_EQ(why, expected_why);
  };
  auto swapped = m;
  std::swap(swapped[10], swapped[11]);
  refused(swapped, "progress not increasing");
  auto repeated = m;
  repeated[11] = repeated[10];
  refused(repeated, "progress not increasing");
  auto short_one = m;
  short_one.erase(short_one.begin() + 5);
  refused(short_one, "expected progress 100 of 100");  // the answer came where event 100 should
  auto other_token = m;
  other_token[3] = progress(41, 4);
  refused(other_token, "wrong progressToken");
  auto no_answer = m;
  no_answer.pop_back();
  refused(no_answer, "no answer after the progress events");
  auto extra = m;
  extra.push_back(progress(42, 101));
  refused(extra, "a message after the answer");
  auto wrong_text = m;
  wrong_text.back() = answer(42, "hello-41");
  refused(wrong_text, "wrong text");
  auto wrong_id = m;
  wrong_id.back() = answer(41, "hello-42");
  refused(wrong_id, "wrong id");
}

TEST(checks, a_padded_text_is_checked_byte_for_byte) {
  auto fill = shape_fill(shape_100k);
  auto text = shape_text("hello-7", fill);
  ASSERT_EQ(text.size(), shape_100k);
  EXPECT_EQ(text.substr(0, 10), "hello-7HIJ");  // the pattern goes on where the prefix ends
  check_scratch s;
  std::string why;
  EXPECT_TRUE(check_padded_result(answer(7, text), 7, "hello-7", fill, s, why)) << why;
  auto flipped = text;
  flipped[60000] = flipped[60000] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(check_padded_result(answer(7, flipped), 7, "hello-7", fill, s, why));
  EXPECT_EQ(why, "wrong text");
  EXPECT_FALSE(check_padded_result(answer(7, text.substr(1)), 7, "hello-7", fill, s, why));
  EXPECT_EQ(why, "wrong text length");
  EXPECT_FALSE(check_padded_result(answer(7, text + "x"), 7, "hello-7", fill, s, why));
  EXPECT_EQ(why, "wrong text length");
  EXPECT_FALSE(check_padded_result(answer(8, text), 7, "hello-7", fill, s, why));
  EXPECT_EQ(why, "wrong id");
  auto with_error = answer(7, text);
  with_error.insert(with_error.size() - 2, R"(,"isError":true)");
  EXPECT_FALSE(check_padded_result(with_error, 7, "hello-7", fill, s, why));
  EXPECT_EQ(why, "isError");
}

namespace {

std::string tools_page(std::uint64_t id, unsigned from, unsigned to, const std::string& cursor) {
  std::string out = R"({"jsonrpc":"2.0","id":)" + std::to_string(id) + R"(,"result":{"tools":[)";
  for (unsigned i = from; i < to; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "tool_%03u", i);
    out += std::string(i == from ? "" : ",") + R"({"name":")" + name + R"(","inputSchema":)" +
           std::string(extra_tool_schema) + "}";
  }
  out += "]";
  if (!cursor.empty()) out += R"(,"nextCursor":")" + cursor + R"(")";
  return out + "}}";
}

}  // namespace

TEST(checks, a_paged_tools_listing_is_counted_and_checked) {
  check_scratch s;
  tools_listing l;
  std::string why;
  ASSERT_TRUE(check_tools_page(tools_page(3, 0, 150, "c1"), 3, l, s, why)) << why;
  EXPECT_EQ(l.next_cursor, "c1");
  ASSERT_TRUE(check_tools_page(tools_page(3, 150, 200, ""), 3, l, s, why)) << why;
  EXPECT_TRUE(l.next_cursor.empty());
  EXPECT_TRUE(check_tools_total(l, 200, why)) << why;
  EXPECT_FALSE(check_tools_total(l, 201, why));
  EXPECT_EQ(why, "listed 200 tools, expected 201");

  l.reset();
  ASSERT_TRUE(check_tools_page(tools_page(3, 0, 100, "c1"), 3, l, s, why));
  EXPECT_FALSE(check_tools_page(tools_page(3, 99, 200, ""), 3, l, s, why));
  EXPECT_EQ(why, "a tool listed twice");

  l.reset();
  ASSERT_TRUE(check_tools_page(tools_page(3, 0, 100, ""), 3, l, s, why));
  ASSERT_TRUE(check_tools_page(tools_page(3, 101, 102, ""), 3, l, s, why));
  EXPECT_FALSE(check_tools_total(l, 101, why));
  EXPECT_EQ(why, "a tool_NNN missing");

  l.reset();
  auto no_schema = tools_page(3, 0, 2, "");
  no_schema.replace(no_schema.find(R"("inputSchema")"), 13, R"("outputSchema")");
  EXPECT_FALSE(check_tools_page(no_schema, 3, l, s, why));
  EXPECT_EQ(why, "a tool without inputSchema");
}

// A page already checked in full is known again by its bytes, with only its id different.
TEST(checks, a_page_seen_before_counts_without_a_parse_but_only_when_identical) {
  check_scratch s;
  tools_listing l;
  std::string why;
  ASSERT_TRUE(check_tools_page(tools_page(3, 0, 150, "c1"), 3, l, s, why)) << why;
  ASSERT_TRUE(check_tools_page(tools_page(4, 150, 200, ""), 4, l, s, why)) << why;
  for (std::uint64_t id : {5u, 99u, 12345u}) {  // ids of other lengths too
    l.reset();
    ASSERT_TRUE(check_tools_page(tools_page(id, 0, 150, "c1"), id, l, s, why)) << why;
    EXPECT_EQ(l.next_cursor, "c1");
    ASSERT_TRUE(check_tools_page(tools_page(id + 1, 150, 200, ""), id + 1, l, s, why)) << why;
    EXPECT_TRUE(l.next_cursor.empty());
    EXPECT_EQ(l.pages, 2u);
    EXPECT_TRUE(check_tools_total(l, 200, why)) << why;
  }
  // Twice in one listing is still caught.
  l.reset();
  ASSERT_TRUE(check_tools_page(tools_page(20, 0, 150, "c1"), 20, l, s, why));
  EXPECT_FALSE(check_tools_page(tools_page(21, 0, 150, "c1"), 21, l, s, why));
  EXPECT_EQ(why, "a tool listed twice");
  // Another byte changed: checked in full, and refused.
  l.reset();
  auto broken = tools_page(30, 0, 150, "c1");
  broken.replace(broken.find(R"("type":"object")"), 15, R"("type":"objekt")");
  EXPECT_FALSE(check_tools_page(broken, 30, l, s, why));
  EXPECT_EQ(why, "a tool without inputSchema");
  // The right bytes for another id: refused.
  l.reset();
  EXPECT_FALSE(check_tools_page(tools_page(3, 0, 150, "c1"), 31, l, s, why));
  EXPECT_EQ(why, "wrong id");
  EXPECT_FALSE(check_tools_page(tools_page(310, 0, 150, "c1"), 31, l, s, why));
  EXPECT_EQ(why, "wrong id");
}

namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

// A peer that answers each connection's first request with `reply` and closes it.
class one_reply_peer {
 public:
  one_reply_peer(std::string reply, unsigned connections) : acceptor_(ioc_, {net::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this, reply = std::move(reply), connections] {
      for (unsigned i = 0; i < connections; ++i) {
        tcp::socket s = acceptor_.accept();
        char buf[4096];
        boost::system::error_code ec;
        s.read_some(net::buffer(buf), ec);
        net::write(s, net::buffer(reply), ec);
        s.shutdown(tcp::socket::shutdown_both, ec);
      }
    });
  }
  ~one_reply_peer() { thread_.join(); }
  unsigned short port() const { return acceptor_.local_endpoint().port(); }

 private:
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

load_config short_run(unsigned short port, protocol p) {
  load_config c;
  c.port = port;
  c.proto = p;
  c.connections = 3;
  c.warmup = std::chrono::milliseconds(500);  // every failure below happens during warm-up
  c.duration = std::chrono::milliseconds(100);
  return c;
}

}  // namespace

// A dead server once read as "0 ok, 0 errors": the refusals fell in the warm-up and were dropped.
TEST(load, refused_connections_are_errors_even_during_warm_up) {
  unsigned short port;
  {
    net::io_context ioc;
    tcp::acceptor a(ioc, {net::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }
  auto r = run_load(short_run(port, protocol::modern));
  EXPECT_EQ(r.ok, 0u);
  EXPECT_EQ(r.errors, 3u);
  EXPECT_EQ(r.error_kinds["connect"], 3u) << r.first_error;
}

TEST(load, a_failed_initialize_is_an_error_even_during_warm_up) {
  one_reply_peer peer("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\nnope", 3);
  auto r = run_load(short_run(peer.port(), protocol::session));
  EXPECT_EQ(r.ok, 0u);
  EXPECT_EQ(r.error_kinds["initialize"], 3u) << r.first_error;
}

TEST(load, a_server_ending_keep_alive_is_an_error) {
  one_reply_peer peer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}", 3);
  auto r = run_load(short_run(peer.port(), protocol::modern));
  EXPECT_EQ(r.ok, 0u);
  EXPECT_EQ(r.error_kinds["closed by server"], 3u) << r.first_error;
}

// The "mcpx-auth" entry measures nothing if its token is refused (every answer an error) or not
// needed (auth silently off): the real server must take it, and refuse a request without it.
TEST(auth_entry, the_minted_token_is_accepted_and_required) {
  const std::string resource = "https://mcpx-bench.example/mcp";
  local_issuer issuer;
  auto port = free_port();
  std::string log = ::testing::TempDir() + "bench-auth-echo.log";
  auto c = spawn("mcpx-bench-echo",
                 {MCPX_BENCH_ECHO, "--port", std::to_string(port), "--auth-issuer", issuer.url(), "--auth-resource",
                  resource},
                 log, -1);
  ASSERT_TRUE(wait_for_port(c, port, std::chrono::seconds(10))) << tail_of(log);
  ASSERT_TRUE(wait_for_ready(c, port, std::chrono::seconds(10))) << tail_of(log);
  auto token = issuer.token(resource, std::chrono::minutes(5));
  auto call = [&](const std::string& auth) {
    std::string body = R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo",)"
                       R"("arguments":{"text":"hi"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",)"
                       R"("io.modelcontextprotocol/clientCapabilities":{}}}})";
    return http_status(port,
                       "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                       "Accept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2026-07-28\r\n"
                       "Mcp-Method: tools/call\r\nMcp-Name: echo\r\n" +
                           auth + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  };
  EXPECT_EQ(call("Authorization: Bearer " + token + "\r\n"), 200);
  EXPECT_EQ(call(""), 401);
  // And the way the suite sends it: the load generator's --bearer.
  auto lc = short_run(port, protocol::modern);
  lc.warmup = std::chrono::milliseconds(0);
  lc.bearer = token;
  auto r = run_load(lc);
  EXPECT_GT(r.ok, 0u);
  EXPECT_EQ(r.errors, 0u) << r.first_error;
  stop(c);
}

// The "mcpx-limits" entry measures the checks only if they run and never refuse: RateLimit
// fields on every answer, no RATE_LIMIT_EXCEEDED under the load generator.
TEST(limits_entry, every_request_is_checked_and_admitted) {
  auto port = free_port();
  std::string log = ::testing::TempDir() + "bench-limits-echo.log";
  auto c = spawn("mcpx-bench-echo", {MCPX_BENCH_ECHO, "--port", std::to_string(port), "--limits", "memory"}, log, -1);
  ASSERT_TRUE(wait_for_port(c, port, std::chrono::seconds(10))) << tail_of(log);
  auto lc = short_run(port, protocol::modern);
  lc.warmup = std::chrono::milliseconds(0);
  auto r = run_load(lc);
  EXPECT_GT(r.ok, 0u);
  EXPECT_EQ(r.errors, 0u) << r.first_error;
  net::io_context ioc;
  tcp::socket s(ioc);
  s.connect({net::ip::make_address("127.0.0.1"), port});
  std::string body = R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo",)"
                     R"("arguments":{"text":"hi"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",)"
                     R"("io.modelcontextprotocol/clientCapabilities":{}}}})";
  net::write(s, net::buffer("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                            "Accept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2026-07-28\r\n"
                            "Mcp-Method: tools/call\r\nMcp-Name: echo\r\nContent-Length: " +
                            std::to_string(body.size()) + "\r\n\r\n" + body));
  std::string head;
  boost::system::error_code ec;
  net::read_until(s, net::dynamic_buffer(head), "\r\n\r\n", ec);
  EXPECT_NE(head.find("RateLimit-Policy: "), std::string::npos) << head;
  stop(c);
}

// The shapes' server and the load generator's checks must agree: every shape, both protocol
// modes, against the real mcpx-bench-echo, with no error (a checker that refused everything, or
// a server answering wrongly, fails here before it fails the suite).
TEST(shapes_entry, every_shape_is_answered_and_checked) {
  auto port = free_port();
  std::string log = ::testing::TempDir() + "bench-shapes-echo.log";
  auto c = spawn("mcpx-bench-echo",
                 {MCPX_BENCH_ECHO, "--port", std::to_string(port), "--shapes", "--extra-tools", "200", "--echo-on",
                  "worker"},
                 log, -1);
  ASSERT_TRUE(wait_for_port(c, port, std::chrono::seconds(10))) << tail_of(log);
  for (auto p : {protocol::modern, protocol::session})
    for (auto sh : {shape::echo, shape::text_100k, shape::text_1m, shape::progress_100, shape::tools_list}) {
      auto lc = short_run(port, p);
      lc.warmup = std::chrono::milliseconds(0);
      lc.shape = sh;
      lc.expect_tools = 204;  // echo, text_100k, text_1m, progress_100 and the 200
      // This checks answers, not speed: on a busy machine a session's handshake and a 1 MB answer
      // once outlasted a 200 ms window (0 ok, 0 errors), so a window with no answer is widened.
      load_result r;
      for (lc.duration = std::chrono::milliseconds(200); lc.duration <= std::chrono::milliseconds(6400);
           lc.duration *= 2) {
        r = run_load(lc);
        if (r.ok > 0 || r.errors > 0) break;
      }
      EXPECT_GT(r.ok, 0u) << to_string(sh) << " " << to_string(p);
      EXPECT_EQ(r.errors, 0u) << to_string(sh) << " " << to_string(p) << ": " << r.first_error;
    }
  stop(c);
}

// The trace the open loop is read with: one line per counted answer, each due <= sent <= done,
// due times on the schedule the rate sets.
TEST(load, the_trace_has_one_ordered_line_per_counted_answer) {
  auto port = free_port();
  std::string log = ::testing::TempDir() + "bench-trace-echo.log";
  auto c = spawn("mcpx-bench-echo", {MCPX_BENCH_ECHO, "--port", std::to_string(port)}, log, -1);
  ASSERT_TRUE(wait_for_port(c, port, std::chrono::seconds(10))) << tail_of(log);
  auto lc = short_run(port, protocol::modern);
  lc.warmup = std::chrono::milliseconds(100);
  // A second, not 300 ms: a sanitizer build beside the heaviest tests once answered nothing in 300 ms.
  lc.duration = std::chrono::milliseconds(1000);
  lc.rate = 1000;
  lc.trace_path = ::testing::TempDir() + "bench-trace.txt";
  auto r = run_load(lc);
  stop(c);
  ASSERT_EQ(r.errors, 0u) << r.first_error;
  std::ifstream in(lc.trace_path);
  std::string line;
  std::uint64_t lines = 0;
  long long first_due = -1, last_due = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    long long due = 0, sent = 0, done = 0;
    ASSERT_EQ(std::sscanf(line.c_str(), "%lld %lld %lld", &due, &sent, &done), 3) << line;
    EXPECT_LE(due, sent);
    EXPECT_LE(sent, done);
    if (first_due < 0 || due < first_due) first_due = due;
    last_due = std::max(last_due, due);
    ++lines;
  }
  EXPECT_EQ(lines, r.ok);
  // 1000 requests/s over the second measured: about 1000, due inside the window after warm-up
  // (fewer when a stall of the machine pushes answers past the window's end, which are not counted).
  EXPECT_GE(lines, 100u);
  EXPECT_GE(first_due, 100'000'000);
  EXPECT_LT(last_due, 1'100'000'000);
}

TEST(stalls, the_probe_runs_its_time_on_every_cpu_and_reports_each) {
  auto t0 = std::chrono::steady_clock::now();
  auto r = probe_stalls(std::chrono::milliseconds(200), 2, false);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(200));
  ASSERT_EQ(r.cpus.size(), 2u);
  for (auto& c : r.cpus) {
    EXPECT_LE(c.over_5ms, c.over_1ms);
    EXPECT_LE(c.max_ms, c.total_ms + 1e-9);
  }
  EXPECT_EQ(r.seconds, 0.2);
  auto j = to_json(r);
  EXPECT_EQ(j.at("cpus").as_array().size(), 2u);
  EXPECT_TRUE(j.at("cpus").as_array()[1].as_object().contains("max_ms"));
}

// Steal is the eighth number of a cpuN line; the summary "cpu " line and other lines are not CPUs.
TEST(stolen, each_cpu_line_gives_its_steal_in_seconds) {
  std::string text =
      "cpu  245142 223943 170136 258161 1305 0 76254 66705 0 0\n"
      "cpu0 169245 111186 75495 81172 438 0 44032 39953 0 0\n"
      "cpu1 75896 112757 94641 176988 867 0 32221 26752 0 0\n"
      "cpu2 1 2 3\n"  // cut short: not read
      "intr 123 4 5\n"
      "ctxt 99\n";
  auto s = stolen_seconds_per_cpu(text, 100);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_DOUBLE_EQ(s[0], 399.53);
  EXPECT_DOUBLE_EQ(s[1], 267.52);
  EXPECT_TRUE(stolen_seconds_per_cpu("cpu  1 2 3 4 5 6 7 8\n", 100).empty());
  // This machine's own file has a line per CPU the kernel counts.
  EXPECT_GE(stolen_seconds_per_cpu().size(), 1u);
}

TEST(stolen, a_round_is_marked_only_where_a_cpu_lost_one_percent) {
  EXPECT_EQ(stolen_note({0.004, 0.009}), "");
  EXPECT_EQ(stolen_note({}), "");
  EXPECT_EQ(stolen_note({0.12, 0.031}), ", stolen by the host: CPU 0 12% CPU 1 3%");
  sample quiet, taken, unknown;
  quiet.p99_ms = 1;
  quiet.stolen = {0.002, 0.0};
  taken.p99_ms = 40;
  taken.stolen = {0.0, 0.05};
  unknown.p99_ms = 50;  // a kernel without steal: no figure, so never counted as quiet
  EXPECT_DOUBLE_EQ(most_stolen(taken), 0.05);
  auto q = unstolen_p99_ms({quiet, taken, unknown, quiet});
  ASSERT_TRUE(q);
  EXPECT_DOUBLE_EQ(q->first, 1.0);
  EXPECT_EQ(q->second, 2u);
  EXPECT_FALSE(unstolen_p99_ms({taken, unknown}));
}

TEST(stolen, a_ratio_over_quiet_rounds_uses_only_pairs_both_left_alone) {
  auto round = [](double rps, double stolen) {
    sample s;
    s.rps = rps;
    s.stolen = {stolen, 0.0};
    return s;
  };
  series a, b;
  a.samples = {round(50, 0.0), round(20, 0.12), round(60, 0.0), round(40, 0.0)};
  b.samples = {round(100, 0.0), round(100, 0.0), round(100, 0.0), round(100, 0.2)};
  auto q = unstolen_ratio(a, b);
  ASSERT_TRUE(q);
  EXPECT_DOUBLE_EQ(q->first, 0.55);  // rounds 1 and 3: 0.5 and 0.6
  EXPECT_EQ(q->second, 2u);
  EXPECT_DOUBLE_EQ(*ratio(a, b), 0.45);  // the target's own figure is every pair's
  b.samples = {round(100, 0.5), round(100, 0.5), round(100, 0.5), round(100, 0.5)};
  EXPECT_FALSE(unstolen_ratio(a, b));
}
