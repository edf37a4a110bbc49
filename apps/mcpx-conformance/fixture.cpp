#include "fixture.hpp"

#include <thread>

namespace fixture {

namespace json = boost::json;
using mcpx::args;
using mcpx::context;
using mcpx::tool_result;
namespace content = mcpx::content;

void add_content_tools(mcpx::server& s) {
  // Cheap and never blocking: answered on the I/O thread, without the worker-pool hop. The
  // benchmark's tools/call target (docs/performance.md).
  s.tool("echo")
      .description("Echoes its text argument")
      .input_schema(json::parse(R"({"type":"object","properties":{"text":{"type":"string"}}})"))
      .annotations({{"readOnlyHint", true}})
      .run_on(mcpx::execution::io_thread)
      .handle([](const args& a, context&) { return tool_result::text(str_arg(a, "text")); });
  s.tool("test_simple_text").description("Tests simple text content response").handle([](const args&, context&) {
    return tool_result::text("This is a simple text response for testing.");
  });
  s.tool("test_image_content").description("Tests image content response").handle([](const args&, context&) {
    tool_result r;
    r.add(content::image(image_png_base64, "image/png"));
    return r;
  });
  s.tool("test_audio_content").description("Tests audio content response").handle([](const args&, context&) {
    tool_result r;
    r.add(content::audio(audio_wav_base64, "audio/wav"));
    return r;
  });
  s.tool("test_embedded_resource")
      .description("Tests embedded resource content response")
      .handle([](const args&, context&) {
        tool_result r;
        r.add(content::resource_text("test://embedded-resource", "text/plain",
                                     "This is an embedded resource content."));
        return r;
      });
  s.tool("test_multiple_content_types")
      .description("Tests response with multiple content types (text, image, resource)")
      .handle([](const args&, context&) {
        tool_result r;
        r.add(content::text("Multiple content types test:"));
        r.add(content::image(image_png_base64, "image/png"));
        r.add(content::resource_text("test://mixed-content-resource", "application/json",
                                     json::serialize(json::object{{"test", "data"}, {"value", 123}})));
        return r;
      });
  s.tool("test_tool_with_logging")
      .description("Tests tool that emits log messages during execution")
      .handle([](const args&, context& ctx) {
        using std::chrono_literals::operator""ms;
        ctx.log(mcpx::log_level::info, "Tool execution started");
        std::this_thread::sleep_for(50ms);
        ctx.log(mcpx::log_level::info, "Tool processing data");
        std::this_thread::sleep_for(50ms);
        ctx.log(mcpx::log_level::info, "Tool execution completed");
        return tool_result::text("Tool with logging executed successfully");
      });
  s.tool("test_tool_with_progress")
      .description("Tests tool that reports progress notifications")
      .handle([](const args&, context& ctx) {
        using std::chrono_literals::operator""ms;
        for (int p : {0, 50, 100}) {
          ctx.progress(p, 100, "Completed step " + std::to_string(p) + " of 100");
          if (p != 100) std::this_thread::sleep_for(50ms);
        }
        auto* token = ctx.meta().if_contains("progressToken");
        std::string t = !token ? "0" : token->is_string() ? std::string(token->get_string()) : json::serialize(*token);
        return tool_result::text(t);
      });
  s.tool("test_error_handling")
      .description("Tests error response handling")
      .handle([](const args&, context&) -> tool_result {
        throw mcpx::server_error("This tool intentionally returns an error for testing", "INTENTIONAL_ERROR");
      });
  s.tool("json_schema_2020_12_tool")
      .description("Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613)")
      .input_schema(json::parse(R"({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "$defs": {"address": {"$anchor": "addressDef", "type": "object",
                              "properties": {"street": {"type": "string"}, "city": {"type": "string"}}}},
        "properties": {
          "name": {"type": "string"},
          "address": {"$ref": "#/$defs/address"},
          "contactMethod": {"type": "string", "enum": ["phone", "email"]},
          "phone": {"type": "string"},
          "email": {"type": "string"}
        },
        "allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
        "if": {"properties": {"contactMethod": {"const": "phone"}}, "required": ["contactMethod"]},
        "then": {"required": ["phone"]},
        "else": {"required": ["email"]},
        "additionalProperties": false
      })"))
      .handle([](const args& a, context&) {
        return tool_result::text("JSON Schema 2020-12 tool called with: " + json::serialize(a));
      });
}

void add_resources(mcpx::server& s) {
  s.resource("test://static-text", "static-text")
      .title("Static Text Resource")
      .description("A static text resource for testing")
      .mime_type("text/plain")
      .handle([](std::string_view uri, const json::object&, context&) {
        return mcpx::resource_contents{}.text(uri, "text/plain", "This is the content of the static text resource.");
      });
  s.resource("test://static-binary", "static-binary")
      .title("Static Binary Resource")
      .description("A static binary resource (image) for testing")
      .mime_type("image/png")
      .handle([](std::string_view uri, const json::object&, context&) {
        return mcpx::resource_contents{}.blob(uri, "image/png", image_png_base64);
      });
  s.resource("test://watched-resource", "watched-resource")
      .title("Watched Resource")
      .description("A resource that auto-updates every 3 seconds")
      .mime_type("text/plain")
      .handle([](std::string_view uri, const json::object&, context&) {
        return mcpx::resource_contents{}.text(uri, "text/plain", "Watched resource content");
      });
  s.resource_template("test://template/{id}/data", "template")
      .title("Resource Template")
      .description("A resource template with parameter substitution")
      .mime_type("application/json")
      .handle([](std::string_view uri, const json::object& vars, context&) {
        json::object body{{"id", vars.at("id")},
                          {"templateTest", true},
                          {"data", "Data for ID: " + std::string(vars.at("id").as_string())}};
        return mcpx::resource_contents{}.text(uri, "application/json", json::serialize(body));
      });
}

void add_prompts(mcpx::server& s) {
  using mcpx::prompt_result;
  s.prompt("test_simple_prompt")
      .title("Simple Test Prompt")
      .description("A simple prompt without arguments")
      .handle([](const json::object&, context&) {
        return prompt_result{}.message("user", content::text("This is a simple prompt for testing."));
      });
  s.prompt("test_prompt_with_arguments")
      .title("Prompt With Arguments")
      .description("A prompt with required arguments")
      .argument("arg1", "First test argument", true)
      .argument("arg2", "Second test argument", true)
      .handle([](const json::object& a, context&) {
        auto str = [&](const char* k) {
          auto* v = a.if_contains(k);
          return v && v->is_string() ? std::string(v->get_string()) : std::string();
        };
        return prompt_result{}.message("user", content::text("Prompt with arguments: arg1='" + str("arg1") +
                                                             "', arg2='" + str("arg2") + "'"));
      });
  s.prompt("test_prompt_with_embedded_resource")
      .title("Prompt With Embedded Resource")
      .description("A prompt that includes an embedded resource")
      .argument("resourceUri", "URI of the resource to embed", true)
      .handle([](const json::object& a, context&) {
        auto* u = a.if_contains("resourceUri");
        std::string uri = u && u->is_string() ? std::string(u->get_string()) : "test://static-text";
        return prompt_result{}
            .message("user", content::resource_text(uri, "text/plain", "Embedded resource content for testing."))
            .message("user", content::text("Please process the embedded resource above."));
      });
  s.prompt("test_prompt_with_image")
      .title("Prompt With Image")
      .description("A prompt that includes image content")
      .handle([](const json::object&, context&) {
        return prompt_result{}
            .message("user", content::image(image_png_base64, "image/png"))
            .message("user", content::text("Please analyze the image above."));
      });
}

}  // namespace fixture
