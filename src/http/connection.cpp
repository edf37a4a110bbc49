// One connection: read a request, hand it to the handler, write the reply, repeat.
// Requests are handled strictly in order, so pipelined requests are answered in order.
#include <charconv>
#include <cstdio>
#include <span>
#include <string_view>

#include "http/deadline.hpp"
#include "http/event_stream.hpp"
#include "http/record.hpp"
#include "http/refusal.hpp"
#include "http/request_arena.hpp"
#include "http/request_reader.hpp"
#include "http/server.hpp"
#include "http/whole_write.hpp"

namespace mcpx::http {

namespace {

struct conn_state {
  conn_state(tcp::socket s, const limits& lim)
      : sock(std::move(s)),
        timeout(sock.get_executor(), std::min({lim.read_timeout, lim.idle_timeout, lim.write_timeout})),
        buffer(read_buffer_limit(lim)) {}
  tcp::socket sock;
  http::deadline timeout;
  beast::flat_buffer buffer;                ///< bounded by read_buffer_limit
  std::shared_ptr<std::atomic<bool>> gone;  ///< the current request's hang-up flag, once watched
  std::shared_ptr<request_record> record;   ///< reused while nobody else holds it
  std::string head;                         ///< a plain response's head, formatted here
  // Per-request memory (the parsed request, the handler's JSON): a bump allocator over a
  // buffer the connection keeps, reset before each request, so a typical request costs no
  // malloc. Bigger requests spill into heap blocks, freed at the reset (http/request_arena.hpp).
  static constexpr std::size_t arena_bytes = 8 * 1024;
  std::unique_ptr<std::byte[]> arena_buf;
  std::optional<request_arena> arena;

