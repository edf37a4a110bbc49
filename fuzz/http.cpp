// Fuzz target: the HTTP request path, from the bytes a client sends to the reply.
// The input is everything one client writes on a connection (one request, or several
// pipelined). It goes through http::run_connection, the server's own connection loop (its
// http::request_parser, Beast's parser filling a request in the arena, http::limits' defaults, the
// refusals, the access record, reply writing, SSE), over a Unix socket pair: a client
// coroutine writes the input, shuts down its sending side and reads every reply until the
// server closes. Half of the inputs (chosen by a hash of the input, so a crash reproduces) are
// written in two pieces, cut at a point the hash also picks, with the server given the
// chance to read the first piece alone: a request that arrives in parts (a slow client, a
// proxy) goes through the reader's other paths. The handler runs the transport's stages in the order streamable_http
// chains them (host/origin, media types, decode, revision with check_modern_request's header rules, session) and then
// answers as the transport does up to the protocol: refusal_reply, an echo of the decoded message, a GET replaying
// events after Last-Event-ID from a memory event store, DELETE. What is not the transport's own: no dispatcher, no
// worker threads, no tasks, and sessions are fixed (s1, s2), so every iteration starts from the same state. Properties:
// no sanitizer report, nothing escapes run_connection or the handler, and every connection and request counter is back
// to zero when the connection ends.
#include <signal.h>
#include <sys/socket.h>

#include <array>
#include <boost/asio/local/stream_protocol.hpp>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

#include "common.hpp"
#include "http/event_stream.hpp"
#include "http/server.hpp"
#include "mcpx/state/stores.hpp"
#include "ops/access_record.hpp"
#include "protocol/registry.hpp"
#include "transport/header_rules.hpp"
#include "transport/refusals.hpp"
#include "transport/replies.hpp"
#include "transport/stages.hpp"
#include "transport/statuses.hpp"

using namespace mcpx;
namespace net = boost::asio;
namespace json = boost::json;
using http::bhttp::verb;
using transport::era;

namespace {

constexpr std::string_view endpoint = "/mcp";

protocol::registry make_registry() {
  protocol::registry r;
  auto& sql = r.add_tool("sql");
  sql.handler = [](auto&, auto&) { return mcpx::tool_result{}; };
  sql.input_schema = json::parse(R"({"type":"object","properties":{
      "region":{"type":"string","x-mcp-header":"Region"},
      "opts":{"type":"object","properties":{"tenant":{"type":"integer","x-mcp-header":"Tenant"}}},
      "dry":{"type":"boolean","x-mcp-header":"Dry"}}})");
  auto& echo = r.add_tool("echo");
  echo.handler = [](auto&, auto&) { return mcpx::tool_result{}; };
  if (auto err = r.freeze()) fuzz::fail("the fuzz registry does not freeze", *err);
  return r;
}

struct fixture;
const fixture& the_fixture();

// What streamable_http::handle does before the protocol takes over.
class stage_handler final : public http::handler {
 public:
  net::awaitable<void> handle(http::request& req, const http::peer_info& peer, http::reply& out) override;
};

struct fixture {
  fixture() {
    state::session_record s1;
    s1.id = "s1";
    s1.protocol_version = "2025-11-25";
    state::session_record s2 = s1;
    s2.id = "s2";
    s2.protocol_version = "2025-06-18";
    if (!sessions->create(s1) || !sessions->create(s2)) fuzz::fail("fixture: sessions");
    // Ids g_1..g_3 on the session's GET stream, r1_1..r1_2 on a request's stream.
    for (auto d : {R"({"jsonrpc":"2.0","method":"notifications/tools/list_changed"})",
                   R"({"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"x"}})", ""})
      events->append("s1", "g", d);
    events->append("s1", "r1", R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":1}})");
    events->append("s1", "r1", R"({"jsonrpc":"2.0","id":7,"result":{}})");

    transport::origin_config origin;
    origin.allowed_hosts = {"localhost", "127.0.0.1", "[::1]"};
    origin.allowed_origins = {"https://app.example.com"};
    stages.add(std::make_unique<transport::host_origin_stage>(origin));
    stages.add(std::make_unique<transport::media_type_stage>());
    stages.add(std::make_unique<transport::decode_stage>());
    stages.add(std::make_unique<transport::revision_stage>(registry));
    stages.add(std::make_unique<transport::session_stage>(*sessions));

    // As mcpx::server configures the HTTP layer: access records, MCP-worded refusals.
    cfg.make_record = [] { return std::make_shared<ops::access_record>(); };
    cfg.on_done = [](const http::request_record& r, const net::any_io_executor&) {
      if (!dynamic_cast<const ops::access_record*>(&r)) fuzz::fail("on_done got a record make_record did not make");
    };
    cfg.refusal_reply = static_cast<http::response (*)(http::refusal, const http::limits&)>(transport::refusal_reply);
  }

  protocol::registry registry = make_registry();
  std::unique_ptr<state::session_store> sessions = state::make_memory_session_store(std::chrono::hours(24 * 365), 8);
  std::unique_ptr<state::event_store> events = state::make_memory_event_store();
  transport::pipeline stages;
  http::server_config cfg;  // http::limits at their defaults
  std::shared_ptr<http::handler> handler = std::make_shared<stage_handler>();
};

const fixture& the_fixture() {
  static const fixture f;
  return f;
}

