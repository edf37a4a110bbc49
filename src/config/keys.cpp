// The built-in key table: every key of the library, its form, and where it goes in settings.
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

// An absolute http(s) URI with a host and no fragment: an issuer identifier (RFC 8414 2: no
// query either) or a resource URI (RFC 8707 2). Whether plain http is allowed (loopback only)
// is the auth module's check at start.
bool valid_http_uri(std::string_view s, bool query_ok) {
  std::string_view rest;
  if (s.starts_with("https://")) rest = s.substr(8);
  else if (s.starts_with("http://")) rest = s.substr(7);
  else return false;
  if (rest.empty() || rest.front() == '/' || rest.find('#') != std::string_view::npos) return false;
  if (!query_ok && rest.find('?') != std::string_view::npos) return false;
  return std::none_of(rest.begin(), rest.end(), [](char c) { return is_space(c) || c == ','; });
}
bool valid_issuer(std::string_view s) { return valid_http_uri(s, false); }
bool valid_resource(std::string_view s) { return valid_http_uri(s, true); }
bool valid_dpop(std::string_view s) { return s == "off" || s == "allowed" || s == "required"; }
bool valid_name(std::string_view s) { return !s.empty() && s.size() <= 256; }
bool valid_limit_mode(std::string_view s) { return s == "off" || s == "shadow" || s == "enforce"; }
bool valid_anonymous_key(std::string_view s) { return s == "address" || s == "off"; }
bool valid_store(std::string_view s) { return s == "memory" || s == "redis"; }
bool valid_redis_url(std::string_view s) {
  return (s.starts_with("redis://") || s.starts_with("rediss://")) && s.size() <= 2048 && !has_space_or_comma(s);
}
bool valid_tier_name(std::string_view s) {
  return !s.empty() && s.size() <= 64 && std::none_of(s.begin(), s.end(), [](unsigned char c) { return c <= ' '; });
}

key_def number(const char* name, const char* expected, std::uint64_t min, std::uint64_t max,
               void (*set)(draft&, std::uint64_t)) {
  key_def k{name, kind::number, expected};
  k.min = min;
  k.max = max;
  k.set_number = set;
  return k;
}
key_def text(const char* name, const char* expected, bool (*valid)(std::string_view),
             void (*set)(draft&, std::string)) {
  key_def k{name, kind::text, expected};
  k.valid = valid;
  k.set_text = set;
  return k;
}
key_def list(const char* name, const char* expected, bool (*valid)(std::string_view),
             void (*set)(draft&, std::vector<std::string>)) {
  key_def k{name, kind::list, expected};
  k.valid = valid;
  k.set_list = set;
  return k;
}
key_def flag(const char* name, void (*set)(draft&, bool)) {
  key_def k{name, kind::flag, "true or false"};
  k.set_flag = set;
  return k;
}
key_def secret_file(const char* name, const char* expected, void (*set)(draft&, std::string)) {
  key_def k{name, kind::secret_file, expected};
  k.valid = valid_path;
  k.set_text = set;
  return k;
}

// The state secret is an HMAC key: short ones are guessable, but refusing them would break
// setups that work today, so this only warns.
void set_state_secret(draft& d, std::string v) {
  constexpr std::size_t recommended = 32;
  if (v.size() < recommended)
    d.s.warnings.push_back("mrtr.state_secret is shorter than " + std::to_string(recommended) +
                           " bytes; use at least 32 random bytes (e.g. openssl rand -base64 32)");
  d.s.server.state_secret = std::move(v);
}

