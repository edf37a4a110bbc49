// The deadline of a call on the worker pool (transport::worker_call), without sockets: the
// connection's side is an io_context run by the test, reading the call's event stream as
// await_worker does. A handler past its deadline is answered TIMEOUT at the deadline while it
// still runs; its context is cancelled; what it returns later is dropped and counted; a pool
// whose every thread is held so refuses new calls; a call queued past its deadline never runs.
#include <gtest/gtest.h>

#include <future>

#include <atomic>
#include <thread>

#include "allocations.hpp"
#include "fakes.hpp"
#include "timing.hpp"
#include "transport/worker_call.hpp"

using namespace mcpx;
using namespace mcpx::test;
using namespace std::chrono_literals;
using clk = std::chrono::steady_clock;
namespace net = boost::asio;

namespace {

struct fixture {
  harness h;
  transport::worker_pool pool;
  net::io_context ioc;
  std::atomic<int> slow_runs{0};
  std::atomic<bool> release{false};  // lets the handlers that ignore cancellation return
  std::atomic<cancel_reason> woke_for{cancel_reason::none};
  std::atomic<bool> still_running{false};
  std::atomic<bool> naps{false};

  explicit fixture(unsigned threads) : pool(threads, 16) {
    // Ignores cancellation: sleeps until released (at most 5 s).
    h.tool("slow").timeout(100ms).handle([this](const args&, context&) {
      ++slow_runs;
      still_running = true;
      auto end = clk::now() + 5s;
      while (!release && clk::now() < end) std::this_thread::sleep_for(2ms);
      still_running = false;
      return tool_result::text("late");
    });
    // Waits on its cancellation where it would sleep.
    h.tool("waits").timeout(100ms).handle([this](const args&, context& ctx) {
      bool cancelled = ctx.cancellation().wait_for(30s);
      woke_for = ctx.cancellation().reason();
      return tool_result::text(cancelled ? "stopped" : "slept");
    });
    h.tool("quick").timeout(100ms).handle([](const args&, context&) { return tool_result::text("quick"); });
    // Becomes a task at once, then outlives its time limit: a task has none.
    h.tool("task").tasks(task_mode::optional).timeout(100ms).handle([this](const args&, context& ctx) {
      ctx.run_as_task();
      bool cancelled = ctx.cancellation().wait_for(300ms);
      woke_for = cancelled ? ctx.cancellation().reason() : cancel_reason::none;
      still_running = false;
      return tool_result::text("task done");
    });
    h.tool("nap").timeout(10s).handle([](const args&, context&) {
      std::this_thread::sleep_for(30ms);
      return tool_result::text("rested");
    });
    // Naps like "nap" while `naps` is set, else returns at once.
    h.tool("moody").timeout(10s).handle([this](const args&, context&) {
      if (naps) std::this_thread::sleep_for(30ms);
      return tool_result::text("moody");
    });
    h.tool("long").timeout(10s).handle([this](const args&, context&) {
      while (!release) std::this_thread::sleep_for(2ms);
      return tool_result::text("long");
    });
    h.start();
  }
  ~fixture() {
    release = true;
    pool.join();  // every handler returns before the registry and dispatcher go
    // What the workers posted to the "connection" runs, so no stream outlives the io_context.
    ioc.restart();
    ioc.poll();
  }

