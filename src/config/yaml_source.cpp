// The YAML source: a map of sections, each a map of keys. Unknown and duplicate keys are errors.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <variant>

#include "config/internal.hpp"

namespace mcpx::config::detail {
namespace {

struct yaml_walker {
  const std::string& path;
  const key_table& t;
  draft& d;

  std::string where(const YAML::Mark& m) const {
    if (m.is_null()) return path;
    return path + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
  }
  error fail(std::string key, const YAML::Mark& m, const std::string& what) const {
    std::string msg = where(m) + ": ";
    if (!key.empty()) msg += key + ": ";
    return {std::move(key), msg + what};
  }

  std::optional<error> map(const YAML::Node& node, const std::string& prefix) {
    std::set<std::string> seen;
    for (const auto& kv : node) {  // yaml-cpp iterators yield values: copy, never refer into them
      const YAML::Node key = kv.first;
      const YAML::Node value = kv.second;
      if (!key.IsScalar()) return fail(prefix, key.Mark(), "keys must be plain names");
      std::string dotted = prefix.empty() ? key.Scalar() : prefix + "." + key.Scalar();
      if (key.Scalar().empty() || key.Scalar().find('.') != std::string::npos)
        return fail(dotted, key.Mark(), "keys are nested maps (server:\n  port: 8000), not dotted names");
      if (!seen.insert(key.Scalar()).second) return fail(dotted, key.Mark(), "duplicate key");
      if (auto e = entry(dotted, key, value)) return e;
    }
    return std::nullopt;
  }

  std::optional<error> entry(const std::string& dotted, const YAML::Node& key, const YAML::Node& value) {
    if (auto* target = access_target(dotted)) return access_section(dotted, value, *target);
    if (dotted == "auth.issuers") return issuers(value);
    if (dotted == "auth.scopes") return auth_scopes(value);
    if (dotted == "auth.scope_implies") return scope_implies(value);
    if (dotted == "rate_limits") return rate_table(dotted, value, d.s.server.rate_limits.tiers, "tier");
    if (dotted == "tool_costs.classes") return rate_table(dotted, value, d.s.server.rate_limits.classes, "cost class");
    if (dotted == "tool_costs.tools") return tool_classes(value);
    if (dotted == "limits.clients") return client_tiers(value);
    if (dotted == "limits.on_store_error") return store_failures(value);
    if (dotted == "tool_costs") {
      if (value.IsNull()) return std::nullopt;
      if (!value.IsMap()) return fail(dotted, value.Mark(), "expected a map with the keys classes, tools");
      return map(value, dotted);
    }
    if (auto* k = t.find(dotted)) return leaf(*k, value);
    if (auto* k = t.find_plain_secret(dotted))
      return fail(dotted, key.Mark(),
                  "secrets must not live in config files; put the secret in a file and set " + k->name + " (or " +
                      env_name(k->name) + ") to its path");
    if (t.is_section(dotted)) {
      if (value.IsNull()) return std::nullopt;  // an empty section
      if (!value.IsMap()) return fail(dotted, value.Mark(), "expected a map with the keys " + t.section_keys(dotted));
      return map(value, dotted);
    }
    std::string known = dotted.find('.') == std::string::npos
                            ? " (known sections: " + t.sections() + ")"
                            : " (known keys here: " + t.section_keys(dotted.substr(0, dotted.rfind('.'))) + ")";
    auto hint = t.suggestion(dotted, false);
    return fail(dotted, key.Mark(), "unknown key" + (hint.empty() ? known : hint));
  }

  // tools:, resources:, prompts: map names the code registers (any characters, a URI too)
  // to {scopes: [...], cost: ...} (tools also timeout_ms: ...); start() refuses names that are
  // not registered.
  std::map<std::string, access_override>* access_target(const std::string& dotted) {
    if (dotted == "tools") return &d.s.server.tool_access;
    if (dotted == "resources") return &d.s.server.resource_access;
    if (dotted == "prompts") return &d.s.server.prompt_access;
    return nullptr;
  }

