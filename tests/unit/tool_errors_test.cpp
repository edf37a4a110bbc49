// What a model reads when a tool fails: every classified result's text is one sentence that
// says whether and when to retry, and TIMEOUT says what happened, to which tool, and when to
// try again.
#include <gtest/gtest.h>

#include <regex>

#include "fakes.hpp"
#include "mcpx/upstream.hpp"
#include "protocol/tool_errors.hpp"

using namespace mcpx;
using namespace mcpx::test;
using namespace std::chrono_literals;

namespace {

// One sentence: ends with a full stop, and no sentence ends before it (". X" inside).
::testing::AssertionResult one_sentence(const std::string& text) {
  if (text.empty() || text.back() != '.') return ::testing::AssertionFailure() << "no full stop at the end: " << text;
  static const std::regex inner_end(R"([.!?] +[A-Z])");
  if (std::regex_search(text.substr(0, text.size() - 1), inner_end))
    return ::testing::AssertionFailure() << "more than one sentence: " << text;
  return ::testing::AssertionSuccess();
}

std::string text_of(const json::object& result) { return str(result.at("content").at(0).at("text")); }
const json::object& error_in(const json::object& result) {
  return result.at("structuredContent").as_object().at("error").as_object();
}

}  // namespace

TEST(tool_errors, the_text_is_one_sentence_with_when_to_retry) {
  EXPECT_EQ(protocol::error_text("billing API is down", 7), "billing API is down; it may be retried after 7 s.");
  EXPECT_EQ(protocol::error_text("No customer cust_9.", std::nullopt), "No customer cust_9.");
  EXPECT_EQ(protocol::error_text("No customer cust_9. ", 3), "No customer cust_9; it may be retried after 3 s.");
  EXPECT_EQ(protocol::error_text("Really?", std::nullopt), "Really?");
  EXPECT_EQ(protocol::error_text("", std::nullopt), ".");
}

TEST(tool_errors, timeout_is_a_recoverable_server_error_saying_when_to_retry) {
  auto r = protocol::timeout_error_result("search_orders", 2s);
  EXPECT_EQ(r.at("isError"), true);
  const auto& e = error_in(r);
  EXPECT_EQ(str(e.at("type")), "SERVER_ERROR");
  EXPECT_EQ(str(e.at("code")), "TIMEOUT");
  EXPECT_EQ(e.at("recoverable"), true);
  EXPECT_EQ(e.at("retry_after"), protocol::timeout_retry_after_s);
  auto text = text_of(r);
  EXPECT_TRUE(one_sentence(text));
  // What happened, to which tool, within what, and that and when it may be retried.
  EXPECT_NE(text.find("'search_orders'"), std::string::npos) << text;
  EXPECT_NE(text.find("within its 2 s time limit"), std::string::npos) << text;
  EXPECT_NE(text.find("may be retried after 5 s"), std::string::npos) << text;
  EXPECT_NE(text_of(protocol::timeout_error_result("t", 250ms)).find("250 ms"), std::string::npos);
  EXPECT_NE(text_of(protocol::timeout_error_result("t", 1500ms)).find("1500 ms"), std::string::npos);
}

TEST(tool_errors, every_classified_result_reads_as_one_sentence) {
  harness h;
  h.tool("client").handle([](const args&, context&) -> tool_result {
    throw client_error("no such customer 17", "NOT_FOUND");
  });
  h.tool("external").handle([](const args&, context&) -> tool_result { throw external_error("billing API is down."); });
  h.tool("server").handle([](const args&, context&) -> tool_result {
    throw server_error("Index rebuild in progress");
  });
  h.tool("crash").handle([](const args&, context&) -> tool_result { throw std::runtime_error("segfault-ish"); });
  h.tool("args")
      .input_schema(json::parse(R"({"type":"object","properties":{"n":{"type":"integer"}}})"))
      .handle([](const args&, context&) { return tool_result::text("ok"); });
  h.start();
  for (std::string name : {"client", "external", "server", "crash"}) {
    auto c = modern_call("tools/call", {{"name", name}});
    auto o = h.run(c);
    EXPECT_TRUE(one_sentence(text_of(result_of(o)))) << name;
  }
  auto c = modern_call("tools/call", {{"name", "args"}, {"arguments", {{"n", "x"}}}});
  EXPECT_TRUE(one_sentence(text_of(result_of(h.run(c)))));
  // The upstream mappings, as a handler throws them.
  std::vector<tool_error> upstream{upstream::for_status("billing API", 404, "Customer cust_9 does not exist."),
                                   upstream::for_status("billing API", 401),
                                   upstream::for_status("billing API", 429, "", "12"),
                                   upstream::for_status("billing API", 500, "NullPointerException at Foo.java:12"),
                                   upstream::for_failure("billing API", upstream::failure::timeout),
                                   upstream::for_failure("billing API", upstream::failure::tls)};
  for (const auto& e : upstream) EXPECT_TRUE(one_sentence(text_of(protocol::tool_error_result(e)))) << e.what();
}
