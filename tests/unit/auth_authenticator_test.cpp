// From headers to a principal (src/auth/authenticator.hpp): schemes, the cache, issuers and
// their keys, scope implication, DPoP binding. Tokens and proofs are minted here.
#include <gtest/gtest.h>

#include "auth/authenticator.hpp"
#include "auth/digest.hpp"
#include "auth_test_values.hpp"
#include "jose_mint.hpp"

namespace {

using namespace mcpx::auth;
namespace json = boost::json;

using mcpx::test::issuer;
using mcpx::test::resource;

const mint::key& signer() {
  static mint::key k = mint::rsa("k1");
  return k;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(wall_clock::now().time_since_epoch()).count();
}

// The claims of a token issued now by the wall clock (the authenticator checks against it).
json::object fresh_claims(std::string scope = "crm:read") {
  return {{"iss", issuer},         {"sub", "alice"}, {"aud", resource},   {"exp", unix_now() + 600},
          {"iat", unix_now() - 5}, {"scope", scope}, {"client_id", "app"}};
}

struct Authenticator : ::testing::Test {
  authenticator_config cfg() {
    authenticator_config c;
    c.issuers = {{issuer, {}}};
    c.resource = resource;
    c.scope_implies = {{"crm:admin", {"crm:write"}}, {"crm:write", {"crm:read"}}};
    return c;
  }
  std::unique_ptr<authenticator> a = make(cfg());
  static std::unique_ptr<authenticator> make(authenticator_config c) {
    auto a = std::make_unique<authenticator>(std::move(c));
    std::string why;
    EXPECT_TRUE(a->set_keys(0, mint::jwks({signer().jwk()}), &why)) << why;
    return a;
  }
  auth_decision check(const std::string& authorization, const std::string& dpop = "", bool refetched = false) {
    credentials c;
    c.authorization = authorization;
    c.authorization_fields = authorization.empty() ? 0 : 1;
    c.dpop = dpop;
    c.dpop_fields = dpop.empty() ? 0 : 1;
    c.method = "POST";
    return a->check(c, wall_clock::now(), refetched);
  }
};

TEST_F(Authenticator, a_valid_bearer_token_makes_a_principal_with_implied_scopes) {
  auto d = check("Bearer " + mint::jwt(fresh_claims("crm:admin"), signer()));
  ASSERT_EQ(d.status, auth_status::accepted) << d.reason;
  EXPECT_EQ(d.who->subject, "alice");
  EXPECT_EQ(d.who->client_id, "app");
  EXPECT_EQ(d.who->issuer, issuer);
  EXPECT_EQ(d.who->granted, std::vector<std::string>{"crm:admin"});
  EXPECT_EQ(d.who->scopes, (std::vector<std::string>{"crm:admin", "crm:read", "crm:write"}));
}

TEST_F(Authenticator, a_token_seen_before_is_not_verified_again) {
  auto token = mint::jwt(fresh_claims(), signer());
  ASSERT_EQ(check("Bearer " + token).status, auth_status::accepted);
  ASSERT_EQ(check("bearer " + token).status, auth_status::accepted);  // scheme names ignore case
  EXPECT_EQ(a->verifications(), 1u);
  EXPECT_EQ(a->cache_hits(), 1u);
}

TEST_F(Authenticator, header_faults_are_refused_with_their_reason) {
  EXPECT_EQ(check("").reason, "missing_token");
  EXPECT_EQ(check("").error, "");
  EXPECT_EQ(check("Basic YWxpY2U6cHc=").reason, "unsupported_scheme");
  EXPECT_EQ(check("Bearer").reason, "malformed_authorization");
  EXPECT_EQ(check("Bearer a b").reason, "malformed_authorization");
  EXPECT_EQ(check("Bearer " + std::string(9000, 'a')).reason, "too_large");
  credentials q;
  q.token_in_query = true;
  EXPECT_EQ(a->check(q, wall_clock::now()).reason, "token_in_query");
  credentials two;
  two.authorization = "Bearer x";
  two.authorization_fields = 2;
  EXPECT_EQ(a->check(two, wall_clock::now()).reason, "duplicate_credentials");
}

TEST_F(Authenticator, forged_and_foreign_tokens_are_refused) {
  auto forger = mint::rsa("k1");  // same kid, another key
  EXPECT_EQ(check("Bearer " + mint::jwt(fresh_claims(), forger)).reason, "bad_signature");
  auto c = fresh_claims();
  c["iss"] = "https://evil.example";
  EXPECT_EQ(check("Bearer " + mint::jwt(c, signer())).reason, "unknown_issuer");
  c = fresh_claims();
  c["aud"] = "https://other.example.com/mcp";
  EXPECT_EQ(check("Bearer " + mint::jwt(c, signer())).reason, "wrong_audience");
  c = fresh_claims();
  c["exp"] = unix_now() - 3600;
  EXPECT_EQ(check("Bearer " + mint::jwt(c, signer())).reason, "expired");
  auto hs = mint::hs256({{"alg", "HS256"}, {"typ", "at+jwt"}, {"kid", "k1"}}, fresh_claims(), signer().public_pem());
  EXPECT_EQ(check("Bearer " + hs).reason, "unsupported_alg");
  EXPECT_EQ(check("Bearer " + hs).error, "invalid_token");
}

// An unknown kid asks for the issuer's keys once; after the refetch it is refused.
TEST_F(Authenticator, an_unknown_key_asks_for_a_refetch_then_uses_the_new_keys) {
  auto rotated = mint::rsa("k2");
  auto token = mint::jwt(fresh_claims(), rotated);
  auto d = check("Bearer " + token);
  EXPECT_EQ(d.status, auth_status::need_keys);
  EXPECT_EQ(d.issuer, 0u);
  EXPECT_EQ(check("Bearer " + token, "", true).reason, "unknown_key");
  ASSERT_TRUE(a->set_keys(0, mint::jwks({signer().jwk(), rotated.jwk()})));
  EXPECT_EQ(check("Bearer " + token).status, auth_status::accepted);
}

TEST_F(Authenticator, an_issuer_without_keys_cannot_judge) {
  a = std::make_unique<authenticator>(cfg());
  auto token = mint::jwt(fresh_claims(), signer());
  EXPECT_EQ(check("Bearer " + token).status, auth_status::need_keys);
  EXPECT_EQ(check("Bearer " + token, "", true).status, auth_status::no_keys);
  EXPECT_FALSE(a->set_keys(0, json::object{{"keys", json::array{}}}));
}

TEST_F(Authenticator, anonymous_only_when_not_required) {
  auto c = cfg();
  c.required = false;
  a = make(c);
  EXPECT_EQ(check("").status, auth_status::anonymous);
  EXPECT_EQ(check("Bearer garbage.garbage.garbage").status, auth_status::refused);  // a sent token is checked
}

struct DpopAuthenticator : Authenticator {
  mint::key client_key = mint::ec("");
  std::string jkt = *jwk_thumbprint(client_key.jwk());
  std::string bound_token() {
    auto c = fresh_claims();
    c["cnf"] = json::object{{"jkt", jkt}};
    return mint::jwt(c, signer());
  }
  int jti = 0;
  std::string proof(const std::string& token, std::string htu = resource, std::string htm = "POST") {
    json::object h{{"typ", "dpop+jwt"}, {"alg", client_key.alg}, {"jwk", client_key.jwk()}};
    json::object p{{"htm", htm},
                   {"htu", htu},
                   {"iat", unix_now()},
                   {"jti", "j" + std::to_string(++jti)},
                   {"ath", sha256_base64url(token)}};
    return mint::compact(h, p, client_key);
  }
};

TEST_F(DpopAuthenticator, a_bound_token_needs_its_proof_and_the_dpop_scheme) {
  auto token = bound_token();
  EXPECT_EQ(check("DPoP " + token, proof(token)).status, auth_status::accepted);
  EXPECT_EQ(check("DPoP " + token).reason, "dpop_proof_missing");
  EXPECT_EQ(check("Bearer " + token, proof(token)).reason, "dpop_bound_as_bearer");
  EXPECT_EQ(check("DPoP " + token, proof(token, "https://mcp.example.com/other")).reason, "wrong_htu");
  auto p = proof(token);
  EXPECT_EQ(check("DPoP " + token, p).status, auth_status::accepted);
  EXPECT_EQ(check("DPoP " + token, p).reason, "replayed_proof");
  auto other = mint::jwt(fresh_claims("crm:write"), signer());
  EXPECT_EQ(check("DPoP " + token, proof(other)).reason, "wrong_ath");
  EXPECT_EQ(check("DPoP " + other, proof(other)).reason, "dpop_not_bound");
}

TEST_F(DpopAuthenticator, modes_off_and_required) {
  auto c = cfg();
  c.dpop = mcpx::dpop_mode::required;
  a = make(c);
  EXPECT_EQ(check("Bearer " + mint::jwt(fresh_claims(), signer())).reason, "dpop_required");
  auto token = bound_token();
  EXPECT_EQ(check("DPoP " + token, proof(token)).status, auth_status::accepted);
  c.dpop = mcpx::dpop_mode::off;
  a = make(c);
  EXPECT_EQ(check("DPoP " + token, proof(token)).reason, "dpop_off");
  EXPECT_EQ(check("Bearer " + token).reason, "dpop_off");
}

}  // namespace
