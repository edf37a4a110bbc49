#pragma once
/// @file Storage seams: legacy (2025-xx) sessions, resumable SSE events, tasks, and a message
/// bus between replicas. The memory implementations serve one process (or several servers in
/// one process sharing them); a shared implementation (Redis) lets any replica serve any
/// session or task. All methods are thread-safe. Hand them to mcpx::server::use_state().
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace mcpx::state {

/// What a session must remember between requests, in a form any replica can read.
struct session_record {
  std::string id;
  std::string protocol_version;
  std::string client_capabilities_json = "{}";
  std::string client_info_json = "{}";
  std::string log_level;  ///< empty: not set by logging/setLevel
  std::set<std::string> subscriptions;
  std::string owner;  ///< mcpx::owner_key of the caller that created it ("" without auth)

  /// What the record costs to keep, in bytes (its strings plus a fixed overhead per entry):
  /// the measure of the stores' byte budgets.
  std::size_t bytes() const noexcept {
    std::size_t n = 128 + id.size() + protocol_version.size() + client_capabilities_json.size() +
                    client_info_json.size() + log_level.size() + owner.size();
    for (const auto& s : subscriptions) n += 64 + s.size();
    return n;
  }
};

/// What a session store may hold. A client makes the server keep its session record (its
/// declared capabilities and client info, its subscriptions) for the idle timeout: each of
/// these is bounded, per record and in total.
struct session_limits {
  std::size_t max_sessions = 100'000;
  std::size_t max_record_bytes = 64 * 1024;  ///< one record, subscriptions included
  std::size_t max_total_bytes = 256 * 1024 * 1024;
  std::size_t max_subscriptions = 256;  ///< resources one session may subscribe to
};

class session_store {
 public:
  virtual ~session_store() = default;
  /// False when the store is full (sessions or bytes) or `r` is over the record budget.
  virtual bool create(const session_record& r) = 0;
  /// Returns the record and extends its idle lifetime; null when unknown or expired. The
  /// record is a snapshot: later field changes make a new one (copy on write), so every
  /// request of a session can share it instead of copying it.
  virtual std::shared_ptr<const session_record> touch(std::string_view id) = 0;
  /// The record without extending its lifetime (for the server's own bookkeeping, which must
  /// not keep a session alive); null when unknown or expired.
  virtual std::shared_ptr<const session_record> peek(std::string_view id) = 0;
  /// Field-level changes (no-ops for an unknown session): two requests of one session that
  /// change different fields at once must both stick, which writing back a whole record
  /// read earlier would not guarantee.
  virtual void set_log_level(std::string_view id, std::string_view level) = 0;
  /// False when the session is unknown or the subscription would exceed its budget
  /// (count or bytes); the record is then unchanged.
  virtual bool subscribe(std::string_view id, const std::string& uri) = 0;
  virtual void unsubscribe(std::string_view id, const std::string& uri) = 0;
  /// False when there was no such session.
  virtual bool erase(std::string_view id) = 0;
  virtual std::size_t size() const = 0;
  /// Bytes of all records kept (session_record::bytes()).
  virtual std::size_t bytes() const = 0;
  /// Drops sessions idle for longer than the store's timeout; returns their ids.
  virtual std::vector<std::string> expire() = 0;
};

/// One SSE event kept for replay after a reconnect (Last-Event-ID).
struct stored_event {
  std::string id;
  std::string data;
};

/// What an event store may hold. Events are a replay buffer: over a budget the oldest go first,
/// so a resume from before them is refused (never replayed with a gap); an event larger than a
/// budget is sent but not kept.
struct event_limits {
  std::size_t per_stream = 256;          ///< events kept per stream
  std::size_t streams_per_session = 64;  ///< the newest streams of a session keep their events
  std::size_t max_session_bytes = 16 * 1024 * 1024;
  std::size_t max_total_bytes = 256 * 1024 * 1024;
};

/// Events are kept only for sessions opened explicitly, from open_session() to drop_session():
/// a request still streaming after its session was deleted or expired must not bring the
/// session's events back (they would be kept for good, nothing would drop them again).
class event_store {
 public:
  virtual ~event_store() = default;
  /// Starts keeping events for `session` (the server calls it when the session is created).
  /// Opening an open session changes nothing.
  virtual void open_session(std::string_view session) = 0;
  /// Stores `data` on stream `stream` of session `session` and returns the event id; keeps
  /// nothing and returns "" when the session is not open (never opened, or dropped).
  virtual std::string append(std::string_view session, std::string_view stream, std::string_view data) = 0;
  /// Events after `last_event_id` on the same stream; nullopt when the id is unknown or events
  /// after it are gone. Ids are "<stream>_<seq>"; "<stream>_0" means from the start.
  /// `*stream` receives the stream the id belongs to.
  virtual std::optional<std::vector<stored_event>> after(std::string_view session, std::string_view last_event_id,
                                                         std::string* stream) = 0;
  /// Forgets the session's events and closes it: later appends for it keep nothing.
  virtual void drop_session(std::string_view session) = 0;
  /// Bytes of all events kept (data and ids).
  virtual std::size_t bytes() const = 0;
  /// Events dropped before their stream's count limit, to stay within the byte budgets.
  virtual std::uint64_t evicted() const = 0;
};

/// What any replica needs to answer tasks/get for a task (extension io.modelcontextprotocol/tasks).
struct task_record {
  std::string id;
  std::string status;       ///< working | input_required | completed | failed | cancelled
  std::string detail_json;  ///< the DetailedTask, as tasks/get answers it
  std::chrono::system_clock::time_point expires;
  std::string owner;  ///< mcpx::owner_key of the caller whose call became the task
};

/// What a task store may hold: a client makes the server keep each task's record (its result
/// included) for the task TTL.
struct task_limits {
  std::size_t max_tasks = 10'000;
  std::size_t max_record_bytes = 1024 * 1024;  ///< one record (detail_json)
  std::size_t max_total_bytes = 256 * 1024 * 1024;
};

class task_store {
 public:
  virtual ~task_store() = default;
  /// Creates or replaces the record (the process running the task writes each change).
  /// False, and nothing changes, when `r` is over the record budget or the store is full
  /// (tasks or bytes).
  virtual bool put(const task_record& r) = 0;
  /// Null when unknown or expired.
  virtual std::shared_ptr<const task_record> get(std::string_view id) = 0;
  virtual bool erase(std::string_view id) = 0;
  virtual std::size_t size() const = 0;
  /// Bytes of all records kept (their detail_json).
  virtual std::size_t bytes() const = 0;
  /// Drops expired records; returns how many.
  virtual std::size_t expire() = 0;
};

/// Delivers messages to whoever holds what they are about (a session's pending request, a
/// running task) in any process sharing the bus. Channels are names like "mcpx.task.<id>".
class message_bus {
 public:
  /// Receiving ends while it lives.
  class subscription {
   public:
    virtual ~subscription() = default;
  };
  using handler = std::function<void(std::string_view message)>;
  virtual ~message_bus() = default;
  /// Hands `message` to every subscriber of `channel`; returns how many got it where the bus
  /// can tell (a memory bus), else 1 when it was sent. Handlers must not block.
  virtual std::size_t publish(std::string_view channel, std::string_view message) = 0;
  /// Calls `h` for every message on `channel` until the returned subscription is destroyed.
  virtual std::unique_ptr<subscription> subscribe(std::string channel, handler h) = 0;
};

/// Every store a server uses; a null member gets the memory implementation. Replicas share
/// one set (Redis); several servers in one process can share memory ones.
struct backends {
  std::shared_ptr<session_store> sessions;
  std::shared_ptr<event_store> events;
  std::shared_ptr<task_store> tasks;
  std::shared_ptr<message_bus> bus;
};

std::unique_ptr<session_store> make_memory_session_store(std::chrono::seconds idle_timeout, session_limits limits);
inline std::unique_ptr<session_store> make_memory_session_store(std::chrono::seconds idle_timeout,
                                                                std::size_t max_sessions) {
  session_limits l;
  l.max_sessions = max_sessions;
  return make_memory_session_store(idle_timeout, l);
}
std::unique_ptr<event_store> make_memory_event_store(event_limits limits = {});
/// Keeps at most `per_stream` events per stream and the `streams_per_session` newest streams.
inline std::unique_ptr<event_store> make_memory_event_store(std::size_t per_stream,
                                                            std::size_t streams_per_session = 64) {
  event_limits l;
  l.per_stream = per_stream;
  l.streams_per_session = streams_per_session;
  return make_memory_event_store(l);
}
std::unique_ptr<task_store> make_memory_task_store(task_limits limits = {});
/// Delivers in this process only, synchronously on the publisher's thread.
std::unique_ptr<message_bus> make_memory_message_bus();

}  // namespace mcpx::state
