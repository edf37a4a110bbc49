// RFC 7662 introspection against a loopback endpoint: what is sent, what is kept, how long.
#include <gtest/gtest.h>

#include "auth/introspection.hpp"
#include "doc_server.hpp"
#include "issuer_test_util.hpp"

namespace mcpx::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using auth::introspection_result;
using kind = introspection_result::kind;

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

struct IntrospectionTest : ::testing::Test {
  io_thread io;
  doc_server server;

  auth::introspection_config config() {
    auth::introspection_config c;
    c.endpoint = server.origin() + "/introspect";
    c.client_id = "mcp-server";
    c.client_secret = "s3cret";
    return c;
  }
  std::shared_ptr<const introspection_result> ask(auth::introspector& in, const std::string& token) {
    auto r = io.run(in.introspect(token));
    return r ? *r : nullptr;
  }
  void answer(json::object o) { server.set_json("/introspect", o); }
};

TEST_F(IntrospectionTest, ActiveTokenKeptWithTheClaimsThatMatter) {
  answer({{"active", true},
          {"scope", "crm:read crm:write"},
          {"sub", "alice"},
          {"client_id", "app"},
          {"exp", now_s() + 3600},
          {"aud", "https://mcp.example.com/mcp"},
          {"iss", "https://auth.example.com"},
          {"cnf", {{"jkt", "thumb"}, {"x5t#S256", "other"}}},
          {"unrelated", std::string(100, 'x')}});
  auth::introspector in(config());
  auto r = ask(in, "opaque-token-1");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->what, kind::active) << r->error;
  EXPECT_EQ(r->claims.at("sub").as_string(), "alice");
  EXPECT_EQ(r->claims.at("scope").as_string(), "crm:read crm:write");
  EXPECT_EQ(r->claims.at("cnf"), (json::object{{"jkt", "thumb"}}));
  EXPECT_FALSE(r->claims.contains("unrelated"));

  auto req = server.last_request();
  EXPECT_EQ(req.body(), "token=opaque-token-1&token_type_hint=access_token");
  EXPECT_EQ(req[bhttp::field::authorization], "Basic bWNwLXNlcnZlcjpzM2NyZXQ=");  // mcp-server:s3cret

  auto again = ask(in, "opaque-token-1");
  EXPECT_EQ(again, r);
  EXPECT_EQ(server.hits("/introspect"), 1);
  EXPECT_EQ(in.counters().cache_hits.load(), 1u);
}

TEST_F(IntrospectionTest, InactiveCachedBriefly) {
  answer({{"active", false}});
  auto c = config();
  c.inactive_ttl = 100ms;
  auth::introspector in(c);
  EXPECT_EQ(ask(in, "revoked")->what, kind::inactive);
  EXPECT_EQ(ask(in, "revoked")->what, kind::inactive);
  EXPECT_EQ(server.hits("/introspect"), 1);
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(ask(in, "revoked")->what, kind::inactive);
  EXPECT_EQ(server.hits("/introspect"), 2);
}

TEST_F(IntrospectionTest, NeverKeptPastTheTokensExpiry) {
  answer({{"active", true}, {"exp", now_s() - 1}});
  auth::introspector in(config());
  EXPECT_EQ(ask(in, "expired")->what, kind::active);  // the authenticator checks exp itself
  ask(in, "expired");
  EXPECT_EQ(server.hits("/introspect"), 2);
  EXPECT_EQ(in.cached(), 0u);
}

TEST_F(IntrospectionTest, ActiveTtlBoundsTheCache) {
  answer({{"active", true}, {"exp", now_s() + 3600}});
  auto c = config();
  c.active_ttl = 100ms;
  auth::introspector in(c);
  ask(in, "t");
  ask(in, "t");
  EXPECT_EQ(server.hits("/introspect"), 1);
  std::this_thread::sleep_for(150ms);
  ask(in, "t");
  EXPECT_EQ(server.hits("/introspect"), 2);
}

TEST_F(IntrospectionTest, FailuresAreNotCached) {
  route down;
  down.status = 503;
  server.set("/introspect", down);
  auth::introspector in(config());
  auto r = ask(in, "t");
  EXPECT_EQ(r->what, kind::failed);
  EXPECT_NE(r->error.find("HTTP 503"), std::string::npos) << r->error;
  EXPECT_EQ(r->error.find("t&"), std::string::npos);
  answer({{"active", true}});
  EXPECT_EQ(ask(in, "t")->what, kind::active);
  EXPECT_EQ(in.counters().failed.load(), 1u);
}

TEST_F(IntrospectionTest, BoundedInEntriesLeastRecentlyUsedGoesFirst) {
  answer({{"active", true}});
  auto c = config();
  c.max_entries = 2;
  auth::introspector in(c);
  ask(in, "a");
  ask(in, "b");
  ask(in, "a");  // a is now the most recent
  ask(in, "c");  // evicts b
  EXPECT_EQ(in.cached(), 2u);
  EXPECT_EQ(server.hits("/introspect"), 3);
  ask(in, "a");
  EXPECT_EQ(server.hits("/introspect"), 3);
  ask(in, "b");
  EXPECT_EQ(server.hits("/introspect"), 4);
}

TEST(Introspection, Interpret) {
  using auth::introspector;
  EXPECT_EQ(introspector::interpret(json::array{}).what, kind::failed);
  EXPECT_EQ(introspector::interpret(json::object{{"sub", "x"}}).what, kind::failed);
  EXPECT_EQ(introspector::interpret(json::object{{"active", "true"}}).what, kind::failed);
  EXPECT_EQ(introspector::interpret(json::object{{"active", false}, {"sub", "x"}}).what, kind::inactive);
  EXPECT_TRUE(introspector::interpret(json::object{{"active", false}, {"sub", "x"}}).claims.empty());
}

}  // namespace
}  // namespace mcpx::test
