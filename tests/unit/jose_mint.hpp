#pragma once
// Test helper: mints keys, JWKs, JWTs and DPoP proofs with OpenSSL, so the auth tests check the
// verifier against independently made tokens (nothing here is used by src/auth).
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <boost/json.hpp>
#include <memory>
#include <stdexcept>
#include <string>

#include "util/base64.hpp"

namespace mint {

namespace json = boost::json;

struct pkey_free {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using pkey = std::shared_ptr<EVP_PKEY>;

inline void need(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("mint: ") + what);
}

inline std::string b64(std::string_view s) { return mcpx::util::base64url_encode(s); }

inline std::string bn_bytes(const EVP_PKEY* k, const char* param, int pad = 0) {
  BIGNUM* bn = nullptr;
  need(EVP_PKEY_get_bn_param(k, param, &bn) == 1, param);
  std::string out(pad ? pad : BN_num_bytes(bn), '\0');
  if (pad) BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), pad);
  else BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return out;
}

/// A key pair of one kind and the JWS alg it signs with ("RS256", "PS256", "ES256", "EdDSA").
struct key {
  pkey k;
  std::string alg;
  std::string kid;

  /// The public JWK (with kid; with "alg" only when `with_alg`).
  json::object jwk(bool with_alg = false) const {
    json::object o;
    int id = EVP_PKEY_get_base_id(k.get());
    if (id == EVP_PKEY_RSA) {
      o["kty"] = "RSA", o["n"] = b64(bn_bytes(k.get(), OSSL_PKEY_PARAM_RSA_N)),
      o["e"] = b64(bn_bytes(k.get(), OSSL_PKEY_PARAM_RSA_E));
    } else if (id == EVP_PKEY_EC) {
      o["kty"] = "EC", o["crv"] = "P-256", o["x"] = b64(bn_bytes(k.get(), OSSL_PKEY_PARAM_EC_PUB_X, 32)),
      o["y"] = b64(bn_bytes(k.get(), OSSL_PKEY_PARAM_EC_PUB_Y, 32));
    } else {
      std::string x(32, '\0');
      size_t len = 32;
      need(EVP_PKEY_get_raw_public_key(k.get(), reinterpret_cast<unsigned char*>(x.data()), &len) == 1, "raw");
      o["kty"] = "OKP", o["crv"] = "Ed25519", o["x"] = b64(x);
    }
    if (!kid.empty()) o["kid"] = kid;
    if (with_alg) o["alg"] = alg;
    return o;
  }

  /// The JWK with its private member `d`, as a careless client might send it.
  json::object private_jwk() const {
    auto o = jwk();
    int id = EVP_PKEY_get_base_id(k.get());
    if (id == EVP_PKEY_RSA) o["d"] = b64(bn_bytes(k.get(), OSSL_PKEY_PARAM_RSA_D));
    else if (id == EVP_PKEY_EC) o["d"] = b64(bn_bytes(k.get(), OSSL_PKEY_PARAM_PRIV_KEY, 32));
    else {
      std::string d(32, '\0');
      size_t len = 32;
      need(EVP_PKEY_get_raw_private_key(k.get(), reinterpret_cast<unsigned char*>(d.data()), &len) == 1, "raw");
      o["d"] = b64(d);
    }
    return o;
  }

  /// SubjectPublicKeyInfo PEM of the public key.
  std::string public_pem() const {
    BIO* bio = BIO_new(BIO_s_mem());
    need(PEM_write_bio_PUBKEY(bio, k.get()) == 1, "pem");
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    std::string out(data, std::size_t(n));
    BIO_free(bio);
    return out;
  }

  /// The JWS signature (raw r||s for ES256) of `input` under `alg`.
  std::string sign(std::string_view input) const {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX* pctx = nullptr;
    need(EVP_DigestSignInit_ex(ctx, &pctx, alg == "EdDSA" ? nullptr : "SHA256", nullptr, nullptr, k.get(), nullptr) ==
             1,
         "sign init");
    if (alg == "PS256") {
      need(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1, "pss");
      need(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) == 1, "salt");
    }
    size_t len = 0;
    auto in = reinterpret_cast<const unsigned char*>(input.data());
    need(EVP_DigestSign(ctx, nullptr, &len, in, input.size()) == 1, "sign size");
    std::string sig(len, '\0');
    need(EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len, in, input.size()) == 1, "sign");
    sig.resize(len);
    EVP_MD_CTX_free(ctx);
    if (alg != "ES256") return sig;
    auto p = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, long(sig.size()));
    need(es != nullptr, "der");
    std::string raw(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(es), reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(es), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
    ECDSA_SIG_free(es);
    return raw;
  }
};

inline key rsa(std::string kid, std::string alg = "RS256", unsigned bits = 2048) {
  EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t(bits));
  need(k, "rsa keygen");
  return key{pkey(k, pkey_free{}), std::move(alg), std::move(kid)};
}
inline key ec(std::string kid) {
  EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  need(k, "ec keygen");
  return key{pkey(k, pkey_free{}), "ES256", std::move(kid)};
}
inline key ed25519(std::string kid) {
  EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  need(k, "ed25519 keygen");
  return key{pkey(k, pkey_free{}), "EdDSA", std::move(kid)};
}

/// header.payload.signature with `header` and `payload` written as given.
inline std::string compact(const json::object& header, const json::object& payload, const key& signer) {
  auto input = b64(json::serialize(header)) + "." + b64(json::serialize(payload));
  return input + "." + b64(signer.sign(input));
}

/// A JWT whose header is {alg, typ, kid} of `signer` (typ given; empty leaves it out).
inline std::string jwt(const json::object& claims, const key& signer, std::string typ = "at+jwt") {
  json::object h{{"alg", signer.alg}};
  if (!typ.empty()) h["typ"] = typ;
  if (!signer.kid.empty()) h["kid"] = signer.kid;
  return compact(h, claims, signer);
}

/// A token signed with HMAC-SHA256 under `secret`, the classic alg-confusion attack.
inline std::string hs256(const json::object& header, const json::object& claims, std::string_view secret) {
  auto input = b64(json::serialize(header)) + "." + b64(json::serialize(claims));
  unsigned char mac[32];
  unsigned len = 0;
  HMAC(EVP_sha256(), secret.data(), int(secret.size()), reinterpret_cast<const unsigned char*>(input.data()),
       input.size(), mac, &len);
  return input + "." + b64(std::string_view(reinterpret_cast<char*>(mac), len));
}

inline json::object jwks(std::initializer_list<json::object> keys) {
  json::array a;
  for (auto& k : keys) a.push_back(k);
  return json::object{{"keys", std::move(a)}};
}

}  // namespace mint
