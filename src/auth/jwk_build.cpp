// key_from_jwk: one JWK to one OpenSSL public key, through OSSL_PARAM and EVP_PKEY_fromdata
// (OpenSSL 3's provider API; the RSA_* and EC_KEY_* setters are deprecated).
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <array>

#include "auth/jwk.hpp"
#include "util/base64.hpp"

namespace mcpx::auth {

namespace {

struct bn_free {
  void operator()(BIGNUM* b) const noexcept { BN_free(b); }
};
struct ctx_free {
  void operator()(EVP_PKEY_CTX* c) const noexcept { EVP_PKEY_CTX_free(c); }
};
struct bld_free {
  void operator()(OSSL_PARAM_BLD* b) const noexcept { OSSL_PARAM_BLD_free(b); }
};
struct params_free {
  void operator()(OSSL_PARAM* p) const noexcept { OSSL_PARAM_free(p); }
};
using bn_ptr = std::unique_ptr<BIGNUM, bn_free>;
using ctx_ptr = std::unique_ptr<EVP_PKEY_CTX, ctx_free>;

// Members that make a JWK a private (or symmetric) key: such a JWK is never used.
constexpr std::array<std::string_view, 8> secret_members = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"};

// A JWK's nullopt-with-reason, so each check is one line.
struct refusal {
  std::string* why;
  std::nullopt_t operator()(const char* reason) const {
    if (why) *why = reason;
    return std::nullopt;
  }
};

const json::string* string_member(const json::object& o, std::string_view name) {
  auto it = o.find(name);
  return it != o.end() ? it->value().if_string() : nullptr;
}

// The bytes of a base64url member; nullopt when missing, not a string or not canonical base64url.
std::optional<std::string> bytes_member(const json::object& o, std::string_view name) {
  auto s = string_member(o, name);
  if (!s) return std::nullopt;
  auto bytes = util::base64url_decode(*s);
  // Non-zero spare bits would let two spellings name one key; only the canonical one is taken.
  if (!bytes || util::base64url_encode(*bytes) != std::string_view(*s)) return std::nullopt;
  return bytes;
}

bn_ptr to_bn(const std::string& bytes) {
  return bn_ptr(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), int(bytes.size()), nullptr));
}

pkey_ptr from_params(const char* type, const OSSL_PARAM* params) {
  ctx_ptr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, const_cast<OSSL_PARAM*>(params)) != 1)
    return nullptr;
  return pkey_ptr(key);
}

std::optional<pkey_ptr> rsa_key(const json::object& jwk, const refusal& no) {
  auto n_bytes = bytes_member(jwk, "n");
  auto e_bytes = bytes_member(jwk, "e");
  if (!n_bytes || !e_bytes) return no("RSA key without base64url n and e");
  // A huge exponent makes each verification slow; real keys use 65537.
  if (e_bytes->empty() || e_bytes->size() > 8) return no("RSA exponent out of range");
  bn_ptr n = to_bn(*n_bytes), e = to_bn(*e_bytes);
  if (!n || !e) return no("out of memory");
  int bits = BN_num_bits(n.get());
  if (bits < jwk_limits::min_rsa_bits) return no("RSA key under 2048 bits");
  if (bits > jwk_limits::max_rsa_bits) return no("RSA key over 8192 bits");
  if (!BN_is_odd(n.get()) || !BN_is_odd(e.get()) || BN_is_one(e.get())) return no("RSA key not well formed");
  std::unique_ptr<OSSL_PARAM_BLD, bld_free> bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1)
    return no("out of memory");
  std::unique_ptr<OSSL_PARAM, params_free> params(OSSL_PARAM_BLD_to_param(bld.get()));
  auto key = params ? from_params("RSA", params.get()) : nullptr;
  if (!key) return no("RSA key refused by OpenSSL");
  return key;
}

