#pragma once
// What a legacy (2025-xx) session holds in this process: its standalone GET stream,
// server-to-client requests awaiting answers, and in-flight requests (for cancellation).
// The persistent part (version, capabilities, log level, subscriptions) is a
// state::session_record in the session store.
#include <array>
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "http/event_stream.hpp"
#include "mcpx/state/stores.hpp"
#include "protocol/dispatcher.hpp"

namespace mcpx::transport {

namespace json = boost::json;

/// A server-to-client request waiting for the client's answer.
struct pending_call {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::optional<json::value> result;
  std::string error;
};

class request_outbound;

/// A legacy session's process-local side. Every field is private: other modules use these
/// methods, and only they take the session's lock. Thread-safe.
class live_session {
 public:
  explicit live_session(std::string id) : id_(std::move(id)) {}
  const std::string& id() const noexcept { return id_; }

  // The standalone GET stream.
  /// Makes `s` the session's GET stream; false when one is open already.
  bool open_get_stream(std::shared_ptr<http::event_stream> s);
  /// Sends `data` on the GET stream, kept in `events` for resumption; false without a stream.
  bool push_to_get_stream(state::event_store& events, const std::string& data);
  bool has_get_stream() const;
  void close_get_stream();

  // Requests in flight on this process, for notifications/cancelled and for resumption.
  void track(const std::string& request_key, const std::shared_ptr<request_outbound>& out);
  void untrack(const std::string& request_key, const std::string& stream_name);
  /// Cancels the request with this (serialized) id; false when it is not running here.
  bool cancel_request(const std::string& request_key);
  /// The running request whose stream has this name; null when it finished or runs elsewhere.
  std::shared_ptr<request_outbound> running_stream(const std::string& stream_name);
  /// "r1", "r2", ...: names for request streams (event ids are "<name>_<seq>").
  std::string next_stream_name() { return "r" + std::to_string(next_id_.fetch_add(1) + 1); }

  // Server-to-client requests (sampling, elicitation, roots) waiting for the client's answer.
  /// Registers a new request and returns its id and the slot its answer will fill.
  std::pair<std::string, std::shared_ptr<pending_call>> expect_answer();
  void forget_answer(const std::string& rid);
  /// Resolves a pending server-to-client request from the client's JSON-RPC response; false
  /// when no such request waits here.
  bool resolve(const std::string& rid, std::optional<json::value> result, std::string error);

  /// What the client declared at initialize, parsed from the session record on first use.
  struct client_decl {
    json::object capabilities, info;
  };
  /// Parses `rec`'s capabilities and client info once; they never change after initialize.
  const client_decl& client(const state::session_record& rec);

  /// The session ended (deleted, expired, shutdown): closes its stream and fails every wait.
  void end();

 private:
  const std::string id_;
  mutable std::mutex mu_;
  std::shared_ptr<http::event_stream> get_stream_;
  std::map<std::string, std::shared_ptr<pending_call>> pending_;
  std::map<std::string, std::weak_ptr<request_outbound>> inflight_;  // by serialized request id
  std::map<std::string, std::weak_ptr<request_outbound>> streams_;   // in-flight, by stream name
  std::atomic<std::uint64_t> next_id_{0};
  std::once_flag client_once_;
  client_decl client_;
};

/// The session record plus the hooks the dispatcher uses to update it.
class session_hooks_impl final : public protocol::session_hooks {
 public:
  session_hooks_impl(state::session_store& store, std::string_view session_id) : store_(store), id_(session_id) {}
  void set_log_level(log_level l) override;
  bool subscribe(const std::string& uri) override;
  void unsubscribe(const std::string& uri) override;

 private:
  state::session_store& store_;
  std::string_view id_;  ///< the caller's, which outlives these hooks
};

/// Process-local live sessions, created on first use of a session id.
class live_sessions {
 public:
  std::shared_ptr<live_session> get(std::string_view id);
  std::shared_ptr<live_session> find(std::string_view id);
  void erase(std::string_view id);
  /// Every live session of this process.
  std::vector<std::shared_ptr<live_session>> all();
  /// Ends every session's streams and waits (shutdown).
  void clear();

 private:
  // Every legacy request looks its session up here: sharded, so I/O threads rarely share a lock.
  struct shard {
    std::mutex mu;
    std::map<std::string, std::shared_ptr<live_session>, std::less<>> map;
  };
  shard& shard_for(std::string_view id) { return shards_[std::hash<std::string_view>{}(id) % shards_.size()]; }
  std::array<shard, 16> shards_;
};

}  // namespace mcpx::transport
