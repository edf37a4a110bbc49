#pragma once
// Open connections per client address, for limits::max_connections_per_address.
#include <array>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>

#include "http/types.hpp"

namespace mcpx::http {

/// Counts open connections by remote address, shared by every I/O thread's accept loop:
/// SO_REUSEPORT spreads one address's connections over all the acceptors, so a count per
/// thread could not hold a limit. The map is split in stripes by address, each with its own
/// lock, so accepts and closes on different threads rarely wait for each other; the lock is
/// taken twice per connection (accept, close), never per request. IPv6 addresses count by
/// their /64: one host is commonly given a whole /64. Thread-safe.
class address_counts {
 public:
  using key = std::array<unsigned char, 16>;

  /// The key `a` counts under: an IPv4 address as IPv4-mapped IPv6, an IPv6 one's /64.
  static key key_of(const net::ip::address& a) noexcept;

  /// A connection's place in the count, given back when it goes (move-only).
  class slot {
   public:
    slot() = default;
    slot(address_counts* owner, const key& k) : owner_(owner), key_(k) {}
    slot(slot&& o) noexcept : owner_(std::exchange(o.owner_, nullptr)), key_(o.key_) {}
    slot& operator=(slot&&) = delete;
    ~slot() {
      if (owner_) owner_->release(key_);
    }

   private:
    address_counts* owner_ = nullptr;
    key key_{};
  };

  /// Counts one more connection from `a` unless it already has `limit`: the slot, or nullopt.
  std::optional<slot> try_take(const net::ip::address& a, std::size_t limit);
  /// Addresses with a connection open (for tests).
  std::size_t addresses() const;

 private:
  void release(const key& k) noexcept;
  struct key_hash {
    std::size_t operator()(const key& k) const noexcept;
  };
  struct stripe {
    mutable std::mutex mu;
    std::unordered_map<key, std::size_t, key_hash> open;
  };
  static constexpr std::size_t stripe_count = 16;
  stripe& stripe_of(const key& k) noexcept { return stripes_[key_hash{}(k) % stripe_count]; }
  std::array<stripe, stripe_count> stripes_;
};

}  // namespace mcpx::http
