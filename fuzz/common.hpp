#pragma once
// Helpers shared by the fuzz targets: a property check that stops the run with a message,
// and JSON equality that tolerates Boost.JSON 1.81's number parsing.
#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace mcpx::fuzz {

/// A property of the code under test that does not hold: print it and abort, so libFuzzer
/// saves the input as a crash.
[[noreturn]] inline void fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "fuzz property violated: %s\n", what);
  if (!detail.empty()) std::fprintf(stderr, "  %.*s\n", int(std::min<std::size_t>(detail.size(), 2000)), detail.data());
  std::abort();
}

/// Structural equality for values that went through serialize() and parse() once more.
/// Doubles compare within a few ulps: before 1.83 Boost.JSON's parser is not always
/// correctly rounded, so a serialized double may come back one ulp away (not our bug).
inline bool same_json(const boost::json::value& a, const boost::json::value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_double() || b.is_double()) {
      const double x = a.to_number<double>(), y = b.to_number<double>();
      if (x == y) return true;
      if (std::isinf(x) || std::isinf(y)) return false;
      return std::fabs(x - y) <= 1e-14 * std::max(std::fabs(x), std::fabs(y));
    }
    return a == b;
  }
  if (a.kind() != b.kind()) return false;
  if (a.is_object()) {
    const auto &oa = a.get_object(), &ob = b.get_object();
    if (oa.size() != ob.size()) return false;
    for (const auto& [k, v] : oa) {
      const auto* w = ob.if_contains(k);
      if (!w || !same_json(v, *w)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    const auto &xa = a.get_array(), &xb = b.get_array();
    if (xa.size() != xb.size()) return false;
    for (std::size_t i = 0; i < xa.size(); ++i)
      if (!same_json(xa[i], xb[i])) return false;
    return true;
  }
  return a == b;
}

/// True when no number in `v` is an infinity (what Boost.JSON makes of 1e400).
inline bool finite_numbers(const boost::json::value& v) {
  if (v.is_double()) return std::isfinite(v.get_double());
  if (v.is_array()) {
    for (const auto& e : v.get_array())
      if (!finite_numbers(e)) return false;
  } else if (v.is_object()) {
    for (const auto& e : v.get_object())
      if (!finite_numbers(e.value())) return false;
  }
  return true;
}

}  // namespace mcpx::fuzz
