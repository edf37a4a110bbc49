#include "transport/streamable_http.hpp"

#include <memory_resource>
#include <optional>

#include "transport/header_rules.hpp"
#include "transport/replies.hpp"
#include "transport/request_outbound.hpp"
#include "transport/stages.hpp"
#include "transport/statuses.hpp"
#include "util/random.hpp"

namespace mcpx::transport {

using code = jsonrpc::code;
using protocol::revision;

streamable_http::streamable_http(const protocol::registry& reg, server_info info, transport_config cfg,
                                 state::backends st)
    : reg_(reg),
      cfg_(std::move(cfg)),
      dispatcher_(reg, std::move(info), cfg_.protocol, st.tasks, st.bus),
      sessions_(std::move(st.sessions)),
      events_(std::move(st.events)),
      bus_(std::move(st.bus)),
      pool_(cfg_.workers.threads, cfg_.workers.queue_limit) {
  stages_.add(std::make_unique<host_origin_stage>(cfg_.origin));
  stages_.add(std::make_unique<media_type_stage>());
  stages_.add(std::make_unique<decode_stage>());
  stages_.add(std::make_unique<revision_stage>(reg_));
  stages_.add(std::make_unique<session_stage>(*sessions_));
  inbox_ = bus_->subscribe(std::string(bus_channel), [this](std::string_view m) { on_bus_message(m); });
}

streamable_http::~streamable_http() { shutdown(); }

void streamable_http::shutdown() {
  inbox_.reset();              // nothing arrives from other replicas while this one winds down
  dispatcher_.cancel_tasks();  // lets handlers of running tasks see cancelled() and return
  live_.clear();               // wakes handlers waiting for a legacy client's answer
  pool_.stop();
  pool_.join();
  std::lock_guard lock(listeners_mu_);
  listeners_.clear();
}

namespace {

bool on_endpoint(const http::request& req, std::string_view endpoint) {
  std::string_view target = req.target();
  return target.substr(0, target.find('?')) == endpoint;
}

// The fields a stage asked every reply to carry (the admit stage's RateLimit fields). In
// place: a reply is not small to move (Beast's field table, the body, the stream), and it
// already moves from the worker's answer to the connection four times.
void add_fields(http::reply& r, exchange& x) {
  if (r.extra_fields.empty()) r.extra_fields = std::move(x.reply_fields);
  else r.extra_fields.append(x.reply_fields);
}

// An object made in a memory resource and destroyed with this scope.
template <class T>
class in_arena {
 public:
  template <class... Args>
  explicit in_arena(std::pmr::memory_resource* r, Args&&... args)
      : alloc_(r), p_(alloc_.new_object<T>(std::forward<Args>(args)...)) {}
  ~in_arena() { alloc_.delete_object(p_); }
  in_arena(const in_arena&) = delete;
  in_arena& operator=(const in_arena&) = delete;
  T* operator->() const noexcept { return p_; }
  T& operator*() const noexcept { return *p_; }

