#pragma once
// Reading one request off a connection: its head, whose framing is checked before any byte
// after it is taken as body or as the next request, then its body.
#include <optional>
#include <string_view>

#include "http/deadline.hpp"
#include "http/request_parser.hpp"
#include "http/server.hpp"

namespace mcpx::http {

/// The most a connection's read buffer holds. What must be in it whole is a header block
/// (header_limit), a chunk-size line or a trailer block; a body passes through it. The
/// 64 KiB are the read size Beast asks for, so a large body needs no more reads than before.
constexpr std::size_t read_buffer_limit(const limits& lim) noexcept { return lim.header_limit + 64 * 1024; }

/// True when a Host field value is `uri-host [":" port]` (RFC 9110 7.2, RFC 3986 3.2.2): no
/// userinfo, path, spaces or other bytes that are not an authority. Empty is valid (no authority).
bool valid_host_value(std::string_view v) noexcept;

/// Why a request's head cannot be served safely (RFC 9112 3.2, 6.1, 6.3), or refusal::none:
/// a Transfer-Encoding other than exactly "chunked", one with a Content-Length or in an
/// HTTP/1.0 request (bad_framing); no Host in HTTP/1.1, more than one, or one whose value is
/// not an authority (bad_host).
refusal check_head(const request& req, bool chunked) noexcept;

/// How reading a request ended.
struct read_result {
  bool complete = false;            ///< a whole request is in the parser
  refusal refused = refusal::none;  ///< when not complete: the answer owed (none: close silently)
};

/// Reads one request into a parser (fresh, with its limits set, chunk metadata limited to
/// `limits::header_limit`): what the connection has buffered first, then, when that is not all
/// of it, from the socket.
class request_reader {
 public:
  request_reader(request_parser& p, const limits& lim) : p_(p), lim_(lim) {}
  request_reader(const request_reader&) = delete;
  request_reader& operator=(const request_reader&) = delete;

  /// Parses what `buf` holds: the result, or nullopt when more bytes are needed (then read()).
  std::optional<read_result> parse(beast::flat_buffer& buf);
  /// Reads the rest of the request under `lim.read_timeout`.
  net::awaitable<read_result> read(tcp::socket& sock, beast::flat_buffer& buf, deadline& timeout);

 private:
  request_parser& p_;
  const limits& lim_;
};

}  // namespace mcpx::http