  /// The arena, emptied, for the next request.
  std::pmr::memory_resource* fresh_arena() {
    if (arena) {
      arena->release();
    } else {
      arena_buf.reset(new std::byte[arena_bytes]);  // new connection, or one that streamed
      arena.emplace(arena_buf.get(), arena_bytes);
    }
    return &*arena;
  }
  /// A connection that only streams from now on holds no per-request memory: 10,000 open
  /// streams would otherwise keep 10,000 arenas and read buffers (≈ 12 KiB each).
  void drop_request_memory() {
    arena.reset();
    arena_buf.reset();
    if (buffer.size() == 0) buffer.shrink_to_fit();
  }
};

// Watches a socket while a request is handled: a peer that closes its end sets `gone` and
// tells `w`. Pipelined data ends the watch without setting it. A plain completion handler, not
// a coroutine: this runs for every call handed to a worker, and a coroutine frame and its
// start cost about as much as the rest of the watch.
void watch_request(const std::shared_ptr<conn_state>& c, std::shared_ptr<std::atomic<bool>> gone,
                   std::weak_ptr<request_watcher> w) {
  c->sock.async_wait(tcp::socket::wait_read,
                     [c, gone = std::move(gone), w = std::move(w)](const boost::system::error_code& ec) {
                       if (ec) return;
                       boost::system::error_code ec2;
                       if (c->sock.available(ec2) != 0 && !ec2) return;
                       gone->store(true);
                       if (auto p = w.lock()) p->client_gone();
                     });
}

// The head of a response formatted into `out` (reused): what prepare_payload() and Beast's
// serializer would produce, for a fraction of their cost. `extra`: the reply's preformatted
// fields (reply::extra_fields, then reply::static_fields). A streamed reply (`chunked`) says
// Transfer-Encoding instead of Content-Length.
void format_head(std::string& out, const response& res, std::string_view extra, std::string_view static_fields,
                 bool chunked) {
  using namespace std::string_view_literals;
  out.clear();
  char digits[24];
  if (res.version() == 11 && res.result() == bhttp::status::ok) {
    out += "HTTP/1.1 200 OK\r\n"sv;  // nearly every reply: no number to format, no reason to look up
  } else {
    out += res.version() == 10 ? "HTTP/1.0 "sv : "HTTP/1.1 "sv;
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, res.result_int());
    out.append(digits, end);
    out += ' ';
    out += bhttp::obsolete_reason(res.result());
    out += "\r\n"sv;
  }
  for (const auto& f : res) {
    if (f.name() == bhttp::field::content_length || f.name() == bhttp::field::transfer_encoding) continue;
    out += f.name_string();
    out += ": "sv;
    out += f.value();
    out += "\r\n"sv;
  }
  out += extra;
  out += static_fields;
  // 1xx, 204 and 304 carry no body and no length (RFC 9110 8.6).
  const unsigned st = res.result_int();
  if (chunked) {
    out += "Transfer-Encoding: chunked\r\n"sv;
  } else if (!(st < 200 || st == 204 || st == 304)) {
    out += "Content-Length: "sv;
    auto [lend, lec] = std::to_chars(digits, digits + sizeof digits, res.body().size());
    out.append(digits, lend);
    out += "\r\n"sv;
  }
  out += "\r\n"sv;
}

// Watches a socket while an SSE response is open: a peer that closes its end cancels the stream.
net::awaitable<void> watch_peer(std::shared_ptr<conn_state> c, std::shared_ptr<event_stream> s) {
  auto [ec] = co_await c->sock.async_wait(tcp::socket::wait_read, net::as_tuple(net::use_awaitable));
  if (ec) co_return;  // aborted: the connection ended first
  boost::system::error_code ec2;
  if (c->sock.available(ec2) == 0 || ec2) s->cancel();
  // Otherwise the client pipelined its next request; it is read after this stream ends.
}

// Queued events are written together, up to this many bytes per write: a tool that reports
// progress faster than the socket takes it costs one write per batch, not one per event.
constexpr std::size_t stream_batch_bytes = 64 * 1024;

void append_item(std::string& frame, const stream_item& item) {
  if (item.keepalive) frame += ":\n\n";
  else append_sse_event(frame, item.id, item.data, item.retry_ms);
}

// The head (with the events ready by then), then the events as they come, each write one
// chunk of whatever is queued; the last chunk goes with the final events.
net::awaitable<bool> write_stream(std::shared_ptr<conn_state> c, reply& r, const limits& lim) {
  format_head(c->head, r.head, r.extra_fields, r.static_fields, true);
  net::co_spawn(c->sock.get_executor(), watch_peer(c, r.stream), net::detached);
  bool head_pending = true, done = false;
  std::string frame;
  while (!done) {
    frame.clear();
    if (!head_pending) {
      c->timeout.expires_never();
      auto item = co_await r.stream->next_for(lim.sse_keepalive);
      if (item) append_item(frame, *item);
      else done = true;
    }
    while (!done && frame.size() < stream_batch_bytes) {
      auto item = r.stream->try_next();
      if (!item) break;
      append_item(frame, *item);
    }
    if (r.stream->cancelled()) co_return false;
    done = done || r.stream->drained();
    // Chunked framing (RFC 9112 7.1): hex size CRLF, data, CRLF; "0" CRLF CRLF at the end.
    char size_line[24];
    auto size_end = std::to_chars(size_line, size_line + 16, frame.size(), 16).ptr;
    *size_end++ = '\r';
    *size_end++ = '\n';
    const std::string_view tail = frame.empty() ? (done ? "0\r\n\r\n" : "") : (done ? "\r\n0\r\n\r\n" : "\r\n");
    std::array<net::const_buffer, 4> bufs;
    std::size_t n = 0;
    if (head_pending) bufs[n++] = net::buffer(c->head);
    if (!frame.empty()) {
      bufs[n++] = net::buffer(size_line, static_cast<std::size_t>(size_end - size_line));
      bufs[n++] = net::buffer(frame);
    }
    if (!tail.empty()) bufs[n++] = net::buffer(tail);
    head_pending = false;
    if (n == 0) continue;
    c->timeout.expires_after(lim.write_timeout);
    auto [wec, wn] = co_await net::async_write(c->sock, std::span<const net::const_buffer>(bufs.data(), n),
                                               transfer_whole{}, net::as_tuple(net::use_awaitable));
    if (wec) {
      r.stream->cancel();
      co_return false;
    }
  }
  co_return true;
}

net::awaitable<void> watch_deadline(std::shared_ptr<conn_state> c) { co_await c->timeout.watch(c->sock); }

// After refusing a request we have not read, close gracefully: stop sending, then discard
// what the client is still sending for a moment. Closing with unread data makes the kernel
// send a reset, and the client may lose our answer before reading it.
net::awaitable<void> linger(conn_state& c) {
  constexpr std::size_t drain_limit = 1024 * 1024;
  boost::system::error_code ec;
  c.sock.shutdown(tcp::socket::shutdown_send, ec);
  c.timeout.expires_after(std::chrono::milliseconds(1000));
  std::size_t drained = 0;
  char sink[16384];
  while (drained < drain_limit) {
    auto [rec, n] = co_await c.sock.async_read_some(net::buffer(sink), net::as_tuple(net::use_awaitable));
    if (rec) break;
    drained += n;
  }
}

// Answers a request the connection refuses and logs it (with what was read of it); the caller
// then lingers and closes.
net::awaitable<void> refuse(conn_state& c, refusal why, const request_parser& parser, const std::string& remote,
                            const server_config& cfg) {
  auto res = refusal_response(why, cfg);
  std::shared_ptr<request_record> rec;
  if (cfg.on_done) {
    // The parser fills the request line and fields as it goes: a body refused for its size
    // had them all, a malformed head those before the fault, an oversized head none.
    rec = parser.get().target().empty() ? start_record(c.record, remote, cfg)
                                        : start_record(c.record, parser.get(), remote, cfg);
    rec->refusal = why;
  }
  c.timeout.expires_after(cfg.limits.write_timeout);
  co_await bhttp::async_write(c.sock, res, net::as_tuple(net::use_awaitable));
  if (rec) {
    rec->status = res.result_int();
    rec->latency = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - rec->start);
    cfg.on_done(*rec, c.sock.get_executor());
  }
}

