#pragma once
// The HTTP layer's vocabulary: requests, replies, limits. No MCP knowledge here.
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <memory_resource>
#include <string>
#include <string_view>

#include "http/request.hpp"

namespace mcpx::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

using response = bhttp::response<bhttp::string_body>;

class event_stream;

/// What a handler answers: a complete response, or a head followed by a stream of SSE events.
struct reply {
  response head;
  std::shared_ptr<event_stream> stream;  ///< when set, `head` is sent chunked and events follow
  /// Fields sent after `head`'s, already formatted as "Name: value\r\n" lines: how a stage adds
  /// fields to every reply without paying for Beast's field table on each request.
  std::string extra_fields;
  /// More field lines in the same form, in static storage (a constant's): a field every reply
  /// of a kind carries (a JSON reply's Content-Type) costs no allocation or table insert.
  std::string_view static_fields;
};

/// Named limits, each enforced where the connection reads or writes.
struct limits {
  std::size_t header_limit = 16 * 1024;             ///< whole header block; beyond: 431
  std::size_t body_limit = 4 * 1024 * 1024;         ///< request body; beyond: 413
  std::chrono::milliseconds read_timeout{30'000};   ///< to receive one whole request once started
  std::chrono::milliseconds idle_timeout{60'000};   ///< keep-alive wait for the next request
  std::chrono::milliseconds write_timeout{30'000};  ///< one write to a slow reader
  std::size_t max_connections = 10'000;             ///< beyond: accepted, answered 503 and closed at once
  std::size_t max_connections_per_address = 256;    ///< the same, per remote address (IPv6: /64); 0: none
  std::chrono::milliseconds sse_keepalive{15'000};  ///< comment line on quiet streams
};

/// Why the HTTP layer answered instead of the handler, or turned a connection away. The names
/// (to_string) are stable: they label metrics and appear in the access log.
enum class refusal : std::uint8_t {
  none,                  ///< not refused
  malformed,             ///< 400: not a parsable HTTP/1.x request
  header_too_large,      ///< 431: beyond limits::header_limit
  body_too_large,        ///< 413: beyond limits::body_limit
  internal_error,        ///< 500: the handler threw
  too_many_connections,  ///< 503 at accept, beyond limits::max_connections; nothing is read
  out_of_descriptors,    ///< 503 at accept, shed while the process has no descriptor left
  /// 400: a Transfer-Encoding other than "chunked" alone, or beside a Content-Length: where
  /// the body ends is in doubt (RFC 9112 6.3), so what follows could be taken for a request
  bad_framing,
  bad_host,  ///< 400: no Host in an HTTP/1.1 request, more than one, or an invalid one (RFC 9112 3.2)
  /// 503 at accept, beyond limits::max_connections_per_address; nothing is read
  too_many_connections_from_address,
};
inline constexpr std::size_t refusal_count = 10;
/// "malformed", "header_too_large", ...; "" for none.
std::string_view to_string(refusal r) noexcept;
/// The status a refusal answers with (one table: src/http/refusal.cpp).
bhttp::status status_of(refusal r) noexcept;
/// True for the refusals made at accept, before any request: the record is a connection's.
constexpr bool refuses_connection(refusal r) noexcept {
  return r == refusal::too_many_connections || r == refusal::out_of_descriptors ||
         r == refusal::too_many_connections_from_address;
}
/// The older refusal a newer one is worded as by server_config::refusal_reply (a finer reason
/// for logs and metrics, the same answer), so an upper layer written before it words it right.
refusal worded_as(refusal r) noexcept;

/// Why an accept failed. The first four mean the process or the system is out of a resource:
/// the listener pauses; `other` is one peer's trouble (it reset before we took it).
enum class accept_error : std::uint8_t { emfile, enfile, enobufs, enomem, other };
inline constexpr std::size_t accept_error_count = 5;
/// "emfile", "enfile", "enobufs", "enomem", "other".
std::string_view to_string(accept_error e) noexcept;

/// What the access log says about one request, HTTP side. The connection fills it; the layers
/// above extend it with what they know (ops::access_record) through server_config::make_record.
struct request_record {
  virtual ~request_record() = default;
  std::chrono::steady_clock::time_point start;
  std::chrono::system_clock::time_point time;
  std::string request_id;  ///< X-Request-Id, or generated
  std::string trace_id;    ///< from a W3C traceparent (header, or set by an upper layer)
  std::string http_method, target, remote;
  unsigned status = 0;
  std::chrono::microseconds latency{0};
  /// Set when the HTTP layer answered instead of the handler (then the fields it could not
  /// read are empty), or turned the connection away (then no request was read at all).
  http::refusal refusal = http::refusal::none;

  /// Empties every field but keeps the strings' buffers, for reuse by the next request.
  virtual void clear() {
    for (auto* s : {&request_id, &trace_id, &http_method, &target, &remote}) s->clear();
    status = 0;
    latency = {};
    refusal = http::refusal::none;
  }
};

/// The trace id of a W3C traceparent ("00-<32 hex>-<16 hex>-<2 hex>"), or "" when malformed.
std::string trace_id_of(std::string_view traceparent);

/// Hears, on the connection's thread, what happens to a request while another thread handles
/// it. Held weakly (its owner may be gone first); must not throw.
class request_watcher {
 public:
  /// The client went away: it closed its end while the request was handled (see
  /// peer_info::watch_hangup), or the request's event stream was cancelled.
  virtual void client_gone() noexcept = 0;
  /// The deadline given to event_stream::watch passed while the stream was still open.
  virtual void deadline_passed() noexcept = 0;
  /// The consumer has waited until the `nudge` given to event_stream::watch: the request is not
  /// a quick one, and what is worth its cost only for those (the hang-up watch) starts now.
  virtual void still_waiting() noexcept {}

 protected:
  ~request_watcher() = default;
};

struct peer_info {
  tcp::endpoint remote;
  /// Starts watching the connection for a hang-up while this request is handled, and returns
  /// the flag set when the client closes its end, so long work can stop early; `w` is told too
  /// (client_gone). Each request gets its own flag; calling again returns the same one (and
  /// keeps the first watcher). A handler that answers without handing the request to another
  /// thread need not call it (watching costs two syscalls).
  std::function<std::shared_ptr<std::atomic<bool>>(std::weak_ptr<request_watcher> w)> watch_hangup;
  /// What the access log and metrics see of this request; null when nobody reads it. The
  /// connection reuses it for the next request unless someone still holds it.
  std::shared_ptr<request_record> record;
  /// Scratch memory for this request, where the request itself lives; released at once after
  /// the reply is written, or, for a streamed reply, before its head is written (a connection
  /// holding a long stream keeps no request memory). Nothing allocated here may outlive the
  /// handler's reply: copy what a worker, a task or a stream keeps.
  std::pmr::memory_resource* arena = std::pmr::new_delete_resource();
};

/// Turns one request into one reply. Called on the connection's I/O thread; must not block.
class handler {
 public:
  virtual ~handler() = default;
  /// Makes the reply in `out`, a default one the connection owns: in place, because a reply
  /// returned through each coroutine layer was moved twice per layer (a Beast message's move
  /// is about 125 instructions).
  virtual net::awaitable<void> handle(request& req, const peer_info& peer, reply& out) = 0;
};

}  // namespace mcpx::http
