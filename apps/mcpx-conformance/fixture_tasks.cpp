// Tools for the tasks extension (io.modelcontextprotocol/tasks) scenarios.
#include <thread>

#include "fixture.hpp"

namespace fixture {

namespace json = boost::json;
using mcpx::args;
using mcpx::context;
using mcpx::task_mode;
using mcpx::tool_result;

namespace {

// Sleeps in small steps so a cancelled task stops promptly.
bool sleep_unless_cancelled(context& ctx, std::chrono::milliseconds total) {
  auto end = std::chrono::steady_clock::now() + total;
  while (std::chrono::steady_clock::now() < end) {
    if (ctx.cancelled()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return !ctx.cancelled();
}

json::object confirm_params(const std::string& message) {
  return {{"message", message},
          {"requestedSchema", json::object{{"type", "object"},
                                           {"properties", json::object{{"confirm", json::object{{"type", "boolean"}}}}},
                                           {"required", json::array{"confirm"}}}}};
}

}  // namespace

void add_task_tools(mcpx::server& s) {
  s.tool("greet")
      .description("Greets someone (always answered at once)")
      .input_schema(json::parse(R"({"type":"object","properties":{"name":{"type":"string"}}})"))
      .handle([](const args& a, context&) { return tool_result::text("Hello, " + str_arg(a, "name", "World") + "!"); });
  s.tool("slow_compute")
      .description("Computes for the given number of seconds; becomes a task when slow")
      .input_schema(json::parse(R"({"type":"object","properties":{"seconds":{"type":"number","minimum":0,"maximum":600},
          "label":{"type":"string"}}})"))
      .tasks(task_mode::optional)
      .handle([](const args& a, context& ctx) {
        double secs = 0;
        if (auto* v = a.if_contains("seconds"); v && v->is_number()) secs = v->to_number<double>();
        if (!sleep_unless_cancelled(ctx, std::chrono::milliseconds(static_cast<long>(secs * 1000))))
          throw mcpx::client_error("Computation cancelled", "CANCELLED", false);
        return tool_result::text("Computed '" + str_arg(a, "label", "job") + "' in " + std::to_string(secs) + " s");
      });
  s.tool("failing_job")
      .description("A job that runs only as a task and fails after about a second")
      .tasks(task_mode::required)
      .handle([](const args&, context& ctx) -> tool_result {
        sleep_unless_cancelled(ctx, std::chrono::milliseconds(1000));
        throw mcpx::external_error("The batch system rejected the job", 30, "JOB_FAILED");
      });
  s.tool("protocol_error_job")
      .description("A task that ends with a protocol error")
      .tasks(task_mode::optional)
      .handle([](const args&, context& ctx) -> tool_result {
        ctx.run_as_task();
        sleep_unless_cancelled(ctx, std::chrono::milliseconds(200));
        throw mcpx::protocol_error(-32603, "Internal error: the job's worker crashed");
      });
  s.tool("confirm_delete")
      .description("Deletes a file after the user confirms (a task that asks for input)")
      .input_schema(
          json::parse(R"({"type":"object","properties":{"filename":{"type":"string"}},"required":["filename"]})"))
      .tasks(task_mode::optional)
      .handle([](const args& a, context& ctx) {
        ctx.run_as_task();
        auto file = str_arg(a, "filename");
        auto r = ctx.input("confirm", mcpx::input_request::elicit(confirm_params("Delete " + file + "?")));
        bool yes = false;
        if (auto* o = r.if_object())
          if (auto* act = o->if_contains("action"); act && act->is_string() && act->get_string() == "accept")
            yes = true;
        return tool_result::text(yes ? "Deleted " + file : "Kept " + file);
      });
  s.tool("multi_input")
      .description("A task that asks two questions at once")
      .tasks(task_mode::optional)
      .handle([](const args&, context& ctx) {
        ctx.run_as_task();
        auto answers = ctx.input({{"first", mcpx::input_request::elicit(confirm_params("First question"))},
                                  {"second", mcpx::input_request::elicit(confirm_params("Second question"))}});
        return tool_result::text("Received " + std::to_string(answers.size()) + " answers");
      });
  s.tool("test_tool_with_task")
      .description("Asks for a name (multi round-trip), then finishes as a task")
      .tasks(task_mode::optional)
      .handle([](const args&, context& ctx) {
        auto r = ctx.input("user_name",
                           mcpx::input_request::elicit(
                               {{"message", "What is your name?"},
                                {"requestedSchema",
                                 json::object{{"type", "object"},
                                              {"properties", json::object{{"name", json::object{{"type", "string"}}}}},
                                              {"required", json::array{"name"}}}}}));
        std::string name = "unknown";
        if (auto* o = r.if_object())
          if (auto* c = o->if_contains("content"); c && c->is_object())
            if (auto* n = c->get_object().if_contains("name"); n && n->is_string()) name = n->get_string();
        ctx.run_as_task();
        sleep_unless_cancelled(ctx, std::chrono::milliseconds(200));
        return tool_result::text("Hello, " + name + "! (finished as a task)");
      });
}

}  // namespace fixture
