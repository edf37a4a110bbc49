#pragma once
// Randomness for identifiers and keys, from OpenSSL's CSPRNG, failures reported, never
// silently zero (module util: no mcpx deps).
#include <optional>
#include <string>
#include <string_view>

namespace mcpx::util {

/// `n` random bytes; nullopt when the generator fails (callers refuse, they do not go on).
std::optional<std::string> random_bytes(std::size_t n);
/// `prefix` followed by 2*`n` lowercase hex digits of random bytes; nullopt on failure.
std::optional<std::string> random_hex_id(std::size_t n, std::string_view prefix = {});

}  // namespace mcpx::util
