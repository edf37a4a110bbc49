// Two servers in one process sharing one set of state backends behave as two replicas behind a
// load balancer: a session, an answer, a cancellation or a task started on one is served by the
// other. Also the state defects found in review (each test failed before its fix).
#include <gtest/gtest.h>

#include <atomic>
#include <mcpx/server.hpp>
#include <thread>

#include "test_client.hpp"

using namespace mcpx::test;
namespace json = boost::json;

namespace {

std::atomic<bool> cancel_seen{false};
std::atomic<bool> task_cancel_seen{false};

void define(mcpx::server& s) {
  s.tool("ask").description("asks the client for a name").handle([](const mcpx::args&, mcpx::context& ctx) {
    auto r = ctx.elicit(json::object{{"message", "Your name?"},
                                     {"requestedSchema",
                                      json::object{{"type", "object"}, {"properties", json::object{}}}}});
    auto* content = r.is_object() ? r.as_object().if_contains("content") : nullptr;
    auto* name = content && content->is_object() ? content->as_object().if_contains("name") : nullptr;
    return mcpx::tool_result::text(name && name->is_string() ? "hello " + std::string(name->as_string()) : "no name");
  });
  s.tool("wait_for_cancel").description("runs until cancelled").handle([](const mcpx::args&, mcpx::context& ctx) {
    ctx.progress(0, 1, "started");
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!ctx.cancelled() && std::chrono::steady_clock::now() < end)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    cancel_seen = ctx.cancelled();
    return mcpx::tool_result::text("done");
  });
  s.tool("slow_task")
      .description("a task until cancelled")
      .tasks(mcpx::task_mode::optional)
      .handle([](const mcpx::args&, mcpx::context& ctx) {
        auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (!ctx.cancelled() && std::chrono::steady_clock::now() < end)
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        task_cancel_seen = ctx.cancelled();
        return mcpx::tool_result::text("finished");
      });
  s.tool("big_task")
      .description("a task with a 2 MB result")
      .tasks(mcpx::task_mode::optional)
      .handle([](const mcpx::args&, mcpx::context&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        return mcpx::tool_result::text(std::string(2'000'000, 'x'));
      });
  s.resource("test://r", "r")
      .description("a resource")
      .handle([](std::string_view uri, const json::object&, mcpx::context&) {
        return mcpx::resource_contents{}.text(uri, "text/plain", "r");
      });
}

mcpx::options opts(std::chrono::seconds idle = std::chrono::seconds(30)) {
  mcpx::options o;
  o.port = 0;
  o.log_level = "warning";
  o.session_idle_timeout = idle;
  o.client_request_timeout = std::chrono::milliseconds(4000);
  o.task_after = std::chrono::milliseconds(50);
  return o;
}

std::string initialize(unsigned short port, const std::string& caps = "{}") {
  auto r = roundtrip(port,
                     post(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",
      "capabilities":)" + caps +
                          R"(,"clientInfo":{"name":"t","version":"1"}}})"));
  return session_of(r);
}

std::string legacy(const std::string& sid) {
  return "Mcp-Session-Id: " + sid + "\r\nMCP-Protocol-Version: 2025-11-25\r\n";
}

// The id of the server-to-client request in an SSE event ("id":"mcpx-N").
std::string request_id_in(const std::string& sse) {
  auto p = sse.find("\"id\":\"mcpx-");
  return p == std::string::npos ? "" : sse.substr(p + 6, sse.find('"', p + 6) - p - 6);
}

std::string task_body(int id, const std::string& method, json::object params) {
  params["_meta"] = json::object{
      {"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
      {"io.modelcontextprotocol/clientCapabilities",
       json::object{{"extensions", json::object{{"io.modelcontextprotocol/tasks", json::object{}}}}}}};
  return json::serialize(
      json::object{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}});
}

class replicas : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    mcpx::state::backends shared{mcpx::state::make_memory_session_store(std::chrono::seconds(30), 1000),
                                 mcpx::state::make_memory_event_store(), mcpx::state::make_memory_task_store(),
                                 mcpx::state::make_memory_message_bus()};
    for (auto** s : {&a_, &b_}) {
      *s = new mcpx::server({"replica", "1.0.0"}, opts());
      define(**s);
      (*s)->use_state(shared);
      (*s)->start();
    }
  }
  static void TearDownTestSuite() {
    delete a_;
    delete b_;
  }
  static mcpx::server* a_;
  static mcpx::server* b_;
};

mcpx::server* replicas::a_ = nullptr;
mcpx::server* replicas::b_ = nullptr;

