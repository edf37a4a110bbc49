// RESP on the wire without a socket: commands encoded by mcpx::redis, replies parsed by
// hiredis' reader into mcpx::redis::reply values, fed whole and byte by byte.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "redis/resp.hpp"
#include "redis/script.hpp"

namespace redis = mcpx::redis;
using redis::reply;

namespace {

std::string encode(std::vector<std::string_view> args) {
  std::string out;
  redis::encode_command(out, args);
  return out;
}

// Every reply in `wire`, fed at once or one byte at a time.
std::vector<reply> parse(std::string_view wire, bool bytewise = false) {
  redis::reader rd;
  std::vector<reply> out;
  auto drain = [&] {
    reply r;
    redis::reader::status s;
    while ((s = rd.next(r)) == redis::reader::status::reply) out.push_back(std::move(r));
    EXPECT_NE(s, redis::reader::status::error) << rd.error_message();
  };
  if (bytewise) {
    for (char c : wire) {
      EXPECT_TRUE(rd.feed(std::string_view(&c, 1)));
      drain();
    }
  } else {
    EXPECT_TRUE(rd.feed(wire));
    drain();
  }
  return out;
}

}  // namespace

TEST(redis_resp, encodes_an_array_of_bulk_strings) {
  EXPECT_EQ(encode({"GET", "k"}), "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
  EXPECT_EQ(encode({"PING"}), "*1\r\n$4\r\nPING\r\n");
  EXPECT_EQ(encode({"SET", "k", ""}), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n");
  EXPECT_EQ(encode({}), "*0\r\n");
}

TEST(redis_resp, encoding_is_binary_safe_and_appends) {
  using namespace std::string_view_literals;
  std::string out = "x";
  std::vector<std::string_view> args = {"SET"sv, "a\0b"sv, "\r\n*1\r\n"sv};
  redis::encode_command(out, args);
  EXPECT_EQ(out, "x*3\r\n$3\r\nSET\r\n$3\r\na\0b\r\n$6\r\n\r\n*1\r\n\r\n"sv);
  std::string big(100000, 'v');
  std::string enc = encode({"SET", "k", big});
  EXPECT_EQ(enc.substr(0, 29), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\n");
  EXPECT_EQ(enc.size(), 29 + big.size() + 2);
}

TEST(redis_resp, parses_every_reply_kind) {
  auto got = parse("+OK\r\n-ERR no such key\r\n:42\r\n:-7\r\n$5\r\nhello\r\n$-1\r\n$0\r\n\r\n*-1\r\n*0\r\n");
  ASSERT_EQ(got.size(), 9u);
  EXPECT_EQ(got[0], reply::simple("OK"));
  EXPECT_TRUE(got[1].is_error());
  EXPECT_EQ(got[1].str(), "ERR no such key");
  EXPECT_EQ(got[2], reply::integer(42));
  EXPECT_EQ(got[3].as_integer(), -7);
  EXPECT_EQ(got[4], reply::bulk("hello"));
  EXPECT_TRUE(got[5].is_nil());
  EXPECT_EQ(got[6], reply::bulk(""));
  EXPECT_TRUE(got[7].is_nil());  // a nil array is nil
  EXPECT_EQ(got[8], reply::array({}));
}

TEST(redis_resp, parses_nested_arrays_with_nil_and_errors_inside) {
  std::string wire = "*4\r\n:1\r\n*3\r\n$1\r\na\r\n$-1\r\n*1\r\n-ERR inner\r\n*0\r\n+done\r\n";
  for (bool bytewise : {false, true}) {
    auto got = parse(wire, bytewise);
    ASSERT_EQ(got.size(), 1u);
    auto want = reply::array({reply::integer(1),
                              reply::array({reply::bulk("a"), reply::nil(), reply::array({reply::error("ERR inner")})}),
                              reply::array({}), reply::simple("done")});
    EXPECT_EQ(got[0], want) << redis::to_string(got[0]);
  }
}

TEST(redis_resp, bulk_strings_are_binary_safe) {
  using namespace std::string_view_literals;
  auto wire = "$8\r\na\0b\r\n\r\nc\r\n*2\r\n$2\r\n\0\0\r\n$4\r\n\r\n\r\n\r\n"sv;
  for (bool bytewise : {false, true}) {
    auto got = parse(wire, bytewise);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].type(), reply::kind::bulk);
    EXPECT_EQ(got[0].str(), "a\0b\r\n\r\nc"sv);
    ASSERT_EQ(got[1].elements().size(), 2u);
    EXPECT_EQ(got[1].elements()[0].str(), "\0\0"sv);
    EXPECT_EQ(got[1].elements()[1].str(), "\r\n\r\n"sv);
  }
}

TEST(redis_resp, waits_for_the_rest_of_a_split_reply) {
  redis::reader rd;
  reply r;
  ASSERT_TRUE(rd.feed("*2\r\n$3\r\nab"));
  EXPECT_EQ(rd.next(r), redis::reader::status::need_more);
  ASSERT_TRUE(rd.feed("c\r\n:5\r\n+next"));
  ASSERT_EQ(rd.next(r), redis::reader::status::reply);
  EXPECT_EQ(r, reply::array({reply::bulk("abc"), reply::integer(5)}));
  EXPECT_EQ(rd.next(r), redis::reader::status::need_more);
  ASSERT_TRUE(rd.feed("\r\n"));
  ASSERT_EQ(rd.next(r), redis::reader::status::reply);
  EXPECT_EQ(r, reply::simple("next"));
}

TEST(redis_resp, a_protocol_error_is_reported_and_frees_the_partial_reply) {
  redis::reader rd;
  reply r;
  ASSERT_TRUE(rd.feed("*3\r\n$1\r\na\r\n!oops\r\n"));
  EXPECT_EQ(rd.next(r), redis::reader::status::error);
  EXPECT_NE(std::string(rd.error_message()).find("Protocol error"), std::string::npos) << rd.error_message();
  EXPECT_FALSE(rd.feed("+OK\r\n"));  // the reader stays broken: the connection is replaced
  redis::reader bad_int;
  ASSERT_TRUE(bad_int.feed(":12x\r\n"));
  EXPECT_EQ(bad_int.next(r), redis::reader::status::error);
}

TEST(redis_resp, to_string_shows_kinds_and_escapes_bytes) {
  using namespace std::string_literals;
  auto r = reply::array({reply::integer(3), reply::bulk("a\0\"\n"s), reply::nil(), reply::error("ERR x")});
  EXPECT_EQ(redis::to_string(r), R"([(integer) 3, "a\x00\"\n", (nil), (error) ERR x])");
}

TEST(redis_script, digest_and_evalsha_encoding) {
  redis::script s("return 1");
  EXPECT_EQ(s.sha1(), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");  // redis-cli SCRIPT LOAD "return 1"
  redis::detail::eval_tail tail;
  std::vector<std::string_view> keys = {"k"}, args = {"10", "x"};
  redis::detail::encode_eval_tail(tail, keys, args);
  std::string out;
  redis::detail::encode_eval(out, true, s, 3 + keys.size() + args.size(), tail);
  EXPECT_EQ(out, encode({"EVALSHA", s.sha1(), "1", "k", "10", "x"}));
  out.clear();
  redis::detail::encode_eval(out, false, s, 3 + keys.size() + args.size(), tail);
  EXPECT_EQ(out, encode({"EVAL", "return 1", "1", "k", "10", "x"}));
}
