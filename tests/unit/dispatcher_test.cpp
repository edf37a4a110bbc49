// protocol::dispatcher driven directly with fake outbound and session hooks: listing, tool
// calls and their error classes, result shapes per revision, resources, prompts, completions,
// legacy session methods and the principal slot.
#include <gtest/gtest.h>

#include <boost/json/monotonic_resource.hpp>
#include <cmath>
#include <limits>
#include <map>

#include "fakes.hpp"
#include "mcpx/errors.hpp"
#include "mcpx/options.hpp"
#include "protocol/request_state.hpp"
#include "protocol/tool_errors.hpp"
#include "util/base64.hpp"

using namespace mcpx;
using namespace mcpx::test;
using protocol::outcome_kind;

namespace {

json::value object_schema(json::object props, json::array required = {}) {
  return json::object{{"type", "object"}, {"properties", std::move(props)}, {"required", std::move(required)}};
}

protocol::dispatcher_config paged(std::size_t n) {
  protocol::dispatcher_config cfg;
  cfg.page_size = n;
  return cfg;
}

// Five tools registered out of order: the list must come back sorted by name.
void add_five_tools(harness& h) {
  for (auto n : {"t4", "t2", "t5", "t1", "t3"})
    h.tool(n).handle([](const args&, context&) { return tool_result::text("x"); });
}

std::vector<std::string> names_of(const json::object& result) {
  std::vector<std::string> out;
  for (auto& t : result.at("tools").as_array()) out.push_back(str(t.at("name")));
  return out;
}

}  // namespace

// A worker's copy of a 2026 call: its client declarations are views into the params it copied
// (they were copied a second time before), and stay right when the copy moves and the original goes.
TEST(call, a_heap_copy_views_its_own_params_for_the_client_declarations) {
  auto original = std::make_unique<protocol::call>(modern_call("tools/call", {{"name", "x"}},
                                                               json::object{{"sampling", json::object{}}}));
  ASSERT_EQ(original->client_capabilities.use_count(), 0);  // a view into the request
  auto copy = original->copy_to_heap();
  original.reset();
  protocol::call moved(std::move(copy));
  const auto& meta = moved.msg.params.at("_meta").as_object();
  EXPECT_EQ(moved.meta.get(), &meta);
  EXPECT_EQ(moved.client_capabilities.get(), &meta.at("io.modelcontextprotocol/clientCapabilities").as_object());
  EXPECT_EQ(moved.client_info.get(), &meta.at("io.modelcontextprotocol/clientInfo").as_object());
  EXPECT_TRUE(moved.client_capabilities->contains("sampling"));
  EXPECT_EQ(moved.client_info->at("name"), "unit");
}

// A call whose tool the transport found keeps it in its heap copy, and the dispatcher runs that
// tool without looking its name up again.
TEST(call, the_tool_found_by_the_transport_goes_with_the_call) {
  harness h;
  h.tool("greet").description("says hello").handle([](const args&, context&) { return tool_result::text("hello"); });
  h.start();
  auto c = modern_call("tools/call", {{"name", "greet"}});
  c.tool = h.d->tool_of(c);
  ASSERT_NE(c.tool, nullptr);
  auto copy = c.copy_to_heap();
  EXPECT_EQ(copy.tool, c.tool);
  EXPECT_EQ(h.d->tool_of(copy), c.tool);
  auto o = h.run(copy);
  ASSERT_EQ(o.kind, outcome_kind::ok);
  EXPECT_EQ(str(result_of(o).at("content").at(0).at("text")), "hello");
}

