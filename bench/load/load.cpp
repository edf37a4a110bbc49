#include "load/load.hpp"

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <charconv>
#include <cstring>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "load/response_parser.hpp"
#include "shapes/shape_text.hpp"

namespace mcpx::bench {

namespace net = boost::asio;
namespace json = boost::json;
using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;

protocol parse_protocol(const std::string& s) {
  if (s == "modern" || s == "2026-07-28") return protocol::modern;
  if (s == "session" || s == "2025-11-25") return protocol::session;
  if (s == "fixed") return protocol::fixed;
  if (s == "sessionless") return protocol::sessionless;
  throw std::invalid_argument("unknown protocol '" + s + "' (modern, session, sessionless, fixed)");
}

const char* to_string(protocol p) {
  switch (p) {
    case protocol::modern: return "modern";
    case protocol::session: return "session";
    case protocol::fixed: return "fixed";
    case protocol::sessionless: return "sessionless";
  }
  return "?";
}

namespace {

constexpr std::string_view modern_meta =
    R"(,"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}})";

void append_number(std::string& s, std::uint64_t v) {
  char tmp[24];
  auto r = std::to_chars(tmp, tmp + sizeof tmp, v);
  s.append(tmp, r.ptr);
}

// Everything one thread's connections share: the schedule, the tallies, the stop signal.
struct shared_run {
  shared_run(const load_config& c, tcp::endpoint ep, clock_type::time_point s, clock_type::time_point from,
             clock_type::time_point until)
      : cfg(c), endpoint(ep), start(s), measure_from(from), measure_until(until) {}
  const load_config& cfg;
  tcp::endpoint endpoint;
  clock_type::time_point start, measure_from, measure_until;
  load_result result;
  std::vector<tcp::socket*> sockets;  // cancelled by the watchdog if a server stops answering
  unsigned active = 0;                // connections still running
  struct trace_row {
    clock_type::time_point due, sent, done;
  };
  std::vector<trace_row> trace;  // load_config::trace_path
  net::steady_timer* watchdog = nullptr;

  // A wrong answer during warm-up is not the server's steady state and is not counted. A failure
  // that ends a connection (connect, initialize, a read or write error, the server closing) is
  // counted whenever it happens: the run would otherwise measure fewer connections than it
  // claims, or none at all, and still report no error.
  void fail(const std::string& kind, std::string_view detail, clock_type::time_point at, bool ends_connection) {
    if (!ends_connection && at < measure_from) return;
    ++result.errors;
    ++result.error_kinds[kind];
    if (result.first_error.empty()) result.first_error = kind + ": " + std::string(detail.substr(0, 400));
  }
};

class connection {
 public:
  connection(shared_run& run, unsigned index, unsigned total_connections)
      : run_(run), index_(index), total_(total_connections) {
    req_.reserve(1024);
    buf_.resize(64 * 1024);
    scratch_.reserve(1024);
    if (auto n = text_size_of(run.cfg.shape)) fill_ = shape_fill(n);
  }

  net::awaitable<void> go() {
    tcp::socket sock(co_await net::this_coro::executor);
    run_.sockets.push_back(&sock);
    co_await drive(sock);
    // Every way out of drive() comes here: the watchdog must never see a socket that is gone.
    boost::system::error_code ignored;
    sock.shutdown(tcp::socket::shutdown_both, ignored);
    sock.close(ignored);
    std::erase(run_.sockets, &sock);
    if (--run_.active == 0 && run_.watchdog) run_.watchdog->cancel();
  }

