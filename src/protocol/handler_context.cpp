#include "protocol/handler_context.hpp"

#include <cmath>

#include "mcpx/errors.hpp"

namespace mcpx::protocol {

namespace {

// The shape each kind of answer must have before a handler sees it (they come from the client).
bool valid_answer(std::string_view method, const json::value& a) {
  auto* o = a.if_object();
  if (!o) return false;
  if (method == "elicitation/create") {
    auto* act = o->if_contains("action");
    return act && act->is_string();
  }
  if (method == "sampling/createMessage") return o->contains("content") && o->contains("role");
  if (method == "roots/list") {
    auto* r = o->if_contains("roots");
    return r && r->is_array();
  }
  return true;
}

// Whole numbers go out as integers ("50", not "5E1"): friendlier to every client.
json::value number(double d) {
  // Range first: converting a double outside int64 (1e20, NaN) is undefined behaviour.
  if (d > -9e15 && d < 9e15 && d == std::trunc(d)) return static_cast<std::int64_t>(d);
  return d;
}

}  // namespace

handler_context::handler_context(const call& c, outbound& out, std::chrono::milliseconds client_timeout,
                                 const dispatcher* d, task_registry* tasks)
    : c_(c),
      out_(out),
      token_(out.cancellation() ? *out.cancellation() : cancellation_token::never()),
      client_timeout_(client_timeout),
      d_(d),
      tasks_(tasks) {}

bool handler_context::run_as_task() {
  if (!c_.task || !d_) return false;
  if (c_.task->is_detached()) return true;
  auto created = d_->detach(c_, *c_.task);
  if (!created) return c_.task->is_detached();
  out_.respond(*created, outcome_kind::ok);
  return true;
}

void handler_context::set_round(json::object prior_answers, json::value state, const json::value* input_responses) {
  prior_answers_ = std::move(prior_answers);
  state_ = std::move(state);
  input_responses_ = input_responses && input_responses->is_object() ? &input_responses->get_object() : nullptr;
}

json::object handler_context::state_payload() const {
  json::object p;
  p["a"] = consumed_;
  if (!state_.is_null()) p["s"] = state_;
  return p;
}

void handler_context::log(log_level level, json::value data, std::string_view logger) {
  if (!c_.min_log_level || level < *c_.min_log_level) return;
  json::object params;
  params["level"] = to_string(level);
  if (!logger.empty()) params["logger"] = logger;
  params["data"] = std::move(data);
  out_.notify(json::object{{"jsonrpc", "2.0"}, {"method", "notifications/message"}, {"params", std::move(params)}});
}

void handler_context::progress(double progress, std::optional<double> total, std::string_view message) {
  auto* token = c_.meta->if_contains("progressToken");
  if (!token || !(token->is_string() || token->is_int64() || token->is_uint64())) return;
  json::object params;
  params["progressToken"] = *token;
  // JSON has no NaN or infinity: a handler's non-finite value is not sent.
  if (!std::isfinite(progress)) return;
  params["progress"] = number(progress);
  if (total && std::isfinite(*total)) params["total"] = number(*total);
  if (!message.empty()) params["message"] = message;
  out_.notify(json::object{{"jsonrpc", "2.0"}, {"method", "notifications/progress"}, {"params", std::move(params)}});
}

void handler_context::check_capability(const input_request& r) const {
  std::string_view cap = r.method == "elicitation/create"       ? "elicitation"
                         : r.method == "sampling/createMessage" ? "sampling"
                         : r.method == "roots/list"             ? "roots"
                                                                : "";
  if (cap.empty()) throw protocol_error(jsonrpc::code::internal_error, "Unsupported input request: " + r.method);
  if (!c_.client_capabilities->contains(cap)) throw missing_capability{json::object{{cap, json::object{}}}};
}

std::map<std::string, json::value> handler_context::input(std::vector<std::pair<std::string, input_request>> requests) {
  for (auto& [key, r] : requests) check_capability(r);
  if (!is_modern(c_.rev)) return input_legacy(requests);
  std::map<std::string, json::value> answers;
  json::object missing;
  for (auto& [key, r] : requests) {
    const json::value* a = prior_answers_.if_contains(key);
    if (!a && input_responses_) a = input_responses_->if_contains(key);
    if (a && !valid_answer(r.method, *a))
      throw protocol_error(jsonrpc::code::invalid_params,
                           "Invalid params: inputResponses." + key + " is not a valid result for " + r.method);
    if (a) {
      consumed_[key] = *a;
      answers[key] = *a;
    } else {
      missing[key] = json::object{{"method", r.method}, {"params", r.params}};
    }
  }
  if (missing.empty()) return answers;
  if (c_.task && tasks_) {
    // Not yet a task: this round ends as an MRTR input_required, unless the transport has
    // just turned the call into a task, in which case the input goes through the task.
    if (!c_.task->is_detached() && c_.task->try_finish()) throw input_required{std::move(missing)};
    auto got = tasks_->await_input(*c_.task->t, missing);
    if (!got) throw task_abandoned{};
    for (auto& [key, r] : requests) {
      auto* a = got->if_contains(key);
      if (!a) continue;
      if (!valid_answer(r.method, *a))
        throw protocol_error(jsonrpc::code::invalid_params,
                             "Invalid params: inputResponses." + key + " is not a valid result for " + r.method);
      consumed_[key] = *a;
      answers[key] = *a;
    }
    return answers;
  }
  throw input_required{std::move(missing)};
}

std::map<std::string, json::value> handler_context::input_legacy(
    std::vector<std::pair<std::string, input_request>>& requests) {
  // Waiting for the client here would stall every connection of this I/O thread, and the
  // answer itself arrives on this thread: a deadlock. Fail loudly instead.
  if (c_.on_io_thread && !requests.empty())
    throw tool_error(error_class::server, "WOULD_BLOCK_IO_THREAD",
                     "This tool runs on the I/O thread and cannot wait for the client's answer to " +
                         requests.front().second.method +
                         "; register it with run_on(mcpx::execution::worker_pool) to ask for input",
                     false);
  std::map<std::string, json::value> answers;
  for (auto& [key, r] : requests) {
    std::string err;
    auto res = out_.call_client(r.method, std::move(r.params), &err);
    if (!res)
      throw tool_error(error_class::client, "CLIENT_REQUEST_FAILED",
                       "The client did not answer " + r.method + ": " + err, true);
    answers[key] = std::move(*res);
  }
  return answers;
}

}  // namespace mcpx::protocol