TEST(dispatcher, tools_list_pages_with_a_cursor_round_trip) {
  harness h;
  add_five_tools(h);
  h.start(paged(2));
  auto c1 = modern_call("tools/list");
  auto p1 = h.run(c1);
  ASSERT_EQ(p1.kind, outcome_kind::ok);
  EXPECT_EQ(names_of(result_of(p1)), (std::vector<std::string>{"t1", "t2"}));
  auto cursor = str(result_of(p1).at("nextCursor"));

  auto c2 = modern_call("tools/list", {{"cursor", cursor}});
  auto p2 = h.run(c2);
  EXPECT_EQ(names_of(result_of(p2)), (std::vector<std::string>{"t3", "t4"}));
  auto c3 = modern_call("tools/list", {{"cursor", result_of(p2).at("nextCursor")}});
  auto p3 = h.run(c3);
  EXPECT_EQ(names_of(result_of(p3)), (std::vector<std::string>{"t5"}));
  // The last page says so by having no cursor.
  EXPECT_FALSE(result_of(p3).contains("nextCursor"));
}

// A page every caller sees the same is made once and shared; a page with a tool the caller's
// scopes decide is made per request. Both read as the per-request path would make them.
TEST(dispatcher, list_pages_the_caller_cannot_change_are_made_once) {
  harness h;
  for (auto n : {"a1", "a2", "b1", "b2", "c1"}) {
    auto t = h.tool(n);
    if (std::string_view(n) == "b2") t.scopes({"crm:admin"});
    t.handle([](const args&, context&) { return tool_result::text("x"); });
  }
  auto cfg = paged(2);
  cfg.filter_lists = true;
  h.start(cfg);
  auto first = modern_call("tools/list");
  auto raw1 = h.run_raw(first);
  ASSERT_TRUE(raw1.result_text) << "page 1 has no scoped tool: shared";
  auto again = modern_call("tools/list");
  EXPECT_EQ(h.run_raw(again).result_text, raw1.result_text) << "the same text, not made again";
  auto legacy = legacy_call("tools/list");
  auto raw_legacy = h.run_raw(legacy);
  ASSERT_TRUE(raw_legacy.result_text);
  EXPECT_NE(*raw_legacy.result_text, *raw1.result_text) << "2025-11-25 results carry no 2026 fields";

  auto p1 = h.run(first);  // as read from the wire
  EXPECT_EQ(names_of(result_of(p1)), (std::vector<std::string>{"a1", "a2"}));
  EXPECT_EQ(result_of(p1).at("resultType"), "complete");
  EXPECT_TRUE(result_of(p1).contains("ttlMs"));
  EXPECT_EQ(p1.message.at("id"), first.msg.id);
  EXPECT_EQ(p1.message.at("jsonrpc"), "2.0");
  auto l1 = h.run(legacy);
  EXPECT_EQ(names_of(result_of(l1)), (std::vector<std::string>{"a1", "a2"}));
  EXPECT_FALSE(result_of(l1).contains("resultType"));

  // Page 2 holds b2, which only crm:admin may use: per caller, and filtered.
  auto second = modern_call("tools/list", {{"cursor", result_of(p1).at("nextCursor")}});
  EXPECT_FALSE(h.run_raw(second).result_text);
  EXPECT_EQ(names_of(result_of(h.run(second))), (std::vector<std::string>{"b1", "c1"}));
  auto admin = modern_call("tools/list", {{"cursor", result_of(p1).at("nextCursor")}});
  admin.who = std::make_shared<const principal>(principal{"u", "c", {"crm:admin"}, {"crm:admin"}, "", {}, {}});
  EXPECT_EQ(names_of(result_of(h.run(admin))), (std::vector<std::string>{"b1", "b2"}));

  // A shared result joined on the wire is the message the per-request path builds.
  auto materialized = h.run_raw(first);
  const std::string joined = protocol::serialize(materialized);
  protocol::materialize(materialized);
  EXPECT_FALSE(materialized.result_text);
  EXPECT_EQ(json::parse(joined), materialized.message);
  EXPECT_EQ(joined, json::serialize(materialized.message));
}

