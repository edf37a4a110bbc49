// JWT access tokens (src/auth/jwt.hpp): every refusal of issue 10 with tokens minted here.
#include <gtest/gtest.h>

#include <set>

#include "auth/jwt.hpp"
#include "auth_test_values.hpp"
#include "jose_mint.hpp"

namespace {

using namespace mcpx::auth;
namespace json = boost::json;

using mcpx::test::issuer;
using mcpx::test::now;
using mcpx::test::now_s;
using mcpx::test::resource;

struct keys {
  mint::key rs = mint::rsa("rs1", "RS256");
  mint::key ps = mint::rsa("ps1", "PS256");
  mint::key es = mint::ec("es1");
  mint::key ed = mint::ed25519("ed1");
  mint::key forger = mint::rsa("rs1", "RS256");  // same kid as rs, another key
  key_set set = key_set::from_jwks(mint::jwks({rs.jwk(), ps.jwk(), es.jwk(), ed.jwk()}));
};
const keys& k() {
  static keys instance;
  return instance;
}

json::object claims() {
  return {{"iss", issuer},
          {"aud", resource},
          {"sub", "user-1"},
          {"client_id", "app-1"},
          {"exp", now_s + 300},
          {"iat", now_s - 10},
          {"scope", "crm:read crm:write"}};
}

claim_rules rules() { return {issuer, {resource}, std::chrono::seconds(30)}; }

boost::system::result<verified_token, token_error> check(std::string_view token, const token_format& f = {},
                                                         const key_set* set = nullptr) {
  auto parsed = parse(token, f);
  if (!parsed) return parsed.error();
  return verify(*parsed, set ? *set : k().set, rules(), now);
}

token_error error_of(std::string_view token, const token_format& f = {}, const key_set* set = nullptr) {
  auto r = check(token, f, set);
  EXPECT_FALSE(r) << "accepted";
  return r ? token_error::malformed : r.error();
}

json::object with(json::object c, std::string_view name, json::value v) {
  c[name] = std::move(v);
  return c;
}
json::object without(json::object c, std::string_view name) {
  c.erase(name);
  return c;
}

TEST(AuthJwt, ValidTokenForEachAlgorithm) {
  for (auto* signer : {&k().rs, &k().ps, &k().es, &k().ed}) {
    auto r = check(mint::jwt(claims(), *signer));
    ASSERT_TRUE(r) << signer->alg << ": " << name(r.error());
    EXPECT_EQ(r->issuer, issuer);
    EXPECT_EQ(r->subject, "user-1");
    EXPECT_EQ(r->client_id, "app-1");
    EXPECT_EQ(r->scopes, (std::vector<std::string>{"crm:read", "crm:write"}));
    EXPECT_EQ(r->expires, now + std::chrono::seconds(300));
    EXPECT_FALSE(r->jkt);
    auto parsed = parse(mint::jwt(claims(), *signer));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(name(parsed->alg), signer->alg);
    EXPECT_EQ(parsed->kid, signer->kid);
    EXPECT_EQ(parsed->issuer, issuer);
  }
}

TEST(AuthJwt, ForgedSignatureWithTheSameKidIsRefused) {
  EXPECT_EQ(error_of(mint::jwt(claims(), k().forger)), token_error::bad_signature);
}

// Flips one bit of each byte of one decoded part, re-encodes, and expects a refusal every time.
void flip_each_byte(const mint::key& signer, int part) {
  auto token = mint::jwt(claims(), signer);
  std::vector<std::string> parts;
  for (std::size_t start = 0;;) {
    auto dot = token.find('.', start);
    parts.push_back(token.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  auto bytes = *mcpx::util::base64url_decode(parts[part]);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    auto changed = bytes;
    changed[i] ^= char(1 << (i % 8));
    auto p = parts;
    p[part] = mint::b64(changed);
    auto r = check(p[0] + "." + p[1] + "." + p[2]);
    ASSERT_FALSE(r) << signer.alg << " part " << part << " byte " << i;
    if (part == 2) {
      EXPECT_EQ(r.error(), token_error::bad_signature);
    }
  }
}

TEST(AuthJwt, OneBitFlippedAnywhereIsRefused) {
  for (auto* signer : {&k().rs, &k().es, &k().ed})
    for (int part = 0; part < 3; ++part) flip_each_byte(*signer, part);
}

TEST(AuthJwt, FlippedSpareBitsOfTheSignatureEncodingAreRefused) {
  // An Ed25519 signature is 64 bytes: its last base64url character carries 4 unused bits.
  // Changing the lowest of them gives another spelling of the very same signature bytes.
  auto token = mint::jwt(claims(), k().ed);
  ASSERT_TRUE(check(token));
  constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  token.back() = alphabet[alphabet.find(token.back()) ^ 1];
  auto sig = token.substr(token.rfind('.') + 1);
  ASSERT_EQ(mcpx::util::base64url_decode(sig), k().ed.sign(token.substr(0, token.rfind('.'))));
  EXPECT_EQ(error_of(token), token_error::malformed);
}

TEST(AuthJwt, TruncatedTokensAreRefused) {
  auto token = mint::jwt(claims(), k().es);
  for (std::size_t n = 0; n < token.size(); ++n) EXPECT_FALSE(check(token.substr(0, n))) << n;
}

TEST(AuthJwt, TooLargeTokensAreRefusedBeforeDecoding) {
  auto big = mint::jwt(with(claims(), "pad", json::string(64 * 1024, 'x')), k().es);
  EXPECT_EQ(error_of(big), token_error::too_large);
  EXPECT_EQ(error_of(std::string(8193, '!')), token_error::too_large);  // not even base64url
  EXPECT_EQ(error_of(std::string(8192, '!')), token_error::malformed);
  token_format roomy;
  roomy.max_bytes = 128 * 1024;
  EXPECT_TRUE(check(big, roomy));
}

TEST(AuthJwt, ExpiryHonoursTheLeeway) {
  EXPECT_EQ(error_of(mint::jwt(with(claims(), "exp", now_s - 31), k().es)), token_error::expired);
  EXPECT_EQ(error_of(mint::jwt(with(claims(), "exp", now_s - 30), k().es)), token_error::expired);
  EXPECT_TRUE(check(mint::jwt(with(claims(), "exp", now_s - 29), k().es)));
  EXPECT_EQ(error_of(mint::jwt(without(claims(), "exp"), k().es)), token_error::missing_claim);
  EXPECT_EQ(error_of(mint::jwt(with(claims(), "exp", "tomorrow"), k().es)), token_error::bad_claim);
  EXPECT_EQ(error_of(mint::jwt(with(claims(), "exp", 1e300), k().es)), token_error::bad_claim);
  EXPECT_TRUE(check(mint::jwt(with(claims(), "exp", double(now_s) + 100.5), k().es)));
}

TEST(AuthJwt, NotBeforeAndIssuedAtHonourTheLeeway) {
  EXPECT_EQ(error_of(mint::jwt(with(claims(), "nbf", now_s + 31), k().es)), token_error::not_yet_valid);
  auto ok = check(mint::jwt(with(claims(), "nbf", now_s + 29), k().es));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->not_before, now + std::chrono::seconds(29));
  EXPECT_EQ(error_of(mint::jwt(with(claims(), "iat", now_s + 31), k().es)), token_error::issued_in_future);
  EXPECT_TRUE(check(mint::jwt(with(claims(), "iat", now_s + 29), k().es)));
  EXPECT_TRUE(check(mint::jwt(without(claims(), "iat"), k().es)));
  EXPECT_EQ(error_of(mint::jwt(with(claims(), "nbf", -5), k().es)), token_error::bad_claim);
}

TEST(AuthJwt, IssuerMustMatchExactly) {
  EXPECT_EQ(error_of(mint::jwt(with(claims(), "iss", "https://evil.example.com"), k().es)), token_error::wrong_issuer);
  EXPECT_EQ(error_of(mint::jwt(with(claims(), "iss", "https://auth.example.com/"), k().es)), token_error::wrong_issuer);
  EXPECT_EQ(error_of(mint::jwt(with(claims(), "iss", "https://AUTH.example.com"), k().es)), token_error::wrong_issuer);
  EXPECT_EQ(error_of(mint::jwt(without(claims(), "iss"), k().es)), token_error::missing_claim);
  EXPECT_EQ(error_of(mint::jwt(with(claims(), "iss", 7), k().es)), token_error::bad_claim);
}

TEST(AuthJwt, AudienceComparedAsAResourceUri) {
  auto aud = [&](json::value v) { return check(mint::jwt(with(claims(), "aud", std::move(v)), k().es)); };
  EXPECT_TRUE(aud("HTTPS://MCP.Example.com/mcp"));
  EXPECT_TRUE(aud(json::array{"https://other.example.com", "https://mcp.example.com/mcp"}));
  for (auto wrong : {"https://mcp.example.com/mcp/", "https://mcp.example.com:443/mcp", "https://mcp.example.com/MCP",
                     "http://mcp.example.com/mcp", "https://mcp.example.com/mcp?x=1", "https://mcp.example.com",
                     "https://mcp.example.com.evil/mcp", ""}) {
    auto r = aud(wrong);
    ASSERT_FALSE(r) << wrong;
    EXPECT_EQ(r.error(), token_error::wrong_audience) << wrong;
  }
  EXPECT_EQ(aud(json::array{"https://other.example.com"}).error(), token_error::wrong_audience);
  EXPECT_EQ(aud(json::array{}).error(), token_error::wrong_audience);
  EXPECT_EQ(aud(json::array{resource, 3}).error(), token_error::bad_claim);
  EXPECT_EQ(aud(42).error(), token_error::bad_claim);
  EXPECT_EQ(error_of(mint::jwt(without(claims(), "aud"), k().es)), token_error::missing_claim);
  // An extra accepted audience (issuers: audiences:) counts as much as the resource.
  auto extra = rules();
  extra.audiences.push_back("api://crm");
  auto parsed = parse(mint::jwt(with(claims(), "aud", "api://crm"), k().es));
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(verify(*parsed, k().set, extra, now));
  EXPECT_FALSE(verify(*parsed, k().set, rules(), now));
}

TEST(AuthJwt, AlgNoneIsRefused) {
  json::object h{{"alg", "none"}, {"typ", "at+jwt"}};
  auto unsigned_token = mint::b64(json::serialize(h)) + "." + mint::b64(json::serialize(claims())) + ".";
  EXPECT_EQ(error_of(unsigned_token), token_error::malformed);  // an empty signature is no JWS of ours
  EXPECT_EQ(error_of(unsigned_token + "c2ln"), token_error::unsupported_alg);
  h["kid"] = "rs1";
  EXPECT_EQ(error_of(mint::b64(json::serialize(h)) + "." + mint::b64(json::serialize(claims())) + ".c2ln"),
            token_error::unsupported_alg);
  for (auto alg : {"None", "NONE", "RS384", "ES512", "rs256", ""}) {
    json::object other{{"alg", alg}, {"typ", "at+jwt"}, {"kid", "rs1"}};
    EXPECT_EQ(error_of(mint::compact(other, claims(), k().rs)), token_error::unsupported_alg) << alg;
  }
}

TEST(AuthJwt, Hs256SignedWithTheRsaPublicKeyIsRefused) {
  json::object h{{"alg", "HS256"}, {"typ", "at+jwt"}, {"kid", "rs1"}};
  auto pem = k().rs.public_pem();
  auto jwk = json::serialize(k().rs.jwk());
  auto n = *mcpx::util::base64url_decode(k().rs.jwk()["n"].as_string());
  for (auto& secret : {pem, jwk, n})
    EXPECT_EQ(error_of(mint::hs256(h, claims(), secret)), token_error::unsupported_alg);
}

TEST(AuthJwt, UnknownCritIsRefused) {
  json::object h{{"alg", "ES256"}, {"typ", "at+jwt"}, {"kid", "es1"}, {"crit", json::array{"exp"}}, {"exp", 1}};
  EXPECT_EQ(error_of(mint::compact(h, claims(), k().es)), token_error::unknown_crit);
  h["crit"] = json::array{};
  EXPECT_EQ(error_of(mint::compact(h, claims(), k().es)), token_error::unknown_crit);
}

TEST(AuthJwt, KeyMustFitTheAlgorithm) {
  // The JWK says PS256; a token naming it with RS256 is refused although the RSA signature is good.
  auto ps_only = mint::rsa("only-ps", "RS256");
  auto jwk = ps_only.jwk();
  jwk["alg"] = "PS256";
  auto set = key_set::from_jwks(mint::jwks({jwk}));
  ASSERT_EQ(set.size(), 1u);
  EXPECT_EQ(error_of(mint::jwt(claims(), ps_only), {}, &set), token_error::key_mismatch);
  ps_only.alg = "PS256";
  EXPECT_TRUE(check(mint::jwt(claims(), ps_only), {}, &set));
  // An ES256 token naming an RSA key's kid never reaches verification with it.
  json::object h{{"alg", "ES256"}, {"typ", "at+jwt"}, {"kid", "rs1"}};
  EXPECT_EQ(error_of(mint::compact(h, claims(), k().es)), token_error::key_mismatch);
  h = {{"alg", "RS256"}, {"typ", "at+jwt"}, {"kid", "ed1"}};
  EXPECT_EQ(error_of(mint::compact(h, claims(), k().rs)), token_error::key_mismatch);
}

TEST(AuthJwt, UnknownKidAndTokensWithoutKid) {
  auto stranger = mint::ec("nobody");
  EXPECT_EQ(error_of(mint::jwt(claims(), stranger)), token_error::unknown_key);
  auto no_kid = k().es;
  no_kid.kid.clear();
  EXPECT_TRUE(check(mint::jwt(claims(), no_kid)));  // the set's ES256 candidates are tried
  stranger.kid.clear();
  EXPECT_EQ(error_of(mint::jwt(claims(), stranger)), token_error::bad_signature);
  auto only_rsa = key_set::from_jwks(mint::jwks({k().rs.jwk()}));
  EXPECT_EQ(error_of(mint::jwt(claims(), no_kid), {}, &only_rsa), token_error::unknown_key);
  EXPECT_EQ(error_of(mint::jwt(claims(), k().es), {}, &only_rsa), token_error::unknown_key);
}

TEST(AuthJwt, RsaKeysUnder2048BitsAreNotUsed) {
  auto weak = mint::rsa("weak", "RS256", 1024);
  auto set = key_set::from_jwks(mint::jwks({weak.jwk()}));
  EXPECT_TRUE(set.empty());
  ASSERT_EQ(set.skipped().size(), 1u);
  EXPECT_EQ(set.skipped()[0].reason, "RSA key under 2048 bits");
  EXPECT_EQ(set.skipped()[0].kid, "weak");
  EXPECT_EQ(error_of(mint::jwt(claims(), weak), {}, &set), token_error::unknown_key);
}

TEST(AuthJwt, TypRules) {
  token_format lenient;
  lenient.accept_jwt_typ = true;
  for (auto typ : {"at+jwt", "application/at+jwt", "AT+JWT", "Application/At+Jwt"}) {
    EXPECT_TRUE(check(mint::jwt(claims(), k().es, typ))) << typ;
    EXPECT_TRUE(check(mint::jwt(claims(), k().es, typ), lenient)) << typ;
  }
  for (auto typ : {"JWT", "jwt", "application/jwt", ""}) {
    EXPECT_EQ(error_of(mint::jwt(claims(), k().es, typ)), token_error::wrong_type) << typ;
    EXPECT_TRUE(check(mint::jwt(claims(), k().es, typ), lenient)) << typ;
  }
  for (auto typ : {"dpop+jwt", "at+jwt ", "secevent+jwt", "JOSE"})
    EXPECT_EQ(error_of(mint::jwt(claims(), k().es, typ), lenient), token_error::wrong_type) << typ;
  json::object h{{"alg", "ES256"}, {"typ", 1}, {"kid", "es1"}};
  EXPECT_EQ(error_of(mint::compact(h, claims(), k().es), lenient), token_error::wrong_type);
}

TEST(AuthJwt, ScopesFromScopeOrScp) {
  auto scopes = [&](json::object c) {
    auto r = check(mint::jwt(c, k().es));
    EXPECT_TRUE(r);
    return r ? r->scopes : std::vector<std::string>{"<refused>"};
  };
  using v = std::vector<std::string>;
  EXPECT_EQ(scopes(with(claims(), "scope", "b a  b ")), (v{"a", "b"}));
  EXPECT_EQ(scopes(with(without(claims(), "scope"), "scp", json::array{"y", "x", "y"})), (v{"x", "y"}));
  EXPECT_EQ(scopes(with(without(claims(), "scope"), "scp", "p q")), (v{"p", "q"}));
  EXPECT_EQ(scopes(without(claims(), "scope")), v{});
  EXPECT_EQ(scopes(with(with(claims(), "scope", "s"), "scp", json::array{"t"})), v{"s"});  // scope wins
  EXPECT_EQ(error_of(mint::jwt(with(claims(), "scope", 5), k().es)), token_error::bad_claim);
  EXPECT_EQ(error_of(mint::jwt(with(without(claims(), "scope"), "scp", json::array{1}), k().es)),
            token_error::bad_claim);
}

TEST(AuthJwt, IdentityClaims) {
  auto c = without(claims(), "client_id");
  c["azp"] = "app-2";
  c["cnf"] = json::object{{"jkt", "thumb"}};
  c["tier"] = "gold";
  auto r = check(mint::jwt(c, k().ed));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->client_id, "app-2");
  EXPECT_EQ(r->jkt, "thumb");
  EXPECT_EQ(r->tier, "gold");
  auto plain = check(mint::jwt(with(claims(), "tier", 3), k().ed));
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->tier);
  EXPECT_EQ(error_of(mint::jwt(without(claims(), "sub"), k().ed)), token_error::missing_claim);
  EXPECT_EQ(error_of(mint::jwt(with(claims(), "sub", ""), k().ed)), token_error::bad_claim);
  EXPECT_EQ(error_of(mint::jwt(with(claims(), "cnf", "x"), k().ed)), token_error::bad_claim);
  EXPECT_EQ(error_of(mint::jwt(with(claims(), "cnf", json::object{{"jkt", 1}}), k().ed)), token_error::bad_claim);
  EXPECT_EQ(error_of(mint::jwt(with(claims(), "client_id", 1), k().ed)), token_error::bad_claim);
}

