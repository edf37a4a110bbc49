#pragma once
/// @file Content blocks and results that handlers return. Plain values: build anywhere.
#include <boost/json.hpp>
#include <string>
#include <string_view>

namespace mcpx {

namespace json = boost::json;

/// Content blocks (MCP ContentBlock), as JSON objects ready for the wire.
namespace content {
json::object text(std::string_view text);
json::object image(std::string_view base64_data, std::string_view mime_type);
json::object audio(std::string_view base64_data, std::string_view mime_type);
/// An embedded text resource.
json::object resource_text(std::string_view uri, std::string_view mime_type, std::string_view text);
/// An embedded binary resource (base64 blob).
json::object resource_blob(std::string_view uri, std::string_view mime_type, std::string_view base64_blob);
json::object resource_link(std::string_view uri, std::string_view name, std::string_view mime_type = {});
}  // namespace content

/// What a tool handler returns on success (errors are thrown, see errors.hpp).
struct tool_result {
  json::array content;
  json::value structured = nullptr;  ///< structuredContent; validated against the tool's output schema
  bool is_error = false;
  json::object meta;

  static tool_result text(std::string_view s) {
    tool_result r;
    r.content.push_back(content::text(s));
    return r;
  }
  tool_result& add(json::object block) {
    content.push_back(std::move(block));
    return *this;
  }
};

/// What a resource reader returns: one or more text or blob contents.
struct resource_contents {
  json::array contents;
  resource_contents& text(std::string_view uri, std::string_view mime_type, std::string_view text);
  resource_contents& blob(std::string_view uri, std::string_view mime_type, std::string_view base64_blob);
};

/// What a prompt handler returns.
struct prompt_result {
  std::string description;
  json::array messages;
  prompt_result& message(std::string_view role, json::object content_block);
};

}  // namespace mcpx
