// The methods that run user handlers: tools/call, resources/read, prompts/get,
// completion/complete. They run on a worker thread.
#include "protocol/dispatcher.hpp"
#include "protocol/handler_context.hpp"
#include "protocol/tool_errors.hpp"

namespace mcpx::protocol {

using code = jsonrpc::code;

namespace {

// What a model reads when its arguments break the schema: which tool, what is wrong, what to do;
// at most 200 characters (a long detail is cut, the instruction never is).
std::string invalid_arguments(std::string_view tool, std::string_view detail) {
  constexpr std::size_t budget = 200;
  const std::string head = "Invalid arguments for tool '" + std::string(tool.substr(0, 64)) + "': ";
  const std::string_view tail = "; fix them to match the input schema and call again.";
  std::string out = head;
  const std::size_t room = budget > head.size() + tail.size() ? budget - head.size() - tail.size() : 0;
  if (detail.size() <= room) out += detail;
  else out.append(detail.substr(0, room >= 3 ? room - 3 : 0)).append("...");
  out += tail;
  return out;
}

const json::object& params_of(const call& c) {
  static const json::object empty;
  return c.msg.params.is_object() ? c.msg.params.get_object() : empty;
}

const json::string* string_param(const call& c, std::string_view key) {
  auto* v = params_of(c).if_contains(key);
  return v && v->is_string() ? &v->get_string() : nullptr;
}

// Who a requestState is issued to: anyone else who obtains it (a log, a proxy, another tenant)
// must not replay its answers. Without authentication, the declared client name is all there is.
std::string client_binding(const call& c) {
  auto* name = c.client_info->if_contains("name");
  std::string_view client_name = name && name->is_string() ? std::string_view(name->get_string()) : "";
  return request_state_codec::client_binding_for(c.who.get(), client_name, c.session_id);
}

}  // namespace

// Runs `body` with a context prepared for this revision's way of asking the client for input,
// and turns the ways a handler can stop early into the right answer.
template <class Body>
static outcome with_input(const call& c, outbound& out, const dispatcher_config& cfg, const request_state_codec& codec,
                          Body&& body, auto&& ok, auto&& fail, const dispatcher* d = nullptr,
                          task_registry* tasks = nullptr) {
  handler_context ctx(c, out, cfg.client_request_timeout, d, tasks);
  // The digests binding a requestState to this request and to who sent it are needed only when
  // a state comes in or goes out; most calls have neither, and each costs a serialization and a
  // SHA-256.
  std::optional<std::string> bound, bound_client;
  auto binding = [&]() -> const std::string& {
    if (!bound) bound = request_state_codec::binding_for(c.msg.method, params_of(c));
    return *bound;
  };
  auto client = [&]() -> const std::string& {
    if (!bound_client) bound_client = client_binding(c);
    return *bound_client;
  };
  if (is_modern(c.rev)) {
    const auto& p = params_of(c);
    json::object prior;
    json::value st = nullptr;
    if (auto* rs = p.if_contains("requestState")) {
      if (!rs->is_string()) return fail(code::invalid_params, "Invalid params: \"requestState\" must be a string");
      std::string why;
      auto payload = codec.open(rs->get_string(), binding(), client(), &why);
      if (!payload) return fail(code::invalid_params, "Invalid params: " + why);
      if (auto* a = payload->if_contains("a"); a && a->is_object()) prior = std::move(a->get_object());
      if (auto* s = payload->if_contains("s")) st = std::move(*s);
    }
    auto* responses = p.if_contains("inputResponses");
    if (responses && !responses->is_object())
      return fail(code::invalid_params, "Invalid params: \"inputResponses\" must be an object");
    ctx.set_round(std::move(prior), std::move(st), responses);
  }
  try {
    return body(ctx);
  } catch (input_required& ir) {
    json::object r;
    r["resultType"] = "input_required";
    r["inputRequests"] = std::move(ir.requests);
    r["requestState"] = codec.seal(ctx.state_payload(), binding(), client());
    return ok(std::move(r));
  } catch (missing_capability& mc) {
    std::string names;
    for (auto& [k, v] : mc.required) names += (names.empty() ? "" : ", ") + std::string(k);
    return fail(code::missing_required_client_capability, "Missing required client capability: " + names,
                json::object{{"requiredCapabilities", std::move(mc.required)}});
  } catch (const protocol_error& e) {
    return fail(e.code(), e.what(), e.data());
  } catch (const task_abandoned&) {
    return fail(code::internal_error, "The task was cancelled or expired while waiting for input");
  }
}

outcome dispatcher::call_tool(call& c, outbound& out) const {
  auto fail = [&](int code, std::string msg, json::value data = nullptr) {
    return error(c.msg.id, code, msg, std::move(data));
  };
  auto okf = [&](json::object r) { return ok(c, std::move(r)); };
  const tool_def* tool = c.tool;  // found by the transport already, on most calls
  if (!tool) {
    const json::string* name = string_param(c, "name");
    if (!name) return fail(code::invalid_params, "Invalid params: \"name\" must be a string");
    tool = reg_.find_tool(*name);
    if (!tool)
      return fail(code::invalid_params,
                  "Unknown tool: '" + std::string(*name) + "'. Call tools/list for the available tools.");
  }
  static const json::value empty_args = json::object{};
  const json::value* args = params_of(c).if_contains("arguments");
  if (!args || args->is_null()) args = &empty_args;
  if (!args->is_object())
    return okf(client_error_result(
        "INVALID_ARGUMENT", "Invalid arguments: \"arguments\" must be a JSON object; call the tool again with one."));
  if (tool->tasks == task_mode::required && !c.task)
    return fail(code::missing_required_client_capability,
                "Missing required client capability: tool '" + tool->name + "' runs only as a task (" +
                    std::string(tasks_extension) + " extension)",
                json::object{{"requiredCapabilities",
                              json::object{{"extensions", json::object{{tasks_extension, json::object{}}}}}}});
  for (auto& cap : tool->required_capabilities)
    if (!c.client_capabilities->contains(cap))
      return fail(code::missing_required_client_capability,
                  "Missing required client capability: tool '" + tool->name + "' needs " + cap,
                  json::object{{"requiredCapabilities", json::object{{cap, json::object{}}}}});
  if (auto v = tool->input_validator->validate(*args))
    return okf(client_error_result("INVALID_ARGUMENT", invalid_arguments(tool->name, v->message)));
  auto o = with_input(
      c, out, cfg_, state_codec_,
      [&](handler_context& ctx) -> outcome {
        if (tool->tasks == task_mode::required) ctx.run_as_task();
        tool_result r;
        try {
          r = tool->handler(args->get_object(), ctx);
        } catch (const tool_error& e) {
          return okf(tool_error_result(e));
        } catch (const protocol_error&) {
          throw;
        } catch (const task_abandoned&) {
          throw;
        } catch (const std::exception& e) {
          return okf(unexpected_error_result(tool->name, e.what(), cfg_.report_failure));
        }
        if (tool->output_validator && !r.is_error) {
          if (r.structured.is_null())
            return okf(unexpected_error_result(
                tool->name, "tool returned no structured content but declares an output schema", cfg_.report_failure));
          if (auto v = tool->output_validator->validate(r.structured))
            return okf(unexpected_error_result(
                tool->name, "structured content violates the output schema: " + v->message, cfg_.report_failure));
        }
        return okf(encode_tool_result(std::move(r)));
      },
      okf, fail, this, tasks_.get());
  // A call that became a task answered already; its outcome goes to the task record.
  if (c.task && !c.task->try_finish() && c.task->is_detached() && o.message.is_object()) {
    materialize(o);
    tasks_->finish(*c.task->t, o.message.get_object());
  }
  return o;
}

outcome dispatcher::read_resource(call& c, outbound& out) const {
  auto fail = [&](int code, std::string msg, json::value data = nullptr) {
    return error(c.msg.id, code, msg, std::move(data));
  };
  const json::string* uri = string_param(c, "uri");
  if (!uri) return fail(code::invalid_params, "Invalid params: \"uri\" must be a string");
  json::object vars;
  const auto* def = reg_.find_resource(*uri);
  if (!def) def = reg_.match_template(*uri, vars);
  if (!def) {
    // 2026-07-28 moved resource-not-found to Invalid params; earlier revisions used -32002.
    bool modern = is_modern(c.rev);
    return fail(modern ? code::invalid_params : code::legacy_resource_not_found,
                "Resource not found: " + std::string(*uri), json::object{{"uri", *uri}});
  }
  return with_input(
      c, out, cfg_, state_codec_,
      [&](handler_context& ctx) -> outcome {
        resource_contents rc;
        try {
          rc = def->handler(*uri, vars, ctx);
        } catch (const protocol_error&) {
          throw;
        } catch (const tool_error& e) {
          return fail(code::internal_error, e.what());
        } catch (const std::exception& e) {
          return fail(code::internal_error, "Internal error reading " + std::string(*uri));
        }
        return ok(c, json::object{{"contents", std::move(rc.contents)}}, true);
      },
      [&](json::object r) { return ok(c, std::move(r)); }, fail);
}

outcome dispatcher::get_prompt(call& c, outbound& out) const {
  auto fail = [&](int code, std::string msg, json::value data = nullptr) {
    return error(c.msg.id, code, msg, std::move(data));
  };
  const json::string* name = string_param(c, "name");
  if (!name) return fail(code::invalid_params, "Invalid params: \"name\" must be a string");
  const auto* p = reg_.find_prompt(*name);
  if (!p) return fail(code::invalid_params, "Unknown prompt: '" + std::string(*name) + "'");
  json::object args;
  if (auto* a = params_of(c).if_contains("arguments"); a && !a->is_null()) {
    if (!a->is_object()) return fail(code::invalid_params, "Invalid params: \"arguments\" must be an object");
    args = a->get_object();
  }
  for (auto& spec : p->arguments) {
    if (spec.required && !args.contains(spec.name))
      return fail(code::invalid_params, "Invalid params: missing required argument '" + spec.name + "'");
  }
  return with_input(
      c, out, cfg_, state_codec_,
      [&](handler_context& ctx) -> outcome {
        prompt_result pr;
        try {
          pr = p->handler(args, ctx);
        } catch (const protocol_error&) {
          throw;
        } catch (const std::exception&) {
          return fail(code::internal_error, "Internal error rendering prompt '" + p->name + "'");
        }
        json::object r;
        if (!pr.description.empty()) r["description"] = pr.description;
        r["messages"] = std::move(pr.messages);
        return ok(c, std::move(r));
      },
      [&](json::object r) { return ok(c, std::move(r)); }, fail);
}

outcome dispatcher::complete(call& c) const {
  const auto& p = params_of(c);
  auto* ref = p.if_contains("ref");
  auto* arg = p.if_contains("argument");
  if (!ref || !ref->is_object() || !arg || !arg->is_object())
    return error(c.msg.id, code::invalid_params, "Invalid params: \"ref\" and \"argument\" must be objects");
  auto* type = ref->get_object().if_contains("type");
  auto* an = arg->get_object().if_contains("name");
  auto* av = arg->get_object().if_contains("value");
  if (!type || !type->is_string() || !an || !an->is_string())
    return error(c.msg.id, code::invalid_params, "Invalid params: ref.type and argument.name must be strings");
  const std::map<std::string, completion_handler>* table = nullptr;
  if (type->get_string() == "ref/prompt") {
    auto* n = ref->get_object().if_contains("name");
    const auto* pd = n && n->is_string() ? reg_.find_prompt(n->get_string()) : nullptr;
    if (!pd) return error(c.msg.id, code::invalid_params, "Invalid params: unknown prompt in ref");
    table = &pd->completions;
  } else if (type->get_string() == "ref/resource") {
    auto* u = ref->get_object().if_contains("uri");
    const auto* rd = u && u->is_string() ? reg_.find_template(u->get_string()) : nullptr;
    if (!rd && u && u->is_string()) rd = reg_.find_resource(u->get_string());
    if (!rd) return error(c.msg.id, code::invalid_params, "Invalid params: unknown resource in ref");
    table = &rd->completions;
  } else {
    return error(c.msg.id, code::invalid_params, "Invalid params: ref.type must be ref/prompt or ref/resource");
  }
  std::vector<std::string> values;
  auto it = table->find(std::string(an->get_string()));
  if (it != table->end()) {
    json::object ctx_args;
    if (auto* cx = p.if_contains("context"); cx && cx->is_object())
      if (auto* ca = cx->get_object().if_contains("arguments"); ca && ca->is_object()) ctx_args = ca->get_object();
    std::string_view value = av && av->is_string() ? std::string_view(av->get_string()) : std::string_view{};
    try {
      values = it->second(value, ctx_args);
    } catch (const std::exception&) {
      return error(c.msg.id, code::internal_error, "Internal error computing completions");
    }
  }
  constexpr std::size_t max_values = 100;  // the spec's cap per response
  json::array arr;
  for (std::size_t i = 0; i < values.size() && i < max_values; ++i) arr.emplace_back(values[i]);
  json::object completion{{"values", std::move(arr)},
                          {"total", values.size()},
                          {"hasMore", values.size() > max_values}};
  return ok(c, json::object{{"completion", std::move(completion)}});
}

}  // namespace mcpx::protocol