// page_size 0: every tool in one page with no cursor, for the shared page and the per-caller
// one alike. Before, 0 made every page empty with a cursor that never advanced: a client that
// follows cursors asked for the same empty page forever.
TEST(dispatcher, page_size_zero_lists_everything_in_one_page) {
  for (bool filtered : {false, true}) {
    harness h;
    add_five_tools(h);
    h.tool("t6").scopes({"crm:admin"}).handle([](const args&, context&) { return tool_result::text("x"); });
    auto cfg = paged(0);
    cfg.filter_lists = filtered;
    h.start(cfg);
    auto c = modern_call("tools/list");
    auto o = h.run(c);
    ASSERT_EQ(o.kind, outcome_kind::ok) << filtered;
    auto want = filtered ? std::vector<std::string>{"t1", "t2", "t3", "t4", "t5"}
                         : std::vector<std::string>{"t1", "t2", "t3", "t4", "t5", "t6"};
    EXPECT_EQ(names_of(result_of(o)), want) << filtered;
    EXPECT_FALSE(result_of(o).contains("nextCursor")) << filtered;
    EXPECT_EQ(static_cast<bool>(h.run_raw(c).result_text), !filtered) << "shared unless the caller decides";
  }
}

// The default is one page, whatever the count: clients that read only the first page (several
// do) still see every tool, and a listing costs one round trip. Before, the default paged at 50.
TEST(dispatcher, the_default_lists_every_tool_in_one_page) {
  EXPECT_EQ(mcpx::options{}.page_size, protocol::dispatcher_config{}.page_size);
  harness h;
  for (int i = 0; i < 120; ++i)
    h.tool("tool_" + std::to_string(1000 + i)).handle([](const args&, context&) { return tool_result::text("x"); });
  h.start(protocol::dispatcher_config{});
  auto c = modern_call("tools/list");
  auto o = h.run(c);
  ASSERT_EQ(o.kind, outcome_kind::ok);
  EXPECT_EQ(names_of(result_of(o)).size(), 120u);
  EXPECT_FALSE(result_of(o).contains("nextCursor"));
}

TEST(dispatcher, tools_list_refuses_a_cursor_it_did_not_issue) {
  harness h;
  add_five_tools(h);
  h.start(paged(2));
  // Not base64url at all, and a well-formed cursor pointing past the end.
  for (auto cursor : {std::string("not a cursor"), mcpx::util::base64url_encode("o:99")}) {
    auto c = modern_call("tools/list", {{"cursor", cursor}});
    auto o = h.run(c);
    EXPECT_EQ(o.kind, outcome_kind::invalid) << cursor;
    EXPECT_EQ(error_code(o), jsonrpc::code::invalid_params) << cursor;
  }
}

TEST(dispatcher, tools_call_returns_content_and_structured_content) {
  harness h;
  h.tool("echo")
      .input_schema(object_schema({{"text", {{"type", "string"}}}}, {"text"}))
      .handle([](const args& a, context&) {
        auto r = tool_result::text(a.at("text").as_string());
        r.structured = json::object{{"echoed", a.at("text")}, {"length", a.at("text").as_string().size()}};
        return r;
      });
  h.start();
  auto c = modern_call("tools/call", {{"name", "echo"}, {"arguments", {{"text", "hello"}}}}, {}, 42);
  auto o = h.run(c);
  ASSERT_EQ(o.kind, outcome_kind::ok);
  EXPECT_EQ(o.message.at("id").as_int64(), 42);
  const auto& r = result_of(o);
  EXPECT_EQ(str(r.at("content").at(0).at("text")), "hello");
  EXPECT_EQ(str(r.at("content").at(0).at("type")), "text");
  EXPECT_EQ(r.at("structuredContent"), (json::value{{"echoed", "hello"}, {"length", 5}}));
  EXPECT_FALSE(r.contains("isError"));
}

