#pragma once
// Protocol revisions served on one endpoint. "Modern" revisions carry version, client info
// and capabilities in every request's _meta; "legacy" ones negotiate once at initialize.
#include <optional>
#include <string_view>

namespace mcpx::protocol {

enum class revision { v2025_03_26, v2025_06_18, v2025_11_25, v2026_07_28 };

inline constexpr std::string_view latest_modern = "2026-07-28";
inline constexpr std::string_view latest_legacy = "2025-11-25";

std::optional<revision> parse_revision(std::string_view s) noexcept;
std::string_view to_string(revision r) noexcept;
inline bool is_modern(revision r) noexcept { return r >= revision::v2026_07_28; }
/// Versions listed in UnsupportedProtocolVersion errors and server/discover.
inline constexpr std::string_view supported_versions[] = {"2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"};

}  // namespace mcpx::protocol
