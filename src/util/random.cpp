#include "util/random.hpp"

#include <openssl/rand.h>

namespace mcpx::util {

std::optional<std::string> random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) return std::nullopt;
  return out;
}

std::optional<std::string> random_hex_id(std::size_t n, std::string_view prefix) {
  auto raw = random_bytes(n);
  if (!raw) return std::nullopt;
  static constexpr char hex[] = "0123456789abcdef";
  std::string id(prefix);
  id.reserve(prefix.size() + 2 * n);
  for (unsigned char b : *raw) id += hex[b >> 4], id += hex[b & 15];
  return id;
}

}  // namespace mcpx::util
