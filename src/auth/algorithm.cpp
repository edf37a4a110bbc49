#include "auth/algorithm.hpp"

namespace mcpx::auth {

std::optional<algorithm> algorithm_from_name(std::string_view n) noexcept {
  if (n == "RS256") return algorithm::rs256;
  if (n == "PS256") return algorithm::ps256;
  if (n == "ES256") return algorithm::es256;
  if (n == "EdDSA") return algorithm::eddsa;
  return std::nullopt;
}

std::string_view name(algorithm a) noexcept {
  switch (a) {
    case algorithm::rs256: return "RS256";
    case algorithm::ps256: return "PS256";
    case algorithm::es256: return "ES256";
    case algorithm::eddsa: return "EdDSA";
  }
  return "?";
}

key_type key_type_for(algorithm a) noexcept {
  switch (a) {
    case algorithm::rs256:
    case algorithm::ps256: return key_type::rsa;
    case algorithm::es256: return key_type::ec_p256;
    case algorithm::eddsa: return key_type::ed25519;
  }
  return key_type::rsa;
}

}  // namespace mcpx::auth
