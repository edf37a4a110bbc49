#include <gtest/gtest.h>

#include <string>

#include "transport/header_rules.hpp"

using namespace mcpx::transport;

TEST(header_value, decodes_only_the_exact_sentinel) {
  EXPECT_EQ(decode_header_value("=?base64?SGVsbG8=?="), "Hello");
  EXPECT_EQ(decode_header_value("SGVsbG8="), "SGVsbG8=");
  EXPECT_EQ(decode_header_value("=?base64?SGVsbG8="), "=?base64?SGVsbG8=");
  EXPECT_FALSE(decode_header_value("=?base64?SGVsbG8?="));
  EXPECT_FALSE(decode_header_value("bad\x01value"));
}

#include "http/request_reader.hpp"

TEST(host_value, is_an_authority_without_userinfo_or_path) {
  using mcpx::http::valid_host_value;
  for (const char* ok : {"", "localhost", "127.0.0.1", "127.0.0.1:8080", "example.com:", "[::1]", "[::1]:3000",
                         "[::ffff:127.0.0.1]", "a-b_c~d.example", "xn--bcher-kva.example", "my%20host"})
    EXPECT_TRUE(valid_host_value(ok)) << ok;
  for (const char* bad : {"user@127.0.0.1", "127.0.0.1/x", "127.0.0.1 evil", "127.0.0.1:80x", "local%zzhost", "host%4",
                          "[::1", "[]", "[::1]x", "[::1]:a", "a:b:c", "h\x01st", "h\xc3\xa9st", "127.0.0.1?q"})
    EXPECT_FALSE(valid_host_value(bad)) << bad;
}

namespace {

// A request as the server's parser leaves it: every field with Beast's code for its name.
mcpx::http::request parsed(const std::string& head) {
  mcpx::http::request_parser p(std::pmr::new_delete_resource(), 16 * 1024);
  boost::beast::error_code ec;
  p.put(boost::asio::buffer(head), ec);
  EXPECT_FALSE(ec) << ec.message();
  return p.release();
}

}  // namespace

// Names Beast knows are matched by code, the Mcp-* ones by text among the fields it does not
// know; either way in any case, first field first, without surrounding whitespace.
TEST(header_value, finds_known_and_unknown_names_in_any_case) {
  auto req = parsed(
      "POST /mcp HTTP/1.1\r\nhost: example.test\r\nX-Mcp-Nam: decoy\r\nMCP-NAME:  \tgreet \r\n"
      "mcp-name: second\r\nACCEPT: application/json\r\nMcp-Methox: decoy\r\nmcp-method: tools/call\r\n"
      "Content-Length: 0\r\n\r\n");
  EXPECT_EQ(header_value(req, headers::host), "example.test");
  EXPECT_EQ(header_value(req, headers::accept), "application/json");
  EXPECT_EQ(header_value(req, headers::mcp_name), "greet");
  EXPECT_EQ(header_value(req, headers::mcp_method), "tools/call");
  EXPECT_FALSE(header_value(req, headers::origin));
  EXPECT_FALSE(header_value(req, headers::mcp_session_id));
  EXPECT_EQ(header_value(req, "x-mcp-nam"), "decoy");
  EXPECT_FALSE(header_value(req, "Mcp-Param-Region"));
  // A known name given as text is found by its code.
  EXPECT_EQ(header_value(req, "Content-Length"), "0");
}

// The index a request's stages look fields up in finds what a walk of the fields finds, for
// every name it holds: present or not, in any case, the first of a repeated field, without
// surrounding whitespace; a name it does not hold is walked for.
TEST(field_index, finds_what_header_value_finds_for_every_name) {
  auto some = parsed(
      "POST /mcp HTTP/1.1\r\nhost: example.test\r\nX-Mcp-Nam: decoy\r\nMCP-NAME:  \tgreet \r\n"
      "mcp-name: second\r\nACCEPT: application/json\r\nAccept: text/event-stream\r\nMcp-Methox: decoy\r\n"
      "Mcp_Method: decoy\r\nmcp+method: decoy\r\nMCP-METHOD: tools/call\r\nmcp-protocol-version: "
      "2026-07-28\r\nLast-Event-Id: 7\r\n"
      "Mcp-Param-Region: eu\r\nContent-Type:application/json\r\nContent-Length: 0\r\n\r\n");
  std::string every = "POST /mcp HTTP/1.1\r\n";
  for (auto* name : headers::all) every += std::string(name->text) + ": value of " + std::string(name->text) + "\r\n";
  auto all = parsed(every + "Content-Length: 0\r\n\r\n");
  for (auto* req : {&some, &all}) {
    field_index index;
    for (auto* name : headers::all) EXPECT_EQ(index.find(*req, *name), header_value(*req, *name)) << name->text;
  }
  field_index index;
  EXPECT_EQ(index.find(some, headers::mcp_name), "greet");
  EXPECT_EQ(index.find(some, headers::mcp_method), "tools/call");
  EXPECT_EQ(index.find(some, headers::accept), "application/json");
  EXPECT_EQ(index.find(some, headers::last_event_id), "7");
  EXPECT_FALSE(index.find(some, headers::origin));
  EXPECT_EQ(index.find(some, header_name("Mcp-Param-Region")), "eu");
  EXPECT_FALSE(index.find(some, header_name("Mcp-Param-Other")));
  field_index of_all;
  for (auto* name : headers::all)
    EXPECT_EQ(of_all.find(all, *name), "value of " + std::string(name->text)) << name->text;
}

// Each name the transport reads has its own place in the index, in the order of headers::all.
TEST(field_index, every_name_has_its_own_place) {
  for (std::size_t i = 0; i < std::size(headers::all); ++i) EXPECT_EQ(headers::all[i]->slot, int(i));
}

