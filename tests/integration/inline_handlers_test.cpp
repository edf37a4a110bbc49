// Tools registered with run_on(execution::io_thread): answered on the I/O thread without the
// worker pool; progress still streams; anything that would wait fails instead of deadlocking.
#include <gtest/gtest.h>

#include <atomic>
#include <mcpx/server.hpp>
#include <thread>

#include "test_client.hpp"

using namespace mcpx::test;
namespace json = boost::json;

namespace {

class inline_handlers : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    mcpx::options o;
    o.port = 0;
    o.log_level = "warning";
    o.worker_threads = 1;
    o.worker_queue_limit = 1;
    o.client_request_timeout = std::chrono::milliseconds(20'000);  // longer than any test waits
    srv_ = new mcpx::server({"inline-test", "1.0.0"}, o);
    srv_->tool("echo")
        .input_schema(json::parse(R"({"type":"object","properties":{"text":{"type":"string"}},"required":["text"]})"))
        .run_on(mcpx::execution::io_thread)
        .handle([](const mcpx::args& a, mcpx::context& ctx) {
          io_thread_ = std::this_thread::get_id();
          EXPECT_FALSE(ctx.release_connection());  // nothing to release: the answer is immediate
          return mcpx::tool_result::text(std::string(a.at("text").as_string()));
        });
    srv_->tool("big")  // a reply far larger than the kernel's socket buffers
        .run_on(mcpx::execution::io_thread)
        .handle([](const mcpx::args& a, mcpx::context&) {
          std::string text(static_cast<std::size_t>(a.at("size").to_number<std::int64_t>()), 'y');
          for (std::size_t i = 0; i < text.size(); i += 4096) text[i] = static_cast<char>('a' + (i / 4096) % 26);
          return mcpx::tool_result::text(std::move(text));
        });
    srv_->tool("count").run_on(mcpx::execution::io_thread).handle([](const mcpx::args&, mcpx::context& ctx) {
      ctx.progress(1, 2, "half");
      ctx.progress(2, 2);
      return mcpx::tool_result::text("counted");
    });
    srv_->tool("ask").run_on(mcpx::execution::io_thread).handle([](const mcpx::args&, mcpx::context& ctx) {
      auto answer = ctx.elicit({{"message", "Name?"}, {"requestedSchema", json::object{{"type", "object"}}}});
      return mcpx::tool_result::text(json::serialize(answer));
    });
    for (auto where : {mcpx::execution::io_thread, mcpx::execution::worker_pool})
      srv_->tool(where == mcpx::execution::io_thread ? "whoami" : "whoami_pool")
          .run_on(where)
          .handle([](const mcpx::args&, mcpx::context& ctx) {
            auto* n = ctx.client_info().if_contains("name");
            std::string name = n && n->is_string() ? std::string(n->get_string()) : "?";
            return mcpx::tool_result::text(name + (ctx.client_capabilities().contains("elicitation") ? "+e" : ""));
          });
    srv_->tool("block_worker").handle([](const mcpx::args&, mcpx::context& ctx) {
      worker_thread_ = std::this_thread::get_id();
      worker_busy_ = true;
      while (!release_worker_ && !ctx.cancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      worker_busy_ = false;
      return mcpx::tool_result::text("released");
    });
    srv_->start();
  }
  static void TearDownTestSuite() {
    release_worker_ = true;
    delete srv_;
    srv_ = nullptr;
  }
  static unsigned short port() { return srv_->port(); }
  static http_result call(const std::string& tool, json::object args, json::object meta = {}) {
    auto j = json::parse(modern_body(1, "tools/call", {{"name", tool}, {"arguments", std::move(args)}}));
    for (auto& [k, v] : meta) j.at("params").at("_meta").as_object()[k] = v;
    return roundtrip(port(), post(json::serialize(j), modern_headers("tools/call", tool)));
  }
  static std::string initialize(json::object caps = {}) {
    json::object p{{"protocolVersion", "2025-11-25"},
                   {"capabilities", std::move(caps)},
                   {"clientInfo", {{"name", "t"}, {"version", "1"}}}};
    auto r = roundtrip(
        port(), post(json::serialize(
                    json::object{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "initialize"}, {"params", std::move(p)}})));
    return session_of(r);
  }
  static std::string legacy(const std::string& sid) {
    return "Mcp-Session-Id: " + sid + "\r\nMCP-Protocol-Version: 2025-11-25\r\n";
  }
  static mcpx::server* srv_;
  static std::thread::id io_thread_, worker_thread_;
  static std::atomic<bool> worker_busy_, release_worker_;
};

mcpx::server* inline_handlers::srv_ = nullptr;
std::thread::id inline_handlers::io_thread_, inline_handlers::worker_thread_;
std::atomic<bool> inline_handlers::worker_busy_{false}, inline_handlers::release_worker_{false};

