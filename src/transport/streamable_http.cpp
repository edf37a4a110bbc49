#include "transport/streamable_http.hpp"

#include <openssl/rand.h>

#include <boost/url/parse.hpp>

#include "transport/header_rules.hpp"
#include "transport/replies.hpp"
#include "transport/request_outbound.hpp"

namespace mcpx::transport {

using code = jsonrpc::code;
using protocol::revision;

streamable_http::streamable_http(const protocol::registry& reg, server_info info, transport_config cfg)
    : reg_(reg),
      cfg_(std::move(cfg)),
      dispatcher_(reg, std::move(info), cfg_.protocol),
      sessions_(state::make_memory_session_store(cfg_.sessions.idle_timeout, cfg_.sessions.max_sessions)),
      events_(state::make_memory_event_store()),
      pool_(cfg_.workers.threads, cfg_.workers.queue_limit) {}

streamable_http::~streamable_http() { shutdown(); }

void streamable_http::shutdown() {
  dispatcher_.cancel_tasks();  // lets handlers of running tasks see cancelled() and return
  live_.clear();               // wakes handlers waiting for a legacy client's answer
  pool_.stop();
  pool_.join();
  std::lock_guard lock(listeners_mu_);
  listeners_.clear();
}

namespace {

std::string random_session_id() {
  unsigned char raw[16];
  RAND_bytes(raw, sizeof raw);
  static constexpr char hex[] = "0123456789abcdef";
  std::string s;
  for (unsigned char b : raw) s += hex[b >> 4], s += hex[b & 15];
  return s;
}


bool loopback_host(std::string_view host) {
  return host == "localhost" || host == "127.0.0.1" || host == "[::1]" || host == "::1";
}

const json::object& meta_of(const jsonrpc::message& m) {
  static const json::object empty;
  if (!m.params.is_object()) return empty;
  auto* meta = m.params.get_object().if_contains("_meta");
  return meta && meta->is_object() ? meta->get_object() : empty;
}

bool accepts(const http::request& req, std::string_view type) {
  auto a = header_value(req, "Accept");
  if (!a) return true;  // no Accept header: anything goes (RFC 9110)
  return a->find(type) != std::string_view::npos || a->find("*/*") != std::string_view::npos;
}

}  // namespace

bool streamable_http::origin_allowed(const http::request& req) const {
  // DNS rebinding: a server on loopback answers only requests addressed to a loopback name.
  if (auto host = header_value(req, "Host"); host && !cfg_.origin.allowed_hosts.empty()) {
    auto colon = host->rfind(':');
    std::string_view name = colon != std::string_view::npos && host->find(']') < colon ? host->substr(0, colon)
                            : colon != std::string_view::npos && host->find(']') == std::string_view::npos ? host->substr(0, colon)
                                                                                                : *host;
    bool ok = false;
    for (auto& h : cfg_.origin.allowed_hosts) ok = ok || h == name;
    if (!ok) return false;
  }
  auto origin = header_value(req, "Origin");
  if (!origin) return true;  // non-browser clients send none
  for (auto& o : cfg_.origin.allowed_origins)
    if (o == *origin) return true;
  auto u = boost::urls::parse_uri(*origin);
  if (!u) return false;
  // DNS rebinding: a page on a foreign origin that resolves to us must not reach us.
  return loopback_host(u->host());
}

net::awaitable<http::reply> streamable_http::handle(http::request& req, const http::peer_info& peer) {
  // The one coroutine frame of the request path: the stages below are plain functions, and
  // only a call handed to a worker (or a GET stream) waits here.
  http::reply r;
  if (auto refused = refuse(req)) {
    r = std::move(*refused);
  } else if (req.method() == http::bhttp::verb::post) {
    auto next = post(req, peer, co_await net::this_coro::executor);
    if (auto* w = std::get_if<on_worker>(&next))
      r = co_await await_worker(std::move(*w));
    else
      r = std::move(std::get<http::reply>(next));
  } else if (req.method() == http::bhttp::verb::get) {
    r = co_await get(req);
  } else if (req.method() == http::bhttp::verb::delete_) {
    r = del(req);
  } else {
    r = json_reply(405, jsonrpc::make_error(nullptr, code::invalid_request, "Method not allowed"));
    r.head.set(http::bhttp::field::allow, "GET, POST, DELETE");
  }
  // Errors answered here (not by a handler) are classified from their body; they are rare.
  auto* log = ops::access_record::of(peer);
  if (log && log->error_class.empty() && r.head.result_int() >= 400 && !r.stream) {
    boost::system::error_code ec;
    auto v = json::parse(r.head.body(), ec);
    if (!ec) annotate_outcome(log, v);
  }
  co_return r;
}

std::optional<http::reply> streamable_http::refuse(const http::request& req) const {
  std::string_view target = req.target();
  auto q = target.find('?');
  if (q != std::string_view::npos) target = target.substr(0, q);
  if (target != cfg_.endpoint) return text_reply(404, "Not found\n");
  if (!origin_allowed(req))
    return json_reply(403, jsonrpc::make_error(nullptr, code::invalid_request, "Forbidden: Origin not allowed"));
  return std::nullopt;
}

streamable_http::step streamable_http::post(http::request& req, const http::peer_info& peer,
                                            const net::any_io_executor& ex) {
  if (auto ct = header_value(req, "Content-Type"); !ct || ct->find("application/json") == std::string_view::npos)
    return json_reply(415, jsonrpc::make_error(nullptr, code::invalid_request,
                                                  "Unsupported Media Type: Content-Type must be application/json"));
  if (!accepts(req, "application/json") && !accepts(req, "text/event-stream"))
    return json_reply(406, jsonrpc::make_error(nullptr, code::invalid_request,
                                                  "Not Acceptable: Accept must include application/json and text/event-stream"));
  // The message, the call built from it and its response live in the connection's
  // per-request arena; run() copies to the heap what a worker keeps.
  json_arena arena(peer.arena);
  jsonrpc::message msg{json::storage_ptr(&arena)};
  if (auto e = jsonrpc::parse(req.body(), msg)) return json_reply(400, jsonrpc::make_error(e->id, e->code, e->message));
  auto sid = header_value(req, "Mcp-Session-Id");
  if (auto* rec = ops::access_record::of(peer)) {
    rec->rpc_method = msg.method;
    if (msg.id.is_int64())
      rec->rpc_id = std::to_string(msg.id.get_int64());  // fits the string's own buffer
    else if (!msg.id.is_null())
      rec->rpc_id = json::serialize(msg.id);
    if (sid) rec->session = *sid;
    if (msg.params.is_object()) {
      const auto& p = msg.params.get_object();
      for (auto key : {"name", "uri", "taskId"})
        if (auto* n = p.if_contains(key); n && n->is_string()) {
          rec->name.assign(n->get_string().subview(0, std::min<std::size_t>(n->get_string().size(), 200)));
          break;
        }
      if (auto* m = p.if_contains("_meta"); m && m->is_object()) {
        const auto& meta = m->get_object();
        if (auto* ci = meta.if_contains("io.modelcontextprotocol/clientInfo"); ci && ci->is_object())
          if (auto* cn = ci->get_object().if_contains("name"); cn && cn->is_string()) rec->client = cn->get_string();
        if (auto* pv = meta.if_contains("io.modelcontextprotocol/protocolVersion"); pv && pv->is_string())
          rec->protocol_version = pv->get_string();
        if (auto* tp = meta.if_contains("traceparent"); tp && tp->is_string() && rec->trace_id.empty())
          rec->trace_id = http::trace_id_of(tp->get_string());
      }
    }
  }
  if (sid) return post_legacy(req, std::move(msg), *sid, peer, ex);
  // Era: a request without a session is modern when it carries _meta or a modern version
  // header; initialize (and anything naming a legacy version without _meta) is legacy.
  auto version_h = header_value(req, "MCP-Protocol-Version");
  bool has_meta = msg.params.is_object() && msg.params.get_object().contains("_meta");
  auto hrev = version_h ? protocol::parse_revision(*version_h) : std::nullopt;
  bool legacy_header = hrev && !protocol::is_modern(*hrev);
  bool modern = has_meta || (version_h && !legacy_header);
  if (msg.type == jsonrpc::kind::request && msg.method == "initialize" && !modern)
    return initialize(req, std::move(msg));
  if (modern) return post_modern(req, std::move(msg), peer, ex);
  return json_reply(400, jsonrpc::make_error(msg.id, code::invalid_request,
                                                "Bad Request: missing Mcp-Session-Id. Clients of 2025-xx revisions must send "
                                                "initialize first; 2026-07-28 clients must send MCP-Protocol-Version and _meta."));
}

streamable_http::step streamable_http::post_modern(http::request& req, jsonrpc::message&& msg,
                                                   const http::peer_info& peer, const net::any_io_executor& ex) {
  if (msg.type == jsonrpc::kind::response || msg.type == jsonrpc::kind::error_response)
    return json_reply(400, jsonrpc::make_error(nullptr, code::invalid_request,
                                                  "Bad Request: 2026-07-28 clients must not send JSON-RPC responses"));
  if (auto v = check_modern_request(req, msg, reg_)) return json_reply(400, jsonrpc::make_error(msg.id, v->code, v->message, v->data));
  if (msg.type == jsonrpc::kind::notification) return empty_reply(202);
  protocol::call c(std::move(msg));
  const json::object& meta = meta_of(c.msg);
  c.meta = protocol::view_of(meta);
  c.rev = revision::v2026_07_28;
  if (auto* caps = meta.if_contains("io.modelcontextprotocol/clientCapabilities"); caps && caps->is_object())
    c.client_capabilities = protocol::view_of(caps->get_object());
  if (auto* info = meta.if_contains("io.modelcontextprotocol/clientInfo"); info && info->is_object())
    c.client_info = protocol::view_of(info->get_object());
  if (auto* lv = meta.if_contains("io.modelcontextprotocol/logLevel"); lv && lv->is_string())
    c.min_log_level = parse_log_level(lv->get_string());
  if (c.msg.method == "subscriptions/listen") return listen(std::move(c), ex);
  return run(c, nullptr, {}, peer, ex);
}

http::reply streamable_http::initialize(http::request& req, jsonrpc::message&& msg) {
  std::string requested;
  json::object caps, info;
  if (msg.params.is_object()) {
    auto& p = msg.params.get_object();
    if (auto* v = p.if_contains("protocolVersion"); v && v->is_string()) requested = v->get_string();
    if (auto* v = p.if_contains("capabilities"); v && v->is_object()) caps = v->get_object();
    if (auto* v = p.if_contains("clientInfo"); v && v->is_object()) info = v->get_object();
  }
  if (requested.empty())
    return json_reply(400, jsonrpc::make_error(msg.id, code::invalid_params, "Invalid params: \"protocolVersion\" is required"));
  // Negotiation: echo a legacy version we speak, else offer our latest legacy one.
  auto rev = protocol::parse_revision(requested);
  std::string version = rev && !protocol::is_modern(*rev) ? requested : std::string(protocol::latest_legacy);
  state::session_record rec;
  rec.id = random_session_id();
  rec.protocol_version = version;
  rec.client_capabilities_json = json::serialize(caps);
  rec.client_info_json = json::serialize(info);
  if (!sessions_->create(rec)) {
    auto r = json_reply(503, jsonrpc::make_error(msg.id, code::internal_error, "Too many sessions; retry later"));
    r.head.set(http::bhttp::field::retry_after, "5");
    return r;
  }
  json::object res{{"jsonrpc", "2.0"}, {"id", msg.id}, {"result", dispatcher_.initialize_result(version)}};
  auto r = json_reply(200, res);
  r.head.set("Mcp-Session-Id", rec.id);
  return r;
}

}  // namespace mcpx::transport
