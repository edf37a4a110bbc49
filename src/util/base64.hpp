#pragma once
// Base64 and base64url, shared by every module that needs them (module util: no mcpx deps).
#include <optional>
#include <string>
#include <string_view>

namespace mcpx::util {

std::string base64url_encode(std::string_view in);
/// nullopt for anything but unpadded base64url.
std::optional<std::string> base64url_decode(std::string_view in);
std::string base64_encode(std::string_view in);
/// nullopt for anything but whole, correctly padded quads.
std::optional<std::string> base64_decode(std::string_view in);

}  // namespace mcpx::util
