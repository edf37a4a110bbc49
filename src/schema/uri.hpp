#pragma once
// The small part of RFC 3986 and RFC 6901 that local $ref/$id resolution needs.
// Nothing here touches the network: URIs are only identifiers of schema resources.
#include <string>
#include <string_view>
#include <vector>

namespace mcpx::schema::detail {

/// Resolves the URI reference `ref` against the absolute URI `base` (RFC 3986 §5.2).
std::string resolve_uri(std::string_view base, std::string_view ref);

/// "a#b" -> uri "a", fragment "b", has_fragment true.
struct uri_and_fragment {
  std::string_view uri;
  std::string_view fragment;
  bool has_fragment = false;
};
uri_and_fragment split_fragment(std::string_view uri);

/// Decodes %XX escapes; malformed escapes are kept as written.
std::string percent_decode(std::string_view s);

/// Splits a JSON pointer ("/a/b~1c") into unescaped tokens. False when malformed.
bool parse_pointer(std::string_view pointer, std::vector<std::string>& tokens);

/// Escapes one JSON pointer token (~ -> ~0, / -> ~1).
std::string escape_pointer_token(std::string_view token);

/// "/keyword" or "/keyword/<escaped token>": a pointer suffix for compile errors.
std::string pointer_suffix(std::string_view keyword, std::string_view token = {}, bool has_token = false);
inline std::string pointer_suffix(std::string_view keyword, std::size_t index) {
  return pointer_suffix(keyword, std::to_string(index), true);
}

}  // namespace mcpx::schema::detail