  std::optional<error> access_section(const std::string& section, const YAML::Node& node,
                                      std::map<std::string, access_override>& out) {
    if (node.IsNull()) return std::nullopt;
    if (!node.IsMap()) return fail(section, node.Mark(), "expected a map of names to {scopes: [...], cost: ...}");
    for (const auto& kv : node) {
      const YAML::Node key = kv.first;
      const YAML::Node value = kv.second;
      if (!key.IsScalar() || key.Scalar().empty()) return fail(section, key.Mark(), "expected a name");
      std::string where_key = section + "." + key.Scalar();
      if (!seen_access_.insert(where_key).second) return fail(where_key, key.Mark(), "duplicate key");
      auto o = access_entry(where_key, value, section == "tools");
      if (auto* e = std::get_if<error>(&o)) return *e;
      auto& mine = std::get<access_override>(o);
      auto& kept = out[key.Scalar()];
      if (mine.scopes && kept.scopes)
        return fail(where_key + ".scopes", key.Mark(), "scopes also set in auth.scopes; set them in one place");
      if (mine.cost && kept.cost && section == "tools")
        return fail(where_key + ".cost", key.Mark(), "cost also set in tool_costs.tools; set it in one place");
      if (mine.scopes) kept.scopes = std::move(mine.scopes);
      if (mine.cost) kept.cost = std::move(mine.cost);
      if (mine.timeout) kept.timeout = mine.timeout;
    }
    return std::nullopt;
  }

  // A list of issuer URLs, or of {issuer: URL, audiences: [...]}.
  std::optional<error> issuers(const YAML::Node& node) {
    const auto* k = t.find("auth.issuers");
    if (!node.IsSequence()) return fail("auth.issuers", node.Mark(), "expected " + k->expected);
    auto& out = d.s.server.auth.issuers;
    out.clear();
    for (const auto& item : node) {
      issuer_options io;
      if (item.IsScalar()) {
        io.issuer = item.Scalar();
      } else if (item.IsMap()) {
        for (const auto& kv : item) {
          const YAML::Node f = kv.first;
          const YAML::Node v = kv.second;
          std::string field = f.IsScalar() ? f.Scalar() : "";
          if (field == "issuer" && v.IsScalar() && io.issuer.empty()) {
            io.issuer = v.Scalar();
          } else if (field == "audiences" && (v.IsSequence() || v.IsNull())) {
            for (const auto& a : v) {
              if (!a.IsScalar() || !valid_uri_text(a.Scalar()))
                return fail("auth.issuers.audiences", a.Mark(),
                            "expected audience URIs (e.g. https://mcp.example.com)");
              io.audiences.push_back(a.Scalar());
            }
          } else {
            return fail("auth.issuers." + field, f.Mark(),
                        "expected issuer: <URL> and optionally audiences: [<URI>, ...]");
          }
        }
      } else {
        return fail("auth.issuers", item.Mark(), "expected " + k->expected);
      }
      if (!k->valid(io.issuer))
        return fail("auth.issuers", item.Mark(), "expected " + k->expected + ", got " + quote(io.issuer));
      out.push_back(std::move(io));
    }
    return std::nullopt;
  }

  static bool valid_uri_text(const std::string& s) { return !s.empty() && s.size() <= 2048 && token(s); }