 private:
  net::awaitable<void> drive(tcp::socket& sock) {
    auto ex = sock.get_executor();
    boost::system::error_code ec;
    co_await sock.async_connect(run_.endpoint, net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      run_.fail("connect", ec.message(), clock_type::now(), true);
      co_return;
    }
    sock.set_option(tcp::no_delay(true));
    if (run_.cfg.proto == protocol::session && !co_await handshake(sock)) co_return;

    // Open loop: this connection's share of the total rate, staggered so connections don't fire together.
    clock_type::duration interval{};
    clock_type::time_point due = run_.start;
    if (run_.cfg.rate > 0) {
      interval = std::chrono::duration_cast<clock_type::duration>(
          std::chrono::duration<double>(static_cast<double>(total_) / run_.cfg.rate));
      due += interval * index_ / total_;
    }
    net::steady_timer timer(ex);
    for (std::uint64_t k = 0;; ++k) {
      auto now = clock_type::now();
      if (run_.cfg.rate > 0) {
        if (due >= run_.measure_until) break;
        if (now < due) {
          timer.expires_at(due);
          co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
        }
      } else {
        if (now >= run_.measure_until) break;
        due = now;
      }
      std::uint64_t id = (static_cast<std::uint64_t>(index_) << 32) | k;
      auto sent = clock_type::now();
      auto outcome = co_await one_call(sock, id);
      if (outcome == call_outcome::ended) break;
      auto done = clock_type::now();
      if (outcome == call_outcome::wrong) {
        // counted in one_call
      } else if (due >= run_.measure_from && done <= run_.measure_until) {
        ++run_.result.ok;
        if (!run_.cfg.trace_path.empty()) run_.trace.push_back({due, sent, done});
        run_.result.latency.record(static_cast<std::uint64_t>((done - due).count()));
      } else if (done > run_.measure_until && due < run_.measure_until && run_.cfg.rate > 0) {
        // Open loop: an answer that came too late to be counted still happened; record its
        // latency so a saturated server shows up in the tail, not as a missing sample.
        run_.result.latency.record(static_cast<std::uint64_t>((done - due).count()));
      }
      if (closed_) {  // a benchmark connection should never see keep-alive end
        run_.fail("closed by server", "", done, true);
        break;
      }
      if (run_.cfg.rate > 0) due += interval;
    }
  }

  void begin_request(std::string_view extra_headers, std::size_t body_size) {
    req_.clear();
    req_ += "POST ";
    req_ += run_.cfg.path;
    req_ += " HTTP/1.1\r\nHost: ";
    req_ += run_.cfg.host;
    req_ += ':';
    append_number(req_, run_.endpoint.port());
    req_ += "\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n";
    if (!run_.cfg.bearer.empty()) {
      req_ += "Authorization: Bearer ";
      req_ += run_.cfg.bearer;
      req_ += "\r\n";
    }
    req_ += extra_headers;
    req_ += "Content-Length: ";
    append_number(req_, body_size);
    req_ += "\r\n\r\n";
  }

  enum class call_outcome { ok, wrong, ended };

  // One request of the shape (for tools_list: every page of one listing), checked. A wrong
  // answer is counted here; `ended` means the connection is gone (counted where it failed).
  net::awaitable<call_outcome> one_call(tcp::socket& sock, std::uint64_t id) {
    listing_.reset();
    for (;;) {
      if (run_.cfg.shape == shape::tools_list) build_list(id, listing_.next_cursor);
      else build_call(id);
      boost::system::error_code ec;
      co_await net::async_write(sock, net::buffer(req_), net::redirect_error(net::use_awaitable, ec));
      if (ec) {
        run_.fail("write", ec.message(), clock_type::now(), true);
        co_return call_outcome::ended;
      }
      response_view r;
      if (!co_await read_response(sock, r)) co_return call_outcome::ended;
      closed_ = r.close;
      std::string why;
      if (!check(r, id, why)) {
        run_.fail(why, r.body, clock_type::now(), false);
        co_return call_outcome::wrong;
      }
      if (run_.cfg.shape != shape::tools_list) co_return call_outcome::ok;
      if (listing_.next_cursor.empty()) break;
      if (closed_) {  // the rest of the listing cannot come: the connection is over
        run_.fail("closed by server", r.body, clock_type::now(), true);
        co_return call_outcome::ended;
      }
      // A server paging forever (or looping on one cursor) is wrong, not slow.
      if (listing_.pages > run_.cfg.expect_tools + 1) {
        run_.fail("too many pages", listing_.next_cursor, clock_type::now(), false);
        co_return call_outcome::wrong;
      }
    }
    std::string why;
    if (!check_tools_total(listing_, run_.cfg.expect_tools, why)) {
      run_.fail(why, "", clock_type::now(), false);
      co_return call_outcome::wrong;
    }
    co_return call_outcome::ok;
  }

  // The protocol's headers, then the JSON-RPC `_meta` (2026-07-28 only) goes in the body.
  void protocol_headers(std::string_view method, std::string_view name) {
    headers_.clear();
    if (run_.cfg.proto == protocol::sessionless) {
      headers_ += "MCP-Protocol-Version: 2025-11-25\r\n";
    } else if (run_.cfg.proto == protocol::session) {
      headers_ += "MCP-Protocol-Version: 2025-11-25\r\nMcp-Session-Id: ";
      headers_ += session_;
      headers_ += "\r\n";
    } else {
      headers_ += "MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: ";
      headers_ += method;
      headers_ += "\r\n";
      if (!name.empty()) {
        headers_ += "Mcp-Name: ";
        headers_ += name;
        headers_ += "\r\n";
      }
    }
  }