// On the I/O thread a call's JSON lives in the request's arena. A tool's result moves into the
// response whatever its size, with the response built around it in its storage: copied into
// the arena it cost a megabyte per large answer, and more than it saved for a small one.
TEST(dispatcher, a_tool_result_of_any_size_moves_into_the_response_without_a_copy) {
  harness h;
  std::map<std::string, const char*> made;
  const std::pair<std::string, std::size_t> sizes[] = {{"big", std::size_t{1} << 20}, {"small", 40}};
  for (const auto& sz : sizes)
    h.tool(sz.first).handle([&made, name = sz.first, size = sz.second](const args&, context&) {
      auto r = tool_result::text(std::string(size, 'x'));
      made[name] = r.content[0].as_object().at("text").as_string().data();
      return r;
    });
  h.start();
  auto arena = json::make_shared_resource<json::monotonic_resource>();
  for (const auto& [name, size] : sizes) {
    auto c = modern_call("tools/call", {{"name", name}, {"arguments", json::object{}}}, {}, 1, arena);
    auto o = h.run_raw(c);
    ASSERT_EQ(o.kind, outcome_kind::ok) << name;
    const auto& text = result_of(o).at("content").as_array().at(0).as_object().at("text").as_string();
    EXPECT_EQ(text.size(), size) << name;
    EXPECT_EQ(text.data(), made[name]) << name << ": copied";
    EXPECT_NE(o.message.storage(), c.storage()) << name << ": built in the request's arena";
    EXPECT_EQ(json::parse(protocol::serialize(o)).at("result").at("resultType"), "complete") << name;
  }
}

TEST(dispatcher, input_schema_violation_is_a_client_error_result_and_skips_the_handler) {
  harness h;
  int calls = 0;
  h.tool("add").input_schema(object_schema({{"a", {{"type", "integer"}}}}, {"a"})).handle([&](const args&, context&) {
    ++calls;
    return tool_result::text("ran");
  });
  h.start();
  auto c = modern_call("tools/call", {{"name", "add"}, {"arguments", {{"a", "seven"}}}});
  auto o = h.run(c);
  // A tool result, not a JSON-RPC error: the model reads it and can correct its arguments.
  ASSERT_EQ(o.kind, outcome_kind::ok);
  EXPECT_EQ(result_of(o).at("isError"), true);
  EXPECT_EQ(str(tool_error_of(o).at("type")), "CLIENT_ERROR");
  EXPECT_EQ(str(tool_error_of(o).at("code")), "INVALID_ARGUMENT");
  EXPECT_EQ(tool_error_of(o).at("recoverable"), true);
  EXPECT_EQ(calls, 0);
}

TEST(dispatcher, handler_errors_become_classified_results) {
  harness h;
  h.tool("client").handle([](const args&, context&) -> tool_result {
    throw client_error("no such customer 17", "NOT_FOUND");
  });
  h.tool("external").handle([](const args&, context&) -> tool_result {
    throw external_error("billing API is down", 7);
  });
  h.tool("crash").handle([](const args&, context&) -> tool_result {
    throw std::runtime_error("connect to db://admin:hunter2@10.0.0.5 failed");
  });
  h.start();

  auto cc = modern_call("tools/call", {{"name", "client"}});
  auto client = h.run(cc);
  ASSERT_EQ(client.kind, outcome_kind::ok);
  EXPECT_EQ(str(tool_error_of(client).at("type")), "CLIENT_ERROR");
  EXPECT_EQ(str(tool_error_of(client).at("code")), "NOT_FOUND");
  EXPECT_EQ(str(tool_error_of(client).at("message")), "no such customer 17");

  auto ce = modern_call("tools/call", {{"name", "external"}});
  auto external = h.run(ce);
  EXPECT_EQ(str(tool_error_of(external).at("type")), "EXTERNAL_ERROR");
  EXPECT_EQ(tool_error_of(external).at("retry_after"), 7);
  EXPECT_EQ(tool_error_of(external).at("recoverable"), true);
  // One sentence for text-only clients (it read "billing API is down Retry after 7 s." before).
  EXPECT_EQ(str(result_of(external).at("content").at(0).at("text")),
            "billing API is down; it may be retried after 7 s.");

  auto cx = modern_call("tools/call", {{"name", "crash"}});
  auto crash = h.run(cx);
  EXPECT_EQ(result_of(crash).at("isError"), true);
  EXPECT_EQ(str(tool_error_of(crash).at("type")), "SERVER_ERROR");
  EXPECT_EQ(tool_error_of(crash).at("recoverable"), false);
  // The exception's text may hold secrets: the client sees only a correlation id.
  auto text = json::serialize(result_of(crash));
  EXPECT_EQ(text.find("hunter2"), std::string::npos);
  auto id = str(tool_error_of(crash).at("correlation_id"));
  EXPECT_EQ(id.size(), 16u);
  EXPECT_NE(str(tool_error_of(crash).at("message")).find(id), std::string::npos);
}

