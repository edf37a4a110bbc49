// issuer_client against loopback issuers: discovery forms, issuer check, refresh, rotation,
// unknown-kid refetches and their throttle, failures, stop.
#include <gtest/gtest.h>

#include "auth/discovery.hpp"
#include "auth/issuer_client.hpp"
#include "doc_server.hpp"
#include "issuer_test_util.hpp"
#include "test_pki.hpp"

namespace mcpx::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using auth::issuer_client;
using auth::issuer_config;

const std::string rfc8414 = "/.well-known/oauth-authorization-server";
const std::string oidc = "/.well-known/openid-configuration";

json::value jwks_with(const std::string& kid) {
  return {{"keys", json::array{json::object{{"kty", "EC"}, {"kid", kid}}}}};
}

/// Whether the refetch delivered fresh keys, and whether it resumed on thread `me`.
net::awaitable<std::pair<bool, bool>> refetch_where(std::shared_ptr<issuer_client> c, std::thread::id me) {
  bool fresh = co_await c->refetch_for_unknown_kid();
  co_return std::pair{fresh, std::this_thread::get_id() == me};
}

struct IssuerTest : ::testing::Test {
  io_thread io, other_io;
  doc_server server;
  std::mutex mu;
  std::vector<std::string> delivered;  ///< the first kid of each JWKS the consumer took
  bool refuse_keys = false;
  std::shared_ptr<issuer_client> client;

  ~IssuerTest() override {
    if (client) client->stop();
  }

  std::string origin() const { return server.origin(); }
  void publish(const std::string& where, const std::string& issuer, const std::string& jwks_path = "/jwks") {
    server.set_json(where, {{"issuer", issuer}, {"jwks_uri", origin() + jwks_path}, {"token_endpoint", issuer + "/t"}});
  }
  issuer_config config(const std::string& issuer) {
    issuer_config c;
    c.issuer = issuer;
    c.retry_initial = 50ms;
    c.retry_max = 200ms;
    c.fetch.timeout = 2s;
    return c;
  }
  std::shared_ptr<issuer_client> make(issuer_config c) {
    client = issuer_client::create(io.executor(), std::move(c), [this](const json::value& jwks, std::string* why) {
      std::lock_guard lk(mu);
      if (refuse_keys) {
        *why = "no usable key";
        return false;
      }
      delivered.push_back(std::string(jwks.at("keys").at(0).at("kid").as_string()));
      return true;
    });
    return client;
  }
  std::string last_kid() {
    std::lock_guard lk(mu);
    return delivered.empty() ? "" : delivered.back();
  }
  std::size_t deliveries() {
    std::lock_guard lk(mu);
    return delivered.size();
  }
  bool loads(std::shared_ptr<issuer_client> c) {
    c->start();
    return eventually([&] { return c->ready(); });
  }
};

TEST(Discovery, Urls) {
  using V = std::vector<std::string>;
  EXPECT_EQ(auth::discovery_urls("https://a.example"), (V{"https://a.example/.well-known/oauth-authorization-server",
                                                          "https://a.example/.well-known/openid-configuration"}));
  EXPECT_EQ(auth::discovery_urls("https://a.example/"), auth::discovery_urls("https://a.example"));
  EXPECT_EQ(auth::discovery_urls("https://a.example:8443/tenant/x/"),
            (V{"https://a.example:8443/.well-known/oauth-authorization-server/tenant/x",
               "https://a.example:8443/.well-known/openid-configuration/tenant/x",
               "https://a.example:8443/tenant/x/.well-known/openid-configuration"}));
  EXPECT_TRUE(auth::discovery_urls("https://a.example/?q=1").empty());
  EXPECT_TRUE(auth::discovery_urls("https://a.example/#f").empty());
  EXPECT_TRUE(auth::discovery_urls("urn:x").empty());
}

TEST(Discovery, MetadataCheck) {
  json::value ok = {{"issuer", "https://a.example"}, {"jwks_uri", "https://a.example/jwks"}};
  EXPECT_EQ(auth::check_metadata(ok, "https://a.example"), "");
  // RFC 8414 3.3: identical, not "equivalent".
  EXPECT_NE(auth::check_metadata(ok, "https://a.example/"), "");
  EXPECT_NE(auth::check_metadata(ok, "https://A.example"), "");
  EXPECT_NE(auth::check_metadata(json::value{{"issuer", "https://a.example"}}, "https://a.example"), "");
  EXPECT_NE(auth::check_metadata(json::array{}, "https://a.example"), "");
}

