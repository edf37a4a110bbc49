// Regressions found by the fuzzers in fuzz/ (scripts/fuzz): each test starts from the
// minimized input the fuzzer saved, quoted in its comment.
#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <string>

#include <utility>

#include "jsonrpc/message.hpp"
#include "mcpx/schema/validator.hpp"
#include "protocol/request_state.hpp"

namespace json = boost::json;
using namespace mcpx::jsonrpc;

// fuzz_jsonrpc, minimized: {"jsonrpc":"2.0","method":"n","params":{"":1e401}}
// Boost.JSON read 1e401 as an infinity and the message decoded; encode_notification then wrote
// params {"":Infinity}, which is not JSON (so would a result echoing it, a requestState, an
// event kept for replay, a message to another replica). Now a parse error where it comes in.
TEST(fuzz_regressions, a_number_beyond_the_double_range_is_a_parse_error) {
  message m;
  auto e = parse(R"({"jsonrpc":"2.0","method":"n","params":{"":1e401}})", m);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, code::parse_error);
  EXPECT_TRUE(e->id.is_null());

  // Anywhere in the message, either sign; the error keeps a readable id for the answer.
  e = parse(R"({"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"arguments":{"x":[1,-1e309]}}})", m);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, code::parse_error);
  EXPECT_EQ(e->id, json::value("a"));
  e = parse(R"({"jsonrpc":"2.0","id":3,"result":{"v":123e999}})", m);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, code::parse_error);
  EXPECT_EQ(e->id, json::value(3));
}

TEST(fuzz_regressions, numbers_within_the_double_range_still_decode_and_encode_back) {
  message m;
  // The largest double, and an underflow (read as 0): both finite.
  ASSERT_FALSE(parse(R"({"jsonrpc":"2.0","id":1,"method":"n","params":{"max":-1.7976931348623157e308,"tiny":1e-400}})",
                     m));
  const std::string wire = encode_request(m.id, m.method, m.params);
  message back;
  ASSERT_FALSE(parse(wire, back)) << wire;
  EXPECT_EQ(back.params, m.params);
}

// fuzz_request_state, minimized: {"":1e3000} (the fuzzer seals the object it parses).
// seal() wrote an infinite number as the bare word Infinity, and open() then refused the state
// as malformed. Clients can no longer send one (the test above); a handler's state() can. Now
// seal() writes null instead, as JSON.stringify does.
TEST(fuzz_regressions, a_sealed_state_with_an_infinite_number_opens_again) {
  mcpx::protocol::request_state_codec codec("fuzz-regression-key", std::chrono::seconds(60));
  json::object payload{{"s", std::numeric_limits<double>::infinity()}};
  std::string why;
  auto opened = codec.open(codec.seal(payload, "binding"), "binding", {}, &why);
  ASSERT_TRUE(opened) << why;
  EXPECT_TRUE(opened->at("s").is_null());
  json::object nested{{"a", json::array{1.5, -std::numeric_limits<double>::infinity(),
                                        json::object{{"n", std::numeric_limits<double>::quiet_NaN()}}}}};
  opened = codec.open(codec.seal(nested, "binding"), "binding", {}, &why);
  ASSERT_TRUE(opened) << why;
  EXPECT_EQ(opened->at("a").at(0).as_double(), 1.5);
  EXPECT_TRUE(opened->at("a").at(1).is_null());
  EXPECT_TRUE(opened->at("a").at(2).at("n").is_null());
}

// fuzz_schema, minimized: {"if":{"properties":{"":{"pattern":"]{22222222222222222222"}}}}
// and {"pattern":"d\\9999999999999999999s"}. With std::regex (libstdc++ 12) a count overflowed
// (UBSan) and was narrowed to int: ^a{4294967297}$ compiled as ^a{1}$ and accepted "a". RE2
// refuses counts above 1000 at compile time, so the schema is refused, never mis-enforced.
TEST(fuzz_regressions, a_pattern_with_a_huge_count_is_refused_or_enforced) {
  for (auto [pattern, instance] :
       {std::pair{"^a{4294967297}$", "a"}, std::pair{"^a{4294967296}$", ""}, std::pair{"^a{9223372036854775807}$", ""},
        std::pair{"]{22222222222222222222", "]"}, std::pair{"d\\9999999999999999999s", "ds"}}) {
    std::string error;
    auto v = mcpx::schema::validator::compile(json::object{{"pattern", pattern}}, &error);
    if (v) EXPECT_TRUE(v->validate(json::value(instance))) << pattern << " accepts \"" << instance << "\"";
    else EXPECT_NE(error.find("pattern"), std::string::npos) << error;
  }
}

// fuzz_request_state, from CI: {"big":1844446744073,"neg":223172036854775808,"d":8,"c" :0.1,...}.
// A payload's own "c" member was left in place when sealing without a client, and open() took
// it for a client binding ("belongs to a different client"): the state never opened.
TEST(fuzz_regressions, a_payload_member_named_like_a_binding_does_not_break_the_state) {
  mcpx::protocol::request_state_codec codec("fuzz-regression-key", std::chrono::seconds(60));
  std::string why;
  EXPECT_TRUE(codec.open(codec.seal(json::object{{"c", 0.1}, {"d", 8}}, "binding"), "binding", &why)) << why;
  EXPECT_TRUE(codec.open(codec.seal(json::object{{"c", "someone"}}, "binding"), "binding", &why)) << why;
  EXPECT_FALSE(codec.open(codec.seal(json::object{{"c", "someone"}}, "binding"), "binding", "other", &why));
}
