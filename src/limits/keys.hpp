#pragma once
// Who a limit counts against, and the store key of each limit: compact, bounded, and built in
// a buffer on the stack, so a check allocates nothing for a key the store already holds.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "mcpx/access.hpp"

namespace mcpx::limits {

/// Up to N bytes in place. Appending past N truncates (the builders below stay within N).
template <std::size_t N>
class fixed_text {
 public:
  static constexpr std::size_t capacity = N;
  std::string_view view() const noexcept { return {buf_, size_}; }
  void append(std::string_view s) noexcept {
    const std::size_t n = s.size() < N - size_ ? s.size() : N - size_;
    for (std::size_t i = 0; i < n; ++i) buf_[size_ + i] = s[i];
    size_ += n;
  }
  void push_back(char c) noexcept {
    if (size_ < N) buf_[size_++] = c;
  }

 private:
  char buf_[N];
  std::size_t size_ = 0;
};

/// Client ids longer than this are keyed by a digest instead.
inline constexpr std::size_t max_verbatim_id = 64;

/// The caller as a limit sees it:
/// - authenticated: "c" + 16 hex digits of a hash of the issuer + ":" + the client_id, verbatim up
///   to max_verbatim_id bytes; a longer id is written "#" + 32 hex digits of its SHA-256 instead
///   of ":" + id. A token naming no client is keyed by its subject the same way, with "s". The
///   issuer keeps two issuers' client ids apart; hashing it is safe because only the few
///   configured issuers get here.
/// - anonymous (no principal, or one naming neither client nor subject): the client address,
///   "a4:" + 8 hex digits for IPv4 (also IPv4-mapped IPv6), "a6:" + 16 hex digits of the /64
///   prefix for IPv6 — one host commonly holds a whole /64, so a finer key would let it
///   multiply its budget. Any other address length: "a?" (one shared key).
using identity = fixed_text<1 + 16 + 1 + max_verbatim_id>;

/// `address`: the peer's address bytes in network order (4 or 16 bytes).
identity identify(const principal* who, std::span<const std::uint8_t> address) noexcept;

/// A store key: "t:" + tier + ":" + identity, or "c:" + cost class + ":" + identity. Names are
/// validated (validate_name: no ':', at most 64 characters), so the parts cannot run together.
using limit_key = fixed_text<2 + 64 + 1 + identity::capacity>;

limit_key tier_key(std::string_view tier, const identity& who) noexcept;
limit_key class_key(std::string_view cost_class, const identity& who) noexcept;

}  // namespace mcpx::limits
