#pragma once
// Beast's HTTP/1 parser, writing what it parses into an http::request.
#include <boost/beast/http/basic_parser.hpp>
#include <cstddef>
#include <memory_resource>

#include "http/request.hpp"

namespace mcpx::http {

/// Parses one request into an http::request held in `mr`. Derived from Beast's basic_parser,
/// as Beast documents for a message type of one's own: its limits (header_limit, body_limit),
/// eager(), chunked(), keep_alive() are Beast's. Chunk extensions and trailer fields together
/// may take `metadata_limit` bytes (Beast bounds neither: error::header_limit beyond); trailer
/// fields are counted and dropped, not merged into the head (RFC 9110 6.5.1), so no check made
/// on the head is undone by them.
class request_parser final : public boost::beast::http::basic_parser<true> {
 public:
  request_parser(std::pmr::memory_resource* mr, std::size_t metadata_limit)
      : req_(mr), metadata_left_(metadata_limit) {}

  request& get() noexcept { return req_; }
  const request& get() const noexcept { return req_; }
  /// Moves the request out.
  request release() noexcept { return std::move(req_); }

 private:
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;
  void on_request_impl(boost::beast::http::verb method, string_view method_str, string_view target, int version,
                       error_code& ec) override;
  void on_response_impl(int, string_view, int, error_code&) override {}  // a request parser: never called
  void on_field_impl(boost::beast::http::field name, string_view name_string, string_view value,
                     error_code& ec) override;
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length, error_code& ec) override;
  std::size_t on_body_impl(string_view body, error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t size, string_view extensions, error_code& ec) override;
  std::size_t on_chunk_body_impl(std::uint64_t remain, string_view body, error_code& ec) override;
  void on_finish_impl(error_code&) override {}
  void take_metadata(std::size_t n, error_code& ec) noexcept;

  request req_;
  std::size_t metadata_left_;
};

}  // namespace mcpx::http
