#pragma once
// The JWS algorithms a token or a DPoP proof may use: asymmetric ones only (RFC 7518, RFC 8037).
// `none`, the HMAC family and everything else have no enumerator, so they cannot reach a key.
#include <optional>
#include <string_view>

namespace mcpx::auth {

enum class algorithm { rs256, ps256, es256, eddsa };

/// The key types we verify with: RSA (2048 bits or more), EC on P-256, OKP Ed25519.
enum class key_type { rsa, ec_p256, ed25519 };

/// The algorithm named by a JWS `alg` (exact, case-sensitive); nullopt for any other name.
std::optional<algorithm> algorithm_from_name(std::string_view name) noexcept;
/// "RS256", "PS256", "ES256", "EdDSA".
std::string_view name(algorithm a) noexcept;
/// The only key type `a` verifies with.
key_type key_type_for(algorithm a) noexcept;

}  // namespace mcpx::auth
