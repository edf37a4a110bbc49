#pragma once
/// @file Storage seams for legacy (2025-xx) sessions and resumable SSE events.
/// The memory implementations serve one process; a shared implementation (Redis) lets any
/// replica serve any session. All methods are thread-safe.
#include <chrono>
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
};

class session_store {
 public:
  virtual ~session_store() = default;
  /// False when the store is full.
  virtual bool create(const session_record& r) = 0;
  /// Returns the record and extends its idle lifetime; null when unknown or expired. The
  /// record is a snapshot: later field changes make a new one (copy on write), so every
  /// request of a session can share it instead of copying it.
  virtual std::shared_ptr<const session_record> touch(std::string_view id) = 0;
  /// Field-level changes (no-ops for an unknown session): two requests of one session that
  /// change different fields at once must both stick, which writing back a whole record
  /// read earlier would not guarantee.
  virtual void set_log_level(std::string_view id, std::string_view level) = 0;
  virtual void subscribe(std::string_view id, const std::string& uri) = 0;
  virtual void unsubscribe(std::string_view id, const std::string& uri) = 0;
  /// False when there was no such session.
  virtual bool erase(std::string_view id) = 0;
  virtual std::size_t size() const = 0;
  /// Drops sessions idle for longer than the store's timeout; returns their ids.
  virtual std::vector<std::string> expire() = 0;
};

/// One SSE event kept for replay after a reconnect (Last-Event-ID).
struct stored_event {
  std::string id;
  std::string data;
};

class event_store {
 public:
  virtual ~event_store() = default;
  /// Stores `data` on stream `stream` of session `session`; returns the event id.
  virtual std::string append(std::string_view session, std::string_view stream, std::string_view data) = 0;
  /// Events after `last_event_id` on the same stream; nullopt when the id is unknown or events
  /// after it are gone. Ids are "<stream>_<seq>"; "<stream>_0" means from the start.
  /// `*stream` receives the stream the id belongs to.
  virtual std::optional<std::vector<stored_event>> after(std::string_view session, std::string_view last_event_id,
                                                         std::string* stream) = 0;
  virtual void drop_session(std::string_view session) = 0;
};

std::unique_ptr<session_store> make_memory_session_store(std::chrono::seconds idle_timeout, std::size_t max_sessions);
/// Keeps at most `per_stream` events per stream and the `streams_per_session` newest streams.
std::unique_ptr<event_store> make_memory_event_store(std::size_t per_stream = 256, std::size_t streams_per_session = 64);

}  // namespace mcpx::state
