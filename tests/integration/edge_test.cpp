// The edge of the MCP endpoint against a running server: origins compared exactly, and a
// Content-Type parsed rather than searched (each test failed before its fix).
#include <gtest/gtest.h>

#include <mcpx/server.hpp>

#include "test_client.hpp"

using namespace mcpx::test;
namespace json = boost::json;

namespace {

class edge : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    mcpx::options o;
    o.port = 0;
    o.log_level = "warning";
    srv_ = new mcpx::server({"edge-test", "1.0.0"}, o);
    sessions_ = mcpx::state::make_memory_session_store(std::chrono::seconds(60), 1000);
    srv_->use_state({sessions_, nullptr, nullptr, nullptr});  // so a test can count sessions
    srv_->tool("echo").description("echoes").handle([](const mcpx::args&, mcpx::context&) {
      return mcpx::tool_result::text("ok");
    });
    srv_->start();
  }
  static void TearDownTestSuite() {
    delete srv_;
    srv_ = nullptr;
    sessions_.reset();
  }
  static std::size_t session_count() { return sessions_->size(); }
  static unsigned short port() { return srv_->port(); }
  static mcpx::server* srv_;
  static std::shared_ptr<mcpx::state::session_store> sessions_;
};

mcpx::server* edge::srv_ = nullptr;
std::shared_ptr<mcpx::state::session_store> edge::sessions_;

constexpr const char* initialize_body =
    R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",)"
    R"("capabilities":{},"clientInfo":{"name":"page","version":"1"}}})";

// A POST as a page in a browser would send it, with its own head.
std::string raw_post(const std::string& body, const std::string& head_lines) {
  return "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n" + head_lines + "Content-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

TEST_F(edge, an_origin_that_only_starts_like_loopback_is_refused) {
  for (const char* origin : {"http://127.0.0.1.evil.example:8080", "http://localhost.evil.example",
                             "http://localhost@evil.example", "http://[::1].evil", "null"}) {
    auto r = roundtrip(port(), post(initialize_body, std::string("Origin: ") + origin + "\r\n"));
    EXPECT_EQ(r.status, 403) << origin;
    EXPECT_TRUE(session_of(r).empty()) << origin;
  }
  EXPECT_EQ(session_count(), 0u);
  auto ok = roundtrip(port(), post(initialize_body, "Origin: HTTP://LOCALHOST:3000\r\n"));
  EXPECT_EQ(ok.status, 200);
  EXPECT_FALSE(session_of(ok).empty());
}

// text/plain needs no CORS preflight: a page could send a blind initialize otherwise.
TEST_F(edge, a_simple_request_posing_as_json_gets_415_and_no_session) {
  auto before = session_count();
  auto r = roundtrip(port(), raw_post(initialize_body,
                                      "Content-Type: text/plain; charset=application/json\r\nAccept: */*\r\n"
                                      "Origin: http://localhost:3000\r\n"));
  EXPECT_EQ(r.status, 415);
  EXPECT_TRUE(session_of(r).empty());
  EXPECT_EQ(session_count(), before);
  auto accept = roundtrip(port(), raw_post(initialize_body,
                                           "Content-Type: application/json\r\n"
                                           "Accept: text/html; charset=application/json\r\n"));
  EXPECT_EQ(accept.status, 406);
  EXPECT_EQ(session_count(), before);
}

}  // namespace
