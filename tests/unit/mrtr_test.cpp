// Asking the client for input from a handler. 2026-07-28: multi round-trip requests (an
// input_required result with a signed requestState, then a retry carrying the answers).
// 2025-11-25: a server-to-client request through outbound::call_client, answered in one round.
#include <gtest/gtest.h>

#include "fakes.hpp"
#include "mcpx/errors.hpp"
#include "protocol/request_state.hpp"
#include "util/base64.hpp"

using namespace mcpx;
using namespace mcpx::test;
using protocol::outcome_kind;

namespace {

json::object elicitation_caps() { return json::object{{"elicitation", json::object{}}}; }

json::object date_question() {
  return json::object{{"message", "Which date?"},
                      {"requestedSchema", {{"type", "object"}, {"properties", {{"date", {{"type", "string"}}}}}}}};
}

json::object accepted(std::string_view date) {
  return json::object{{"action", "accept"}, {"content", {{"date", date}}}};
}

// A tool that asks for a date and books it; `seen` gets the answer the handler saw.
void add_booking_tool(harness& h, json::value& seen) {
  h.tool("book")
      .input_schema(json::object{{"type", "object"}, {"properties", {{"room", {{"type", "string"}}}}}})
      .handle([&seen](const args& a, context& ctx) {
        seen = ctx.elicit(date_question());
        return tool_result::text("booked " + str(a.at("room")) + " on " + str(seen.at("content").at("date")));
      });
}

json::object retry_params(std::string_view room, std::string_view state, json::object responses) {
  return json::object{{"name", "book"},
                      {"arguments", {{"room", room}}},
                      {"requestState", state},
                      {"inputResponses", std::move(responses)}};
}

// The requestState of an input_required outcome.
std::string state_of(const protocol::outcome& o) { return str(result_of(o).at("requestState")); }

}  // namespace

TEST(mrtr, first_round_asks_for_input_with_a_request_state) {
  harness h;
  json::value seen;
  add_booking_tool(h, seen);
  h.start();
  auto c = modern_call("tools/call", {{"name", "book"}, {"arguments", {{"room", "A"}}}}, elicitation_caps());
  auto o = h.run(c);
  ASSERT_EQ(o.kind, outcome_kind::ok);
  const auto& r = result_of(o);
  EXPECT_EQ(str(r.at("resultType")), "input_required");
  EXPECT_EQ(r.at("inputRequests"),
            (json::value{{"input_1", {{"method", "elicitation/create"}, {"params", date_question()}}}}));
  // payload.signature, both base64url.
  auto st = state_of(o);
  EXPECT_NE(st.find('.'), std::string::npos);
  EXPECT_TRUE(util::base64url_decode(st.substr(0, st.find('.'))));
  EXPECT_TRUE(seen.is_null());  // the handler never got past the question
  // Nothing goes to the client out of band on 2026-07-28.
  EXPECT_TRUE(h.out.calls().empty());
}

TEST(mrtr, retry_with_the_answer_and_its_state_completes) {
  harness h;
  json::value seen;
  add_booking_tool(h, seen);
  h.start();
  auto first = modern_call("tools/call", {{"name", "book"}, {"arguments", {{"room", "A"}}}}, elicitation_caps());
  auto st = state_of(h.run(first));
  auto retry = modern_call("tools/call", retry_params("A", st, {{"input_1", accepted("2026-08-01")}}),
                           elicitation_caps());
  auto o = h.run(retry);
  ASSERT_EQ(o.kind, outcome_kind::ok);
  EXPECT_EQ(str(result_of(o).at("resultType")), "complete");
  EXPECT_EQ(str(result_of(o).at("content").at(0).at("text")), "booked A on 2026-08-01");
  EXPECT_EQ(seen, accepted("2026-08-01"));
}

TEST(mrtr, tampered_request_state_is_invalid) {
  harness h;
  json::value seen;
  add_booking_tool(h, seen);
  h.start();
  auto first = modern_call("tools/call", {{"name", "book"}, {"arguments", {{"room", "A"}}}}, elicitation_caps());
  auto st = state_of(h.run(first));
  // Rewrite the payload (as a client forging earlier answers would) and keep the signature.
  auto dot = st.find('.');
  auto payload = json::parse(*util::base64url_decode(st.substr(0, dot))).as_object();
  payload["a"] = json::object{{"input_1", accepted("1999-01-01")}};
  auto forged = util::base64url_encode(json::serialize(payload)) + st.substr(dot);
  auto retry = modern_call("tools/call", retry_params("A", forged, {}), elicitation_caps());
  auto o = h.run(retry);
  EXPECT_EQ(o.kind, outcome_kind::invalid);
  EXPECT_EQ(error_code(o), jsonrpc::code::invalid_params);
  EXPECT_NE(str(error_of(o).at("message")).find("integrity"), std::string::npos);
  EXPECT_TRUE(seen.is_null());
}

