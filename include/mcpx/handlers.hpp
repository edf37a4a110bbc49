#pragma once
/// @file The handler signatures a server registers: tools, resources, prompts, completions.
/// Handlers run on a worker thread unless registered otherwise (mcpx/execution.hpp).
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "mcpx/content.hpp"
#include "mcpx/context.hpp"

namespace mcpx {

/// Arguments of a tool call, already validated against the tool's input schema.
using args = json::object;
using tool_handler = std::function<tool_result(const args&, context&)>;
/// Reads a resource; for templates `vars` holds the matched template variables.
using resource_handler = std::function<resource_contents(std::string_view uri, const json::object& vars, context&)>;
using prompt_handler = std::function<prompt_result(const json::object& arguments, context&)>;
/// Suggests completions for one argument: given the partial value and the other arguments.
using completion_handler =
    std::function<std::vector<std::string>(std::string_view value, const json::object& context_arguments)>;

}  // namespace mcpx