  // auth.scopes: {tools: {name: [scope, ...]}, resources: {...}, prompts: {...}}.
  std::optional<error> auth_scopes(const YAML::Node& node) {
    if (node.IsNull()) return std::nullopt;
    if (!node.IsMap()) return fail("auth.scopes", node.Mark(), "expected a map with tools, resources, prompts");
    for (const auto& kv : node) {
      const YAML::Node f = kv.first;
      const YAML::Node v = kv.second;
      std::string part = f.IsScalar() ? f.Scalar() : "";
      auto* out = access_target(part);
      std::string here = "auth.scopes." + part;
      if (!out) return fail(here, f.Mark(), "unknown key (known keys here: tools, resources, prompts)");
      if (v.IsNull()) continue;
      if (!v.IsMap()) return fail(here, v.Mark(), "expected a map of names to lists of scopes");
      for (const auto& nv : v) {
        const YAML::Node name = nv.first;
        const YAML::Node list = nv.second;
        if (!name.IsScalar() || name.Scalar().empty()) return fail(here, name.Mark(), "expected a name");
        std::string where_key = here + "." + name.Scalar();
        auto scopes = scope_list(where_key, list);
        if (auto* e = std::get_if<error>(&scopes)) return *e;
        auto& kept = (*out)[name.Scalar()];
        if (kept.scopes)
          return fail(where_key, name.Mark(),
                      "scopes also set in " + part + "." + name.Scalar() + "; set them in one place");
        kept.scopes = std::move(std::get<std::vector<std::string>>(scopes));
      }
    }
    return std::nullopt;
  }

  // auth.scope_implies: {scope: [implied scope, ...]}.
  std::optional<error> scope_implies(const YAML::Node& node) {
    if (node.IsNull()) return std::nullopt;
    if (!node.IsMap()) return fail("auth.scope_implies", node.Mark(), "expected a map of scopes to lists of scopes");
    auto& out = d.s.server.auth.scope_implies;
    for (const auto& kv : node) {
      const YAML::Node f = kv.first;
      if (!f.IsScalar() || !token(f.Scalar()))
        return fail("auth.scope_implies", f.Mark(), "expected a scope without spaces");
      std::string here = "auth.scope_implies." + f.Scalar();
      if (out.count(f.Scalar())) return fail(here, f.Mark(), "duplicate key");
      auto scopes = scope_list(here, kv.second);
      if (auto* e = std::get_if<error>(&scopes)) return *e;
      out.emplace(f.Scalar(), std::move(std::get<std::vector<std::string>>(scopes)));
    }
    return std::nullopt;
  }

  std::variant<std::vector<std::string>, error> scope_list(const std::string& where_key, const YAML::Node& v) {
    if (!v.IsSequence()) return fail(where_key, v.Mark(), "expected a list of scopes (e.g. [crm:read])");
    std::vector<std::string> out;
    for (const auto& item : v) {
      if (!item.IsScalar() || !token(item.Scalar()))
        return fail(where_key, item.Mark(), "expected scopes without spaces (e.g. crm:read)");
      out.push_back(item.Scalar());
    }
    return out;
  }

  std::set<std::string> seen_access_;

  // rate_limits: {tier: {requests_per_minute: N, burst: N}}; tool_costs.classes the same by class.
  // A table in the file replaces the defaults entirely, so what is written is all there is.
  std::optional<error> rate_table(const std::string& here, const YAML::Node& node, limits::rate_table& out,
                                  const char* what) {
    if (node.IsNull()) return std::nullopt;
    const std::string shape = std::string("expected a map of ") + what +
                              " names to {requests_per_minute: N, burst: N} (e.g. production: "
                              "{requests_per_minute: 1000, burst: 200})";
    if (!node.IsMap()) return fail(here, node.Mark(), shape);
    out.clear();
    for (const auto& kv : node) {
      const YAML::Node name = kv.first;
      const YAML::Node v = kv.second;
      if (!name.IsScalar() || !token(name.Scalar()) || name.Scalar().size() > 64)
        return fail(here, name.Mark(), std::string("expected a ") + what + " name without spaces");
      std::string where_key = here + "." + name.Scalar();
      if (out.count(name.Scalar())) return fail(where_key, name.Mark(), "duplicate key");
      if (!v.IsMap()) return fail(where_key, v.Mark(), shape);
      rate_limit r{0, 0};
      bool rpm = false, burst = false;
      for (const auto& fv : v) {
        const YAML::Node f = fv.first;
        std::string field = f.IsScalar() ? f.Scalar() : "";
        bool* seen = field == "requests_per_minute" ? &rpm : field == "burst" ? &burst : nullptr;
        if (!seen)
          return fail(where_key + "." + field, f.Mark(), "unknown key (known keys here: requests_per_minute, burst)");
        if (*seen) return fail(where_key + "." + field, f.Mark(), "duplicate key");
        *seen = true;
        auto n = whole_number(fv.second);
        const bool is_burst = field == "burst";
        const auto max = static_cast<std::uint64_t>(is_burst ? limits::max_burst : limits::max_requests_per_minute);
        if (!n || *n < 1 || *n > max)
          return fail(where_key + "." + field, fv.second.Mark(), "expected an integer 1-" + std::to_string(max));
        (is_burst ? r.burst : r.requests_per_minute) = static_cast<std::int64_t>(*n);
      }
      if (!rpm || !burst) return fail(where_key, v.Mark(), "requests_per_minute and burst are required");
      out.emplace(name.Scalar(), r);
    }
    return std::nullopt;
  }

