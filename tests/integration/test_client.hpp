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

/// Reads one response (Content-Length or chunked until the terminal chunk, or until close).
inline http_result read_response(tcp::socket& s) {
  http_result r;
  std::string buf;
  char tmp[65536];
  std::size_t head_end = std::string::npos;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    if (std::chrono::steady_clock::now() > deadline) break;
    long n = read_for(s, tmp, sizeof tmp, std::chrono::milliseconds(100));
    if (n == 0) continue;
    if (n < 0) {
      r.closed = true;
      break;
    }
    buf.append(tmp, static_cast<std::size_t>(n));
    if (head_end == std::string::npos) head_end = buf.find("\r\n\r\n");
    if (head_end == std::string::npos) continue;
    std::string head = buf.substr(0, head_end);
    auto cl = head.find("Content-Length: ");
    if (cl != std::string::npos) {
      std::size_t len = std::stoul(head.substr(cl + 16));
      if (buf.size() >= head_end + 4 + len) break;
    } else if (head.find("chunked") != std::string::npos) {
      if (buf.find("\r\n0\r\n\r\n", head_end) != std::string::npos) break;
    }
  }
  if (head_end == std::string::npos) return r;
  r.head = buf.substr(0, head_end);
  r.body = buf.substr(head_end + 4);
  if (r.head.size() > 12) r.status = std::stoi(r.head.substr(9, 3));
  return r;
}

inline http_result roundtrip(unsigned short port, const std::string& raw) {
  auto s = connect(port);
  net::write(s, net::buffer(raw));
  return read_response(s);
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

}  // namespace mcpx::test