// Built on first use rather than at static initialization: an app may register its schema
// (checked against these keys) from a static initializer of its own.
auto make_table() {
  return std::array{
      text("server.address", "an IPv4 or IPv6 address (e.g. 0.0.0.0)", valid_address,
           [](draft& d, std::string v) { d.s.server.address = std::move(v); }),
      number("server.port", "an integer 0-65535", 0, 65535,
             [](draft& d, std::uint64_t v) { d.s.server.port = static_cast<unsigned short>(v); }),
      text("server.endpoint", "a path starting with / (e.g. /mcp)", valid_endpoint,
           [](draft& d, std::string v) { d.s.server.endpoint = std::move(v); }),
      number("server.io_threads", "an integer 1-64", 1, 64,
             [](draft& d, std::uint64_t v) { d.s.server.io_threads = static_cast<unsigned>(v); }),
      flag("server.tune_allocator", [](draft& d, bool v) { d.s.server.tune_allocator = v; }),
      number("server.worker_threads", "an integer 1-1024", 1, 1024,
             [](draft& d, std::uint64_t v) { d.s.server.worker_threads = static_cast<unsigned>(v); }),
      number("server.worker_queue_limit", "an integer >= 1", 1, size_max,
             [](draft& d, std::uint64_t v) { d.s.server.worker_queue_limit = v; }),
      number("server.worker_short_call_us", "an integer 0-1000000 (microseconds; 0: every call on a worker)", 0,
             1'000'000, [](draft& d, std::uint64_t v) { d.s.server.worker_short_call = std::chrono::microseconds(v); }),
      number("limits.tool_timeout_ms", "an integer 1-31536000000 (milliseconds)", 1, year_ms,
             [](draft& d, std::uint64_t v) { d.s.server.tool_timeout = milliseconds(v); }),
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
      number("limits.max_connections_per_address", "an integer >= 0 (0: no limit)", 0, size_max,
             [](draft& d, std::uint64_t v) { d.s.server.max_connections_per_address = v; }),
      list("security.allowed_origins", "a list of origins like https://app.example.com (scheme://host[:port])",
           valid_origin, [](draft& d, std::vector<std::string> v) { d.s.server.allowed_origins = std::move(v); }),
      list("security.allowed_hosts", "a list of host names without port (e.g. localhost, 10.0.0.5, [::1])", valid_host,
           [](draft& d, std::vector<std::string> v) { d.s.server.allowed_hosts = std::move(v); }),
      number("sessions.idle_timeout_seconds", "an integer 1-31536000 (seconds)", 1, year_s,
             [](draft& d, std::uint64_t v) { d.s.server.session_idle_timeout = seconds(v); }),
      number("sessions.max_sessions", "an integer >= 1", 1, size_max,
             [](draft& d, std::uint64_t v) { d.s.server.max_sessions = v; }),
      number("sessions.max_record_bytes", "an integer >= 1024", 1024, size_max,
             [](draft& d, std::uint64_t v) { d.s.server.session_record_bytes = v; }),
      number("sessions.max_total_bytes", "an integer >= 65536", 65536, size_max,
             [](draft& d, std::uint64_t v) { d.s.server.sessions_total_bytes = v; }),
      number("sessions.max_subscriptions", "an integer >= 0", 0, size_max,
             [](draft& d, std::uint64_t v) { d.s.server.max_subscriptions = v; }),
      number("events.max_session_bytes", "an integer >= 65536", 65536, size_max,
             [](draft& d, std::uint64_t v) { d.s.server.event_session_bytes = v; }),
      number("events.max_total_bytes", "an integer >= 65536", 65536, size_max,
             [](draft& d, std::uint64_t v) { d.s.server.events_total_bytes = v; }),
      secret_file("mrtr.state_secret_file", "the path of a file holding the secret", set_state_secret),
      number("mrtr.request_state_ttl_seconds", "an integer 1-31536000 (seconds)", 1, year_s,
             [](draft& d, std::uint64_t v) { d.s.server.request_state_ttl = seconds(v); }),
      number("tasks.after_ms", "an integer 0-31536000000 (milliseconds)", 0, year_ms,
             [](draft& d, std::uint64_t v) { d.s.server.task_after = milliseconds(v); }),
      number("tasks.ttl_ms", "an integer 1-31536000000 (milliseconds)", 1, year_ms,
             [](draft& d, std::uint64_t v) { d.s.server.task_ttl = milliseconds(v); }),
      number("tasks.poll_interval_ms", "an integer 1-31536000000 (milliseconds)", 1, year_ms,
             [](draft& d, std::uint64_t v) { d.s.server.task_poll_interval = milliseconds(v); }),
      number("tasks.max_tasks", "an integer >= 1", 1, size_max,
             [](draft& d, std::uint64_t v) { d.s.server.max_tasks = v; }),
      number("tasks.max_record_bytes", "an integer >= 1024", 1024, size_max,
             [](draft& d, std::uint64_t v) { d.s.server.task_record_bytes = v; }),
      number("tasks.max_total_bytes", "an integer >= 65536", 65536, size_max,
             [](draft& d, std::uint64_t v) { d.s.server.tasks_total_bytes = v; }),
      text("log.level", "one of debug, info, warning, error, off", valid_log_level,
           [](draft& d, std::string v) {
             d.s.server.log_level = v;
             d.s.log_level = std::move(v);
           }),
      number("log.flush_ms", "an integer 0-60000 (milliseconds)", 0, 60'000,
             [](draft& d, std::uint64_t v) { d.s.server.log_flush = milliseconds(v); }),
      number("shutdown.grace_seconds", "an integer 0-31536000 (seconds)", 0, year_s,
             [](draft& d, std::uint64_t v) {
               d.s.shutdown_grace = seconds(v);
               d.s.server.shutdown_grace = seconds(v);
             }),
      list("auth.issuers", "a list of issuer URLs (https://, or http:// on loopback only)", valid_issuer,
           [](draft& d, std::vector<std::string> v) {
             d.s.server.auth.issuers.clear();
             for (auto& i : v) d.s.server.auth.issuers.push_back({std::move(i), {}});
           }),
      flag("auth.required", [](draft& d, bool v) { d.s.server.auth.required = v; }),
      text("auth.resource", "this server's canonical https:// URI (e.g. https://mcp.example.com/mcp)", valid_resource,
           [](draft& d, std::string v) { d.s.server.auth.resource = std::move(v); }),
      text("auth.resource_name", "a name of at most 256 bytes", valid_name,
           [](draft& d, std::string v) { d.s.server.auth.resource_name = std::move(v); }),
      text("auth.dpop", "one of off, allowed, required", valid_dpop,
           [](draft& d, std::string v) {
             d.s.server.auth.dpop = v == "off"        ? dpop_mode::off
                                    : v == "required" ? dpop_mode::required
                                                      : dpop_mode::allowed;
           }),
      flag("auth.list_filtering", [](draft& d, bool v) { d.s.server.auth.list_filtering = v; }),
      flag("auth.accept_jwt_typ", [](draft& d, bool v) { d.s.server.auth.accept_jwt_typ = v; }),
      number("auth.leeway_seconds", "an integer 0-600 (seconds)", 0, 600,
             [](draft& d, std::uint64_t v) { d.s.server.auth.leeway = seconds(v); }),
      number("auth.max_token_bytes", "an integer 512-65536", 512, 65536,
             [](draft& d, std::uint64_t v) { d.s.server.auth.max_token_bytes = v; }),
      number("auth.token_cache_entries", "an integer >= 0 (0: no cache)", 0, size_max,
             [](draft& d, std::uint64_t v) { d.s.server.auth.token_cache_entries = v; }),
      number("auth.jwks_refresh_seconds", "an integer 60-86400 (seconds)", 60, 86400,
             [](draft& d, std::uint64_t v) { d.s.server.auth.jwks_refresh = seconds(v); }),
      number("auth.unknown_kid_refetch_seconds", "an integer 1-3600 (seconds)", 1, 3600,
             [](draft& d, std::uint64_t v) { d.s.server.auth.unknown_kid_refetch = seconds(v); }),
      text("auth.ca_file", "the path of a PEM file of CA certificates", valid_path,
           [](draft& d, std::string v) { d.s.server.auth.ca_file = std::move(v); }),
      text("limits.rate_limiting", "one of off, shadow, enforce", valid_limit_mode,
           [](draft& d, std::string v) {
             d.s.server.rate_limits.mode = v == "enforce"  ? limit_mode::enforce
                                           : v == "shadow" ? limit_mode::shadow
                                                           : limit_mode::off;
           }),
      text("limits.default_tier", "the name of a tier of rate_limits", valid_tier_name,
           [](draft& d, std::string v) { d.s.server.rate_limits.default_tier = std::move(v); }),
      text("limits.anonymous_key", "one of address, off", valid_anonymous_key,
           [](draft& d, std::string v) { d.s.server.rate_limits.anonymous_by_address = v == "address"; }),
      text("limits.store", "one of memory, redis", valid_store,
           [](draft& d, std::string v) { d.s.server.rate_limits.use_redis = v == "redis"; }),
      number("limits.memory_max_keys", "an integer >= 1000", 1000, size_max,
             [](draft& d, std::uint64_t v) { d.s.server.rate_limits.memory_max_keys = v; }),
      text("limits.redis.url", "a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379/0)", valid_redis_url,
           [](draft& d, std::string v) { d.s.server.rate_limits.redis.url = std::move(v); }),
      secret_file("limits.redis.password_file", "the path of a file holding the Redis password",
                  [](draft& d, std::string v) { d.s.server.rate_limits.redis.password = std::move(v); }),
      text("limits.redis.key_prefix", "a key prefix of at most 64 bytes (e.g. mcpx:)", valid_tier_name,
           [](draft& d, std::string v) { d.s.server.rate_limits.redis.key_prefix = std::move(v); }),
      text("limits.redis.ca_file", "the path of a PEM file of CA certificates", valid_path,
           [](draft& d, std::string v) { d.s.server.rate_limits.redis.ca_file = std::move(v); }),
      number("limits.redis.command_timeout_ms", "an integer 1-60000 (milliseconds)", 1, 60000,
             [](draft& d, std::uint64_t v) { d.s.server.rate_limits.redis.command_timeout = milliseconds(v); }),
      number("limits.redis.pool_size", "an integer 1-64", 1, 64,
             [](draft& d, std::uint64_t v) { d.s.server.rate_limits.redis.pool_size = v; }),
      text("auth.introspection.issuer", "one of auth.issuers (default: the first)", valid_issuer,
           [](draft& d, std::string v) { d.s.server.auth.introspection.issuer = std::move(v); }),
      text("auth.introspection.endpoint", "an https:// URL (default: the issuer's metadata names it)", valid_resource,
           [](draft& d, std::string v) { d.s.server.auth.introspection.endpoint = std::move(v); }),
      text("auth.introspection.client_id", "this server's client id at the authorization server", valid_name,
           [](draft& d, std::string v) { d.s.server.auth.introspection.client_id = std::move(v); }),
      secret_file("auth.introspection.client_secret_file", "the path of a file holding the client secret",
                  [](draft& d, std::string v) { d.s.server.auth.introspection.client_secret = std::move(v); }),
      number("auth.introspection.cache_seconds", "an integer 1-3600 (seconds)", 1, 3600,
             [](draft& d, std::uint64_t v) { d.s.server.auth.introspection.cache_ttl = seconds(v); }),
      number("auth.introspection.cache_entries", "an integer >= 0 (0: no cache)", 0, size_max,
             [](draft& d, std::uint64_t v) { d.s.server.auth.introspection.cache_entries = v; }),
      number("auth.introspection.max_in_flight", "an integer 1-10000", 1, 10000,
             [](draft& d, std::uint64_t v) { d.s.server.auth.introspection.max_in_flight = v; }),
      number("metrics.port", "an integer 0-65535 (0: /metrics on the main port)", 0, 65535,
             [](draft& d, std::uint64_t v) {
               d.s.metrics_port = static_cast<unsigned short>(v);
               d.s.server.metrics_port = d.s.metrics_port;
             }),
  };
}