// Waits for the first byte of the next request under the idle timeout, so a slow request
// (one byte a second) is then bounded by read_timeout instead.
net::awaitable<bool> await_first_byte(conn_state& c, const limits& lim) {
  if (c.buffer.size() > 0) co_return true;
  c.timeout.expires_after(lim.idle_timeout);
  auto [ec, n] = co_await c.sock.async_read_some(c.buffer.prepare(4096), net::as_tuple(net::use_awaitable));
  if (ec) co_return false;
  c.buffer.commit(n);
  co_return true;
}

}  // namespace

namespace {
struct counted {
  std::atomic<std::size_t>& n;
  explicit counted(std::atomic<std::size_t>& c) : n(c) { n.fetch_add(1, std::memory_order_relaxed); }
  ~counted() { n.fetch_sub(1, std::memory_order_relaxed); }
};
}  // namespace

net::awaitable<void> run_connection(tcp::socket sock, std::shared_ptr<handler> h, const server_config& cfg,
                                    connection_counters& counters) {
  const limits& lim = cfg.limits;
  counted connection_guard(counters.open);

  auto c = std::make_shared<conn_state>(std::move(sock), lim);
  net::co_spawn(c->sock.get_executor(), watch_deadline(c), net::detached);
  // The watch holds the connection: it must end however this coroutine does (an exception
  // too), or the socket would stay open for good.
  struct end_watch {
    conn_state& c;
    ~end_watch() { c.timeout.stop(); }
  } watch_guard{*c};
  peer_info peer;
  boost::system::error_code ec;
  peer.remote = c->sock.remote_endpoint(ec);
  const std::string remote_text = peer.remote.address().to_string();
  // Watching costs an epoll registration and an ioctl per request, so only requests handed to
  // another thread ask for it; pipelined data behind the request makes a watch pointless.
  peer.watch_hangup = [c](std::weak_ptr<request_watcher> w) {
    if (!c->gone) {
      c->gone = std::make_shared<std::atomic<bool>>(false);
      if (c->buffer.size() == 0) watch_request(c, c->gone, std::move(w));
    }
    return c->gone;
  };

  for (;;) {
    if (!co_await await_first_byte(*c, lim)) break;
    peer.arena = c->fresh_arena();  // everything of the previous request is gone by now
    // In an optional so that a streamed reply can drop the request before its events flow.
    std::optional<request_parser> parser;
    parser.emplace(peer.arena, lim.header_limit);
    parser->header_limit(static_cast<std::uint32_t>(lim.header_limit));
    parser->body_limit(lim.body_limit);
    request_reader reader(*parser, lim);
    auto got = reader.parse(c->buffer);
    if (!got) got = co_await reader.read(c->sock, c->buffer, c->timeout);
    if (!got->complete) {
      if (got->refused != refusal::none) {
        {
          // Counted like any request until its log line is out: a drain waits for it, so a
          // refusal answered just before SIGTERM is not missing from the access log.
          counted request_guard(counters.active);
          co_await refuse(*c, got->refused, *parser, remote_text, cfg);
        }
        co_await linger(*c);
      }
      break;  // end_of_stream, timeout, reset, or a refused request: close
    }
    c->timeout.expires_never();  // the handler's time is bounded by its own limits, not the socket's
    request& req = parser->get();
    const bool keep_alive = parser->keep_alive();
    counted request_guard(counters.active);  // until the reply is written (the loop iteration ends)
    c->gone.reset();
    peer.record.reset();  // so the connection's record can be reused
    peer.record = cfg.on_done ? start_record(c->record, req, remote_text, cfg) : nullptr;
    reply r;
    try {
      co_await h->handle(req, peer, r);
    } catch (const std::exception&) {
      r = reply{};  // whatever the handler made of it before it threw is not sent
      r.head = refusal_response(refusal::internal_error, cfg);
      if (peer.record) peer.record->refusal = refusal::internal_error;
    }
    r.head.version(req.version());
    // A reply without fields keeps HTTP/1.1's default (Beast's keep_alive() would search its
    // field tree twice and rewrite Connection for every request); only a change is written.
    const bool reply_keeps = r.head.begin() == r.head.end() ? r.head.version() >= 11 : r.head.keep_alive();
    const bool again = keep_alive && reply_keeps && !counters.draining.load(std::memory_order_relaxed);
    if (again != reply_keeps) r.head.keep_alive(again);
    bool written = true;
    if (r.stream) {
      // Nothing of the request is needed once its reply is a stream (see peer_info::arena).
      parser.reset();
      c->drop_request_memory();
      peer.arena = std::pmr::new_delete_resource();
      written = co_await write_stream(c, r, lim);
    } else {
      // One gather write: our formatted head, then the body.
      format_head(c->head, r.head, r.extra_fields, r.static_fields, false);
      // Asynchronously even when the socket would take it all at once: a synchronous
      // write_some here cost 10 % more CPU per request on loopback (docs/performance.md).
      std::array<net::const_buffer, 2> bufs{net::buffer(c->head), net::buffer(r.head.body())};
      c->timeout.expires_after(lim.write_timeout);
      auto [wec, wn] = co_await net::async_write(c->sock, bufs, transfer_whole{}, net::as_tuple(net::use_awaitable));
      written = !wec;
    }
    if (peer.record) {
      peer.record->status = r.head.result_int();
      peer.record->latency = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                                   peer.record->start);
      cfg.on_done(*peer.record, c->sock.get_executor());
    }
    if (!written) break;
    if (!again) break;
  }
  c->sock.shutdown(tcp::socket::shutdown_send, ec);
  c->sock.close(ec);
}

}  // namespace mcpx::http
