// util::http_feed with Boost's own assertions on (this file is compiled without NDEBUG, and links
// no mcpx library, so Beast's parser here is this file's instantiation): a chunked message fed
// as its bytes arrive, cut at every point. Found by fuzz_http in CI: Beast 1.81 asserted that a
// final chunk it parsed again held at least 5 bytes, so "0\r\n" then one more byte aborted.
#ifdef NDEBUG
#error "http_feed_test must be compiled with assertions (see tests/unit/fuzz_regressions.cmake)"
#endif
#include <gtest/gtest.h>

#include <boost/beast/http.hpp>
#include <cstring>
#include <string>

#include "util/http_feed.hpp"

namespace bhttp = boost::beast::http;
using mcpx::util::http_feed::parse_buffered;

namespace {

template <class Parser>
void feed_at_every_cut(const std::string& message, const std::string& want_body) {
  // Two pieces at every cut, then one byte at a time: the reads a slow client makes.
  for (std::size_t cut = 0; cut <= message.size(); ++cut) {
    for (const std::size_t step : {message.size(), std::size_t{1}}) {
      Parser p;
      p.eager(true);
      boost::beast::flat_buffer buf;
      boost::system::error_code ec;
      bool done = false;
      auto arrive = [&](std::string_view bytes) {
        if (bytes.empty()) return;
        auto b = buf.prepare(bytes.size());
        std::memcpy(b.data(), bytes.data(), bytes.size());
        buf.commit(bytes.size());
        done = parse_buffered(buf, p, ec);
      };
      arrive(std::string_view(message).substr(0, cut));
      for (std::size_t at = cut; at < message.size() && !done; at += step)
        arrive(std::string_view(message).substr(at, step));
      ASSERT_TRUE(done) << "cut " << cut << " step " << step;
      ASSERT_FALSE(ec) << ec.message();
      EXPECT_EQ(p.get().body(), want_body) << "cut " << cut << " step " << step;
    }
  }
}

}  // namespace

TEST(http_feed, an_empty_chunked_request_body_fed_in_pieces) {
  feed_at_every_cut<bhttp::request_parser<bhttp::string_body>>(
      "POST /mcp HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "");
}

TEST(http_feed, a_chunked_request_with_extensions_and_trailers_fed_in_pieces) {
  feed_at_every_cut<bhttp::request_parser<bhttp::string_body>>(
      "POST /mcp HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3;a=b\r\n{\"a\r\n4\r\n\":1}\r\n0;x\r\nT: 1\r\n\r\n",
      "{\"a\":1}");
}

TEST(http_feed, an_empty_chunked_response_with_a_trailer_fed_in_pieces) {
  feed_at_every_cut<bhttp::response_parser<bhttp::string_body>>(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: 1\r\n\r\n", "");
}

TEST(http_feed, fewer_than_five_bytes_of_a_chunked_body_wait_for_more) {
  bhttp::request_parser<bhttp::string_body> p;
  p.eager(true);
  boost::beast::flat_buffer buf;
  const std::string head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r";
  auto b = buf.prepare(head.size());
  std::memcpy(b.data(), head.data(), head.size());
  buf.commit(head.size());
  boost::system::error_code ec;
  EXPECT_FALSE(parse_buffered(buf, p, ec));
  EXPECT_TRUE(p.is_header_done());
  EXPECT_EQ(buf.size(), 4u);  // "0\r\n\r", not given to the parser yet
  EXPECT_FALSE(ec);
}
