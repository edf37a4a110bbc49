// The stages that look only at the request's head: host/origin, media types.
#include "transport/edge_rules.hpp"
#include "transport/header_rules.hpp"
#include "transport/stages.hpp"

#include <cstring>

namespace mcpx::transport {

using code = jsonrpc::code;

namespace {

// Only these exact names: "127.0.0.1.evil.example" or "localhost.evil.example" are not loopback.
bool loopback_host(std::string_view host) {
  return iequals(host, "localhost") || host == "127.0.0.1" || host == "[::1]";
}

// "name:port" -> "name"; "[v6]:port" -> "[v6]"; a bare name or "[v6]" as it is.
std::string_view host_name(std::string_view host) {
  auto colon = host.rfind(':');
  if (colon == std::string_view::npos) return host;
  auto bracket = host.find(']');
  if (bracket == std::string_view::npos) return host.substr(0, colon);
  return bracket < colon ? host.substr(0, colon) : host;
}

// Clients send the same Content-Type and Accept with every request. Each I/O thread keeps its
// last verdict on each header with the text it was made for, so a repeat costs a compare
// instead of a parse (1.1k of a call's 53k instructions, docs/performance.md, session 20).
// Trivially destructible and constant-initialized: a thread_local of it needs no guard.
class last_verdict {
 public:
  template <class Decide>
  bool operator()(std::string_view text, Decide&& decide) {
    if (known_ && text == std::string_view(text_, size_)) return ok_;
    const bool ok = decide(text);
    if (text.size() <= sizeof text_) {  // a longer one is decided each time
      std::memcpy(text_, text.data(), text.size());
      size_ = text.size();
      ok_ = ok;
      known_ = true;
    }
    return ok;
  }

 private:
  char text_[120];
  std::size_t size_ = 0;
  bool ok_ = false, known_ = false;
};

bool is_json(std::string_view content_type) { return media_type_is(content_type, "application", "json"); }

bool accepts_json_or_sse(std::string_view accept) {
  return accept_allows(accept, "application", "json") || accept_allows(accept, "text", "event-stream");
}

}  // namespace

host_origin_stage::host_origin_stage(origin_config cfg)
    : stage("host_origin", on_any, {"forbidden_host", "forbidden_origin"}), cfg_(std::move(cfg)) {
  // Parsed once; a configured origin that does not parse could never match one that does.
  for (const auto& o : cfg_.allowed_origins)
    if (auto p = parse_origin(o))
      origins_.push_back({std::string(p->scheme), std::string(p->host), std::string(p->port)});
}

bool host_origin_stage::host_allowed(std::string_view host) const {
  if (cfg_.allowed_hosts.empty()) return true;
  auto name = host_name(host);
  for (auto& h : cfg_.allowed_hosts)
    if (iequals(h, name)) return true;  // host names have no case
  return false;
}

bool host_origin_stage::origin_allowed(std::string_view origin) const {
  // A serialized origin, compared part by part: anything else ("null", a path, userinfo) is refused.
  auto o = parse_origin(origin);
  if (!o) return false;
  // DNS rebinding: a page on a foreign origin that resolves to us must not reach us.
  if (loopback_host(o->host)) return true;
  for (const auto& a : origins_)
    if (iequals(o->scheme, a.scheme) && iequals(o->host, a.host) && o->port == a.port) return true;
  return false;
}

std::string_view host_origin_stage::refusal_reason(const http::request& req, field_index& fields) const {
  // DNS rebinding: a server on loopback answers only requests addressed to a loopback name.
  if (auto host = fields.find(req, headers::host); host && !host_allowed(*host)) return "forbidden_host";
  // Non-browser clients send no Origin.
  if (auto origin = fields.find(req, headers::origin); origin && !origin_allowed(*origin)) return "forbidden_origin";
  return {};
}

bool host_origin_stage::allows(const http::request& req) const {
  field_index fields;
  return refusal_reason(req, fields).empty();
}

std::optional<refusal> host_origin_stage::check(exchange& x) const {
  auto why = refusal_reason(x.req, x.fields);
  if (why.empty()) return std::nullopt;
  return refusal{refusal_kind::forbidden, why, code::invalid_request, "Forbidden: Origin not allowed"};
}

media_type_stage::media_type_stage() : stage("media_type", on_post, {"unsupported_media_type", "not_acceptable"}) {}

std::optional<refusal> media_type_stage::check(exchange& x) const {
  // Parsed, not searched: "text/plain; charset=application/json" is text/plain, which a browser
  // may send cross-origin without a CORS preflight.
  thread_local last_verdict content_type, accept;
  if (auto ct = x.fields.find(x.req, headers::content_type); !ct || !content_type(*ct, is_json))
    return refusal{refusal_kind::unsupported_media_type, "unsupported_media_type", code::invalid_request,
                   "Unsupported Media Type: Content-Type must be application/json"};
  // No Accept header: anything goes (RFC 9110).
  if (auto a = x.fields.find(x.req, headers::accept); a && !accept(*a, accepts_json_or_sse))
    return refusal{refusal_kind::not_acceptable, "not_acceptable", code::invalid_request,
                   "Not Acceptable: Accept must include application/json and text/event-stream"};
  return std::nullopt;
}

}  // namespace mcpx::transport