  static std::optional<std::uint64_t> whole_number(const YAML::Node& n) {
    if (!n.IsScalar() || n.Scalar().empty() || n.Scalar().size() > 19) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : n.Scalar()) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return v;
  }

  // A flat map of names to names (limits.clients: client_id -> tier; tool_costs.tools: tool -> class).
  template <typename Set>
  std::optional<error> name_map(const std::string& here, const YAML::Node& node, const char* shape, Set set) {
    if (node.IsNull()) return std::nullopt;
    if (!node.IsMap()) return fail(here, node.Mark(), shape);
    std::set<std::string> seen;
    for (const auto& kv : node) {
      const YAML::Node k = kv.first;
      const YAML::Node v = kv.second;
      if (!k.IsScalar() || k.Scalar().empty()) return fail(here, k.Mark(), shape);
      std::string where_key = here + "." + k.Scalar();
      if (!seen.insert(k.Scalar()).second) return fail(where_key, k.Mark(), "duplicate key");
      if (!v.IsScalar() || !token(v.Scalar()) || v.Scalar().size() > 64) return fail(where_key, v.Mark(), shape);
      if (auto e = set(where_key, k, v.Scalar())) return e;
    }
    return std::nullopt;
  }

  std::optional<error> client_tiers(const YAML::Node& node) {
    return name_map("limits.clients", node,
                    "expected a map of client ids to tier names (e.g. reporting-bot: enterprise)",
                    [this](const std::string&, const YAML::Node& k, const std::string& tier) -> std::optional<error> {
                      d.s.server.rate_limits.clients[k.Scalar()] = tier;
                      return std::nullopt;
                    });
  }

  std::optional<error> tool_classes(const YAML::Node& node) {
    return name_map(
        "tool_costs.tools", node, "expected a map of tool names to cost classes (e.g. update_customer: write)",
        [this](const std::string& where_key, const YAML::Node& k, const std::string& cls) -> std::optional<error> {
          auto& kept = d.s.server.tool_access[k.Scalar()];
          if (kept.cost)
            return fail(where_key, k.Mark(), "cost also set in tools." + k.Scalar() + "; set it in one place");
          kept.cost = cls;
          return std::nullopt;
        });
  }

  std::optional<error> store_failures(const YAML::Node& node) {
    const char* shape = "expected a map of cost classes to open or closed (e.g. {read: open, write: closed})";
    auto& out = d.s.server.rate_limits.on_store_error;
    return name_map("limits.on_store_error", node, shape,
                    [&](const std::string& where_key, const YAML::Node& k,
                        const std::string& v) -> std::optional<error> {
                      if (v != "open" && v != "closed") return fail(where_key, k.Mark(), shape);
                      out[k.Scalar()] = v == "open" ? store_failure::open : store_failure::closed;
                      return std::nullopt;
                    });
  }

  static bool token(const std::string& s) {
    return !s.empty() && std::none_of(s.begin(), s.end(), [](unsigned char c) { return c <= ' ' || c == 0x7f; });
  }

