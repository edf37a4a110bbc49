// The request path's stages (transport/stages.hpp) on hand-built requests: host/origin,
// media types, decode, revision, session.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "exchange_fakes.hpp"
#include "transport/statuses.hpp"

using namespace mcpx;
using namespace mcpx::test;
using namespace mcpx::transport;
namespace json = boost::json;

namespace {

constexpr std::string_view modern_list =
    R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{)"
    R"("io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}})";

origin_config hosts(std::vector<std::string> h) {
  origin_config c;
  c.allowed_hosts = std::move(h);
  return c;
}

std::unique_ptr<state::session_store> store_with_session_s1() {
  auto store = state::make_memory_session_store(std::chrono::seconds(1800), 10);
  state::session_record rec;
  rec.id = "s1";
  rec.protocol_version = "2025-11-25";
  EXPECT_TRUE(store->create(rec));
  return store;
}

}  // namespace

TEST(host_origin_stage, allows_configured_hosts_with_or_without_a_port) {
  host_origin_stage s(hosts({"localhost", "127.0.0.1", "[::1]"}));
  for (auto host : {"localhost", "localhost:8080", "127.0.0.1:3000", "[::1]", "[::1]:8080"}) {
    incoming in(verb::post, {{"Host", host}});
    EXPECT_FALSE(s.check(in.x)) << host;
  }
  for (auto host : {"evil.example", "evil.example:8080", "localhost.evil.example", "127.0.0.2"}) {
    incoming in(verb::get, {{"Host", host}});
    auto r = s.check(in.x);
    ASSERT_TRUE(r) << host;
    EXPECT_EQ(r->reason, "forbidden_host");
    EXPECT_EQ(r->kind, refusal_kind::forbidden);
  }
  // No list configured: any Host (a server behind a proxy that checks it).
  host_origin_stage open({});
  incoming any(verb::post, {{"Host", "api.example.com"}});
  EXPECT_FALSE(open.check(any.x));
}

TEST(host_origin_stage, refuses_foreign_origins_but_not_loopback_or_configured_ones) {
  origin_config cfg;
  cfg.allowed_origins = {"https://app.example.com"};
  host_origin_stage s(cfg);
  for (auto origin : {"http://localhost:5173", "http://127.0.0.1", "http://[::1]:8080", "https://app.example.com"}) {
    incoming in(verb::post, {{"Origin", origin}});
    EXPECT_FALSE(s.check(in.x)) << origin;
  }
  for (auto origin : {"https://evil.example", "https://app.example.com.evil.example", "http://localhost.evil.example",
                      "http://localhost@evil.example", "null"}) {
    incoming in(verb::post, {{"Origin", origin}});
    auto r = s.check(in.x);
    ASSERT_TRUE(r) << origin;
    EXPECT_EQ(r->reason, "forbidden_origin");
    EXPECT_EQ(status_for(r->kind), 403u);
  }
  // Non-browser clients send no Origin at all.
  incoming cli(verb::post, {{"Host", "localhost"}});
  EXPECT_FALSE(s.check(cli.x));
}

