// tasks/get, tasks/update, tasks/cancel, and the decision to turn a call into a task.
#include "protocol/dispatcher.hpp"

namespace mcpx::protocol {

using code = jsonrpc::code;

namespace {

bool client_has_tasks(const call& c) {
  auto* ext = c.client_capabilities->if_contains("extensions");
  return ext && ext->is_object() && ext->get_object().contains(tasks_extension);
}

json::object tasks_capability() {
  return json::object{{"extensions", json::object{{tasks_extension, json::object{}}}}};
}

}  // namespace

bool dispatcher::task_capable(const call& c, const tool_def* tool) const {
  return tool && tool->tasks != task_mode::never && is_modern(c.rev) && client_has_tasks(c);
}

std::optional<json::object> dispatcher::detach(const call& c, task_slot& slot) const {
  if (!tasks_->detach(slot)) return std::nullopt;
  auto o = ok(c, tasks_->created_result(*slot.t));
  materialize(o);
  return std::move(o.message.as_object());
}

outcome dispatcher::task_method(call& c) const {
  if (!client_has_tasks(c))
    return error(c.msg.id, code::missing_required_client_capability,
                 "Missing required client capability: " + c.msg.method + " needs the " + std::string(tasks_extension) +
                     " extension",
                 json::object{{"requiredCapabilities", tasks_capability()}});
  const json::object empty;
  const auto& p = c.msg.params.is_object() ? c.msg.params.get_object() : empty;
  auto* id = p.if_contains("taskId");
  if (!id || !id->is_string())
    return error(c.msg.id, code::invalid_params, "Invalid params: \"taskId\" must be a string");
  std::string_view task_id = id->get_string();
  const std::string owner = owner_key(c.who.get());
  auto unknown = [&] {
    return error(c.msg.id, code::invalid_params,
                 "Invalid params: unknown taskId '" + std::string(task_id) + "' (it may have expired)");
  };
  if (c.msg.method == "tasks/get") {
    auto d = tasks_->detailed(task_id, owner);
    return d ? ok(c, std::move(*d)) : unknown();
  }
  if (c.msg.method == "tasks/update") {
    auto* r = p.if_contains("inputResponses");
    if (!r || !r->is_object())
      return error(c.msg.id, code::invalid_params, "Invalid params: \"inputResponses\" must be an object");
    if (!tasks_->update(task_id, r->get_object(), owner)) return unknown();
  } else if (!tasks_->cancel(task_id, owner)) {
    return unknown();
  }
  return ok(c, json::object{});  // an empty acknowledgment
}

}  // namespace mcpx::protocol