  bool legacy() const { return run_.cfg.proto == protocol::session || run_.cfg.proto == protocol::sessionless; }

  void build_call(std::uint64_t id) {
    std::string_view tool = run_.cfg.shape == shape::echo ? std::string_view(run_.cfg.tool) : tool_of(run_.cfg.shape);
    body_.clear();
    body_ += R"({"jsonrpc":"2.0","id":)";
    append_number(body_, id);
    body_ += R"(,"method":"tools/call","params":{"name":")";
    body_ += tool;
    body_ += R"(","arguments":{"text":"hello-)";
    append_number(body_, id);
    body_ += "\"}";
    if (run_.cfg.shape == shape::progress_100) {
      // The request's own id as its progress token: each event must name this very call.
      body_ += legacy() ? R"(,"_meta":{"progressToken":)" : modern_meta.substr(0, modern_meta.size() - 1);
      if (!legacy()) body_ += R"(,"progressToken":)";
      append_number(body_, id);
      body_ += "}";
    } else if (!legacy()) {
      body_ += modern_meta;
    }
    body_ += "}}";
    protocol_headers("tools/call", tool);
    begin_request(headers_, body_.size());
    req_ += body_;
  }

  void build_list(std::uint64_t id, const std::string& cursor) {
    body_.clear();
    body_ += R"({"jsonrpc":"2.0","id":)";
    append_number(body_, id);
    body_ += R"(,"method":"tools/list","params":{)";
    if (!cursor.empty()) {  // cursors are base64url or similar: nothing to escape in practice
      body_ += R"("cursor":")";
      body_ += cursor;
      body_ += '"';
    }
    if (!legacy()) body_ += cursor.empty() ? modern_meta.substr(1) : modern_meta;
    body_ += "}}";
    protocol_headers("tools/list", {});
    begin_request(headers_, body_.size());
    req_ += body_;
  }

  net::awaitable<bool> handshake(tcp::socket& sock) {
    boost::system::error_code ec;
    body_ = R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25",)"
            R"("capabilities":{},"clientInfo":{"name":"mcpx-bench","version":"1.0.0"}}})";
    begin_request("MCP-Protocol-Version: 2025-11-25\r\n", body_.size());
    req_ += body_;
    co_await net::async_write(sock, net::buffer(req_), net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      run_.fail("write", ec.message(), clock_type::now(), true);
      co_return false;
    }
    response_view r;
    if (!co_await read_response(sock, r)) co_return false;
    if (r.status != 200 || r.session_id.empty()) {
      run_.fail("initialize", r.body, clock_type::now(), true);
      co_return false;
    }
    session_ = r.session_id;
    body_ = R"({"jsonrpc":"2.0","method":"notifications/initialized"})";
    headers_ = "MCP-Protocol-Version: 2025-11-25\r\nMcp-Session-Id: " + session_ + "\r\n";
    begin_request(headers_, body_.size());
    req_ += body_;
    co_await net::async_write(sock, net::buffer(req_), net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      run_.fail("write", ec.message(), clock_type::now(), true);
      co_return false;
    }
    if (!co_await read_response(sock, r)) co_return false;
    if (r.status != 202 && r.status != 200) {
      run_.fail("initialized", r.body, clock_type::now(), true);
      co_return false;
    }
    co_return true;
  }

  // Reads one whole response into buf_ (after dropping the previous one).
  net::awaitable<bool> read_response(tcp::socket& sock, response_view& r) {
    if (consumed_ > 0) {
      std::memmove(buf_.data(), buf_.data() + consumed_, used_ - consumed_);
      used_ -= consumed_;
      consumed_ = 0;
    }
    for (;;) {
      if (used_ > 0) {
        auto st = parse_response({buf_.data(), used_}, r, scratch_);
        if (st == parse_status::complete) {
          consumed_ = r.consumed;
          co_return true;
        }
        if (st == parse_status::bad) {
          run_.fail("malformed http", {buf_.data(), used_}, clock_type::now(), true);
          co_return false;
        }
      }
      if (used_ == buf_.size()) buf_.resize(buf_.size() * 2);
      boost::system::error_code ec;
      auto n = co_await sock.async_read_some(net::buffer(buf_.data() + used_, buf_.size() - used_),
                                             net::redirect_error(net::use_awaitable, ec));
      if (ec) {
        run_.fail(ec == net::error::operation_aborted ? "timeout" : "read", ec.message(), clock_type::now(), true);
        co_return false;
      }
      used_ += n;
    }
  }

  // A wrong answer is an error, not a success: the answer must be the one for this very request.
  bool check(const response_view& r, std::uint64_t id, std::string& why) {
    if (r.status != 200) {
      why = "status " + std::to_string(r.status);
      return false;
    }
    if (run_.cfg.proto == protocol::fixed) {
      if (r.body != run_.cfg.fixed_body) why = "wrong body";
      return why.empty();
    }
    if (run_.cfg.shape == shape::progress_100) {
      if (!r.content_type.starts_with("text/event-stream")) return why = "not an event stream", false;
      text_for(id);
      return check_progress_stream(r.body, id, shape_progress_events, expected_, scratch_checks_, why);
    }
    auto payload = answer_payload(r.body, r.content_type);
    if (payload.empty()) return why = "sse without data", false;
    if (run_.cfg.shape == shape::tools_list) return check_tools_page(payload, id, listing_, scratch_checks_, why);
    text_for(id);
    if (run_.cfg.shape == shape::echo) return check_call_result(payload, id, expected_, scratch_checks_, why);
    return check_padded_result(payload, id, expected_, fill_, scratch_checks_, why);
  }

  void text_for(std::uint64_t id) {
    expected_.clear();
    expected_ += "hello-";
    append_number(expected_, id);
  }

  shared_run& run_;
  unsigned index_, total_;
  std::string session_, req_, body_, headers_, scratch_, expected_;
  std::vector<char> buf_;
  std::size_t used_ = 0, consumed_ = 0;
  bool closed_ = false;    // the last response said Connection: close
  std::string fill_;       // text shapes: the pattern their text must be
  tools_listing listing_;  // tools_list: the listing under way
  check_scratch scratch_checks_;
};