TEST_F(IssuerTest, DiscoversByRfc8414) {
  publish(rfc8414, origin());
  server.set_json("/jwks", jwks_with("k1"));
  auto c = make(config(origin()));
  ASSERT_TRUE(loads(c)) << c->status();
  EXPECT_EQ(last_kid(), "k1");
  EXPECT_EQ(server.hits(oidc), 0);
  ASSERT_TRUE(c->metadata());
  EXPECT_EQ(c->metadata()->at("issuer").as_string(), origin());
  EXPECT_EQ(c->metadata()->at("jwks_uri").as_string(), origin() + "/jwks");
  EXPECT_EQ(c->status(), "keys loaded 0 s ago");
  EXPECT_EQ(c->counters().refresh_ok.load(), 1u);
}

TEST_F(IssuerTest, FallsBackToOidcDiscovery) {
  publish(oidc, origin());
  server.set_json("/jwks", jwks_with("k1"));
  auto c = make(config(origin()));
  ASSERT_TRUE(loads(c)) << c->status();
  EXPECT_EQ(server.hits(rfc8414), 1);
  EXPECT_EQ(server.hits(oidc), 1);
}

TEST_F(IssuerTest, IssuerWithPathUsesEachForm) {
  server.set_json("/jwks", jwks_with("k1"));
  const std::string issuer = origin() + "/tenant";
  for (const auto& where : {rfc8414 + "/tenant", oidc + "/tenant", "/tenant" + oidc}) {
    SCOPED_TRACE(where);
    server.remove(rfc8414 + "/tenant");
    server.remove(oidc + "/tenant");
    server.remove("/tenant" + oidc);
    publish(where, issuer);
    auto c = make(config(issuer));
    EXPECT_TRUE(loads(c)) << c->status();
    c->stop();
  }
  EXPECT_EQ(server.hits(rfc8414), 0);  // never the path-less form
}

TEST_F(IssuerTest, IssuerMismatchRefused) {
  publish(rfc8414, origin() + "/other");
  publish(oidc, origin() + "/other");
  server.set_json("/jwks", jwks_with("k1"));
  auto c = make(config(origin()));
  c->start();
  ASSERT_TRUE(eventually([&] { return c->counters().refresh_failed.load() >= 1; }));
  EXPECT_FALSE(c->ready());
  EXPECT_FALSE(c->metadata());
  EXPECT_NE(c->status().find("issuer mismatch"), std::string::npos) << c->status();
  EXPECT_EQ(server.hits("/jwks"), 0);
}

TEST_F(IssuerTest, DiscoveryStopsAtAHostThatDoesNotAnswer) {
  route slow;
  slow.delay = 2s;
  server.set(rfc8414, slow);
  auto cfg = config(origin());
  cfg.fetch.timeout = 200ms;
  auto c = make(cfg);
  c->start();
  ASSERT_TRUE(eventually([&] { return c->counters().refresh_failed.load() >= 1; }));
  EXPECT_EQ(server.hits(oidc), 0);
  EXPECT_NE(c->status().find("timeout"), std::string::npos) << c->status();
}

TEST_F(IssuerTest, HttpsIssuerVerified) {
  test_ca ca("issuer test CA");
  auto cert = ca.issue("issuer", "DNS:localhost,IP:127.0.0.1");
  doc_server tls(server_tls(cert.cert_pem, cert.key_pem));
  const std::string issuer = tls.origin("localhost");
  tls.set_json(rfc8414, {{"issuer", issuer}, {"jwks_uri", issuer + "/jwks"}});
  tls.set_json("/jwks", jwks_with("tls-key"));
  auto ca_file = ca.write_ca_file("mcpx-issuer-ca");
  auto cfg = config(issuer);
  cfg.fetch.tls = auth::make_tls_context(ca_file);
  std::filesystem::remove(ca_file);
  auto c = make(cfg);
  ASSERT_TRUE(loads(c)) << c->status();
  EXPECT_EQ(last_kid(), "tls-key");
}

TEST_F(IssuerTest, PlainHttpIssuerOffLoopbackRefused) {
  auto c = make(config("http://auth.example.com"));
  c->start();
  ASSERT_TRUE(eventually([&] { return c->counters().refresh_failed.load() >= 1; }));
  EXPECT_NE(c->status().find("insecure"), std::string::npos) << c->status();
}

TEST_F(IssuerTest, BackgroundRefreshPicksUpRotatedKeys) {
  publish(rfc8414, origin());
  server.set_json("/jwks", jwks_with("old"));
  auto cfg = config(origin());
  cfg.refresh_interval = 150ms;
  cfg.min_refresh = 50ms;
  auto c = make(cfg);
  ASSERT_TRUE(loads(c));
  server.set_json("/jwks", jwks_with("new"));
  EXPECT_TRUE(eventually([&] { return last_kid() == "new"; }, 2s));
  EXPECT_EQ(server.hits(rfc8414), 1);  // metadata is not fetched again while rounds succeed
}

