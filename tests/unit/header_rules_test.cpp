#include <gtest/gtest.h>

#include "transport/header_rules.hpp"

using namespace mcpx::transport;

TEST(header_value, decodes_only_the_exact_sentinel) {
  EXPECT_EQ(decode_header_value("=?base64?SGVsbG8=?="), "Hello");
  EXPECT_EQ(decode_header_value("SGVsbG8="), "SGVsbG8=");
  EXPECT_EQ(decode_header_value("=?base64?SGVsbG8="), "=?base64?SGVsbG8=");
  EXPECT_FALSE(decode_header_value("=?base64?SGVsbG8?="));
  EXPECT_FALSE(decode_header_value("bad\x01value"));
}