// Origins are compared whole, not by what a URL parser makes of them: Boost.URL 1.81 read
// "http://127.0.0.1.evil.example:8080" as host 127.0.0.1, so a foreign page passed as loopback.
TEST(host_origin_stage, compares_origins_exactly) {
  origin_config cfg;
  cfg.allowed_origins = {"https://app.example.com", "http://Tools.Example:8443"};
  host_origin_stage s(cfg);
  for (auto origin : {"HTTP://LOCALHOST:3000", "http://localhost", "https://127.0.0.1:8443", "http://[::1]",
                      "https://APP.example.com", "http://tools.example:8443"}) {
    incoming in(verb::post, {{"Origin", origin}});
    EXPECT_FALSE(s.check(in.x)) << origin;
    EXPECT_TRUE(s.allows(in.req)) << origin;
  }
  for (auto origin : {"http://127.0.0.1.evil.example:8080",
                      "http://localhost.evil.example",
                      "http://localhost@evil.example",
                      "http://evil.example@localhost",
                      "http://[::1].evil",
                      "http://[::1]evil",
                      "null",
                      "",
                      "localhost",
                      "//localhost",
                      "ftp://localhost",
                      "http://localhost/",
                      "http://localhost:3000/path",
                      "http://localhost?x",
                      "http://localhost#x",
                      "http://localhost:",
                      "http://localhost:80x",
                      "http://localhost:123456",
                      "http:/localhost",
                      "http://",
                      "http://local host",
                      "http://localhost%2e",
                      "https://app.example.com:443",
                      "https://app.example.com.",
                      "http://tools.example",
                      "http://tools.example:8444",
                      "file://",
                      "http://127.0.0.1:8080 http://evil.example"}) {
    incoming in(verb::post, {{"Origin", origin}});
    auto r = s.check(in.x);
    ASSERT_TRUE(r) << origin;
    EXPECT_EQ(r->reason, "forbidden_origin") << origin;
    EXPECT_FALSE(s.allows(in.req)) << origin;
  }
}

TEST(host_origin_stage, host_names_compare_without_case) {
  host_origin_stage s(hosts({"localhost", "[::1]"}));
  for (auto host : {"LOCALHOST:8080", "LocalHost", "[::1]:80"}) {
    incoming in(verb::post, {{"Host", host}});
    EXPECT_FALSE(s.check(in.x)) << host;
  }
  incoming evil(verb::post, {{"Host", "localhost.evil.example"}});
  EXPECT_FALSE(s.allows(evil.req));
}

TEST(host_origin_stage, counts_each_refusal_under_its_reason) {
  host_origin_stage s(hosts({"localhost"}));
  incoming host(verb::post, {{"Host", "evil.example"}});
  incoming origin(verb::post, {{"Host", "localhost"}, {"Origin", "https://evil.example"}});
  s.count(s.check(host.x)->reason);
  s.count(s.check(origin.x)->reason);
  s.count(s.check(origin.x)->reason);
  s.count("made_up");  // a reason not declared up front
  EXPECT_EQ(count_of(s, "forbidden_host"), 1u);
  EXPECT_EQ(count_of(s, "forbidden_origin"), 2u);
  EXPECT_EQ(count_of(s, "other"), 1u);
}

TEST(media_type_stage, wants_json_in_and_json_or_an_event_stream_out) {
  media_type_stage s;
  EXPECT_TRUE(s.applies_to(verb::post));
  EXPECT_FALSE(s.applies_to(verb::get));
  for (header_list h :
       {header_list{{"Content-Type", "application/json"}, {"Accept", "application/json, text/event-stream"}},
        header_list{{"Content-Type", "application/json; charset=utf-8"}},
        header_list{{"Content-Type", "application/json"}, {"Accept", "text/event-stream"}},
        header_list{{"Content-Type", "application/json"}, {"Accept", "*/*"}}}) {
    incoming in(verb::post, h);
    EXPECT_FALSE(s.check(in.x));
  }
  incoming none(verb::post, {});
  incoming text(verb::post, {{"Content-Type", "text/plain"}});
  for (auto* in : {&none, &text}) {
    auto r = s.check(in->x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->reason, "unsupported_media_type");
    EXPECT_EQ(status_for(r->kind), 415u);
  }
  incoming html(verb::post, {{"Content-Type", "application/json"}, {"Accept", "text/html"}});
  auto r = s.check(html.x);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, "not_acceptable");
  EXPECT_EQ(status_for(r->kind), 406u);
}

