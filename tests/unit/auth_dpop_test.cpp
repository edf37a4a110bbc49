// DPoP proofs (src/auth/dpop.hpp) and the jti replay cache, with proofs minted here.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "auth/digest.hpp"
#include "auth/dpop.hpp"
#include "auth_test_values.hpp"
#include "jose_mint.hpp"

namespace {

using namespace mcpx::auth;
namespace json = boost::json;

using mcpx::test::now;
using mcpx::test::now_s;
constexpr const char* url = "https://mcp.example.com/mcp";
const std::string token = "eyJ.access.token";

struct client {
  mint::key key;
  std::string jkt;
  explicit client(mint::key k) : key(std::move(k)), jkt(*jwk_thumbprint(key.jwk())) {}
};
const client& es_client() {
  static client c(mint::ec(""));
  return c;
}

int next_jti = 0;

json::object proof_claims() {
  return {{"htm", "POST"},
          {"htu", url},
          {"iat", now_s},
          {"jti", std::string("jti-").append(std::to_string(++next_jti))},
          {"ath", sha256_base64url(token)}};
}

std::string proof(const json::object& claims, const mint::key& signer, json::object jwk = {},
                  std::string typ = "dpop+jwt") {
  json::object h{{"typ", typ}, {"alg", signer.alg}, {"jwk", jwk.empty() ? signer.jwk() : jwk}};
  return mint::compact(h, claims, signer);
}

dpop_request request(std::string_view jkt = es_client().jkt) { return {"POST", url, token, jkt}; }

struct AuthDpop : ::testing::Test {
  replay_cache seen{1000, 4};
  dpop_rules rules;