TEST_F(IssuerTest, MaxAgeShortensRefreshDownToTheFloor) {
  publish(rfc8414, origin());
  server.set_json("/jwks", jwks_with("k"), {{"Cache-Control", "max-age=0"}});
  auto cfg = config(origin());
  cfg.refresh_interval = 60s;
  cfg.min_refresh = 100ms;
  auto c = make(cfg);
  ASSERT_TRUE(loads(c));
  EXPECT_TRUE(eventually([&] { return server.hits("/jwks") >= 4; }, 2s));
  std::this_thread::sleep_for(200ms);
  EXPECT_LT(server.hits("/jwks"), 30);  // bounded below by min_refresh, not a busy loop
}

TEST_F(IssuerTest, KeysKeptWhenRefreshFails) {
  publish(rfc8414, origin());
  server.set_json("/jwks", jwks_with("good"));
  auto cfg = config(origin());
  cfg.refresh_interval = 100ms;
  cfg.min_refresh = 50ms;
  auto c = make(cfg);
  ASSERT_TRUE(loads(c));
  route down;
  down.status = 503;
  server.set("/jwks", down);
  ASSERT_TRUE(eventually([&] { return c->counters().refresh_failed.load() >= 2; }));
  EXPECT_TRUE(c->ready());
  EXPECT_EQ(last_kid(), "good");
  EXPECT_EQ(deliveries(), 1u);
  EXPECT_NE(c->status().find("last refresh failed"), std::string::npos) << c->status();
  EXPECT_NE(c->status().find("HTTP 503"), std::string::npos) << c->status();
  // After a failure discovery runs again (the jwks_uri may have moved), then keys come back.
  server.set_json("/jwks", jwks_with("back"));
  EXPECT_TRUE(eventually([&] { return last_kid() == "back"; }));
  EXPECT_GE(server.hits(rfc8414), 2);
  EXPECT_TRUE(eventually([&] { return c->status().find("failed") == std::string::npos; }));
}

TEST_F(IssuerTest, UnusableKeysCountAsFailure) {
  publish(rfc8414, origin());
  server.set_json("/jwks", jwks_with("k"));
  {
    std::lock_guard lk(mu);
    refuse_keys = true;
  }
  auto c = make(config(origin()));
  c->start();
  ASSERT_TRUE(eventually([&] { return c->counters().refresh_failed.load() >= 1; }));
  EXPECT_FALSE(c->ready());
  EXPECT_NE(c->status().find("no usable key"), std::string::npos) << c->status();
  server.set_json("/jwks", json::object{{"keys", "not an array"}});
  {
    std::lock_guard lk(mu);
    refuse_keys = false;
  }
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(c->ready());
  EXPECT_NE(c->status().find("no \"keys\" array"), std::string::npos) << c->status();
}

TEST_F(IssuerTest, RetriesWithBackoffUntilTheIssuerAppears) {
  auto c = make(config(origin()));
  c->start();
  ASSERT_TRUE(eventually([&] { return c->counters().refresh_failed.load() >= 2; }));
  EXPECT_NE(c->status().find("discovery failed"), std::string::npos) << c->status();
  publish(rfc8414, origin());
  server.set_json("/jwks", jwks_with("k"));
  EXPECT_TRUE(eventually([&] { return c->ready(); }, 2s)) << c->status();
}

