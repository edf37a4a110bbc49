// JWKs, key sets, thumbprints, raw signature verification and resource URI comparison.
#include <gtest/gtest.h>

#include "auth/digest.hpp"
#include "auth/jwk.hpp"
#include "auth/jws.hpp"
#include "auth/resource_uri.hpp"
#include "jose_mint.hpp"

namespace {

using namespace mcpx::auth;
namespace json = boost::json;

const json::object& rfc7638_key() {
  // RFC 7638 section 3.1.
  static const json::object key = json::parse(R"({"kty":"RSA",
    "n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
    "e":"AQAB","alg":"RS256","kid":"2011-04-29"})")
                                      .as_object();
  return key;
}

TEST(AuthJwk, ThumbprintOfTheRfc7638Example) {
  EXPECT_EQ(jwk_thumbprint(rfc7638_key()), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  auto key = key_from_jwk(rfc7638_key());
  ASSERT_TRUE(key);
  EXPECT_EQ(key->thumbprint(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  EXPECT_EQ(key->kid(), "2011-04-29");
  EXPECT_EQ(key->alg(), "RS256");
  auto changed = rfc7638_key();
  changed["e"] = "AQAC";
  EXPECT_NE(jwk_thumbprint(changed), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  changed.erase("e");
  EXPECT_FALSE(jwk_thumbprint(changed));
}

TEST(AuthJwk, ThumbprintsOfEcAndOkpKeysUseTheirRequiredMembersInOrder) {
  auto ec = mint::ec("k").jwk(true);
  std::string ec_canonical = R"({"crv":"P-256","kty":"EC","x":")" + std::string(ec["x"].as_string()) + R"(","y":")" +
                             std::string(ec["y"].as_string()) + R"("})";
  EXPECT_EQ(jwk_thumbprint(ec), sha256_base64url(ec_canonical));
  auto ed = mint::ed25519("k").jwk(true);
  std::string ed_canonical = R"({"crv":"Ed25519","kty":"OKP","x":")" + std::string(ed["x"].as_string()) + R"("})";
  EXPECT_EQ(jwk_thumbprint(ed), sha256_base64url(ed_canonical));
  EXPECT_FALSE(jwk_thumbprint(json::object{{"kty", "oct"}, {"k", "AAAA"}}));
  EXPECT_FALSE(jwk_thumbprint(json::object{{"kty", "EC"}, {"crv", "P-256"}, {"x", "AA"}, {"y", 1}}));
}

TEST(AuthJwk, KeySetSkipsWhatItCannotUse) {
  auto rsa = mint::rsa("rsa-ok");
  auto ec = mint::ec("ec");
  auto ed = mint::ed25519("ed-ok");
  auto with = [](json::object o, std::string_view k, json::value v) {
    o[k] = std::move(v);
    return o;
  };
  auto off_curve = ec.jwk();
  auto y = *mcpx::util::base64url_decode(off_curve["y"].as_string());
  y[31] ^= 1;
  off_curve["y"] = mint::b64(y);
  auto short_x = ec.jwk();
  short_x["x"] = mint::b64(mcpx::util::base64url_decode(short_x["x"].as_string())->substr(1));
  json::array keys = {
      rsa.jwk(),                                                              // 0 usable
      with(rsa.jwk(), "use", "enc"),                                          // 1
      json::object{{"kty", "oct"}, {"k", "c2VjcmV0"}, {"kid", "hmac"}},       // 2
      ec.private_jwk(),                                                       // 3
      with(rsa.jwk(), "n", "!!not base64!!"),                                 // 4
      off_curve,                                                              // 5
      with(ec.jwk(), "crv", "P-384"),                                         // 6
      json::object{{"kty", "OKP"}, {"crv", "X25519"}, {"x", ed.jwk()["x"]}},  // 7
      ed.jwk(),                                                               // 8 usable
      "not an object",                                                        // 9
      with(rsa.jwk(), "alg", "RS512"),                                        // 10
      with(rsa.jwk(), "alg", "ES256"),                                        // 11
      with(ed.jwk(), "kid", "rsa-ok"),                                        // 12 duplicate kid
      with(ec.jwk(), "key_ops", json::array{"sign"}),                         // 13
      short_x,                                                                // 14
      json::object{{"n", "AQAB"}},                                            // 15
      with(rsa.jwk(), "kid", 17),                                             // 16
  };
  auto set = key_set::from_jwks(json::object{{"keys", keys}});
  ASSERT_EQ(set.size(), 2u);
  EXPECT_TRUE(set.find("rsa-ok"));
  EXPECT_TRUE(set.find("ed-ok"));
  EXPECT_FALSE(set.find("ec"));
  EXPECT_FALSE(set.find("hmac"));
  EXPECT_FALSE(set.find(""));
  ASSERT_EQ(set.skipped().size(), 15u);
  std::vector<std::string> reasons;
  for (auto& s : set.skipped()) reasons.push_back(std::to_string(s.index) + ": " + s.reason);
  std::vector<std::string> want = {"1: use is not sig",
                                   "2: private key material",
                                   "3: private key material",
                                   "4: RSA key without base64url n and e",
                                   "5: EC point not on P-256",
                                   "6: EC curve other than P-256",
                                   "7: OKP curve other than Ed25519",
                                   "9: not an object",
                                   "10: alg not supported",
                                   "11: alg does not fit kty",
                                   "12: duplicate kid",
                                   "13: key_ops without verify",
                                   "14: EC key without 32-byte x and y",
                                   "15: kty missing",
                                   "16: kid not a short string"};
  EXPECT_EQ(reasons, want);
  EXPECT_EQ(set.skipped()[1].kid, "hmac");
}

TEST(AuthJwk, WhatIsNotAJwkSetGivesAnEmptySet) {
  for (auto v : {json::value(json::object{{"foo", 1}}), json::value(json::array{}), json::value(nullptr),
                 json::value(json::object{{"keys", "x"}})}) {
    auto set = key_set::from_jwks(v);
    EXPECT_TRUE(set.empty());
    EXPECT_EQ(set.skipped().size(), 1u);
  }
  EXPECT_TRUE(key_set::from_jwks(json::object{{"keys", json::array{}}}).empty());
}

TEST(AuthJwk, KeySetIsBoundedAndCandidatesAreFew) {
  auto ec = mint::ec("");
  json::array keys;
  for (int i = 0; i < 70; ++i) {
    auto j = ec.jwk();
    j["kid"] = std::string("k").append(std::to_string(i));
    keys.push_back(j);
  }
  auto set = key_set::from_jwks(json::object{{"keys", keys}});
  EXPECT_EQ(set.size(), key_set::max_keys);
  EXPECT_EQ(set.skipped().size(), 6u);
  EXPECT_TRUE(set.find("k63"));
  EXPECT_FALSE(set.find("k64"));
  EXPECT_EQ(set.candidates(algorithm::es256).size(), key_set::max_candidates);
  EXPECT_TRUE(set.candidates(algorithm::rs256).empty());
}

TEST(AuthJws, VerifiesOnlyWithTheRightKeyTypeAndEncoding) {
  auto es = mint::ec("e");
  auto rs = mint::rsa("r");
  auto ed = mint::ed25519("d");
  auto es_key = *key_from_jwk(es.jwk());
  auto rs_key = *key_from_jwk(rs.jwk());
  auto ed_key = *key_from_jwk(ed.jwk());
  std::string input = "header.payload";
  auto sig = es.sign(input);
  EXPECT_EQ(verify(algorithm::es256, es_key, input, sig), signature_check::valid);
  EXPECT_EQ(verify(algorithm::es256, es_key, input + "x", sig), signature_check::invalid);
  EXPECT_EQ(verify(algorithm::es256, es_key, input, sig.substr(0, 63)), signature_check::invalid);
  EXPECT_EQ(verify(algorithm::es256, es_key, input, sig + std::string(1, '\0')), signature_check::invalid);
  EXPECT_EQ(verify(algorithm::es256, rs_key, input, sig), signature_check::wrong_key);
  EXPECT_EQ(verify(algorithm::eddsa, es_key, input, sig), signature_check::wrong_key);
  // A DER signature (what OpenSSL itself writes) is not a JWS ES256 signature.
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ASSERT_EQ(EVP_DigestSignInit_ex(ctx, nullptr, "SHA256", nullptr, nullptr, es.k.get(), nullptr), 1);
  std::string der(80, '\0');
  size_t len = der.size();
  ASSERT_EQ(EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(der.data()), &len,
                           reinterpret_cast<const unsigned char*>(input.data()), input.size()),
            1);
  EVP_MD_CTX_free(ctx);
  der.resize(len);
  EXPECT_EQ(verify(algorithm::es256, es_key, input, der), signature_check::invalid);
  // RS256 and PS256 signatures are not interchangeable.
  auto rs_sig = rs.sign(input);
  EXPECT_EQ(verify(algorithm::rs256, rs_key, input, rs_sig), signature_check::valid);
  EXPECT_EQ(verify(algorithm::ps256, rs_key, input, rs_sig), signature_check::invalid);
  rs.alg = "PS256";
  auto ps_sig = rs.sign(input);
  EXPECT_EQ(verify(algorithm::ps256, rs_key, input, ps_sig), signature_check::valid);
  EXPECT_EQ(verify(algorithm::rs256, rs_key, input, ps_sig), signature_check::invalid);
  EXPECT_EQ(verify(algorithm::eddsa, ed_key, input, ed.sign(input)), signature_check::valid);
  EXPECT_EQ(verify(algorithm::eddsa, ed_key, input, std::string(64, '\0')), signature_check::invalid);
  EXPECT_EQ(verify(algorithm::rs256, rs_key, input, ""), signature_check::invalid);
}

