#pragma once
/// @file Internals of mcpx_config: the key table and the value setters shared by the YAML and
/// environment sources.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mcpx/config.hpp"

namespace mcpx::config::detail {

/// Settings being built, plus what is resolved only at the end (the secret).
struct draft {
  settings s;
  std::string state_secret_file;                  ///< from mrtr.state_secret_file
  std::optional<std::string> state_secret_plain;  ///< from MCPX_MRTR_STATE_SECRET (env only)
  std::string state_secret_file_origin;           ///< where the path came from, for messages
};

enum class kind {
  text,         ///< one string, checked by `valid`
  number,       ///< unsigned integer in [min, max]
  list,         ///< list of strings, each checked by `valid`
  secret_file,  ///< path of a file holding a secret; the key without "_file" is the plain form
};

struct key_def {
  std::string_view name;      ///< dotted, e.g. "limits.body_bytes"
  kind k;
  std::string_view expected;  ///< e.g. "an integer 1-64", used in messages
  std::uint64_t min = 0;
  std::uint64_t max = 0;
  bool (*valid)(std::string_view) = nullptr;  ///< text and list items
  void (*set_number)(draft&, std::uint64_t) = nullptr;
  void (*set_text)(draft&, std::string) = nullptr;
  void (*set_list)(draft&, std::vector<std::string>) = nullptr;
};

/// Every key, in documentation order.
std::span<const key_def> keys();
const key_def* find_key(std::string_view dotted);
/// Whether `dotted` is a section holding keys ("server", "limits", ...).
bool is_section(std::string_view dotted);
/// "limits.body_bytes" -> "MCPX_LIMITS_BODY_BYTES".
std::string env_name(std::string_view dotted);
/// For a secret_file key "mrtr.state_secret_file": "mrtr.state_secret".
std::string plain_secret_name(const key_def& k);

/// Variable name prefixes owned by the build and test tooling, not configuration.
std::span<const std::string_view> ignored_env_prefixes();

/// A raw value from either source: a scalar or a list of scalars.
struct raw_value {
  bool is_list = false;
  std::string text;
  std::vector<std::string> items;
};

/// Checks `v` against `k` and stores it in `d`. Returns the reason on failure (without the key
/// or the source; never echoing a secret).
std::optional<std::string> apply(const key_def& k, const raw_value& v, draft& d);

/// " (did you mean server.port?)" for a near miss among the keys and sections (as_env: among
/// the variable names), else empty.
std::string suggestion(std::string_view name, bool as_env);

/// Quotes a value for a message, shortened when long.
std::string quote(std::string_view v);

/// Applies the YAML file at `path` to `d`.
std::optional<error> apply_yaml_file(const std::string& path, draft& d);

}  // namespace mcpx::config::detail
