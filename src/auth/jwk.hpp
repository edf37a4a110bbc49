#pragma once
// JSON Web Keys (RFC 7517, 7518 section 6, 8037) turned into OpenSSL verification keys, the JWK
// Set of one issuer, and RFC 7638 thumbprints. Public keys only: a JWK with private members is
// refused, never used.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/algorithm.hpp"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace mcpx::auth {

namespace json = boost::json;

struct pkey_free {
  void operator()(evp_pkey_st* k) const noexcept;
};
using pkey_ptr = std::unique_ptr<evp_pkey_st, pkey_free>;

/// Bounds on what a JWK may hold: RSA moduli (verification cost grows with size) and `kid`.
struct jwk_limits {
  static constexpr int min_rsa_bits = 2048;
  static constexpr int max_rsa_bits = 8192;
  static constexpr std::size_t max_kid_bytes = 256;
};

/// One public key, ready to verify. Immutable; OpenSSL allows concurrent verifications with one
/// EVP_PKEY, so one key may serve every thread at once.
class verification_key {
 public:
  verification_key(key_type type, pkey_ptr pkey, std::string kid, std::string alg, std::string thumbprint);

  key_type type() const noexcept { return type_; }
  /// The JWK's `kid`; empty when it has none.
  const std::string& kid() const noexcept { return kid_; }
  /// The JWK's own `alg`; empty when it has none.
  const std::string& alg() const noexcept { return alg_; }
  /// RFC 7638 thumbprint, base64url (what `cnf.jkt` names).
  const std::string& thumbprint() const noexcept { return thumbprint_; }
  /// True when `a` needs this key's type and the JWK's `alg`, if any, is `a`.
  bool usable_with(algorithm a) const noexcept;
  evp_pkey_st* pkey() const noexcept { return pkey_.get(); }

 private:
  key_type type_;
  pkey_ptr pkey_;
  std::string kid_;
  std::string alg_;
  std::string thumbprint_;
};

/// The key one JWK describes. nullopt (and the reason in `*why`) for a private key, `use` other
/// than "sig", `key_ops` without "verify", an `alg` we do not verify or that does not fit the key
/// type, an unknown `kty` or curve, a bad encoding, a point off the curve, RSA under 2048 bits.
/// Never throws.
std::optional<verification_key> key_from_jwk(const json::object& jwk, std::string* why = nullptr);

/// RFC 7638 thumbprint (RFC 8037 for OKP): SHA-256 over the required members in canonical JSON,
/// base64url. nullopt when `kty` is not RSA, EC or OKP or a required member is not a string.
std::optional<std::string> jwk_thumbprint(const json::object& jwk);

/// A key of the set that could not be used, for diagnostics (logs, readiness detail).
struct skipped_key {
  std::size_t index = 0;  ///< position in `keys`
  std::string kid;        ///< empty when none (or not a string)
  std::string reason;
};

/// The usable keys of one JWK Set (RFC 7517 section 5). Immutable after from_jwks(); share it as
/// `std::shared_ptr<const key_set>` and replace it whole on refresh.
class key_set {
 public:
  static constexpr std::size_t max_keys = 64;       ///< keys past this are skipped
  static constexpr std::size_t max_candidates = 4;  ///< keys tried for a token without `kid`

  key_set() = default;
  /// Every usable key of `jwks` ({"keys": [...]}); unusable ones are listed in skipped(). An
  /// empty result means the set is unusable (the caller treats it as a failed fetch). Never throws.
  static key_set from_jwks(const json::value& jwks);

  bool empty() const noexcept { return keys_.empty(); }
  std::size_t size() const noexcept { return keys_.size(); }
  /// The key whose `kid` is `kid`; null when none.
  const verification_key* find(std::string_view kid) const noexcept;
  /// For a token without `kid`: at most max_candidates keys usable with `a`, in set order.
  std::vector<const verification_key*> candidates(algorithm a) const;
  const std::vector<skipped_key>& skipped() const noexcept { return skipped_; }

 private:
  std::vector<verification_key> keys_;
  std::vector<skipped_key> skipped_;
};

}  // namespace mcpx::auth
