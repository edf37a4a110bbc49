// Request framing at the edge: chunk extensions and trailers stay bounded, a Transfer-Encoding
// or Host the server cannot trust ends the connection before anything behind it runs.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <atomic>
#include <fstream>
#include <mcpx/server.hpp>
#include <thread>

#include "test_client.hpp"

using namespace mcpx::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

// The process's resident set in KiB (the server runs in this process).
long rss_kib() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

class framing : public ::testing::Test {
 protected:
  void SetUp() override {
    mcpx::options o;
    o.port = 0;
    o.log_level = "off";
    o.header_limit = 8 * 1024;
    o.body_limit = 64 * 1024;
    o.read_timeout = 10s;  // a refusal must come long before this
    o.idle_timeout = 10s;
    srv_ = std::make_unique<mcpx::server>(mcpx::server_info{"framing-test", "1"}, o);
    srv_->tool("count").description("counts its calls").handle([this](const mcpx::args&, mcpx::context&) {
      calls_.fetch_add(1);
      return mcpx::tool_result::text("counted");
    });
    srv_->start();
  }
  void TearDown() override { srv_->stop(); }
  unsigned short port() const { return srv_->port(); }

  // The head of a 2026-07-28 POST, without a length: the test adds its own framing.
  static std::string head(const std::string& method, const std::string& name, const std::string& framing,
                          const std::string& host = "Host: 127.0.0.1\r\n") {
    return "POST /mcp HTTP/1.1\r\n" + host +
           "Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n" +
           modern_headers(method, name) + framing + "\r\n";
  }
  static std::string count_call(int id) {
    return post(modern_body(id, "tools/call", {{"name", "count"}}), modern_headers("tools/call", "count"));
  }

  std::unique_ptr<mcpx::server> srv_;
  std::atomic<int> calls_{0};
};

// Sends `prefix`, then `filler` bytes of 'a' that never end the line or block they are in,
// while reading what the server answers. Returns the status (0: none within 3 s), how long
// the answer took, and the server's growth in resident memory once the sender is done.
struct flood_result {
  int status = 0;
  std::chrono::milliseconds took{0};
  long grew_kib = 0;
};

