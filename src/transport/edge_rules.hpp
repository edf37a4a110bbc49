#pragma once
// What the edge stages read in a request's head, parsed by the grammar rather than searched:
// an Origin (RFC 6454 §6.2) and media types (RFC 9110 §8.3.1, §12.5.1). A substring search let
// "text/plain; charset=application/json" pass as JSON, and a URL parser read
// "http://127.0.0.1.evil.example" as a loopback origin. Pure functions: no allocation.
#include <optional>
#include <string_view>

namespace mcpx::transport {

/// A serialized origin, split into its parts (views into the parsed text, case as sent).
struct origin_parts {
  std::string_view scheme;  ///< "http" or "https"
  std::string_view host;    ///< a name, an IPv4 address, or "[v6]" with its brackets
  std::string_view port;    ///< digits; empty when none was given
};

/// Parses `scheme "://" host [":" port]` with an http or https scheme; nullopt for anything
/// else: "null", a path, a query, userinfo, an empty or out-of-range port, stray characters.
std::optional<origin_parts> parse_origin(std::string_view text) noexcept;

/// True when ASCII `a` and `b` are equal ignoring case.
bool iequals(std::string_view a, std::string_view b) noexcept;

/// True when a Content-Type value is the media type `type/subtype` (with any parameters),
/// compared without case; false when it is another type or malformed.
bool media_type_is(std::string_view content_type, std::string_view type, std::string_view subtype) noexcept;

/// True when an Accept value admits `type/subtype`: the most specific media range matching it
/// (exact, then "type/*", then "*/*") has a weight above zero. Malformed elements admit nothing.
bool accept_allows(std::string_view accept, std::string_view type, std::string_view subtype) noexcept;

}  // namespace mcpx::transport
