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

struct live_session {
  explicit live_session(std::string i) : id(std::move(i)) {}
  std::string id;
  std::mutex mu;
  std::shared_ptr<http::event_stream> get_stream;
  std::map<std::string, std::shared_ptr<pending_call>> pending;
  std::map<std::string, std::weak_ptr<protocol::outbound>> inflight;  // by serialized request id
  std::map<std::string, std::weak_ptr<protocol::outbound>> streams;   // in-flight, by stream name
  std::atomic<std::uint64_t> next_id{0};

  /// What the client declared at initialize, parsed from the session record on first use.
  struct client_decl {
    json::object capabilities, info;
  };
  /// Parses `rec`'s capabilities and client info once; they never change after initialize.
  const client_decl& client(const state::session_record& rec);

  /// Resolves a pending server-to-client request from the client's JSON-RPC response.
  bool resolve(const std::string& id, std::optional<json::value> result, std::string error);

 private:
  std::once_flag client_once_;
  client_decl client_;
};

/// The session record plus the hooks the dispatcher uses to update it.
class session_hooks_impl final : public protocol::session_hooks {
 public:
  session_hooks_impl(state::session_store& store, std::string_view session_id) : store_(store), id_(session_id) {}
  void set_log_level(log_level l) override;
  void subscribe(const std::string& uri) override;
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
  /// Streams of sessions subscribed to `uri` get a resources/updated notification.
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
