// SipHash-c-d, written from the paper's description (siphash.hpp).
#include "limits/siphash.hpp"

#include <bit>
#include <cstring>

namespace mcpx::limits {

namespace {

struct sip_state {
  std::uint64_t v0, v1, v2, v3;

  void round() noexcept {
    v0 += v1;
    v1 = std::rotl(v1, 13);
    v1 ^= v0;
    v0 = std::rotl(v0, 32);
    v2 += v3;
    v3 = std::rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = std::rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = std::rotl(v1, 17);
    v1 ^= v2;
    v2 = std::rotl(v2, 32);
  }

  template <int Rounds>
  void absorb(std::uint64_t m) noexcept {
    v3 ^= m;
    for (int i = 0; i < Rounds; ++i) round();
    v0 ^= m;
  }

  template <int Rounds>
  std::uint64_t squeeze(std::uint64_t tweak) noexcept {
    v2 ^= tweak;
    for (int i = 0; i < Rounds; ++i) round();
    return v0 ^ v1 ^ v2 ^ v3;
  }
};

// Words are read little-endian, whatever the machine.
std::uint64_t load_le(const unsigned char* p, std::size_t n) noexcept {
  std::uint64_t w = 0;
  for (std::size_t i = 0; i < n; ++i) w |= std::uint64_t{p[i]} << (8 * i);
  return w;
}

}  // namespace

template <int C, int D>
std::uint64_t siphash(const sip_key& key, std::string_view in) noexcept {
  // The initial state spells "somepseudorandomlygeneratedbytes".
  sip_state s{key.k0 ^ 0x736f6d6570736575ull, key.k1 ^ 0x646f72616e646f6dull, key.k0 ^ 0x6c7967656e657261ull,
              key.k1 ^ 0x7465646279746573ull};
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const std::size_t whole = in.size() / 8 * 8;
  for (std::size_t i = 0; i < whole; i += 8) {
    std::uint64_t m;
    if constexpr (std::endian::native == std::endian::little) std::memcpy(&m, p + i, 8);
    else m = load_le(p + i, 8);
    s.absorb<C>(m);
  }
  // The last word: the remaining bytes, and the length's low byte on top.
  s.absorb<C>(load_le(p + whole, in.size() - whole) | (std::uint64_t{in.size() & 0xff} << 56));
  return s.squeeze<D>(0xff);
}

template std::uint64_t siphash<1, 3>(const sip_key&, std::string_view) noexcept;
template std::uint64_t siphash<2, 4>(const sip_key&, std::string_view) noexcept;

}  // namespace mcpx::limits