  boost::system::result<dpop_proof, dpop_error> check(const std::string& p, const dpop_request& r = request()) {
    return verify_proof(p, r, rules, seen, now);
  }
  dpop_error error_of(const std::string& p, const dpop_request& r = request()) {
    auto res = check(p, r);
    EXPECT_FALSE(res) << "accepted";
    return res ? dpop_error::malformed_proof : res.error();
  }
};

TEST_F(AuthDpop, ValidProofForEachAlgorithm) {
  for (auto k : {mint::ec(""), mint::rsa("", "RS256"), mint::rsa("", "PS256"), mint::ed25519("")}) {
    client c(k);
    auto r = check(proof(proof_claims(), c.key), request(c.jkt));
    ASSERT_TRUE(r) << k.alg << ": " << name(r.error());
    EXPECT_EQ(r->jkt, c.jkt);
    EXPECT_EQ(name(r->alg), k.alg);
    EXPECT_EQ(r->issued_at, now);
  }
}

TEST_F(AuthDpop, HtuIgnoresQueryAndCaseOfSchemeAndHost) {
  auto c = proof_claims();
  c["htu"] = "HTTPS://MCP.Example.com/mcp?session=1#x";
  EXPECT_TRUE(check(proof(c, es_client().key)));
  EXPECT_TRUE(check(proof(proof_claims(), es_client().key),
                    {"POST", "https://mcp.example.com/mcp?a=b", token, es_client().jkt}));
}

TEST_F(AuthDpop, ProofForAnotherUrlOrMethodIsRefused) {
  for (auto other : {"https://mcp.example.com/mcp/", "https://mcp.example.com/other", "http://mcp.example.com/mcp",
                     "https://mcp.example.com:443/mcp", "https://evil.example.com/mcp"}) {
    auto c = proof_claims();
    c["htu"] = other;
    EXPECT_EQ(error_of(proof(c, es_client().key)), dpop_error::wrong_htu) << other;
  }
  for (auto method : {"GET", "post", "DELETE"}) {
    auto c = proof_claims();
    c["htm"] = method;
    EXPECT_EQ(error_of(proof(c, es_client().key)), dpop_error::wrong_htm) << method;
  }
}

TEST_F(AuthDpop, ReplayedJtiIsRefused) {
  auto p = proof(proof_claims(), es_client().key);
  EXPECT_TRUE(check(p));
  EXPECT_EQ(error_of(p), dpop_error::replayed_proof);
  // The same jti in a fresh proof (another iat) is still a replay.
  auto c = proof_claims();
  c["jti"] = "reused";
  EXPECT_TRUE(check(proof(c, es_client().key)));
  c["iat"] = now_s - 5;
  EXPECT_EQ(error_of(proof(c, es_client().key)), dpop_error::replayed_proof);
  // Another key may use the same jti: ids are unique per key.
  client other(mint::ec(""));
  EXPECT_TRUE(check(proof(c, other.key), request(other.jkt)));
}

TEST_F(AuthDpop, RefusedProofsDoNotUseUpTheirJti) {
  auto c = proof_claims();
  c["htm"] = "GET";
  EXPECT_EQ(error_of(proof(c, es_client().key)), dpop_error::wrong_htm);
  client forger(mint::ec(""));
  c["htm"] = "POST";
  EXPECT_EQ(error_of(proof(c, forger.key, es_client().key.jwk())), dpop_error::bad_proof_signature);
  EXPECT_TRUE(check(proof(c, es_client().key)));
}

TEST_F(AuthDpop, WrongAthIsRefused) {
  auto c = proof_claims();
  c["ath"] = sha256_base64url("another token");
  EXPECT_EQ(error_of(proof(c, es_client().key)), dpop_error::wrong_ath);
  c["ath"] = sha256_base64url(token).substr(1);
  EXPECT_EQ(error_of(proof(c, es_client().key)), dpop_error::wrong_ath);
  c.erase("ath");
  EXPECT_EQ(error_of(proof(c, es_client().key)), dpop_error::incomplete_proof);
}

TEST_F(AuthDpop, IatMustBeWithinTheWindow) {
  for (auto offset : {-61, 61, -3600, 100000}) {
    auto c = proof_claims();
    c["iat"] = now_s + offset;
    EXPECT_EQ(error_of(proof(c, es_client().key)), dpop_error::stale_proof) << offset;
  }
  for (auto offset : {-60, -59, 59, 60}) {
    auto c = proof_claims();
    c["iat"] = now_s + offset;
    EXPECT_TRUE(check(proof(c, es_client().key))) << offset;
  }
  rules.window = std::chrono::seconds(5);
  auto c = proof_claims();
  c["iat"] = now_s - 6;
  EXPECT_EQ(error_of(proof(c, es_client().key)), dpop_error::stale_proof);
  c["iat"] = "now";
  EXPECT_EQ(error_of(proof(c, es_client().key)), dpop_error::malformed_proof);
}

TEST_F(AuthDpop, KeyMustBeTheOneTheTokenIsBoundTo) {
  client other(mint::ec(""));
  EXPECT_EQ(error_of(proof(proof_claims(), other.key)), dpop_error::wrong_key);
  EXPECT_EQ(error_of(proof(proof_claims(), es_client().key), request("")), dpop_error::wrong_key);
  EXPECT_EQ(error_of(proof(proof_claims(), es_client().key), request(other.jkt)), dpop_error::wrong_key);
}

TEST_F(AuthDpop, ProofKeyMustBeAPublicKeyFittingTheAlg) {
  EXPECT_EQ(error_of(proof(proof_claims(), es_client().key, es_client().key.private_jwk())), dpop_error::bad_proof_key);
  auto ed = mint::ed25519("");
  EXPECT_EQ(error_of(proof(proof_claims(), ed, ed.private_jwk())), dpop_error::bad_proof_key);
  auto rs = mint::rsa("");
  EXPECT_EQ(error_of(proof(proof_claims(), rs, rs.private_jwk())), dpop_error::bad_proof_key);
  // An EC key in the header of an RS256 proof.
  EXPECT_EQ(error_of(proof(proof_claims(), rs, es_client().key.jwk())), dpop_error::bad_proof_key);
  auto with_alg = es_client().key.jwk();
  with_alg["alg"] = "EdDSA";
  EXPECT_EQ(error_of(proof(proof_claims(), es_client().key, with_alg)), dpop_error::bad_proof_key);
  json::object h{{"typ", "dpop+jwt"}, {"alg", "ES256"}};
  EXPECT_EQ(error_of(mint::compact(h, proof_claims(), es_client().key)), dpop_error::bad_proof_key);
  h["jwk"] = "key";
  EXPECT_EQ(error_of(mint::compact(h, proof_claims(), es_client().key)), dpop_error::bad_proof_key);
}

TEST_F(AuthDpop, HeaderRules) {
  EXPECT_EQ(error_of(proof(proof_claims(), es_client().key, {}, "JWT")), dpop_error::wrong_proof_type);
  EXPECT_EQ(error_of(proof(proof_claims(), es_client().key, {}, "at+jwt")), dpop_error::wrong_proof_type);
  EXPECT_TRUE(check(proof(proof_claims(), es_client().key, {}, "DPoP+JWT")));
  json::object h{{"typ", "dpop+jwt"}, {"alg", "none"}, {"jwk", es_client().key.jwk()}};
  EXPECT_EQ(error_of(mint::compact(h, proof_claims(), es_client().key)), dpop_error::unsupported_proof_alg);
  h["alg"] = "HS256";
  EXPECT_EQ(error_of(mint::hs256(h, proof_claims(), "secret")), dpop_error::unsupported_proof_alg);
  h["alg"] = "ES256";
  h["crit"] = json::array{"x"};
  EXPECT_EQ(error_of(mint::compact(h, proof_claims(), es_client().key)), dpop_error::malformed_proof);
}

TEST_F(AuthDpop, ClaimsAndSizeRules) {
  for (auto n : {"htm", "htu", "iat", "jti"}) {
    auto c = proof_claims();
    c.erase(n);
    EXPECT_EQ(error_of(proof(c, es_client().key)), dpop_error::incomplete_proof) << n;
  }
  auto c = proof_claims();
  c["jti"] = std::string(129, 'j');
  EXPECT_EQ(error_of(proof(c, es_client().key)), dpop_error::malformed_proof);
  c["jti"] = std::string(128, 'j');
  EXPECT_TRUE(check(proof(c, es_client().key)));
  c["jti"] = "";
  EXPECT_EQ(error_of(proof(c, es_client().key)), dpop_error::malformed_proof);
  c = proof_claims();
  c["pad"] = std::string(10000, 'x');
  EXPECT_EQ(error_of(proof(c, es_client().key)), dpop_error::malformed_proof);
  rules.max_proof_bytes = 64 * 1024;
  EXPECT_TRUE(check(proof(c, es_client().key)));
  EXPECT_EQ(error_of("not.a.proof"), dpop_error::malformed_proof);
  EXPECT_EQ(error_of(""), dpop_error::malformed_proof);
}

TEST_F(AuthDpop, BitFlippedProofsAreRefused) {
  auto p = proof(proof_claims(), es_client().key);
  auto sig_at = p.rfind('.') + 1;
  for (std::size_t i = sig_at; i < p.size(); ++i) {
    auto changed = p;
    changed[i] = changed[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(check(changed)) << i;
  }
}

TEST(AuthDpopNames, AreStableAndDistinct) {
  std::set<std::string_view> names;
  for (int i = 0; i <= int(dpop_error::replayed_proof); ++i) {
    auto n = name(dpop_error(i));
    EXPECT_NE(n, "unknown");
    EXPECT_TRUE(names.insert(n).second) << n;
    EXPECT_FALSE(describe(dpop_error(i)).empty());
  }
  EXPECT_EQ(name(dpop_error::replayed_proof), "replayed_proof");
  EXPECT_EQ(name(dpop_error::wrong_ath), "wrong_ath");
}

TEST(AuthReplayCache, EntriesExpireAndTheOldestIsEvictedWhenFull) {
  replay_cache seen(4, 1);
  auto until = now + std::chrono::seconds(60);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(seen.first_use(std::string("id").append(std::to_string(i)), now, until));
  EXPECT_FALSE(seen.first_use("id0", now, until));
  EXPECT_EQ(seen.size(), 4u);
  EXPECT_TRUE(seen.first_use("id4", now, until));  // evicts id0, the oldest
  EXPECT_EQ(seen.evictions(), 1u);
  EXPECT_EQ(seen.size(), 4u);
  EXPECT_FALSE(seen.first_use("id1", now, until));
  EXPECT_TRUE(seen.first_use("id0", now, until));  // forgotten: the price of a bound
  // After its window an id may be used again.
  EXPECT_FALSE(seen.first_use("id4", until - std::chrono::seconds(1), until));
  EXPECT_TRUE(seen.first_use("id4", until, until + std::chrono::seconds(60)));
  EXPECT_FALSE(seen.first_use("id4", until, until + std::chrono::seconds(60)));
}

TEST(AuthReplayCache, EachIdIsAcceptedOnceAcrossThreads) {
  replay_cache seen(100'000, 16);
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i)
        if (seen.first_use(std::string("jti-").append(std::to_string(i)), now, now + std::chrono::seconds(60)))
          ++accepted;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(accepted.load(), 2000);
  EXPECT_EQ(seen.size(), 2000u);
  EXPECT_EQ(seen.evictions(), 0u);
}

}  // namespace