TEST(mrtr, request_state_bound_to_other_arguments_is_invalid) {
  harness h;
  json::value seen;
  add_booking_tool(h, seen);
  h.start();
  auto first = modern_call("tools/call", {{"name", "book"}, {"arguments", {{"room", "A"}}}}, elicitation_caps());
  auto st = state_of(h.run(first));
  // Replaying room A's state on a call for room B must not carry A's answers over.
  auto other = modern_call("tools/call", retry_params("B", st, {{"input_1", accepted("2026-08-01")}}),
                           elicitation_caps());
  auto o = h.run(other);
  EXPECT_EQ(o.kind, outcome_kind::invalid);
  EXPECT_NE(str(error_of(o).at("message")).find("different request"), std::string::npos);
  EXPECT_TRUE(seen.is_null());
}

namespace {

principal_ptr caller(std::string subject, std::string client_id) {
  return std::make_shared<const principal>(principal{std::move(subject), std::move(client_id), {}, {}, {}, {}, {}});
}

// A call for room A whose _meta declares the client named `client_name`.
protocol::call room_a_call(std::string_view client_name, std::string_view state = {}) {
  json::object params{{"name", "book"}, {"arguments", {{"room", "A"}}}};
  if (!state.empty()) {
    params = retry_params("A", state, {{"input_1", accepted("2026-08-01")}});
  }
  auto meta = modern_meta(elicitation_caps());
  meta["io.modelcontextprotocol/clientInfo"] = json::object{{"name", client_name}, {"version", "1"}};
  params["_meta"] = std::move(meta);
  return modern_call("tools/call", std::move(params));
}

// Runs `retry` and tells whether the state it carries was refused as another client's.
bool refused_as_another_clients(harness& h, protocol::call& retry) {
  auto o = h.run(retry);
  if (o.kind != outcome_kind::invalid) return false;
  EXPECT_EQ(error_code(o), jsonrpc::code::invalid_params);
  return str(error_of(o).at("message")).find("requestState belongs to a different client") != std::string::npos;
}

}  // namespace

// A requestState is bound to who received it, not only to the request: anyone else who obtains
// it (a log, a proxy, another tenant) cannot replay its answers until it expires.
TEST(mrtr, request_state_sealed_for_one_principal_is_invalid_for_another) {
  harness h;
  json::value seen;
  add_booking_tool(h, seen);
  h.start();
  auto first = room_a_call("app");
  first.who = caller("alice", "app-client");
  auto st = state_of(h.run(first));
  for (auto other : {caller("bob", "app-client"), caller("alice", "other-client"), principal_ptr()}) {
    auto replay = room_a_call("app", st);
    replay.who = other;
    EXPECT_TRUE(refused_as_another_clients(h, replay))
        << (other ? other->subject + "/" + other->client_id : "anonymous");
  }
  EXPECT_TRUE(seen.is_null());
  auto same = room_a_call("app", st);
  same.who = caller("alice", "app-client");
  auto o = h.run(same);
  ASSERT_EQ(o.kind, outcome_kind::ok) << json::serialize(o.message);
  EXPECT_EQ(str(result_of(o).at("content").at(0).at("text")), "booked A on 2026-08-01");
}

TEST(mrtr, request_state_is_bound_to_the_declared_client_name) {
  harness h;
  json::value seen;
  add_booking_tool(h, seen);
  h.start();
  // Without authentication the client's declared name is all there is to bind to.
  auto first = room_a_call("app");
  auto st = state_of(h.run(first));
  auto other = room_a_call("another-app", st);
  EXPECT_TRUE(refused_as_another_clients(h, other));
  auto same = room_a_call("app", st);
  EXPECT_EQ(h.run(same).kind, outcome_kind::ok);
  // A principal presenting an anonymous caller's state is another client too.
  auto with_principal = room_a_call("app", st);
  with_principal.who = caller("alice", "app-client");
  EXPECT_TRUE(refused_as_another_clients(h, with_principal));
}

