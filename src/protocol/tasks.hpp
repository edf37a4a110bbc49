#pragma once
// Tasks (extension io.modelcontextprotocol/tasks): a tools/call that outlives its request.
// The client gets a CreateTaskResult and polls tasks/get; input the task needs travels through
// tasks/get (inputRequests) and tasks/update (inputResponses).
//
// A task runs in the process that started it (its handler holds a worker there); what any
// replica needs to answer tasks/get is mirrored into a state::task_store at every change, and
// tasks/update or tasks/cancel for a task running elsewhere travel over the message bus.
// Thread safety: everything here is safe to call from I/O and worker threads.
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "mcpx/cancellation.hpp"
#include "mcpx/state/stores.hpp"

namespace mcpx::protocol {

namespace json = boost::json;

inline constexpr std::string_view tasks_extension = "io.modelcontextprotocol/tasks";

struct task {
  std::string id;
  std::chrono::system_clock::time_point created, updated;
  std::chrono::steady_clock::time_point expires;

  mutable std::mutex mu;
  std::condition_variable cv;
  std::string status = "working";  // working | input_required | completed | failed | cancelled
  json::object result;             // completed
  json::object error;              // failed: {code, message, data?}
  json::object input_requests;     // pending while input_required
  json::object input_responses;    // delivered by tasks/update, not yet taken
  std::atomic<bool> cancel_requested{false};
  std::unique_ptr<state::message_bus::subscription> inbox;  ///< updates from other replicas
  std::string owner;                                        ///< owner_key of the caller
  std::weak_ptr<mcpx::cancellation_token> token;            ///< the running handler's, cancelled with the task

  bool terminal() const { return status == "completed" || status == "failed" || status == "cancelled"; }
};

/// The meeting point of the transport (which may turn a slow call into a task) and the worker
/// running the call (which may finish it, or turn it into a task itself). Exactly one wins.
struct task_slot {
  enum : int { running, finished, detached };
  std::mutex mu;  // orders try_finish() against detach() (task_registry::detach)
  std::atomic<int> phase{running};
  std::shared_ptr<task> t;  // set once detached, before `phase` says so
  std::string owner;        // owner_key of the caller: the task is visible to it only
  /// The call's cancellation (set by the transport before the call runs): a call already
  /// cancelled does not become a task, and a task's has no deadline.
  std::weak_ptr<mcpx::cancellation_token> token;

  bool try_finish() {
    std::lock_guard lock(mu);
    int expect = running;
    return phase.compare_exchange_strong(expect, finished);
  }
  bool is_detached() const { return phase.load() == detached; }
};

class task_registry {
 public:
  /// Null store or bus: process-memory ones.
  task_registry(std::chrono::milliseconds ttl, std::chrono::milliseconds poll_interval,
                std::shared_ptr<state::task_store> store = nullptr, std::shared_ptr<state::message_bus> bus = nullptr);

  /// Turns the running call into a task; false when the call already finished or was
  /// cancelled (the client left, the deadline passed), or when the task store is full (the call
  /// then goes on as a plain call). A task's call has no deadline: it ends on tasks/cancel or
  /// when the task expires.
  bool detach(task_slot& slot);
  /// A task running in this process.
  std::shared_ptr<task> find(const std::string& id);

  // By id, wherever the task runs: here, or in another process sharing the store and bus;
  // a task another caller owns is unknown to this one.
  /// The DetailedTask; nullopt when unknown or expired.
  std::optional<json::object> detailed(std::string_view id, std::string_view owner);
  /// tasks/update; false when the task is unknown.
  bool update(std::string_view id, const json::object& responses, std::string_view owner);
  /// tasks/cancel; false when the task is unknown.
  bool cancel(std::string_view id, std::string_view owner);

  /// The CreateTaskResult (without resultType/_meta, which the dispatcher adds).
  json::object created_result(const task& t) const;
  /// The DetailedTask returned by tasks/get.
  json::object detailed(const task& t) const;

  /// Records the call's outcome (a JSON-RPC response message) unless the task was cancelled.
  void finish(task& t, const json::object& response_message);
  /// Publishes missing input and waits until tasks/update answers every key (or cancel/expiry).
  /// Returns the answers, or nullopt when the task was cancelled or expired.
  std::optional<json::object> await_input(task& t, const json::object& requests);
  /// tasks/update: merges answers for pending keys; unknown keys are ignored.
  void update(task& t, const json::object& responses);
  /// tasks/cancel: a terminal task stays as it is.
  void cancel(task& t);
  /// Cancels every running task (shutdown).
  void cancel_all();
  /// Drops tasks past their TTL, and stops the handlers still running them.
  void expire();

 private:
  void touch(task& t);
  /// An expired task's handler is told to stop: nobody can read what it would return.
  static void abandon(task& t);
  /// Writes `t`'s visible state to the store; `t.mu` held.
  void mirror(task& t);
  json::object detailed_locked(const task& t) const;
  void on_message(const std::weak_ptr<task>& t, std::string_view message);
  std::chrono::milliseconds ttl_, poll_interval_;
  std::shared_ptr<state::task_store> store_;
  std::shared_ptr<state::message_bus> bus_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<task>> tasks_;
};

}  // namespace mcpx::protocol
