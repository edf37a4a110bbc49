#pragma once
// JSON helpers with JSON Schema semantics: numbers compare by value across the
// int64/uint64/double representations, and nothing here recurses on instance depth
// without a bound (instances are untrusted).
#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mcpx::schema::detail {

/// True for any number whose value has no fractional part (1.0 included).
bool is_integral(const boost::json::value& v);

/// Type bits (see type_bit) describing `v`.
std::uint8_t type_bits_of(const boost::json::value& v);

/// "string", "integer", "number", ... as used in messages.
std::string_view type_name_of(const boost::json::value& v);

/// Names of the set bits, joined with " or " ("string or null").
std::string type_names(std::uint8_t bits);

/// Three-way comparison of two numbers (both must be numbers): <0, 0, >0.
int compare_numbers(const boost::json::value& a, const boost::json::value& b);

/// True when `value` is a multiple of the positive number `divisor`.
bool is_multiple_of(const boost::json::value& value, const boost::json::value& divisor);

/// JSON equality (numbers by value, objects ignoring member order). Iterative.
bool json_equal(const boost::json::value& a, const boost::json::value& b);

/// Number of Unicode code points in UTF-8 text.
std::size_t utf8_length(std::string_view s);

/// Compact JSON text for messages, cut to about `max_chars` with "...".
std::string short_json(const boost::json::value& v, std::size_t max_chars = 60);

/// A number as a reader would write it: 3, 0.5, 1e+300 (never Boost's "5E-1").
std::string format_number(const boost::json::value& v);

/// Cuts UTF-8 text to at most `max_bytes` without splitting a code point ("..." appended).
std::string truncate_utf8(std::string_view s, std::size_t max_bytes);

/// Reads a non-negative integer keyword value (2 or 2.0); nullopt-like: returns false.
bool read_count(const boost::json::value& v, std::uint64_t& out);

}  // namespace mcpx::schema::detail
