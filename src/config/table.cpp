// One load's key table (built-in keys plus the app's), and checking and storing a raw value.
#include <algorithm>
#include <limits>
#include <set>

#include "config/internal.hpp"

namespace mcpx::config::detail {

key_table::key_table(const schema& app) {
  for (auto& k : builtin_keys()) keys_.push_back(&k);
  for (auto& k : schema_access::keys(app)) keys_.push_back(k.get());
}

const key_def* key_table::find(std::string_view dotted) const {
  for (auto* k : keys_)
    if (k->name == dotted) return k;
  return nullptr;
}

const key_def* key_table::find_plain_secret(std::string_view dotted) const {
  for (auto* k : keys_)
    if (k->k == kind::secret_file && plain_secret_name(*k) == dotted) return k;
  return nullptr;
}

bool key_table::is_section(std::string_view dotted) const {
  for (auto* k : keys_)
    if (k->name.size() > dotted.size() && k->name.starts_with(dotted) && k->name[dotted.size()] == '.') return true;
  return false;
}

std::string key_table::section_keys(std::string_view section) const {
  std::string out;
  for (auto* k : keys_)
    if (k->name.starts_with(section) && k->name.size() > section.size() && k->name[section.size()] == '.')
      out += (out.empty() ? "" : ", ") + k->name.substr(section.size() + 1);
  return out;
}

std::string key_table::sections() const {
  std::string out;
  std::set<std::string_view> seen;  // an app may register its sections' keys interleaved
  for (auto* k : keys_)
    if (seen.insert(section_of(k->name)).second) out += (out.empty() ? "" : ", ") + std::string(section_of(k->name));
  return out;
}

namespace {
// Optimal string alignment distance: edits and adjacent transpositions ("prot" -> "port": 1).
std::size_t distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> m(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) m[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) m[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i)
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      m[i][j] = std::min({m[i - 1][j] + 1, m[i][j - 1] + 1, m[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        m[i][j] = std::min(m[i][j], m[i - 2][j - 2] + 1);
    }
  return m[a.size()][b.size()];
}
}  // namespace

std::string key_table::suggestion(std::string_view name, bool as_env) const {
  std::string best;
  auto last = name.substr(name.rfind('.') == std::string_view::npos ? 0 : name.rfind('.') + 1);
  std::size_t best_d = last.size() <= 4 ? 2 : 3;  // one edit away for short names, else two
  auto consider = [&](std::string candidate) {
    auto dd = distance(name, candidate);
    if (dd < best_d) best_d = dd, best = std::move(candidate);
  };
  for (auto* k : keys_) {
    if (as_env) {
      consider(env_name(k->name));
      if (k->k == kind::secret_file) consider(env_name(plain_secret_name(*k)));
    } else {
      consider(k->name);
      consider(std::string(section_of(k->name)));
    }
  }
  return best.empty() ? std::string() : " (did you mean " + best + "?)";
}

std::string quote(std::string_view v) {
  constexpr std::size_t max = 64;
  std::string out = "\"";
  for (char c : v.substr(0, max)) {
    if (static_cast<unsigned char>(c) < 0x20 || c == '\x7f') out += '?';
    else out += c;
  }
  if (v.size() > max) out += "...";
  return out + "\"";
}

std::optional<std::uint64_t> parse_uint(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    unsigned digit = static_cast<unsigned>(c - '0');
    if (v > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return std::nullopt;
    v = v * 10 + digit;
  }
  return v;
}

namespace {

void store(const key_def& k, app_value v, draft& d) { settings_access::values(d.s)[value_name(k)] = std::move(v); }

std::optional<std::string> apply_list(const key_def& k, const raw_value& v, draft& d) {
  if (!v.is_list) return "expected " + k.expected;
  for (auto& item : v.items)
    if (!k.valid(item)) return "expected " + k.expected + ", got the item " + quote(item);
  if (k.app) store(k, v.items, d);
  else k.set_list(d, v.items);
  return std::nullopt;
}

std::optional<std::string> apply_scalar(const key_def& k, const std::string& text, draft& d) {
  auto bad = [&] { return "expected " + k.expected + ", got " + quote(text); };
  switch (k.k) {
    case kind::number:
    case kind::duration: {
      auto n = parse_uint(text);
      if (!n || *n < k.min || *n > k.max) return bad();
      if (k.k == kind::duration) store(k, std::chrono::milliseconds(*n * k.unit_ms), d);
      else if (k.app) store(k, *n, d);
      else k.set_number(d, *n);
      return std::nullopt;
    }
    case kind::flag:
      if (text != "true" && text != "false") return bad();
      if (k.app) store(k, text == "true", d);
      else k.set_flag(d, text == "true");
      return std::nullopt;
    case kind::text:
      if (!k.valid(text)) return bad();
      if (k.app) store(k, text, d);
      else k.set_text(d, text);
      return std::nullopt;
    case kind::secret_file: {
      if (!k.valid(text)) return "expected " + k.expected;  // a path; never echoed, it may be a pasted secret
      auto& src = d.secrets[k.name];
      src.file = text;
      src.plain.reset();
      return std::nullopt;
    }
    case kind::list: break;
  }
  return "internal error: unhandled key kind";
}

}  // namespace

std::optional<std::string> apply(const key_def& k, const raw_value& v, draft& d) {
  if (k.k == kind::list) return apply_list(k, v, d);
  if (v.is_list) return "expected " + k.expected + ", got a list";
  return apply_scalar(k, v.text, d);
}

void apply_defaults(const key_table& t, draft& d) {
  for (auto* k : t.all())
    if (k->app) store(*k, k->fallback, d);
}

}  // namespace mcpx::config::detail
