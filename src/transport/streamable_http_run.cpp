// Running one request, and the legacy session paths (POST with a session, GET, DELETE).
#include "jsonrpc/message.hpp"
#include "transport/edge_rules.hpp"
#include "transport/header_rules.hpp"
#include "transport/inline_outbound.hpp"
#include "transport/replies.hpp"
#include "transport/request_outbound.hpp"
#include "transport/statuses.hpp"
#include "transport/streamable_http.hpp"
#include "transport/worker_call.hpp"

namespace mcpx::transport {

using code = jsonrpc::code;

namespace {

http::reply outcome_reply(const protocol::outcome& o, protocol::revision rev) {
  if (o.message.is_null()) return empty_reply(202);
  return json_reply_text(status_for(o.kind, rev), protocol::serialize(o));
}

}  // namespace

std::string client_error_message(const json::value& error) {
  // A malformed error object (a message that is not a string) must not throw: the handler
  // would wait for its timeout and the client would get a 500.
  if (error.is_object())
    if (auto* m = error.get_object().if_contains("message"); m && m->is_string()) return std::string(m->get_string());
  return "client error";
}

http::reply streamable_http::run_here(protocol::call& c, const std::shared_ptr<live_session>& s,
                                      std::string stream_name, ops::access_record* log,
                                      const net::any_io_executor& ex) {
  c.on_io_thread = true;
  inline_outbound out;
  // Initialized, not assigned: assigning would copy the response out of the call's storage.
  protocol::outcome o = [&] {
    try {
      return dispatcher_.dispatch(c, out);
    } catch (const std::exception&) {
      return protocol::dispatcher::error(c.msg.id, code::internal_error, "Internal error");
    }
  }();
  annotate_outcome(log, o.message);
  if (out.notifications().empty()) return outcome_reply(o, c.rev);
  protocol::materialize(o);
  // Notifications came first: the same SSE reply (event ids, priming) as from a worker.
  auto stream = std::make_shared<http::event_stream>(ex);
  request_outbound sse(stream, s, s ? events_.get() : nullptr, std::move(stream_name),
                       cfg_.protocol.client_request_timeout);
  for (auto& n : out.notifications()) sse.notify(std::move(n));
  sse.finish(o.message, o.kind);
  if (c.rev == protocol::revision::v2025_11_25) sse.prime(static_cast<unsigned>(cfg_.sse_retry.count()));
  return sse_reply(stream);
}

namespace {

// A worker pool that cannot take the call now: 503 with Retry-After and a classified error.
http::reply busy_reply(admission why, const json::value& id, ops::access_record* log) {
  // Every thread held past its deadline frees only when those handlers return: wait longer.
  const bool overdue = why == admission::workers_overdue;
  const int after = overdue ? 5 : 1;
  std::string message = overdue ? "Server busy: every worker is still running a tool call past its time limit; "
                                  "retry in 5 seconds"
                                : "Server busy: retry in 1 second";
  refusal r{
      refusal_kind::unavailable,
      overdue ? "workers_overdue" : "server_busy",
      code::internal_error,
      std::move(message),
      json::object{{"type", "SERVER_ERROR"}, {"code", "SERVER_BUSY"}, {"recoverable", true}, {"retry_after", after}},
      id,
      static_cast<unsigned>(after)};
  return refusal_reply(r, nullptr, log);
}

}  // namespace

streamable_http::step streamable_http::run(protocol::call& c, std::shared_ptr<live_session> s, std::string stream_name,
                                           const exchange& x, const net::any_io_executor& ex) {
  // Methods without user code, and tools registered for the I/O thread, skip the worker hop.
  if (!protocol::dispatcher::runs_user_code(c.msg.method)) return run_here(c, s, std::move(stream_name), x.log, ex);
  const protocol::tool_def* tool = dispatcher_.tool_of(c);
  c.tool = tool;
  if (tool && tool->runs_on == execution::io_thread) return run_here(c, s, std::move(stream_name), x.log, ex);
  if (auto a = pool_.try_acquire(); a != admission::admitted) return busy_reply(a, c.msg.id, x.log);
  const http::peer_info& peer = x.peer;
  auto stream = std::make_shared<http::event_stream>(ex);
  c.session = nullptr;  // user-code methods never touch session state, and the hooks die with this frame
  if (dispatcher_.task_capable(c, tool)) {
    c.task = std::make_shared<protocol::task_slot>();
    c.task->owner = owner_key(c.who.get());
  }
  worker_call::setup how{dispatcher_,
                         pool_,
                         tool,
                         tool ? tool->timeout.value_or(cfg_.tool_timeout) : std::chrono::milliseconds::zero(),
                         peer.record,
                         x.log,
                         cfg_.workers.short_call,
                         cfg_.workers.short_call_probation};
  const bool here = worker_call::may_run_here(tool, cfg_.workers.short_call);
  // The worker may outlive this request's arena (a task, a released stream, a hang-up).
  auto w = std::make_shared<worker_call>(c.copy_to_heap(), how, stream, s, s ? events_.get() : nullptr,
                                         std::move(stream_name), cfg_.protocol.client_request_timeout);
  w->watch(&peer.watch_hangup);
  // Queued to run on this thread, a call cannot pass its deadline, or outlast the hang-up
  // watch's delay, unnoticed unless the loop's spare takes over: only then does its wait need
  // a timer (a task's wait has its own end, task_after: it keeps the timer).
  http::io_loop::delay_hook delayed;
  if (here && !c.task) delayed = [stream] { stream->end_quiet(); };
  bool on_loop;
  if (s) {
    std::string key = json::serialize(c.msg.id);
    s->track(key, std::shared_ptr<request_outbound>(w, &w->out));
    on_loop = pool_.submit(
        [w, s, key](worker_pool::slot& slot) {
          w->run(&slot);
          s->untrack(key, w->out.stream_name());
        },
        &ex, here, std::move(delayed));
  } else {
    // Only the call: small enough for std::function to hold without an allocation.
    on_loop = pool_.submit([w](worker_pool::slot& slot) { w->run(&slot); }, &ex, here, std::move(delayed));
  }
  // Nothing of the call ran yet: it runs once this handler has returned.
  if (on_loop && !c.task) stream->wait_quietly();
  return on_worker{std::move(stream), std::move(w)};
}

net::awaitable<void> streamable_http::await_worker(on_worker w, http::reply& out) {
  // Each wait below ends at the call's deadline too, which answers it TIMEOUT (worker_call).
  std::optional<http::stream_item> first;
  const protocol::call& c = w.call->call;
  if (c.task) {
    // A task-capable call still running after task_after becomes a task; the worker goes on.
    first = co_await w.stream->next_for(cfg_.task_after);
    if (first && first->keepalive) {
      if (auto created = dispatcher_.detach(c, *c.task)) {
        out = json_reply(200, *created);
        co_return;
      }
      first = co_await w.stream->next();
    }
  } else {
    first = co_await w.stream->next();
  }
  if (!first) {
    out = empty_reply(500);
    co_return;
  }
  // Only the response came: answer with plain JSON. Anything before it: stream it all as SSE.
  if (first->last) {
    make_json_reply_text(out, status_for(w.call->out.kind(), c.rev), std::move(first->data));  // `out` is new
    co_return;
  }
  w.stream->unshift(std::move(*first));
  // 2025-11-25 clients can reconnect from a priming event if the stream breaks.
  if (c.rev == protocol::revision::v2025_11_25) w.call->out.prime(static_cast<unsigned>(cfg_.sse_retry.count()));
  out = sse_reply(w.stream);
}

streamable_http::step streamable_http::post_legacy(exchange& x, const net::any_io_executor& ex) {
  // The session stage found the record and checked the version header.
  const auto& rec = x.session;
  std::string_view sid = *x.session_id;
  jsonrpc::message& msg = x.msg;
  auto live = live_.get(sid);
  if (msg.type == jsonrpc::kind::response || msg.type == jsonrpc::kind::error_response) {
    std::string rid = msg.id.is_string() ? std::string(msg.id.get_string()) : json::serialize(msg.id);
    bool here = msg.type == jsonrpc::kind::response  // copied off the request arena: a worker reads it later
                    ? live->resolve(rid, json::value(msg.result, json::storage_ptr()), {})
                    : live->resolve(rid, std::nullopt, client_error_message(msg.error));
    // The handler waiting for it may run on another replica.
    if (!here) forward_answer(sid, rid, msg);
    return empty_reply(202);
  }
  if (msg.type == jsonrpc::kind::notification) {
    if (msg.method == "notifications/cancelled" && msg.params.is_object()) {
      if (auto* rid = msg.params.get_object().if_contains("requestId")) {
        auto key = json::serialize(*rid);
        if (!live->cancel_request(key)) forward_cancel(sid, key);
      }
    }
    return empty_reply(202);
  }
  if (msg.method == "initialize")
    return refusal_reply({refusal_kind::bad_request, "already_initialized", code::invalid_request,
                          "Bad Request: session already initialized"},
                         &x);
  // Capabilities and client info never change after initialize: parsed once per session.
  const auto& client = live->client(*rec);
  if (auto* r = x.log) {
    r->protocol_version = rec->protocol_version;
    if (auto* n = client.info.if_contains("name"); n && n->is_string()) r->client = n->get_string();
  }
  protocol::call c(std::move(msg));
  x.decoded = false;  // the message now lives in the call
  c.rev = *protocol::parse_revision(rec->protocol_version);
  c.who = x.who;
  // Owned by `live` through these references: a worker's copy of the call shares them.
  c.client_capabilities = protocol::object_ref(live, &client.capabilities);
  c.client_info = protocol::object_ref(live, &client.info);
  // Until logging/setLevel, a legacy client gets every log message.
  c.min_log_level = rec->log_level.empty() ? std::optional(log_level::debug) : parse_log_level(rec->log_level);
  c.session_id = std::string(sid);
  if (x.meta) c.meta = protocol::view_of(*x.meta);  // the decode stage's; the move kept it in place
  session_hooks_impl hooks(*sessions_, rec->id);    // `rec` outlives the hooks
  c.session = &hooks;
  return run(c, live, live->next_stream_name(), x, ex);
}

net::awaitable<http::reply> streamable_http::get(exchange& x) {
  // The session stage found the session, when the GET names one.
  auto sid = x.session_id;
  if (!sid) {
    refusal r{refusal_kind::method_not_allowed, "get_without_session", code::invalid_request,
              "Method Not Allowed: GET needs an Mcp-Session-Id (2025-xx sessions only)"};
    r.headers.emplace_back("Allow", "POST, DELETE");
    co_return refusal_reply(r, &x);
  }
  const http::request& req = x.req;
  auto a = x.fields.find(req, headers::accept);
  if (a && !accept_allows(*a, "text", "event-stream"))
    co_return refusal_reply({refusal_kind::not_acceptable, "not_acceptable", code::invalid_request,
                             "Not Acceptable: Accept must include text/event-stream"},
                            &x);
  auto live = live_.get(*sid);
  auto ex = co_await net::this_coro::executor;
  auto stream = std::make_shared<http::event_stream>(ex);
  if (auto last = x.fields.find(req, headers::last_event_id)) {
    std::string stream_name;
    auto events = events_->after(*sid, *last, &stream_name);
    if (events && stream_name != "g") {
      // A request stream: if the request is still running, this GET carries the rest of it;
      // if it finished, replay what is left and end.
      auto running = live->running_stream(stream_name);
      if (running && running->resume(stream, std::string(*last))) co_return sse_reply(stream);
      for (auto& e : *events)
        if (!e.data.empty()) stream->push({e.id, e.data});
      stream->close();
      co_return sse_reply(stream);
    }
    if (events)
      for (auto& e : *events) stream->push({e.id, e.data});
  }
  if (!live->open_get_stream(stream))
    co_return refusal_reply({refusal_kind::conflict, "get_stream_open", code::invalid_request,
                             "Conflict: this session already has an open GET stream"},
                            &x);
  co_return sse_reply(stream);
}

http::reply streamable_http::del(exchange& x) {
  auto sid = x.fields.find(x.req, headers::mcp_session_id);
  if (!sid)
    return refusal_reply({refusal_kind::bad_request, "no_session_id", code::invalid_request,
                          "Bad Request: Mcp-Session-Id header is required"},
                         &x);
  // Only its owner may end a session; to anyone else it does not exist.
  auto rec = sessions_->peek(*sid);
  if (!rec || !is_owner(x.who.get(), rec->owner) || !sessions_->erase(*sid))
    return refusal_reply({refusal_kind::not_found, "unknown_session", -32001, "Session not found"}, &x);
  live_.erase(*sid);
  events_->drop_session(*sid);
  return empty_reply(200);
}

void streamable_http::expire_sessions() {
  dispatcher_.expire_tasks();
  for (auto& id : sessions_->expire()) {
    live_.erase(id);
    events_->drop_session(id);
  }
}

}  // namespace mcpx::transport