constexpr std::array<std::string_view, 12> ignored{
    "MCPX_TEST_",
    "MCPX_JOBS",
    "MCPX_SANITIZE",
    "MCPX_APT_",
    "MCPX_INSTALL_DEPS",
    "MCPX_CONFORMANCE",
    "MCPX_PORT",
    "MCPX_E2E_",                  // tests/e2e/run.sh
    "MCPX_SERVER_START_TIMEOUT",  // tests/conformance/run.sh, tests/e2e/run.sh
    "MCPX_CONTAINERS",            // scripts/test, tests/containers (MCPX_CONTAINERS_NO_BUILD)
    "MCPX_BENCH_",                // bench/run
    "MCPX_FUZZ_",                 // scripts/test
};

}  // namespace

std::span<const key_def> builtin_keys() {
  static const auto table = make_table();
  return table;
}

std::string env_name(std::string_view dotted) {
  std::string out = "MCPX_";
  for (char c : dotted) out += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string plain_secret_name(const key_def& k) {
  return k.name.substr(0, k.name.size() - std::string_view("_file").size());
}

std::string value_name(const key_def& k) { return k.k == kind::secret_file ? plain_secret_name(k) : k.name; }

std::string_view section_of(std::string_view dotted) { return dotted.substr(0, dotted.find('.')); }

std::span<const std::string_view> ignored_env_prefixes() { return ignored; }

bool ignored_variable(std::string_view name) {
  for (auto prefix : ignored)
    if (name.starts_with(prefix)) return true;
  return false;
}

}  // namespace mcpx::config::detail
