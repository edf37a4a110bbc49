#pragma once
// SHA-256 and constant-time comparison through OpenSSL, for thumbprints, `ath` and replay keys.
#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace mcpx::auth {

using sha256_digest = std::array<unsigned char, 32>;

/// SHA-256 of `data`; nullopt only when OpenSSL fails (out of memory).
std::optional<sha256_digest> sha256(std::string_view data);
/// base64url(SHA-256(data)), as `ath` and JWK thumbprints are written; empty when OpenSSL fails.
std::string sha256_base64url(std::string_view data);
/// Equal length and equal bytes, in time independent of where they differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace mcpx::auth
