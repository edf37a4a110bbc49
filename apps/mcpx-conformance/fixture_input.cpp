// Tools that need input from the client: sampling, elicitation, roots. Written once with
// context::input(); 2025-xx clients get server-to-client requests, 2026-07-28 clients get
// input_required results (multi round-trip requests).
#include <thread>

#include "fixture.hpp"

namespace fixture {

namespace json = boost::json;
using mcpx::args;
using mcpx::context;
using mcpx::tool_result;

namespace {

std::string describe_elicit(const json::value& r, const char* prefix) {
  std::string action = "unknown";
  json::value content = json::object{};
  if (r.is_object()) {
    if (auto* a = r.get_object().if_contains("action"); a && a->is_string()) action = a->get_string();
    if (auto* c = r.get_object().if_contains("content"); c && !c->is_null()) content = *c;
  }
  return std::string(prefix) + "action=" + action + ", content=" + json::serialize(content);
}

json::value string_schema_object(const char* prop, const char* description) {
  return json::object{{"type", "object"},
                      {"properties",
                       json::object{{prop, json::object{{"type", "string"}, {"description", description}}}}},
                      {"required", json::array{prop}}};
}

json::object elicit_params(const char* message, const char* prop, const char* type) {
  return {{"message", message},
          {"requestedSchema", json::object{{"type", "object"},
                                           {"properties", json::object{{prop, json::object{{"type", type}}}}},
                                           {"required", json::array{prop}}}}};
}

json::object sampling_params(const char* text, int max_tokens) {
  return {{"messages",
           json::array{json::object{{"role", "user"}, {"content", json::object{{"type", "text"}, {"text", text}}}}}},
          {"maxTokens", max_tokens}};
}

// The accepted elicitation's content[field], or "unknown".
std::string answer_field(const json::value& r, const char* field) {
  if (auto* o = r.if_object())
    if (auto* c = o->if_contains("content"); c && c->is_object())
      if (auto* v = c->get_object().if_contains(field); v && v->is_string()) return std::string(v->get_string());
  return "unknown";
}

std::string sampled_text(const json::value& r) {
  if (auto* o = r.if_object())
    if (auto* c = o->if_contains("content"); c && c->is_object())
      if (auto* t = c->get_object().if_contains("text"); t && t->is_string()) return std::string(t->get_string());
  return "No response";
}

std::size_t root_count(const json::value& r) {
  if (auto* o = r.if_object())
    if (auto* roots = o->if_contains("roots"); roots && roots->is_array()) return roots->get_array().size();
  return 0;
}

void add_mrtr_tools(mcpx::server& s) {
  using mcpx::input_request;
  s.tool("test_input_required_result_elicitation")
      .description("MRTR: asks for the user's name through an input_required result")
      .handle([](const args&, context& ctx) {
        auto r = ctx.input("user_name", input_request::elicit(elicit_params("What is your name?", "name", "string")));
        return tool_result::text("Hello, " + answer_field(r, "name") + "!");
      });
  s.tool("test_input_required_result_sampling")
      .description("MRTR: asks the client's LLM a question")
      .handle([](const args&, context& ctx) {
        auto r = ctx.input("sample_request",
                           input_request::sample(sampling_params("What is the capital of France?", 100)));
        return tool_result::text("Sampling result: " + sampled_text(r));
      });
  s.tool("test_input_required_result_list_roots")
      .description("MRTR: asks for the client's roots")
      .handle([](const args&, context& ctx) {
        auto r = ctx.input("client_roots", input_request::list_roots());
        return tool_result::text("Found " + std::to_string(root_count(r)) + " root(s)");
      });
  s.tool("test_input_required_result_request_state")
      .description("MRTR: returns InputRequiredResult with requestState")
      .handle([](const args&, context& ctx) {
        ctx.input("confirm", input_request::elicit(elicit_params("Please confirm", "ok", "boolean")));
        return tool_result::text("state-ok: requestState validated");
      });
  s.tool("test_input_required_result_multiple_inputs")
      .description("MRTR: asks for several inputs at once")
      .handle([](const args&, context& ctx) {
        auto answers = ctx.input({{"user_name",
                                   input_request::elicit(elicit_params("What is your name?", "name", "string"))},
                                  {"greeting", input_request::sample(sampling_params("Generate a greeting", 50))},
                                  {"client_roots", input_request::list_roots()}});
        return tool_result::text("Name: " + answer_field(answers["user_name"], "name") +
                                 "; Greeting: " + sampled_text(answers["greeting"]) +
                                 "; Roots: " + std::to_string(root_count(answers["client_roots"])));
      });
  s.tool("test_input_required_result_multi_round")
      .description("MRTR: asks in two rounds")
      .handle([](const args&, context& ctx) {
        auto name = answer_field(
            ctx.input("step1", input_request::elicit(elicit_params("Step 1: What is your name?", "name", "string"))),
            "name");
        auto color = answer_field(ctx.input("step2", input_request::elicit(elicit_params(
                                                         "Step 2: What is your favorite color?", "color", "string"))),
                                  "color");
        return tool_result::text("Multi-round complete for " + name + " who likes " + color);
      });
  s.tool("test_input_required_result_tampered_state")
      .description("MRTR: HMAC-signed requestState integrity test")
      .handle([](const args&, context& ctx) {
        ctx.input("confirm", input_request::elicit(elicit_params("Please confirm", "ok", "boolean")));
        return tool_result::text("integrity-ok: state verified");
      });
  s.tool("test_input_required_result_capabilities")
      .description("MRTR: respects client capabilities in inputRequests")
      .handle([](const args&, context& ctx) {
        const auto& caps = ctx.client_capabilities();
        if (caps.contains("elicitation"))
          ctx.input("user_input", input_request::elicit(elicit_params("Please provide input", "value", "string")));
        else if (caps.contains("sampling"))
          ctx.input("sample_input", input_request::sample(sampling_params("Sample request", 50)));
        else if (caps.contains("roots")) ctx.input("client_roots", input_request::list_roots());
        return tool_result::text("Capabilities respected");
      });
  s.prompt("test_input_required_result_prompt")
      .description("MRTR: a prompt that asks for context first")
      .handle([](const json::object&, context& ctx) {
        auto r = ctx.input("user_context", input_request::elicit(elicit_params("What context should the prompt use?",
                                                                               "context", "string")));
        return mcpx::prompt_result{}.message("user",
                                             mcpx::content::text("Prompt with context: " + answer_field(r, "context")));
      });
}

void add_diagnostic_tools(mcpx::server& s) {
  s.tool("test_missing_capability")
      .description("Needs the client's sampling capability")
      .requires_capability("sampling")
      .handle([](const args&, context&) { return tool_result::text("Success"); });
  s.tool("test_streaming_elicitation")
      .description("Streams progress, then answers; never sends requests on the stream")
      .handle([](const args&, context& ctx) {
        ctx.progress(1, 1, "working");
        return tool_result::text("Streaming complete");
      });
  s.tool("test_logging_tool")
      .description("Logs at info level; nothing is sent unless the request asks for a log level")
      .handle([](const args&, context& ctx) {
        ctx.log(mcpx::log_level::info, "Logging tool evaluated");
        return tool_result::text("Logging evaluated");
      });
  s.tool("test_trigger_tool_change")
      .description("Announces a tools list change to listening clients")
      .handle([&s](const args&, context&) {
        s.notify_list_changed(mcpx::server::list::tools);
        return tool_result::text("Mutation triggered");
      });
  s.tool("test_trigger_prompt_change")
      .description("Announces a prompts list change to listening clients")
      .handle([&s](const args&, context&) {
        s.notify_list_changed(mcpx::server::list::prompts);
        return tool_result::text("Mutation triggered");
      });
  s.tool("test_reconnection")
      .description(
          "Tests SSE stream disconnection and client reconnection (SEP-1699): the server closes the "
          "stream mid-call and the result arrives after the client reconnects")
      .handle([](const args&, context& ctx) {
        ctx.release_connection(std::chrono::milliseconds(100));
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        return tool_result::text(
            "Reconnection test completed successfully. If you received this, the client properly reconnected after "
            "stream closure.");
      });
  s.tool("test_custom_header")
      .description("Echoes a region mirrored into the Mcp-Param-Region header (x-mcp-header)")
      .input_schema(json::parse(
          R"JSON({"type":"object","properties":{"region":{"type":"string","x-mcp-header":"Region"}},"required":["region"]})JSON"))
      .handle([](const args& a, context&) { return tool_result::text("Region: " + str_arg(a, "region")); });
}

}  // namespace

void add_input_tools(mcpx::server& s) {
  add_mrtr_tools(s);
  add_diagnostic_tools(s);
  s.tool("test_sampling")
      .description("Tests server-initiated sampling (LLM completion request)")
      .input_schema(json::parse(
          R"JSON({"type":"object","properties":{"prompt":{"type":"string","description":"The prompt to send to the LLM"}},"required":["prompt"]})JSON"))
      .handle([](const args& a, context& ctx) {
        json::object params{
            {"messages",
             json::array{json::object{{"role", "user"},
                                      {"content", json::object{{"type", "text"}, {"text", str_arg(a, "prompt")}}}}}},
            {"maxTokens", 100}};
        json::value r = ctx.sample(std::move(params));
        std::string text = "No response";
        if (r.is_object())
          if (auto* c = r.get_object().if_contains("content"); c && c->is_object())
            if (auto* t = c->get_object().if_contains("text"); t && t->is_string()) text = t->get_string();
        return tool_result::text("LLM response: " + text);
      });
  s.tool("test_elicitation")
      .description("Tests server-initiated elicitation (user input request)")
      .input_schema(json::parse(
          R"JSON({"type":"object","properties":{"message":{"type":"string","description":"The message to show the user"}},"required":["message"]})JSON"))
      .handle([](const args& a, context& ctx) {
        json::object params{{"message", str_arg(a, "message")},
                            {"requestedSchema", string_schema_object("response", "User's response")}};
        return tool_result::text(describe_elicit(ctx.elicit(std::move(params)), "User response: "));
      });
  s.tool("test_elicitation_sep1034_defaults")
      .description("Tests elicitation with default values per SEP-1034")
      .handle([](const args&, context& ctx) {
        json::object params{{"message", "Please review and update the form fields with defaults"},
                            {"requestedSchema", json::parse(R"JSON({"type":"object","properties":{
              "name":{"type":"string","description":"User name","default":"John Doe"},
              "age":{"type":"integer","description":"User age","default":30},
              "score":{"type":"number","description":"User score","default":95.5},
              "status":{"type":"string","description":"User status","enum":["active","inactive","pending"],"default":"active"},
              "verified":{"type":"boolean","description":"Verification status","default":true}},"required":[]})JSON")}};
        return tool_result::text(describe_elicit(ctx.elicit(std::move(params)), "Elicitation completed: "));
      });
  s.tool("test_elicitation_sep1330_enums")
      .description("Tests elicitation with enum schema improvements per SEP-1330")
      .handle([](const args&, context& ctx) {
        json::object params{{"message", "Please select options from the enum fields"},
                            {"requestedSchema", json::parse(R"JSON({"type":"object","properties":{
              "untitledSingle":{"type":"string","description":"Select one option","enum":["option1","option2","option3"]},
              "titledSingle":{"type":"string","description":"Select one option with titles","oneOf":[
                {"const":"value1","title":"First Option"},{"const":"value2","title":"Second Option"},{"const":"value3","title":"Third Option"}]},
              "legacyEnum":{"type":"string","description":"Select one option (legacy)","enum":["opt1","opt2","opt3"],
                "enumNames":["Option One","Option Two","Option Three"]},
              "untitledMulti":{"type":"array","description":"Select multiple options","minItems":1,"maxItems":3,
                "items":{"type":"string","enum":["option1","option2","option3"]}},
              "titledMulti":{"type":"array","description":"Select multiple options with titles","minItems":1,"maxItems":3,
                "items":{"anyOf":[{"const":"value1","title":"First Choice"},{"const":"value2","title":"Second Choice"},
                  {"const":"value3","title":"Third Choice"}]}}},"required":[]})JSON")}};
        return tool_result::text(describe_elicit(ctx.elicit(std::move(params)), "Elicitation completed: "));
      });
}

}  // namespace fixture
