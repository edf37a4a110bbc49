// Tasks (io.modelcontextprotocol/tasks): task_registry on its own (the detach/finish race,
// record shapes, input through tasks/update, cancel, expiry), then through the dispatcher
// (task_capable, detach, tasks/get, tasks/update, tasks/cancel).
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <regex>
#include <thread>

#include "fakes.hpp"
#include "timing.hpp"

using namespace mcpx;
using namespace mcpx::test;
using protocol::outcome_kind;
using protocol::task_registry;
using protocol::task_slot;
using namespace std::chrono_literals;

namespace {

// Runs `f` when the scope ends, even through a failed ASSERT: a test must not leave a worker
// blocked in await_input, nor destroy a joinable std::thread (which would abort the run).
struct scope_exit {
  std::function<void()> f;
  ~scope_exit() { f(); }
};

json::object tasks_caps() {
  return json::object{{"extensions", {{protocol::tasks_extension, json::object{}}}}, {"elicitation", json::object{}}};
}

std::string status_of(task_registry& reg, const protocol::task& t) { return str(reg.detailed(t).at("status")); }

// A response as the dispatcher builds it, with its per-response _meta.
json::object ok_message(std::string_view text) {
  json::object result{{"content", json::array{content::text(text)}}, {"_meta", {{"x", 1}}}};
  return json::object{{"jsonrpc", "2.0"}, {"id", 1}, {"result", std::move(result)}};
}

}  // namespace

TEST(tasks_registry, finish_first_means_no_task) {
  task_registry reg(60s, 500ms);
  task_slot slot;
  EXPECT_TRUE(slot.try_finish());
  EXPECT_FALSE(reg.detach(slot));
  EXPECT_FALSE(slot.t);
  EXPECT_FALSE(slot.is_detached());
}

TEST(tasks_registry, detach_first_means_the_call_cannot_finish_inline) {
  task_registry reg(60s, 500ms);
  task_slot slot;
  ASSERT_TRUE(reg.detach(slot));
  ASSERT_TRUE(slot.t);
  EXPECT_TRUE(slot.is_detached());
  EXPECT_FALSE(slot.try_finish());
  EXPECT_EQ(reg.find(slot.t->id), slot.t);
}

TEST(tasks_registry, detach_and_finish_racing_have_exactly_one_winner) {
  task_registry reg(60s, 500ms);
  int detached = 0, finished = 0;
  for (int i = 0; i < 200; ++i) {
    task_slot slot;
    std::atomic<bool> go{false};
    bool finish_won = false;
    std::thread worker([&] {
      while (!go.load()) {
      }
      finish_won = slot.try_finish();
    });
    go.store(true);
    bool detach_won = reg.detach(slot);
    worker.join();
    ASSERT_NE(detach_won, finish_won) << "iteration " << i;
    // The loser leaves no trace: no task record for a call that finished inline.
    if (detach_won) {
      ASSERT_TRUE(slot.t);
      EXPECT_TRUE(reg.find(slot.t->id));
    } else {
      EXPECT_FALSE(slot.t);
    }
    detach_won ? ++detached : ++finished;
  }
  EXPECT_EQ(detached + finished, 200);
}

// Was a bug (failed before the fix): task_registry::detach wrote slot.t before its
// compare-and-swap and, on losing to an earlier detach, reset it while returning true, so a
// second detach (the task_after timer racing the handler's run_as_task()) left slot.t null for
// dispatcher::detach and call_tool to dereference; the two writes were also a data race.
TEST(tasks_registry, second_detach_keeps_the_first_task) {
  task_registry reg(60s, 500ms);
  task_slot slot;
  ASSERT_TRUE(reg.detach(slot));
  auto first = slot.t->id;
  EXPECT_TRUE(reg.detach(slot));
  ASSERT_TRUE(slot.t) << "a detached slot lost its task";
  EXPECT_EQ(slot.t->id, first);
}

