#include "auth/jwk.hpp"

#include <openssl/evp.h>

#include <boost/json/serialize.hpp>
#include <span>

#include "auth/digest.hpp"

namespace mcpx::auth {

void pkey_free::operator()(evp_pkey_st* k) const noexcept { EVP_PKEY_free(k); }

verification_key::verification_key(key_type type, pkey_ptr pkey, std::string kid, std::string alg,
                                   std::string thumbprint)
    : type_(type),
      pkey_(std::move(pkey)),
      kid_(std::move(kid)),
      alg_(std::move(alg)),
      thumbprint_(std::move(thumbprint)) {}

bool verification_key::usable_with(algorithm a) const noexcept {
  return key_type_for(a) == type_ && (alg_.empty() || alg_ == name(a));
}

std::optional<std::string> jwk_thumbprint(const json::object& jwk) {
  try {
    auto kty = jwk.find("kty");
    if (kty == jwk.end() || !kty->value().is_string()) return std::nullopt;
    // RFC 7638 section 3.2 (RFC 8037 section 2 for OKP): the required members, sorted by name.
    static constexpr std::string_view rsa[] = {"e", "kty", "n"}, ec[] = {"crv", "kty", "x", "y"},
                                      okp[] = {"crv", "kty", "x"};
    std::span<const std::string_view> members;
    auto& k = kty->value().get_string();
    if (k == "RSA") members = rsa;
    else if (k == "EC") members = ec;
    else if (k == "OKP") members = okp;
    else return std::nullopt;
    // json::object keeps insertion order and serialize() writes no whitespace: canonical form.
    json::object canonical;
    for (auto m : members) {
      auto it = jwk.find(m);
      if (it == jwk.end() || !it->value().is_string()) return std::nullopt;
      canonical.emplace(m, it->value());
    }
    auto thumb = sha256_base64url(json::serialize(canonical));
    if (thumb.empty()) return std::nullopt;
    return thumb;
  } catch (...) {
    return std::nullopt;
  }
}

key_set key_set::from_jwks(const json::value& jwks) {
  key_set set;
  try {
    auto obj = jwks.if_object();
    auto keys = obj && obj->contains("keys") ? obj->at("keys").if_array() : nullptr;
    if (!keys) {
      set.skipped_.push_back({0, {}, "not a JWK Set (no keys array)"});
      return set;
    }
    for (std::size_t i = 0; i < keys->size(); ++i) {
      auto jwk = (*keys)[i].if_object();
      std::string kid;
      if (jwk && jwk->contains("kid") && jwk->at("kid").is_string()) kid = jwk->at("kid").get_string();
      kid.resize(std::min(kid.size(), jwk_limits::max_kid_bytes));
      if (i >= max_keys) {
        set.skipped_.push_back({i, kid, "more keys than the limit"});
        continue;
      }
      std::string why;
      auto key = jwk ? key_from_jwk(*jwk, &why) : std::nullopt;
      if (!jwk) why = "not an object";
      // Two keys under one kid would make find() ambiguous: the first one wins, as listed.
      if (key && !key->kid().empty() && set.find(key->kid())) key.reset(), why = "duplicate kid";
      if (key) set.keys_.push_back(std::move(*key));
      else set.skipped_.push_back({i, kid, why});
    }
  } catch (...) {
    set.keys_.clear();
    set.skipped_.push_back({0, {}, "out of memory"});
  }
  return set;
}

const verification_key* key_set::find(std::string_view kid) const noexcept {
  for (auto& k : keys_)
    if (!k.kid().empty() && k.kid() == kid) return &k;
  return nullptr;
}

std::vector<const verification_key*> key_set::candidates(algorithm a) const {
  std::vector<const verification_key*> out;
  for (auto& k : keys_) {
    if (out.size() == max_candidates) break;
    if (k.usable_with(a)) out.push_back(&k);
  }
  return out;
}

}  // namespace mcpx::auth