TEST_F(inline_handlers, answer_as_plain_json) {
  auto r = call("echo", {{"text", "hi"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.head.find("application/json"), std::string::npos);
  auto v = json_body(r);
  EXPECT_EQ(v.at("result").at("content").at(0).at("text").as_string(), "hi");
}

TEST_F(inline_handlers, arguments_are_still_validated) {
  auto v = json_body(call("echo", {{"text", 5}}));
  EXPECT_TRUE(v.at("result").at("isError").as_bool()) << v;
  EXPECT_EQ(v.at("result").at("structuredContent").at("error").at("code").as_string(), "INVALID_ARGUMENT");
}

// The one worker is busy and the queue (limit 1) is full: a pool call gets 503, an I/O-thread
// tool is answered anyway, and not on the worker.
TEST_F(inline_handlers, skip_the_worker_pool) {
  release_worker_ = false;
  auto busy = connect(port());
  net::write(busy, net::buffer(post(modern_body(7, "tools/call", {{"name", "block_worker"}}),
                                    modern_headers("tools/call", "block_worker"))));
  for (int i = 0; i < 200 && !worker_busy_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(worker_busy_.load());
  EXPECT_EQ(call("block_worker", {}).status, 503);
  auto r = call("echo", {{"text", "still here"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json_body(r).at("result").at("content").at(0).at("text").as_string(), "still here");
  EXPECT_NE(io_thread_, worker_thread_);
  release_worker_ = true;
  auto done = read_response(busy);
  EXPECT_EQ(json_body(done).at("result").at("content").at(0).at("text").as_string(), "released");
}

TEST_F(inline_handlers, progress_makes_the_reply_sse_with_the_response_last) {
  auto r = call("count", {}, {{"progressToken", "tok"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.head.find("text/event-stream"), std::string::npos);
  auto first = r.body.find("notifications/progress");
  auto second = r.body.find("notifications/progress", first + 1);
  ASSERT_NE(first, std::string::npos) << r.body;
  EXPECT_NE(second, std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"message\":\"half\""), std::string::npos);
  auto last = last_event(r.body);
  EXPECT_EQ(last.at("result").at("content").at(0).at("text").as_string(), "counted") << r.body;
}

// A streamed reply frees the connection's request memory before its events flow; the same
// connection must then serve plain requests again, small and larger than the arena.
TEST_F(inline_handlers, a_connection_serves_requests_after_a_streamed_reply) {
  auto s = connect(port());
  auto send = [&](int id, const std::string& tool, json::object args, json::object meta = {}) {
    auto j = json::parse(modern_body(id, "tools/call", {{"name", tool}, {"arguments", std::move(args)}}));
    for (auto& [k, v] : meta) j.at("params").at("_meta").as_object()[k] = v;
    net::write(s, net::buffer(post(json::serialize(j), modern_headers("tools/call", tool))));
    return read_response(s);
  };
  auto streamed = send(1, "count", {}, {{"progressToken", "tok"}});
  ASSERT_NE(streamed.head.find("text/event-stream"), std::string::npos) << streamed.head;
  EXPECT_EQ(last_event(streamed.body).at("result").at("content").at(0).at("text").as_string(), "counted");
  std::string big(20000, 'x');
  for (int id = 2; id < 5; ++id) {
    auto r = send(id, "echo", {{"text", id == 3 ? big : "small"}});
    ASSERT_EQ(r.status, 200) << r.body.substr(0, 200);
    EXPECT_FALSE(r.closed);
    auto v = json_body(r);
    EXPECT_EQ(v.at("id").as_int64(), id);
    EXPECT_EQ(v.at("result").at("content").at(0).at("text").as_string(), id == 3 ? big : "small");
  }
  auto again = send(5, "count", {}, {{"progressToken", "tok2"}});
  EXPECT_EQ(last_event(again.body).at("result").at("content").at(0).at("text").as_string(), "counted");
}

// A reply far bigger than the socket buffers, to a client that is not reading yet: it goes
// out in many writes, whole and in order, and the connection serves the next request.
TEST_F(inline_handlers, a_reply_larger_than_the_socket_buffers_arrives_whole) {
  auto s = connect(port());
  const std::size_t size = 24 * 1024 * 1024;
  net::write(s, net::buffer(post(modern_body(1, "tools/call", {{"name", "big"}, {"arguments", {{"size", size}}}}),
                                 modern_headers("tools/call", "big"))));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the server's write fills the buffers
  auto r = read_response(s);
  ASSERT_EQ(r.status, 200);
  EXPECT_FALSE(r.closed);
  auto text = json_body(r).at("result").at("content").at(0).at("text").as_string();
  ASSERT_EQ(text.size(), size);
  bool intact = true;
  for (std::size_t i = 0; i < size && intact; ++i)
    intact = text[i] == (i % 4096 ? 'y' : static_cast<char>('a' + (i / 4096) % 26));
  EXPECT_TRUE(intact);
  net::write(s, net::buffer(post(modern_body(2, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "after"}}}}),
                                 modern_headers("tools/call", "echo"))));
  auto next = read_response(s);
  EXPECT_EQ(json_body(next).at("result").at("content").at(0).at("text").as_string(), "after");
}

TEST_F(inline_handlers, without_a_progress_token_the_reply_stays_json) {
  auto r = call("count", {});
  EXPECT_NE(r.head.find("application/json"), std::string::npos);
}

TEST_F(inline_handlers, progress_in_a_legacy_session_is_resumable_sse) {
  auto sid = initialize();
  ASSERT_FALSE(sid.empty());
  auto r = roundtrip(port(), post(R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"count",
      "_meta":{"progressToken":3}}})",
                                  legacy(sid)));
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.head.find("text/event-stream"), std::string::npos);
  EXPECT_NE(r.body.find("retry: "), std::string::npos) << r.body;  // the priming event
  EXPECT_NE(r.body.find("id: r"), std::string::npos) << r.body;    // events carry ids
  EXPECT_NE(r.body.find("notifications/progress"), std::string::npos);
  EXPECT_EQ(last_event(r.body).at("result").at("content").at(0).at("text").as_string(), "counted");
}