TEST(tasks_registry, created_result_and_detailed_task_shapes) {
  task_registry reg(90s, 250ms);
  task_slot slot;
  ASSERT_TRUE(reg.detach(slot));
  auto created = reg.created_result(*slot.t);
  EXPECT_EQ(str(created.at("resultType")), "task");
  EXPECT_TRUE(std::regex_match(str(created.at("taskId")), std::regex("task-[0-9a-f]{32}")));
  EXPECT_EQ(str(created.at("status")), "working");
  EXPECT_EQ(created.at("ttlMs"), 90'000);
  EXPECT_EQ(created.at("pollIntervalMs"), 250);
  std::regex iso(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  EXPECT_TRUE(std::regex_match(str(created.at("createdAt")), iso)) << created.at("createdAt");
  EXPECT_TRUE(std::regex_match(str(created.at("lastUpdatedAt")), iso));

  auto working = reg.detailed(*slot.t);
  EXPECT_FALSE(working.contains("resultType"));  // only the CreateTaskResult has one
  for (auto k : {"result", "error", "inputRequests"}) EXPECT_FALSE(working.contains(k)) << k;

  reg.finish(*slot.t, ok_message("done"));
  auto done = reg.detailed(*slot.t);
  EXPECT_EQ(str(done.at("status")), "completed");
  // The stored result is what the call returned, without our per-response _meta.
  EXPECT_EQ(done.at("result"), (json::value{{"content", {{{"type", "text"}, {"text", "done"}}}}}));

  task_slot slot2;
  ASSERT_TRUE(reg.detach(slot2));
  reg.finish(*slot2.t, json::object{{"jsonrpc", "2.0"}, {"id", 2}, {"error", {{"code", -32602}, {"message", "bad"}}}});
  auto failed = reg.detailed(*slot2.t);
  EXPECT_EQ(str(failed.at("status")), "failed");
  EXPECT_EQ(failed.at("error"), (json::value{{"code", -32602}, {"message", "bad"}}));
}

TEST(tasks_registry, update_delivers_input_responses_to_await_input) {
  task_registry reg(60s, 500ms);
  task_slot slot;
  ASSERT_TRUE(reg.detach(slot));
  auto& t = *slot.t;
  std::optional<json::object> got;
  std::thread worker([&] { got = reg.await_input(t, {{"k1", {{"method", "elicitation/create"}}}}); });
  scope_exit cleanup{[&] {
    reg.cancel(t);
    if (worker.joinable()) worker.join();
  }};
  ASSERT_TRUE(eventually([&] { return status_of(reg, t) == "input_required"; }));
  EXPECT_TRUE(reg.detailed(t).at("inputRequests").as_object().contains("k1"));
  // Keys nobody asked for are dropped, not handed to the handler.
  reg.update(t, {{"k1", {{"action", "accept"}}}, {"stray", 1}});
  worker.join();
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, (json::object{{"k1", {{"action", "accept"}}}}));
  EXPECT_EQ(status_of(reg, t), "working");
  EXPECT_FALSE(reg.detailed(t).contains("inputRequests"));
}

TEST(tasks_registry, cancel_wakes_a_waiting_task_and_sticks) {
  task_registry reg(60s, 500ms);
  task_slot slot;
  ASSERT_TRUE(reg.detach(slot));
  auto& t = *slot.t;
  std::optional<json::object> got = json::object{{"sentinel", true}};
  std::thread worker([&] { got = reg.await_input(t, {{"k1", json::object{}}}); });
  scope_exit cleanup{[&] {
    reg.cancel(t);
    if (worker.joinable()) worker.join();
  }};
  ASSERT_TRUE(eventually([&] { return status_of(reg, t) == "input_required"; }));
  reg.cancel(t);
  worker.join();
  EXPECT_FALSE(got);  // nullopt: the handler's work is moot
  EXPECT_TRUE(t.cancel_requested.load());
  // A handler finishing after the cancel does not resurrect the task.
  reg.finish(t, ok_message("late"));
  EXPECT_EQ(status_of(reg, t), "cancelled");
  EXPECT_FALSE(reg.detailed(t).contains("result"));

  // And a terminal task stays as it is.
  task_slot done;
  ASSERT_TRUE(reg.detach(done));
  reg.finish(*done.t, ok_message("ok"));
  reg.cancel(*done.t);
  EXPECT_EQ(status_of(reg, *done.t), "completed");
}

TEST(tasks_registry, cancel_all_cancels_every_running_task) {
  task_registry reg(60s, 500ms);
  task_slot a, b;
  ASSERT_TRUE(reg.detach(a));
  ASSERT_TRUE(reg.detach(b));
  reg.finish(*b.t, ok_message("ok"));
  reg.cancel_all();
  EXPECT_EQ(status_of(reg, *a.t), "cancelled");
  EXPECT_TRUE(a.t->cancel_requested.load());
  EXPECT_EQ(status_of(reg, *b.t), "completed");
}

TEST(tasks_registry, tasks_expire_after_their_ttl) {
  // The one test that sleeps: expiry is measured on the steady clock.
  task_registry reg(40ms, 10ms);
  task_slot slot;
  ASSERT_TRUE(reg.detach(slot));
  auto id = slot.t->id;
  ASSERT_TRUE(reg.find(id));
  std::this_thread::sleep_for(80ms);
  reg.expire();
  EXPECT_FALSE(reg.find(id));
}

TEST(tasks_registry, expiry_stops_the_handler_and_its_late_result_does_not_bring_the_task_back) {
  task_registry reg(40ms, 10ms);
  auto token = std::make_shared<cancellation_token>();
  task_slot slot;
  slot.token = token;
  ASSERT_TRUE(reg.detach(slot));
  auto id = slot.t->id;
  std::this_thread::sleep_for(80ms);
  reg.expire();
  // The handler is told (a wait on its cancellation ends), so its worker is not held for good.
  EXPECT_EQ(token->reason(), cancel_reason::task);
  EXPECT_TRUE(slot.t->cancel_requested.load());
  // What it returns afterwards is dropped: before, finish() wrote the record again.
  reg.finish(*slot.t, ok_message("late"));
  EXPECT_FALSE(reg.detailed(id, ""));
  EXPECT_FALSE(reg.find(id));
}

TEST(tasks_registry, tasks_cancel_cancels_the_handlers_token) {
  task_registry reg(60s, 500ms);
  auto token = std::make_shared<cancellation_token>();
  task_slot slot;
  slot.token = token;
  ASSERT_TRUE(reg.detach(slot));
  std::atomic<bool> woke{false};
  std::thread handler([&] { woke = token->wait_for(30s); });
  reg.cancel(*slot.t);
  handler.join();
  EXPECT_TRUE(woke);
  EXPECT_EQ(token->reason(), cancel_reason::task);
}

TEST(tasks_registry, a_cancelled_call_stays_a_call_and_a_task_has_no_deadline) {
  task_registry reg(60s, 500ms);
  auto gone = std::make_shared<cancellation_token>();
  gone->cancel(cancel_reason::client);
  task_slot a;
  a.token = gone;
  EXPECT_FALSE(reg.detach(a));  // nobody would learn the task's id
  EXPECT_FALSE(a.is_detached());

  auto timed = std::make_shared<cancellation_token>(std::chrono::steady_clock::now() + 10s);
  task_slot b;
  b.token = timed;
  ASSERT_TRUE(reg.detach(b));
  EXPECT_EQ(timed->deadline(), std::chrono::steady_clock::time_point::max());
  EXPECT_EQ(timed->remaining(), std::chrono::milliseconds::max());
}

// --- through the dispatcher ---

namespace {

// A task-capable tool; given `seen_action`, it makes itself a task and asks for input, which
// then travels through tasks/get and tasks/update.
void add_report_tool(harness& h, std::string* seen_action = nullptr) {
  h.tool("report").tasks(task_mode::optional).handle([seen_action](const args&, context& ctx) {
    if (seen_action) {
      ctx.run_as_task();
      *seen_action = str(ctx.elicit({{"message", "Go?"}}).at("action"));
    }
    return tool_result::text(ctx.cancelled() ? "cancelled" : "report ready");
  });
  h.tool("plain").handle([](const args&, context&) { return tool_result::text("plain"); });
}

protocol::outcome task_call(harness& h, std::string_view method, json::object params) {
  auto c = modern_call(method, std::move(params), tasks_caps());
  return h.run(c);
}

}  // namespace

TEST(tasks, task_capable_needs_a_task_tool_and_a_client_with_the_extension) {
  harness h;
  add_report_tool(h);
  h.start();
  auto yes = modern_call("tools/call", {{"name", "report"}}, tasks_caps());
  EXPECT_TRUE(h.d->task_capable(yes));
  auto no_ext = modern_call("tools/call", {{"name", "report"}}, {{"elicitation", json::object{}}});
  EXPECT_FALSE(h.d->task_capable(no_ext));
  auto never = modern_call("tools/call", {{"name", "plain"}}, tasks_caps());
  EXPECT_FALSE(h.d->task_capable(never));
  auto legacy = legacy_call("tools/call", {{"name", "report"}}, tasks_caps());
  EXPECT_FALSE(h.d->task_capable(legacy));
}

TEST(tasks, detached_call_answers_with_a_create_task_result_and_completes_into_tasks_get) {
  harness h;
  add_report_tool(h);
  protocol::dispatcher_config cfg;
  cfg.task_ttl = 30s;
  cfg.task_poll_interval = 700ms;
  h.start(cfg);
  auto c = modern_call("tools/call", {{"name", "report"}}, tasks_caps(), 9);
  auto slot = std::make_shared<task_slot>();
  c.task = slot;
  // The transport's task_after timer fires before the worker is done.
  auto created = h.d->detach(c, *slot);
  ASSERT_TRUE(created);
  EXPECT_EQ(created->at("id"), 9);
  const auto& r = created->at("result").as_object();
  EXPECT_EQ(str(r.at("resultType")), "task");
  EXPECT_EQ(str(r.at("status")), "working");
  EXPECT_EQ(r.at("ttlMs"), 30'000);
  EXPECT_EQ(r.at("pollIntervalMs"), 700);
  EXPECT_TRUE(r.at("_meta").as_object().contains("io.modelcontextprotocol/serverInfo"));
  auto id = str(r.at("taskId"));

  h.run(c);  // the worker finishes: its outcome goes to the task record
  auto got = task_call(h, "tasks/get", {{"taskId", id}});
  ASSERT_EQ(got.kind, outcome_kind::ok);
  EXPECT_EQ(str(result_of(got).at("status")), "completed");
  EXPECT_EQ(str(result_of(got).at("result").at("content").at(0).at("text")), "report ready");
}

TEST(tasks, detach_after_the_call_finished_returns_nothing) {
  harness h;
  add_report_tool(h);
  h.start();
  auto c = modern_call("tools/call", {{"name", "report"}}, tasks_caps());
  auto slot = std::make_shared<task_slot>();
  c.task = slot;
  auto o = h.run(c);
  EXPECT_EQ(str(result_of(o).at("content").at(0).at("text")), "report ready");
  EXPECT_FALSE(h.d->detach(c, *slot));
}

TEST(tasks, run_as_task_responds_early_and_input_travels_through_tasks_update) {
  harness h;
  std::string action;
  add_report_tool(h, &action);
  h.start();
  auto c = modern_call("tools/call", {{"name", "report"}}, tasks_caps());
  c.task = std::make_shared<task_slot>();
  protocol::outcome final_outcome;
  std::thread worker([&] { final_outcome = h.run(c); });
  scope_exit cleanup{[&] {
    h.d->cancel_tasks();
    if (worker.joinable()) worker.join();
  }};
  // The handler's run_as_task() answered the request with the CreateTaskResult.
  ASSERT_TRUE(eventually([&] { return !h.out.responses().empty(); }));
  auto [created, kind] = h.out.responses().front();
  EXPECT_EQ(kind, outcome_kind::ok);
  auto id = str(created.at("result").at("taskId"));
  ASSERT_TRUE(eventually([&] {
    return str(result_of(task_call(h, "tasks/get", {{"taskId", id}})).at("status")) == "input_required";
  }));
  auto pending = task_call(h, "tasks/get", {{"taskId", id}});
  EXPECT_EQ(str(result_of(pending).at("inputRequests").at("input_1").at("method")), "elicitation/create");

  auto upd = task_call(h, "tasks/update", {{"taskId", id}, {"inputResponses", {{"input_1", {{"action", "decline"}}}}}});
  EXPECT_EQ(upd.kind, outcome_kind::ok);
  worker.join();
  EXPECT_EQ(action, "decline");
  auto done = task_call(h, "tasks/get", {{"taskId", id}});
  EXPECT_EQ(str(result_of(done).at("status")), "completed");
}

TEST(tasks, tasks_cancel_is_seen_by_the_handler_and_wins_over_its_result) {
  harness h;
  add_report_tool(h);
  h.start();
  auto c = modern_call("tools/call", {{"name", "report"}}, tasks_caps());
  auto slot = std::make_shared<task_slot>();
  c.task = slot;
  auto id = str(h.d->detach(c, *slot)->at("result").at("taskId"));
  EXPECT_EQ(task_call(h, "tasks/cancel", {{"taskId", id}}).kind, outcome_kind::ok);
  auto o = h.run(c);
  EXPECT_EQ(str(result_of(o).at("content").at(0).at("text")), "cancelled");  // ctx.cancelled() saw it
  EXPECT_EQ(str(result_of(task_call(h, "tasks/get", {{"taskId", id}})).at("status")), "cancelled");
}

TEST(tasks, tasks_get_of_an_unknown_id_is_invalid) {
  harness h;
  h.start();
  auto o = task_call(h, "tasks/get", {{"taskId", "task-00000000000000000000000000000000"}});
  EXPECT_EQ(o.kind, outcome_kind::invalid);
  EXPECT_EQ(error_code(o), jsonrpc::code::invalid_params);
  auto no_id = task_call(h, "tasks/get", {});
  EXPECT_EQ(no_id.kind, outcome_kind::invalid);
}

TEST(tasks, tasks_methods_need_the_extension) {
  harness h;
  h.start();
  for (auto m : {"tasks/get", "tasks/update", "tasks/cancel"}) {
    auto c = modern_call(m, {{"taskId", "task-1"}}, {{"elicitation", json::object{}}});
    auto o = h.run(c);
    EXPECT_EQ(o.kind, outcome_kind::invalid) << m;
    EXPECT_EQ(error_code(o), jsonrpc::code::missing_required_client_capability) << m;
    EXPECT_TRUE(error_of(o)
                    .at("data")
                    .at("requiredCapabilities")
                    .at("extensions")
                    .as_object()
                    .contains(protocol::tasks_extension));
  }
}

TEST(tasks, required_task_tool_without_a_slot_is_missing_capability) {
  harness h;
  h.tool("export").tasks(task_mode::required).handle([](const args&, context&) { return tool_result::text("x"); });
  h.start();
  auto c = modern_call("tools/call", {{"name", "export"}});
  auto o = h.run(c);
  EXPECT_EQ(o.kind, outcome_kind::invalid);
  EXPECT_EQ(error_code(o), jsonrpc::code::missing_required_client_capability);
}
