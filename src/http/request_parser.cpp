// Beast's parser callbacks, filling an http::request.
#include "http/request_parser.hpp"

#include <boost/beast/http/error.hpp>
#include <new>
#include <stdexcept>

namespace mcpx::http {

namespace bhttp = boost::beast::http;

void request_parser::on_request_impl(bhttp::verb method, string_view method_str, string_view target, int version,
                                     error_code&) {
  if (method == bhttp::verb::unknown) req_.method_string(method_str);
  else req_.method(method);
  req_.target(target);
  req_.version(static_cast<unsigned>(version));
}

void request_parser::on_field_impl(bhttp::field name, string_view name_string, string_view value, error_code& ec) {
  // The views point into the read buffer, or into Beast's scratch for a folded value: kept now.
  if (!is_header_done()) req_.insert(name, name_string, value);
  else take_metadata(name_string.size() + value.size() + 4, ec);  // a trailer: "name: value\r\n"
}

void request_parser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length, error_code& ec) {
  // Beast checked the length against body_limit already.
  if (!content_length) return;
  if (*content_length > req_.body().max_size()) {
    ec = bhttp::error::buffer_overflow;
    return;
  }
  try {
    req_.body().reserve(static_cast<std::size_t>(*content_length));
  } catch (const std::bad_alloc&) {
    ec = bhttp::error::buffer_overflow;
  }
}

std::size_t request_parser::on_body_impl(string_view body, error_code& ec) {
  try {
    req_.body().append(body.data(), body.size());
  } catch (const std::exception&) {  // length_error, bad_alloc: as Beast's string body reports them
    ec = bhttp::error::buffer_overflow;
    return 0;
  }
  return body.size();
}

void request_parser::on_chunk_header_impl(std::uint64_t, string_view extensions, error_code& ec) {
  take_metadata(extensions.size(), ec);
}

std::size_t request_parser::on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) {
  return on_body_impl(body, ec);
}

void request_parser::take_metadata(std::size_t n, error_code& ec) noexcept {
  if (n > metadata_left_) ec = bhttp::error::header_limit;
  else metadata_left_ -= n;
}

}  // namespace mcpx::http
