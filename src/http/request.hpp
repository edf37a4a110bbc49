#pragma once
// A request as the connection reads it: its line, its fields in arrival order in one flat
// array, its body; all in the memory resource it is given (the connection's arena). Beast's
// message keeps fields in a list and a tree, one allocation and a tree insert per field, which
// was about 5 % of a call's instructions; nothing here finds a field through a tree (docs/decisions.md).
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <string>
#include <string_view>

namespace mcpx::http {

/// One field as received: Beast's code for its name (field::unknown for one it does not know),
/// the name as sent, and the value as Beast's parser leaves it (without surrounding whitespace).
struct request_field {
  boost::beast::http::field code;
  std::string_view name_text, value_text;
  boost::beast::http::field name() const noexcept { return code; }
  std::string_view name_string() const noexcept { return name_text; }
  std::string_view value() const noexcept { return value_text; }
};

class request {
 public:
  using value_type = request_field;
  using const_iterator = const request_field*;
  using body_type = std::pmr::string;

  /// Everything is allocated from `mr`, which must outlive the request.
  explicit request(std::pmr::memory_resource* mr = std::pmr::new_delete_resource()) noexcept;
  ~request();
  request(request&& o) noexcept;
  request& operator=(request&& o) noexcept;
  request(const request&) = delete;
  request& operator=(const request&) = delete;

  boost::beast::http::verb method() const noexcept { return method_; }
  std::string_view method_string() const noexcept { return method_text_; }
  void method(boost::beast::http::verb v);
  /// A method by its text; one Beast does not know keeps verb::unknown.
  void method_string(std::string_view s);
  std::string_view target() const noexcept { return target_; }
  void target(std::string_view t) { target_ = keep(t); }
  /// 10 for HTTP/1.0, 11 for HTTP/1.1.
  unsigned version() const noexcept { return version_; }
  void version(unsigned v) noexcept { version_ = v; }

  const request_field* begin() const noexcept { return fields_; }
  const request_field* end() const noexcept { return fields_ + count_; }
  std::size_t field_count() const noexcept { return count_; }
  /// The first value of a field, "" when absent: for code that has no use for the difference.
  std::string_view operator[](boost::beast::http::field code) const noexcept;
  std::string_view operator[](std::string_view name) const noexcept;

  /// Adds a field after the others, copying its name and value.
  void insert(boost::beast::http::field code, std::string_view name, std::string_view value);
  void insert(std::string_view name, std::string_view value);
  void insert(boost::beast::http::field code, std::string_view value);
  /// Replaces every field of that name (in any case) by one, at the end: for requests built by hand.
  void set(std::string_view name, std::string_view value);
  void set(boost::beast::http::field code, std::string_view value);
  /// Drops the fields from the `n`th on.
  void keep_fields(std::size_t n) noexcept { count_ = n < count_ ? n : count_; }

  body_type& body() noexcept { return body_; }
  const body_type& body() const noexcept { return body_; }
  std::pmr::memory_resource* resource() const noexcept { return mr_; }

 private:
  // Text is kept in blocks taken from mr_, linked so that the destructor can give them back
  // (an arena ignores that; the heap a test uses does not).
  struct text_block {
    text_block* next;
    std::size_t size;
  };
  std::string_view keep(std::string_view s);
  char* grow_text(std::size_t n);
  void grow_fields();
  void free_all() noexcept;
  static bool same_name(const request_field& f, boost::beast::http::field code, std::string_view name) noexcept;

  std::pmr::memory_resource* mr_;
  boost::beast::http::verb method_ = boost::beast::http::verb::unknown;
  unsigned version_ = 11;
  std::string_view method_text_, target_;
  request_field* fields_ = nullptr;
  std::uint32_t count_ = 0, capacity_ = 0;
  text_block* blocks_ = nullptr;
  char* text_at_ = nullptr;  ///< free room in the newest block
  std::size_t text_left_ = 0;
  body_type body_;
};

}  // namespace mcpx::http
