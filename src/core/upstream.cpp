// Upstream outcomes as classified tool errors (mcpx/upstream.hpp; the table is docs/errors.md).
#include "mcpx/upstream.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <limits>

namespace mcpx::upstream {

namespace {

// Bytes of the next UTF-8 character at `s[i]` and its code point; 0 when malformed.
std::size_t decode(std::string_view s, std::size_t i, char32_t& cp) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = b(0);
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  cp = n == 1 ? c : n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(k) & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are not text.
  static constexpr char32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < least[n] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return 0;
  return n;
}

bool is_control(char32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }
// Embedding, override and isolate controls can make shown text read differently from what it is.
bool is_bidi_control(char32_t cp) { return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069); }

int month_of(const char* m) {
  static constexpr std::array<const char*, 12> names{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (std::size_t i = 0; i < names.size(); ++i)
    if (std::string_view(m) == names[i]) return static_cast<int>(i);
  return -1;
}

// An HTTP-date (RFC 9110 5.6.7): IMF-fixdate, or the obsolete RFC 850 and asctime forms, which
// recipients must accept too.
std::optional<std::time_t> parse_http_date(std::string_view v) {
  if (v.size() > 64) return std::nullopt;
  std::string s(v);
  char wd[16] = {}, mon[4] = {};
  int d = 0, y = 0, h = 0, mi = 0, sec = 0, n = 0;
  bool ok = std::sscanf(s.c_str(), "%3[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d GMT%n", wd, &d, mon, &y, &h, &mi, &sec,
                        &n) == 7 &&
            static_cast<std::size_t>(n) == s.size();
  if (!ok) {
    n = 0;
    ok = std::sscanf(s.c_str(), "%9[A-Za-z], %2d-%3[A-Za-z]-%2d %2d:%2d:%2d GMT%n", wd, &d, mon, &y, &h, &mi, &sec,
                     &n) == 7 &&
         static_cast<std::size_t>(n) == s.size();
    if (ok) y += y < 70 ? 2000 : 1900;  // two-digit years: the nearer century
  }
  if (!ok) {
    n = 0;
    ok = std::sscanf(s.c_str(), "%3[A-Za-z] %3[A-Za-z] %2d %2d:%2d:%2d %4d%n", wd, mon, &d, &h, &mi, &sec, &y, &n) ==
             7 &&
         static_cast<std::size_t>(n) == s.size();
  }
  int m = ok ? month_of(mon) : -1;
  if (m < 0 || d < 1 || d > 31 || y < 1900 || h > 23 || mi > 59 || sec > 60 || h < 0 || mi < 0 || sec < 0)
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = m;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  return timegm(&tm);
}

int clamp_seconds(long double s) {
  // Rounded up and never 0: "retry after 0 s" reads as "retry now", which is what failed.
  if (s <= 1) return 1;
  if (s >= retry_after_max_s) return retry_after_max_s;
  auto whole = static_cast<int>(s);
  return whole < s ? whole + 1 : whole;
}

std::string name_of(std::string_view service) {
  auto n = sanitize(service, 80);
  return n.empty() ? std::string("the upstream service") : n;
}

std::string with_reason(std::string message, std::string_view reason) {
  auto r = sanitize(reason);
  if (!r.empty()) message += ": " + r;
  return message;
}

tool_error external(std::string code, std::string message, std::optional<int> retry_after) {
  bool recoverable = retry_after.has_value();
  return tool_error(error_class::external, std::move(code), std::move(message), recoverable, retry_after);
}

}  // namespace

std::optional<int> parse_retry_after(std::string_view v, std::chrono::system_clock::time_point now) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (v.empty()) return std::nullopt;
  if (std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    // Delay-seconds: any length; only the clamp matters once it is past a day.
    if (v.size() > 9) return retry_after_max_s;
    int s = 0;
    for (char c : v) s = s * 10 + (c - '0');
    return clamp_seconds(s);
  }
  auto t = parse_http_date(v);
  if (!t) return std::nullopt;
  auto then = std::chrono::system_clock::from_time_t(*t);
  return clamp_seconds(std::chrono::duration<long double>(then - now).count());
}