  std::variant<access_override, error> access_entry(const std::string& name, const YAML::Node& value, bool tool) {
    const std::string known = tool ? "scopes, cost, timeout_ms" : "scopes, cost";
    if (!value.IsMap()) return fail(name, value.Mark(), "expected a map with the keys " + known);
    access_override o;
    for (const auto& kv : value) {
      const YAML::Node k = kv.first;
      const YAML::Node v = kv.second;
      std::string field = k.IsScalar() ? k.Scalar() : "";
      if (field == "scopes" && !o.scopes) {
        if (!v.IsSequence()) return fail(name + ".scopes", v.Mark(), "expected a list of scopes (e.g. [crm:read])");
        o.scopes.emplace();
        for (const auto& item : v) {
          if (!item.IsScalar() || !token(item.Scalar()))
            return fail(name + ".scopes", item.Mark(), "expected scopes without spaces (e.g. crm:read)");
          o.scopes->push_back(item.Scalar());
        }
      } else if (field == "cost" && !o.cost) {
        if (!v.IsScalar() || !token(v.Scalar()))
          return fail(name + ".cost", v.Mark(), "expected a cost class: read, write, external, heavy or a custom name");
        o.cost = v.Scalar();
      } else if (field == "timeout_ms" && tool && !o.timeout) {
        auto ms = timeout_ms(v);
        if (!ms) return fail(name + ".timeout_ms", v.Mark(), "expected an integer 1-31536000000 (milliseconds)");
        o.timeout = *ms;
      } else {
        bool known_field = field == "scopes" || field == "cost" || (tool && field == "timeout_ms");
        return fail(name + "." + field, k.Mark(),
                    known_field ? "duplicate key" : "unknown key (known keys here: " + known + ")");
      }
    }
    return o;
  }

  // A tool's time limit: the range of limits.tool_timeout_ms.
  static std::optional<std::chrono::milliseconds> timeout_ms(const YAML::Node& v) {
    constexpr std::uint64_t year_ms = 365ull * 24 * 3600 * 1000;
    auto n = v.IsScalar() ? parse_uint(v.Scalar()) : std::nullopt;
    if (!n || *n < 1 || *n > year_ms) return std::nullopt;
    return std::chrono::milliseconds(*n);
  }

  std::optional<error> leaf(const key_def& k, const YAML::Node& value) {
    const std::string& name = k.name;
    raw_value v;
    if (k.k == kind::list) {
      if (!value.IsSequence()) return fail(name, value.Mark(), "expected " + k.expected);
      v.is_list = true;
      for (const auto& item : value) {
        if (!item.IsScalar()) return fail(name, item.Mark(), "expected " + k.expected);
        v.items.push_back(item.Scalar());
      }
    } else {
      if (!value.IsScalar()) {
        auto got = value.IsMap() ? "a map" : value.IsSequence() ? "a list" : "nothing";
        return fail(name, value.Mark(), "expected " + k.expected + ", got " + got);
      }
      v.text = value.Scalar();
    }
    if (auto why = apply(k, v, d)) return fail(name, value.Mark(), *why);
    if (k.k == kind::secret_file) d.secrets[k.name].origin = where(value.Mark());
    return std::nullopt;
  }
};

}  // namespace

std::optional<error> apply_yaml_file(const std::string& path, const key_table& t, draft& d) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return error{"", path + ": cannot read the config file: " +
                         (std::filesystem::exists(path, ec) ? "not a regular file" : "no such file")};
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) return error{"", path + ": cannot read the config file: cannot open it"};
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return error{"", path + ": cannot read the config file: read error"};

  yaml_walker w{path, t, d, {}};
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(text.str());
  } catch (const YAML::Exception& e) {
    return error{"", w.where(e.mark) + ": malformed YAML: " + e.msg};
  }
  if (docs.empty()) return std::nullopt;  // an empty file: defaults
  if (docs.size() > 1)                    // a second document would be ignored silently
    return w.fail("", docs[1].Mark(), "expected one YAML document, found " + std::to_string(docs.size()));
  const YAML::Node& root = docs[0];
  if (root.IsNull()) return std::nullopt;  // an empty file: defaults
  if (!root.IsMap()) return w.fail("", root.Mark(), "expected a map of sections (server, limits, ...)");
  return w.map(root, "");
}

}  // namespace mcpx::config::detail