std::optional<pkey_ptr> ec_key(const json::object& jwk, const refusal& no) {
  auto crv = string_member(jwk, "crv");
  if (!crv || *crv != "P-256") return no("EC curve other than P-256");
  auto x = bytes_member(jwk, "x");
  auto y = bytes_member(jwk, "y");
  // RFC 7518 6.2.1.2: coordinates are the full field size, 32 octets for P-256.
  if (!x || !y || x->size() != 32 || y->size() != 32) return no("EC key without 32-byte x and y");
  std::string point = "\x04" + *x + *y;
  char group[] = "prime256v1";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
                         OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
                         OSSL_PARAM_construct_end()};
  auto key = from_params("EC", params);
  if (!key) return no("EC point not on P-256");
  // fromdata decodes the point; the public check also refuses infinity and wrong-order points.
  ctx_ptr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) return no("EC point not on P-256");
  return key;
}

std::optional<pkey_ptr> okp_key(const json::object& jwk, const refusal& no) {
  auto crv = string_member(jwk, "crv");
  if (!crv || *crv != "Ed25519") return no("OKP curve other than Ed25519");
  auto x = bytes_member(jwk, "x");
  if (!x || x->size() != 32) return no("Ed25519 key without 32-byte x");
  pkey_ptr key(EVP_PKEY_new_raw_public_key_ex(nullptr, "ED25519", nullptr,
                                              reinterpret_cast<const unsigned char*>(x->data()), x->size()));
  if (!key) return no("Ed25519 key refused by OpenSSL");
  return key;
}

// `use`, `key_ops` and `alg` may narrow what a key is for; each must allow verifying with it.
std::optional<std::string> check_purpose(const json::object& jwk, key_type type, const refusal& no) {
  if (auto it = jwk.find("use"); it != jwk.end() && !(it->value().is_string() && it->value().get_string() == "sig"))
    return no("use is not sig");
  if (auto it = jwk.find("key_ops"); it != jwk.end()) {
    auto ops = it->value().if_array();
    bool verify = false;
    if (ops)
      for (auto& op : *ops) verify = verify || (op.is_string() && op.get_string() == "verify");
    if (!verify) return no("key_ops without verify");
  }
  std::string alg;
  if (auto it = jwk.find("alg"); it != jwk.end()) {
    auto s = it->value().if_string();
    auto a = s ? algorithm_from_name(*s) : std::nullopt;
    if (!a) return no("alg not supported");
    if (key_type_for(*a) != type) return no("alg does not fit kty");
    alg = *s;
  }
  return alg;
}

std::optional<verification_key> build(const json::object& jwk, const refusal& no) {
  for (auto m : secret_members)
    if (jwk.contains(m)) return no("private key material");
  auto kty = string_member(jwk, "kty");
  if (!kty) return no("kty missing");
  std::string kid;
  if (auto it = jwk.find("kid"); it != jwk.end()) {
    auto s = it->value().if_string();
    if (!s || s->size() > jwk_limits::max_kid_bytes) return no("kid not a short string");
    kid = *s;
  }
  key_type type;
  std::optional<pkey_ptr> key;
  if (*kty == "RSA") type = key_type::rsa, key = rsa_key(jwk, no);
  else if (*kty == "EC") type = key_type::ec_p256, key = ec_key(jwk, no);
  else if (*kty == "OKP") type = key_type::ed25519, key = okp_key(jwk, no);
  else return no("kty not supported");
  if (!key) return std::nullopt;
  auto alg = check_purpose(jwk, type, no);
  if (!alg) return std::nullopt;
  auto thumb = jwk_thumbprint(jwk);
  if (!thumb) return no("thumbprint failed");
  return verification_key(type, std::move(*key), std::move(kid), std::move(*alg), std::move(*thumb));
}

}  // namespace

std::optional<verification_key> key_from_jwk(const json::object& jwk, std::string* why) {
  refusal no{why};
  try {
    auto key = build(jwk, no);
    // Failed decodes leave entries on this thread's OpenSSL error queue; they explain nothing later.
    if (!key) ERR_clear_error();
    return key;
  } catch (...) {
    ERR_clear_error();
    return no("out of memory");
  }
}

}  // namespace mcpx::auth
