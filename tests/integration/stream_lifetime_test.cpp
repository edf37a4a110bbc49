// How long a 2025-xx session's streams and events live: nothing is kept for a session once it
// is deleted, and a GET resuming a running request takes its stream over from the POST (each
// test failed before its fix).
#include <gtest/gtest.h>

#include <atomic>
#include <mcpx/server.hpp>
#include <thread>

#include "test_client.hpp"

using namespace mcpx::test;
namespace json = boost::json;

namespace {

std::atomic<bool> release{false};   // lets the streaming tools finish
std::atomic<bool> finished{false};  // the tool's handler returned

// Waits up to 5 s for `flag`.
bool wait_for(const std::atomic<bool>& flag) {
  for (int i = 0; i < 500 && !flag; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return flag.load();
}

class stream_lifetime : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    mcpx::options o;
    o.port = 0;
    o.log_level = "warning";
    srv_ = new mcpx::server({"stream-lifetime-test", "1.0.0"}, o);
    // Progress until released: each event is kept in the event store for resumption.
    srv_->tool("chatty")
        .description("reports progress until released")
        .handle([](const mcpx::args&, mcpx::context& ctx) {
          for (int i = 1; !release && i < 500; ++i) {
            ctx.progress(i, std::nullopt, "tick");
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
          }
          ctx.progress(1000, std::nullopt, "last");
          finished = true;
          return mcpx::tool_result::text("chatted");
        });
    events_ = mcpx::state::make_memory_event_store();
    srv_->use_state({nullptr, events_, nullptr, nullptr});  // so a test can look into the store
    srv_->start();
  }
  static void TearDownTestSuite() {
    delete srv_;
    srv_ = nullptr;
    events_.reset();
  }
  void SetUp() override {
    release = false;
    finished = false;
  }
  static unsigned short port() { return srv_->port(); }
  static std::string initialize() {
    auto r = roundtrip(port(),
                       post(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",
        "capabilities":{},"clientInfo":{"name":"t","version":"1"}}})"));
    return session_of(r);
  }
  static std::string legacy(const std::string& sid) {
    return "Mcp-Session-Id: " + sid + "\r\nMCP-Protocol-Version: 2025-11-25\r\n";
  }
  static std::string call(const std::string& tool) {
    return R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":")" + tool +
           R"(","_meta":{"progressToken":"p"}}})";
  }
  static mcpx::server* srv_;
  static std::shared_ptr<mcpx::state::event_store> events_;
};

mcpx::server* stream_lifetime::srv_ = nullptr;
std::shared_ptr<mcpx::state::event_store> stream_lifetime::events_;

// The SSE event id of the event whose data contains `needle`; "" when none.
std::string id_of_event_with(const std::string& sse, const std::string& needle) {
  auto at = sse.find(needle);
  if (at == std::string::npos) return "";
  auto id = sse.rfind("id: ", at);
  return id == std::string::npos ? "" : sse.substr(id + 4, sse.find('\n', id) - id - 4);
}

// Before the fix, every event appended after DELETE recreated the session's entry in the event
// store for good (with a 1 MiB progressToken, megabytes per call).
TEST_F(stream_lifetime, nothing_is_kept_for_a_session_deleted_while_a_call_streams) {
  auto sid = initialize();
  ASSERT_FALSE(sid.empty());
  auto c = connect(port());
  net::write(c, net::buffer(post(call("chatty"), legacy(sid))));
  auto seen = read_until(c, "\"progress\":2", std::chrono::milliseconds(3000));
  auto first = id_of_event_with(seen, "\"progress\":1");
  ASSERT_FALSE(first.empty()) << seen;
  auto stream_start = first.substr(0, first.rfind('_')) + "_0";
  std::string name;
  ASSERT_TRUE(events_->after(sid, stream_start, &name));  // kept while the session lives
  auto d = roundtrip(port(), "DELETE /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nMcp-Session-Id: " + sid +
                                 "\r\nContent-Length: 0\r\n\r\n");
  ASSERT_EQ(d.status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the call goes on streaming
  release = true;
  ASSERT_TRUE(wait_for(finished));
  read_until(c, "chatted", std::chrono::milliseconds(3000));  // the result is appended before it is sent
  EXPECT_FALSE(events_->after(sid, stream_start, &name)) << "events of a deleted session were kept";
}

}  // namespace
