// The resource server end to end, against a real HTTP issuer on loopback serving RFC 8414
// metadata and a JWKS it can rotate: challenges, per-tool scopes with their hierarchy, list
// filtering, the principal in handlers, key rotation without a failed request, sessions bound to
// their creator, protected-resource metadata.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <atomic>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <map>
#include <mcpx/server.hpp>
#include <mutex>
#include <thread>

#include "../unit/jose_mint.hpp"
#include "auth/digest.hpp"
#include "auth/jwk.hpp"
#include "test_client.hpp"

using namespace mcpx::test;
namespace json = boost::json;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

const std::string resource = "https://mcp.example.com/mcp";

// A minimal authorization server: metadata at the RFC 8414 location, the JWKS at /jwks.
class fake_issuer {
 public:
  fake_issuer() : acceptor_(ioc_, {net::ip::make_address("127.0.0.1"), 0}) {
    url_ = "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
    thread_ = std::thread([this] { serve(); });
  }
  ~fake_issuer() {
    stopping_ = true;
    // close() alone does not wake a thread blocked in accept(); shutdown() does (Linux).
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    boost::system::error_code ec;
    acceptor_.close(ec);
    ioc_.stop();
    thread_.join();
  }
  const std::string& url() const { return url_; }
  void set_jwks(json::object j) {
    std::lock_guard lock(mu_);
    jwks_ = json::serialize(j);
  }
  int jwks_fetches() const { return fetches_; }
  /// What /introspect answers for `token` (unknown tokens: {"active": false}).
  void set_introspection(const std::string& token, json::object answer) {
    std::lock_guard lock(mu_);
    introspection_[token] = json::serialize(answer);
  }
  void fail_introspection(bool fail) { introspection_fails_ = fail; }
  int introspections() const { return introspections_; }

