#pragma once
/// @file Builders for what a server offers: tools, resources, prompts. Obtained from
/// mcpx::server (tool(), resource(), ...) before start(); each setter returns the builder.
#include <chrono>
#include <string>
#include <vector>

#include "mcpx/access.hpp"
#include "mcpx/execution.hpp"
#include "mcpx/handlers.hpp"

namespace mcpx {

namespace protocol {
struct tool_def;
struct resource_def;
struct prompt_def;
}  // namespace protocol

class tool_builder {
 public:
  tool_builder& title(std::string t);
  tool_builder& description(std::string d);
  /// JSON Schema (2020-12 unless `$schema` says otherwise). Compiled when the server starts.
  tool_builder& input_schema(json::value schema);
  tool_builder& output_schema(json::value schema);
  /// e.g. {{"readOnlyHint", true}}
  tool_builder& annotations(json::object a);
  tool_builder& meta(json::object m);
  /// A client capability the tool cannot work without (e.g. "sampling"); a client that did
  /// not declare it gets a MissingRequiredClientCapability error instead of a call.
  tool_builder& requires_capability(std::string capability);
  tool_builder& tasks(task_mode m);
  /// Where the handler runs (default execution::worker_pool). execution::io_thread cannot be
  /// combined with tasks(optional|required): start() refuses it, as a task is long-running work.
  tool_builder& run_on(execution e);
  /// Scopes a caller's token must carry to call this tool (all of them), e.g. "crm:read".
  /// Enforced by the authentication stage when one is configured; config may override.
  tool_builder& scopes(std::vector<std::string> required);
  /// The tool's cost class for per-tool rate limits (default cost::read); config may override.
  tool_builder& cost(cost_class c);
  /// How long a call may run on the worker pool before its caller is answered with a
  /// recoverable SERVER_ERROR coded TIMEOUT and its context is cancelled (default
  /// options::tool_timeout; config may override per tool). Counted from the moment the call is
  /// handed to the pool, so time spent queued counts. Not enforced for tools run on the I/O
  /// thread, nor for a call once it became a task. At least 1 ms.
  tool_builder& timeout(std::chrono::milliseconds limit);
  tool_builder& handle(tool_handler h);
  using def = protocol::tool_def;
  explicit tool_builder(def* d) : d_(d) {}

 private:
  def* d_;
};

class resource_builder {
 public:
  resource_builder& title(std::string t);
  resource_builder& description(std::string d);
  resource_builder& mime_type(std::string m);
  resource_builder& meta(json::object m);
  /// Scopes needed to read this resource (or any URI matching this template).
  resource_builder& scopes(std::vector<std::string> required);
  resource_builder& cost(cost_class c);
  resource_builder& handle(resource_handler h);
  /// Template variables only: completion for `var`.
  resource_builder& complete(std::string var, completion_handler h);
  using def = protocol::resource_def;
  explicit resource_builder(def* d) : d_(d) {}

 private:
  def* d_;
};

class prompt_builder {
 public:
  prompt_builder& title(std::string t);
  prompt_builder& description(std::string d);
  prompt_builder& argument(std::string name, std::string description, bool required = false);
  prompt_builder& complete(std::string argument, completion_handler h);
  /// Scopes needed to get this prompt.
  prompt_builder& scopes(std::vector<std::string> required);
  prompt_builder& cost(cost_class c);
  prompt_builder& handle(prompt_handler h);
  using def = protocol::prompt_def;
  explicit prompt_builder(def* d) : d_(d) {}

 private:
  def* d_;
};

}  // namespace mcpx
