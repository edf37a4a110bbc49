#pragma once
// Claim checks shared by access tokens and DPoP proofs (private to the module).
#include <boost/json/object.hpp>
#include <boost/system/result.hpp>
#include <cstdint>
#include <optional>

#include "auth/jwt.hpp"

namespace mcpx::auth {

/// A NumericDate (RFC 7519 section 2) in whole seconds; nullopt when not a number in [0, year 9999].
std::optional<std::int64_t> numeric_date(const json::value& v) noexcept;
/// `now` in whole seconds since the epoch.
std::int64_t epoch_seconds(wall_clock::time_point now) noexcept;

/// The claim checks of verify(), on a payload whose signature is already verified.
boost::system::result<verified_token, token_error> check_claims(const json::object& claims, const claim_rules& rules,
                                                                wall_clock::time_point now);

}  // namespace mcpx::auth
