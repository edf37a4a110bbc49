#pragma once
// One RESP2 reply as an owned value: nil, integer, simple string, bulk string (binary-safe),
// error, or an array of replies. Moving one moves a string and a vector: no copy of data.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mcpx::redis {

class reply {
 public:
  enum class kind : std::uint8_t { nil, integer, simple, bulk, error, array };

  reply() = default;  ///< nil
  static reply nil() { return {}; }
  static reply integer(std::int64_t v) { return reply(kind::integer, v); }
  static reply simple(std::string s) { return reply(kind::simple, std::move(s)); }
  static reply bulk(std::string s) { return reply(kind::bulk, std::move(s)); }
  static reply error(std::string s) { return reply(kind::error, std::move(s)); }
  static reply array(std::vector<reply> elements);

  kind type() const noexcept { return kind_; }
  bool is_nil() const noexcept { return kind_ == kind::nil; }
  bool is_integer() const noexcept { return kind_ == kind::integer; }
  /// A simple or a bulk string.
  bool is_string() const noexcept { return kind_ == kind::simple || kind_ == kind::bulk; }
  bool is_error() const noexcept { return kind_ == kind::error; }
  bool is_array() const noexcept { return kind_ == kind::array; }

  /// The integer (0 unless is_integer()).
  std::int64_t as_integer() const noexcept { return int_; }
  /// The bytes of a simple or bulk string, or an error's text ("NOSCRIPT No matching ...");
  /// empty for other kinds.
  std::string_view str() const noexcept { return str_; }
  /// The elements of an array (empty for other kinds).
  const std::vector<reply>& elements() const noexcept { return elements_; }
  std::vector<reply>& elements() noexcept { return elements_; }

  bool operator==(const reply& o) const;

 private:
  reply(kind k, std::int64_t v) : kind_(k), int_(v) {}
  reply(kind k, std::string s) : kind_(k), str_(std::move(s)) {}

  kind kind_ = kind::nil;
  std::int64_t int_ = 0;
  std::string str_;
  std::vector<reply> elements_;
};

/// redis-cli's notation, for logs and test messages: (nil), (integer) 3, "a\x00b", (error) ERR x,
/// [1, "a"]. Strings are quoted with non-printable bytes escaped.
std::string to_string(const reply& r);
/// "nil", "integer", "simple", "bulk", "error", "array".
std::string_view to_string(reply::kind k) noexcept;

}  // namespace mcpx::redis
