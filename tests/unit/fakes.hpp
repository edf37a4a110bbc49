#pragma once
// Fakes for driving protocol::dispatcher directly, without a transport or sockets: an outbound
// that records what a handler sends and answers server-to-client requests from a script,
// session hooks that record what a legacy session would store, and helpers that build calls
// the way the transport does (a parsed JSON-RPC message plus what the revision carries).
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "jsonrpc/message.hpp"
#include "mcpx/builders.hpp"
#include "protocol/dispatcher.hpp"

namespace mcpx::test {

namespace json = boost::json;
using protocol::outcome_kind;
using protocol::revision;

/// Records notifications, client requests and early responses; answers call_client by method.
/// Thread-safe, as the dispatcher may call it from a worker while a test thread reads it.
class fake_outbound final : public protocol::outbound {
 public:
  struct client_call {
    std::string method;
    json::object params;
  };

  void notify(json::object n) override {
    std::lock_guard lock(mu_);
    notes_.push_back(std::move(n));
  }
  std::optional<json::value> call_client(std::string_view method, json::object params, std::string* error) override {
    std::lock_guard lock(mu_);
    calls_.push_back({std::string(method), std::move(params)});
    auto it = script_.find(std::string(method));
    if (it == script_.end()) {
      *error = "no scripted answer";
      return std::nullopt;
    }
    return it->second;
  }
  bool cancelled() const noexcept override { return false; }
  void respond(const json::value& message, outcome_kind kind) override {
    std::lock_guard lock(mu_);
    responses_.emplace_back(message, kind);
  }
  bool release_stream(unsigned) override { return false; }

  /// The client's answer to every later request of `method`.
  void answer(std::string method, json::value result) {
    std::lock_guard lock(mu_);
    script_[std::move(method)] = std::move(result);
  }
  std::vector<json::object> notes() const {
    std::lock_guard lock(mu_);
    return notes_;
  }
  std::vector<client_call> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  std::vector<std::pair<json::value, outcome_kind>> responses() const {
    std::lock_guard lock(mu_);
    return responses_;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, json::value> script_;
  std::vector<json::object> notes_;
  std::vector<client_call> calls_;
  std::vector<std::pair<json::value, outcome_kind>> responses_;
};

/// What a legacy session would persist through the dispatcher.
class fake_session final : public protocol::session_hooks {
 public:
  void set_log_level(log_level l) override { level = l; }
  bool subscribe(const std::string& uri) override { return subscriptions.insert(uri), true; }
  void unsubscribe(const std::string& uri) override { subscriptions.erase(uri); }
  std::optional<log_level> level;
  std::set<std::string> subscriptions;
};

/// The `_meta` a 2026-07-28 client puts in every request.
inline json::object modern_meta(json::object caps = {}) {
  return json::object{{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
                      {"io.modelcontextprotocol/clientCapabilities", std::move(caps)},
                      {"io.modelcontextprotocol/clientInfo", json::object{{"name", "unit"}, {"version", "1"}}}};
}

/// A call from JSON-RPC text, as the transport builds it: for 2026-07-28 the capabilities,
/// client info and log level come from params._meta; for legacy revisions `legacy_caps` stands
/// for what initialize negotiated.
inline protocol::call call_from(std::string_view text, revision rev = revision::v2026_07_28,
                                json::object legacy_caps = {}, json::storage_ptr sp = {}) {
  jsonrpc::message m(std::move(sp));
  auto err = jsonrpc::parse(text, m);
  EXPECT_FALSE(err) << (err ? err->message : "") << " in " << text;
  protocol::call c(std::move(m));
  c.rev = rev;
  if (c.msg.params.is_object())
    if (auto* meta = c.msg.params.get_object().if_contains("_meta"); meta && meta->is_object())
      c.meta = protocol::view_of(meta->get_object());
  if (protocol::is_modern(rev)) {
    if (auto* caps = c.meta->if_contains("io.modelcontextprotocol/clientCapabilities"); caps && caps->is_object())
      c.client_capabilities = protocol::view_of(caps->get_object());
    if (auto* info = c.meta->if_contains("io.modelcontextprotocol/clientInfo"); info && info->is_object())
      c.client_info = protocol::view_of(info->get_object());
    if (auto* lv = c.meta->if_contains("io.modelcontextprotocol/logLevel"); lv && lv->is_string())
      c.min_log_level = parse_log_level(lv->get_string());
  } else {
    c.client_capabilities = std::make_shared<const json::object>(std::move(legacy_caps));
    c.min_log_level = log_level::debug;  // what a legacy session has before logging/setLevel
    c.session_id = "session-1";
  }
  return c;
}

/// A 2026-07-28 request; `_meta` is added (with `caps`) unless params already has one. Its
/// JSON lives in `sp`: an arena stands for the I/O thread's per-request one.
inline protocol::call modern_call(std::string_view method, json::object params = {}, json::object caps = {},
                                  json::value id = 1, json::storage_ptr sp = {}) {
  if (!params.contains("_meta")) params["_meta"] = modern_meta(std::move(caps));
  json::object msg{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
  return call_from(json::serialize(msg), revision::v2026_07_28, {}, std::move(sp));
}

/// A request in a 2025-11-25 session whose client declared `caps` at initialize.
inline protocol::call legacy_call(std::string_view method, json::object params = {}, json::object caps = {},
                                  json::value id = 1) {
  json::object msg{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
  return call_from(json::serialize(msg), revision::v2025_11_25, std::move(caps));
}

/// A registry, the dispatcher over it, and a fake outbound: register, then start().
struct harness {
  protocol::registry reg;
  std::unique_ptr<protocol::dispatcher> d;
  fake_outbound out;

  tool_builder tool(std::string name) { return tool_builder(&reg.add_tool(std::move(name))); }
  void start(protocol::dispatcher_config cfg = {}) {
    // Thrown, not asserted: a test must not go on with no dispatcher.
    if (auto err = reg.freeze()) throw std::runtime_error("registry refused: " + *err);
    d = std::make_unique<protocol::dispatcher>(reg, server_info{"unit-server", "9.9.9"}, std::move(cfg));
  }
  /// The outcome as a client reads it: a shared result text (a list page) or the fixed tail
  /// of a 2026-07-28 result is joined and parsed back, so tests see the wire, not the shortcut.
  protocol::outcome run(protocol::call& c) {
    auto o = d->dispatch(c, out);
    if (o.result_text || !o.result_tail.empty()) {
      o.message = json::parse(protocol::serialize(o));
      o.result_text.reset();
      o.result_tail = {};
    }
    return o;
  }
  /// The outcome as the dispatcher made it.
  protocol::outcome run_raw(protocol::call& c) { return d->dispatch(c, out); }
};

/// The result object of a successful response.
inline const json::object& result_of(const protocol::outcome& o) {
  return o.message.as_object().at("result").as_object();
}
/// The error object of an error response.
inline const json::object& error_of(const protocol::outcome& o) {
  return o.message.as_object().at("error").as_object();
}
inline std::int64_t error_code(const protocol::outcome& o) { return error_of(o).at("code").as_int64(); }
/// structuredContent.error of a tool error result.
inline const json::object& tool_error_of(const protocol::outcome& o) {
  return result_of(o).at("structuredContent").as_object().at("error").as_object();
}
inline std::string str(const json::value& v) { return std::string(v.as_string()); }

}  // namespace mcpx::test