// A browser sends text/plain without a CORS preflight ("simple" request): a page must not be
// able to pass it off as JSON through a parameter, nor any other type containing the words.
TEST(media_type_stage, parses_the_content_type_instead_of_searching_it) {
  media_type_stage s;
  for (auto ct : {"application/json", "Application/JSON", "application/json;charset=utf-8",
                  "application/json ; charset=\"utf-8\"", "  application/json  ", "application/json;"}) {
    incoming in(verb::post, {{"Content-Type", ct}});
    EXPECT_FALSE(s.check(in.x)) << ct;
  }
  for (auto ct : {"text/plain; charset=application/json", "text/plain;application/json", "application/jsonx",
                  "application/json-seq", "application/x-application/json", "xapplication/json", "application/json/x",
                  "application/json x", "application /json", "application/ json",
                  "multipart/form-data; boundary=application/json", "application/x-www-form-urlencoded", "", "/",
                  "application/", "text/plain, application/json"}) {
    incoming in(verb::post, {{"Content-Type", ct}});
    auto r = s.check(in.x);
    ASSERT_TRUE(r) << ct;
    EXPECT_EQ(r->reason, "unsupported_media_type") << ct;
  }
}

TEST(media_type_stage, parses_the_accept_list) {
  media_type_stage s;
  for (auto accept : {"application/json", "text/event-stream", "*/*", "application/*", "text/*",
                      "text/html, application/json;q=0.9", "TEXT/EVENT-STREAM", "text/html,*/*;q=0.1",
                      "application/json;q=1, text/event-stream;q=0", "text/html;x=\"a,b\", application/json"}) {
    incoming in(verb::post, {{"Content-Type", "application/json"}, {"Accept", accept}});
    EXPECT_FALSE(s.check(in.x)) << accept;
  }
  for (auto accept : {"text/html; charset=application/json", "text/html;x=\"application/json\"", "text/html;x=\"*/*\"",
                      "application/jsonx", "text/event-streams", "application/json;q=0",
                      "application/json;q=0.000, text/event-stream;q=0", "*/*;q=0", "image/*", "text/html",
                      "application/json;q=0, */*;q=0.5, text/event-stream;q=0"}) {
    incoming in(verb::post, {{"Content-Type", "application/json"}, {"Accept", accept}});
    auto r = s.check(in.x);
    ASSERT_TRUE(r) << accept;
    EXPECT_EQ(r->reason, "not_acceptable") << accept;
  }
}

// Each I/O thread keeps its last verdict on each header with the text it was made for: a
// repeat, a change back and forth and a value too long to keep each get their own text's.
TEST(media_type_stage, a_kept_verdict_answers_only_the_same_text) {
  media_type_stage s;
  const std::string pad(200, 'x');
  const std::vector<std::pair<std::string, bool>> content_types = {{"application/json", true},
                                                                   {"application/jsonx", false},
                                                                   {"application/json", true},
                                                                   {"application/json", true},
                                                                   {"application/jso", false},
                                                                   {"application/json; a=" + pad, true},
                                                                   {"text/plain; a=" + pad, false},
                                                                   {"text/plain; a=" + pad, false},
                                                                   {"application/json", true},
                                                                   {"APPLICATION/JSON", true},
                                                                   {"text/plain", false}};
  const std::vector<std::pair<std::string, bool>> accepts = {{"application/json, text/event-stream", true},
                                                             {"text/html", false},
                                                             {"text/html", false},
                                                             {"application/json, text/event-stream", true},
                                                             {"text/htm", false},
                                                             {"text/html, */*;q=0.1", true},
                                                             {"image/png, " + pad, false},
                                                             {"text/html, */*;q=0.1, " + pad, true},
                                                             {"*/*", true},
                                                             {"text/*", true},
                                                             {"text/x", false},
                                                             {"text/*", true}};
  for (int round = 0; round < 2; ++round) {
    for (const auto& [ct, ok] : content_types) {
      incoming in(verb::post, {{"Content-Type", ct}});
      auto r = s.check(in.x);
      EXPECT_EQ(!r, ok) << ct;
    }
    for (const auto& [accept, ok] : accepts) {
      incoming in(verb::post, {{"Content-Type", "application/json"}, {"Accept", accept}});
      auto r = s.check(in.x);
      EXPECT_EQ(!r, ok) << accept;
      if (r) {
        EXPECT_EQ(r->reason, "not_acceptable") << accept;
      }
    }
  }
}

