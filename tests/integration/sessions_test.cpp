// Library behaviour the conformance suite does not reach: resumption, cancellation, expiry,
// pagination, pool saturation, output schemas, tasks.
#include <gtest/gtest.h>

#include <atomic>
#include <mcpx/server.hpp>
#include <thread>

#include "test_client.hpp"

using namespace mcpx::test;
namespace json = boost::json;

namespace {

class sessions : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    mcpx::options o;
    o.port = 0;
    o.log_level = "warning";
    o.page_size = 2;
    o.worker_threads = 2;
    o.worker_queue_limit = 3;
    o.session_idle_timeout = std::chrono::seconds(2);
    o.task_after = std::chrono::milliseconds(50);
    srv_ = new mcpx::server({"sessions-test", "1.0.0"}, o);
    for (auto name : {"a_tool", "b_tool", "c_tool"})
      srv_->tool(name).description("lists").handle([](const mcpx::args&, mcpx::context&) {
        return mcpx::tool_result::text("ok");
      });
    srv_->tool("wait_for_cancel").description("runs until cancelled").handle([](const mcpx::args&, mcpx::context& ctx) {
      ctx.progress(0, 1, "started");
      auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      while (!ctx.cancelled() && std::chrono::steady_clock::now() < end)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      cancelled_seen_ = ctx.cancelled();
      return mcpx::tool_result::text("done");
    });
    srv_->tool("sleep")
        .description("sleeps 300 ms")
        .tasks(mcpx::task_mode::optional)
        .handle([](const mcpx::args&, mcpx::context&) {
          std::this_thread::sleep_for(std::chrono::milliseconds(300));
          return mcpx::tool_result::text("slept");
        });
    srv_->tool("bad_output")
        .description("violates its output schema")
        .output_schema(json::parse(R"({"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]})"))
        .handle([](const mcpx::args&, mcpx::context&) {
          mcpx::tool_result r = mcpx::tool_result::text("oops");
          r.structured = json::object{{"n", "not a number"}};
          return r;
        });
    srv_->tool("throws")
        .description("throws a plain exception")
        .handle([](const mcpx::args&, mcpx::context&) -> mcpx::tool_result {
          throw std::runtime_error("db password is hunter2");
        });
    srv_->resource("test://r", "r")
        .description("a resource")
        .handle([](std::string_view uri, const json::object&, mcpx::context&) {
          return mcpx::resource_contents{}.text(uri, "text/plain", "r");
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
  static mcpx::server* srv_;
  static std::atomic<bool> cancelled_seen_;
};

mcpx::server* sessions::srv_ = nullptr;
std::atomic<bool> sessions::cancelled_seen_{false};

TEST_F(sessions, tools_list_pages_in_a_stable_order) {
  std::vector<std::string> names;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    json::object params;
    if (!cursor.empty()) params["cursor"] = cursor;
    auto v = json_body(roundtrip(port(), post(modern_body(1, "tools/list", params), modern_headers("tools/list"))));
    auto& res = v.at("result").as_object();
    for (auto& t : res.at("tools").as_array()) names.emplace_back(t.at("name").as_string());
    if (!res.contains("nextCursor")) break;
    cursor = res.at("nextCursor").as_string();
  }
  ASSERT_EQ(names.size(), 7u);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  auto bad = json_body(roundtrip(port(), post(modern_body(2, "tools/list", {{"cursor", "garbage"}}),
                                              modern_headers("tools/list"))));
  EXPECT_EQ(bad.at("error").at("code").as_int64(), -32602);
}

TEST_F(sessions, delete_ends_a_session) {
  auto sid = initialize();
  ASSERT_FALSE(sid.empty());
  EXPECT_EQ(roundtrip(port(), post(R"({"jsonrpc":"2.0","id":2,"method":"ping"})", legacy(sid))).status, 200);
  auto d = roundtrip(port(), "DELETE /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nMcp-Session-Id: " + sid +
                                 "\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(d.status, 200);
  EXPECT_EQ(roundtrip(port(), post(R"({"jsonrpc":"2.0","id":3,"method":"ping"})", legacy(sid))).status, 404);
}

TEST_F(sessions, idle_sessions_expire) {
  auto sid = initialize();
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_EQ(roundtrip(port(), post(R"({"jsonrpc":"2.0","id":2,"method":"ping"})", legacy(sid))).status, 404);
}

TEST_F(sessions, get_stream_delivers_resource_updates_and_resumes) {
  auto sid = initialize();
  auto sub = roundtrip(port(),
                       post(R"({"jsonrpc":"2.0","id":2,"method":"resources/subscribe","params":{"uri":"test://r"}})",
                            legacy(sid)));
  ASSERT_EQ(sub.status, 200);
  auto get = connect(port());
  net::write(get, net::buffer("GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n" + legacy(sid) +
                              "\r\n"));
  read_until(get, "text/event-stream", std::chrono::milliseconds(2000));
  srv_->notify_resource_updated("test://r");
  auto first = read_until(get, "resources/updated", std::chrono::milliseconds(2000));
  ASSERT_NE(first.find("\"uri\":\"test://r\""), std::string::npos) << first;
  auto idp = first.find("id: ");
  ASSERT_NE(idp, std::string::npos);
  std::string event_id = first.substr(idp + 4, first.find('\n', idp) - idp - 4);
  get.close();
  // While disconnected, a second update; reconnecting after the first event replays it.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  srv_->notify_resource_updated("test://r");
  auto again = connect(port());
  net::write(again, net::buffer("GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n" + legacy(sid) +
                                "Last-Event-ID: " + event_id + "\r\n\r\n"));
  auto replay = read_until(again, "resources/updated", std::chrono::milliseconds(2000));
  EXPECT_NE(replay.find("resources/updated"), std::string::npos) << replay;
}

TEST_F(sessions, notifications_cancelled_reaches_the_handler) {
  auto sid = initialize();
  cancelled_seen_ = false;
  auto call = connect(port());
  net::write(call,
             net::buffer(post(R"({"jsonrpc":"2.0","id":"c1","method":"tools/call","params":{"name":"wait_for_cancel",
      "_meta":{"progressToken":"p"}}})",
                              legacy(sid))));
  read_until(call, "started", std::chrono::milliseconds(2000));
  auto n = roundtrip(port(), post(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"c1"}})",
                                  legacy(sid)));
  EXPECT_EQ(n.status, 202);
  read_until(call, "done", std::chrono::milliseconds(3000));
  EXPECT_TRUE(cancelled_seen_.load());
}