TEST(dispatcher, unknown_tool_is_invalid_params) {
  harness h;
  add_five_tools(h);
  h.start();
  auto c = modern_call("tools/call", {{"name", "nope"}});
  auto o = h.run(c);
  EXPECT_EQ(o.kind, outcome_kind::invalid);
  EXPECT_EQ(error_code(o), jsonrpc::code::invalid_params);
  EXPECT_NE(str(error_of(o).at("message")).find("'nope'"), std::string::npos);
}

TEST(dispatcher, unknown_method_is_not_found_on_both_eras) {
  harness h;
  h.start();
  // Each era also lacks the other's own methods: ping is legacy-only, tasks/* modern-only.
  for (auto m : {"frobnicate", "ping", "logging/setLevel"}) {
    auto c = modern_call(m);
    auto o = h.run(c);
    EXPECT_EQ(o.kind, outcome_kind::not_found) << m;
    EXPECT_EQ(error_code(o), jsonrpc::code::method_not_found) << m;
  }
  for (auto m : {"frobnicate", "tasks/get", "server/discover"}) {
    auto c = legacy_call(m);
    auto o = h.run(c);
    // The protocol says not_found on every revision; the transport turns it into 200 on legacy.
    EXPECT_EQ(o.kind, outcome_kind::not_found) << m;
    EXPECT_EQ(error_code(o), jsonrpc::code::method_not_found) << m;
  }
}

TEST(dispatcher, notification_is_accepted_with_nothing_to_answer) {
  harness h;
  h.start();
  auto c = call_from(R"({"jsonrpc":"2.0","method":"notifications/initialized"})", revision::v2025_11_25);
  auto o = h.run(c);
  EXPECT_EQ(o.kind, outcome_kind::accepted);
  EXPECT_TRUE(o.message.is_null());
}

TEST(dispatcher, modern_results_carry_result_type_server_info_and_list_cache_hints) {
  harness h;
  add_five_tools(h);
  protocol::dispatcher_config cfg;
  cfg.list_ttl = std::chrono::milliseconds(1234);
  h.start(cfg);
  auto cl = modern_call("tools/list");
  auto listed = h.run(cl);
  const auto& list = result_of(listed);
  EXPECT_EQ(str(list.at("resultType")), "complete");
  EXPECT_EQ(list.at("ttlMs"), 1234);
  EXPECT_EQ(str(list.at("cacheScope")), "public");
  EXPECT_EQ(list.at("_meta").at("io.modelcontextprotocol/serverInfo"),
            (json::value{{"name", "unit-server"}, {"version", "9.9.9"}}));

  auto cc = modern_call("tools/call", {{"name", "t1"}});
  auto call = h.run(cc);
  const auto& r = result_of(call);
  EXPECT_EQ(str(r.at("resultType")), "complete");
  EXPECT_TRUE(r.at("_meta").as_object().contains("io.modelcontextprotocol/serverInfo"));
  // A tool call is not cacheable.
  EXPECT_FALSE(r.contains("ttlMs"));
  EXPECT_FALSE(r.contains("cacheScope"));
}

