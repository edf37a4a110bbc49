// The stages that read the message: decode, revision, session.
#include "transport/header_rules.hpp"
#include "transport/stages.hpp"

namespace mcpx::transport {

using code = jsonrpc::code;

namespace {

// What the access log says about the message: method, id, name, client, revision, trace.
void describe(ops::access_record& rec, const jsonrpc::message& msg, const meta_members& meta,
              std::optional<std::string_view> sid) {
  rec.rpc_method = msg.method;
  if (msg.id.is_int64()) rec.rpc_id = std::to_string(msg.id.get_int64());  // fits the string's own buffer
  else if (!msg.id.is_null()) rec.rpc_id = json::serialize(msg.id);
  if (sid) rec.session = *sid;
  if (!msg.params.is_object()) return;
  const auto& p = msg.params.get_object();
  for (auto key : {"name", "uri", "taskId"})
    if (auto* n = p.if_contains(key); n && n->is_string()) {
      rec.name.assign(n->get_string().subview(0, std::min<std::size_t>(n->get_string().size(), 200)));
      break;
    }
  if (auto* ci = meta.client_info; ci && ci->is_object())
    if (auto* cn = ci->get_object().if_contains("name"); cn && cn->is_string()) rec.client = cn->get_string();
  if (auto* pv = meta.protocol_version; pv && pv->is_string()) rec.protocol_version = pv->get_string();
  if (auto* tp = meta.traceparent; tp && tp->is_string() && rec.trace_id.empty())
    rec.trace_id = http::trace_id_of(tp->get_string());
}

bool is_response(const jsonrpc::message& m) {
  return m.type == jsonrpc::kind::response || m.type == jsonrpc::kind::error_response;
}

}  // namespace

decode_stage::decode_stage() : stage("decode", on_post, {"parse_error", "invalid_message"}) {}

std::optional<refusal> decode_stage::check(exchange& x) const {
  x.session_id = x.fields.find(x.req, headers::mcp_session_id);
  if (auto e = jsonrpc::parse(x.req.body(), x.msg)) {
    refusal r{refusal_kind::bad_request, e->code == code::parse_error ? "parse_error" : "invalid_message", e->code,
              std::move(e->message)};
    r.id = std::move(e->id);
    return r;
  }
  x.decoded = true;
  if (x.msg.params.is_object())
    if (auto* m = x.msg.params.get_object().if_contains("_meta"); m && m->is_object()) x.meta = &m->get_object();
  x.known_meta = meta_members::of(x.meta);
  if (x.log) describe(*x.log, x.msg, x.known_meta, x.session_id);
  return std::nullopt;
}

revision_stage::revision_stage(const protocol::registry& reg)
    : stage("revision", on_post,
            {"no_revision", "response_not_allowed", "header_mismatch", "invalid_meta", "unsupported_version"}),
      reg_(reg) {}

std::optional<refusal> revision_stage::check(exchange& x) const {
  if (x.session_id) {
    x.how = era::legacy_session;
    return std::nullopt;
  }
  // Without a session, a request is 2026-07-28 when it carries _meta or a 2026-07-28 version
  // header; initialize (and anything naming a legacy version without _meta) is legacy.
  auto version_h = x.fields.find(x.req, headers::mcp_protocol_version);
  // Any _meta makes it 2026-07-28, even a malformed one: check_modern_request then names it.
  bool has_meta = x.meta || (x.msg.params.is_object() && x.msg.params.get_object().contains("_meta"));
  auto hrev = version_h ? protocol::parse_revision(*version_h) : std::nullopt;
  bool legacy_header = hrev && !protocol::is_modern(*hrev);
  bool modern = has_meta || (version_h && !legacy_header);
  if (x.msg.type == jsonrpc::kind::request && x.msg.method == "initialize" && !modern) {
    x.how = era::legacy_initialize;
    return std::nullopt;
  }
  if (!modern)
    return refusal{refusal_kind::bad_request, "no_revision", code::invalid_request,
                   "Bad Request: missing Mcp-Session-Id. Clients of 2025-xx revisions must send initialize first; "
                   "2026-07-28 clients must send MCP-Protocol-Version and _meta."};
  x.how = era::modern;
  if (is_response(x.msg))
    return refusal{refusal_kind::bad_request, "response_not_allowed", code::invalid_request,
                   "Bad Request: 2026-07-28 clients must not send JSON-RPC responses"};
  if (auto v = check_modern_request(x.req, x.fields, x.msg, x.known_meta, reg_, &x.tool)) {
    std::string_view why = v->code == code::header_mismatch                ? "header_mismatch"
                           : v->code == code::unsupported_protocol_version ? "unsupported_version"
                                                                           : "invalid_meta";
    return refusal{refusal_kind::bad_request, why, v->code, std::move(v->message), std::move(v->data)};
  }
  return std::nullopt;
}

session_stage::session_stage(state::session_store& sessions)
    : stage("session", on_post | on_get, {"unknown_session", "bad_version_header"}), sessions_(sessions) {}

std::optional<refusal> session_stage::check(exchange& x) const {
  if (x.req.method() == http::bhttp::verb::get) x.session_id = x.fields.find(x.req, headers::mcp_session_id);
  if (!x.session_id) return std::nullopt;  // none to look up (a GET without one gets 405 later)
  x.session = sessions_.touch(*x.session_id);
  // A session id never authenticates: presented by another caller than its creator, the
  // session does not exist (the same answer as an unknown id, so ids cannot be probed).
  if (x.session && !is_owner(x.who.get(), x.session->owner)) x.session = nullptr;
  if (!x.session)
    return refusal{refusal_kind::not_found, "unknown_session", -32001,
                   "Session not found: it expired or was deleted; send initialize to start a new one"};
  if (x.req.method() != http::bhttp::verb::post) return std::nullopt;
  if (auto vh = x.fields.find(x.req, headers::mcp_protocol_version)) {
    // Any legacy revision we speak is accepted, not only the negotiated one (seen from real clients).
    auto hrev = protocol::parse_revision(*vh);
    if (!hrev || protocol::is_modern(*hrev))
      return refusal{refusal_kind::bad_request, "bad_version_header", code::invalid_request,
                     "Bad Request: unsupported MCP-Protocol-Version '" + std::string(*vh) +
                         "' for this session (negotiated " + x.session->protocol_version + ")"};
  }
  return std::nullopt;
}

}  // namespace mcpx::transport
