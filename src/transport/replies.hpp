#pragma once
// Building HTTP replies for the transport.
#include <boost/json.hpp>

#include "http/event_stream.hpp"

namespace mcpx::transport {

inline http::reply json_reply_text(unsigned status, std::string body) {
  http::reply r;
  r.head.result(status);
  r.head.set(http::bhttp::field::content_type, "application/json");
  r.head.body() = std::move(body);
  return r;
}

inline http::reply json_reply(unsigned status, const boost::json::value& v) {
  return json_reply_text(status, boost::json::serialize(v));
}

inline http::reply empty_reply(unsigned status) {
  http::reply r;
  r.head.result(status);
  return r;
}

inline http::reply text_reply(unsigned status, std::string body) {
  http::reply r;
  r.head.result(status);
  r.head.set(http::bhttp::field::content_type, "text/plain");
  r.head.body() = std::move(body);
  return r;
}

inline http::reply sse_reply(std::shared_ptr<http::event_stream> s) {
  http::reply r;
  r.head.result(200);
  r.head.set(http::bhttp::field::content_type, "text/event-stream");
  r.head.set(http::bhttp::field::cache_control, "no-cache");
  // Tells nginx and similar proxies not to buffer the stream.
  r.head.set("X-Accel-Buffering", "no");
  r.stream = std::move(s);
  return r;
}

}  // namespace mcpx::transport