// The fixed members of a 2026-07-28 result are written after it as text: the wire is the
// message finish_result builds, and materialize() puts them into the message where a path
// needs the value; a result with its own _meta (here a tool's) is merged as before.
TEST(dispatcher, the_fixed_members_of_a_modern_result_written_as_text_are_the_built_ones) {
  harness h;
  h.tool("plain").handle([](const args&, context&) { return tool_result::text("x"); });
  h.tool("meta").handle([](const args&, context&) {
    auto r = tool_result::text("y");
    r.meta = json::object{{"k", 1}};
    return r;
  });
  h.start();
  const json::value server_info{{"name", "unit-server"}, {"version", "9.9.9"}};
  auto c = modern_call("tools/call", {{"name", "plain"}});
  auto o = h.run_raw(c);
  ASSERT_FALSE(o.result_tail.empty());
  EXPECT_FALSE(result_of(o).contains("resultType"));
  const std::string wire = protocol::serialize(o);
  const auto parsed = json::parse(wire);
  EXPECT_EQ(parsed.at("result").at("resultType"), "complete") << wire;
  EXPECT_EQ(parsed.at("result").at("_meta").at("io.modelcontextprotocol/serverInfo"), server_info) << wire;
  EXPECT_EQ(parsed.at("result").at("content"), result_of(o).at("content"));
  protocol::materialize(o);
  EXPECT_TRUE(o.result_tail.empty());
  EXPECT_EQ(o.message, parsed);
  EXPECT_EQ(protocol::serialize(o), wire);  // the same bytes either way

  // An empty result takes the members without a comma before them.
  protocol::outcome empty{json::value{{"jsonrpc", "2.0"}, {"id", 4}, {"result", json::object{}}}};
  empty.result_tail = R"("a":1,"b":{"c":[]})";
  EXPECT_EQ(protocol::serialize(empty), R"({"jsonrpc":"2.0","id":4,"result":{"a":1,"b":{"c":[]}}})");
  protocol::materialize(empty);
  EXPECT_EQ(empty.message.at("result"), (json::value{{"a", 1}, {"b", {{"c", json::array{}}}}}));

  auto m = modern_call("tools/call", {{"name", "meta"}});
  auto with_meta = h.run_raw(m);
  EXPECT_TRUE(with_meta.result_tail.empty());
  EXPECT_EQ(result_of(with_meta).at("_meta").at("k"), 1);
  EXPECT_EQ(result_of(with_meta).at("_meta").at("io.modelcontextprotocol/serverInfo"), server_info);
  auto legacy = legacy_call("ping");
  EXPECT_TRUE(h.run_raw(legacy).result_tail.empty());
}

TEST(dispatcher, legacy_results_have_none_of_the_modern_fields) {
  harness h;
  add_five_tools(h);
  h.start();
  for (auto m : {"tools/list", "tools/call", "ping"}) {
    auto c = legacy_call(m, {{"name", "t1"}});
    auto o = h.run(c);
    ASSERT_EQ(o.kind, outcome_kind::ok) << m;
    const auto& r = result_of(o);
    for (auto k : {"resultType", "_meta", "ttlMs", "cacheScope"}) EXPECT_FALSE(r.contains(k)) << m << " has " << k;
  }
}

TEST(dispatcher, missing_required_client_capability_is_invalid_and_names_it) {
  harness h;
  h.tool("summarize").requires_capability("sampling").handle([](const args&, context&) {
    return tool_result::text("ok");
  });
  h.start();
  auto without = modern_call("tools/call", {{"name", "summarize"}});
  auto o = h.run(without);
  EXPECT_EQ(o.kind, outcome_kind::invalid);
  EXPECT_EQ(error_code(o), jsonrpc::code::missing_required_client_capability);
  EXPECT_EQ(error_of(o).at("data").at("requiredCapabilities"), (json::value{{"sampling", json::object{}}}));

  auto with = modern_call("tools/call", {{"name", "summarize"}}, {{"sampling", json::object{}}});
  EXPECT_EQ(h.run(with).kind, outcome_kind::ok);
}

