#pragma once
/// @file Internals of mcpx_config: the key tables (built-in, and one per load with the app's
/// keys) and the value setters shared by the YAML and environment sources.
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mcpx/config.hpp"

namespace mcpx::config::detail {

/// Where one secret_file key's secret comes from; resolved only at the end, once both sources
/// are known (a plain environment variable wins over a path from the file).
struct secret_source {
  std::string file;    ///< the path, from the file or the environment
  std::string origin;  ///< where the path came from, for messages
  bool file_from_env = false;
  std::optional<std::string> plain;  ///< from the plain variable (env only)
};

/// Settings being built, plus what is resolved only at the end (the secrets).
struct draft {
  settings s;
  std::map<std::string, secret_source, std::less<>> secrets;  ///< by secret_file key name
};

enum class kind {
  text,         ///< one string, checked by `valid`
  number,       ///< unsigned integer in [min, max]
  list,         ///< list of strings, each checked by `valid`
  secret_file,  ///< path of a file holding a secret; the key without "_file" is the plain form
  flag,         ///< true or false
  duration,     ///< integer in [min, max] of unit_ms milliseconds (app keys only)
};

struct key_def {
  std::string name;  ///< dotted, e.g. "limits.body_bytes"
  kind k;
  std::string expected;   ///< e.g. "an integer 1-64", used in messages
  std::uint64_t min = 0;  ///< number and duration (in the key's unit)
  std::uint64_t max = 0;
  schema::validator valid{};  ///< text, list items, secret_file paths
  // Built-in keys: where the value goes in settings (secret_file: the secret, once read).
  void (*set_number)(draft&, std::uint64_t) = nullptr;
  void (*set_text)(draft&, std::string) = nullptr;
  void (*set_list)(draft&, std::vector<std::string>) = nullptr;
  void (*set_flag)(draft&, bool) = nullptr;
  // App keys: stored in settings by value_name(), starting from `fallback`.
  bool app = false;
  std::uint64_t unit_ms = 1;  ///< duration: 1 (name ends in _ms) or 1000 (_seconds)
  app_value fallback{};
};

struct settings_access {
  static std::map<std::string, app_value, std::less<>>& values(settings& s) { return s.app_; }
};
struct schema_access {
  static const std::vector<std::shared_ptr<const key_def>>& keys(const schema& s) { return s.keys_; }
};

/// The built-in keys, in documentation order.
std::span<const key_def> builtin_keys();
/// "limits.body_bytes" -> "MCPX_LIMITS_BODY_BYTES".
std::string env_name(std::string_view dotted);
/// For a secret_file key "mrtr.state_secret_file": "mrtr.state_secret".
std::string plain_secret_name(const key_def& k);
/// The name an app key's value is read by: the plain name for a secret, else the key.
std::string value_name(const key_def& k);
/// An unsigned decimal integer (digits only, no sign or spaces); nullopt when not one or too big.
std::optional<std::uint64_t> parse_uint(std::string_view s);
/// The section of a dotted key: "server" for "server.port".
std::string_view section_of(std::string_view dotted);

/// Variable name prefixes owned by the build and test tooling, not configuration.
std::span<const std::string_view> ignored_env_prefixes();
bool ignored_variable(std::string_view name);

/// The keys of one load: the built-in ones, then the app's.
class key_table {
 public:
  explicit key_table(const schema& app);
  const std::vector<const key_def*>& all() const { return keys_; }
  const key_def* find(std::string_view dotted) const;
  /// The secret_file key whose plain form is `dotted` ("mrtr.state_secret"), if any.
  const key_def* find_plain_secret(std::string_view dotted) const;
  /// Whether `dotted` is a section holding keys ("server", "limits", "crm", ...).
  bool is_section(std::string_view dotted) const;
  /// "port, endpoint, ..." for "server".
  std::string section_keys(std::string_view section) const;
  /// "server, limits, ...".
  std::string sections() const;
  /// " (did you mean server.port?)" for a near miss among the keys and sections (as_env: among
  /// the variable names), else empty.
  std::string suggestion(std::string_view name, bool as_env) const;

 private:
  std::vector<const key_def*> keys_;
};

/// A raw value from either source: a scalar or a list of scalars.
struct raw_value {
  bool is_list = false;
  std::string text;
  std::vector<std::string> items;
};

/// Checks `v` against `k` and stores it in `d`. Returns the reason on failure (without the key
/// or the source; never echoing a secret).
std::optional<std::string> apply(const key_def& k, const raw_value& v, draft& d);

/// Stores every app key's default in `d`.
void apply_defaults(const key_table& t, draft& d);

/// Quotes a value for a message, shortened when long.
std::string quote(std::string_view v);

/// Applies the YAML file at `path` to `d`.
std::optional<error> apply_yaml_file(const std::string& path, const key_table& t, draft& d);

}  // namespace mcpx::config::detail
