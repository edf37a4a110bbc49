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