std::string sanitize(std::string_view text, std::size_t max_bytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes));
  bool space = false;  // a space is owed before the next visible character
  bool cut = false;
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    std::size_t n = decode(text, i, cp);
    std::string_view piece = n ? text.substr(i, n) : std::string_view("\xEF\xBF\xBD");  // U+FFFD
    i += n ? n : 1;
    if (n && (cp == ' ' || is_control(cp) || cp == 0x2028 || cp == 0x2029)) {
      space = !out.empty();
      continue;
    }
    if (n && is_bidi_control(cp)) continue;
    if (out.size() + (space ? 1 : 0) + piece.size() > max_bytes) {
      cut = true;
      break;
    }
    if (space) out += ' ';
    space = false;
    out += piece;
  }
  if (cut) {
    // Room for the marker, backing off whole characters (continuation bytes are 10xxxxxx).
    while (out.size() + 3 > max_bytes && !out.empty()) {
      out.pop_back();
      while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
      if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    if (max_bytes >= 3) out += "...";
  }
  return out;
}

tool_error for_status(std::string_view service, int status, std::string_view reason, std::string_view retry_after) {
  const auto name = name_of(service);
  const auto http = " (HTTP " + std::to_string(status) + ")";
  auto after = [&](int fallback) { return parse_retry_after(retry_after).value_or(fallback); };
  switch (status) {
    // The caller's request: the model can change it, so it sees what the upstream said.
    case 400:
    case 413:
    case 414:
    case 416:
    case 422:
      return client_error(with_reason(name + " refused the request as invalid" + http, reason), "INVALID_ARGUMENT");
    case 404:
    case 410: return client_error(with_reason(name + " found no such item" + http, reason), "NOT_FOUND");
    case 409:
    case 412:
      return client_error(
          with_reason(name + " refused the change as conflicting with its current state" + http, reason), "CONFLICT");
    // This server's own credentials: nothing the model can do, nor waiting.
    case 401:
    case 407:
      return external("UPSTREAM_AUTH_FAILED",
                      name + " refused this server's credentials" + http +
                          "; an operator must fix them, retrying will not help",
                      std::nullopt);
    case 403:
      return external("UPSTREAM_AUTH_FAILED",
                      name + " denied this server access" + http +
                          "; an operator must grant it, retrying will not help",
                      std::nullopt);
    case 408:
    case 504: return external("UPSTREAM_TIMEOUT", name + " did not answer in time" + http, after(retry_timeout_s));
    case 429:
      return external("UPSTREAM_RATE_LIMITED", name + " is limiting this server's requests" + http,
                      after(retry_rate_limited_s));
    case 423:
    case 425:
    case 502:
    case 503: return external("UPSTREAM_UNAVAILABLE", name + " is unavailable" + http, after(retry_unavailable_s));
    // Permanent by definition: the upstream does not do what this server asks of it.
    case 501:
    case 505:
      return external("UPSTREAM_REJECTED",
                      name + " does not support this request" + http +
                          "; this server's integration must change, retrying will not help",
                      std::nullopt);
    default: break;
  }
  if (status >= 500 && status <= 599)
    return external("UPSTREAM_ERROR", name + " failed" + http, after(retry_unavailable_s));
  if (status >= 400 && status <= 499)
    return external("UPSTREAM_REJECTED",
                    name + " rejected this server's request" + http +
                        "; this server's integration must change, retrying will not help",
                    std::nullopt);
  return external("UPSTREAM_BAD_RESPONSE", name + " gave an answer this server cannot use" + http, std::nullopt);
}

tool_error for_failure(std::string_view service, failure f) {
  const auto name = name_of(service);
  switch (f) {
    case failure::timeout: return external("UPSTREAM_TIMEOUT", name + " did not answer in time", retry_timeout_s);
    case failure::connection_refused:
      return external("UPSTREAM_UNAVAILABLE", name + " could not be reached (connection refused)", retry_unavailable_s);
    case failure::connection_reset:
      return external("UPSTREAM_UNAVAILABLE", name + " dropped the connection before answering", retry_unavailable_s);
    case failure::dns:
      return external("UPSTREAM_UNAVAILABLE", name + " could not be found (its name did not resolve)", retry_dns_s);
    case failure::tls:
      return external("UPSTREAM_TLS_FAILED",
                      name +
                          " failed the TLS handshake or certificate check; an operator must fix it, retrying will "
                          "not help",
                      std::nullopt);
  }
  return external("UPSTREAM_UNAVAILABLE", name + " could not be reached", retry_unavailable_s);
}

std::chrono::milliseconds budget(const context& ctx, std::chrono::milliseconds cap, std::chrono::milliseconds margin) {
  auto left = ctx.cancellation().remaining();
  if (left != std::chrono::milliseconds::max())
    left = left > margin ? left - margin : std::chrono::milliseconds::zero();
  return std::max(std::chrono::milliseconds::zero(), std::min(left, cap));
}

}  // namespace mcpx::upstream