  struct running {
    std::shared_ptr<transport::worker_call> call;
    std::shared_ptr<http::event_stream> stream;
    clk::time_point started;
  };
  // Hands a call to the pool as streamable_http::run does.
  // `allocated`, when given: what the worker's run() allocated on the heap, once it returned.
  running start(const std::string& tool, const decltype(http::peer_info::watch_hangup)* hangup = nullptr,
                std::promise<std::size_t>* allocated = nullptr, std::chrono::microseconds short_call = 0us,
                std::chrono::milliseconds probation = 0ms) {
    json::object tasks{{"extensions", json::object{{"io.modelcontextprotocol/tasks", json::object{}}}}};
    auto c = modern_call("tools/call", {{"name", tool}}, std::move(tasks));
    const auto* def = h.d->tool_of(c);
    if (h.d->task_capable(c, def)) c.task = std::make_shared<protocol::task_slot>();
    EXPECT_EQ(pool.try_acquire(), transport::admission::admitted);
    auto stream = std::make_shared<http::event_stream>(ioc.get_executor());
    transport::worker_call::setup how{*h.d, pool, def, *def->timeout, nullptr, nullptr, short_call, probation};
    const auto started = clk::now();  // before the call's deadline is set: took >= the limit
    auto w = std::make_shared<transport::worker_call>(c.copy_to_heap(), how, stream, nullptr, nullptr, "r1", 1s);
    w->watch(hangup);
    pool.submit([w, allocated] {
      const auto before = allocations_here();
      w->run();
      if (allocated) allocated->set_value(allocations_here() - before);
    });
    return {w, stream, started};
  }
  // The first item on the call's stream, as the connection reads it, and how long it took.
  std::pair<json::value, clk::duration> answer(const running& r) {
    json::value got;
    clk::duration took{};
    net::co_spawn(
        ioc,
        [&]() -> net::awaitable<void> {
          auto item = co_await r.stream->next();
          took = clk::now() - r.started;
          if (item) got = json::parse(item->data);
        },
        net::detached);
    ioc.restart();
    ioc.run();
    return {got, took};
  }
};

const json::object& error_of_result(const json::value& msg) {
  return msg.at("result").at("structuredContent").at("error").as_object();
}

}  // namespace

TEST(worker_call, a_handler_past_its_deadline_is_answered_timeout_while_it_still_runs) {
  fixture f(2);
  auto r = f.start("slow");
  auto [msg, took] = f.answer(r);
  EXPECT_GE(took, 100ms);
  EXPECT_LT(took, 100ms + slack);
  EXPECT_TRUE(f.still_running);  // answered at the deadline, not when the handler returned
  EXPECT_EQ(str(error_of_result(msg).at("code")), "TIMEOUT");
  EXPECT_EQ(error_of_result(msg).at("retry_after"), 5);
  EXPECT_EQ(r.call->out.token().reason(), cancel_reason::deadline);
  EXPECT_EQ(f.pool.overdue(), 1);
  const auto* def = f.h.reg.find_tool("slow");
  EXPECT_EQ(def->timeouts.load(), 1u);
  f.release = true;
  ASSERT_TRUE(eventually([&] { return def->late_completions.load() == 1; }));
  ASSERT_TRUE(eventually([&] { return f.pool.overdue() == 0 && f.pool.in_flight() == 0; }));
}

TEST(worker_call, a_handler_waiting_on_its_cancellation_wakes_at_the_deadline) {
  fixture f(2);
  auto r = f.start("waits");
  auto [msg, took] = f.answer(r);
  EXPECT_LT(took, 100ms + slack);
  EXPECT_EQ(str(error_of_result(msg).at("code")), "TIMEOUT");
  ASSERT_TRUE(eventually([&] { return f.woke_for.load() == cancel_reason::deadline; }));
  ASSERT_TRUE(eventually([&] { return f.pool.in_flight() == 0; }));
  EXPECT_EQ(f.pool.overdue(), 0);
}

TEST(worker_call, the_client_leaving_wakes_the_same_wait) {
  fixture f(2);
  auto r = f.start("waits");
  std::this_thread::sleep_for(20ms);
  r.call->out.cancel();  // notifications/cancelled, as live_session::cancel_request delivers it
  ASSERT_TRUE(eventually([&] { return f.woke_for.load() == cancel_reason::client; }));
  auto [msg, took] = f.answer(r);
  EXPECT_LT(took, 100ms);  // before the deadline: the handler's own answer
  EXPECT_EQ(str(msg.at("result").at("content").at(0).at("text")), "stopped");
}

// The connection's side of the hang-up watch, counting how often it is armed.
struct fake_hangup {
  int armed = 0;
  std::weak_ptr<http::request_watcher> watcher;
  std::shared_ptr<std::atomic<bool>> gone = std::make_shared<std::atomic<bool>>(false);
  decltype(http::peer_info::watch_hangup) fn = [this](std::weak_ptr<http::request_watcher> w) {
    ++armed;
    watcher = std::move(w);
    return gone;
  };
};

// Arming the watch costs two system calls; a call answered before the connection waited
// hangup_watch_delay for it never pays them. Before: every call armed it when handed over.
TEST(worker_call, a_call_answered_before_the_delay_never_watches_for_a_hangup) {
  fixture f(2);
  fake_hangup h;
  auto r = f.start("quick", &h.fn);
  ASSERT_TRUE(eventually([&] { return f.pool.in_flight() == 0; }));
  auto [msg, took] = f.answer(r);
  EXPECT_EQ(str(msg.at("result").at("content").at(0).at("text")), "quick");
  EXPECT_EQ(h.armed, 0);
}