// A call that reports progress is answered as SSE, so closing the connection is seen at once.
std::string streaming_call(int id) {
  auto j = json::parse(modern_body(id, "tools/call", {{"name", "wait_for_cancel"}}));
  j.at("params").at("_meta").as_object()["progressToken"] = id;
  return post(json::serialize(j), modern_headers("tools/call", "wait_for_cancel"));
}

TEST_F(sessions, a_client_closing_its_stream_cancels_the_call) {
  cancelled_seen_ = false;
  {
    auto call = connect(port());
    net::write(call, net::buffer(streaming_call(1)));
    ASSERT_NE(read_until(call, "started", std::chrono::milliseconds(2000)).find("started"), std::string::npos);
  }
  for (int i = 0; i < 100 && !cancelled_seen_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_TRUE(cancelled_seen_.load());
}

TEST_F(sessions, a_client_hanging_up_on_a_plain_call_cancels_it) {
  cancelled_seen_ = false;
  {
    auto call = connect(port());
    net::write(call, net::buffer(post(modern_body(2, "tools/call", {{"name", "wait_for_cancel"}}),
                                      modern_headers("tools/call", "wait_for_cancel"))));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  for (int i = 0; i < 100 && !cancelled_seen_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_TRUE(cancelled_seen_.load());
}

TEST_F(sessions, a_full_worker_pool_answers_503_with_retry_after) {
  std::vector<tcp::socket> busy;
  for (int i = 0; i < 3; ++i) {
    busy.push_back(connect(port()));
    net::write(busy.back(), net::buffer(streaming_call(10 + i)));
    if (i < 2) {  // the third waits in the queue behind the two workers
      ASSERT_NE(read_until(busy.back(), "started", std::chrono::milliseconds(2000)).find("started"), std::string::npos);
    }
  }
  auto r = roundtrip(port(),
                     post(modern_body(20, "tools/call", {{"name", "a_tool"}}), modern_headers("tools/call", "a_tool")));
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.head.find("Retry-After: 1"), std::string::npos);
  EXPECT_EQ(json_body(r).at("error").at("data").at("code").as_string(), "SERVER_BUSY");
  for (auto& s : busy) s.close();  // cancels the three calls
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(roundtrip(port(),
                      post(modern_body(21, "tools/call", {{"name", "a_tool"}}), modern_headers("tools/call", "a_tool")))
                .status,
            200);
}

TEST_F(sessions, structured_output_is_checked_against_the_output_schema) {
  auto v = json_body(roundtrip(port(), post(modern_body(1, "tools/call", {{"name", "bad_output"}}),
                                            modern_headers("tools/call", "bad_output"))));
  auto& res = v.at("result");
  EXPECT_TRUE(res.at("isError").as_bool());
  EXPECT_EQ(res.at("structuredContent").at("error").at("type").as_string(), "SERVER_ERROR");
}

TEST_F(sessions, unexpected_exceptions_do_not_leak_their_message) {
  auto v = json_body(roundtrip(port(), post(modern_body(1, "tools/call", {{"name", "throws"}}),
                                            modern_headers("tools/call", "throws"))));
  std::string text = json::serialize(v);
  EXPECT_EQ(text.find("hunter2"), std::string::npos);
  EXPECT_NE(text.find("correlation"), std::string::npos);
  EXPECT_FALSE(v.at("result").at("structuredContent").at("error").at("recoverable").as_bool());
}

TEST_F(sessions, a_slow_task_capable_call_becomes_a_task) {
  auto body = modern_body(1, "tools/call", {{"name", "sleep"}});
  auto j = json::parse(body);
  j.at("params").at("_meta").as_object()["io.modelcontextprotocol/clientCapabilities"] = json::object{
      {"extensions", {{"io.modelcontextprotocol/tasks", json::object{}}}}};
  auto created = json_body(roundtrip(port(), post(json::serialize(j), modern_headers("tools/call", "sleep"))));
  ASSERT_EQ(created.at("result").at("resultType").as_string(), "task") << created;
  std::string id(created.at("result").at("taskId").as_string());
  json::value done;
  for (int i = 0; i < 50; ++i) {
    auto g = json::parse(modern_body(2, "tasks/get", {{"taskId", id}}));
    g.at("params").at("_meta").as_object()["io.modelcontextprotocol/clientCapabilities"] = json::object{
        {"extensions", {{"io.modelcontextprotocol/tasks", json::object{}}}}};
    done = json_body(roundtrip(port(), post(json::serialize(g), modern_headers("tasks/get", id))));
    if (done.at("result").at("status").as_string() == "completed") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(done.at("result").at("result").at("content").at(0).at("text").as_string(), "slept");
}

}  // namespace
