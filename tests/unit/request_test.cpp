#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory_resource>
#include <string>
#include <vector>

#include "http/request_parser.hpp"

namespace bhttp = boost::beast::http;
using mcpx::http::request;
using mcpx::http::request_parser;

namespace request_test {

constexpr std::size_t metadata_limit = 16 * 1024;

// A resource that counts what is taken and given back, over the heap.
struct counting_resource final : std::pmr::memory_resource {
  std::size_t allocations = 0, deallocations = 0;
  void* do_allocate(std::size_t n, std::size_t a) override {
    ++allocations;
    return std::pmr::new_delete_resource()->allocate(n, a);
  }
  void do_deallocate(void* p, std::size_t n, std::size_t a) override {
    ++deallocations;
    std::pmr::new_delete_resource()->deallocate(p, n, a);
  }
  bool do_is_equal(const std::pmr::memory_resource& o) const noexcept override { return this == &o; }
};

// Feeds `text` in one put; the parser's error, need_more when it wanted more.
boost::beast::error_code put_all(bhttp::basic_parser<true>& p, const std::string& text) {
  boost::beast::error_code ec;
  std::size_t at = 0;
  while (at < text.size() && !p.is_done()) {
    at += p.put(boost::asio::buffer(text.data() + at, text.size() - at), ec);
    if (ec) break;
  }
  return ec;
}

struct field_copy {
  bhttp::field code;
  std::string name, value;
  bool operator==(const field_copy&) const = default;
};

template <class Fields>
std::vector<field_copy> copies(const Fields& fs) {
  std::vector<field_copy> out;
  for (const auto& f : fs) out.push_back({f.name(), std::string(f.name_string()), std::string(f.value())});
  return out;
}

}  // namespace request_test

using namespace request_test;

// What the parser keeps is what Beast's own message parser keeps: each field in arrival order,
// with Beast's code, the name as sent and the value as Beast cuts it (a folded line, a value
// with surrounding whitespace, an empty one, a repeated name), and the request line and body.
TEST(request_parser, keeps_what_beasts_own_parser_keeps) {
  const std::vector<std::string> inputs = {
      "POST /mcp?x=1 HTTP/1.1\r\nHost: a.test:8080\r\nContent-Type: application/json\r\nMcp-Method: tools/call\r\n"
      "ACCEPT:  application/json, text/event-stream \t\r\nX-Empty:\r\nmcp-name: a\r\nMcp-Name: b\r\n"
      "Content-Length: 5\r\n\r\nhello",
      "GET / HTTP/1.0\r\nX-Folded: first\r\n  second\r\nUser-Agent: t\r\n\r\n",
      "PATCH /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
      "BREW /pot HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n",
  };
  for (const auto& in : inputs) {
    bhttp::request_parser<bhttp::string_body> theirs;
    ASSERT_FALSE(put_all(theirs, in)) << in;
    std::string buffer = in;  // the parser's input: overwritten once parsed
    request_parser ours(std::pmr::new_delete_resource(), metadata_limit);
    ASSERT_FALSE(put_all(ours, buffer)) << in;
    ASSERT_TRUE(ours.is_done()) << in;
    buffer.assign(buffer.size(), '#');
    const auto& want = theirs.get();
    const auto& got = ours.get();
    EXPECT_EQ(copies(got), copies(want)) << in;
    EXPECT_EQ(got.method(), want.method()) << in;
    EXPECT_EQ(got.method_string(), want.method_string()) << in;
    EXPECT_EQ(got.target(), want.target()) << in;
    EXPECT_EQ(got.version(), want.version()) << in;
    EXPECT_EQ(std::string_view(got.body()), want.body()) << in;
    EXPECT_EQ(ours.keep_alive(), want.keep_alive()) << in;
  }
}

// A head fed a byte at a time is kept whole: Beast parses the fields once the head is complete,
// so none is kept twice or cut.
TEST(request_parser, keeps_a_head_that_arrives_a_byte_at_a_time) {
  const std::string in = "POST /mcp HTTP/1.1\r\nHost: a\r\nX-One: 1\r\nContent-Length: 2\r\n\r\n{}";
  request_parser p(std::pmr::new_delete_resource(), metadata_limit);
  boost::beast::error_code ec;
  std::string pending;
  for (char c : in) {
    pending += c;
    auto used = p.put(boost::asio::buffer(pending), ec);
    if (ec == bhttp::error::need_more) ec = {};
    ASSERT_FALSE(ec) << ec.message();
    pending.erase(0, used);
  }
  ASSERT_TRUE(p.is_done());
  EXPECT_EQ(p.get().field_count(), 3u);
  EXPECT_EQ(p.get()[bhttp::field::host], "a");
  EXPECT_EQ(p.get()["x-one"], "1");
  EXPECT_EQ(p.get().body(), "{}");
}

// Past the first field array and text block, both grow and what was kept stays intact.
TEST(request_parser, keeps_many_and_long_fields) {
  std::string in = "GET / HTTP/1.1\r\nHost: h\r\n";
  for (int i = 0; i < 100; ++i)
    in += "X-F" + std::to_string(i) + ": " + std::string(30 + i, char('a' + i % 26)) + "\r\n";
  in += "X-Long: " + std::string(5000, 'z') + "\r\n\r\n";
  counting_resource mr;
  {
    request_parser p(&mr, metadata_limit);
    p.header_limit(64 * 1024);
    ASSERT_FALSE(put_all(p, in));
    const auto& req = p.get();
    ASSERT_EQ(req.field_count(), 102u);
    int i = 0;
    for (const auto& f : req) {
      if (f.name_string().starts_with("X-F")) {
        EXPECT_EQ(f.name_string(), "X-F" + std::to_string(i));
        EXPECT_EQ(f.value(), std::string(30 + i, char('a' + i % 26)));
        ++i;
      }
    }
    EXPECT_EQ(i, 100);
    EXPECT_EQ(req["x-long"], std::string(5000, 'z'));
  }
  EXPECT_EQ(mr.allocations, mr.deallocations);  // everything given back, whatever the resource
}

