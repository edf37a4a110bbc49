// Validation and defaults of rates and their tables (mcpx/limits/rate.hpp).
#include "mcpx/limits/rate.hpp"

namespace mcpx::limits {

namespace {

std::optional<std::string> out_of_range(std::string_view what, std::int64_t v, std::int64_t max) {
  if (v >= 1 && v <= max) return std::nullopt;
  return std::string(what) + " must be 1-" + std::to_string(max) + ", got " + std::to_string(v);
}

bool name_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

}  // namespace

std::optional<std::string> validate(const rate& r) {
  if (auto e = out_of_range("requests_per_minute", r.requests_per_minute, max_requests_per_minute)) return e;
  return out_of_range("burst", r.burst, max_burst);
}

rate_table default_tiers() {
  return {{"development", {60, 10}}, {"production", {1000, 200}}, {"enterprise", {10000, 1000}}};
}

rate_table default_cost_classes() {
  return {{"read", {600, 100}}, {"write", {60, 10}}, {"external", {30, 5}}, {"heavy", {10, 2}}};
}

std::optional<std::string> validate_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return "a name must be 1-64 characters";
  for (char c : name)
    if (!name_char(c)) return "a name may hold only letters, digits, '_', '.' and '-'";
  return std::nullopt;
}

std::optional<std::string> validate(const rate_table& t) {
  for (const auto& [name, r] : t) {
    if (auto e = validate_name(name)) {
      // Appended rather than `"\"" + name`: GCC 12 warns (-Wrestrict) on that falsely.
      std::string m(1, '"');
      m.append(name, 0, 64).append("\": ").append(*e);
      return m;
    }
    if (auto e = validate(r)) return name + ": " + *e;
  }
  return std::nullopt;
}

}  // namespace mcpx::limits
