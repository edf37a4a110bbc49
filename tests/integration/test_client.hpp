#pragma once
// A deliberately dumb HTTP client for tests: raw bytes in, raw bytes out, so tests can send
// what no well-behaved client would.
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <string>

namespace mcpx::test {

namespace net = boost::asio;
using tcp = net::ip::tcp;

struct http_result {
  int status = 0;
  std::string head;
  std::string body;
  bool closed = false;  ///< the server closed the connection after answering
};

inline void set_timeout(tcp::socket& s, std::chrono::milliseconds t) {
  timeval tv{static_cast<time_t>(t.count() / 1000), static_cast<suseconds_t>((t.count() % 1000) * 1000)};
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

/// Reads what is available within `wait`: >0 bytes, 0 on timeout, -1 when closed or failed.
/// (Asio's blocking reads ignore SO_RCVTIMEO, so tests poll themselves.)
inline long read_for(tcp::socket& s, char* buf, std::size_t len, std::chrono::milliseconds wait) {
  pollfd p{s.native_handle(), POLLIN, 0};
  int r = ::poll(&p, 1, static_cast<int>(wait.count()));
  if (r == 0) return 0;
  if (r < 0) return -1;
  long n = ::recv(s.native_handle(), buf, len, 0);
  return n > 0 ? n : -1;
}

inline tcp::socket connect(unsigned short port) {
  static net::io_context ioc;
  tcp::socket s(ioc);
  s.connect({net::ip::make_address("127.0.0.1"), port});
  set_timeout(s, std::chrono::milliseconds(10'000));
  return s;
}

/// Reads exactly `want` bytes (fewer when the peer closes or the deadline passes) and never
/// more, so a pipelined next response stays in the socket for the next read_response.
inline std::size_t read_exactly(tcp::socket& s, std::string& out, std::size_t want,
                                std::chrono::steady_clock::time_point deadline, bool& closed) {
  char tmp[65536];
  std::size_t got = 0;
  while (got < want && !closed && std::chrono::steady_clock::now() < deadline) {
    long n = read_for(s, tmp, std::min(want - got, sizeof tmp), std::chrono::milliseconds(100));
    if (n < 0) closed = true;
    if (n <= 0) continue;
    out.append(tmp, static_cast<std::size_t>(n));
    got += static_cast<std::size_t>(n);
  }
  return got;
}

/// Reads up to and including the next CRLF, one byte at a time (heads and chunk sizes are short).
inline bool read_line(tcp::socket& s, std::string& out, std::chrono::steady_clock::time_point deadline, bool& closed) {
  std::size_t start = out.size();
  while (read_exactly(s, out, 1, deadline, closed) == 1)
    if (out.size() - start >= 2 && out.compare(out.size() - 2, 2, "\r\n") == 0) return true;
  return false;
}

/// Reads one response (Content-Length, or chunked up to the terminal chunk, or until close) and
/// nothing after it. A chunked body is kept raw, chunk sizes included.
inline http_result read_response(tcp::socket& s) {
  http_result r;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::string head;
  for (;;) {
    std::size_t before = head.size();
    if (!read_line(s, head, deadline, r.closed)) return r;
    if (head.size() - before == 2) break;  // the empty line ending the head
  }
  r.head = head.substr(0, head.size() - 4);
  if (r.head.size() > 12) r.status = std::stoi(r.head.substr(9, 3));
  auto cl = r.head.find("Content-Length: ");
  if (cl != std::string::npos) {
    read_exactly(s, r.body, std::stoul(r.head.substr(cl + 16)), deadline, r.closed);
  } else if (r.head.find("chunked") != std::string::npos) {
    for (;;) {
      std::size_t at = r.body.size();
      if (!read_line(s, r.body, deadline, r.closed)) break;
      std::size_t size = std::stoul(r.body.substr(at), nullptr, 16);
      if (size == 0) {
        read_line(s, r.body, deadline, r.closed);  // the empty line after the last chunk
        break;
      }
      if (read_exactly(s, r.body, size + 2, deadline, r.closed) < size + 2) break;
    }
  } else {
    read_exactly(s, r.body, std::string::npos, deadline, r.closed);  // until close
  }
  return r;
}

inline http_result roundtrip(unsigned short port, const std::string& raw) {
  auto s = connect(port);
  net::write(s, net::buffer(raw));
  return read_response(s);
}

/// A GET of `path`, with `extra_headers` (each line ending in CRLF) after Host.
inline std::string get(const std::string& path, const std::string& extra_headers = {}) {
  return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers + "\r\n";
}

inline std::string post(const std::string& body, const std::string& extra_headers = {}) {
  return "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
         "Accept: application/json, text/event-stream\r\n" +
         extra_headers + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

/// Headers and _meta of a well-formed 2026-07-28 request.
inline std::string modern_headers(const std::string& method, const std::string& name = {}) {
  std::string h = "MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: " + method + "\r\n";
  if (!name.empty()) h += "Mcp-Name: " + name + "\r\n";
  return h;
}

inline std::string modern_body(int id, const std::string& method, boost::json::object params = {}) {
  params["_meta"] = boost::json::object{{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
                                        {"io.modelcontextprotocol/clientCapabilities", boost::json::object{}}};
  return boost::json::serialize(
      boost::json::object{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}});
}

inline boost::json::value json_body(const http_result& r) {
  boost::system::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  return ec ? boost::json::value() : v;
}

/// The JSON of the last "data:" line of an SSE body (the response ends the stream); null when
/// there is none, an empty value when it does not parse.
inline boost::json::value last_event(const std::string& body) {
  auto p = body.rfind("data: ");
  if (p == std::string::npos) return nullptr;
  auto e = body.find('\n', p);
  boost::system::error_code ec;
  auto v = boost::json::parse(body.substr(p + 6, e - p - 6), ec);
  return ec ? boost::json::value() : v;
}

/// Reads from `s` until `needle` shows up or `timeout` passes; returns what was read.
inline std::string read_until(tcp::socket& s, const std::string& needle, std::chrono::milliseconds timeout) {
  std::string got;
  char buf[4096];
  auto end = std::chrono::steady_clock::now() + timeout;
  while (got.find(needle) == std::string::npos && std::chrono::steady_clock::now() < end) {
    long n = read_for(s, buf, sizeof buf, std::chrono::milliseconds(50));
    if (n < 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  return got;
}

/// The Mcp-Session-Id a response carries, or "".
inline std::string session_of(const http_result& r) {
  auto p = r.head.find("Mcp-Session-Id: ");
  return p == std::string::npos ? "" : r.head.substr(p + 16, r.head.find("\r\n", p) - p - 16);
}

/// Opens a 2025-11-25 session (a plain initialize); returns its id, "" when none came back.
inline std::string open_legacy_session(unsigned short port, const std::string& extra_headers = {}) {
  auto r = roundtrip(port,
                     post(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",
        "capabilities":{},"clientInfo":{"name":"t","version":"1"}}})",
                          extra_headers));
  return session_of(r);
}

/// The headers of a request in 2025-11-25 session `sid`.
inline std::string legacy_headers(const std::string& sid) {
  return "Mcp-Session-Id: " + sid + "\r\nMCP-Protocol-Version: 2025-11-25\r\n";
}

}  // namespace mcpx::test