void run_thread(shared_run& run, unsigned first, unsigned step) {
  net::io_context ioc(1);
  std::vector<std::unique_ptr<connection>> conns;
  // Watchdog: answers still missing 2 s after the window are a stalled server; cut them off.
  net::steady_timer watchdog(ioc, run.measure_until + std::chrono::seconds(2));
  run.watchdog = &watchdog;
  watchdog.async_wait([&](boost::system::error_code ec) {
    if (ec) return;
    for (auto* s : run.sockets) {
      boost::system::error_code ignored;
      s->cancel(ignored);
    }
  });
  for (unsigned i = first; i < run.cfg.connections; i += step) {
    conns.push_back(std::make_unique<connection>(run, i, run.cfg.connections));
    ++run.active;
    net::co_spawn(ioc, conns.back()->go(), net::detached);
  }
  ioc.run();
}

void write_trace(const std::string& path, const std::vector<std::unique_ptr<shared_run>>& runs,
                 clock_type::time_point start) {
  std::ofstream out(path);
  if (!out) throw std::runtime_error("cannot write " + path);
  auto ns = [&](clock_type::time_point t) { return std::chrono::nanoseconds(t - start).count(); };
  out << "# due_ns sent_ns done_ns (from the run's start; one line per counted answer)\n";
  for (auto& r : runs)
    for (auto& row : r->trace) out << ns(row.due) << ' ' << ns(row.sent) << ' ' << ns(row.done) << '\n';
}

}  // namespace

load_result run_load(const load_config& cfg) {
  auto threads = std::max(1u, std::min(cfg.threads, cfg.connections));
  std::vector<std::unique_ptr<shared_run>> runs;
  tcp::endpoint ep(net::ip::make_address(cfg.host), cfg.port);
  auto start = clock_type::now() + std::chrono::milliseconds(50);
  for (unsigned t = 0; t < threads; ++t) {
    auto r = std::make_unique<shared_run>(cfg, ep, start, start + cfg.warmup, start + cfg.warmup + cfg.duration);
    runs.push_back(std::move(r));
  }
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back([&, t] { run_thread(*runs[t], t, threads); });
  run_thread(*runs[0], 0, threads);
  for (auto& th : pool) th.join();
  if (!cfg.trace_path.empty()) write_trace(cfg.trace_path, runs, start);
  load_result total;
  total.seconds = std::chrono::duration<double>(cfg.duration).count();
  for (auto& r : runs) {
    total.ok += r->result.ok;
    total.errors += r->result.errors;
    for (auto& [k, n] : r->result.error_kinds) total.error_kinds[k] += n;
    if (total.first_error.empty()) total.first_error = r->result.first_error;
    total.latency.merge(r->result.latency);
  }
  return total;
}

}  // namespace mcpx::bench
