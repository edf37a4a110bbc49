#pragma once
// The JWS compact serialization (RFC 7515 section 7.1), strictly: three unpadded base64url parts
// joined by two dots, nothing else; a JSON object header and payload.
#include <boost/json/object.hpp>
#include <boost/system/result.hpp>
#include <cstddef>
#include <string>
#include <string_view>

namespace mcpx::auth {

namespace json = boost::json;

enum class compact_error { too_large, malformed };

/// A decoded, not yet verified, compact JWS. Owns its parts (the token may go away).
struct compact_jws {
  json::object header;
  json::object payload;
  std::string signing_input;  ///< the first two parts, as sent: what the signature covers
  std::string signature;      ///< decoded
};

/// Splits and decodes `token`. too_large when it is longer than `max_bytes` (checked before
/// anything is decoded); malformed for a wrong character, part count or encoding, or a header or
/// payload that is not a JSON object (nesting at most 16 deep). Never throws.
boost::system::result<compact_jws, compact_error> decode_compact(std::string_view token, std::size_t max_bytes);

}  // namespace mcpx::auth