TEST(dispatcher, resources_read_matches_a_template_and_passes_its_variables) {
  harness h;
  resource_builder(&h.reg.add_resource("crm://customers/{id}/notes/{note}", "notes", true))
      .handle([](std::string_view uri, const json::object& vars, context&) {
        resource_contents rc;
        rc.text(uri, "text/plain", str(vars.at("id")) + "/" + str(vars.at("note")));
        return rc;
      });
  h.start();
  auto c = modern_call("resources/read", {{"uri", "crm://customers/c17/notes/n3"}});
  auto o = h.run(c);
  ASSERT_EQ(o.kind, outcome_kind::ok);
  const auto& content = result_of(o).at("contents").at(0);
  EXPECT_EQ(str(content.at("uri")), "crm://customers/c17/notes/n3");
  EXPECT_EQ(str(content.at("text")), "c17/n3");
  // Resource contents are cacheable on 2026-07-28.
  EXPECT_TRUE(result_of(o).contains("ttlMs"));

  // Not found: Invalid params since 2026-07-28, the -32002 of earlier revisions before.
  auto cm = modern_call("resources/read", {{"uri", "crm://customers/c17"}});
  EXPECT_EQ(error_code(h.run(cm)), jsonrpc::code::invalid_params);
  auto cl = legacy_call("resources/read", {{"uri", "crm://customers/c17"}});
  auto legacy = h.run(cl);
  EXPECT_EQ(error_code(legacy), jsonrpc::code::legacy_resource_not_found);
  EXPECT_EQ(legacy.kind, outcome_kind::invalid);
}

TEST(dispatcher, prompts_get_refuses_a_missing_required_argument) {
  harness h;
  prompt_builder(&h.reg.add_prompt("greet"))
      .argument("name", "who to greet", true)
      .handle([](const json::object& a, context&) {
        prompt_result p;
        p.description = "a greeting";
        p.message("user", content::text("Hello, " + str(a.at("name"))));
        return p;
      });
  h.start();
  auto missing = modern_call("prompts/get", {{"name", "greet"}, {"arguments", json::object{}}});
  auto o = h.run(missing);
  EXPECT_EQ(o.kind, outcome_kind::invalid);
  EXPECT_EQ(error_code(o), jsonrpc::code::invalid_params);
  EXPECT_NE(str(error_of(o).at("message")).find("'name'"), std::string::npos);

  auto good = modern_call("prompts/get", {{"name", "greet"}, {"arguments", {{"name", "Ada"}}}});
  auto ok = h.run(good);
  ASSERT_EQ(ok.kind, outcome_kind::ok);
  EXPECT_EQ(str(result_of(ok).at("messages").at(0).at("content").at("text")), "Hello, Ada");
  EXPECT_EQ(str(result_of(ok).at("description")), "a greeting");
}

TEST(dispatcher, completion_complete_asks_the_argument_handler_with_context) {
  harness h;
  json::object seen;
  prompt_builder(&h.reg.add_prompt("lookup"))
      .argument("city", "")
      .complete("city",
                [&](std::string_view prefix, const json::object& ctx) {
                  seen = ctx;
                  std::vector<std::string> out;
                  for (auto c : {"Paris", "Parma", "Oslo"})
                    if (std::string_view(c).starts_with(prefix)) out.emplace_back(c);
                  return out;
                })
      .handle([](const json::object&, context&) { return prompt_result{}; });
  h.start();
  auto c = modern_call("completion/complete", {{"ref", {{"type", "ref/prompt"}, {"name", "lookup"}}},
                                               {"argument", {{"name", "city"}, {"value", "Par"}}},
                                               {"context", {{"arguments", {{"country", "FR"}}}}}});
  auto o = h.run(c);
  ASSERT_EQ(o.kind, outcome_kind::ok);
  EXPECT_EQ(result_of(o).at("completion"),
            (json::value{{"values", {"Paris", "Parma"}}, {"total", 2}, {"hasMore", false}}));
  EXPECT_EQ(seen, (json::object{{"country", "FR"}}));

  auto bad = modern_call("completion/complete", {{"ref", {{"type", "ref/prompt"}, {"name", "nope"}}},
                                                 {"argument", {{"name", "city"}, {"value", ""}}}});
  EXPECT_EQ(h.run(bad).kind, outcome_kind::invalid);
}