// A legacy client's answer would arrive on this very I/O thread: waiting for it would hang
// the thread for good. The call fails at once with a classified error instead.
TEST_F(inline_handlers, waiting_for_a_legacy_client_fails_instead_of_blocking) {
  auto sid = initialize({{"elicitation", json::object{}}});
  auto started = std::chrono::steady_clock::now();
  auto r = roundtrip(port(),
                     post(R"({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"ask"}})", legacy(sid)));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  ASSERT_EQ(r.status, 200);
  auto v = json_body(r);
  ASSERT_TRUE(v.is_object()) << r.body;  // plain JSON: no elicitation request was sent
  auto& res = v.at("result");
  EXPECT_TRUE(res.at("isError").as_bool());
  auto& err = res.at("structuredContent").at("error");
  EXPECT_EQ(err.at("type").as_string(), "SERVER_ERROR");
  EXPECT_EQ(err.at("code").as_string(), "WOULD_BLOCK_IO_THREAD");
  EXPECT_NE(std::string(err.at("message").as_string()).find("worker_pool"), std::string::npos);
  // The I/O thread is still serving.
  EXPECT_EQ(call("echo", {{"text", "alive"}}).status, 200);
}

// A session's capabilities and client info are parsed once and kept; every call still sees them.
TEST_F(inline_handlers, session_calls_see_the_declared_client) {
  auto sid = initialize({{"elicitation", json::object{}}});
  for (auto tool : {"whoami", "whoami_pool", "whoami", "whoami_pool"}) {
    auto v = json_body(roundtrip(port(), post(R"({"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":")" +
                                                  std::string(tool) + R"("}})",
                                              legacy(sid))));
    EXPECT_EQ(v.at("result").at("content").at(0).at("text").as_string(), "t+e") << tool << " " << v;
  }
  auto other = initialize();
  auto v = json_body(roundtrip(
      port(), post(R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"whoami"}})", legacy(other))));
  EXPECT_EQ(v.at("result").at("content").at(0).at("text").as_string(), "t") << v;
}

TEST_F(inline_handlers, a_legacy_client_without_the_capability_gets_the_usual_error) {
  auto sid = initialize();
  auto v = json_body(roundtrip(port(), post(R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"ask"}})",
                                            legacy(sid))));
  EXPECT_EQ(v.at("error").at("code").as_int64(), -32021) << v;
}

// 2026-07-28 input is a multi round-trip result: nothing waits, so it works on the I/O thread.
TEST_F(inline_handlers, modern_input_is_an_input_required_round) {
  auto v = json_body(call("ask", {},
                          {{"io.modelcontextprotocol/clientCapabilities", {{"elicitation", json::object{}}}}}));
  ASSERT_EQ(v.at("result").at("resultType").as_string(), "input_required") << v;
  EXPECT_TRUE(v.at("result").at("inputRequests").as_object().size() == 1);
  EXPECT_TRUE(v.at("result").at("requestState").is_string());
}

TEST(inline_registration, cannot_be_combined_with_tasks) {
  mcpx::options o;
  o.port = 0;
  mcpx::server s({"t", "1"}, o);
  s.tool("slow")
      .run_on(mcpx::execution::io_thread)
      .tasks(mcpx::task_mode::optional)
      .handle([](const mcpx::args&, mcpx::context&) { return mcpx::tool_result::text("x"); });
  try {
    s.start();
    FAIL() << "start() accepted an I/O-thread tool that may become a task";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("io_thread"), std::string::npos) << e.what();
  }
}

}  // namespace
