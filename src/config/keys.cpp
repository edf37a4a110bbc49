// The key table: every configuration key, its form, and where it goes in settings.
#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>

#include "config/internal.hpp"

namespace mcpx::config::detail {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::uint64_t size_max = std::numeric_limits<std::size_t>::max();
// Durations are capped so deadline arithmetic (now + d, in nanoseconds) cannot overflow.
constexpr std::uint64_t year_s = 365ull * 24 * 3600;
constexpr std::uint64_t year_ms = year_s * 1000;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool has_space_or_comma(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return is_space(c) || c == ','; });
}

bool valid_address(std::string_view s) {
  // mcpx::server::start() binds with make_address, which takes IP literals only.
  std::string z(s);
  unsigned char buf[16];
  return inet_pton(AF_INET, z.c_str(), buf) == 1 || inet_pton(AF_INET6, z.c_str(), buf) == 1;
}

bool valid_endpoint(std::string_view s) {
  return s.size() >= 1 && s[0] == '/' && s.find_first_of("?# \t\r\n") == std::string_view::npos;
}

bool valid_log_level(std::string_view s) {
  return s == "debug" || s == "info" || s == "warning" || s == "error" || s == "off";
}

// Compared verbatim with the Origin header: scheme://host[:port], no path, no trailing slash.
bool valid_origin(std::string_view s) {
  auto sep = s.find("://");
  if (sep == std::string_view::npos || sep == 0 || sep + 3 >= s.size()) return false;
  if (!std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s.substr(0, sep))
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return false;
  auto rest = s.substr(sep + 3);
  return rest.find('/') == std::string_view::npos && !has_space_or_comma(rest);
}

// Compared with the Host header minus its port: a name, an IPv4 address or a bracketed IPv6 one.
bool valid_host(std::string_view s) {
  if (s.empty() || has_space_or_comma(s) || s.find('/') != std::string_view::npos) return false;
  if (s.front() == '[') return s.size() > 2 && s.back() == ']';
  return s.find(':') == std::string_view::npos;
}

bool valid_path(std::string_view s) { return !s.empty() && s.find('\0') == std::string_view::npos; }

constexpr key_def number(std::string_view name, std::string_view expected, std::uint64_t min, std::uint64_t max,
                         void (*set)(draft&, std::uint64_t)) {
  key_def k{name, kind::number, expected};
  k.min = min;
  k.max = max;
  k.set_number = set;
  return k;
}
constexpr key_def text(std::string_view name, std::string_view expected, bool (*valid)(std::string_view),
                       void (*set)(draft&, std::string)) {
  key_def k{name, kind::text, expected};
  k.valid = valid;
  k.set_text = set;
  return k;
}
constexpr key_def list(std::string_view name, std::string_view expected, bool (*valid)(std::string_view),
                       void (*set)(draft&, std::vector<std::string>)) {
  key_def k{name, kind::list, expected};
  k.valid = valid;
  k.set_list = set;
  return k;
}

const std::array table{
    text("server.address", "an IPv4 or IPv6 address (e.g. 0.0.0.0)", valid_address,
         [](draft& d, std::string v) { d.s.server.address = std::move(v); }),
    number("server.port", "an integer 0-65535", 0, 65535,
           [](draft& d, std::uint64_t v) { d.s.server.port = static_cast<unsigned short>(v); }),
    text("server.endpoint", "a path starting with / (e.g. /mcp)", valid_endpoint,
         [](draft& d, std::string v) { d.s.server.endpoint = std::move(v); }),
    number("server.io_threads", "an integer 1-64", 1, 64,
           [](draft& d, std::uint64_t v) { d.s.server.io_threads = static_cast<unsigned>(v); }),
    number("server.worker_threads", "an integer 1-1024", 1, 1024,
           [](draft& d, std::uint64_t v) { d.s.server.worker_threads = static_cast<unsigned>(v); }),
    number("server.worker_queue_limit", "an integer >= 1", 1, size_max,
           [](draft& d, std::uint64_t v) { d.s.server.worker_queue_limit = v; }),
    number("limits.header_bytes", "an integer >= 1024", 1024, size_max,
           [](draft& d, std::uint64_t v) { d.s.server.header_limit = v; }),
    number("limits.body_bytes", "an integer >= 1024", 1024, size_max,
           [](draft& d, std::uint64_t v) { d.s.server.body_limit = v; }),
    number("limits.read_timeout_ms", "an integer 1-31536000000 (milliseconds)", 1, year_ms,
           [](draft& d, std::uint64_t v) { d.s.server.read_timeout = milliseconds(v); }),
    number("limits.idle_timeout_ms", "an integer 1-31536000000 (milliseconds)", 1, year_ms,
           [](draft& d, std::uint64_t v) { d.s.server.idle_timeout = milliseconds(v); }),
    number("limits.max_connections", "an integer >= 1", 1, size_max,
           [](draft& d, std::uint64_t v) { d.s.server.max_connections = v; }),
    list("security.allowed_origins", "a list of origins like https://app.example.com (scheme://host[:port])",
         valid_origin, [](draft& d, std::vector<std::string> v) { d.s.server.allowed_origins = std::move(v); }),
    list("security.allowed_hosts", "a list of host names without port (e.g. localhost, 10.0.0.5, [::1])",
         valid_host, [](draft& d, std::vector<std::string> v) { d.s.server.allowed_hosts = std::move(v); }),
    number("sessions.idle_timeout_seconds", "an integer 1-31536000 (seconds)", 1, year_s,
           [](draft& d, std::uint64_t v) { d.s.server.session_idle_timeout = seconds(v); }),
    number("sessions.max_sessions", "an integer >= 1", 1, size_max,
           [](draft& d, std::uint64_t v) { d.s.server.max_sessions = v; }),
    key_def{"mrtr.state_secret_file", kind::secret_file, "the path of a file holding the secret", 0, 0, valid_path},
    number("mrtr.request_state_ttl_seconds", "an integer 1-31536000 (seconds)", 1, year_s,
           [](draft& d, std::uint64_t v) { d.s.server.request_state_ttl = seconds(v); }),
    number("tasks.after_ms", "an integer 0-31536000000 (milliseconds)", 0, year_ms,
           [](draft& d, std::uint64_t v) { d.s.server.task_after = milliseconds(v); }),
    number("tasks.ttl_ms", "an integer 1-31536000000 (milliseconds)", 1, year_ms,
           [](draft& d, std::uint64_t v) { d.s.server.task_ttl = milliseconds(v); }),
    number("tasks.poll_interval_ms", "an integer 1-31536000000 (milliseconds)", 1, year_ms,
           [](draft& d, std::uint64_t v) { d.s.server.task_poll_interval = milliseconds(v); }),
    text("log.level", "one of debug, info, warning, error, off", valid_log_level,
         [](draft& d, std::string v) {
           d.s.server.log_level = v;
           d.s.log_level = std::move(v);
         }),
    number("shutdown.grace_seconds", "an integer 0-31536000 (seconds)", 0, year_s,
           [](draft& d, std::uint64_t v) {
             d.s.shutdown_grace = seconds(v);
             d.s.server.shutdown_grace = seconds(v);
           }),
    number("metrics.port", "an integer 0-65535 (0: /metrics on the main port)", 0, 65535,
           [](draft& d, std::uint64_t v) {
             d.s.metrics_port = static_cast<unsigned short>(v);
             d.s.server.metrics_port = d.s.metrics_port;
           }),
};