TEST(dispatcher, legacy_set_level_and_subscribe_go_through_the_session_hooks) {
  harness h;
  h.start();
  fake_session s;
  auto lv = legacy_call("logging/setLevel", {{"level", "warning"}});
  lv.session = &s;
  EXPECT_EQ(h.run(lv).kind, outcome_kind::ok);
  EXPECT_EQ(s.level, log_level::warning);

  auto bad = legacy_call("logging/setLevel", {{"level", "loud"}});
  bad.session = &s;
  EXPECT_EQ(h.run(bad).kind, outcome_kind::invalid);
  EXPECT_EQ(s.level, log_level::warning);  // unchanged by a refused request

  auto sub = legacy_call("resources/subscribe", {{"uri", "crm://a"}});
  sub.session = &s;
  EXPECT_EQ(h.run(sub).kind, outcome_kind::ok);
  EXPECT_EQ(s.subscriptions, (std::set<std::string>{"crm://a"}));
  auto unsub = legacy_call("resources/unsubscribe", {{"uri", "crm://a"}});
  unsub.session = &s;
  h.run(unsub);
  EXPECT_TRUE(s.subscriptions.empty());

  // Without a session there is nothing to remember a subscription in.
  auto orphan = legacy_call("resources/subscribe", {{"uri", "crm://a"}});
  EXPECT_EQ(h.run(orphan).kind, outcome_kind::not_found);
}

TEST(dispatcher, principal_slot_reaches_the_handler) {
  harness h;
  std::string seen;
  h.tool("whoami").handle([&](const args&, context& ctx) {
    auto* p = ctx.caller();
    seen = p ? p->subject + ":" + (p->has_scope("crm:read") ? "read" : "-") + ":" + std::to_string(p->scopes.size())
             : "anonymous";
    return tool_result::text(seen);
  });
  h.start();
  auto c = modern_call("tools/call", {{"name", "whoami"}});
  c.who = std::make_shared<const principal>(
      principal{"user-7", "client-a", {"crm:read", "crm:write"}, {"crm:write"}, "production", {}, {}});
  h.run(c);
  EXPECT_EQ(seen, "user-7:read:2");

  auto anon = modern_call("tools/call", {{"name", "whoami"}});
  h.run(anon);
  EXPECT_EQ(seen, "anonymous");
}

TEST(dispatcher, progress_and_log_notifications_go_to_the_outbound) {
  harness h;
  h.tool("slow").handle([](const args&, context& ctx) {
    ctx.progress(50, 100, "half");
    ctx.log(log_level::debug, "too chatty");  // below the client's level: dropped
    ctx.log(log_level::error, "disk full", "storage");
    ctx.progress(1e20);          // beyond int64: must stay a double (the cast was undefined behaviour)
    ctx.progress(std::nan(""));  // JSON has no NaN: not sent
    ctx.progress(3, std::numeric_limits<double>::infinity());  // sent without the total
    return tool_result::text("done");
  });
  h.start();
  auto meta = modern_meta();
  meta["progressToken"] = "p-1";
  meta["io.modelcontextprotocol/logLevel"] = "info";
  auto c = modern_call("tools/call", {{"name", "slow"}, {"_meta", meta}});
  h.run(c);
  auto notes = h.out.notes();
  ASSERT_EQ(notes.size(), 4u);
  EXPECT_EQ(str(notes[0].at("method")), "notifications/progress");
  // Whole numbers go out as integers.
  EXPECT_EQ(notes[0].at("params"),
            (json::value{{"progressToken", "p-1"}, {"progress", 50}, {"total", 100}, {"message", "half"}}));
  EXPECT_EQ(str(notes[1].at("method")), "notifications/message");
  EXPECT_EQ(notes[1].at("params"), (json::value{{"level", "error"}, {"logger", "storage"}, {"data", "disk full"}}));
  EXPECT_EQ(notes[2].at("params").at("progress"), json::value(1e20));
  EXPECT_EQ(notes[3].at("params"), (json::value{{"progressToken", "p-1"}, {"progress", 3}}));
}