TEST(worker_call, a_call_still_running_after_the_delay_is_watched_and_a_hangup_cancels_it) {
  fixture f(2);
  fake_hangup h;
  auto r = f.start("waits", &h.fn);
  json::value got;
  net::co_spawn(
      f.ioc,
      [&]() -> net::awaitable<void> {
        auto item = co_await r.stream->next();
        if (item) got = json::parse(item->data);
      },
      net::detached);
  f.ioc.run_for(transport::worker_call::hangup_watch_delay + 30ms);
  ASSERT_EQ(h.armed, 1);
  // The peer closes its end: what the connection's watch does then.
  h.gone->store(true);
  ASSERT_NE(h.watcher.lock(), nullptr);
  h.watcher.lock()->client_gone();
  ASSERT_TRUE(eventually([&] { return f.woke_for.load() == cancel_reason::client; }));
  f.ioc.run_for(200ms);
  EXPECT_EQ(h.armed, 1);  // once
  EXPECT_EQ(str(got.at("result").at("content").at(0).at("text")), "stopped");
}

TEST(worker_call, a_quick_call_is_answered_by_its_handler_and_nothing_is_counted) {
  fixture f(2);
  auto r = f.start("quick");
  auto [msg, took] = f.answer(r);
  EXPECT_EQ(str(msg.at("result").at("content").at(0).at("text")), "quick");
  EXPECT_EQ(r.call->out.token().reason(), cancel_reason::none);
  EXPECT_EQ(f.h.reg.find_tool("quick")->timeouts.load(), 0u);
}

TEST(worker_call, a_quick_call_makes_few_heap_allocations) {
  fixture f(1);
  auto heap_allocations = [&] {
    std::promise<std::size_t> allocated;
    auto r = f.start("quick", nullptr, &allocated);
    auto [msg, took] = f.answer(r);
    EXPECT_EQ(str(msg.at("result").at("content").at(0).at("text")), "quick");
    return allocated.get_future().get();
  };
  heap_allocations();  // the first call on a thread makes what a thread keeps
  // The handler's own result, the response around it where the handler built it (two tables
  // and four keys: Boost.JSON allocates every key), the response's text and its place on the
  // stream: 12. Copied into an arena it took 6, for more instructions (docs/performance.md,
  // session 20).
  EXPECT_LE(heap_allocations(), 12u);
}

TEST(worker_call, a_pool_whose_every_thread_is_held_past_a_deadline_refuses_new_calls) {
  fixture f(1);
  auto r = f.start("slow");
  f.answer(r);
  ASSERT_EQ(f.pool.overdue(), 1);
  // Queued behind a handler that may never return, it would only time out: refused now.
  EXPECT_EQ(f.pool.try_acquire(), transport::admission::workers_overdue);
  f.release = true;
  ASSERT_TRUE(eventually([&] { return f.pool.overdue() == 0 && f.pool.in_flight() == 0; }));
  auto q = f.start("quick");  // the thread is back
  EXPECT_EQ(str(f.answer(q).first.at("result").at("content").at(0).at("text")), "quick");
}

TEST(worker_call, a_call_queued_past_its_deadline_is_answered_and_never_runs) {
  fixture f(1);
  auto busy = f.start("long");  // holds the only thread, within its own 10 s limit
  auto queued = f.start("slow");
  auto [msg, took] = f.answer(queued);
  EXPECT_EQ(str(error_of_result(msg).at("code")), "TIMEOUT");
  EXPECT_LT(took, 100ms + slack);
  EXPECT_EQ(f.pool.overdue(), 0);  // nothing runs past a deadline: the queued call never started
  f.release = true;
  ASSERT_TRUE(eventually([&] { return f.pool.in_flight() == 0; }));
  EXPECT_EQ(f.slow_runs.load(), 0);
  EXPECT_EQ(f.h.reg.find_tool("slow")->late_completions.load(), 0u);
}