 private:
  std::pmr::polymorphic_allocator<> alloc_;
  T* p_;
};

}  // namespace

struct streamable_http::pending {
  pending(http::request& r, const http::peer_info& p, http::reply& out) : x(r, p), reply(out) {}
  exchange x;
  http::reply& reply;  ///< the connection's, made in place
  on_worker worker;
};

net::awaitable<void> streamable_http::handle(http::request& req, const http::peer_info& peer, http::reply& out) {
  // The one coroutine frame of the request path. Asio reuses a thread's freed frames only up to
  // 1020 bytes; beyond that every request took a large block from malloc, and glibc then
  // consolidated its free lists each time. So the request's state lives in its arena and the
  // replies are made by plain functions (advance), into the connection's: the frame holds little.
  if (!on_endpoint(req, cfg_.endpoint)) {
    out = text_reply(404, "Not found\n");
    co_return;
  }
  in_arena<pending> p(peer.arena, req, peer, out);
  const auto ex = co_await net::this_coro::executor;
  for (;;) {
    switch (advance(*p, ex)) {
      case then::reply: co_return;
      case then::stage_wait: {
        auto wait = std::exchange(p->x.wait, nullptr);
        co_await wait();
        p->x.waited = true;
        continue;
      }
      case then::worker_reply: co_await await_worker(std::move(p->worker), p->reply); break;
      case then::get: p->reply = co_await get(p->x); break;
    }
    add_fields(p->reply, p->x);
    co_return;
  }
}

streamable_http::then streamable_http::advance(pending& p, const net::any_io_executor& ex) {
  exchange& x = p.x;
  auto refused = stages_.run(x);
  if (!refused && x.wait) return then::stage_wait;
  if (refused) {
    p.reply = refusal_reply(*refused, &x);
    add_fields(p.reply, x);
    return then::reply;
  }
  switch (x.req.method()) {
    case http::bhttp::verb::post: {
      auto next = post(x, ex);
      if (auto* w = std::get_if<on_worker>(&next)) {
        p.worker = std::move(*w);
        return then::worker_reply;
      }
      p.reply = std::move(std::get<http::reply>(next));
      add_fields(p.reply, x);
      return then::reply;
    }
    case http::bhttp::verb::get: return then::get;
    case http::bhttp::verb::delete_:
      p.reply = del(x);
      add_fields(p.reply, x);
      return then::reply;
    default: {
      refusal r{refusal_kind::method_not_allowed, "method_not_allowed", code::invalid_request, "Method not allowed"};
      r.headers.emplace_back("Allow", "GET, POST, DELETE");
      p.reply = refusal_reply(r, &x);
      return then::reply;
    }
  }
}

streamable_http::step streamable_http::post(exchange& x, const net::any_io_executor& ex) {
  switch (x.how) {
    case era::legacy_initialize: return initialize(x);
    case era::legacy_session: return post_legacy(x, ex);
    default: return post_modern(x, ex);
  }
}

streamable_http::step streamable_http::post_modern(exchange& x, const net::any_io_executor& ex) {
  if (x.msg.type == jsonrpc::kind::notification) return empty_reply(202);
  protocol::call c(std::move(x.msg));
  x.decoded = false;  // the message now lives in the call
  // Found by the decode stage; a moved message keeps its objects where they were.
  const json::object& meta = x.meta ? *x.meta : protocol::empty_object();
  c.meta = protocol::view_of(meta);
  c.rev = revision::v2026_07_28;
  c.who = x.who;
  c.tool = x.tool;  // found by params.name, which the call now holds
  if (auto* caps = x.known_meta.client_capabilities; caps && caps->is_object())
    c.client_capabilities = protocol::view_of(caps->get_object());
  if (auto* info = x.known_meta.client_info; info && info->is_object())
    c.client_info = protocol::view_of(info->get_object());
  if (auto* lv = x.known_meta.log_level; lv && lv->is_string()) c.min_log_level = parse_log_level(lv->get_string());
  if (c.msg.method == "subscriptions/listen") return listen(std::move(c), ex);
  return run(c, nullptr, {}, x, ex);
}

http::reply streamable_http::initialize(exchange& x) {
  const jsonrpc::message& msg = x.msg;
  std::string requested;
  json::object caps, info;
  if (msg.params.is_object()) {
    auto& p = msg.params.get_object();
    if (auto* v = p.if_contains("protocolVersion"); v && v->is_string()) requested = v->get_string();
    if (auto* v = p.if_contains("capabilities"); v && v->is_object()) caps = v->get_object();
    if (auto* v = p.if_contains("clientInfo"); v && v->is_object()) info = v->get_object();
  }
  if (requested.empty())
    return refusal_reply({refusal_kind::bad_request, "no_protocol_version", code::invalid_params,
                          "Invalid params: \"protocolVersion\" is required"},
                         &x);
  // Negotiation: echo a legacy version we speak, else offer our latest legacy one.
  auto rev = protocol::parse_revision(requested);
  std::string version = rev && !protocol::is_modern(*rev) ? requested : std::string(protocol::latest_legacy);
  auto id = util::random_hex_id(16);
  if (!id) {
    refusal r{refusal_kind::unavailable, "no_randomness", code::internal_error,
              "Cannot create a session now; retry later"};
    r.retry_after_s = 1;
    return refusal_reply(r, &x);
  }
  state::session_record rec;
  rec.id = std::move(*id);
  rec.protocol_version = version;
  rec.client_capabilities_json = json::serialize(caps);
  rec.client_info_json = json::serialize(info);
  rec.owner = owner_key(x.who.get());
  // A client chooses what it declares, and the session keeps it for the idle timeout.
  if (rec.bytes() > cfg_.sessions.max_record_bytes)
    return refusal_reply({refusal_kind::bad_request, "declaration_too_large", code::invalid_params,
                          "Invalid params: capabilities and clientInfo take more than " +
                              std::to_string(cfg_.sessions.max_record_bytes) + " bytes"},
                         &x);
  if (!sessions_->create(rec)) {
    refusal r{refusal_kind::unavailable, "too_many_sessions", code::internal_error, "Too many sessions; retry later"};
    r.retry_after_s = 5;
    return refusal_reply(r, &x);
  }
  // Until DELETE or expiry drops it: events appended after that are not kept.
  events_->open_session(rec.id);
  json::object res{{"jsonrpc", "2.0"}, {"id", msg.id}, {"result", dispatcher_.initialize_result(version)}};
  auto r = json_reply(200, res);
  r.head.set("Mcp-Session-Id", rec.id);
  return r;
}

}  // namespace mcpx::transport
