#include "auth/digest.hpp"

#include <cstdint>
#include <cstring>

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

// Eight bytes at a time with no branch on the data. CRYPTO_memcmp goes a byte at a time, about
// 0.5 ns per byte; the token cache compares a whole token (often 1 KB) on every request.
bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  const char* x = a.data();
  const char* y = b.data();
  std::size_t n = a.size();
  std::uint64_t diff = 0;
  for (; n >= 8; n -= 8, x += 8, y += 8) {
    std::uint64_t u, v;
    std::memcpy(&u, x, 8);
    std::memcpy(&v, y, 8);
    diff |= u ^ v;
  }
  for (; n > 0; --n, ++x, ++y) diff |= static_cast<unsigned char>(*x ^ *y);
  return diff == 0;
}

}  // namespace mcpx::auth