#include "http/record.hpp"

// The head's framing and Host rules, read in one walk of the fields: what Beast's count() and
// lookups found, in any case and any order.
TEST(check_head, counts_framing_and_host_fields_in_any_case) {
  using mcpx::http::check_head;
  using mcpx::http::refusal;
  const std::string end = "Content-Length: 0\r\n\r\n";
  EXPECT_EQ(check_head(parsed("POST /mcp HTTP/1.1\r\nhost: a.test:80\r\n" + end), false), refusal::none);
  EXPECT_EQ(check_head(parsed("POST /mcp HTTP/1.1\r\n" + end), false), refusal::bad_host);
  EXPECT_EQ(check_head(parsed("POST /mcp HTTP/1.0\r\n" + end), false), refusal::none);  // 1.0 needs none
  EXPECT_EQ(check_head(parsed("POST /mcp HTTP/1.1\r\nHost: a\r\nHOST: b\r\n" + end), false), refusal::bad_host);
  EXPECT_EQ(check_head(parsed("POST /mcp HTTP/1.1\r\nHost: a b\r\n" + end), false), refusal::bad_host);
  // The Host value checked is the field's, wherever it stands among the others.
  EXPECT_EQ(check_head(parsed("POST /mcp HTTP/1.1\r\nAccept: */*\r\nHost: user@a\r\nX-A: b\r\n" + end), false),
            refusal::bad_host);
  // Transfer-Encoding: chunked alone, in HTTP/1.1, without a Content-Length.
  namespace bhttp = boost::beast::http;
  auto head_only = [](const std::string& head, bool& chunked) {
    mcpx::http::request_parser p(std::pmr::new_delete_resource(), 16 * 1024);
    p.eager(false);
    boost::beast::error_code ec;
    p.put(boost::asio::buffer(head), ec);
    chunked = p.chunked();
    return check_head(p.get(), p.chunked());
  };
  bool chunked = false;
  EXPECT_EQ(head_only("POST /mcp HTTP/1.1\r\nHost: a\r\ntransfer-encoding: Chunked\r\n\r\n", chunked), refusal::none);
  EXPECT_TRUE(chunked);
  EXPECT_EQ(head_only("POST /mcp HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", chunked),
            refusal::bad_framing);
  // Two fields, the last saying chunked (Beast itself refuses a second one after chunked).
  EXPECT_EQ(head_only("POST /mcp HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n",
                      chunked),
            refusal::bad_framing);
  EXPECT_TRUE(chunked);
  EXPECT_EQ(head_only("POST /mcp HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", chunked),
            refusal::bad_framing);
}

// The access record's request id and trace id come from the first X-Request-Id and traceparent
// fields, in any case; a request id over 128 bytes is replaced by a generated one.
TEST(start_record, takes_the_first_request_id_and_traceparent_in_any_case) {
  mcpx::http::server_config cfg;
  std::shared_ptr<mcpx::http::request_record> mine;
  const std::string tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  auto req = parsed("POST /mcp?token=secret HTTP/1.1\r\nHost: a\r\nx-request-id: first\r\nTRACEPARENT: " + tp +
                    "\r\nX-Request-Id: second\r\ntraceparent: 00-" + std::string(32, 'a') + "-" + std::string(16, 'b') +
                    "-01\r\nContent-Length: 0\r\n\r\n");
  auto rec = mcpx::http::start_record(mine, req, "127.0.0.1", cfg);
  EXPECT_EQ(rec->request_id, "first");
  EXPECT_EQ(rec->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(rec->http_method, "POST");
  EXPECT_EQ(rec->target, "/mcp");
  auto none = parsed("GET / HTTP/1.1\r\nHost: a\r\nX-Request-Ids: decoy\r\nX-Request-Id: " + std::string(129, 'r') +
                     "\r\n\r\n");
  rec = mcpx::http::start_record(mine, none, "127.0.0.1", cfg);
  EXPECT_EQ(rec->request_id.size(), 16u);  // generated
  EXPECT_EQ(rec->request_id.find('r'), std::string::npos);
  EXPECT_EQ(rec->trace_id, "");
}

// The _meta members the transport reads, found in one pass: by exact name only.
TEST(meta_members, finds_each_known_member_by_its_exact_name) {
  namespace json = boost::json;
  auto meta = json::parse(R"({"io.modelcontextprotocol/protocolVersion":"2026-07-28",
      "io.modelcontextprotocol/clientCapabilities":{"a":1},"io.modelcontextprotocol/clientInfo":{"name":"c"},
      "io.modelcontextprotocol/logLevel":"debug","traceparent":"tp","io.modelcontextprotocol/protocolversion":"x",
      "io.modelcontextprotocol/":"y","progressToken":3})")
                  .as_object();
  auto m = meta_members::of(&meta);
  ASSERT_TRUE(m.protocol_version && m.client_capabilities && m.client_info && m.log_level && m.traceparent);
  EXPECT_EQ(*m.protocol_version, "2026-07-28");
  EXPECT_EQ(*m.client_capabilities, (json::object{{"a", 1}}));
  EXPECT_EQ(*m.client_info, (json::object{{"name", "c"}}));
  EXPECT_EQ(*m.log_level, "debug");
  EXPECT_EQ(*m.traceparent, "tp");
  auto partial = json::parse(R"({"io.modelcontextprotocol/clientInfo":{}})").as_object();
  m = meta_members::of(&partial);
  EXPECT_TRUE(m.client_info && !m.protocol_version && !m.client_capabilities && !m.log_level && !m.traceparent);
  m = meta_members::of(nullptr);
  EXPECT_TRUE(!m.client_info && !m.protocol_version && !m.client_capabilities && !m.log_level && !m.traceparent);
}
