#include "auth/compact.hpp"

#include <boost/json/parse.hpp>
#include <optional>

#include "util/base64.hpp"

namespace mcpx::auth {

namespace {

bool base64url_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// Canonical only: a part whose spare bits are not zero decodes to bytes another spelling also
// gives, so a flipped low bit would go unnoticed.
std::optional<std::string> decode_part(std::string_view part) {
  auto bytes = util::base64url_decode(part);
  if (!bytes || util::base64url_encode(*bytes) != part) return std::nullopt;
  return bytes;
}

std::optional<json::object> decode_object(std::string_view part) {
  auto text = decode_part(part);
  if (!text) return std::nullopt;
  json::parse_options opts;
  opts.max_depth = 16;
  boost::system::error_code ec;
  json::value v = json::parse(*text, ec, {}, opts);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.get_object());
}

}  // namespace

boost::system::result<compact_jws, compact_error> decode_compact(std::string_view token, std::size_t max_bytes) {
  if (token.size() > max_bytes) return compact_error::too_large;
  try {
    std::size_t dots[2], n = 0;
    for (std::size_t i = 0; i < token.size(); ++i) {
      if (token[i] == '.') {
        if (n == 2) return compact_error::malformed;
        dots[n++] = i;
      } else if (!base64url_char(token[i])) {
        return compact_error::malformed;
      }
    }
    if (n != 2 || dots[0] == 0 || dots[1] == dots[0] + 1 || dots[1] + 1 == token.size())
      return compact_error::malformed;
    auto header = decode_object(token.substr(0, dots[0]));
    auto payload = header ? decode_object(token.substr(dots[0] + 1, dots[1] - dots[0] - 1)) : std::nullopt;
    auto signature = payload ? decode_part(token.substr(dots[1] + 1)) : std::nullopt;
    if (!signature) return compact_error::malformed;
    return compact_jws{std::move(*header), std::move(*payload), std::string(token.substr(0, dots[1])),
                       std::move(*signature)};
  } catch (...) {
    return compact_error::malformed;
  }
}

}  // namespace mcpx::auth
