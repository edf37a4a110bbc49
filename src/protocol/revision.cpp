#include "protocol/revision.hpp"

#include "mcpx/context.hpp"

namespace mcpx {

namespace {
constexpr std::string_view level_names[] = {"debug", "info",     "notice", "warning",
                                            "error", "critical", "alert",  "emergency"};
}

std::string_view to_string(log_level l) noexcept { return level_names[static_cast<int>(l)]; }

std::optional<log_level> parse_log_level(std::string_view s) noexcept {
  for (int i = 0; i < 8; ++i)
    if (level_names[i] == s) return static_cast<log_level>(i);
  return std::nullopt;
}

namespace protocol {

std::optional<revision> parse_revision(std::string_view s) noexcept {
  if (s == "2026-07-28") return revision::v2026_07_28;
  if (s == "2025-11-25") return revision::v2025_11_25;
  if (s == "2025-06-18") return revision::v2025_06_18;
  if (s == "2025-03-26") return revision::v2025_03_26;
  return std::nullopt;
}

std::string_view to_string(revision r) noexcept {
  switch (r) {
    case revision::v2025_03_26: return "2025-03-26";
    case revision::v2025_06_18: return "2025-06-18";
    case revision::v2025_11_25: return "2025-11-25";
    case revision::v2026_07_28: return "2026-07-28";
  }
  return "2026-07-28";
}

}  // namespace protocol
}  // namespace mcpx
