#include "http/address_counts.hpp"

#include <cstring>

namespace mcpx::http {

address_counts::key address_counts::key_of(const net::ip::address& a) noexcept {
  if (a.is_v4()) return net::ip::make_address_v6(net::ip::v4_mapped, a.to_v4()).to_bytes();
  key k = a.to_v6().to_bytes();
  if (!a.to_v6().is_v4_mapped()) std::memset(k.data() + 8, 0, 8);  // the /64
  return k;
}

std::size_t address_counts::key_hash::operator()(const key& k) const noexcept {
  std::uint64_t hi, lo;
  std::memcpy(&hi, k.data(), 8);
  std::memcpy(&lo, k.data() + 8, 8);
  // Mixed so that keys differing only in their last bytes (IPv4) spread over the stripes.
  std::uint64_t h = (hi * 0x9E3779B97F4A7C15ull) ^ lo;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return static_cast<std::size_t>(h);
}

std::optional<address_counts::slot> address_counts::try_take(const net::ip::address& a, std::size_t limit) {
  const key k = key_of(a);
  auto& s = stripe_of(k);
  std::lock_guard lock(s.mu);
  auto& n = s.open[k];
  if (n >= limit) {
    if (n == 0) s.open.erase(k);  // limit 0 (callers skip it, but no entry may leak)
    return std::nullopt;
  }
  ++n;
  return std::optional<slot>(std::in_place, this, k);
}

void address_counts::release(const key& k) noexcept {
  auto& s = stripe_of(k);
  std::lock_guard lock(s.mu);
  auto it = s.open.find(k);
  if (it == s.open.end()) return;
  if (--it->second == 0) s.open.erase(it);
}

std::size_t address_counts::addresses() const {
  std::size_t n = 0;
  for (auto& s : stripes_) {
    std::lock_guard lock(s.mu);
    n += s.open.size();
  }
  return n;
}

}  // namespace mcpx::http
