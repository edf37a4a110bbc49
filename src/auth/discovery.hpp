#pragma once
// Where an issuer's metadata lives and whether a document is that issuer's (RFC 8414 3,
// OpenID Connect Discovery 1.0 4).
#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "auth/fetch.hpp"

namespace mcpx::auth {

/// The metadata URLs to try, in order: RFC 8414 (path inserted after the host), OIDC with the
/// path inserted (RFC 8414 5), OIDC appended. Empty when `issuer` is not an http(s) URL
/// without query and fragment.
std::vector<std::string> discovery_urls(std::string_view issuer);

/// Empty when `doc` is a metadata object whose "issuer" is exactly `issuer` and which names a
/// jwks_uri; otherwise why not.
std::string check_metadata(const boost::json::value& doc, std::string_view issuer);

/// After this failure, the next discovery URL is worth trying (the host answered).
bool moves_on(fetch_error e) noexcept;

}  // namespace mcpx::auth