TEST(mrtr, expired_request_state_is_invalid) {
  harness h;
  json::value seen;
  add_booking_tool(h, seen);
  // Expiry has a one-second resolution; a negative lifetime seals states that are already past
  // it, so the test needs no sleep.
  protocol::dispatcher_config cfg;
  cfg.request_state_ttl = std::chrono::seconds(-1);
  h.start(cfg);
  auto first = modern_call("tools/call", {{"name", "book"}, {"arguments", {{"room", "A"}}}}, elicitation_caps());
  auto st = state_of(h.run(first));
  auto retry = modern_call("tools/call", retry_params("A", st, {{"input_1", accepted("2026-08-01")}}),
                           elicitation_caps());
  auto o = h.run(retry);
  EXPECT_EQ(o.kind, outcome_kind::invalid);
  EXPECT_NE(str(error_of(o).at("message")).find("expired"), std::string::npos);
}

TEST(mrtr, handler_state_and_earlier_answers_survive_rounds) {
  harness h;
  std::int64_t runs_seen = 0;
  std::string summary;
  h.tool("wizard").handle([&](const args&, context& ctx) {
    // Code before a question runs again each round; state() is how it knows.
    auto& st = ctx.state();
    if (st.is_null()) st = json::object{{"runs", 0}};
    runs_seen = st.as_object()["runs"].as_int64() + 1;
    st.as_object()["runs"] = runs_seen;
    auto name = ctx.elicit({{"message", "Name?"}});
    auto city = ctx.elicit({{"message", "City?"}});
    summary = str(name.at("content").at("v")) + "@" + str(city.at("content").at("v"));
    return tool_result::text(summary);
  });
  h.start();
  auto answer = [](std::string_view v) { return json::object{{"action", "accept"}, {"content", {{"v", v}}}}; };
  auto r1 = modern_call("tools/call", {{"name", "wizard"}}, elicitation_caps());
  auto o1 = h.run(r1);
  EXPECT_EQ(runs_seen, 1);
  EXPECT_TRUE(result_of(o1).at("inputRequests").as_object().contains("input_1"));

  auto r2 = modern_call(
      "tools/call",
      {{"name", "wizard"}, {"requestState", state_of(o1)}, {"inputResponses", {{"input_1", answer("Ada")}}}},
      elicitation_caps());
  auto o2 = h.run(r2);
  EXPECT_EQ(runs_seen, 2);
  ASSERT_EQ(str(result_of(o2).at("resultType")), "input_required");
  EXPECT_EQ(result_of(o2).at("inputRequests").as_object().size(), 1u);
  EXPECT_TRUE(result_of(o2).at("inputRequests").as_object().contains("input_2"));

  // The third round sends only the new answer: the first comes back from the signed state.
  auto r3 = modern_call(
      "tools/call",
      {{"name", "wizard"}, {"requestState", state_of(o2)}, {"inputResponses", {{"input_2", answer("Oslo")}}}},
      elicitation_caps());
  auto o3 = h.run(r3);
  ASSERT_EQ(o3.kind, outcome_kind::ok);
  EXPECT_EQ(str(result_of(o3).at("resultType")), "complete");
  EXPECT_EQ(runs_seen, 3);
  EXPECT_EQ(summary, "Ada@Oslo");
}

TEST(mrtr, malformed_answer_is_invalid_before_the_handler_sees_it) {
  harness h;
  json::value seen;
  add_booking_tool(h, seen);
  h.start();
  auto first = modern_call("tools/call", {{"name", "book"}, {"arguments", {{"room", "A"}}}}, elicitation_caps());
  auto st = state_of(h.run(first));
  // An ElicitResult needs a string "action".
  auto retry = modern_call("tools/call", retry_params("A", st, {{"input_1", {{"content", {{"date", "x"}}}}}}),
                           elicitation_caps());
  auto o = h.run(retry);
  EXPECT_EQ(o.kind, outcome_kind::invalid);
  EXPECT_NE(str(error_of(o).at("message")).find("inputResponses.input_1"), std::string::npos);
  EXPECT_TRUE(seen.is_null());
}

