// Tool deadlines through the real HTTP server: a slow tool is answered TIMEOUT at its deadline
// while its handler still runs (plain JSON and SSE), a handler waiting on its cancellation wakes
// at the deadline, and wakes too when the client sends notifications/cancelled or hangs up;
// handlers that ignore cancellation hold their worker, never more than the pool's threads run,
// new calls are refused while every thread is held, and the pool serves again once they return.
#include <gtest/gtest.h>

#include <atomic>
#include <mcpx/server.hpp>
#include <regex>
#include <thread>

#include "test_client.hpp"

using namespace mcpx::test;
using namespace std::chrono_literals;
namespace json = boost::json;
using clk = std::chrono::steady_clock;

namespace {

// How late an answer may come on a loaded 2-core machine (ASan included).
constexpr auto slack = 700ms;

std::atomic<int> running{0}, most_running{0};
std::atomic<bool> release{false}, still_running{false};
std::atomic<mcpx::cancel_reason> woke_for{mcpx::cancel_reason::none};
std::atomic<clk::rep> woke_at{0};

// Counts the handlers running at once, to check the pool's bound.
struct running_guard {
  running_guard() {
    int n = ++running;
    int seen = most_running.load();
    while (n > seen && !most_running.compare_exchange_weak(seen, n)) {
    }
  }
  ~running_guard() { --running; }
};

void add_tools(mcpx::server& s) {
  // Ignores cancellation: sleeps until released (at most 10 s).
  s.tool("slow").timeout(300ms).handle([](const mcpx::args&, mcpx::context&) {
    running_guard g;
    still_running = true;
    auto end = clk::now() + 10s;
    while (!release && clk::now() < end) std::this_thread::sleep_for(5ms);
    still_running = false;
    return mcpx::tool_result::text("finally");
  });
  // Waits on its cancellation, as a handler should instead of sleeping.
  for (auto [name, limit] : {std::pair{"waits", 300ms}, std::pair{"waits_long", 20'000ms}})
    s.tool(name).timeout(limit).handle([](const mcpx::args&, mcpx::context& ctx) {
      running_guard g;
      ctx.progress(0, 1, "started");
      bool cancelled = ctx.cancellation().wait_for(30s);
      woke_for = ctx.cancellation().reason();
      woke_at = clk::now().time_since_epoch().count();
      return mcpx::tool_result::text(cancelled ? "stopped" : "slept");
    });
  // No limit of its own: the server's default (options::tool_timeout) or config's.
  s.tool("configured").handle([](const mcpx::args&, mcpx::context& ctx) {
    ctx.cancellation().wait_for(30s);
    return mcpx::tool_result::text("configured");
  });
  s.tool("quick").handle([](const mcpx::args&, mcpx::context&) { return mcpx::tool_result::text("quick"); });
}

std::unique_ptr<mcpx::server> make_server(unsigned workers) {
  mcpx::options o;
  o.port = 0;
  o.log_level = "off";
  o.worker_threads = workers;
  o.worker_queue_limit = 16;
  o.tool_timeout = 10s;
  o.tool_access["configured"].timeout = 250ms;  // as tools: {configured: {timeout_ms: 250}} sets it
  auto s = std::make_unique<mcpx::server>(mcpx::server_info{"deadlines-test", "1.0.0"}, o);
  add_tools(*s);
  s->start();
  return s;
}

std::string call_body(int id, const std::string& tool, bool progress = false) {
  auto j = json::parse(modern_body(id, "tools/call", {{"name", tool}}));
  if (progress) j.at("params").at("_meta").as_object()["progressToken"] = id;
  return post(json::serialize(j), modern_headers("tools/call", tool));
}

const json::object& tool_error(const json::value& msg) {
  return msg.at("result").at("structuredContent").at("error").as_object();
}

std::string metrics(unsigned short port) {
  return roundtrip(port, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").body;
}

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds within = 5s) {
  auto end = clk::now() + within;
  while (!pred()) {
    if (clk::now() > end) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

class deadlines : public ::testing::Test {
 protected:
  void SetUp() override {
    release = false;
    woke_for = mcpx::cancel_reason::none;
    most_running = 0;
  }
  void TearDown() override {
    release = true;
    srv_.reset();  // joins the workers
  }
  std::unique_ptr<mcpx::server> srv_;
};

}  // namespace

TEST_F(deadlines, a_slow_tool_is_answered_timeout_at_its_deadline_while_the_handler_still_runs) {
  srv_ = make_server(4);
  auto start = clk::now();
  auto r = roundtrip(srv_->port(), call_body(1, "slow"));
  auto took = clk::now() - start;
  EXPECT_EQ(r.status, 200);
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 300ms + slack);
  EXPECT_TRUE(still_running);  // not when the handler finally returned
  auto v = json_body(r);
  EXPECT_EQ(v.at("id"), 1);
  EXPECT_TRUE(v.at("result").at("isError").as_bool());
  const auto& e = tool_error(v);
  EXPECT_EQ(e.at("type").as_string(), "SERVER_ERROR");
  EXPECT_EQ(e.at("code").as_string(), "TIMEOUT");
  EXPECT_TRUE(e.at("recoverable").as_bool());
  EXPECT_EQ(e.at("retry_after"), 5);
  EXPECT_EQ(v.at("result").at("resultType").as_string(), "complete");  // a 2026-07-28 result like any other
  // For a model that reads only text: one sentence, that it may be retried, and when.
  std::string text(v.at("result").at("content").at(0).at("text").as_string());
  EXPECT_EQ(text,
            "Tool 'slow' did not finish within its 300 ms time limit and was stopped (a smaller request may "
            "finish in time); it may be retried after 5 s.");
  EXPECT_FALSE(std::regex_search(text.substr(0, text.size() - 1), std::regex(R"([.!?] +[A-Z])"))) << text;
}

TEST_F(deadlines, an_sse_answer_ends_with_timeout_at_the_deadline) {
  srv_ = make_server(4);
  auto start = clk::now();
  // Progress first makes the reply a stream; the deadline then ends it with TIMEOUT.
  auto r = roundtrip(srv_->port(), call_body(2, "waits", true));
  EXPECT_LT(clk::now() - start, 300ms + slack);
  EXPECT_NE(r.head.find("text/event-stream"), std::string::npos);
  EXPECT_NE(r.body.find("notifications/progress"), std::string::npos);
  auto last = last_event(r.body);
  EXPECT_EQ(tool_error(last).at("code").as_string(), "TIMEOUT") << r.body;
}

TEST_F(deadlines, a_handler_waiting_on_its_cancellation_wakes_at_the_deadline) {
  srv_ = make_server(4);
  auto start = clk::now();
  auto r = roundtrip(srv_->port(), call_body(3, "waits"));
  EXPECT_EQ(tool_error(json_body(r)).at("code").as_string(), "TIMEOUT");
  ASSERT_TRUE(eventually([] { return woke_for.load() != mcpx::cancel_reason::none; }));
  EXPECT_EQ(woke_for.load(), mcpx::cancel_reason::deadline);
  auto woke = clk::time_point(clk::duration(woke_at.load()));
  EXPECT_LT(woke - start, 300ms + slack);
  // It returned at once: nothing holds a worker past the deadline.
  ASSERT_TRUE(eventually([&] { return running.load() == 0; }));
}

TEST_F(deadlines, a_config_override_sets_the_time_limit_of_a_tool_that_declares_none) {
  srv_ = make_server(4);
  auto start = clk::now();
  auto r = roundtrip(srv_->port(), call_body(4, "configured"));
  auto took = clk::now() - start;
  EXPECT_EQ(tool_error(json_body(r)).at("code").as_string(), "TIMEOUT");
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 250ms + slack);
}

TEST_F(deadlines, notifications_cancelled_wakes_the_same_wait) {
  srv_ = make_server(4);
  auto sid = open_legacy_session(srv_->port());
  ASSERT_FALSE(sid.empty());
  auto call = connect(srv_->port());
  net::write(call, net::buffer(post(R"({"jsonrpc":"2.0","id":"c7","method":"tools/call","params":{"name":"waits_long",
      "_meta":{"progressToken":"p"}}})",
                                    legacy_headers(sid))));
  ASSERT_NE(read_until(call, "started", 2000ms).find("started"), std::string::npos);
  auto sent = clk::now();
  auto n = roundtrip(srv_->port(),
                     post(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"c7"}})",
                          legacy_headers(sid)));
  EXPECT_EQ(n.status, 202);
  ASSERT_TRUE(eventually([] { return woke_for.load() != mcpx::cancel_reason::none; }, 2s));
  EXPECT_EQ(woke_for.load(), mcpx::cancel_reason::client);
  // Woken, not found by polling: well within the 20 s limit and any poll interval.
  EXPECT_LT(clk::time_point(clk::duration(woke_at.load())) - sent, slack);
}