 private:
  void serve() {
    while (!stopping_) {
      tcp::socket s(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(s, ec);
      if (ec) return;
      beast::flat_buffer buf;
      bhttp::request<bhttp::string_body> req;
      bhttp::read(s, buf, req, ec);
      if (ec) continue;
      bhttp::response<bhttp::string_body> res{bhttp::status::ok, 11};
      res.set(bhttp::field::content_type, "application/json");
      if (req.target() == "/.well-known/oauth-authorization-server") {
        res.body() = json::serialize(json::object{{"issuer", url_},
                                                  {"jwks_uri", url_ + "/jwks"},
                                                  {"introspection_endpoint", url_ + "/introspect"}});
      } else if (req.target() == "/jwks") {
        ++fetches_;
        std::lock_guard lock(mu_);
        res.body() = jwks_;
      } else if (req.target() == "/introspect" && req.method() == bhttp::verb::post) {
        ++introspections_;
        introspect(req, res);
      } else {
        res.result(bhttp::status::not_found);
      }
      res.prepare_payload();
      bhttp::write(s, res, ec);
    }
  }
  // RFC 7662 2.1: the caller authenticates (client_secret_basic); the body is a form with the token.
  void introspect(const bhttp::request<bhttp::string_body>& req, bhttp::response<bhttp::string_body>& res) {
    if (introspection_fails_) {
      res.result(bhttp::status::internal_server_error);
      return;
    }
    if (req[bhttp::field::authorization] != "Basic bWNwLXNlcnZlcjpzM2NyZXQ=") {  // mcp-server:s3cret
      res.result(bhttp::status::unauthorized);
      return;
    }
    std::string_view body = req.body();
    std::string token;
    if (body.starts_with("token=")) token = std::string(body.substr(6, body.find('&') - 6));
    std::lock_guard lock(mu_);
    auto it = introspection_.find(token);
    res.body() = it == introspection_.end() ? R"({"active":false})" : it->second;
  }

  net::io_context ioc_;
  tcp::acceptor acceptor_;
  std::string url_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> fetches_{0}, introspections_{0};
  std::atomic<bool> introspection_fails_{false};
  std::mutex mu_;
  std::string jwks_;
  std::map<std::string, std::string> introspection_;
};

const mint::key& k1() {
  static mint::key k = mint::rsa("k1");
  return k;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

class auth_server : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    issuer_ = new fake_issuer();
    issuer_->set_jwks(mint::jwks({k1().jwk()}));
    mcpx::options o;
    o.port = 0;
    o.log_level = "warning";
    o.auth.issuers = {{issuer_->url(), {}}};
    o.auth.resource = resource;
    o.auth.resource_name = "auth test";
    o.auth.scope_implies = {{"crm:admin", {"crm:write"}}, {"crm:write", {"crm:read"}}};
    o.auth.introspection.client_id = "mcp-server";
    o.auth.introspection.client_secret = "s3cret";
    o.auth.introspection.cache_ttl = std::chrono::seconds(1);
    srv_ = new mcpx::server({"auth-server-test", "1.0.0"}, o);
    srv_->tool("read_customer").description("reads").scopes({"crm:read"}).handle([](const mcpx::args&, mcpx::context&) {
      return mcpx::tool_result::text("read");
    });
    srv_->tool("update_customer")
        .description("writes")
        .scopes({"crm:write"})
        .handle([](const mcpx::args&, mcpx::context&) { return mcpx::tool_result::text("updated"); });
    srv_->tool("whoami").description("the caller").handle([](const mcpx::args&, mcpx::context& ctx) {
      const auto* p = ctx.caller();
      return mcpx::tool_result::text(p ? p->subject + "|" + p->client_id : "anonymous");
    });
    srv_->start();
    for (int i = 0; i < 200; ++i) {
      if (roundtrip(srv_->port(), "GET /health/ready HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").status == 200) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    ADD_FAILURE() << "the server never became ready (issuer keys not loaded)";
  }
  static void TearDownTestSuite() {
    delete srv_;
    delete issuer_;
  }
  static unsigned short port() { return srv_->port(); }

  static std::string token(const std::string& scope, const mint::key& k = k1(), std::string sub = "alice") {
    return mint::jwt({{"iss", issuer_->url()},
                      {"sub", sub},
                      {"aud", resource},
                      {"exp", unix_now() + 600},
                      {"iat", unix_now()},
                      {"scope", scope},
                      {"client_id", "app"}},
                     k);
  }
  static http_result call(const std::string& tool, const std::string& auth_header) {
    return roundtrip(port(), post(modern_body(7, "tools/call", {{"name", tool}, {"arguments", json::object{}}}),
                                  modern_headers("tools/call", tool) + auth_header));
  }
  static std::string bearer(const std::string& t) { return "Authorization: Bearer " + t + "\r\n"; }
  static std::string challenge(const http_result& r) {
    auto at = r.head.find("WWW-Authenticate: Bearer");
    if (at == std::string::npos) return "";
    return r.head.substr(at, r.head.find("\r\n", at) - at);
  }

  static mcpx::server* srv_;
  static fake_issuer* issuer_;
};

mcpx::server* auth_server::srv_ = nullptr;
fake_issuer* auth_server::issuer_ = nullptr;

TEST_F(auth_server, no_token_gets_401_naming_the_metadata_and_the_tools_scope) {
  auto r = call("update_customer", "");
  EXPECT_EQ(r.status, 401) << r.head;
  auto c = challenge(r);
  EXPECT_NE(c.find(R"(resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp")"),
            std::string::npos)
      << c;
  EXPECT_NE(c.find(R"(scope="crm:write")"), std::string::npos) << c;
  EXPECT_EQ(c.find("error="), std::string::npos) << "no error without credentials: " << c;
  EXPECT_NE(r.head.find("WWW-Authenticate: DPoP algs="), std::string::npos) << r.head;
}

TEST_F(auth_server, forged_expired_and_foreign_tokens_get_invalid_token) {
  auto forger = mint::rsa("k1");
  for (const auto& t : {token("crm:read", forger), std::string("not.a.jwt"), token("crm:read").substr(0, 60)}) {
    auto r = call("read_customer", bearer(t));
    EXPECT_EQ(r.status, 401) << r.head;
    EXPECT_NE(challenge(r).find(R"(error="invalid_token")"), std::string::npos) << r.head;
    EXPECT_EQ(r.head.find(t), std::string::npos) << "the token was echoed";
  }
}

TEST_F(auth_server, a_missing_scope_is_403_insufficient_scope_keeping_the_granted_ones) {
  auto r = call("update_customer", bearer(token("crm:read")));
  EXPECT_EQ(r.status, 403) << r.head << r.body;
  auto c = challenge(r);
  EXPECT_NE(c.find(R"(error="insufficient_scope")"), std::string::npos) << c;
  EXPECT_NE(c.find(R"(scope="crm:read crm:write")"), std::string::npos) << c;
  EXPECT_EQ(call("read_customer", bearer(token("crm:read"))).status, 200);
}

TEST_F(auth_server, an_admin_token_may_write_through_the_scope_hierarchy) {
  auto r = call("update_customer", bearer(token("crm:admin")));
  EXPECT_EQ(r.status, 200) << r.head << r.body;
  EXPECT_NE(r.body.find("updated"), std::string::npos) << r.body;
}

TEST_F(auth_server, handlers_see_the_principal) {
  auto r = call("whoami", bearer(token("", k1(), "bob")));
  EXPECT_NE(r.body.find("bob|app"), std::string::npos) << r.body;
}

TEST_F(auth_server, lists_show_only_what_the_caller_may_use) {
  auto r = roundtrip(port(),
                     post(modern_body(3, "tools/list"), modern_headers("tools/list") + bearer(token("crm:read"))));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("read_customer"), std::string::npos);
  EXPECT_NE(r.body.find("whoami"), std::string::npos);
  EXPECT_EQ(r.body.find("update_customer"), std::string::npos) << r.body;
}

