// util: base64 round trips and strictness; randomness failures are reported, never zero.
#include <gtest/gtest.h>
#include <openssl/rand.h>

#include "protocol/request_state.hpp"
#include "util/base64.hpp"
#include "util/random.hpp"

namespace {

// OpenSSL 3 deprecates RAND_METHOD, but it is still the simplest way to make the generator
// fail on purpose in a test.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
int failing_bytes(unsigned char*, int) { return 0; }
int failing_status() { return 0; }
RAND_METHOD failing{nullptr, failing_bytes, nullptr, nullptr, failing_bytes, failing_status};

struct failing_rand {
  failing_rand() : saved(RAND_get_rand_method()) { RAND_set_rand_method(&failing); }
  ~failing_rand() { RAND_set_rand_method(saved); }
  const RAND_METHOD* saved;
};
#pragma GCC diagnostic pop

}  // namespace

TEST(util_random, ids_are_hex_of_the_asked_length_with_the_prefix) {
  auto id = mcpx::util::random_hex_id(16, "task-");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->size(), 5u + 32u);
  EXPECT_EQ(id->rfind("task-", 0), 0u);
  EXPECT_EQ(id->find_first_not_of("0123456789abcdef", 5), std::string::npos);
  EXPECT_NE(*id, *mcpx::util::random_hex_id(16, "task-"));
}

TEST(util_random, a_failing_generator_is_reported_not_turned_into_zeros) {
  failing_rand fail;
  EXPECT_FALSE(mcpx::util::random_bytes(32));
  EXPECT_FALSE(mcpx::util::random_hex_id(16));
  // The requestState key: before, an unchecked RAND_bytes left an all-zero HMAC key.
  EXPECT_THROW(mcpx::protocol::request_state_codec("", std::chrono::seconds(60)), std::runtime_error);
}

TEST(util_base64, round_trips_and_refuses_what_is_not_base64) {
  using namespace mcpx::util;
  for (std::string s :
       std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\0\xff\xfe", 3)}) {
    EXPECT_EQ(base64_decode(base64_encode(s)), s);
    EXPECT_EQ(base64url_decode(base64url_encode(s)), s);
  }
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_FALSE(base64_decode("Zm9vYg="));      // not whole quads
  EXPECT_FALSE(base64_decode("Zm9v-_8="));     // url alphabet in standard base64
  EXPECT_FALSE(base64url_decode("Zm9vYg=="));  // padding in base64url
  EXPECT_FALSE(base64url_decode("Zm9v+/8"));
}
