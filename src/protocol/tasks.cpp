#include "protocol/tasks.hpp"

#include <openssl/rand.h>

#include <ctime>

namespace mcpx::protocol {

namespace {

std::string new_task_id() {
  unsigned char raw[16];
  RAND_bytes(raw, sizeof raw);
  static constexpr char hex[] = "0123456789abcdef";
  std::string s = "task-";
  for (unsigned char b : raw) s += hex[b >> 4], s += hex[b & 15];
  return s;
}

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

}  // namespace

bool task_registry::detach(task_slot& slot) {
  auto t = std::make_shared<task>();
  t->id = new_task_id();
  t->created = t->updated = std::chrono::system_clock::now();
  t->expires = std::chrono::steady_clock::now() + ttl_;
  // The record exists before anyone can learn its id: tasks/get right after creation resolves.
  {
    std::lock_guard lock(mu_);
    tasks_[t->id] = t;
  }
  slot.t = t;
  int expect = task_slot::running;
  if (slot.phase.compare_exchange_strong(expect, task_slot::detached)) return true;
  std::lock_guard lock(mu_);
  tasks_.erase(t->id);
  slot.t.reset();
  return expect == task_slot::detached;
}

std::shared_ptr<task> task_registry::find(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return nullptr;
  if (std::chrono::steady_clock::now() > it->second->expires) {
    tasks_.erase(it);
    return nullptr;
  }
  return it->second;
}

json::object task_registry::created_result(const task& t) const {
  std::lock_guard lock(t.mu);
  return {{"resultType", "task"},        {"taskId", t.id},
          {"status", t.status},          {"createdAt", iso8601(t.created)},
          {"lastUpdatedAt", iso8601(t.updated)}, {"ttlMs", ttl_.count()},
          {"pollIntervalMs", poll_interval_.count()}};
}

json::object task_registry::detailed(const task& t) const {
  std::lock_guard lock(t.mu);
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
}

void task_registry::finish(task& t, const json::object& msg) {
  std::lock_guard lock(t.mu);
  if (t.terminal()) return;
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
  std::lock_guard lock(t.mu);
  if (t.terminal()) return;
  t.cancel_requested = true;
  t.status = "cancelled";
  t.input_requests.clear();
  touch(t);
  t.cv.notify_all();
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
  std::lock_guard lock(mu_);
  std::erase_if(tasks_, [&](auto& kv) { return now > kv.second->expires; });
}

}  // namespace mcpx::protocol
