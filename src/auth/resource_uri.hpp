#pragma once
// Comparing resource URIs (RFC 8707 audiences, RFC 9449 `htu`): RFC 3986 section 6.2.2.1 says
// scheme and host are case-insensitive; every other difference (a trailing slash, an explicit
// default port, percent-encoding) is a different resource here, as the MCP spec asks.
#include <string_view>

namespace mcpx::auth {

/// True when `a` and `b` are the same URI up to the case of the scheme and host.
bool same_resource_uri(std::string_view a, std::string_view b) noexcept;
/// `uri` cut before its query ('?') and fragment ('#').
std::string_view without_query(std::string_view uri) noexcept;

}  // namespace mcpx::auth