http::reply answer_get(transport::exchange& x, const fixture& f, const net::any_io_executor& ex) {
  using namespace transport;
  if (!x.session_id) {
    refusal r{refusal_kind::method_not_allowed, "get_without_session", jsonrpc::code::invalid_request,
              "Method Not Allowed: GET needs an Mcp-Session-Id (2025-xx sessions only)"};
    r.headers.emplace_back("Allow", "POST, DELETE");
    return refusal_reply(r, &x);
  }
  auto a = header_value(x.req, "Accept");
  if (a && a->find("text/event-stream") == std::string_view::npos && a->find("*/*") == std::string_view::npos)
    return refusal_reply({refusal_kind::not_acceptable, "not_acceptable", jsonrpc::code::invalid_request,
                          "Not Acceptable: Accept must include text/event-stream"},
                         &x);
  // A replay of what the store kept, then the end of the stream (a live one would stay open).
  auto stream = std::make_shared<http::event_stream>(ex);
  if (auto last = header_value(x.req, "Last-Event-ID")) {
    std::string stream_name;
    if (auto events = f.events->after(*x.session_id, *last, &stream_name))
      for (auto& e : *events)
        if (!e.data.empty()) stream->push({e.id, e.data});
  }
  stream->close();
  return sse_reply(stream);
}

http::reply answer(transport::exchange& x, const fixture& f, const net::any_io_executor& ex) {
  using namespace transport;
  if (auto refused = f.stages.run(x)) return refusal_reply(*refused, &x);
  switch (x.req.method()) {
    case verb::post: {
      if (x.msg.type == jsonrpc::kind::notification || x.msg.type == jsonrpc::kind::response ||
          x.msg.type == jsonrpc::kind::error_response)
        return empty_reply(202);
      if (x.how == era::legacy_initialize) {
        auto r = json_reply_text(200,
                                 jsonrpc::encode_result(x.msg.id, json::object{{"protocolVersion", "2025-11-25"}}));
        r.head.set("Mcp-Session-Id", "s1");
        return r;
      }
      // A call a worker would run watches for the client hanging up.
      if (x.msg.method == "tools/call") x.peer.watch_hangup(std::weak_ptr<http::request_watcher>{});
      return json_reply_text(200, jsonrpc::encode_result(x.msg.id, x.msg.params));
    }
    case verb::get: return answer_get(x, f, ex);
    case verb::delete_: {
      auto sid = header_value(x.req, "Mcp-Session-Id");
      if (!sid) return empty_reply(400);
      return empty_reply(f.sessions->peek(*sid) ? 200 : 404);  // the fixed sessions stay
    }
    default: {
      refusal r{refusal_kind::method_not_allowed, "method_not_allowed", jsonrpc::code::invalid_request,
                "Method not allowed"};
      r.headers.emplace_back("Allow", "GET, POST, DELETE");
      return refusal_reply(r, &x);
    }
  }
}

net::awaitable<void> stage_handler::handle(http::request& req, const http::peer_info& peer, http::reply& out) {
  const auto ex = co_await net::this_coro::executor;
  std::string_view target = req.target();
  if (target.substr(0, target.find('?')) != endpoint) {
    out = transport::text_reply(404, "Not found\n");
    co_return;
  }
  // The stages are documented not to throw; run_connection would turn an exception into a 500.
  try {
    transport::exchange x(req, peer);
    out = answer(x, the_fixture(), ex);
  } catch (const std::exception& e) {
    fuzz::fail("the request path threw", e.what());
  }
}

void rethrow_as_failure(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    fuzz::fail("an exception escaped a connection coroutine", x.what());
  }
}

// FNV-1a: where (and whether) to cut the input, the same for the same bytes.
std::uint64_t hash_of(std::string_view bytes) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
  return h;
}

net::awaitable<void> send_all(net::local::stream_protocol::socket& s, std::string_view bytes) {
  const auto h = hash_of(bytes);
  std::size_t cut = (h & 1) && bytes.size() > 1 ? 1 + (h >> 1) % (bytes.size() - 1) : bytes.size();
  co_await net::async_write(s, net::buffer(bytes.data(), cut), net::as_tuple(net::use_awaitable));
  if (cut < bytes.size()) {
    // One io_context thread: let the reactor see the first piece and the server read it.
    for (int i = 0; i < 4; ++i) co_await net::post(co_await net::this_coro::executor, net::use_awaitable);
    co_await net::async_write(s, net::buffer(bytes.data() + cut, bytes.size() - cut),
                              net::as_tuple(net::use_awaitable));
  }
  boost::system::error_code ec;
  s.shutdown(net::socket_base::shutdown_send, ec);
}

net::awaitable<void> read_all(net::local::stream_protocol::socket& s) {
  std::array<char, 16384> sink;
  for (;;) {
    auto [ec, n] = co_await s.async_read_some(net::buffer(sink), net::as_tuple(net::use_awaitable));
    if (ec) break;
  }
}

net::io_context& io() {
  static net::io_context ctx(1);
  return ctx;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  ::signal(SIGPIPE, SIG_IGN);  // the server may close before the client has written everything
  the_fixture();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& f = the_fixture();
  static http::connection_counters counters;
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) fuzz::fail("socketpair");
  {
    // The server side is a tcp::socket, as run_connection takes: only reads, writes, waits
    // and shutdown are used on it, which a Unix socket serves alike (its peer address reads
    // as "::").
    http::tcp::socket server(io());
    server.assign(http::tcp::v4(), fds[0]);
    net::local::stream_protocol::socket client(io());
    client.assign(net::local::stream_protocol(), fds[1]);
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    net::co_spawn(io(), http::run_connection(std::move(server), f.handler, f.cfg, counters), rethrow_as_failure);
    net::co_spawn(io(), send_all(client, bytes), rethrow_as_failure);
    net::co_spawn(io(), read_all(client), rethrow_as_failure);
    io().run();
    io().restart();
  }
  if (counters.open.load() != 0 || counters.active.load() != 0)
    fuzz::fail("a connection ended with its counters not back to zero");
  return 0;
}
