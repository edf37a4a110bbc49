// Compact identities and limit keys (keys.hpp).
#include "limits/keys.hpp"

#include <openssl/evp.h>

#include <algorithm>

#include "limits/siphash.hpp"

namespace mcpx::limits {

namespace {

template <std::size_t N>
void append_hex(fixed_text<N>& out, std::span<const std::uint8_t> bytes) noexcept {
  static constexpr char digits[] = "0123456789abcdef";
  for (std::uint8_t b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0xf]);
  }
}

template <std::size_t N>
void append_hex64(fixed_text<N>& out, std::uint64_t v) noexcept {
  std::uint8_t bytes[8];
  for (int i = 7; i >= 0; --i, v >>= 8) bytes[i] = static_cast<std::uint8_t>(v);
  append_hex(out, bytes);
}

// The issuer in 64 bits: enough to tell the handful of configured issuers apart (the key is
// fixed: an issuer is configuration, never chosen by a caller). SipHash reads 8 bytes a round,
// several times faster than a byte-wise hash on a URL.
std::uint64_t issuer_hash(std::string_view issuer) noexcept { return siphash<1, 3>(sip_key{}, issuer); }

void anonymous(identity& out, std::span<const std::uint8_t> a) noexcept {
  static constexpr std::uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (a.size() == 16 && std::equal(a.begin(), a.begin() + 12, v4_mapped)) a = a.subspan(12);
  if (a.size() == 4) {
    out.append("a4:");
    append_hex(out, a);
  } else if (a.size() == 16) {
    out.append("a6:");
    append_hex(out, a.first(8));
  } else {
    out.append("a?");
  }
}

}  // namespace

identity identify(const principal* who, std::span<const std::uint8_t> address) noexcept {
  identity out;
  if (!who || (who->client_id.empty() && who->subject.empty())) {
    anonymous(out, address);
    return out;
  }
  const bool client = !who->client_id.empty();
  const std::string_view id = client ? who->client_id : who->subject;
  out.push_back(client ? 'c' : 's');
  append_hex64(out, issuer_hash(who->issuer));
  if (id.size() <= max_verbatim_id) {
    out.push_back(':');
    out.append(id);
    return out;
  }
  out.push_back('#');
  std::uint8_t digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest(id.data(), id.size(), digest, &n, EVP_sha256(), nullptr) == 1 && n >= 16) {
    append_hex(out, std::span<const std::uint8_t>(digest, 16));
  } else {
    // Not expected; a 64-bit hash still keys the client, only less collision-proof.
    append_hex64(out, siphash<1, 3>(sip_key{}, id));
  }
  return out;
}

namespace {

// "<tag>:<name, at most 64 bytes>:<who>": tiers and cost classes never share a key.
limit_key tagged_key(std::string_view tag, std::string_view name, const identity& who) noexcept {
  limit_key k;
  k.append(tag);
  k.append(name.substr(0, 64));
  k.push_back(':');
  k.append(who.view());
  return k;
}

}  // namespace

limit_key tier_key(std::string_view tier, const identity& who) noexcept { return tagged_key("t:", tier, who); }

limit_key class_key(std::string_view cost_class, const identity& who) noexcept {
  return tagged_key("c:", cost_class, who);
}

}  // namespace mcpx::limits
