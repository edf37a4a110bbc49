#pragma once
// Feeding Beast's parser from a buffer and a stream, for requests (http::request_reader) and
// responses (auth/fetch) alike. Not Beast's async_read: that parses whatever is buffered before
// each read, whatever its size, and Boost 1.81's parser asserts that a final chunk it parses a
// second time holds at least 5 bytes (boostorg/beast#2861, fixed upstream in 2024). Fed
// "0\r\n" and then one byte, a build with assertions aborts (docs/decisions.md).
#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

namespace mcpx::util::http_feed {

/// The fewest buffered bytes the parser is given: 5 in a chunked body, where what is left
/// after what the parser took is at least "0\r\n\r\n", so waiting for them never stalls a
/// valid message.
template <bool isRequest>
std::size_t least_to_put(const boost::beast::http::basic_parser<isRequest>& p) noexcept {
  return p.is_header_done() && p.chunked() ? 5 : 1;
}

/// Parses what `buf` holds: up to the end of the head when the parser is not eager, else to
/// the end of the message. False when more bytes are needed; `ec` is set when the parser
/// failed (and then the result is true).
template <bool isRequest>
bool parse_buffered(boost::beast::flat_buffer& buf, boost::beast::http::basic_parser<isRequest>& p,
                    boost::system::error_code& ec) {
  auto done = [&p] { return p.eager() ? p.is_done() : p.is_header_done(); };
  while (buf.size() >= least_to_put(p) && !done()) {
    auto used = p.put(buf.data(), ec);
    buf.consume(used);
    if (ec == boost::beast::http::error::need_more) {
      ec = {};
      return false;
    }
    if (ec) return true;
  }
  return done();
}

/// The stream ended: what the parser makes of it, as Beast's read reports it (end_of_stream
/// when nothing was read, partial_message for a message cut short, none when it is complete).
template <bool isRequest>
boost::system::error_code at_end_of_stream(boost::beast::http::basic_parser<isRequest>& p) {
  using boost::beast::http::error;
  if (!p.got_some()) return error::end_of_stream;
  boost::system::error_code ec;
  p.put_eof(ec);
  if (!ec && !p.is_done()) ec = error::partial_message;
  return ec;
}

/// One read into `buf`, sized as Beast's read_size does it: the capacity the buffer has when
/// that is at least 512 bytes (a slow client does not grow every connection's buffer), at most
/// 64 KiB, never past its max_size (buffer_overflow then). Returns the read's error, the end
/// of the stream mapped by at_end_of_stream: none when that completed the message (the next
/// parse_buffered finds it done).
template <class Stream, bool isRequest>
boost::asio::awaitable<boost::system::error_code> read_more(Stream& s, boost::beast::flat_buffer& buf,
                                                            boost::beast::http::basic_parser<isRequest>& p) {
  namespace net = boost::asio;
  const std::size_t room = buf.max_size() - buf.size();
  if (room == 0) co_return boost::beast::http::error::buffer_overflow;
  const std::size_t free_now = buf.capacity() - buf.size();
  const std::size_t want = std::min({std::max<std::size_t>(512, free_now), std::size_t{64 * 1024}, room});
  auto [ec, n] = co_await s.async_read_some(buf.prepare(want), net::as_tuple(net::use_awaitable));
  buf.commit(n);
  if (ec == net::error::eof) co_return at_end_of_stream(p);
  co_return ec;
}

/// Reads and parses the whole message: what Beast's async_read does, without the assertion.
/// Errors as Beast's read reports them.
template <class Stream, bool isRequest>
boost::asio::awaitable<boost::system::error_code> read_message(Stream& s, boost::beast::flat_buffer& buf,
                                                               boost::beast::http::basic_parser<isRequest>& p) {
  p.eager(true);
  for (;;) {
    boost::system::error_code ec;
    if (parse_buffered(buf, p, ec)) co_return ec;
    if (ec = co_await read_more(s, buf, p); ec) co_return ec;
  }
}

}  // namespace mcpx::util::http_feed
