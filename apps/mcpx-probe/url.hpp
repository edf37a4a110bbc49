// URL parsing for mcpx-probe, kept separate so it can be unit-tested.
//
// Accepted form: http://HOST[:PORT][/path][?query][#fragment]
//   HOST  an IPv4 literal (127.0.0.1), a bracketed IPv6 literal ([::1]) or "localhost"
//         (which the caller refuses unless --allow-localhost; names are never resolved).
//   PORT  1..65535, default 80.
//   path  default "/"; printable ASCII only (it goes verbatim into the request line).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdint>
#include <string_view>

namespace mcpx::probe {

enum class host_kind { ipv4, ipv6, localhost };

struct url {
  host_kind kind = host_kind::ipv4;
  in_addr v4{};
  in6_addr v6{};
  std::uint16_t port = 80;
  std::string_view authority;  // HOST[:PORT] exactly as written; sent as the Host header
  std::string_view target;     // request target; empty means "/", may start with '?' (then "/" is prepended)
};

constexpr std::size_t max_url_length = 2048;

namespace detail {
// string_view::substr without its out_of_range throw (positions are clamped instead): one throw site would drag
// libstdc++'s exception machinery and demangler (~170 KB) into the static binary.
constexpr std::string_view sub(std::string_view s, std::size_t pos, std::size_t n = std::string_view::npos) {
  pos = pos < s.size() ? pos : s.size();
  return {s.data() + pos, n < s.size() - pos ? n : s.size() - pos};
}

constexpr bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// inet_pton needs a NUL-terminated string.
inline bool to_address(int family, std::string_view text, void* out) {
  char buf[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof buf) return false;
  text.copy(buf, text.size());
  buf[text.size()] = '\0';
  return inet_pton(family, buf, out) == 1;
}
}  // namespace detail

// Parses `s` into `out`. Returns nullptr on success, otherwise a description of what is wrong.
// `out` keeps views into `s`, which must outlive it.
inline const char* parse_url(std::string_view s, url& out) {
  out = url{};
  if (s.size() > max_url_length) return "URL is too long";
  constexpr std::string_view scheme = "http://";
  if (s.size() >= 8 && detail::iequals(detail::sub(s, 0, 8), "https://"))
    return "https is not supported (plain http only)";
  if (s.size() < scheme.size() || !detail::iequals(detail::sub(s, 0, scheme.size()), scheme))
    return "URL must start with http://";
  s.remove_prefix(scheme.size());

  const std::size_t end_of_authority = s.find_first_of("/?#");
  std::string_view authority = detail::sub(s, 0, end_of_authority);
  std::string_view rest = end_of_authority == std::string_view::npos ? std::string_view{}
                                                                     : detail::sub(s, end_of_authority);
  if (const auto hash = rest.find('#'); hash != std::string_view::npos) rest = detail::sub(rest, 0, hash);
  for (const char c : rest)
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
      return "path must be printable ASCII without spaces (percent-encode other bytes)";
  if (authority.empty()) return "URL has no host";
  if (authority.find('@') != std::string_view::npos) return "user info in the URL is not supported";

  std::string_view host, port;
  bool has_port = false;  // a ':' follows the host, so a port must follow too
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return "unterminated '[' in IPv6 host";
    host = detail::sub(authority, 1, close - 1);
    const std::string_view after = detail::sub(authority, close + 1);
    if (!after.empty() && after.front() != ':') return "unexpected characters after ']'";
    has_port = !after.empty();
    if (has_port) port = detail::sub(after, 1);
    if (host.find('%') != std::string_view::npos) return "IPv6 zone identifiers are not supported";
    if (!detail::to_address(AF_INET6, host, &out.v6)) return "invalid IPv6 address";
    out.kind = host_kind::ipv6;
  } else {
    const auto colon = authority.find(':');
    host = detail::sub(authority, 0, colon);
    has_port = colon != std::string_view::npos;
    if (has_port) port = detail::sub(authority, colon + 1);
    if (port.find(':') != std::string_view::npos) return "IPv6 addresses must be bracketed, e.g. http://[::1]:8000/";
    if (detail::iequals(host, "localhost")) {
      out.kind = host_kind::localhost;
    } else if (!detail::to_address(AF_INET, host, &out.v4)) {
      if (host.find_first_not_of("0123456789.") == std::string_view::npos) return "invalid IPv4 address";
      return "host names are not resolved; use an IPv4 literal (127.0.0.1) or a bracketed IPv6 literal ([::1])";
    }
  }

  if (has_port) {
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos)
      return "port must be a number between 1 and 65535";
    unsigned value = 0;
    for (const char c : port) value = value * 10 + static_cast<unsigned>(c - '0');
    if (value == 0 || value > 65535) return "port must be a number between 1 and 65535";
    out.port = static_cast<std::uint16_t>(value);
  }
  out.authority = authority;
  out.target = rest;
  return nullptr;
}

}  // namespace mcpx::probe