TEST_F(auth_server, a_rotated_key_is_picked_up_without_a_failed_request) {
  auto k2 = mint::rsa("k2");
  issuer_->set_jwks(mint::jwks({k1().jwk(), k2.jwk()}));
  auto before = issuer_->jwks_fetches();
  auto r = call("read_customer", bearer(token("crm:read", k2)));
  EXPECT_EQ(r.status, 200) << r.head << r.body;
  EXPECT_EQ(issuer_->jwks_fetches(), before + 1);
  // A flood of unknown kids within the interval fetches nothing more.
  auto k3 = mint::rsa("k3");
  for (int i = 0; i < 5; ++i) EXPECT_EQ(call("read_customer", bearer(token("crm:read", k3))).status, 401);
  EXPECT_EQ(issuer_->jwks_fetches(), before + 1);
}

TEST_F(auth_server, a_session_belongs_to_the_subject_that_created_it) {
  auto init = roundtrip(
      port(),
      post(
          R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})",
          bearer(token("crm:read"))));
  auto sid = session_of(init);
  ASSERT_FALSE(sid.empty()) << init.head;
  auto legacy = "Mcp-Session-Id: " + sid + "\r\nMCP-Protocol-Version: 2025-11-25\r\n";
  auto list = R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})";
  EXPECT_EQ(roundtrip(port(), post(list, legacy + bearer(token("crm:read")))).status, 200);
  EXPECT_EQ(roundtrip(port(), post(list, legacy + bearer(token("crm:read", k1(), "mallory")))).status, 404);
  EXPECT_EQ(roundtrip(port(), post(list, legacy)).status, 401) << "a session id never authenticates";
}

TEST_F(auth_server, a_token_in_the_query_is_refused) {
  auto raw = post(modern_body(1, "tools/list"), modern_headers("tools/list"));
  raw.replace(raw.find("/mcp"), 4, "/mcp?access_token=" + token("crm:read"));
  auto r = roundtrip(port(), raw);
  EXPECT_EQ(r.status, 400) << r.head;
  EXPECT_NE(r.head.find(R"(error="invalid_request")"), std::string::npos) << r.head;
}

