#include "json_util.hpp"

#include "internal.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>
#include <vector>

namespace mcpx::schema::detail {

namespace {

// long double holds every int64, uint64 and double exactly on the targets we build for
// (x87 80-bit or IEEE quad), so mixed comparisons need no special cases beyond this.
long double as_long_double(const json::value& v) {
  if (v.is_int64()) return static_cast<long double>(v.get_int64());
  if (v.is_uint64()) return static_cast<long double>(v.get_uint64());
  return static_cast<long double>(v.get_double());
}

double as_double(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  return v.get_double();
}

void append_short(std::string& out, const json::value& v, std::size_t budget, int depth) {
  if (out.size() > budget) return;
  switch (v.kind()) {
    case json::kind::string: {
      const auto s = v.get_string();
      const std::size_t room = budget > out.size() ? budget - out.size() : 0;
      if (s.size() > room + 8) {
        json::string cut(truncate_utf8(s, room));
        out += json::serialize(cut);
      } else {
        out += json::serialize(s);
      }
      return;
    }
    case json::kind::array: {
      const auto& a = v.get_array();
      if (depth <= 0 && !a.empty()) {
        out += "[...]";
        return;
      }
      out += '[';
      bool first = true;
      for (const auto& e : a) {
        if (!first) out += ',';
        first = false;
        if (out.size() > budget) {
          out += "...";
          break;
        }
        append_short(out, e, budget, depth - 1);
      }
      out += ']';
      return;
    }
    case json::kind::object: {
      const auto& o = v.get_object();
      if (depth <= 0 && !o.empty()) {
        out += "{...}";
        return;
      }
      out += '{';
      bool first = true;
      for (const auto& kv : o) {
        if (!first) out += ',';
        first = false;
        if (out.size() > budget) {
          out += "...";
          break;
        }
        out += json::serialize(kv.key());
        out += ':';
        append_short(out, kv.value(), budget, depth - 1);
      }
      out += '}';
      return;
    }
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: out += format_number(v); return;
    default: out += json::serialize(v); return;
  }
}

}  // namespace

bool is_integral(const json::value& v) {
  if (v.is_int64() || v.is_uint64()) return true;
  if (!v.is_double()) return false;
  const double d = v.get_double();
  return std::isfinite(d) && std::trunc(d) == d;
}

std::uint8_t type_bits_of(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return t_null;
    case json::kind::bool_: return t_boolean;
    case json::kind::object: return t_object;
    case json::kind::array: return t_array;
    case json::kind::string: return t_string;
    default: return static_cast<std::uint8_t>(t_number | (is_integral(v) ? t_integer : 0));
  }
}

std::string_view type_name_of(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "boolean";
    case json::kind::object: return "object";
    case json::kind::array: return "array";
    case json::kind::string: return "string";
    default: return is_integral(v) ? "integer" : "number";
  }
}

std::string type_names(std::uint8_t bits) {
  static constexpr std::pair<std::uint8_t, std::string_view> names[] = {
      {t_object, "object"}, {t_array, "array"},     {t_string, "string"}, {t_integer, "integer"},
      {t_number, "number"}, {t_boolean, "boolean"}, {t_null, "null"},
  };
  std::string out;
  for (const auto& [bit, name] : names) {
    if (!(bits & bit)) continue;
    if (!out.empty()) out += " or ";
    out += name;
  }
  return out;
}

int compare_numbers(const json::value& a, const json::value& b) {
  if (a.is_int64() && b.is_int64()) {
    const auto x = a.get_int64(), y = b.get_int64();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_uint64() && b.is_uint64()) {
    const auto x = a.get_uint64(), y = b.get_uint64();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  const long double x = as_long_double(a), y = as_long_double(b);
  return x < y ? -1 : (x > y ? 1 : 0);
}

bool is_multiple_of(const json::value& value, const json::value& divisor) {
  const bool int_value = value.is_int64() || value.is_uint64();
  const bool int_divisor = divisor.is_int64() || divisor.is_uint64();
  if (int_value && int_divisor) {
    // Exact arithmetic on magnitudes; the divisor is known to be positive.
    const std::uint64_t d = divisor.is_int64() ? static_cast<std::uint64_t>(divisor.get_int64()) : divisor.get_uint64();
    std::uint64_t m;
    if (value.is_uint64()) {
      m = value.get_uint64();
    } else {
      const auto i = value.get_int64();
      m = i < 0 ? std::uint64_t(0) - static_cast<std::uint64_t>(i) : static_cast<std::uint64_t>(i);
    }
    return m % d == 0;
  }
  const double x = as_double(value), m = as_double(divisor);
  if (x == 0) return true;
  const double q = x / m;
  // Overflowing quotients (1e308 / 0.5): fall back to the exact IEEE remainder.
  if (!std::isfinite(q)) return std::fmod(x, m) == 0.0;
  // Decimal divisors such as 0.01 are not exact in binary, so allow a few ulps of error.
  const double tolerance = std::max(1e-9, std::fabs(q) * 1e-15);
  return std::fabs(q - std::nearbyint(q)) <= tolerance;
}

bool json_equal(const json::value& a, const json::value& b) {
  std::vector<std::pair<const json::value*, const json::value*>> todo{{&a, &b}};
  while (!todo.empty()) {
    const auto [x, y] = todo.back();
    todo.pop_back();
    if (x->is_number() && y->is_number()) {
      if (compare_numbers(*x, *y) != 0) return false;
      continue;
    }
    if (x->kind() != y->kind()) return false;
    switch (x->kind()) {
      case json::kind::null: break;
      case json::kind::bool_:
        if (x->get_bool() != y->get_bool()) return false;
        break;
      case json::kind::string:
        if (x->get_string() != y->get_string()) return false;
        break;
      case json::kind::array: {
        const auto& xa = x->get_array();
        const auto& ya = y->get_array();
        if (xa.size() != ya.size()) return false;
        for (std::size_t i = 0; i < xa.size(); ++i) todo.emplace_back(&xa[i], &ya[i]);
        break;
      }
      case json::kind::object: {
        const auto& xo = x->get_object();
        const auto& yo = y->get_object();
        if (xo.size() != yo.size()) return false;
        for (const auto& kv : xo) {
          const auto* other = yo.if_contains(kv.key());
          if (!other) return false;
          todo.emplace_back(&kv.value(), other);
        }
        break;
      }
      default: return false;  // numbers handled above
    }
  }
  return true;
}

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (const unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

std::string truncate_utf8(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  std::string out(s.substr(0, cut));
  out += "...";
  return out;
}

std::string format_number(const json::value& v) {
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  if (!v.is_double()) return {};
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v.get_double());
  return r.ec == std::errc() ? std::string(buf, r.ptr) : std::string("NaN");
}

std::string short_json(const json::value& v, std::size_t max_chars) {
  std::string out;
  append_short(out, v, max_chars, 3);
  if (out.size() > max_chars + 16) out = truncate_utf8(out, max_chars);
  return out;
}

bool read_count(const json::value& v, std::uint64_t& out) {
  if (v.is_uint64()) {
    out = v.get_uint64();
    return true;
  }
  if (v.is_int64()) {
    if (v.get_int64() < 0) return false;
    out = static_cast<std::uint64_t>(v.get_int64());
    return true;
  }
  if (v.is_double()) {
    const double d = v.get_double();
    if (!(d >= 0) || d >= 18446744073709551616.0 || std::trunc(d) != d) return false;
    out = static_cast<std::uint64_t>(d);
    return true;
  }
  return false;
}

}  // namespace mcpx::schema::detail