TEST_F(replicas, a_session_made_on_one_is_served_by_the_other) {
  auto sid = initialize(a_->port());
  ASSERT_FALSE(sid.empty());
  auto r = roundtrip(b_->port(), post(R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})", legacy(sid)));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"ask\""), std::string::npos);
}

TEST_F(replicas, an_answer_posted_to_the_other_reaches_the_waiting_handler) {
  auto sid = initialize(a_->port(), R"({"elicitation":{}})");
  auto call = connect(a_->port());
  net::write(call, net::buffer(post(R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"ask"}})",
                                    legacy(sid))));
  auto asked = read_until(call, "elicitation/create", std::chrono::milliseconds(2000));
  auto rid = request_id_in(asked);
  ASSERT_FALSE(rid.empty()) << asked;
  auto answer = R"({"jsonrpc":"2.0","id":")" + rid + R"(","result":{"action":"accept","content":{"name":"Ada"}}})";
  EXPECT_EQ(roundtrip(b_->port(), post(answer, legacy(sid))).status, 202);
  // Without the bus the answer is dropped on B and the handler waits for its 4 s timeout.
  auto rest = read_until(call, "hello Ada", std::chrono::milliseconds(2000));
  EXPECT_NE(rest.find("hello Ada"), std::string::npos) << rest;
}

TEST_F(replicas, a_cancellation_sent_to_the_other_stops_the_handler) {
  cancel_seen = false;
  auto sid = initialize(a_->port());
  auto call = connect(a_->port());
  net::write(
      call,
      net::buffer(post(
          R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"wait_for_cancel","_meta":{"progressToken":"p"}}})",
          legacy(sid))));
  ASSERT_NE(read_until(call, "started", std::chrono::milliseconds(2000)).find("started"), std::string::npos);
  auto cancel = R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7}})";
  EXPECT_EQ(roundtrip(b_->port(), post(cancel, legacy(sid))).status, 202);
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (!cancel_seen && std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(cancel_seen);
}

TEST_F(replicas, a_task_started_on_one_is_read_and_cancelled_on_the_other) {
  task_cancel_seen = false;
  auto created = json_body(roundtrip(a_->port(), post(task_body(5, "tools/call", {{"name", "slow_task"}}),
                                                      modern_headers("tools/call", "slow_task"))));
  ASSERT_TRUE(created.is_object()) << json::serialize(created);
  auto task_id = std::string(created.at("result").at("taskId").as_string());
  auto get = [&](unsigned short port) {
    return json_body(roundtrip(port, post(task_body(6, "tasks/get", {{"taskId", task_id}}),
                                          modern_headers("tasks/get", task_id))));
  };
  auto seen = get(b_->port());
  ASSERT_TRUE(seen.as_object().contains("result")) << json::serialize(seen);
  EXPECT_EQ(seen.at("result").at("status").as_string(), "working");
  auto cancelled = roundtrip(b_->port(), post(task_body(7, "tasks/cancel", {{"taskId", task_id}}),
                                              modern_headers("tasks/cancel", task_id)));
  EXPECT_EQ(cancelled.status, 200) << cancelled.body;
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (!task_cancel_seen && std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(task_cancel_seen);
  EXPECT_EQ(get(a_->port()).at("result").at("status").as_string(), "cancelled");
  EXPECT_EQ(get(b_->port()).at("result").at("status").as_string(), "cancelled");
}

TEST(state, a_task_polled_on_its_creating_connection_keeps_running) {
  // Issue 9.3: the hang-up watch still applied after the call became a task and took the
  // keep-alive connection's next request for a hang-up, cancelling the task.
  task_cancel_seen = false;
  mcpx::server s({"state", "1.0.0"}, opts());
  define(s);
  s.start();
  auto conn = connect(s.port());
  net::write(conn, net::buffer(post(task_body(5, "tools/call", {{"name", "slow_task"}}),
                                    modern_headers("tools/call", "slow_task"))));
  auto created = json_body(read_response(conn));
  ASSERT_TRUE(created.is_object());
  auto task_id = std::string(created.at("result").at("taskId").as_string());
  for (int i = 0; i < 5; ++i) {
    net::write(conn, net::buffer(post(task_body(6 + i, "tasks/get", {{"taskId", task_id}}),
                                      modern_headers("tasks/get", task_id))));
    auto got = json_body(read_response(conn));
    ASSERT_EQ(got.at("result").at("status").as_string(), "working") << "poll " << i;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  conn.close();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto after = json_body(roundtrip(s.port(), post(task_body(20, "tasks/get", {{"taskId", task_id}}),
                                                  modern_headers("tasks/get", task_id))));
  EXPECT_EQ(after.at("result").at("status").as_string(), "working") << "the creating connection closed";
  EXPECT_FALSE(task_cancel_seen);
}

TEST(state, a_changing_resource_does_not_keep_a_session_alive) {
  mcpx::server s({"state", "1.0.0"}, opts(std::chrono::seconds(1)));
  define(s);
  s.start();
  auto sid = initialize(s.port());
  auto sub = roundtrip(s.port(),
                       post(R"({"jsonrpc":"2.0","id":2,"method":"resources/subscribe","params":{"uri":"test://r"}})",
                            legacy(sid)));
  ASSERT_EQ(sub.status, 200);
  // Updates every 100 ms for 1.5 s: the session is idle all along and must expire after 1 s.
  for (int i = 0; i < 15; ++i) {
    s.notify_resource_updated("test://r");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(roundtrip(s.port(), post(R"({"jsonrpc":"2.0","id":3,"method":"ping"})", legacy(sid))).status, 404);
}

TEST(state, a_client_error_whose_message_is_not_a_string_reaches_the_handler) {
  mcpx::server s({"state", "1.0.0"}, opts());
  define(s);
  s.start();
  auto sid = initialize(s.port(), R"({"elicitation":{}})");
  auto call = connect(s.port());
  net::write(call, net::buffer(post(R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"ask"}})",
                                    legacy(sid))));
  auto rid = request_id_in(read_until(call, "elicitation/create", std::chrono::milliseconds(2000)));
  ASSERT_FALSE(rid.empty());
  auto answer = R"({"jsonrpc":"2.0","id":")" + rid + R"(","error":{"code":-1,"message":5}})";
  EXPECT_EQ(roundtrip(s.port(), post(answer, legacy(sid))).status, 202);
  // Before the fix: a 500 here, and the handler waited for its 4 s timeout.
  auto rest = read_until(call, "CLIENT_REQUEST_FAILED", std::chrono::milliseconds(2000));
  EXPECT_NE(rest.find("CLIENT_REQUEST_FAILED"), std::string::npos) << rest;
}