TEST(worker_call, a_call_that_became_a_task_has_no_deadline) {
  fixture f(2);
  f.still_running = true;
  auto r = f.start("task");
  auto [msg, took] = f.answer(r);
  EXPECT_EQ(str(msg.at("result").at("resultType")), "task") << msg;  // the CreateTaskResult
  EXPECT_EQ(r.call->out.token().deadline(), clk::time_point::max());
  // Past the tool's 100 ms the task goes on, uncancelled, and nothing is counted.
  ASSERT_TRUE(eventually([&] { return !f.still_running; }));
  EXPECT_EQ(f.woke_for.load(), cancel_reason::none);
  EXPECT_EQ(f.h.reg.find_tool("task")->timeouts.load(), 0u);
  EXPECT_EQ(f.pool.overdue(), 0);
}

// A call's slot is free once its handler returned, before its answer is queued: a client with
// its answer in hand may call again at once (a one-worker pool used to answer that 503 when the
// worker was descheduled between queueing the answer and releasing the slot).
TEST(worker_pool_slot, is_released_before_the_answer_is_queued) {
  mcpx::transport::worker_pool pool(1, 1);
  ASSERT_EQ(pool.try_acquire(), mcpx::transport::admission::admitted);
  std::promise<std::size_t> seen;
  pool.submit([&](mcpx::transport::worker_pool::slot& s) {
    s.release();
    s.release();                       // once only
    seen.set_value(pool.in_flight());  // where the answer would be queued
  });
  EXPECT_EQ(seen.get_future().get(), 0u);
  EXPECT_EQ(pool.try_acquire(), mcpx::transport::admission::admitted);
  std::promise<void> ran;
  pool.submit([&] { ran.set_value(); });  // a call that never releases early: freed after it
  ran.get_future().wait();
  for (int i = 0; i < 200 && pool.in_flight() != 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(pool.in_flight(), 0u);
}

// A tool whose calls are short runs them on the I/O thread; one that blocked there would hold
// the thread's other connections until its spare took over, so it goes to the workers for a
// while.
TEST(worker_call, a_call_that_blocks_sends_its_tool_to_the_workers_for_a_while) {
  fixture f(2);
  const auto* quick = f.h.reg.find_tool("quick");
  const auto* nap = f.h.reg.find_tool("nap");
  ASSERT_TRUE(quick && nap);
  EXPECT_FALSE(transport::worker_call::may_run_here(quick, 0us)) << "zero: every call on a worker";
  EXPECT_TRUE(transport::worker_call::may_run_here(quick, 20ms));
  EXPECT_TRUE(transport::worker_call::may_run_here(nap, 20ms)) << "never measured yet";
  for (int i = 0; i < 3; ++i) f.answer(f.start("quick", nullptr, nullptr, 20ms, 200ms));
  EXPECT_TRUE(transport::worker_call::may_run_here(quick, 20ms));
  f.answer(f.start("nap", nullptr, nullptr, 20ms, 200ms));
  EXPECT_TRUE(transport::worker_call::may_run_here(nap, 20ms)) << "one call past a takeover may have been preempted";
  f.answer(f.start("nap", nullptr, nullptr, 20ms, 200ms));
  EXPECT_FALSE(transport::worker_call::may_run_here(nap, 20ms)) << "two in a row blocked";
  EXPECT_TRUE(transport::worker_call::may_run_here(quick, 20ms)) << "per tool";
  EXPECT_TRUE(eventually([&] { return transport::worker_call::may_run_here(nap, 20ms); }))
      << "back on the I/O thread once its probation ends";
}

// One long call is weak evidence: an echo preempted for 1–2 ms by a busy host looked blocking
// and sent its tool to the workers for 10 s (seen in the bench's open loop, session 28). Short
// calls pay that evidence back; a tool that blocks now and then still goes.
TEST(worker_call, a_lone_long_call_is_forgiven_by_the_short_calls_after_it) {
  fixture f(2);
  const auto* moody = f.h.reg.find_tool("moody");
  ASSERT_TRUE(moody);
  auto call = [&](bool nap) {
    f.naps = nap;
    f.answer(f.start("moody", nullptr, nullptr, 20ms, 10s));
  };
  call(true);
  for (int i = 0; i < 40; ++i) call(false);
  call(true);
  EXPECT_TRUE(transport::worker_call::may_run_here(moody, 20ms)) << "two blocking calls 40 apart";
  for (int i = 0; i < 40; ++i) call(false);
  call(true);
  for (int i = 0; i < 8; ++i) call(false);
  call(true);
  EXPECT_FALSE(transport::worker_call::may_run_here(moody, 20ms)) << "two blocking calls 8 apart";
}
