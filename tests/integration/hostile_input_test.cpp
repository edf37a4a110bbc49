// Hostile clients get a clear, classified answer and the server stays up.
#include <gtest/gtest.h>

#include <mcpx/server.hpp>
#include <thread>

#include "test_client.hpp"

using namespace mcpx::test;
namespace json = boost::json;

namespace {

class hostile : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    mcpx::options o;
    o.port = 0;
    o.log_level = "warning";
    o.body_limit = 1024 * 1024;
    o.read_timeout = std::chrono::milliseconds(1500);
    o.idle_timeout = std::chrono::milliseconds(3000);
    srv_ = new mcpx::server({"hostile-test", "1.0.0"}, o);
    srv_->tool("echo")
        .description("Echoes its text")
        .input_schema(json::parse(R"({"type":"object","properties":{"text":{"type":"string"},
            "count":{"type":"integer","minimum":1}},"required":["text"]})"))
        .handle([](const mcpx::args& a, mcpx::context&) {
          return mcpx::tool_result::text(std::string(a.at("text").as_string()));
        });
    srv_->start();
  }
  static void TearDownTestSuite() {
    delete srv_;
    srv_ = nullptr;
  }
  static unsigned short port() { return srv_->port(); }
  // The server still answers a well-formed request.
  static void expect_alive() {
    auto r = roundtrip(port(), post(modern_body(99, "tools/list"), modern_headers("tools/list")));
    ASSERT_EQ(r.status, 200) << r.head;
    EXPECT_TRUE(json_body(r).at("result").at("tools").is_array());
  }
  static mcpx::server* srv_;
};

mcpx::server* hostile::srv_ = nullptr;

TEST_F(hostile, invalid_json_is_a_parse_error) {
  auto r = roundtrip(port(), post("{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": ", modern_headers("tools/list")));
  EXPECT_EQ(r.status, 400);
  auto v = json_body(r);
  EXPECT_EQ(v.at("error").at("code").as_int64(), -32700);
  EXPECT_TRUE(v.at("id").is_null());
  expect_alive();
}

TEST_F(hostile, a_json_array_body_is_an_invalid_request) {
  auto r = roundtrip(port(), post("[" + modern_body(1, "tools/list") + "]", modern_headers("tools/list")));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json_body(r).at("error").at("code").as_int64(), -32600);
  expect_alive();
}

TEST_F(hostile, a_50_mb_body_is_refused_before_it_is_read) {
  auto s = connect(port());
  std::string head =
      "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Content-Length: 52428800\r\n\r\n";
  net::write(s, net::buffer(head));
  std::string chunk(64 * 1024, ' ');
  boost::system::error_code ec;
  net::write(s, net::buffer(chunk), ec);  // may fail once the server has closed: that is fine
  auto r = read_response(s);
  EXPECT_EQ(r.status, 413) << r.head;
  EXPECT_NE(r.body.find("too large"), std::string::npos);
  expect_alive();
}

TEST_F(hostile, a_100_kb_header_block_gets_431) {
  std::string junk = "X-Junk: " + std::string(100 * 1024, 'a') + "\r\n";
  auto s = connect(port());
  boost::system::error_code ec;
  net::write(s, net::buffer(post(modern_body(1, "tools/list"), modern_headers("tools/list") + junk)), ec);
  auto r = read_response(s);
  EXPECT_EQ(r.status, 431) << r.head;
  expect_alive();
}

TEST_F(hostile, a_client_sending_one_byte_a_second_is_cut_off) {
  auto slow = connect(port());
  std::string req = post(modern_body(1, "tools/list"), modern_headers("tools/list"));
  auto start = std::chrono::steady_clock::now();
  boost::system::error_code ec;
  std::size_t sent = 0;
  // read_timeout is 1.5 s: the server must close the connection long before the request ends.
  while (sent < req.size() && std::chrono::steady_clock::now() - start < std::chrono::seconds(6)) {
    net::write(slow, net::buffer(req.data() + sent, 1), ec);
    if (ec) break;
    ++sent;
    expect_alive();  // others are served meanwhile
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  char c;
  EXPECT_EQ(read_for(slow, &c, 1, std::chrono::milliseconds(1000)), -1) << "the slow connection is still open";
  EXPECT_LT(sent, req.size());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(hostile, a_connection_left_idle_is_closed_after_the_idle_timeout) {
  auto s = connect(port());
  auto start = std::chrono::steady_clock::now();
  char c;
  // Answered first, so the idle wait is the keep-alive one between requests.
  boost::system::error_code ec;
  net::write(s, net::buffer(post(modern_body(1, "tools/list"), modern_headers("tools/list"))), ec);
  EXPECT_EQ(read_response(s).status, 200);
  // idle_timeout is 3 s: still open at 2 s, closed before 6 s.
  EXPECT_EQ(read_for(s, &c, 1, std::chrono::milliseconds(2000)), 0) << "closed before the idle timeout";
  EXPECT_EQ(read_for(s, &c, 1, std::chrono::milliseconds(4000)), -1) << "still open after the idle timeout";
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2900));
}

TEST_F(hostile, an_unknown_method_is_method_not_found) {
  auto r = roundtrip(port(), post(modern_body(7, "no/such"), modern_headers("no/such")));
  EXPECT_EQ(r.status, 404);
  auto v = json_body(r);
  EXPECT_EQ(v.at("error").at("code").as_int64(), -32601);
  EXPECT_EQ(v.at("id").as_int64(), 7);
}

TEST_F(hostile, a_wrong_session_id_is_404) {
  auto r = roundtrip(port(), post(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})",
                                  "Mcp-Session-Id: deadbeef\r\nMCP-Protocol-Version: 2025-11-25\r\n"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(json_body(r).at("id").as_int64(), 1);
}

TEST_F(hostile, a_legacy_request_without_a_session_is_400) {
  auto r = roundtrip(port(), post(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})"));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("initialize"), std::string::npos);
}

TEST_F(hostile, an_unsupported_protocol_version_lists_the_supported_ones) {
  std::string body = R"({"jsonrpc":"2.0","id":3,"method":"tools/list","params":{"_meta":{
      "io.modelcontextprotocol/protocolVersion":"1999-01-01","io.modelcontextprotocol/clientCapabilities":{}}}})";
  auto r = roundtrip(port(), post(body, "MCP-Protocol-Version: 1999-01-01\r\nMcp-Method: tools/list\r\n"));
  EXPECT_EQ(r.status, 400);
  auto v = json_body(r);
  EXPECT_EQ(v.at("error").at("code").as_int64(), -32022);
  EXPECT_EQ(v.at("error").at("data").at("requested").as_string(), "1999-01-01");
  EXPECT_FALSE(v.at("error").at("data").at("supported").as_array().empty());
}