TEST(decode_stage, unparsable_body_is_a_parse_error) {
  decode_stage s;
  incoming in(verb::post, {}, R"({"jsonrpc":"2.0","id":5,)");
  auto r = s.check(in.x);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, "parse_error");
  EXPECT_EQ(r->code, -32700);
  EXPECT_EQ(r->kind, refusal_kind::bad_request);
  EXPECT_TRUE(r->id.is_null());  // nothing could be read
  EXPECT_FALSE(in.x.decoded);
}

TEST(decode_stage, empty_body_is_a_parse_error) {
  decode_stage s;
  incoming in(verb::post, {});
  auto r = s.check(in.x);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, "parse_error");
}

TEST(decode_stage, invalid_message_keeps_its_readable_id) {
  decode_stage s;
  incoming in(verb::post, {}, R"({"jsonrpc":"1.0","id":7,"method":"ping"})");
  auto r = s.check(in.x);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, "invalid_message");
  EXPECT_EQ(r->code, -32600);
  EXPECT_EQ(r->id, 7);
}

TEST(decode_stage, decodes_and_describes_the_message_for_the_access_log) {
  decode_stage s;
  incoming in(
      verb::post, {{"Mcp-Session-Id", "abc"}},
      R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","_meta":{)"
      R"("io.modelcontextprotocol/clientInfo":{"name":"cli"},"io.modelcontextprotocol/protocolVersion":"2026-07-28",)"
      R"("traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}}})");
  ASSERT_FALSE(s.check(in.x));
  EXPECT_TRUE(in.x.decoded);
  EXPECT_EQ(in.x.msg.method, "tools/call");
  EXPECT_EQ(in.x.session_id, "abc");
  EXPECT_EQ(in.rec->rpc_method, "tools/call");
  EXPECT_EQ(in.rec->rpc_id, "3");
  EXPECT_EQ(in.rec->name, "echo");
  EXPECT_EQ(in.rec->session, "abc");
  EXPECT_EQ(in.rec->client, "cli");
  EXPECT_EQ(in.rec->protocol_version, "2026-07-28");
  EXPECT_EQ(in.rec->trace_id, "0af7651916cd43dd8448eb211c80319c");
}

TEST(revision_stage, tells_the_era_from_session_initialize_or_meta) {
  revision_stage s(empty_registry());
  incoming session(verb::post, {{"Mcp-Session-Id", "abc"}}, R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})");
  ASSERT_FALSE(decode_then(s, session.x));
  EXPECT_EQ(session.x.how, era::legacy_session);

  incoming init(verb::post, {},
                R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25"}})");
  ASSERT_FALSE(decode_then(s, init.x));
  EXPECT_EQ(init.x.how, era::legacy_initialize);

  incoming modern(verb::post, {{"MCP-Protocol-Version", "2026-07-28"}, {"Mcp-Method", "tools/list"}}, modern_list);
  ASSERT_FALSE(decode_then(s, modern.x));
  EXPECT_EQ(modern.x.how, era::modern);
}

TEST(revision_stage, refuses_what_names_no_revision_and_modern_responses) {
  revision_stage s(empty_registry());
  incoming neither(verb::post, {}, R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})");
  auto r = decode_then(s, neither.x);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, "no_revision");
  EXPECT_EQ(status_for(r->kind), 400u);

  incoming response(verb::post, {{"MCP-Protocol-Version", "2026-07-28"}}, R"({"jsonrpc":"2.0","id":1,"result":{}})");
  r = decode_then(s, response.x);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, "response_not_allowed");

  // The header rules run here too: Mcp-Method must mirror the body.
  incoming mismatch(verb::post, {{"MCP-Protocol-Version", "2026-07-28"}, {"Mcp-Method", "tools/call"}}, modern_list);
  r = decode_then(s, mismatch.x);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, "header_mismatch");
  EXPECT_EQ(r->code, jsonrpc::code::header_mismatch);
}

