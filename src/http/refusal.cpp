#include "http/refusal.hpp"

#include <boost/beast/http/write.hpp>
#include <sstream>

namespace mcpx::http {

namespace {

struct refusal_row {
  std::string_view name;  // a metric label and an access-log value: never change one
  bhttp::status status;
  std::string_view text;  // the body when the upper layer gives none
  refusal worded_as;      // what server_config::refusal_reply is asked to word
};

static_assert(refusal_count == static_cast<std::size_t>(refusal::too_many_connections_from_address) + 1,
              "one row per refusal");
static_assert(accept_error_count == static_cast<std::size_t>(accept_error::other) + 1, "one name per accept_error");

using enum refusal;
constexpr refusal_row refusals[refusal_count] = {
    {"", bhttp::status::ok, "", none},
    {"malformed", bhttp::status::bad_request, "Malformed HTTP request", malformed},
    {"header_too_large", bhttp::status::request_header_fields_too_large, "Request headers too large", header_too_large},
    {"body_too_large", bhttp::status::payload_too_large, "Request body too large", body_too_large},
    {"internal_error", bhttp::status::internal_server_error, "Internal error", internal_error},
    {"too_many_connections", bhttp::status::service_unavailable, "Too many connections; retry later",
     too_many_connections},
    {"out_of_descriptors", bhttp::status::service_unavailable, "Server busy; retry later", out_of_descriptors},
    {"bad_framing", bhttp::status::bad_request, "Malformed HTTP request: ambiguous message framing", malformed},
    {"bad_host", bhttp::status::bad_request,
     "Malformed HTTP request: one Host header with a valid host[:port] is required", malformed},
    {"too_many_connections_from_address", bhttp::status::service_unavailable,
     "Too many connections from this address; retry later", too_many_connections},
};

constexpr std::string_view accept_error_names[accept_error_count] = {"emfile", "enfile", "enobufs", "enomem", "other"};

const refusal_row& row(refusal r) noexcept {
  const auto i = static_cast<std::size_t>(r);
  return refusals[i < refusal_count ? i : 0];
}

response plain_text(refusal why, const limits& lim) {
  response res;
  res.set(bhttp::field::content_type, "text/plain");
  std::string body(row(why).text);
  if (why == refusal::header_too_large) body += ": limit is " + std::to_string(lim.header_limit) + " bytes";
  if (why == refusal::body_too_large) body += ": limit is " + std::to_string(lim.body_limit) + " bytes";
  res.body() = std::move(body) + "\n";
  return res;
}

}  // namespace

std::string_view to_string(refusal r) noexcept { return row(r).name; }

bhttp::status status_of(refusal r) noexcept { return row(r).status; }

refusal worded_as(refusal r) noexcept { return row(r).worded_as; }

std::string_view to_string(accept_error e) noexcept {
  const auto i = static_cast<std::size_t>(e);
  return accept_error_names[i < accept_error_count ? i : accept_error_count - 1];
}

std::optional<refusal> refusal_of(const boost::system::error_code& ec) noexcept {
  // The read buffer full (read_buffer_limit): a chunk-size line or trailer block beyond it.
  if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) return refusal::header_too_large;
  // Beast's own framing checks (Content-Length with Transfer-Encoding, two lengths).
  if (ec == bhttp::error::bad_transfer_encoding || ec == bhttp::error::multiple_content_length)
    return refusal::bad_framing;
  if (ec == bhttp::error::body_limit) return refusal::body_too_large;
  // The client left, or sent half a request and left: nobody to answer.
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) return std::nullopt;
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) return refusal::malformed;
  return std::nullopt;
}

response refusal_response(refusal why, const server_config& cfg) {
  response res = cfg.refusal_reply ? cfg.refusal_reply(worded_as(why), cfg.limits) : plain_text(why, cfg.limits);
  res.version(11);
  res.result(status_of(why));
  res.set(bhttp::field::connection, "close");
  res.keep_alive(false);
  res.prepare_payload();
  return res;
}

std::string refusal_wire(refusal why, const server_config& cfg) {
  std::ostringstream out;
  out << refusal_response(why, cfg);
  return std::move(out).str();
}

accept_error accept_error_of(const boost::system::error_code& ec) noexcept {
  namespace errc = boost::system::errc;
  if (ec == errc::too_many_files_open) return accept_error::emfile;
  if (ec == errc::too_many_files_open_in_system) return accept_error::enfile;
  if (ec == errc::no_buffer_space) return accept_error::enobufs;
  if (ec == errc::not_enough_memory) return accept_error::enomem;
  return accept_error::other;
}

}  // namespace mcpx::http
