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
    // Two steps before a gate, two after it, then the result.
    srv_->tool("steps").description("four steps around a gate").handle([](const mcpx::args&, mcpx::context& ctx) {
      ctx.progress(1, 4, "step 1");
      ctx.progress(2, 4, "step 2");
      wait_for(release);
      ctx.progress(3, 4, "step 3");
      ctx.progress(4, 4, "step 4");
      return mcpx::tool_result::text("all steps done");
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
  static std::string initialize() { return open_legacy_session(port()); }
  static std::string legacy(const std::string& sid) { return legacy_headers(sid); }
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

// Reads from `s` into `seen` until `seen` holds `needle` or `timeout` passes.
bool read_into(tcp::socket& s, std::string& seen, const std::string& needle, std::chrono::milliseconds timeout) {
  char buf[4096];
  auto end = std::chrono::steady_clock::now() + timeout;
  while (seen.find(needle) == std::string::npos && std::chrono::steady_clock::now() < end) {
    long n = read_for(s, buf, sizeof buf, std::chrono::milliseconds(50));
    if (n < 0) break;
    seen.append(buf, static_cast<std::size_t>(n));
  }
  return seen.find(needle) != std::string::npos;
}

constexpr const char* last_chunk = "\r\n0\r\n\r\n";  // the end of a chunked response

std::size_t occurrences(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
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

// A client resuming a running request with Last-Event-ID moves its stream to the GET: the POST's
// response ends (freeing its connection) and every later event goes to the GET, once.
TEST_F(stream_lifetime, a_get_resuming_a_running_request_takes_over_its_stream) {
  auto sid = initialize();
  ASSERT_FALSE(sid.empty());
  auto p = connect(port());
  net::write(p, net::buffer(post(call("steps"), legacy(sid))));
  std::string on_post;
  ASSERT_TRUE(read_into(p, on_post, "step 2", std::chrono::milliseconds(3000))) << on_post;
  auto step1 = id_of_event_with(on_post, "step 1");
  ASSERT_FALSE(step1.empty()) << on_post;
  auto g = connect(port());
  net::write(g, net::buffer("GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n" + legacy(sid) +
                            "Last-Event-ID: " + step1 + "\r\n\r\n"));
  std::string on_get;
  ASSERT_TRUE(read_into(g, on_get, "step 2", std::chrono::milliseconds(3000))) << on_get;  // replayed from the store
  // The POST's stream ends now (its last chunk), not when the request does.
  std::size_t post_before = on_post.size();
  EXPECT_TRUE(read_into(p, on_post, last_chunk, std::chrono::milliseconds(1000)))
      << "the POST stream stayed open: " << on_post.substr(post_before);
  release = true;
  EXPECT_TRUE(read_into(g, on_get, "all steps done", std::chrono::milliseconds(3000))) << on_get;
  EXPECT_TRUE(read_into(g, on_get, last_chunk, std::chrono::milliseconds(1000))) << "the GET did not end: " << on_get;
  for (auto* once : {"step 2", "step 3", "step 4", "all steps done"})
    EXPECT_EQ(occurrences(on_get, once), 1u) << once << " in " << on_get;
  EXPECT_EQ(occurrences(on_get, "step 1"), 0u) << on_get;
  read_into(p, on_post, "all steps done", std::chrono::milliseconds(300));
  auto after_takeover = on_post.substr(post_before);
  EXPECT_EQ(occurrences(after_takeover, "step 3") + occurrences(after_takeover, "all steps done"), 0u)
      << after_takeover;
}

}  // namespace
