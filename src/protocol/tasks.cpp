#include "protocol/tasks.hpp"

#include "jsonrpc/message.hpp"

#include "util/random.hpp"

#include <ctime>

namespace mcpx::protocol {

namespace {

std::string iso8601(std::chrono::system_clock::time_point tp) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(tp.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms % 1000));
  return out;
}

// Where tasks/update and tasks/cancel for a task reach the process running it.
std::string task_channel(std::string_view id) { return "mcpx.task." + std::string(id); }

}  // namespace

task_registry::task_registry(std::chrono::milliseconds ttl, std::chrono::milliseconds poll_interval,
                             std::shared_ptr<state::task_store> store, std::shared_ptr<state::message_bus> bus)
    : ttl_(ttl),
      poll_interval_(poll_interval),
      store_(store ? std::move(store) : std::shared_ptr<state::task_store>(state::make_memory_task_store())),
      bus_(bus ? std::move(bus) : std::shared_ptr<state::message_bus>(state::make_memory_message_bus())) {}

bool task_registry::detach(task_slot& slot) {
  // Under the slot's lock: the transport's timer and the handler's run_as_task() may both try,
  // and the worker may finish meanwhile; exactly one of them decides, and only a winning
  // detach writes slot.t (before the phase says so).
  std::lock_guard sl(slot.mu);
  if (slot.phase.load() != task_slot::running) return slot.phase.load() == task_slot::detached;
  // A client that left, or a call past its deadline (answered TIMEOUT), would never learn the id.
  auto token = slot.token.lock();
  if (token && token->requested()) return false;
  auto id = util::random_hex_id(16, "task-");
  if (!id) return false;  // no randomness: the call goes on as a plain call
  auto t = std::make_shared<task>();
  t->id = std::move(*id);
  t->created = t->updated = std::chrono::system_clock::now();
  t->expires = std::chrono::steady_clock::now() + ttl_;
  t->owner = slot.owner;
  t->token = slot.token;
  // The record exists before anyone can learn its id: tasks/get right after creation resolves.
  {
    std::lock_guard tl(t->mu);
    if (!store_->put({t->id, t->status, jsonrpc::to_text(json::value(detailed_locked(*t))), t->created + ttl_,
                      t->owner}))
      return false;
  }
  t->inbox = bus_->subscribe(task_channel(t->id),
                             [this, w = std::weak_ptr<task>(t)](std::string_view m) { on_message(w, m); });
  {
    std::lock_guard lock(mu_);
    tasks_[t->id] = t;
  }
  slot.t = std::move(t);
  slot.phase.store(task_slot::detached);
  if (token) token->set_deadline(std::chrono::steady_clock::time_point::max());
  return true;
}

void task_registry::on_message(const std::weak_ptr<task>& w, std::string_view message) {
  auto t = w.lock();
  if (!t) return;
  boost::system::error_code ec;
  auto v = json::parse(message, ec);
  if (ec || !v.is_object()) return;
  const auto& m = v.get_object();
  auto* op = m.if_contains("op");
  if (!op || !op->is_string()) return;
  if (op->get_string() == "cancel") {
    cancel(*t);
  } else if (op->get_string() == "update") {
    if (auto* r = m.if_contains("inputResponses"); r && r->is_object()) update(*t, r->get_object());
  }
}

std::optional<json::object> task_registry::detailed(std::string_view id, std::string_view owner) {
  if (auto t = find(std::string(id))) {
    if (t->owner != owner) return std::nullopt;
    return detailed(*t);
  }
  auto rec = store_->get(id);
  if (!rec || rec->owner != owner) return std::nullopt;
  boost::system::error_code ec;
  auto v = json::parse(rec->detail_json, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.get_object());
}

bool task_registry::update(std::string_view id, const json::object& responses, std::string_view owner) {
  if (auto t = find(std::string(id))) return t->owner == owner && (update(*t, responses), true);
  auto rec = store_->get(id);
  if (!rec || rec->owner != owner) return false;
  bus_->publish(task_channel(id), json::serialize(json::object{{"op", "update"}, {"inputResponses", responses}}));
  return true;
}

bool task_registry::cancel(std::string_view id, std::string_view owner) {
  if (auto t = find(std::string(id))) return t->owner == owner && (cancel(*t), true);
  auto rec = store_->get(id);
  if (!rec || rec->owner != owner) return false;
  bus_->publish(task_channel(id), R"({"op":"cancel"})");
  return true;
}

void task_registry::mirror(task& t) {
  if (store_->put({t.id, t.status, jsonrpc::to_text(json::value(detailed_locked(t))), t.updated + ttl_, t.owner}))
    return;
  // Over the store's budget (a result too big to keep for the TTL): the task fails visibly
  // and keeps nothing big here either, rather than hold what the store refused.
  t.result = {};
  t.input_requests = {};
  t.status = "failed";
  t.error = json::object{{"code", -32603},
                         {"message",
                          "The task's result is larger than the server keeps for tasks; "
                          "call the tool without a task, or ask for less"}};
  store_->put({t.id, t.status, jsonrpc::to_text(json::value(detailed_locked(t))), t.updated + ttl_, t.owner});
}