TEST_F(auth_server, protected_resource_metadata_is_served_at_both_locations) {
  for (const char* path : {"/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"}) {
    auto r = roundtrip(port(), std::string("GET ") + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    ASSERT_EQ(r.status, 200) << path;
    auto m = json::parse(r.body).as_object();
    EXPECT_EQ(m.at("resource").as_string(), resource);
    EXPECT_EQ(m.at("authorization_servers").as_array().at(0).as_string(), issuer_->url());
    EXPECT_EQ(m.at("bearer_methods_supported").as_array().at(0).as_string(), "header");
    auto scopes = json::serialize(m.at("scopes_supported"));
    for (const char* s : {"crm:read", "crm:write", "crm:admin"}) EXPECT_NE(scopes.find(s), std::string::npos) << s;
    EXPECT_TRUE(m.contains("dpop_signing_alg_values_supported"));
  }
}

// RFC 9449 at the edge: a bound token needs the DPoP scheme and a fresh proof for this URL.
TEST_F(auth_server, a_dpop_bound_token_needs_its_proof) {
  auto client = mint::ec("");
  const auto jkt = *mcpx::auth::jwk_thumbprint(client.jwk());
  auto t = mint::jwt({{"iss", issuer_->url()},
                      {"sub", "alice"},
                      {"aud", resource},
                      {"exp", unix_now() + 600},
                      {"iat", unix_now()},
                      {"scope", "crm:read"},
                      {"cnf", json::object{{"jkt", jkt}}}},
                     k1());
  static int jti = 0;
  auto proof = [&](const std::string& htu) {
    return mint::compact({{"typ", "dpop+jwt"}, {"alg", client.alg}, {"jwk", client.jwk()}},
                         {{"htm", "POST"},
                          {"htu", htu},
                          {"iat", unix_now()},
                          {"jti", "jti-" + std::to_string(++jti)},
                          {"ath", mcpx::auth::sha256_base64url(t)}},
                         client);
  };
  auto dpop = [&](const std::string& p) { return "Authorization: DPoP " + t + "\r\nDPoP: " + p + "\r\n"; };
  EXPECT_EQ(call("read_customer", dpop(proof(resource))).status, 200);
  for (const auto& [headers, why] : {std::pair{"Authorization: DPoP " + t + "\r\n", "no proof"},
                                     std::pair{dpop(proof("https://mcp.example.com/other")), "a proof for another URL"},
                                     std::pair{bearer(t), "a bound token as bearer"}}) {
    auto r = call("read_customer", headers);
    EXPECT_EQ(r.status, 401) << why << "\n" << r.head;
    EXPECT_NE(r.head.find("WWW-Authenticate: DPoP algs="), std::string::npos) << why;
    EXPECT_NE(r.head.find("error=\"invalid_"), std::string::npos) << why << "\n" << r.head;
  }
  auto replayed = proof(resource);
  EXPECT_EQ(call("read_customer", dpop(replayed)).status, 200);
  EXPECT_EQ(call("read_customer", dpop(replayed)).status, 401) << "a replayed proof";
}

// RFC 7662: a token that is not a JWT is asked about at the issuer's introspection endpoint (from
// its metadata), and the answer is held to the same rules as a JWT's claims.
json::object active(const std::string& scope, const std::string& aud = resource) {
  return {{"active", true},          {"scope", scope}, {"sub", "carol"},        {"client_id", "opaque-app"},
          {"exp", unix_now() + 600}, {"aud", aud},     {"token_type", "Bearer"}};
}

TEST_F(auth_server, an_opaque_token_is_introspected_once_and_then_served_from_the_cache) {
  issuer_->set_introspection("opaque-write-1", active("crm:write"));
  auto before = issuer_->introspections();
  auto r = call("update_customer", bearer("opaque-write-1"));
  EXPECT_EQ(r.status, 200) << r.head << r.body;
  EXPECT_NE(r.body.find("updated"), std::string::npos) << r.body;
  r = call("whoami", bearer("opaque-write-1"));
  EXPECT_NE(r.body.find("carol|opaque-app"), std::string::npos) << r.body;
  EXPECT_EQ(issuer_->introspections(), before + 1) << "the second call must come from the cache";
  EXPECT_EQ(call("update_customer", bearer("opaque-write-1")).status, 200);
}

TEST_F(auth_server, an_opaque_token_is_held_to_scope_audience_and_activity) {
  issuer_->set_introspection("opaque-read-1", active("crm:read"));
  auto r = call("update_customer", bearer("opaque-read-1"));
  EXPECT_EQ(r.status, 403) << r.head;
  EXPECT_NE(challenge(r).find(R"(scope="crm:read crm:write")"), std::string::npos) << r.head;

  issuer_->set_introspection("opaque-foreign-1", active("crm:read", "https://other.example.com/mcp"));
  r = call("read_customer", bearer("opaque-foreign-1"));
  EXPECT_EQ(r.status, 401) << r.head;
  EXPECT_NE(challenge(r).find(R"(error="invalid_token")"), std::string::npos) << r.head;

  auto no_aud = active("crm:read");
  no_aud.erase("aud");
  issuer_->set_introspection("opaque-no-aud-1", no_aud);
  EXPECT_EQ(call("read_customer", bearer("opaque-no-aud-1")).status, 401) << "no audience: not known to be for us";

  r = call("read_customer", bearer("opaque-unknown-1"));  // the issuer answers {"active": false}
  EXPECT_EQ(r.status, 401) << r.head;
  EXPECT_NE(challenge(r).find("not active"), std::string::npos) << r.head;
}

// Client credentials: no `sub` in the answer, the client is the subject (the ASan e2e run found
// a use-after-free here: the copy read a member the insertion of "sub" had moved).
TEST_F(auth_server, an_opaque_client_credentials_token_without_sub_is_its_client) {
  auto answer = active("crm:read");
  answer.erase("sub");
  issuer_->set_introspection("opaque-cc-1", answer);
  auto r = call("whoami", bearer("opaque-cc-1"));
  EXPECT_NE(r.body.find("opaque-app|opaque-app"), std::string::npos) << r.body;
}

TEST_F(auth_server, a_revoked_opaque_token_stops_working_within_the_cache_time) {
  issuer_->set_introspection("opaque-revoked-1", active("crm:read"));
  EXPECT_EQ(call("read_customer", bearer("opaque-revoked-1")).status, 200);
  issuer_->set_introspection("opaque-revoked-1", json::object{{"active", false}});
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // auth.introspection.cache_seconds: 1
  EXPECT_EQ(call("read_customer", bearer("opaque-revoked-1")).status, 401);
}

TEST_F(auth_server, an_unreachable_introspection_endpoint_is_503_with_retry_after_not_401) {
  issuer_->fail_introspection(true);
  auto r = call("read_customer", bearer("opaque-while-down-1"));
  issuer_->fail_introspection(false);
  EXPECT_EQ(r.status, 503) << r.head;
  EXPECT_NE(r.head.find("Retry-After:"), std::string::npos) << r.head;
  issuer_->set_introspection("opaque-while-down-1", active("crm:read"));
  EXPECT_EQ(call("read_customer", bearer("opaque-while-down-1")).status, 200) << "a failure is not cached";
}

TEST_F(auth_server, a_jwt_is_never_sent_to_introspection) {
  auto before = issuer_->introspections();
  auto forged = token("crm:read", mint::rsa("k1"));
  EXPECT_EQ(call("read_customer", bearer(forged)).status, 401);
  EXPECT_EQ(call("read_customer", bearer("a.b.c")).status, 401);
  EXPECT_EQ(issuer_->introspections(), before);
}

// Rate-limit tiers from the principal: the token's `tier` claim, else limits.clients by
// client_id, else the default tier; each client its own budget.
TEST_F(auth_server, a_tokens_tier_claim_or_its_client_picks_its_rate_limit) {
  mcpx::options o;
  o.port = 0;
  o.log_level = "off";
  o.auth.issuers = {{issuer_->url(), {}}};
  o.auth.resource = resource;
  o.rate_limits.mode = mcpx::limit_mode::enforce;
  o.rate_limits.tiers = {{"development", {60, 1}}, {"production", {1000, 5}}, {"enterprise", {10000, 50}}};
  o.rate_limits.clients = {{"reporting-bot", "production"}};
  mcpx::server srv({"tiers", "1.0.0"}, o);
  srv.tool("ping").description("pong").handle([](const mcpx::args&, mcpx::context&) {
    return mcpx::tool_result::text("pong");
  });
  srv.start();
  for (int i = 0;
       i < 200 && roundtrip(srv.port(), "GET /health/ready HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").status != 200; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  auto minted = [&](json::object extra, std::string client) {
    json::object c{{"iss", issuer_->url()},   {"sub", "u-" + client}, {"aud", resource},
                   {"exp", unix_now() + 600}, {"iat", unix_now()},    {"client_id", client}};
    for (auto& [k, v] : extra) c[k] = v;
    return mint::jwt(c, k1());
  };
  auto policy = [&](const std::string& token) {
    auto r = roundtrip(srv.port(), post(modern_body(7, "tools/call", {{"name", "ping"}, {"arguments", json::object{}}}),
                                        modern_headers("tools/call", "ping") + bearer(token)));
    auto at = r.head.find("RateLimit-Policy: ");
    return at == std::string::npos ? r.head : r.head.substr(at + 18, r.head.find("\r\n", at) - at - 18);
  };
  EXPECT_EQ(policy(minted({{"tier", "enterprise"}}, "app-a")).rfind("\"enterprise\";q=50", 0), 0u);
  EXPECT_EQ(policy(minted({}, "reporting-bot")).rfind("\"production\";q=5", 0), 0u);
  EXPECT_EQ(policy(minted({{"tier", "platinum"}}, "app-b")).rfind("\"development\";q=1", 0), 0u)
      << "an unknown tier claim gets the default, never a guess";
  // Burst 1: app-c's second request is refused, app-d's first is not.
  auto limited = [&](const std::string& token) {
    auto r = roundtrip(srv.port(), post(modern_body(8, "tools/call", {{"name", "ping"}, {"arguments", json::object{}}}),
                                        modern_headers("tools/call", "ping") + bearer(token)));
    return r.body.find("RATE_LIMIT_EXCEEDED") != std::string::npos;
  };
  auto dev_c = minted({}, "app-c"), dev_d = minted({}, "app-d");
  EXPECT_FALSE(limited(dev_c));
  EXPECT_TRUE(limited(dev_c));
  EXPECT_FALSE(limited(dev_d)) << "each client has its own budget";
}

TEST_F(auth_server, refusals_are_counted_by_reason) {
  call("read_customer", "");
  auto m = roundtrip(port(), "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_NE(m.body.find(R"(mcpx_stage_refusals_total{stage="authenticate",reason="missing_token"})"),
            std::string::npos);
  EXPECT_NE(m.body.find(R"(mcpx_stage_refusals_total{stage="scopes",reason="insufficient_scope"})"), std::string::npos);
  EXPECT_NE(m.body.find("mcpx_auth_jwks_refreshes_total"), std::string::npos);
}

}  // namespace

// The listener opens before the issuer clients exist (they need a running I/O thread): a probe
// in that window once read 200 "ready", and a request sent on it got 503 (no keys).
TEST(auth_readiness, never_ready_before_the_issuer_keys_loaded) {
  unsigned short port;
  {
    net::io_context ioc;
    tcp::acceptor a(ioc, {net::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }
  std::atomic<bool> done{false};
  std::atomic<int> answered{0}, ready{0};
  std::thread prober([&] {
    while (!done) {
      net::io_context ioc;
      tcp::socket s(ioc);
      boost::system::error_code ec;
      s.connect({net::ip::make_address("127.0.0.1"), port}, ec);
      if (ec) {
        std::this_thread::yield();
        continue;
      }
      net::write(s, net::buffer(std::string("GET /health/ready HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")), ec);
      auto r = read_response(s);
      ++answered;
      if (r.status == 200) ++ready;
    }
  });
  mcpx::options o;
  o.port = port;
  o.log_level = "error";
  o.auth.issuers = {{"http://127.0.0.1:1", {}}};  // refuses connections: its keys never load
  o.auth.resource = resource;
  mcpx::server srv({"auth-readiness-test", "1.0.0"}, o);
  srv.start();
  for (int i = 0; i < 500 && answered < 5; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  done = true;
  prober.join();
  EXPECT_GE(answered.load(), 5);
  EXPECT_EQ(ready.load(), 0);
}
