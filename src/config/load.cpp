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
constexpr std::size_t secret_recommended = 32;

bool ignored_variable(std::string_view name) {
  for (auto prefix : ignored_env_prefixes())
    if (name.starts_with(prefix)) return true;
  return false;
}

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

std::optional<error> apply_env(const std::map<std::string, std::string>& env, draft& d) {
  const key_def* secret_key = nullptr;  // the secret_file key whose plain variable is set
  const std::string* plain = nullptr;
  bool file_from_env = false;
  for (auto& [name, value] : env) {
    if (!name.starts_with("MCPX_") || ignored_variable(name)) continue;
    bool matched = false;
    for (auto& k : keys()) {
      if (env_name(k.name) == name) {
        matched = true;
        if (auto why = apply(k, from_env(k, value), d))
          return error{std::string(k.name), name + " (" + std::string(k.name) + "): " + *why};
        if (k.k == kind::secret_file) {
          d.state_secret_file_origin = name;
          file_from_env = true;
        }
        break;
      }
      if (k.k == kind::secret_file && env_name(plain_secret_name(k)) == name) {
        matched = true;
        secret_key = &k;
        plain = &value;
        break;
      }
    }
    if (!matched)
      return error{name, name + ": unknown configuration variable" + suggestion(name, true) +
                             " (variables starting with MCPX_ configure the server; see mcpx/config.hpp)"};
  }
  if (!plain) return std::nullopt;
  auto plain_name = plain_secret_name(*secret_key);
  auto plain_var = env_name(plain_name);
  auto file_var = env_name(secret_key->name);
  if (file_from_env)
    return error{plain_name, "both " + plain_var + " and " + file_var + " are set; set only " + file_var};
  if (plain->empty()) return error{plain_name, plain_var + " (" + plain_name + ") is set but empty"};
  d.state_secret_plain = *plain;
  d.state_secret_file.clear();
  d.s.warnings.push_back(plain_var + " passes a secret in a plain environment variable (visible in process " +
                         "listings, crash dumps and container inspection); put it in a file and set " + file_var +
                         " to its path instead");
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

std::optional<error> resolve_secrets(draft& d) {
  const std::string key = "mrtr.state_secret_file";
  if (d.state_secret_plain) {
    d.s.server.state_secret = *d.state_secret_plain;
  } else if (!d.state_secret_file.empty()) {
    if (auto e = read_secret(key, d.state_secret_file, d.state_secret_file_origin, d.s.server.state_secret)) return e;
  } else {
    return std::nullopt;  // unset: random per process
  }
  if (d.s.server.state_secret.size() < secret_recommended)
    d.s.warnings.push_back("mrtr.state_secret is shorter than " + std::to_string(secret_recommended) +
                           " bytes; use at least 32 random bytes (e.g. openssl rand -base64 32)");
  return std::nullopt;
}

std::optional<error> cross_check(const settings& s) {
  if (s.metrics_port != 0 && s.metrics_port == s.server.port)
    return error{"metrics.port", "metrics.port: must differ from server.port (" + std::to_string(s.server.port) +
                                     "), or be 0 to serve /metrics on the main port"};
  return std::nullopt;
}

std::variant<settings, error> load_impl(const std::string& path, const std::map<std::string, std::string>& env) {
  draft d;
  if (!path.empty())
    if (auto e = apply_yaml_file(path, d)) return *e;
  if (auto e = apply_env(env, d)) return *e;
  if (auto e = resolve_secrets(d)) return *e;
  if (auto e = cross_check(d.s)) return *e;
  return std::move(d.s);
}

}  // namespace

std::variant<settings, error> load(const std::string& path, const std::map<std::string, std::string>& env) {
  try {
    return load_impl(path, env);
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
