#include "transport/edge_rules.hpp"

#include <array>

namespace mcpx::transport {

namespace {

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool hex(char c) noexcept { return digit(c) || (lower(c) >= 'a' && lower(c) <= 'f'); }
bool ows(char c) noexcept { return c == ' ' || c == '\t'; }

// RFC 9110 §5.6.2 tchar, as a table: media types are parsed on every request (Content-Type,
// Accept), a character at a time.
constexpr auto tchar_table = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
  return t;
}();
// The predicates take_while is given are function objects, so that it inlines them.
constexpr auto tchar = [](char c) noexcept { return tchar_table[static_cast<unsigned char>(c)]; };

// A host name or IPv4 address as browsers serialize them (ASCII, punycode for the rest).
constexpr auto name_char = [](char c) noexcept { return alpha(c) || digit(c) || c == '-' || c == '.' || c == '_'; };

void skip_ows(std::string_view& s) noexcept {
  while (!s.empty() && ows(s.front())) s.remove_prefix(1);
}

template <class Pred>
std::string_view take_while(std::string_view& s, Pred pred) noexcept {
  std::size_t n = 0;
  while (n < s.size() && pred(s[n])) ++n;
  auto got = s.substr(0, n);
  s.remove_prefix(n);
  return got;
}

bool valid_port(std::string_view p) noexcept {
  if (p.empty() || p.size() > 5) return false;
  unsigned v = 0;
  for (char c : p) {
    if (!digit(c)) return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  return v <= 65535;
}

struct media_range {
  std::string_view type, subtype;
};

// `type "/" subtype` at the front of `s` (after OWS); the rest stays in `s`.
std::optional<media_range> take_media_type(std::string_view& s) noexcept {
  skip_ows(s);
  auto type = take_while(s, tchar);
  if (type.empty() || s.empty() || s.front() != '/') return std::nullopt;
  s.remove_prefix(1);
  auto subtype = take_while(s, tchar);
  if (subtype.empty()) return std::nullopt;
  return media_range{type, subtype};
}

// A quoted-string at the front of `s` (escapes kept as sent); false when it never closes.
bool take_quoted(std::string_view& s, std::string_view& value) noexcept {
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      value = s.substr(1, i - 1);
      s.remove_prefix(i + 1);
      return true;
    }
  }
  return false;
}

// `*( OWS ";" OWS [ name "=" value ] )` up to the end or a ',' (the next element of a list).
// Calls `on(name, value)` for each parameter; false when malformed.
template <class F>
bool take_parameters(std::string_view& s, F&& on) noexcept {
  for (;;) {
    skip_ows(s);
    if (s.empty() || s.front() == ',') return true;
    if (s.front() != ';') return false;
    s.remove_prefix(1);
    skip_ows(s);
    if (s.empty() || s.front() == ';' || s.front() == ',') continue;
    auto name = take_while(s, tchar);
    if (name.empty() || s.empty() || s.front() != '=') return false;
    s.remove_prefix(1);
    std::string_view value;
    if (!s.empty() && s.front() == '"') {
      if (!take_quoted(s, value)) return false;
    } else {
      value = take_while(s, tchar);
      if (value.empty()) return false;
    }
    on(name, value);
  }
}

// RFC 9110 §12.4.2 qvalue: nullopt when malformed, else whether it is zero.
std::optional<bool> weight_is_zero(std::string_view q) noexcept {
  if (q.empty() || (q[0] != '0' && q[0] != '1')) return std::nullopt;
  auto frac = q.substr(1);
  if (!frac.empty() && (frac[0] != '.' || frac.size() > 4)) return std::nullopt;
  bool zero = q[0] == '0';
  for (char c : frac.substr(frac.empty() ? 0 : 1)) {
    if (!digit(c) || (q[0] == '1' && c != '0')) return std::nullopt;
    zero = zero && c == '0';
  }
  return zero;
}

// Skips the rest of a malformed list element, quoted commas included.
void skip_element(std::string_view& s) noexcept {
  while (!s.empty() && s.front() != ',') {
    std::string_view ignored;
    if (s.front() == '"' && take_quoted(s, ignored)) continue;
    s.remove_prefix(1);
  }
}

// How specifically `r` names type/subtype: 2 exactly, 1 "type/*", 0 "*/*", -1 not at all.
int specificity(const media_range& r, std::string_view type, std::string_view subtype) noexcept {
  if (r.type == "*") return r.subtype == "*" ? 0 : -1;
  if (!iequals(r.type, type)) return -1;
  if (r.subtype == "*") return 1;
  return iequals(r.subtype, subtype) ? 2 : -1;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::optional<origin_parts> parse_origin(std::string_view s) noexcept {
  auto sep = s.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  origin_parts o;
  o.scheme = s.substr(0, sep);
  if (!iequals(o.scheme, "http") && !iequals(o.scheme, "https")) return std::nullopt;
  s.remove_prefix(sep + 3);
  if (!s.empty() && s.front() == '[') {
    // An IPv6 literal; no zone id (RFC 6874 is not for origins).
    auto close = s.find(']');
    if (close == std::string_view::npos || close < 3) return std::nullopt;
    for (char c : s.substr(1, close - 1))
      if (!hex(c) && c != ':' && c != '.') return std::nullopt;
    o.host = s.substr(0, close + 1);
    s.remove_prefix(close + 1);
  } else {
    o.host = take_while(s, name_char);
    if (o.host.empty()) return std::nullopt;
  }
  if (s.empty()) return o;
  if (s.front() != ':' || !valid_port(s.substr(1))) return std::nullopt;
  o.port = s.substr(1);
  return o;
}

bool media_type_is(std::string_view content_type, std::string_view type, std::string_view subtype) noexcept {
  auto s = content_type;
  auto mt = take_media_type(s);
  if (!mt || !take_parameters(s, [](std::string_view, std::string_view) {})) return false;
  // One media type, not a list.
  return s.empty() && iequals(mt->type, type) && iequals(mt->subtype, subtype);
}

bool accept_allows(std::string_view accept, std::string_view type, std::string_view subtype) noexcept {
  int best = -1;
  bool admitted = false;
  auto s = accept;
  for (;;) {
    skip_ows(s);
    if (s.empty()) return admitted;
    if (s.front() == ',') {
      s.remove_prefix(1);
      continue;
    }
    auto range = take_media_type(s);
    std::optional<bool> zero = false;
    bool ok = range && take_parameters(s, [&](std::string_view name, std::string_view value) {
                if (iequals(name, "q")) zero = weight_is_zero(value);
              });
    if (!ok || !zero) {
      skip_element(s);
      continue;
    }
    if (int level = specificity(*range, type, subtype); level > best) {
      best = level;
      admitted = !*zero;
    }
  }
}

}  // namespace mcpx::transport