constexpr std::array<std::string_view, 9> ignored{
    "MCPX_TEST_",        "MCPX_JOBS", "MCPX_SANITIZE", "MCPX_APT_", "MCPX_INSTALL_DEPS", "MCPX_CONFORMANCE",
    "MCPX_PORT",         "MCPX_E2E_",  // tests/e2e/run.sh
    "MCPX_SERVER_START_TIMEOUT",         // tests/conformance/run.sh, tests/e2e/run.sh
};

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

}  // namespace

std::span<const key_def> keys() { return table; }

const key_def* find_key(std::string_view dotted) {
  for (auto& k : table)
    if (k.name == dotted) return &k;
  return nullptr;
}

bool is_section(std::string_view dotted) {
  for (auto& k : table)
    if (k.name.size() > dotted.size() && k.name.starts_with(dotted) && k.name[dotted.size()] == '.') return true;
  return false;
}

std::string env_name(std::string_view dotted) {
  std::string out = "MCPX_";
  for (char c : dotted) out += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string plain_secret_name(const key_def& k) {
  return std::string(k.name.substr(0, k.name.size() - std::string_view("_file").size()));
}

std::span<const std::string_view> ignored_env_prefixes() { return ignored; }

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
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) m[i][j] = std::min(m[i][j], m[i - 2][j - 2] + 1);
    }
  return m[a.size()][b.size()];
}
}  // namespace

std::string suggestion(std::string_view name, bool as_env) {
  std::string best;
  auto last = name.substr(name.rfind('.') == std::string_view::npos ? 0 : name.rfind('.') + 1);
  std::size_t best_d = last.size() <= 4 ? 2 : 3;  // one edit away for short names, else two
  auto consider = [&](std::string candidate) {
    auto dd = distance(name, candidate);
    if (dd < best_d) best_d = dd, best = std::move(candidate);
  };
  for (auto& k : table) {
    if (as_env) {
      consider(env_name(k.name));
      if (k.k == kind::secret_file) consider(env_name(plain_secret_name(k)));
    } else {
      consider(std::string(k.name));
      consider(std::string(k.name.substr(0, k.name.find('.'))));
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

std::optional<std::string> apply(const key_def& k, const raw_value& v, draft& d) {
  if (k.k == kind::list) {
    if (!v.is_list) return "expected " + std::string(k.expected);
    for (auto& item : v.items)
      if (!k.valid(item)) return "expected " + std::string(k.expected) + ", got the item " + quote(item);
    k.set_list(d, v.items);
    return std::nullopt;
  }
  if (v.is_list) return "expected " + std::string(k.expected) + ", got a list";
  switch (k.k) {
    case kind::number: {
      auto n = parse_uint(v.text);
      if (!n || *n < k.min || *n > k.max) return "expected " + std::string(k.expected) + ", got " + quote(v.text);
      k.set_number(d, *n);
      return std::nullopt;
    }
    case kind::text:
      if (!k.valid(v.text)) return "expected " + std::string(k.expected) + ", got " + quote(v.text);
      k.set_text(d, v.text);
      return std::nullopt;
    case kind::secret_file:
      if (!k.valid(v.text)) return "expected " + std::string(k.expected);
      d.state_secret_file = v.text;
      d.state_secret_plain.reset();
      return std::nullopt;
    case kind::list:
      break;
  }
  return "internal error: unhandled key kind";
}

}  // namespace mcpx::config::detail