TEST(AuthJwk, AlgorithmNamesAreExact) {
  EXPECT_EQ(algorithm_from_name("ES256"), algorithm::es256);
  EXPECT_EQ(algorithm_from_name("EdDSA"), algorithm::eddsa);
  for (auto n : {"none", "HS256", "es256", "EDDSA", "RS256 ", "Ed25519", ""}) EXPECT_FALSE(algorithm_from_name(n)) << n;
}

TEST(AuthResourceUri, SchemeAndHostIgnoreCaseNothingElseDoes) {
  EXPECT_TRUE(same_resource_uri("https://mcp.example.com/mcp", "HTTPS://MCP.Example.COM/mcp"));
  EXPECT_TRUE(same_resource_uri("https://mcp.example.com:8443/mcp", "https://MCP.example.com:8443/mcp"));
  EXPECT_TRUE(same_resource_uri("https://mcp.example.com", "https://MCP.example.com"));
  EXPECT_FALSE(same_resource_uri("https://mcp.example.com/mcp", "https://mcp.example.com/MCP"));
  EXPECT_FALSE(same_resource_uri("https://mcp.example.com/mcp", "https://mcp.example.com/mcp/"));
  EXPECT_FALSE(same_resource_uri("https://mcp.example.com/mcp", "https://mcp.example.com:443/mcp"));
  EXPECT_FALSE(same_resource_uri("https://mcp.example.com/mcp", "https://mcp.example.com/%6Dcp"));
  EXPECT_FALSE(same_resource_uri("https://User@mcp.example.com/", "https://user@mcp.example.com/"));
  EXPECT_TRUE(same_resource_uri("https://User@mcp.example.com/", "https://User@MCP.example.com/"));
  EXPECT_FALSE(same_resource_uri("https://a.example/x?Q", "https://a.example/x?q"));
  EXPECT_FALSE(same_resource_uri("urn:Example:x", "urn:example:x"));  // no authority: exact
  EXPECT_TRUE(same_resource_uri("urn:example:x", "urn:example:x"));
  EXPECT_EQ(without_query("https://a.example/x?y=1#f"), "https://a.example/x");
  EXPECT_EQ(without_query("https://a.example/x#f?y"), "https://a.example/x");
  EXPECT_EQ(without_query("https://a.example/x"), "https://a.example/x");
}

}  // namespace