TEST(budgets, an_oversized_client_declaration_is_refused_and_not_kept) {
  mcpx::server s({"state", "1.0.0"}, opts());
  define(s);
  s.start();
  // Before: a 3 MB clientInfo was kept for the session's idle timeout (30 min by default).
  auto r = roundtrip(s.port(),
                     post(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",
      "capabilities":{},"clientInfo":{"name":")" +
                          std::string(100'000, 'n') + R"(","version":"1"}}})"));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("-32602"), std::string::npos);
  EXPECT_EQ(session_of(r), "");
}

TEST(budgets, subscriptions_beyond_the_budget_are_refused) {
  auto o = opts();
  o.max_subscriptions = 2;
  mcpx::server s({"state", "1.0.0"}, o);
  define(s);
  s.start();
  auto sid = initialize(s.port());
  auto sub = [&](int i) {
    auto body = R"({"jsonrpc":"2.0","id":)" + std::to_string(10 + i) +
                R"(,"method":"resources/subscribe","params":{"uri":"test://r)" + std::to_string(i) + R"("}})";
    return json_body(roundtrip(s.port(), post(body, legacy(sid))));
  };
  EXPECT_TRUE(sub(1).as_object().contains("result"));
  EXPECT_TRUE(sub(2).as_object().contains("result"));
  auto third = sub(3);
  ASSERT_TRUE(third.as_object().contains("error")) << json::serialize(third);
  EXPECT_EQ(third.at("error").at("code").as_int64(), -32602);
}

TEST(budgets, a_task_result_over_the_record_budget_fails_the_task) {
  auto o = opts();
  o.task_record_bytes = 64 * 1024;
  mcpx::server s({"state", "1.0.0"}, o);
  define(s);
  s.start();
  auto created = json_body(roundtrip(s.port(), post(task_body(5, "tools/call", {{"name", "big_task"}}),
                                                    modern_headers("tools/call", "big_task"))));
  auto task_id = std::string(created.at("result").at("taskId").as_string());
  json::value got;
  for (int i = 0; i < 40; ++i) {
    got = json_body(roundtrip(s.port(), post(task_body(6, "tasks/get", {{"taskId", task_id}}),
                                             modern_headers("tasks/get", task_id))));
    if (got.at("result").at("status").as_string() != "working") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // Before: the 2 MB result was kept for the task TTL whatever its size.
  EXPECT_EQ(got.at("result").at("status").as_string(), "failed") << json::serialize(got).substr(0, 300);
  EXPECT_NE(json::serialize(got).find("larger than the server keeps"), std::string::npos);
}

}  // namespace
