// Resumable events a client makes the server keep are bounded in bytes per session and in all
// (issue 9.6: the event store was capped by count only, so 256 large progress messages per
// stream were all kept). Fails before the fix: no budget, no mcpx_event_store_bytes.
#include <gtest/gtest.h>

#include <mcpx/server.hpp>
#include <regex>

#include "test_client.hpp"

using namespace mcpx::test;

namespace {

constexpr std::size_t session_budget = 256 * 1024;

class event_budget : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    mcpx::options o;
    o.port = 0;
    o.log_level = "warning";
    o.event_session_bytes = session_budget;
    srv_ = new mcpx::server({"event-budget-test", "1.0.0"}, o);
    // 200 progress events of 8 KiB each: 1.6 MiB a call, under the count cap of 256 per stream.
    srv_->tool("loud").description("reports large progress").handle([](const mcpx::args&, mcpx::context& ctx) {
      const std::string message(8 * 1024, 'p');
      for (int i = 1; i <= 200; ++i) ctx.progress(i, 200, message);
      return mcpx::tool_result::text("done");
    });
    srv_->start();
  }
  static void TearDownTestSuite() {
    delete srv_;
    srv_ = nullptr;
  }
  static unsigned short port() { return srv_->port(); }
  static std::string initialize() { return open_legacy_session(port()); }
  static std::string legacy(const std::string& sid) { return legacy_headers(sid); }
  static double metric(const std::string& name) {
    auto r = roundtrip(port(), "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    std::smatch m;
    if (!std::regex_search(r.body, m, std::regex("\n" + name + " ([0-9.e+]+)"))) return -1;
    return std::stod(m[1]);
  }
  static mcpx::server* srv_;
};

mcpx::server* event_budget::srv_ = nullptr;

TEST_F(event_budget, a_session_keeps_no_more_than_its_budget_and_resumes_from_what_it_kept) {
  auto sid = initialize();
  ASSERT_FALSE(sid.empty());
  http_result r;
  for (int call = 0; call < 3; ++call) {
    r = roundtrip(port(), post(R"({"jsonrpc":"2.0","id":)" + std::to_string(10 + call) +
                                   R"(,"method":"tools/call","params":{"name":"loud","_meta":{"progressToken":"p"}}})",
                               legacy(sid)));
    ASSERT_EQ(r.status, 200) << r.head;
    ASSERT_NE(r.body.find("\"done\""), std::string::npos);
  }
  const double kept = metric("mcpx_event_store_bytes");
  EXPECT_GT(kept, 0) << "no mcpx_event_store_bytes gauge, or nothing kept";
  EXPECT_LE(kept, double(session_budget));
  EXPECT_GT(metric("mcpx_events_evicted_total"), 0);
  // The newest events of the last call are still there to resume from.
  auto at = r.body.find("\"progress\":198,");
  ASSERT_NE(at, std::string::npos) << r.body.substr(0, 300);
  auto id_at = r.body.rfind("id: ", at);
  ASSERT_NE(id_at, std::string::npos);
  const std::string last_id = r.body.substr(id_at + 4, r.body.find('\n', id_at) - id_at - 4);
  auto resumed = roundtrip(port(), "GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n" +
                                       legacy(sid) + "Last-Event-ID: " + last_id + "\r\n\r\n");
  EXPECT_EQ(resumed.status, 200) << resumed.head;
  EXPECT_NE(resumed.body.find("\"progress\":200,"), std::string::npos) << resumed.body.substr(0, 300);
  EXPECT_NE(resumed.body.find("\"done\""), std::string::npos);
  EXPECT_EQ(resumed.body.find("\"progress\":198,"), std::string::npos);
  auto d = roundtrip(port(), "DELETE /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n" + legacy(sid) + "Content-Length: 0\r\n\r\n");
  EXPECT_EQ(d.status, 200);
  EXPECT_EQ(metric("mcpx_event_store_bytes"), 0) << "a deleted session's events were kept";
}

}  // namespace
