// load(): defaults, then the YAML file, then the environment, then secrets and cross-key checks.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "config/internal.hpp"

extern char** environ;

namespace mcpx::config {
namespace {

using namespace detail;

constexpr std::size_t secret_max = 64 * 1024;

// A list variable is comma-separated, so an item set from the environment cannot hold a comma.
raw_value from_env(const key_def& k, const std::string& value) {
  raw_value v;
  if (k.k != kind::list) {
    v.text = value;
    return v;
  }
  v.is_list = true;
  if (value.find_first_not_of(" \t") == std::string::npos) return v;  // empty: an empty list
  std::size_t start = 0;
  while (true) {
    auto comma = value.find(',', start);
    auto item = value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    auto b = item.find_first_not_of(" \t");
    auto e = item.find_last_not_of(" \t");
    v.items.push_back(b == std::string::npos ? std::string() : item.substr(b, e - b + 1));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return v;
}

// The key an MCPX_ variable sets, and whether it is the plain form of a secret_file key.
std::pair<const key_def*, bool> match_env(const key_table& t, std::string_view name) {
  for (auto* k : t.all()) {
    if (env_name(k->name) == name) return {k, false};
    if (k->k == kind::secret_file && env_name(plain_secret_name(*k)) == name) return {k, true};
  }
  return {nullptr, false};
}

// A secret in a plain variable is accepted (some platforms only offer variables) but flagged.
std::optional<error> apply_plain_secret(const key_def& k, const std::string& value, draft& d) {
  auto plain_name = plain_secret_name(k);
  auto plain_var = env_name(plain_name);
  auto file_var = env_name(k.name);
  auto& src = d.secrets[k.name];
  if (src.file_from_env)
    return error{plain_name, "both " + plain_var + " and " + file_var + " are set; set only " + file_var};
  if (value.empty()) return error{plain_name, plain_var + " (" + plain_name + ") is set but empty"};
  src.plain = value;
  src.file.clear();
  d.s.warnings.push_back(plain_var + " passes a secret in a plain environment variable (visible in process " +
                         "listings, crash dumps and container inspection); put it in a file and set " + file_var +
                         " to its path instead");
  return std::nullopt;
}

std::optional<error> apply_env(const std::map<std::string, std::string>& env, const key_table& t, draft& d) {
  // Plain secrets wait until every variable is seen: with the _file variable too it is an error.
  std::vector<std::pair<const key_def*, const std::string*>> plain;
  for (auto& [name, value] : env) {
    if (!name.starts_with("MCPX_") || ignored_variable(name)) continue;
    auto [k, is_plain] = match_env(t, name);
    if (!k)
      return error{name, name + ": unknown configuration variable" + t.suggestion(name, true) +
                             " (variables starting with MCPX_ configure the server; see mcpx/config.hpp)"};
    if (is_plain) {
      plain.emplace_back(k, &value);
      continue;
    }
    if (auto why = apply(*k, from_env(*k, value), d)) return error{k->name, name + " (" + k->name + "): " + *why};
    if (k->k == kind::secret_file) {
      d.secrets[k->name].origin = name;
      d.secrets[k->name].file_from_env = true;
    }
  }
  for (auto [k, value] : plain)
    if (auto e = apply_plain_secret(*k, *value, d)) return e;
  return std::nullopt;
}

std::optional<error> read_secret(const std::string& key, const std::string& path, const std::string& origin,
                                 std::string& out) {
  auto fail = [&](const std::string& why) {
    return error{key, key + " (from " + origin + "): secret file " + path + " " + why};
  };
  std::error_code ec;
  auto st = std::filesystem::status(path, ec);  // follows symlinks (Kubernetes secret volumes use them)
  if (ec || !std::filesystem::exists(st)) return fail("does not exist");
  if (!std::filesystem::is_regular_file(st)) return fail("is not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) return fail("cannot be opened (permissions?)");
  std::string content;
  char buf[4096];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    content.append(buf, static_cast<std::size_t>(in.gcount()));
    if (content.size() > secret_max) return fail("is larger than 64 KiB");
  }
  if (in.bad()) return fail("cannot be read");
  while (!content.empty() && (content.back() == '\n' || content.back() == '\r')) content.pop_back();
  if (content.empty()) return fail("is empty");
  out = std::move(content);
  return std::nullopt;
}

// Built-in secrets go where their setter puts them; an app's, by its plain name. Unset: left
// alone (the library then picks a random state secret; an app's reads as "").
std::optional<error> resolve_secrets(const key_table& t, draft& d) {
  for (auto* k : t.all()) {
    if (k->k != kind::secret_file) continue;
    auto src = d.secrets.find(k->name);
    if (src == d.secrets.end()) continue;
    std::string secret;
    if (src->second.plain) secret = *src->second.plain;
    else if (src->second.file.empty()) continue;
    else if (auto e = read_secret(k->name, src->second.file, src->second.origin, secret)) return e;
    if (k->app) settings_access::values(d.s)[value_name(*k)] = std::move(secret);
    else k->set_text(d, std::move(secret));
  }
  return std::nullopt;
}

std::optional<error> cross_check(const settings& s) {
  if (s.metrics_port != 0 && s.metrics_port == s.server.port)
    return error{"metrics.port", "metrics.port: must differ from server.port (" + std::to_string(s.server.port) +
                                     "), or be 0 to serve /metrics on the main port"};
  return std::nullopt;
}

std::variant<settings, error> load_impl(const std::string& path, const std::map<std::string, std::string>& env,
                                        const schema& app_keys) {
  key_table t(app_keys);
  draft d;
  apply_defaults(t, d);
  if (!path.empty())
    if (auto e = apply_yaml_file(path, t, d)) return *e;
  if (auto e = apply_env(env, t, d)) return *e;
  if (auto e = resolve_secrets(t, d)) return *e;
  if (auto e = cross_check(d.s)) return *e;
  return std::move(d.s);
}

}  // namespace

std::variant<settings, error> load(const std::string& path, const std::map<std::string, std::string>& env) {
  return load(path, env, schema{});
}

std::variant<settings, error> load(const std::string& path, const std::map<std::string, std::string>& env,
                                   const schema& app_keys) {
  try {
    return load_impl(path, env, app_keys);
  } catch (const std::exception& e) {
    return error{"", std::string("configuration could not be loaded: ") + e.what()};
  } catch (...) {
    return error{"", "configuration could not be loaded: unknown error"};
  }
}

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> out;
  for (char** p = environ; p && *p; ++p) {
    std::string_view entry(*p);
    auto eq = entry.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    out.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return out;
}

}  // namespace mcpx::config
