#pragma once
// The request path as a chain of named stages (host/origin -> authenticate -> media types ->
// decode -> revision -> session -> admit -> dispatch). A stage has one job, its own config,
// and a counter for every way it refuses; it lets the request go on or ends it with a refusal,
// which statuses.hpp turns into the HTTP status and body for the request's revision. Stages
// hold no per-request state: what they learn travels in the exchange.
#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/types.hpp"
#include "jsonrpc/message.hpp"
#include "mcpx/access.hpp"
#include "mcpx/state/stores.hpp"
#include "ops/access_record.hpp"
#include "protocol/revision.hpp"
#include "transport/header_rules.hpp"
#include "transport/replies.hpp"

namespace mcpx::limits {
struct verdict;
}

namespace mcpx::transport {

namespace json = boost::json;

/// What kind of answer a refusal is; statuses.hpp maps each to one HTTP status.
enum class refusal_kind {
  bad_request,             ///< 400
  unauthorized,            ///< 401, with WWW-Authenticate
  forbidden,               ///< 403
  not_found,               ///< 404 (an unknown session)
  method_not_allowed,      ///< 405
  not_acceptable,          ///< 406
  conflict,                ///< 409
  unsupported_media_type,  ///< 415
  too_many_requests,       ///< 429, with Retry-After
  /// 200: a JSON-RPC error answering a 2025-xx request (those clients read errors from 200
  /// answers), with Retry-After.
  too_many_requests_in_rpc,
  unavailable,  ///< 503, with Retry-After
};

/// A stage's decision to end the request here.
struct refusal {
  refusal_kind kind;
  /// Stable snake_case name: the metric label and the access log's error_code.
  std::string_view reason;
  int code;  ///< JSON-RPC error code of the body
  std::string message;
  json::value data = nullptr;
  /// The request's id when the decoder could read it from a message it refused; otherwise the
  /// decoded message's id is used.
  json::value id = nullptr;
  std::optional<unsigned> retry_after_s = std::nullopt;
  std::vector<std::pair<std::string, std::string>> headers = {};  ///< e.g. WWW-Authenticate
  /// When an object: the request is answered with this JSON-RPC result (HTTP 200) instead of an
  /// error, e.g. a tool result with isError for a tools/call refused before it ran.
  json::value result = nullptr;
  std::string_view error_class = {};  ///< for the access log when `result` is set
  std::string_view error_code = {};
};

/// How a request addresses the server: decided by the revision stage (POST only).
enum class era {
  unknown,
  legacy_initialize,  ///< 2025-xx initialize: creates a session
  legacy_session,     ///< 2025-xx request in a session (Mcp-Session-Id)
  modern,             ///< 2026-07-28: stateless, revision in _meta
};

/// One request on its way through the stages: the request, and what stages learnt of it.
/// Lives in the request's coroutine frame; never moved.
struct exchange {
  exchange(http::request& r, const http::peer_info& p)
      : req(r), peer(p), log(ops::access_record::of(p)), arena(p.arena), msg(storage_in(arena, p.arena)) {}
  exchange(const exchange&) = delete;
  exchange& operator=(const exchange&) = delete;

  http::request& req;
  /// The fields of `req` the stages read, found once (look them up here, not in `req`).
  field_index fields;
  const http::peer_info& peer;
  ops::access_record* log;  ///< null when nobody logs this request
  principal_ptr who;        ///< set by an authentication stage
  /// The JSON-RPC message (decode stage), in the request's arena.
  json_arena arena;
  jsonrpc::message msg;
  bool decoded = false;
  const json::object* meta = nullptr;        ///< params._meta when it is an object (decode stage)
  meta_members known_meta;                   ///< what the transport reads of `meta` (decode stage)
  const protocol::tool_def* tool = nullptr;  ///< a tools/call's tool, when the revision stage found it
  era how = era::unknown;
  std::optional<std::string_view> session_id;            ///< the Mcp-Session-Id header
  std::shared_ptr<const state::session_record> session;  ///< session stage (legacy)
  /// Set by a stage that must wait before it can decide (the authentication stage, for an
  /// issuer's fresh keys): the transport awaits it, then runs the pipeline again from that
  /// stage, with `waited` true so the stage decides for good.
  std::function<http::net::awaitable<void>()> wait;
  bool waited = false;
  std::size_t next_stage = 0;  ///< where pipeline::run starts
  /// The rate-limit verdict a shared store gave while the request waited (admit stage).
  std::shared_ptr<limits::verdict> admission;
  /// Fields every reply to this request carries (RateLimit-Policy, RateLimit), formatted as
  /// "Name: value\r\n" lines (http::reply::extra_fields). Values must hold no CR or LF.
  std::string reply_fields;
};

/// Which requests a stage looks at.
enum method_mask : unsigned { on_post = 1, on_get = 2, on_delete = 4, on_other = 8, on_any = 15 };

class stage {
 public:
  /// `reasons`: every reason this stage can refuse with, so each has a counter from the start.
  stage(std::string_view name, unsigned methods, std::vector<std::string_view> reasons);
  virtual ~stage() = default;
  stage(const stage&) = delete;
  stage& operator=(const stage&) = delete;

  /// Lets the request go on (nullopt) or ends it. Runs on an I/O thread: must not block; a
  /// stage that must wait sets exchange::wait and returns nullopt.
  virtual std::optional<refusal> check(exchange& x) const = 0;

  std::string_view name() const noexcept { return name_; }
  bool applies_to(http::bhttp::verb v) const noexcept;
  /// Counts one refusal; a reason not declared up front counts as "other".
  void count(std::string_view reason) const noexcept;
  /// Every declared reason with its count so far.
  std::vector<std::pair<std::string_view, std::uint64_t>> refusals() const;

 private:
  std::string_view name_;
  unsigned methods_;
  struct counter {
    std::string_view reason;
    mutable std::atomic<std::uint64_t> n{0};
  };
  std::unique_ptr<counter[]> counters_;  // reasons, then "other"
  std::size_t size_;
};

/// The ordered stages of the request path. Built at start, read-only after.
class pipeline {
 public:
  void add(std::unique_ptr<stage> s) { stages_.push_back(std::move(s)); }
  /// Inserts `s` right after the stage named `after` (at the end when there is none).
  void insert_after(std::string_view after, std::unique_ptr<stage> s);
  /// Runs the stages that apply to the request in order, from exchange::next_stage; the first
  /// refusal ends it (counted). Stops early, refusing nothing, when a stage set exchange::wait.
  std::optional<refusal> run(exchange& x) const;
  const std::vector<std::unique_ptr<stage>>& stages() const noexcept { return stages_; }

 private:
  std::vector<std::unique_ptr<stage>> stages_;
};

}  // namespace mcpx::transport