TEST(session_stage, finds_known_sessions_and_refuses_unknown_ones) {
  auto store = store_with_session_s1();
  session_stage s(*store);

  incoming unknown(verb::post, {});
  unknown.x.session_id = "nope";  // as the decode stage reads it from Mcp-Session-Id
  auto r = s.check(unknown.x);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, "unknown_session");
  EXPECT_EQ(r->kind, refusal_kind::not_found);
  EXPECT_EQ(r->code, -32001);

  incoming known(verb::post, {{"MCP-Protocol-Version", "2025-06-18"}});  // any legacy version we speak
  known.x.session_id = "s1";
  ASSERT_FALSE(s.check(known.x));
  ASSERT_TRUE(known.x.session);
  EXPECT_EQ(known.x.session->id, "s1");

  // A GET names its session itself (no decode stage runs on it).
  incoming get(verb::get, {{"Mcp-Session-Id", "s1"}});
  ASSERT_FALSE(s.check(get.x));
  EXPECT_TRUE(get.x.session);

  incoming none(verb::post, {});
  EXPECT_FALSE(s.check(none.x));
  EXPECT_FALSE(none.x.session);
}

TEST(session_stage, modern_version_header_in_a_legacy_session_is_refused) {
  auto store = store_with_session_s1();
  session_stage s(*store);
  for (auto v : {"2026-07-28", "1999-01-01"}) {
    incoming in(verb::post, {{"MCP-Protocol-Version", v}});
    in.x.session_id = "s1";
    auto r = s.check(in.x);
    ASSERT_TRUE(r) << v;
    EXPECT_EQ(r->reason, "bad_version_header");
    EXPECT_NE(r->message.find("negotiated 2025-11-25"), std::string::npos);
  }
}

// The request's JSON is dropped with the connection's arena, without a walk to free its parts;
// a peer without an arena (peer_info's default heap resource) must not get that storage, or
// every part of every message would leak.
TEST(exchange, keeps_its_json_in_the_arena_only_when_the_connection_has_one) {
  http::request req;
  std::pmr::monotonic_buffer_resource arena;
  auto with = peer_with(std::make_shared<ops::access_record>(), &arena);
  exchange in_arena(req, with);
  EXPECT_TRUE(in_arena.msg.storage().is_deallocate_trivial());
  EXPECT_EQ(in_arena.msg.storage().get(), &in_arena.arena);

  http::peer_info without;  // its arena: new_delete_resource
  exchange on_heap(req, without);
  EXPECT_FALSE(on_heap.msg.storage().is_deallocate_trivial());
  EXPECT_EQ(on_heap.msg.storage().get(), json::storage_ptr().get());
  ASSERT_FALSE(jsonrpc::parse(modern_list, on_heap.msg));
  EXPECT_EQ(on_heap.msg.params.storage().get(), json::storage_ptr().get());
}

// A modern tools/call's tool, found by params.name for the header rules, is kept for the call
// (the dispatcher does not look it up again); an unknown name keeps none.
TEST(revision_stage, keeps_the_tool_a_modern_call_names) {
  static protocol::registry reg = [] {
    protocol::registry r;
    tool_builder(&r.add_tool("greet")).description("says hello").handle([](const args&, context&) {
      return tool_result::text("hello");
    });
    r.freeze();
    return r;
  }();
  revision_stage s(reg);
  auto call_of = [](std::string_view name) {
    return R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":")" + std::string(name) +
           R"(","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",)"
           R"("io.modelcontextprotocol/clientCapabilities":{}}}})";
  };
  const auto greet_body = call_of("greet"), other_body = call_of("other");
  incoming greet(verb::post,
                 {{"MCP-Protocol-Version", "2026-07-28"}, {"Mcp-Method", "tools/call"}, {"Mcp-Name", "greet"}},
                 greet_body);
  ASSERT_FALSE(decode_then(s, greet.x));
  ASSERT_NE(greet.x.tool, nullptr);
  EXPECT_EQ(greet.x.tool->name, "greet");
  incoming other(verb::post,
                 {{"MCP-Protocol-Version", "2026-07-28"}, {"Mcp-Method", "tools/call"}, {"Mcp-Name", "other"}},
                 other_body);
  ASSERT_FALSE(decode_then(s, other.x));
  EXPECT_EQ(other.x.tool, nullptr);
}
