#include "suite/jwt_mint.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>

#include <stdexcept>

namespace mcpx::bench {

namespace {

void need(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("jwt_mint: ") + what + " failed");
}

std::string bn_param(const EVP_PKEY* k, const char* name) {
  BIGNUM* bn = nullptr;
  need(EVP_PKEY_get_bn_param(k, name, &bn) == 1, name);
  std::string out(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return out;
}

}  // namespace

std::string base64url(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (auto& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

signing_key::signing_key(std::string kid) : kid_(std::move(kid)) {
  key_.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048}));
  need(key_ != nullptr, "RSA key generation");
}

boost::json::object signing_key::public_jwk() const {
  return {{"kty", "RSA"},
          {"kid", kid_},
          {"alg", "RS256"},
          {"use", "sig"},
          {"n", base64url(bn_param(key_.get(), OSSL_PKEY_PARAM_RSA_N))},
          {"e", base64url(bn_param(key_.get(), OSSL_PKEY_PARAM_RSA_E))}};
}

std::string signing_key::jwt(const boost::json::object& claims) const {
  boost::json::object header{{"alg", "RS256"}, {"typ", "at+jwt"}, {"kid", kid_}};
  auto input = base64url(boost::json::serialize(header)) + "." + base64url(boost::json::serialize(claims));
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  need(ctx && EVP_DigestSignInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr, key_.get(), nullptr) == 1,
       "sign init");
  auto in = reinterpret_cast<const unsigned char*>(input.data());
  std::size_t len = 0;
  need(EVP_DigestSign(ctx.get(), nullptr, &len, in, input.size()) == 1, "sign size");
  std::string sig(len, '\0');
  need(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in, input.size()) == 1, "sign");
  sig.resize(len);
  return input + "." + base64url(sig);
}

}  // namespace mcpx::bench
