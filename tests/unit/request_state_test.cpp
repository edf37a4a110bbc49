#include <gtest/gtest.h>

#include "protocol/request_state.hpp"
#include "util/base64.hpp"

using namespace mcpx::protocol;
namespace json = boost::json;

TEST(request_state, round_trips_its_payload) {
  request_state_codec codec("secret", std::chrono::seconds(60));
  auto binding = request_state_codec::binding_for("tools/call", json::object{{"name", "t"}});
  auto sealed = codec.seal(json::object{{"a", json::object{{"k", 1}}}}, binding);
  std::string why;
  auto p = codec.open(sealed, binding, &why);
  ASSERT_TRUE(p) << why;
  EXPECT_EQ(p->at("a").at("k").as_int64(), 1);
}

TEST(request_state, rejects_any_alteration) {
  request_state_codec codec("secret", std::chrono::seconds(60));
  auto sealed = codec.seal({}, "b");
  std::string why;
  EXPECT_FALSE(codec.open(sealed + "-TAMPERED", "b", &why));
  std::string flipped = sealed;
  flipped[3] = flipped[3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(codec.open(flipped, "b", &why));
  EXPECT_FALSE(codec.open("not-a-state", "b", &why));
  EXPECT_FALSE(codec.open("", "b", &why));
}

TEST(request_state, is_bound_to_its_request) {
  request_state_codec codec("secret", std::chrono::seconds(60));
  auto a = request_state_codec::binding_for("tools/call", json::object{{"name", "a"}});
  auto b = request_state_codec::binding_for("tools/call", json::object{{"name", "b"}});
  EXPECT_NE(a, b);
  std::string why;
  EXPECT_FALSE(codec.open(codec.seal({}, a), b, &why));
  EXPECT_NE(why.find("different request"), std::string::npos);
}

TEST(request_state, binding_ignores_per_round_fields) {
  auto a = request_state_codec::binding_for("tools/call", json::object{{"name", "a"}});
  auto b = request_state_codec::binding_for("tools/call", json::object{{"name", "a"},
                                                                       {"inputResponses", json::object{}},
                                                                       {"requestState", "x"},
                                                                       {"_meta", json::object{}}});
  EXPECT_EQ(a, b);
}

TEST(request_state, expires) {
  request_state_codec codec("secret", std::chrono::seconds(-1));
  std::string why;
  EXPECT_FALSE(codec.open(codec.seal({}, "b"), "b", &why));
  EXPECT_NE(why.find("expired"), std::string::npos);
}

TEST(request_state, another_key_cannot_open_it) {
  request_state_codec a("one", std::chrono::seconds(60)), b("two", std::chrono::seconds(60));
  std::string why;
  EXPECT_FALSE(b.open(a.seal({}, "x"), "x", &why));
}

TEST(base64, standard_decoding_is_strict) {
  EXPECT_EQ(mcpx::util::base64_decode("SGVsbG8="), "Hello");
  EXPECT_FALSE(mcpx::util::base64_decode("SGVsbG8"));      // missing padding
  EXPECT_FALSE(mcpx::util::base64_decode("SGVs!!!bG8="));  // outside the alphabet
  EXPECT_EQ(mcpx::util::base64_encode("Hello, 世界"), "SGVsbG8sIOS4lueVjA==");
}
