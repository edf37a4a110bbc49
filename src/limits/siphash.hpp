#pragma once
// SipHash (Aumasson and Bernstein, 2012), 64-bit output: a keyed hash, so whoever chooses the
// input cannot choose its collisions without the key. The memory store keys its tables by this
// digest of each limit key under a random per-store key.
#include <cstdint>
#include <string_view>

namespace mcpx::limits {

struct sip_key {
  std::uint64_t k0 = 0, k1 = 0;
};

/// SipHash-c-d of `in` under `key`. The store uses 1-3 (one compression round per 8-byte word,
/// three finalization rounds), the variant hash tables use against flooding; 2-4 is the
/// paper's conservative default.
template <int C, int D>
std::uint64_t siphash(const sip_key& key, std::string_view in) noexcept;

extern template std::uint64_t siphash<1, 3>(const sip_key&, std::string_view) noexcept;
extern template std::uint64_t siphash<2, 4>(const sip_key&, std::string_view) noexcept;

}  // namespace mcpx::limits
