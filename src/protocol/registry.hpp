#pragma once
// What the server offers: tools, resources, templates, prompts. Built before start,
// then frozen and read concurrently without locks.
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mcpx/builders.hpp"
#include "mcpx/options.hpp"
#include "mcpx/schema/validator.hpp"

namespace mcpx::protocol {

struct tool_def {
  std::string name, title, description;
  json::value input_schema = json::object{{"type", "object"}, {"properties", json::object{}}};
  json::value output_schema = nullptr;
  json::object annotations, meta;
  std::vector<std::string> required_capabilities;
  task_mode tasks = task_mode::never;
  execution runs_on = execution::worker_pool;
  access_policy access;
  /// The time limit given in code or config; unset: the server's default (options::tool_timeout).
  std::optional<std::chrono::milliseconds> timeout;
  tool_handler handler;
  std::optional<schema::validator> input_validator, output_validator;
  json::object wire;  // the Tool object as listed, built once at freeze
  /// Arguments mirrored into Mcp-Param-{name} headers (x-mcp-header): name and property path.
  struct header_param {
    std::string name;
    std::vector<std::string> path;
  };
  std::vector<header_param> header_params;
  /// Calls answered TIMEOUT, and those whose handler returned after that (its result dropped).
  /// Counters only: the registry is otherwise read-only once frozen.
  mutable std::atomic<std::uint64_t> timeouts{0}, late_completions{0};
  /// Until when (steady clock, ns) calls go to the workers: a call ran longer than a short one
  /// (transport::worker_config::short_call). Zero: never measured long.
  mutable std::atomic<std::int64_t> on_workers_until{0};
  /// Evidence that its calls run long, raised by long calls and paid down by short ones
  /// (transport::worker_call::note_duration).
  mutable std::atomic<int> long_call_debt{0};
};

struct resource_def {
  std::string uri, name, title, description, mime_type;
  bool is_template = false;
  json::object meta;
  access_policy access;
  resource_handler handler;
  std::map<std::string, completion_handler> completions;
  std::vector<std::string> template_parts;  // literal, var, literal, var, ... (templates only)
  json::object wire;
};

struct prompt_def {
  std::string name, title, description;
  struct arg {
    std::string name, description;
    bool required = false;
  };
  std::vector<arg> arguments;
  std::map<std::string, completion_handler> completions;
  access_policy access;
  prompt_handler handler;
  json::object wire;
};

class registry {
 public:
  tool_def& add_tool(std::string name);
  resource_def& add_resource(std::string uri, std::string name, bool is_template);
  prompt_def& add_prompt(std::string name);

  /// Applies an operator's overrides of declared scopes, cost classes and tool time limits
  /// (before freeze()). Returns an error naming the first tool, resource or prompt that is
  /// not registered, or one given a time limit that is not a tool.
  std::optional<std::string> override_access(const std::map<std::string, access_override>& tools,
                                             const std::map<std::string, access_override>& resources,
                                             const std::map<std::string, access_override>& prompts);

  /// Compiles schemas and builds wire objects; sorts for deterministic listing.
  /// Returns an error message for a bad registration.
  std::optional<std::string> freeze();

  const tool_def* find_tool(std::string_view name) const;
  const prompt_def* find_prompt(std::string_view name) const;
  const resource_def* find_resource(std::string_view uri) const;
  /// The first template matching `uri`, with its variables.
  const resource_def* match_template(std::string_view uri, json::object& vars) const;
  const resource_def* find_template(std::string_view uri_template) const;

  const std::vector<std::unique_ptr<tool_def>>& tools() const { return tools_; }
  const std::vector<std::unique_ptr<resource_def>>& resources() const { return resources_; }
  const std::vector<std::unique_ptr<resource_def>>& templates() const { return templates_; }
  const std::vector<std::unique_ptr<prompt_def>>& prompts() const { return prompts_; }

 private:
  std::vector<std::unique_ptr<tool_def>> tools_;
  std::vector<std::unique_ptr<resource_def>> resources_, templates_;
  std::vector<std::unique_ptr<prompt_def>> prompts_;
  bool frozen_ = false;
};

/// Splits "a/{x}/b" into {"a/", "x", "/b"}; nullopt when braces are unbalanced.
std::optional<std::vector<std::string>> split_template(std::string_view t);
/// Matches `uri` against split template parts; variables match one or more chars except '/'.
bool match_template(const std::vector<std::string>& parts, std::string_view uri, json::object& vars);

}  // namespace mcpx::protocol