flood_result flood(unsigned short port, const std::string& prefix, std::size_t filler) {
  flood_result out;
  auto s = connect(port);
  // The sender thread starts (its stack, and under ASan its fake stack) before the baseline:
  // only the server's growth is measured.
  static const std::string piece(64 * 1024, 'a');
  std::atomic<bool> go{false};
  std::thread sender([fd = s.native_handle(), filler, &go] {
    while (!go.load()) std::this_thread::sleep_for(1ms);
    for (std::size_t sent = 0; sent < filler;) {
      // SO_SNDTIMEO (10 s) bounds a send the server stopped reading; MSG_NOSIGNAL: no SIGPIPE.
      long n = ::send(fd, piece.data(), std::min(piece.size(), filler - sent), MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<std::size_t>(n);
    }
  });
  std::this_thread::sleep_for(10ms);
  const long before = rss_kib();
  net::write(s, net::buffer(prefix));
  go = true;
  const auto start = std::chrono::steady_clock::now();
  auto got = read_until(s, "\r\n\r\n", 3000ms);
  out.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  if (got.size() > 12 && got.rfind("HTTP/1.1 ", 0) == 0) out.status = std::stoi(got.substr(9, 3));
  sender.join();
  out.grew_kib = rss_kib() - before;
  return out;
}

// Before: Beast applies header_limit to neither, so one chunk-size line or one trailer block
// grew the read buffer by its whole size and held it until the read timeout.
TEST_F(framing, an_8_mib_chunk_extension_is_refused_promptly_without_buffering_it) {
  EXPECT_EQ(roundtrip(port(), count_call(1)).status, 200);  // warm up: threads, arenas, pools
  auto r = flood(port(), head("tools/list", "", "Transfer-Encoding: chunked\r\n") + "10;ext=", 8 << 20);
  EXPECT_EQ(r.status, 431);
  EXPECT_LT(r.took, 2000ms);
  EXPECT_LT(r.grew_kib, 4096) << "the server buffered the extension";
  std::printf("[ figures  ] chunk extension: status %d after %lld ms, RSS +%ld KiB\n", r.status,
              static_cast<long long>(r.took.count()), r.grew_kib);
}

TEST_F(framing, an_8_mib_trailer_is_refused_promptly_without_buffering_it) {
  EXPECT_EQ(roundtrip(port(), count_call(1)).status, 200);
  std::string body = modern_body(1, "tools/list");
  char size[24];
  std::snprintf(size, sizeof size, "%zx", body.size());
  auto r = flood(port(),
                 head("tools/list", "", "Transfer-Encoding: chunked\r\n") + size + "\r\n" + body + "\r\n0\r\nX-Pad: ",
                 8 << 20);
  EXPECT_EQ(r.status, 431);
  EXPECT_LT(r.took, 2000ms);
  EXPECT_LT(r.grew_kib, 4096) << "the server buffered the trailer";
  std::printf("[ figures  ] trailer: status %d after %lld ms, RSS +%ld KiB\n", r.status,
              static_cast<long long>(r.took.count()), r.grew_kib);
}

// Many small extensions add up: together with the trailers they may take header_limit bytes.
TEST_F(framing, chunk_extensions_and_trailers_share_the_header_limit) {
  std::string body = modern_body(1, "tools/list");
  std::string ext = ";e=" + std::string(1000, 'x');
  std::string chunks;
  for (char c : body) chunks += "1" + ext + "\r\n" + c + "\r\n";  // 1000 bytes of extension per body byte
  auto r = roundtrip(port(), head("tools/list", "", "Transfer-Encoding: chunked\r\n") + chunks + "0\r\n\r\n");
  EXPECT_EQ(r.status, 431) << r.head;
}

TEST_F(framing, a_valid_chunked_post_is_served) {
  std::string body = modern_body(7, "tools/call", {{"name", "count"}});
  auto half = body.size() / 2;
  char a[24], b[24];
  std::snprintf(a, sizeof a, "%zx", half);
  std::snprintf(b, sizeof b, "%zx", body.size() - half);
  std::string chunked = std::string(a) + ";note=first\r\n" + body.substr(0, half) + "\r\n" + b + "\r\n" +
                        body.substr(half) + "\r\n0\r\nX-Checksum: none\r\n\r\n";
  auto s = connect(port());
  net::write(s, net::buffer(head("tools/call", "count", "Transfer-Encoding: chunked\r\n") + chunked + count_call(8)));
  auto r = read_response(s);
  ASSERT_EQ(r.status, 200) << r.head << r.body;
  EXPECT_EQ(json_body(r).at("id").as_int64(), 7);
  auto next = read_response(s);  // the connection stays usable
  EXPECT_EQ(json_body(next).at("id").as_int64(), 8);
  EXPECT_EQ(calls_.load(), 2);
}

// The request in pieces, the last chunk's end a byte at a time: the server parses a chunked
// body only from 5 buffered bytes on (Beast 1.81 asserted on less, see request_reader.cpp), and
// must still finish the request when the last of it is a single byte.
TEST_F(framing, a_chunked_post_arriving_in_pieces_is_served) {
  std::string body = modern_body(5, "tools/call", {{"name", "count"}});
  char size[24];
  std::snprintf(size, sizeof size, "%zx", body.size());
  auto s = connect(port());
  s.set_option(tcp::no_delay(true));
  const std::string pieces[] = {head("tools/call", "count", "Transfer-Encoding: chunked\r\n"),
                                std::string(size) + "\r\n" + body.substr(0, 3),
                                body.substr(3) + "\r",
                                "\n",
                                "0\r\n",
                                "\r",
                                "\n"};
  for (const auto& piece : pieces) {
    net::write(s, net::buffer(piece));
    std::this_thread::sleep_for(20ms);
  }
  auto r = read_response(s);
  ASSERT_EQ(r.status, 200) << r.head << r.body;
  EXPECT_EQ(json_body(r).at("id").as_int64(), 5);
  EXPECT_EQ(calls_.load(), 1);
}

// An empty chunked body whose end comes in pieces is read to its end and answered (its empty
// JSON refused); one cut inside its end gets no answer, and the server goes on.
TEST_F(framing, an_empty_chunked_body_split_in_its_end_is_answered_and_one_cut_there_is_dropped) {
  {
    auto s = connect(port());
    s.set_option(tcp::no_delay(true));
    for (const char* piece : {"0\r\n", "\r", "\n"}) {
      if (piece[0] == '0') net::write(s, net::buffer(head("tools/list", "", "Transfer-Encoding: chunked\r\n")));
      net::write(s, net::buffer(std::string_view(piece)));
      std::this_thread::sleep_for(20ms);
    }
    auto r = read_response(s);
    EXPECT_EQ(r.status, 400) << r.head << r.body;
    EXPECT_EQ(json_body(r).at("error").at("code").as_int64(), -32700) << r.body;
  }
  for (const char* end : {"0\r\n", "0\r\n\r", "0\r\nX-T"}) {
    auto s = connect(port());
    net::write(s, net::buffer(head("tools/list", "", "Transfer-Encoding: chunked\r\n") + end));
    std::this_thread::sleep_for(20ms);
    s.shutdown(tcp::socket::shutdown_send);
    auto r = read_response(s);
    EXPECT_EQ(r.status, 0) << end << ": " << r.head;
    EXPECT_TRUE(r.closed) << end;
  }
  EXPECT_EQ(roundtrip(port(), count_call(9)).status, 200);
  EXPECT_EQ(calls_.load(), 1);
}

// RFC 9110 6.5.1: a trailer field is not merged into the header. Beast's parser does merge
// them, so a trailer could add an Origin (or a second Host) after the header was checked.
TEST_F(framing, a_trailer_field_is_not_taken_as_a_header_field) {
  std::string body = modern_body(3, "tools/list");
  char size[24];
  std::snprintf(size, sizeof size, "%zx", body.size());
  auto r = roundtrip(port(), head("tools/list", "", "Transfer-Encoding: chunked\r\n") + size + "\r\n" + body +
                                 "\r\n0\r\nOrigin: https://evil.example\r\n\r\n");
  EXPECT_EQ(r.status, 200) << r.head << r.body;
}

// Each variant is followed, in the same write, by a tools/call: a server that misreads the
// first request's framing takes the call for the next request and runs it.
struct smuggling_case {
  const char* name;
  std::string framing;  ///< header lines of the first request
  std::string host;
  std::string body;  ///< what follows the head before the tools/call (none: the call is the "body")
};

void PrintTo(const smuggling_case& c, std::ostream* os) { *os << c.name; }

const std::string host1 = "Host: 127.0.0.1\r\n";

class smuggling : public framing, public ::testing::WithParamInterface<smuggling_case> {};

TEST_P(smuggling, is_refused_with_400_and_a_close_and_the_next_request_never_runs) {
  const auto& c = GetParam();
  auto s = connect(port());
  net::write(s, net::buffer(head("tools/list", "", c.framing, c.host) + c.body + count_call(2)));
  auto first = read_response(s);
  EXPECT_EQ(first.status, 400) << first.head << first.body;
  char byte;
  long more = first.closed ? -1 : read_for(s, &byte, 1, 1500ms);
  EXPECT_EQ(more, -1) << "the connection stayed open (or a second response came)";
  std::this_thread::sleep_for(100ms);  // a smuggled call would have reached the worker by now
  EXPECT_EQ(calls_.load(), 0) << "the pipelined tools/call ran";
}

std::string length_of(const std::string& body) { return "Content-Length: " + std::to_string(body.size()) + "\r\n"; }

INSTANTIATE_TEST_SUITE_P(
    edge, smuggling,
    ::testing::Values(
        smuggling_case{"te_gzip", "Transfer-Encoding: gzip\r\n", host1, ""},
        smuggling_case{"te_identity", "Transfer-Encoding: identity\r\n", host1, ""},
        smuggling_case{"te_chunked_identity", "Transfer-Encoding: chunked, identity\r\n", host1, ""},
        smuggling_case{"te_chunked_chunked", "Transfer-Encoding: chunked, chunked\r\n", host1, ""},
        smuggling_case{"te_gzip_chunked", "Transfer-Encoding: gzip, chunked\r\n", host1, "5\r\nhello\r\n0\r\n\r\n"},
        smuggling_case{"te_then_length", "Transfer-Encoding: gzip\r\nContent-Length: 0\r\n", host1, ""},
        smuggling_case{"length_then_te", length_of(modern_body(1, "tools/list")) + "Transfer-Encoding: chunked\r\n",
                       "Host: 127.0.0.1\r\n", modern_body(1, "tools/list")},
        smuggling_case{"chunked_then_length", "Transfer-Encoding: chunked\r\nContent-Length: 0\r\n",
                       "Host: 127.0.0.1\r\n", "0\r\n\r\n"},
        smuggling_case{"no_host", length_of(modern_body(1, "tools/list")), "", modern_body(1, "tools/list")},
        smuggling_case{"two_hosts", length_of(modern_body(1, "tools/list")), "Host: 127.0.0.1\r\nHost: 127.0.0.1\r\n",
                       modern_body(1, "tools/list")},
        // RFC 9112 3.2: a Host whose value is not uri-host [":" port] is refused like a missing one.
        smuggling_case{"host_with_userinfo", length_of(modern_body(1, "tools/list")), "Host: user@127.0.0.1\r\n",
                       modern_body(1, "tools/list")},
        smuggling_case{"host_with_path", length_of(modern_body(1, "tools/list")), "Host: 127.0.0.1/x\r\n",
                       modern_body(1, "tools/list")},
        smuggling_case{"host_with_space", length_of(modern_body(1, "tools/list")), "Host: 127.0.0.1 evil\r\n",
                       modern_body(1, "tools/list")},
        smuggling_case{"host_with_bad_port", length_of(modern_body(1, "tools/list")), "Host: 127.0.0.1:80x\r\n",
                       modern_body(1, "tools/list")},
        smuggling_case{"host_with_bad_escape", length_of(modern_body(1, "tools/list")), "Host: local%zzhost\r\n",
                       modern_body(1, "tools/list")},
        smuggling_case{"host_unclosed_v6", length_of(modern_body(1, "tools/list")), "Host: [::1\r\n",
                       modern_body(1, "tools/list")}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
