#include "auth/digest.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "util/base64.hpp"

namespace mcpx::auth {

std::optional<sha256_digest> sha256(std::string_view data) {
  sha256_digest out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1 || len != out.size())
    return std::nullopt;
  return out;
}

std::string sha256_base64url(std::string_view data) {
  auto d = sha256(data);
  if (!d) return {};
  return util::base64url_encode(std::string_view(reinterpret_cast<const char*>(d->data()), d->size()));
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace mcpx::auth