// A typical head costs two blocks of the request's resource (its text, its field array), and
// its body one: not one per field.
TEST(request_parser, takes_two_blocks_for_a_typical_head) {
  counting_resource mr;
  {
    request_parser p(&mr, metadata_limit);
    ASSERT_FALSE(put_all(p,
                         "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: node\r\nAccept: application/json, "
                         "text/event-stream\r\nContent-Type: application/json\r\nMCP-Protocol-Version: 2026-07-28\r\n"
                         "Mcp-Method: tools/call\r\nMcp-Name: echo\r\nConnection: keep-alive\r\nContent-Length: "
                         "40\r\n\r\n" +
                             std::string(40, ' ')));
    EXPECT_EQ(p.get().field_count(), 9u);
    EXPECT_EQ(mr.allocations, 3u);
  }
  EXPECT_EQ(mr.deallocations, 3u);
}

// Trailer fields are not merged into the head (a Host or Content-Length there changes nothing)
// but they count, with chunk extensions, against the metadata limit.
TEST(request_parser, drops_trailers_and_limits_them_with_chunk_extensions) {
  const std::string head = "POST /mcp HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
  {
    request_parser p(std::pmr::new_delete_resource(), metadata_limit);
    ASSERT_FALSE(put_all(p, head + "2;x=y\r\n{}\r\n0\r\nHost: evil\r\nX-T: 1\r\n\r\n"));
    EXPECT_TRUE(p.is_done());
    EXPECT_EQ(p.get().field_count(), 2u);
    EXPECT_EQ(p.get()[bhttp::field::host], "a");
    EXPECT_EQ(p.get()["x-t"], "");
    EXPECT_EQ(p.get().body(), "{}");
  }
  // ";x=y" (4, as Beast hands extensions over) + "X-T: 1\r\n" (8) = 12 bytes: within 12, beyond 11.
  for (std::size_t limit : {12, 11}) {
    request_parser p(std::pmr::new_delete_resource(), limit);
    auto ec = put_all(p, head + "2;x=y\r\n{}\r\n0\r\nX-T: 1\r\n\r\n");
    if (limit == 12) EXPECT_FALSE(ec) << ec.message();
    else EXPECT_EQ(ec, bhttp::error::header_limit);
  }
  // Extensions alone, over many chunks.
  request_parser p(std::pmr::new_delete_resource(), 20);
  std::string body = head;
  for (int i = 0; i < 10; ++i) body += "1;ab\r\nx\r\n";
  EXPECT_EQ(put_all(p, body + "0\r\n\r\n"), bhttp::error::header_limit);
}

// Beast's limits still apply: the body's, checked on the declared length before any byte.
TEST(request_parser, refuses_a_body_beyond_its_limit) {
  request_parser p(std::pmr::new_delete_resource(), metadata_limit);
  p.body_limit(4);
  EXPECT_EQ(put_all(p, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"), bhttp::error::body_limit);
}

// Requests built by hand (tests, fakes): set() replaces every field of that name in any case,
// lookups by code or text take the first, and a moved request keeps its views valid.
TEST(request, is_built_by_hand_and_moves_with_its_storage) {
  counting_resource a, b;
  {
    request r(&a);
    r.method(bhttp::verb::post);
    r.target("/mcp");
    r.insert("Mcp-Name", "one");
    r.insert(bhttp::field::host, "h");
    r.insert("mcp-name", "two");
    r.set("MCP-NAME", "three");
    r.method_string("BREW");
    r.body() = "{}";
    EXPECT_EQ(r.method(), bhttp::verb::unknown);
    EXPECT_EQ(r.method_string(), "BREW");
    EXPECT_EQ(r.field_count(), 2u);
    EXPECT_EQ(r["mcp-name"], "three");
    EXPECT_EQ(r["Host"], "h");
    EXPECT_EQ(r[bhttp::field::unknown], "");  // not a name
    r.set(bhttp::field::host, "g");
    EXPECT_EQ(r[bhttp::field::host], "g");

    request moved(std::move(r));
    EXPECT_EQ(r.field_count(), 0u);
    EXPECT_EQ(moved.target(), "/mcp");
    EXPECT_EQ(moved["Mcp-Name"], "three");
    EXPECT_EQ(moved.body(), "{}");

    request other(&b);
    other.insert("X-A", "1");
    other = std::move(moved);  // other's own storage goes back to b, it takes a's
    EXPECT_EQ(b.allocations, b.deallocations);
    EXPECT_EQ(other.resource(), &a);
    EXPECT_EQ(other["mcp-name"], "three");
    EXPECT_EQ(other.body(), "{}");
    other.keep_fields(1);
    EXPECT_EQ(other.field_count(), 1u);
  }
  EXPECT_EQ(a.allocations, a.deallocations);
  EXPECT_EQ(b.allocations, b.deallocations);
}