TEST(AuthJwt, MalformedInputIsRefusedWithoutCrashing) {
  auto good = mint::jwt(claims(), k().es);
  auto h = good.substr(0, good.find('.'));
  std::vector<std::string> bad = {"",
                                  ".",
                                  "..",
                                  "...",
                                  "a.b",
                                  "a.b.c.d",
                                  good + ".",
                                  "." + good,
                                  good + "=",
                                  " " + good,
                                  good + "\n",
                                  h + "." + h,
                                  "e30.e30.AA",
                                  "W10.e30.AA",
                                  "bnVsbA.e30.AA",
                                  mint::b64("{\"alg\":\"ES256\"") + ".e30.AA"};
  bad.push_back(good.substr(0, 10) + "+" + good.substr(11));
  bad.push_back(good.substr(0, 10) + "=" + good.substr(11));
  for (auto& t : bad) EXPECT_EQ(error_of(t), token_error::malformed) << t;
  // Deep nesting stops at the parser's depth limit.
  std::string deep = "{\"alg\":\"ES256\",\"x\":" + std::string(500, '[') + std::string(500, ']') + "}";
  EXPECT_EQ(error_of(mint::b64(deep) + ".e30.AA"), token_error::malformed);
  json::object wrong_kid{{"alg", "ES256"}, {"typ", "at+jwt"}, {"kid", 5}};
  EXPECT_EQ(error_of(mint::compact(wrong_kid, claims(), k().es)), token_error::malformed);
}

TEST(AuthJwt, ErrorNamesAreStableAndDistinct) {
  std::set<std::string_view> names;
  for (int i = 0; i <= int(token_error::issued_in_future); ++i) {
    auto e = token_error(i);
    auto n = name(e);
    EXPECT_NE(n, "unknown");
    EXPECT_EQ(n.find_first_not_of("abcdefghijklmnopqrstuvwxyz_"), std::string_view::npos) << n;
    EXPECT_TRUE(names.insert(n).second) << n;
    EXPECT_FALSE(describe(e).empty());
  }
  EXPECT_EQ(name(token_error::bad_signature), "bad_signature");
  EXPECT_EQ(name(token_error::wrong_audience), "wrong_audience");
}

}  // namespace