TEST_F(deadlines, a_client_hanging_up_wakes_the_same_wait) {
  srv_ = make_server(4);
  for (bool streamed : {false, true}) {
    SCOPED_TRACE(streamed ? "SSE reply" : "plain reply");
    woke_for = mcpx::cancel_reason::none;
    clk::time_point closed;
    {
      auto call = connect(srv_->port());
      net::write(call, net::buffer(call_body(5, "waits_long", streamed)));
      ASSERT_TRUE(eventually([] { return running.load() == 1; }, 2s));
      if (streamed) {
        ASSERT_NE(read_until(call, "started", 2000ms).find("started"), std::string::npos);
      }
      closed = clk::now();
    }
    ASSERT_TRUE(eventually([] { return woke_for.load() != mcpx::cancel_reason::none; }, 2s));
    EXPECT_EQ(woke_for.load(), mcpx::cancel_reason::client);
    EXPECT_LT(clk::time_point(clk::duration(woke_at.load())) - closed, slack);
    ASSERT_TRUE(eventually([] { return running.load() == 0; }));
  }
}

TEST_F(deadlines, handlers_that_ignore_cancellation_do_not_leak_the_pool) {
  constexpr unsigned workers = 2;
  srv_ = make_server(workers);
  auto port = srv_->port();
  // More slow calls than threads: each answered TIMEOUT at its deadline, queued ones too.
  std::vector<std::thread> clients;
  std::atomic<int> timeouts{0};
  for (int i = 0; i < 3; ++i)
    clients.emplace_back([&, i] {
      auto v = json_body(roundtrip(port, call_body(10 + i, "slow")));
      if (v.is_object() && tool_error(v).at("code").as_string() == "TIMEOUT") ++timeouts;
    });
  for (auto& t : clients) t.join();
  EXPECT_EQ(timeouts.load(), 3);
  // Both threads are held by handlers past their deadline: a new call is refused at once, not
  // queued behind them.
  auto busy = roundtrip(port, call_body(20, "quick"));
  EXPECT_EQ(busy.status, 503);
  EXPECT_NE(busy.head.find("Retry-After: 5"), std::string::npos) << busy.head;
  auto err = json_body(busy);
  EXPECT_EQ(err.at("id"), 20);
  EXPECT_EQ(err.at("error").at("data").at("code").as_string(), "SERVER_BUSY");
  EXPECT_TRUE(err.at("error").at("data").at("recoverable").as_bool());
  auto m = metrics(port);
  EXPECT_NE(m.find("mcpx_workers_overdue 2"), std::string::npos) << m;
  EXPECT_NE(m.find("mcpx_stage_refusals_total"), std::string::npos);
  // Readiness says so too.
  auto ready = roundtrip(port, "GET /health/ready HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_EQ(ready.status, 503) << ready.body;
  // Once they return, the same pool serves again; never more handlers ran than threads.
  release = true;
  ASSERT_TRUE(eventually([&] {
    return running.load() == 0 && metrics(port).find("mcpx_workers_overdue 0") != std::string::npos;
  }));
  auto ok = json_body(roundtrip(port, call_body(21, "quick")));
  EXPECT_EQ(ok.at("result").at("content").at(0).at("text").as_string(), "quick");
  EXPECT_LE(most_running.load(), static_cast<int>(workers));
  m = metrics(port);
  EXPECT_NE(m.find("mcpx_tool_timeouts_total{tool=\"slow\"} 3"), std::string::npos) << m;
  // Two ran and returned late; the third timed out in the queue and never ran.
  EXPECT_NE(m.find("mcpx_tool_late_completions_total{tool=\"slow\"} 2"), std::string::npos) << m;
  EXPECT_NE(m.find("mcpx_worker_queue_depth 0"), std::string::npos) << m;
}
