#include <gtest/gtest.h>

#include "jsonrpc/message.hpp"

using namespace mcpx::jsonrpc;

TEST(jsonrpc, parses_a_request) {
  message m;
  ASSERT_FALSE(parse(R"({"jsonrpc":"2.0","id":7,"method":"tools/list","params":{}})", m));
  EXPECT_EQ(m.type, kind::request);
  EXPECT_EQ(m.method, "tools/list");
  EXPECT_EQ(m.id.as_int64(), 7);
}

TEST(jsonrpc, invalid_json_is_a_parse_error) {
  message m;
  auto e = parse("{not json", m);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, code::parse_error);
}

TEST(jsonrpc, a_batch_array_is_rejected) {
  message m;
  auto e = parse(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])", m);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, code::invalid_request);
}

TEST(jsonrpc, null_and_fractional_ids_are_rejected) {
  message m;
  EXPECT_TRUE(parse(R"({"jsonrpc":"2.0","id":null,"method":"ping"})", m));
  EXPECT_TRUE(parse(R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})", m));
}

TEST(jsonrpc, notification_has_no_id) {
  message m;
  ASSERT_FALSE(parse(R"({"jsonrpc":"2.0","method":"notifications/initialized"})", m));
  EXPECT_EQ(m.type, kind::notification);
}

TEST(jsonrpc, deep_nesting_is_refused) {
  std::string deep(10000, '[');
  message m;
  auto e = parse(deep, m);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, code::parse_error);
}

// to_text writes a small text to the stack first and sizes a large one from a walk of the
// value: whatever the value, the text must be json::serialize's, also when escapes outgrow
// the estimate's slack.
TEST(jsonrpc, to_text_is_serialize_whatever_the_size) {
  namespace json = boost::json;
  std::vector<json::value> values{
      json::value(nullptr),
      json::parse(R"({"a":[1,-2.5e-300,true,null,"x"],"b":{"c":18446744073709551615}})"),
      json::value(std::string(100'000, 'x')),
      json::value(std::string(50'000, '"')),     // every byte escaped: twice the estimate
      json::value(std::string(20'000, '\x01')),  // \u0001: six bytes each
      json::value(std::string(30'000, '\xe2')),  // not UTF-8 at all: written as it is
  };
  json::object big;
  for (int i = 0; i < 2000; ++i)
    big[std::to_string(i)] = json::array{i, -1.0 / (i + 3), std::string(i % 50, '\n'), json::object{{"k", i}}};
  values.push_back(std::move(big));
  json::array deep;
  for (int i = 0; i < 5000; ++i) deep.push_back(1.0e308 / (i + 1));
  values.push_back(std::move(deep));
  // Around the first stack buffer's 4096 bytes: the text ends just inside it, on it, past it.
  for (std::size_t n = 4090; n <= 4100; ++n) values.push_back(json::value(std::string(n, 'y')));
  for (const auto& v : values) {
    EXPECT_EQ(to_text(v), json::serialize(v));
    // `spare`: room for that much more without another allocation, whatever the path taken.
    auto t = to_text(v, 100);
    EXPECT_EQ(t, json::serialize(v));
    EXPECT_GE(t.capacity(), t.size() + 100);
  }
}
