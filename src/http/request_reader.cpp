// Reading one request: its head, checked, then its body; chunk metadata within a budget.
#include "http/request_reader.hpp"

#include <boost/beast/http/rfc7230.hpp>

#include "http/refusal.hpp"
#include "util/http_feed.hpp"

namespace mcpx::http {

namespace {

// Only "chunked", alone, frames a body this server reads. Anything else (another coding, a
// second "chunked") leaves the body's end to a guess that another hop may make differently.
bool only_chunked(beast::string_view te) {
  int codings = 0;
  for (auto coding : bhttp::token_list{te})
    if (++codings > 1 || !beast::iequals(coding, "chunked")) return false;
  return codings == 1;
}

bool is_hex(char c) noexcept { return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }

// RFC 3986 3.2.2 reg-name characters: unreserved and sub-delims ('%' is checked apart).
bool is_reg_name_char(char c) noexcept {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '-':
    case '.':
    case '_':
    case '~':
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case ';':
    case '=': return true;
    default: return false;
  }
}

}  // namespace

// A grammar check, not a URL parser: Boost.URL 1.81 misreads some hosts (see edge_rules.hpp),
// and what is wanted here is only "is this uri-host [":" port]", byte by byte.
bool valid_host_value(std::string_view v) noexcept {
  std::size_t i = 0;
  if (!v.empty() && v[0] == '[') {
    // IP-literal: IPv6 (hex, ':', '.' for an embedded IPv4) or IPvFuture; the host_origin
    // stage compares it whole, so only its characters matter here.
    auto close = v.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    for (i = 1; i < close; ++i)
      if (!is_hex(v[i]) && v[i] != ':' && v[i] != '.' && v[i] != 'v' && v[i] != 'V') return false;
    i = close + 1;
  } else {
    for (; i < v.size() && v[i] != ':'; ++i) {
      if (v[i] == '%') {
        if (i + 2 >= v.size() || !is_hex(v[i + 1]) || !is_hex(v[i + 2])) return false;
        i += 2;
      } else if (!is_reg_name_char(v[i])) {
        return false;
      }
    }
  }
  if (i == v.size()) return true;
  if (v[i] != ':') return false;
  for (++i; i < v.size(); ++i)  // port = *DIGIT (an empty port is allowed by the grammar)
    if (v[i] < '0' || v[i] > '9') return false;
  return true;
}

namespace {

read_result ended(const boost::system::error_code& ec) { return {false, refusal_of(ec).value_or(refusal::none)}; }

}  // namespace

refusal check_head(const request& req, bool chunked) noexcept {
  // One walk of the field list, in arrival order: Beast's count() and operator[] each search its
  // name tree (about 250 instructions apiece, with case-insensitive compares), for every request.
  unsigned te = 0, lengths = 0, hosts = 0;
  beast::string_view te_value, host_value;
  for (const auto& f : req) {
    switch (f.name()) {
      case bhttp::field::transfer_encoding:
        ++te;
        te_value = f.value();
        break;
      case bhttp::field::content_length: ++lengths; break;
      case bhttp::field::host:
        ++hosts;
        host_value = f.value();
        break;
      default: break;
    }
  }
  if (te > 0) {
    // RFC 9112 6.1: TE in HTTP/1.0 is faulty framing; TE beside a Content-Length may be refused.
    if (te > 1 || !chunked || req.version() < 11 || lengths > 0) return refusal::bad_framing;
    if (!only_chunked(te_value)) return refusal::bad_framing;
  }
  if (hosts > 1 || (hosts == 0 && req.version() >= 11)) return refusal::bad_host;
  if (hosts == 1 && !valid_host_value(host_value)) return refusal::bad_host;
  return refusal::none;
}

std::optional<read_result> request_reader::parse(beast::flat_buffer& buf) {
  boost::system::error_code ec;
  if (!p_.is_header_done()) {
    p_.eager(false);  // the head alone: its framing is checked before any byte after it is used
    if (!util::http_feed::parse_buffered(buf, p_, ec)) return std::nullopt;
    if (ec) return ended(ec);
    if (auto why = check_head(p_.get(), p_.chunked()); why != refusal::none) return read_result{false, why};
  }
  p_.eager(true);
  if (!util::http_feed::parse_buffered(buf, p_, ec)) return std::nullopt;
  if (ec) return ended(ec);
  return read_result{true, refusal::none};
}

net::awaitable<read_result> request_reader::read(tcp::socket& sock, beast::flat_buffer& buf, deadline& timeout) {
  timeout.expires_after(lim_.read_timeout);  // for the whole request, head and body
  for (;;) {
    if (auto got = parse(buf)) co_return *got;
    if (auto ec = co_await util::http_feed::read_more(sock, buf, p_); ec) co_return ended(ec);
  }
}

}  // namespace mcpx::http