// 100 tokens with forged kids at once: one fetch; the same again within the interval: none.
TEST_F(IssuerTest, UnknownKidBurstFetchesOnce) {
  publish(rfc8414, origin());
  server.set_json("/jwks", jwks_with("k1"));
  auto c = make(config(origin()));
  ASSERT_TRUE(loads(c));
  ASSERT_EQ(server.hits("/jwks"), 1);
  route slow;
  slow.body = json::serialize(jwks_with("k2"));
  slow.delay = 200ms;
  server.set("/jwks", slow);

  auto burst = [&] {
    std::vector<std::future<std::pair<bool, bool>>> calls;
    for (int i = 0; i < 100; ++i) {
      auto& on = i % 2 ? io : other_io;
      auto me = on.id();
      calls.push_back(net::co_spawn(on.executor(), refetch_where(c, me), net::use_future));
    }
    int fresh = 0;
    for (auto& f : calls) {
      EXPECT_EQ(f.wait_for(3s), std::future_status::ready);
      auto [ok, same_thread] = f.get();
      fresh += ok;
      EXPECT_TRUE(same_thread);  // resumed on the caller's own I/O thread
    }
    return fresh;
  };
  EXPECT_EQ(burst(), 100);
  EXPECT_EQ(server.hits("/jwks"), 2);
  EXPECT_EQ(last_kid(), "k2");
  EXPECT_EQ(c->counters().unknown_kid_started.load(), 1u);
  EXPECT_EQ(c->counters().unknown_kid_joined.load(), 99u);

  slow.delay = 2s;  // a fetch now would be seen in the time taken
  server.set("/jwks", slow);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(burst(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);  // throttled: answered at once
  EXPECT_EQ(server.hits("/jwks"), 2);
  EXPECT_EQ(c->counters().unknown_kid_throttled.load(), 100u);
}

TEST_F(IssuerTest, UnknownKidRefetchAllowedAgainAfterTheInterval) {
  publish(rfc8414, origin());
  server.set_json("/jwks", jwks_with("k1"));
  auto cfg = config(origin());
  cfg.unknown_kid_interval = 200ms;
  auto c = make(cfg);
  ASSERT_TRUE(loads(c));
  EXPECT_EQ(io.run(c->refetch_for_unknown_kid()), true);
  EXPECT_EQ(io.run(c->refetch_for_unknown_kid()), false);
  std::this_thread::sleep_for(250ms);
  EXPECT_EQ(io.run(c->refetch_for_unknown_kid()), true);
  EXPECT_EQ(server.hits("/jwks"), 3);
}

TEST_F(IssuerTest, UnknownKidWaitIsBounded) {
  publish(rfc8414, origin());
  server.set_json("/jwks", jwks_with("k1"));
  auto cfg = config(origin());
  cfg.unknown_kid_wait = 200ms;
  auto c = make(cfg);
  ASSERT_TRUE(loads(c));
  route slow;
  slow.body = json::serialize(jwks_with("k2"));
  slow.delay = 1500ms;
  server.set("/jwks", slow);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(io.run(c->refetch_for_unknown_kid()), false);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 800ms);
  // The fetch itself goes on and delivers.
  EXPECT_TRUE(eventually([&] { return last_kid() == "k2"; }, 3s));
}

TEST_F(IssuerTest, StopDuringAFetch) {
  publish(rfc8414, origin());
  route slow;
  slow.body = json::serialize(jwks_with("k"));
  slow.delay = 5s;
  server.set("/jwks", slow);
  auto c = make(config(origin()));
  c->start();
  ASSERT_TRUE(eventually([&] { return server.hits("/jwks") == 1; }));
  auto waiting = net::co_spawn(other_io.executor(), c->refetch_for_unknown_kid(), net::use_future);
  std::this_thread::sleep_for(20ms);
  auto start = std::chrono::steady_clock::now();
  c->stop();
  ASSERT_EQ(waiting.wait_for(1s), std::future_status::ready);
  EXPECT_FALSE(waiting.get());
  // Every coroutine and timer lets go of the client: nothing runs on after stop.
  EXPECT_TRUE(eventually([&] { return c.use_count() == 2; }, 1s)) << c.use_count();  // c and `client`
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_FALSE(c->ready());
  EXPECT_EQ(c->status(), "stopped");
  EXPECT_EQ(deliveries(), 0u);
  EXPECT_EQ(io.run(c->refetch_for_unknown_kid()), false);
}

TEST_F(IssuerTest, StopBeforeStartAndTwice) {
  auto c = make(config(origin()));
  c->stop();
  c->start();
  c->stop();
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(server.hits(rfc8414), 0);
  EXPECT_TRUE(eventually([&] { return c.use_count() == 2; }, 1s));
}

TEST_F(IssuerTest, DestroyedWithItsIoContextMidFetch) {
  // The server's shutdown order: I/O threads stop and their contexts go while a fetch waits.
  publish(rfc8414, origin());
  route slow;
  slow.body = json::serialize(jwks_with("k"));
  slow.delay = 5s;
  server.set("/jwks", slow);
  std::weak_ptr<issuer_client> weak;
  {
    auto own = std::make_unique<io_thread>();
    auto c = issuer_client::create(own->executor(), config(origin()),
                                   [](const json::value&, std::string*) { return true; });
    weak = c;
    c->start();
    ASSERT_TRUE(eventually([&] { return server.hits("/jwks") == 1; }));
  }
  EXPECT_TRUE(weak.expired());
}

}  // namespace
}  // namespace mcpx::test
