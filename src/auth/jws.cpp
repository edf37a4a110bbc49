#include "auth/jws.hpp"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <memory>
#include <string>

namespace mcpx::auth {

namespace {

struct md_ctx_free {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

// JWS writes an ECDSA signature as r||s, 32 octets each (RFC 7518 3.4); OpenSSL wants DER.
std::string es256_to_der(std::string_view raw) {
  if (raw.size() != 64) return {};
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(bytes(raw), 32, nullptr);
  BIGNUM* s = BN_bin2bn(bytes(raw) + 32, 32, nullptr);
  std::string der;
  if (sig && r && s && ECDSA_SIG_set0(sig, r, s) == 1) {
    r = s = nullptr;  // owned by sig now
    unsigned char* out = nullptr;
    int len = i2d_ECDSA_SIG(sig, &out);
    if (len > 0) der.assign(reinterpret_cast<char*>(out), std::size_t(len));
    OPENSSL_free(out);
  }
  BN_free(r), BN_free(s), ECDSA_SIG_free(sig);
  return der;
}

bool verify_evp(algorithm a, EVP_PKEY* pkey, std::string_view input, std::string_view sig) {
  std::unique_ptr<EVP_MD_CTX, md_ctx_free> ctx(EVP_MD_CTX_new());
  if (!ctx) return false;
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  // EdDSA hashes internally and takes no digest name.
  const char* digest = a == algorithm::eddsa ? nullptr : "SHA256";
  if (EVP_DigestVerifyInit_ex(ctx.get(), &pctx, digest, nullptr, nullptr, pkey, nullptr) != 1) return false;
  if (a == algorithm::ps256 && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
                                EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) != 1))
    return false;
  return EVP_DigestVerify(ctx.get(), bytes(sig), sig.size(), bytes(input), input.size()) == 1;
}

}  // namespace

signature_check verify(algorithm a, const verification_key& key, std::string_view signing_input,
                       std::string_view signature) noexcept {
  if (!key.usable_with(a)) return signature_check::wrong_key;
  bool ok = false;
  try {
    if (a == algorithm::es256) {
      auto der = es256_to_der(signature);
      ok = !der.empty() && verify_evp(a, key.pkey(), signing_input, der);
    } else {
      ok = verify_evp(a, key.pkey(), signing_input, signature);
    }
  } catch (...) {
    ok = false;
  }
  // A failed verification leaves entries on this thread's error queue; nothing reads them.
  if (!ok) ERR_clear_error();
  return ok ? signature_check::valid : signature_check::invalid;
}

}  // namespace mcpx::auth