std::shared_ptr<task> task_registry::find(const std::string& id) {
  std::shared_ptr<task> expired;
  {
    std::lock_guard lock(mu_);
    auto it = tasks_.find(id);
    if (it == tasks_.end()) return nullptr;
    if (std::chrono::steady_clock::now() <= it->second->expires) return it->second;
    expired = std::move(it->second);
    tasks_.erase(it);
  }
  abandon(*expired);  // without the registry's lock: this runs the handler's callbacks
  return nullptr;
}

json::object task_registry::created_result(const task& t) const {
  std::lock_guard lock(t.mu);
  return {{"resultType", "task"},
          {"taskId", t.id},
          {"status", t.status},
          {"createdAt", iso8601(t.created)},
          {"lastUpdatedAt", iso8601(t.updated)},
          {"ttlMs", ttl_.count()},
          {"pollIntervalMs", poll_interval_.count()}};
}

json::object task_registry::detailed(const task& t) const {
  std::lock_guard lock(t.mu);
  return detailed_locked(t);
}

json::object task_registry::detailed_locked(const task& t) const {
  json::object o{{"taskId", t.id},
                 {"status", t.status},
                 {"createdAt", iso8601(t.created)},
                 {"lastUpdatedAt", iso8601(t.updated)},
                 {"ttlMs", ttl_.count()},
                 {"pollIntervalMs", poll_interval_.count()}};
  if (t.status == "completed") o["result"] = t.result;
  if (t.status == "failed") o["error"] = t.error;
  if (t.status == "input_required") o["inputRequests"] = t.input_requests;
  return o;
}

void task_registry::touch(task& t) {
  t.updated = std::chrono::system_clock::now();
  t.expires = std::chrono::steady_clock::now() + ttl_;
  mirror(t);
}

void task_registry::finish(task& t, const json::object& msg) {
  std::lock_guard lock(t.mu);
  // Cancelled, or expired (abandoned): its record must not come back.
  if (t.terminal() || t.cancel_requested) return;
  if (auto* r = msg.if_contains("result"); r && r->is_object()) {
    t.result = r->get_object();
    // The inlined result is what the call would have returned, without our per-response _meta.
    t.result.erase("_meta");
    t.status = "completed";
  } else if (auto* e = msg.if_contains("error"); e && e->is_object()) {
    t.error = e->get_object();
    t.status = "failed";
  } else {
    t.error = json::object{{"code", -32603}, {"message", "Internal error"}};
    t.status = "failed";
  }
  t.input_requests.clear();
  touch(t);
  t.cv.notify_all();
}

std::optional<json::object> task_registry::await_input(task& t, const json::object& requests) {
  std::unique_lock lock(t.mu);
  if (t.terminal()) return std::nullopt;
  for (auto& [k, v] : requests)
    if (!t.input_responses.contains(k)) t.input_requests[k] = v;
  if (!t.input_requests.empty()) {
    t.status = "input_required";
    touch(t);
  }
  auto all_answered = [&] {
    for (auto& [k, v] : requests)
      if (!t.input_responses.contains(k)) return false;
    return true;
  };
  while (!all_answered()) {
    if (t.terminal() || t.cancel_requested || std::chrono::steady_clock::now() > t.expires) return std::nullopt;
    t.cv.wait_for(lock, std::chrono::milliseconds(200));
  }
  json::object answers;
  for (auto& [k, v] : requests) {
    answers[k] = std::move(t.input_responses[k]);
    t.input_responses.erase(k);
  }
  if (t.status == "input_required" && t.input_requests.empty()) t.status = "working";
  touch(t);
  return answers;
}

void task_registry::update(task& t, const json::object& responses) {
  std::lock_guard lock(t.mu);
  if (t.terminal()) return;
  for (auto& [k, v] : responses) {
    if (!t.input_requests.contains(k)) continue;  // unknown or already answered
    t.input_requests.erase(k);
    t.input_responses[k] = v;
  }
  if (t.status == "input_required" && t.input_requests.empty()) t.status = "working";
  touch(t);
  t.cv.notify_all();
}

void task_registry::cancel(task& t) {
  {
    std::lock_guard lock(t.mu);
    if (t.terminal()) return;
    t.cancel_requested = true;
    t.status = "cancelled";
    t.input_requests.clear();
    touch(t);
    t.cv.notify_all();
  }
  // Without the task's lock: this runs the handler's callbacks.
  if (auto tok = t.token.lock()) tok->cancel(cancel_reason::task);
}

void task_registry::abandon(task& t) {
  {
    std::lock_guard lock(t.mu);
    if (t.terminal()) return;
    t.cancel_requested = true;
    t.cv.notify_all();
  }
  if (auto tok = t.token.lock()) tok->cancel(cancel_reason::task);
}

void task_registry::cancel_all() {
  std::map<std::string, std::shared_ptr<task>> all;
  {
    std::lock_guard lock(mu_);
    all = tasks_;
  }
  for (auto& [id, t] : all) cancel(*t);
}

void task_registry::expire() {
  auto now = std::chrono::steady_clock::now();
  std::vector<std::shared_ptr<task>> gone;
  {
    std::lock_guard lock(mu_);
    for (auto it = tasks_.begin(); it != tasks_.end();) {
      if (now > it->second->expires) {
        gone.push_back(std::move(it->second));
        it = tasks_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& t : gone) abandon(*t);
  store_->expire();
}

}  // namespace mcpx::protocol
