#pragma once
// The conformance fixture: the tools, resources and prompts the official MCP conformance
// suite exercises, written against the public mcpx API only. It doubles as the example
// program for the library.
#include <mcpx/server.hpp>

namespace fixture {

void add_content_tools(mcpx::server& s);
void add_input_tools(mcpx::server& s);  // sampling, elicitation, roots (both eras)
void add_resources(mcpx::server& s);
void add_prompts(mcpx::server& s);
void add_task_tools(mcpx::server& s);  // io.modelcontextprotocol/tasks

/// The string argument `k`, or `fallback` when absent or not a string.
inline std::string str_arg(const mcpx::args& a, const char* k, const char* fallback = "") {
  auto* v = a.if_contains(k);
  return v && v->is_string() ? std::string(v->get_string()) : std::string(fallback);
}

inline constexpr const char* image_png_base64 =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
inline constexpr const char* audio_wav_base64 = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

}  // namespace fixture
