// RateLimit-Policy, RateLimit and Retry-After values (headers.hpp).
#include "limits/headers.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

namespace mcpx::limits {

namespace {

constexpr std::int64_t second_us = 1'000'000;

// An sf-string: printable ASCII with '"' and '\' escaped. Names are validated to need neither;
// anything outside the range becomes '?' rather than an invalid field.
void append_sf_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c >= 0x20 && c <= 0x7e ? c : '?');
  }
  out.push_back('"');
}

// sf-integer: at most 15 digits.
char* write_integer(char* out, std::int64_t v) noexcept {
  return std::to_chars(out, out + 15, std::clamp<std::int64_t>(v, 0, 999'999'999'999'999)).ptr;
}

void append_param(std::string& out, std::string_view key, std::int64_t v) {
  out.push_back(';');
  out.append(key);
  out.push_back('=');
  char digits[16];
  out.append(digits, write_integer(digits, v));
}

void begin_item(std::string& field, std::string_view name) {
  if (!field.empty()) field.append(", ");
  append_sf_string(field, name);
}

}  // namespace

std::int64_t ceil_seconds(usec d) noexcept {
  const std::int64_t us = d.count();
  if (us <= 0) return 0;
  return us / second_us + (us % second_us != 0 ? 1 : 0);
}

void append_policy(std::string& field, std::string_view name, const rate& r) {
  begin_item(field, name);
  append_param(field, "q", r.burst);
  std::int64_t window;
  if (__builtin_mul_overflow(r.burst, interval(r).count(), &window)) window = std::numeric_limits<std::int64_t>::max();
  append_param(field, "w", std::max<std::int64_t>(1, ceil_seconds(usec(window))));
}

void append_limit(std::string& field, std::string_view name, const decision& d) {
  begin_item(field, name);
  append_param(field, "r", d.remaining);
  append_param(field, "t", ceil_seconds(d.next_after));
}

std::string limit_item_prefix(std::string_view name) {
  std::string prefix;
  append_sf_string(prefix, name);
  prefix.append(";r=");
  return prefix;
}

char* write_limit(char* out, std::string_view prefix, const decision& d) noexcept {
  out = std::copy(prefix.begin(), prefix.end(), out);
  out = write_integer(out, d.remaining);
  *out++ = ';';
  *out++ = 't';
  *out++ = '=';
  return write_integer(out, ceil_seconds(d.next_after));
}

std::uint32_t retry_after_seconds(usec wait) noexcept {
  const std::int64_t s = ceil_seconds(wait);
  if (s < 1) return 1;
  if (s > std::numeric_limits<std::uint32_t>::max()) return std::numeric_limits<std::uint32_t>::max();
  return static_cast<std::uint32_t>(s);
}

}  // namespace mcpx::limits