TEST(mrtr, legacy_elicit_asks_the_client_and_completes_in_one_round) {
  harness h;
  json::value seen;
  add_booking_tool(h, seen);
  h.start();
  h.out.answer("elicitation/create", accepted("2026-09-09"));
  auto c = legacy_call("tools/call", {{"name", "book"}, {"arguments", {{"room", "C"}}}}, elicitation_caps());
  auto o = h.run(c);
  ASSERT_EQ(o.kind, outcome_kind::ok);
  EXPECT_EQ(str(result_of(o).at("content").at(0).at("text")), "booked C on 2026-09-09");
  EXPECT_FALSE(result_of(o).contains("resultType"));
  auto calls = h.out.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].method, "elicitation/create");
  EXPECT_EQ(calls[0].params, date_question());
}

TEST(mrtr, legacy_client_that_does_not_answer_gives_a_client_error_result) {
  harness h;
  json::value seen;
  add_booking_tool(h, seen);
  h.start();  // nothing scripted: call_client fails as on a timeout
  auto c = legacy_call("tools/call", {{"name", "book"}, {"arguments", {{"room", "C"}}}}, elicitation_caps());
  auto o = h.run(c);
  ASSERT_EQ(o.kind, outcome_kind::ok);
  EXPECT_EQ(str(tool_error_of(o).at("code")), "CLIENT_REQUEST_FAILED");
  EXPECT_NE(str(tool_error_of(o).at("message")).find("no scripted answer"), std::string::npos);
}

TEST(mrtr, client_without_the_elicitation_capability_gets_missing_capability) {
  harness h;
  json::value seen;
  add_booking_tool(h, seen);
  h.start();
  h.out.answer("elicitation/create", accepted("2026-09-09"));
  auto legacy = legacy_call("tools/call", {{"name", "book"}, {"arguments", {{"room", "C"}}}});
  auto modern = modern_call("tools/call", {{"name", "book"}, {"arguments", {{"room", "C"}}}});
  for (auto* c : {&legacy, &modern}) {
    auto o = h.run(*c);
    EXPECT_EQ(o.kind, outcome_kind::invalid);
    EXPECT_EQ(error_code(o), jsonrpc::code::missing_required_client_capability);
    EXPECT_EQ(error_of(o).at("data").at("requiredCapabilities"), (json::value{{"elicitation", json::object{}}}));
  }
  // The client was never asked.
  EXPECT_TRUE(h.out.calls().empty());
  EXPECT_TRUE(seen.is_null());
}

TEST(mrtr, legacy_input_on_the_io_thread_fails_instead_of_blocking) {
  harness h;
  h.tool("quick").run_on(execution::io_thread).handle([](const args&, context& ctx) {
    ctx.elicit({{"message", "?"}});
    return tool_result::text("unreachable");
  });
  h.start();
  h.out.answer("elicitation/create", accepted("x"));
  auto c = legacy_call("tools/call", {{"name", "quick"}}, elicitation_caps());
  c.on_io_thread = true;
  auto o = h.run(c);
  EXPECT_EQ(str(tool_error_of(o).at("code")), "WOULD_BLOCK_IO_THREAD");
  EXPECT_EQ(str(tool_error_of(o).at("type")), "SERVER_ERROR");
  EXPECT_TRUE(h.out.calls().empty());
}

TEST(mrtr, prompts_ask_for_input_across_rounds_too) {
  harness h;
  prompt_builder(&h.reg.add_prompt("letter")).handle([](const json::object&, context& ctx) {
    auto to = ctx.elicit({{"message", "To whom?"}});
    prompt_result p;
    p.message("user", content::text("Dear " + str(to.at("content").at("v"))));
    return p;
  });
  h.start();
  auto first = modern_call("prompts/get", {{"name", "letter"}}, elicitation_caps());
  auto o1 = h.run(first);
  ASSERT_EQ(str(result_of(o1).at("resultType")), "input_required");
  auto retry = modern_call("prompts/get",
                           {{"name", "letter"},
                            {"requestState", state_of(o1)},
                            {"inputResponses", {{"input_1", {{"action", "accept"}, {"content", {{"v", "Bob"}}}}}}}},
                           elicitation_caps());
  auto o2 = h.run(retry);
  ASSERT_EQ(o2.kind, outcome_kind::ok);
  EXPECT_EQ(str(result_of(o2).at("messages").at(0).at("content").at("text")), "Dear Bob");
}
