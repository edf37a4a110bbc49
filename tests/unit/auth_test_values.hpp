#pragma once
// What the auth unit tests share: the fixed "now" their tokens, proofs and cache entries are
// dated against, and the issuer and resource (audience) their tokens name.
#include <chrono>
#include <cstdint>

#include "auth/jwt.hpp"

namespace mcpx::test {

inline constexpr std::int64_t now_s = 1'700'000'000;
inline constexpr mcpx::auth::wall_clock::time_point now{std::chrono::seconds(now_s)};
inline constexpr const char* issuer = "https://auth.example.com";
inline constexpr const char* resource = "https://mcp.example.com/mcp";

}  // namespace mcpx::test
