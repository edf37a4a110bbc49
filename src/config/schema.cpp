// An app's own keys: checked at registration (mistakes there are programming errors, thrown at
// start-up), and read back from settings by type.
#include <stdexcept>

#include "config/internal.hpp"

namespace mcpx::config {
namespace {

using namespace detail;

[[noreturn]] void refuse(const std::string& name, const std::string& why) {
  throw std::invalid_argument("mcpx::config::schema: " + name + ": " + why);
}

bool valid_part(std::string_view s) {
  if (s.empty() || s[0] < 'a' || s[0] > 'z') return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

// Used when an app gives no validator: a value an operator plausibly meant.
bool plain_text(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == '\x7f') return false;
  return true;
}

// The dotted names a key occupies: itself, and for a secret its plain form too.
std::vector<std::string> names_of(const key_def& k) {
  if (k.k == kind::secret_file) return {k.name, plain_secret_name(k)};
  return {k.name};
}

// Two keys whose dotted names or variables coincide ("a_b.c" and "a.b_c" share MCPX_A_B_C)
// could not be told apart in the environment.
void check_clash(const key_def& k, const key_def& other, const char* what) {
  for (auto& a : names_of(k))
    for (auto& b : names_of(other)) {
      if (a == b) refuse(a, std::string("already a ") + what);
      if (env_name(a) == env_name(b))
        refuse(a, "its variable " + env_name(a) + " is already that of the " + what + " " + b);
    }
}

void check_key(const key_def& k, const std::vector<std::shared_ptr<const key_def>>& registered) {
  auto dot = k.name.find('.');
  if (dot == std::string::npos || !valid_part(k.name.substr(0, dot)) || !valid_part(k.name.substr(dot + 1)))
    refuse(k.name, "expected section.key, lower case letters, digits and _, each part starting with a letter");
  if (k.expected.empty()) refuse(k.name, "describe the expected value: it is what error messages show");
  for (auto& b : builtin_keys()) check_clash(k, b, "built-in key");
  for (auto& r : registered) check_clash(k, *r, "key registered before");
  // A later built-in key in the same section would collide with it.
  const std::string section(section_of(k.name));
  for (auto& b : builtin_keys())
    if (section_of(b.name) == section)
      refuse(k.name, "the section " + section + " is built-in; put app keys in the app's own");
  if (section == "tools" || section == "resources" || section == "prompts")
    refuse(k.name, "the section " + section + " holds per-" + section.substr(0, section.size() - 1) +
                       " access overrides; put app keys in the app's own");
  for (auto& n : names_of(k))
    if (ignored_variable(env_name(n)))
      refuse(n, "its variable " + env_name(n) + " starts with a prefix reserved for the build and test tooling");
}

key_def app_key(std::string name, kind k, std::string expected) {
  key_def d{std::move(name), k, std::move(expected)};
  d.app = true;
  return d;
}

}  // namespace

schema& schema::add(key_def k) {
  check_key(k, keys_);
  keys_.push_back(std::make_shared<const key_def>(std::move(k)));
  return *this;
}

schema& schema::number(std::string name, std::uint64_t min, std::uint64_t max, std::uint64_t fallback,
                       std::string expected) {
  if (min > max || fallback < min || fallback > max) refuse(name, "expected min <= default <= max");
  auto k = app_key(std::move(name), kind::number, std::move(expected));
  k.min = min;
  k.max = max;
  k.fallback = fallback;
  return add(std::move(k));
}

schema& schema::flag(std::string name, bool fallback, std::string expected) {
  auto k = app_key(std::move(name), kind::flag, std::move(expected));
  k.fallback = fallback;
  return add(std::move(k));
}

schema& schema::text(std::string name, std::string fallback, std::string expected, validator valid) {
  if (!valid) valid = plain_text;
  if (!fallback.empty() && !valid(fallback)) refuse(name, "the default does not pass the validator");
  auto k = app_key(std::move(name), kind::text, std::move(expected));
  k.valid = std::move(valid);
  k.fallback = std::move(fallback);
  return add(std::move(k));
}

schema& schema::list(std::string name, std::vector<std::string> fallback, std::string expected, validator valid) {
  if (!valid) valid = plain_text;
  for (auto& item : fallback)
    if (!valid(item)) refuse(name, "a default item does not pass the validator");
  auto k = app_key(std::move(name), kind::list, std::move(expected));
  k.valid = std::move(valid);
  k.fallback = std::move(fallback);
  return add(std::move(k));
}

schema& schema::duration(std::string name, std::chrono::milliseconds min, std::chrono::milliseconds max,
                         std::chrono::milliseconds fallback, std::string expected) {
  // The unit is in the name, as for the built-in keys, so an operator reading "30" knows it.
  std::int64_t unit = name.ends_with("_ms") ? 1 : name.ends_with("_seconds") ? 1000 : 0;
  if (unit == 0) refuse(name, "a duration's name ends in _ms or _seconds, its unit");
  if (min.count() < 0 || min > max || fallback < min || fallback > max)
    refuse(name, "expected 0 <= min <= default <= max");
  if (max > std::chrono::hours(24 * 365)) refuse(name, "max is more than 365 days (deadlines would overflow)");
  if (min.count() % unit || max.count() % unit || fallback.count() % unit)
    refuse(name, "min, max and default must be whole seconds for a _seconds key");
  auto k = app_key(std::move(name), kind::duration, std::move(expected));
  k.min = static_cast<std::uint64_t>(min.count() / unit);
  k.max = static_cast<std::uint64_t>(max.count() / unit);
  k.unit_ms = static_cast<std::uint64_t>(unit);
  k.fallback = fallback;
  return add(std::move(k));
}

schema& schema::secret(std::string name, std::string expected) {
  if (name.ends_with("_file")) refuse(name, "register a secret by its plain name; the _file key is derived from it");
  auto k = app_key(name + "_file", kind::secret_file, std::move(expected));
  k.valid = [](std::string_view p) { return !p.empty() && p.find('\0') == std::string_view::npos; };
  k.fallback = std::string();
  return add(std::move(k));
}

namespace {
[[noreturn]] void wrong_get(std::string_view key, const std::string& why) {
  throw std::invalid_argument("mcpx::config::settings::get(\"" + std::string(key) + "\"): " + why);
}
constexpr const char* type_names[] = {"std::uint64_t (a number)", "bool (a flag)", "std::string (text or a secret)",
                                      "std::vector<std::string> (a list)", "std::chrono::milliseconds (a duration)"};
static_assert(std::size(type_names) == std::variant_size_v<app_value>);
}  // namespace

template <app_value_type T>
T settings::get(std::string_view key) const {
  auto it = app_.find(key);
  if (it == app_.end()) {
    for (auto& b : builtin_keys())
      if (b.name == key) wrong_get(key, "a built-in key: read its field in settings (settings.server...)");
    if (key.ends_with("_file") && app_.contains(key.substr(0, key.size() - 5)))
      wrong_get(key, "not registered; a secret is read by its plain name, without _file");
    wrong_get(key, "not an app key registered in the schema given to load()");
  }
  if (auto* v = std::get_if<T>(&it->second)) return *v;
  wrong_get(key, std::string("the key holds ") + type_names[it->second.index()] + "; read it as that type");
}

template std::uint64_t settings::get<std::uint64_t>(std::string_view) const;
template bool settings::get<bool>(std::string_view) const;
template std::string settings::get<std::string>(std::string_view) const;
template std::vector<std::string> settings::get<std::vector<std::string>>(std::string_view) const;
template std::chrono::milliseconds settings::get<std::chrono::milliseconds>(std::string_view) const;

}  // namespace mcpx::config