TEST_F(hostile, initialize_with_an_unknown_version_negotiates_ours) {
  auto r = roundtrip(port(), post(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
      "protocolVersion":"1999-01-01","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json_body(r).at("result").at("protocolVersion").as_string(), "2025-11-25");
  EXPECT_NE(r.head.find("Mcp-Session-Id: "), std::string::npos);
}

TEST_F(hostile, a_foreign_origin_is_forbidden) {
  auto r = roundtrip(port(), post(modern_body(1, "tools/list"),
                                  modern_headers("tools/list") + "Origin: https://evil.example\r\n"));
  EXPECT_EQ(r.status, 403);
}

TEST_F(hostile, a_foreign_host_is_forbidden_on_loopback) {
  std::string req = post(modern_body(1, "tools/list"), modern_headers("tools/list"));
  req.replace(req.find("Host: 127.0.0.1"), 15, "Host: evil.example");
  EXPECT_EQ(roundtrip(port(), req).status, 403);
}

TEST_F(hostile, bad_tool_arguments_are_a_tool_error_naming_the_field) {
  auto r = roundtrip(port(), post(modern_body(5, "tools/call",
                                              {{"name", "echo"}, {"arguments", {{"text", "hi"}, {"count", "x"}}}}),
                                  modern_headers("tools/call", "echo")));
  ASSERT_EQ(r.status, 200);
  auto res = json_body(r).at("result");
  EXPECT_TRUE(res.at("isError").as_bool());
  auto err = res.at("structuredContent").at("error");
  EXPECT_EQ(err.at("type").as_string(), "CLIENT_ERROR");
  EXPECT_TRUE(err.at("recoverable").as_bool());
  EXPECT_NE(std::string(err.at("message").as_string()).find("count"), std::string::npos) << err;
}

TEST_F(hostile, pipelined_requests_are_answered_in_order) {
  auto s = connect(port());
  std::string two = post(modern_body(1, "tools/list"), modern_headers("tools/list")) +
                    post(modern_body(2, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "x"}}}}),
                         modern_headers("tools/call", "echo"));
  net::write(s, net::buffer(two));
  auto a = read_response(s);
  auto b = read_response(s);
  EXPECT_EQ(json_body(a).at("id").as_int64(), 1);
  EXPECT_EQ(json_body(b).at("id").as_int64(), 2) << b.head << b.body;
}

// The test client itself must not swallow a second response that arrives in the same segment
// as the first (CI once failed the test above that way).
TEST(test_client, two_responses_in_one_segment_are_read_one_at_a_time) {
  net::io_context ioc;
  tcp::acceptor acc(ioc, {net::ip::make_address("127.0.0.1"), 0});
  std::thread peer([&] {
    tcp::socket c = acc.accept();
    std::string both =
        "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n{\"id\":1}"
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n{\"id\":2}\r\n0\r\n\r\n"
        "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n";
    net::write(c, net::buffer(both));
    char x;
    boost::system::error_code ec;
    c.read_some(net::buffer(&x, 1), ec);  // hold the connection open until the client is done
  });
  auto s = connect(acc.local_endpoint().port());
  auto a = read_response(s);
  auto b = read_response(s);
  auto c = read_response(s);
  EXPECT_EQ(a.body, "{\"id\":1}");
  EXPECT_EQ(b.status, 200);
  EXPECT_NE(b.body.find("{\"id\":2}"), std::string::npos) << b.body;
  EXPECT_EQ(c.status, 204);
  EXPECT_FALSE(c.closed);
  s.close();
  peer.join();
}

TEST_F(hostile, a_non_json_content_type_is_415) {
  std::string req = post(modern_body(1, "tools/list"), modern_headers("tools/list"));
  req.replace(req.find("application/json"), 16, "text/plain");
  EXPECT_EQ(roundtrip(port(), req).status, 415);
}

}  // namespace
