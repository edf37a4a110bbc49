#include "transport/streamable_http.hpp"

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

const json::object& meta_of(const jsonrpc::message& m) {
  static const json::object empty;
  if (!m.params.is_object()) return empty;
  auto* meta = m.params.get_object().if_contains("_meta");
  return meta && meta->is_object() ? meta->get_object() : empty;
}

bool on_endpoint(const http::request& req, std::string_view endpoint) {
  std::string_view target = req.target();
  return target.substr(0, target.find('?')) == endpoint;
}

// The fields a stage asked every reply to carry (the admit stage's RateLimit fields).
http::reply with_fields(http::reply r, exchange& x) {
  if (r.extra_fields.empty()) r.extra_fields = std::move(x.reply_fields);
  else r.extra_fields.append(x.reply_fields);
  return r;
}

}  // namespace

net::awaitable<http::reply> streamable_http::handle(http::request& req, const http::peer_info& peer) {
  // The one coroutine frame of the request path: the stages and the steps after them are plain
  // functions, and only a call handed to a worker (or a GET stream) waits here.
  if (!on_endpoint(req, cfg_.endpoint)) co_return text_reply(404, "Not found\n");
  exchange x(req, peer);
  auto refused = stages_.run(x);
  while (!refused && x.wait) {
    auto wait = std::exchange(x.wait, nullptr);
    co_await wait();
    x.waited = true;
    refused = stages_.run(x);
  }
  if (refused) co_return with_fields(refusal_reply(*refused, &x), x);
  switch (req.method()) {
    case http::bhttp::verb::post: {
      auto next = post(x, co_await net::this_coro::executor);
      if (auto* w = std::get_if<on_worker>(&next)) co_return with_fields(co_await await_worker(std::move(*w)), x);
      co_return with_fields(std::move(std::get<http::reply>(next)), x);
    }
    case http::bhttp::verb::get: co_return with_fields(co_await get(x), x);
    case http::bhttp::verb::delete_: co_return with_fields(del(x), x);
    default: {
      refusal r{refusal_kind::method_not_allowed, "method_not_allowed", code::invalid_request, "Method not allowed"};
      r.headers.emplace_back("Allow", "GET, POST, DELETE");
      co_return refusal_reply(r, &x);
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
  const json::object& meta = meta_of(c.msg);
  c.meta = protocol::view_of(meta);
  c.rev = revision::v2026_07_28;
  c.who = x.who;
  if (auto* caps = meta.if_contains("io.modelcontextprotocol/clientCapabilities"); caps && caps->is_object())
    c.client_capabilities = protocol::view_of(caps->get_object());
  if (auto* info = meta.if_contains("io.modelcontextprotocol/clientInfo"); info && info->is_object())
    c.client_info = protocol::view_of(info->get_object());
  if (auto* lv = meta.if_contains("io.modelcontextprotocol/logLevel"); lv && lv->is_string())
    c.min_log_level = parse_log_level(lv->get_string());
  if (c.msg.method == "subscriptions/listen") return listen(std::move(c), ex);
  return run(c, nullptr, {}, x.peer, ex);
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
