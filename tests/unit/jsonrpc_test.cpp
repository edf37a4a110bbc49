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
