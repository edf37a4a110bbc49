// The stages that look only at the request's head: host/origin, media types.
#include <boost/url/parse.hpp>

#include "transport/header_rules.hpp"
#include "transport/stages.hpp"

namespace mcpx::transport {

using code = jsonrpc::code;

namespace {

bool loopback_host(std::string_view host) {
  return host == "localhost" || host == "127.0.0.1" || host == "[::1]" || host == "::1";
}

// "name:port" -> "name"; "[v6]:port" -> "[v6]"; a bare name or "[v6]" as it is.
std::string_view host_name(std::string_view host) {
  auto colon = host.rfind(':');
  if (colon == std::string_view::npos) return host;
  auto bracket = host.find(']');
  if (bracket == std::string_view::npos) return host.substr(0, colon);
  return bracket < colon ? host.substr(0, colon) : host;
}

bool accepts(const http::request& req, std::string_view type) {
  auto a = header_value(req, "Accept");
  if (!a) return true;  // no Accept header: anything goes (RFC 9110)
  return a->find(type) != std::string_view::npos || a->find("*/*") != std::string_view::npos;
}

}  // namespace

host_origin_stage::host_origin_stage(origin_config cfg)
    : stage("host_origin", on_any, {"forbidden_host", "forbidden_origin"}), cfg_(std::move(cfg)) {}

bool host_origin_stage::host_allowed(std::string_view host) const {
  if (cfg_.allowed_hosts.empty()) return true;
  auto name = host_name(host);
  for (auto& h : cfg_.allowed_hosts)
    if (h == name) return true;
  return false;
}

bool host_origin_stage::origin_allowed(std::string_view origin) const {
  for (auto& o : cfg_.allowed_origins)
    if (o == origin) return true;
  auto u = boost::urls::parse_uri(origin);
  // DNS rebinding: a page on a foreign origin that resolves to us must not reach us.
  return u && loopback_host(u->host());
}

std::optional<refusal> host_origin_stage::check(exchange& x) const {
  // DNS rebinding: a server on loopback answers only requests addressed to a loopback name.
  if (auto host = header_value(x.req, "Host"); host && !host_allowed(*host))
    return refusal{refusal_kind::forbidden, "forbidden_host", code::invalid_request, "Forbidden: Origin not allowed"};
  if (auto origin = header_value(x.req, "Origin"); origin && !origin_allowed(*origin))
    return refusal{refusal_kind::forbidden, "forbidden_origin", code::invalid_request, "Forbidden: Origin not allowed"};
  return std::nullopt;  // non-browser clients send no Origin
}

media_type_stage::media_type_stage() : stage("media_type", on_post, {"unsupported_media_type", "not_acceptable"}) {}

std::optional<refusal> media_type_stage::check(exchange& x) const {
  if (auto ct = header_value(x.req, "Content-Type"); !ct || ct->find("application/json") == std::string_view::npos)
    return refusal{refusal_kind::unsupported_media_type, "unsupported_media_type", code::invalid_request,
                   "Unsupported Media Type: Content-Type must be application/json"};
  if (!accepts(x.req, "application/json") && !accepts(x.req, "text/event-stream"))
    return refusal{refusal_kind::not_acceptable, "not_acceptable", code::invalid_request,
                   "Not Acceptable: Accept must include application/json and text/event-stream"};
  return std::nullopt;
}

}  // namespace mcpx::transport
