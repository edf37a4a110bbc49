#include "suite/memory.hpp"

#include <boost/asio.hpp>
#include <memory>
#include <thread>

#include "load/response_parser.hpp"
#include "suite/process.hpp"

namespace mcpx::bench {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// A blocking client: set-up traffic is not what is measured here, only what stays behind.
class blocking_client {
 public:
  explicit blocking_client(net::io_context& ioc) : sock_(ioc) {}
  bool connect(unsigned short port) {
    boost::system::error_code ec;
    sock_.connect({net::ip::make_address("127.0.0.1"), port}, ec);
    port_ = port;
    return !ec;
  }
  // Sends a POST and reads one whole response; false on any failure.
  bool post(const std::string& headers, const std::string& body, response_view& r) {
    if (!send(headers, body)) return false;
    boost::system::error_code ec;
    buf_.erase(0, consumed_);
    consumed_ = 0;
    for (;;) {
      auto st = parse_response(buf_, r, scratch_);
      if (st == parse_status::complete) {
        consumed_ = r.consumed;
        return true;
      }
      if (st == parse_status::bad) return false;
      char tmp[16 * 1024];
      auto n = sock_.read_some(net::buffer(tmp), ec);
      if (ec) return false;
      buf_.append(tmp, n);
    }
  }
  // Sends a POST whose answer is a stream that stays open; true once `marker` has arrived.
  bool open_stream(const std::string& headers, const std::string& body, std::string_view marker) {
    if (!send(headers, body)) return false;
    boost::system::error_code ec;
    std::string got;
    while (!ec && got.find(marker) == std::string::npos) {
      char tmp[4096];
      auto n = sock_.read_some(net::buffer(tmp), ec);
      got.append(tmp, n);
    }
    return !ec && got.starts_with("HTTP/1.1 200");
  }

 private:
  bool send(const std::string& headers, const std::string& body) {
    std::string req = "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port_) +
                      "\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n" +
                      headers + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    boost::system::error_code ec;
    net::write(sock_, net::buffer(req), ec);
    return !ec;
  }

  tcp::socket sock_;
  unsigned short port_ = 0;
  std::string buf_, scratch_;
  std::size_t consumed_ = 0;
};

// The "_meta" member of a 2026-07-28 request, without a comma before it.
const std::string modern_meta_member =
    R"("_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}})";

bool echo_works(blocking_client& c, const std::string& session) {
  std::string headers = session.empty()
                            ? "MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/call\r\nMcp-Name: echo\r\n"
                            : "MCP-Protocol-Version: 2025-11-25\r\nMcp-Session-Id: " + session + "\r\n";
  std::string body =
      R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{"text":"still-here"})" +
      (session.empty() ? "," + modern_meta_member : std::string()) + "}}";
  response_view r;
  return c.post(headers, body, r) && r.status == 200 && r.body.find("still-here") != std::string_view::npos;
}

// RSS once the allocator has settled: the lowest of a few readings.
long settled_rss(pid_t server) {
  long best = 0;
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    long r = usage_of(server).rss_kib;
    if (best == 0 || r < best) best = r;
  }
  return best;
}

}  // namespace

memory_result measure_idle_sessions(pid_t server, unsigned short port, const std::vector<unsigned>& counts) {
  memory_result m;
  m.what = "idle sessions";
  net::io_context ioc;
  blocking_client c(ioc);
  if (!c.connect(port)) {
    m.error = "cannot connect";
    return m;
  }
  // Warm the server's paths (threads, allocator arenas) before the baseline.
  if (!echo_works(c, {})) {
    m.error = "the server does not answer a stateless echo";
    return m;
  }
  m.baseline_rss_kib = settled_rss(server);
  std::vector<std::string> sessions;
  const std::string init =
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},)"
      R"("clientInfo":{"name":"mcpx-bench","version":"1.0.0"}}})";
  const std::string initialized = R"({"jsonrpc":"2.0","method":"notifications/initialized"})";
  for (unsigned target : counts) {
    while (sessions.size() < target) {
      response_view r;
      if (!c.post("MCP-Protocol-Version: 2025-11-25\r\n", init, r) || r.status != 200 || r.session_id.empty()) {
        m.error = "initialize " + std::to_string(sessions.size() + 1) + " failed (status " + std::to_string(r.status) +
                  "): " + std::string(r.body.substr(0, 200));
        return m;
      }
      std::string sid(r.session_id);
      if (!c.post("MCP-Protocol-Version: 2025-11-25\r\nMcp-Session-Id: " + sid + "\r\n", initialized, r) ||
          (r.status != 202 && r.status != 200)) {
        m.error = "notifications/initialized failed";
        return m;
      }
      sessions.push_back(std::move(sid));
    }
    long rss = settled_rss(server);
    m.points.push_back({target, static_cast<double>(rss - m.baseline_rss_kib) / target, rss});
  }
  m.held = !sessions.empty() && echo_works(c, sessions.front()) && echo_works(c, sessions.back());
  return m;
}

memory_result measure_listen_streams(pid_t server, unsigned short port, const std::vector<unsigned>& counts) {
  memory_result m;
  m.what = "listen streams";
  net::io_context ioc;
  blocking_client probe(ioc);
  if (!probe.connect(port) || !echo_works(probe, {})) {
    m.error = "the server does not answer a stateless echo";
    return m;
  }
  m.baseline_rss_kib = settled_rss(server);
  const std::string headers = "MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: subscriptions/listen\r\n";
  std::vector<std::unique_ptr<blocking_client>> streams;
  for (unsigned target : counts) {
    while (streams.size() < target) {
      auto c = std::make_unique<blocking_client>(ioc);
      std::string body = R"({"jsonrpc":"2.0","id":)" + std::to_string(streams.size() + 1) +
                         R"(,"method":"subscriptions/listen","params":{"notifications":{"toolsListChanged":true},)" +
                         modern_meta_member + "}}";
      if (!c->connect(port) || !c->open_stream(headers, body, "notifications/subscriptions/acknowledged")) {
        m.error = "listen stream " + std::to_string(streams.size() + 1) + " was refused";
        return m;
      }
      streams.push_back(std::move(c));
    }
    long rss = settled_rss(server);
    m.points.push_back({target, static_cast<double>(rss - m.baseline_rss_kib) / target, rss});
  }
  // Held: the server still serves a request with all the streams open, and the streams are open.
  m.held = echo_works(probe, {});
  return m;
}

}  // namespace mcpx::bench
