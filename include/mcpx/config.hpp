#pragma once
/// @file Process configuration: one YAML file, every key overridable by an environment
/// variable, secrets only through `*_file` keys. Parsed and validated once by load(); the
/// result is a plain value to share read-only.
///
/// Keys (nested maps in the YAML file) and their environment variables (the dotted key upper-
/// cased, dots as underscores, prefixed `MCPX_`):
///
///   server.address                 MCPX_SERVER_ADDRESS                 non-empty string
///   server.port                    MCPX_SERVER_PORT                    0-65535 (0: a free port)
///   server.endpoint                MCPX_SERVER_ENDPOINT                path starting with "/"
///   server.io_threads              MCPX_SERVER_IO_THREADS              1-64
///   server.worker_threads          MCPX_SERVER_WORKER_THREADS          1-1024
///   server.tune_allocator          MCPX_SERVER_TUNE_ALLOCATOR          true | false (default true; glibc malloc only)
///   server.worker_queue_limit      MCPX_SERVER_WORKER_QUEUE_LIMIT      >= 1
///   limits.tool_timeout_ms         MCPX_LIMITS_TOOL_TIMEOUT_MS         1 ms - 365 days (default 30000)
///   limits.header_bytes            MCPX_LIMITS_HEADER_BYTES            >= 1024
///   limits.body_bytes              MCPX_LIMITS_BODY_BYTES              >= 1024
///   limits.read_timeout_ms         MCPX_LIMITS_READ_TIMEOUT_MS         1 ms - 365 days
///   limits.idle_timeout_ms         MCPX_LIMITS_IDLE_TIMEOUT_MS         1 ms - 365 days
///   limits.max_connections         MCPX_LIMITS_MAX_CONNECTIONS         >= 1
///   limits.max_connections_per_address MCPX_LIMITS_MAX_CONNECTIONS_PER_ADDRESS >= 0 (0: off)
///   security.allowed_origins       MCPX_SECURITY_ALLOWED_ORIGINS       list (env: comma-separated)
///   security.allowed_hosts         MCPX_SECURITY_ALLOWED_HOSTS         list (env: comma-separated)
///   sessions.idle_timeout_seconds  MCPX_SESSIONS_IDLE_TIMEOUT_SECONDS  1 s - 365 days
///   sessions.max_sessions          MCPX_SESSIONS_MAX_SESSIONS          >= 1
///   sessions.max_record_bytes      MCPX_SESSIONS_MAX_RECORD_BYTES      >= 1024
///   sessions.max_total_bytes       MCPX_SESSIONS_MAX_TOTAL_BYTES       >= 65536
///   sessions.max_subscriptions     MCPX_SESSIONS_MAX_SUBSCRIPTIONS     >= 0
///   events.max_session_bytes       MCPX_EVENTS_MAX_SESSION_BYTES       >= 65536
///   events.max_total_bytes         MCPX_EVENTS_MAX_TOTAL_BYTES         >= 65536
///   mrtr.state_secret_file         MCPX_MRTR_STATE_SECRET_FILE         path of the secret
///   mrtr.request_state_ttl_seconds MCPX_MRTR_REQUEST_STATE_TTL_SECONDS 1 s - 365 days
///   tasks.after_ms                 MCPX_TASKS_AFTER_MS                 0 ms - 365 days
///   tasks.ttl_ms                   MCPX_TASKS_TTL_MS                   1 ms - 365 days
///   tasks.poll_interval_ms         MCPX_TASKS_POLL_INTERVAL_MS         1 ms - 365 days
///   tasks.max_tasks                MCPX_TASKS_MAX_TASKS                >= 1
///   tasks.max_record_bytes         MCPX_TASKS_MAX_RECORD_BYTES         >= 1024
///   tasks.max_total_bytes          MCPX_TASKS_MAX_TOTAL_BYTES          >= 65536
///   log.level                      MCPX_LOG_LEVEL                      debug|info|warning|error
///   log.flush_ms                   MCPX_LOG_FLUSH_MS                   0 ms - 60 s (access lines batched)
///   shutdown.grace_seconds         MCPX_SHUTDOWN_GRACE_SECONDS         0 s - 365 days
///   metrics.port                   MCPX_METRICS_PORT                   0-65535, != server.port
///   auth.issuers                   MCPX_AUTH_ISSUERS                   list of issuer URLs (file: also
///                                                                      {issuer: URL, audiences: [...]})
///   auth.required                  MCPX_AUTH_REQUIRED                  true|false
///   auth.resource                  MCPX_AUTH_RESOURCE                  this server's canonical URI
///   auth.resource_name             MCPX_AUTH_RESOURCE_NAME             text
///   auth.dpop                      MCPX_AUTH_DPOP                      off|allowed|required
///   auth.list_filtering            MCPX_AUTH_LIST_FILTERING            true|false
///   auth.accept_jwt_typ            MCPX_AUTH_ACCEPT_JWT_TYP            true|false
///   auth.leeway_seconds            MCPX_AUTH_LEEWAY_SECONDS            0-600
///   auth.max_token_bytes           MCPX_AUTH_MAX_TOKEN_BYTES           512-65536
///   auth.token_cache_entries       MCPX_AUTH_TOKEN_CACHE_ENTRIES       >= 0
///   auth.jwks_refresh_seconds      MCPX_AUTH_JWKS_REFRESH_SECONDS      60-86400
///   auth.unknown_kid_refetch_seconds MCPX_AUTH_UNKNOWN_KID_REFETCH_SECONDS 1-3600
///   auth.ca_file                   MCPX_AUTH_CA_FILE                   PEM file of trusted CAs
///   auth.introspection.issuer      MCPX_AUTH_INTROSPECTION_ISSUER      one of auth.issuers (default: first)
///   auth.introspection.endpoint    MCPX_AUTH_INTROSPECTION_ENDPOINT    URL (default: from the metadata)
///   auth.introspection.client_id   MCPX_AUTH_INTROSPECTION_CLIENT_ID   turns introspection of opaque tokens on
///   auth.introspection.client_secret_file MCPX_AUTH_INTROSPECTION_CLIENT_SECRET_FILE  path (secret)
///   auth.introspection.cache_seconds MCPX_AUTH_INTROSPECTION_CACHE_SECONDS 1-3600 (default 60)
///   auth.introspection.cache_entries MCPX_AUTH_INTROSPECTION_CACHE_ENTRIES >= 0
///   auth.introspection.max_in_flight MCPX_AUTH_INTROSPECTION_MAX_IN_FLIGHT 1-10000 (default 32)
///   limits.rate_limiting           MCPX_LIMITS_RATE_LIMITING           off|shadow|enforce (default off)
///   limits.default_tier            MCPX_LIMITS_DEFAULT_TIER            a tier of rate_limits
///   limits.anonymous_key           MCPX_LIMITS_ANONYMOUS_KEY           address|off
///   limits.store                   MCPX_LIMITS_STORE                   memory|redis
///   limits.memory_max_keys         MCPX_LIMITS_MEMORY_MAX_KEYS         >= 1000
///   limits.redis.url               MCPX_LIMITS_REDIS_URL               redis://host:port/db, rediss://
///   limits.redis.password_file     MCPX_LIMITS_REDIS_PASSWORD_FILE     path (secret)
///   limits.redis.key_prefix        MCPX_LIMITS_REDIS_KEY_PREFIX        text (default mcpx:)
///   limits.redis.ca_file           MCPX_LIMITS_REDIS_CA_FILE           PEM file (rediss://)
///   limits.redis.command_timeout_ms MCPX_LIMITS_REDIS_COMMAND_TIMEOUT_MS 1-60000
///   limits.redis.pool_size         MCPX_LIMITS_REDIS_POOL_SIZE         1-64
///
/// Maps (file only): `auth.scopes` ({tools: {name: [scope, ...]}, resources: ..., prompts: ...},
/// the scopes part of the access overrides below) and `auth.scope_implies`
/// ({crm:admin: [crm:write], crm:write: [crm:read]}).
/// Rate-limit maps (file only): `rate_limits` ({development: {requests_per_minute: 60, burst:
/// 10}, ...}: the tiers; written, it replaces the default table), `limits.clients` (client_id ->
/// tier), `limits.on_store_error` (cost class -> open|closed), `tool_costs.classes` (class ->
/// {requests_per_minute, burst}) and `tool_costs.tools` (tool -> class, like `tools.<t>.cost`).
///
/// Access overrides (file only: names hold characters no variable name can): the sections
/// `tools:`, `resources:` and `prompts:` map a tool name, resource URI (or template) or prompt
/// name to `{scopes: [crm:read, ...], cost: read|write|external|heavy|<custom>}`, and a tool
/// name also to `timeout_ms: 1-31536000000` (its time limit), replacing what the code declares
/// (mcpx::options::tool_access, ...). mcpx::server::start() refuses a name that is not
/// registered. (So `tools:` is a map of names: the default time limit is
/// limits.tool_timeout_ms, not a key of that section.)
///
/// Rules:
/// - Unknown keys, in the file or as `MCPX_*` variables, are errors; so are duplicate keys,
///   wrong types and values out of range. Environment variables win over the file.
/// - Secrets: a key ending in `_file` names a file whose content (without its trailing newline)
///   is the secret, e.g. /run/secrets/... (Docker) or a Kubernetes secret volume. A missing,
///   unreadable or empty secret file is an error. `mrtr.state_secret:` in the file is an error
///   (secrets must not live in config files); `MCPX_MRTR_STATE_SECRET` in the environment is
///   accepted with a warning. Secret values never appear in errors or warnings.
/// - Ignored `MCPX_` variables (used by the build and test tooling, not configuration):
///   any starting with MCPX_TEST_, MCPX_JOBS, MCPX_SANITIZE, MCPX_APT_, MCPX_INSTALL_DEPS,
///   MCPX_CONFORMANCE, MCPX_PORT, MCPX_E2E_, MCPX_SERVER_START_TIMEOUT.
///
/// App keys: an app built on mcpx (a CRM server, an authorization server) declares its own
/// sections in a schema and passes it to load(). They live in the same file and follow every
/// rule above (environment names derived the same way, unknown keys refused with suggestions
/// among the app's keys too, secrets through `*_file`), and are read back with settings::get():
///
///   mcpx::config::schema app;
///   app.number("crm.page_size", 1, 500, 50, "an integer 1-500")
///       .duration("crm.query_timeout_ms", 1ms, 60s, 5s, "an integer 1-60000 (milliseconds)")
///       .secret("crm.database_url", "the path of a file holding the PostgreSQL URL");
///   auto loaded = mcpx::config::load(path, mcpx::config::process_environment(), app);
///   // crm:                             MCPX_CRM_PAGE_SIZE=100
///   //   page_size: 100                 MCPX_CRM_DATABASE_URL_FILE=/run/secrets/db
///   //   database_url_file: /run/secrets/db
///   auto& s = std::get<mcpx::config::settings>(loaded);  // after checking for an error
///   std::uint64_t page_size = s.get<std::uint64_t>("crm.page_size");
///   std::string url = s.get<std::string>("crm.database_url");  // the secret, by its plain name
///
/// App keys go in the app's own sections, never in a built-in one (server, limits, ...), so a
/// later built-in key cannot collide with them.
#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "mcpx/options.hpp"

namespace mcpx::config {

namespace detail {
struct key_def;
struct settings_access;
struct schema_access;
using app_value = std::variant<std::uint64_t, bool, std::string, std::vector<std::string>, std::chrono::milliseconds>;
}  // namespace detail

/// The C++ types an app key can be read as (see settings::get()).
template <class T>
concept app_value_type = std::same_as<T, std::uint64_t> || std::same_as<T, bool> || std::same_as<T, std::string> ||
    std::same_as<T, std::vector<std::string>> || std::same_as<T, std::chrono::milliseconds>;

struct settings {
  /// The library options, filled from the file + env. Its log_level, shutdown_grace and
  /// metrics_port carry the same values as the fields below.
  mcpx::options server;
  std::string log_level = "info";  ///< debug|info|warning|error
  std::chrono::seconds shutdown_grace{30};
  unsigned short metrics_port = 0;  ///< 0: /metrics on the main port
  /// Things accepted but worth an operator's attention (e.g. a secret in a plain env var).
  std::vector<std::string> warnings;

  /// The value of an app key registered in the schema given to load(): its default when
  /// neither the file nor the environment set it. The type follows the registration:
  /// number -> std::uint64_t, flag -> bool, text and secret -> std::string (a secret is asked
  /// by its plain name, "crm.database_url" for crm.database_url_file; "" when not set),
  /// list -> std::vector<std::string>, duration -> std::chrono::milliseconds.
  /// @throws std::invalid_argument if `key` is not a registered app key or `T` is not its type
  ///         (a programming error, not an operator's).
  template <app_value_type T>
  T get(std::string_view key) const;

 private:
  friend struct detail::settings_access;
  // Only load() fills this: the values are immutable once loaded.
  std::map<std::string, detail::app_value, std::less<>> app_;
};

/// An app's own configuration keys, given to load(). Each key is "section.key" (lower case
/// letters, digits and '_', each part starting with a letter) in a section of the app's own;
/// its environment variable is derived as for the built-in keys ("crm.page_size" ->
/// MCPX_CRM_PAGE_SIZE). `expected` completes "expected ..." in error messages: say what an
/// operator should write ("an integer 1-500", "true or false").
///
/// Every method throws std::invalid_argument on a programming error, at start-up: a malformed
/// name, a key (or its environment variable) clashing with a built-in key or one registered
/// before, a key in a built-in section, a default out of its own range.
class schema {
 public:
  /// Checks a text value or a list item; true when acceptable. Must not throw.
  using validator = std::function<bool(std::string_view)>;

  /// An unsigned integer in [min, max]; read as std::uint64_t.
  schema& number(std::string name, std::uint64_t min, std::uint64_t max, std::uint64_t fallback, std::string expected);
  /// `true` or `false` (exactly these: "yes", "on" or "1" are refused as ambiguous); read as bool.
  schema& flag(std::string name, bool fallback, std::string expected);
  /// A string checked by `valid` (null: any non-empty string without control characters); read
  /// as std::string. An empty `fallback` means "not set"; any other must pass `valid`.
  schema& text(std::string name, std::string fallback, std::string expected, validator valid = nullptr);
  /// A list of strings (YAML sequence; env: comma-separated, empty for an empty list), each item
  /// checked by `valid` (null: as for text); read as std::vector<std::string>.
  schema& list(std::string name, std::vector<std::string> fallback, std::string expected, validator valid = nullptr);
  /// A whole number of the unit the name ends with, "_ms" (milliseconds) or "_seconds", in
  /// [min, max] (at most 365 days, so deadline arithmetic cannot overflow); read as
  /// std::chrono::milliseconds. min, max and fallback must be whole numbers of that unit.
  schema& duration(std::string name, std::chrono::milliseconds min, std::chrono::milliseconds max,
                   std::chrono::milliseconds fallback, std::string expected);
  /// A secret, registered by its plain name ("crm.database_url"): the key is `name + "_file"`,
  /// the path of a file holding the secret, with the rules of mrtr.state_secret_file (plain
  /// `name` refused in the file, its variable accepted from the environment with a warning).
  /// Read by the plain name as std::string, "" when not set. `expected` describes the path.
  schema& secret(std::string name, std::string expected);

 private:
  friend struct detail::schema_access;
  schema& add(detail::key_def k);
  std::vector<std::shared_ptr<const detail::key_def>> keys_;  // shared: copies of a schema are cheap
};

/// `key` is the dotted key ("limits.body_bytes"), or the variable name for an unknown `MCPX_*`
/// variable, or empty for errors about the file as a whole (unreadable, malformed YAML).
struct error {
  std::string key;
  std::string message;
};

/// Loads `path` (empty: defaults only), then applies overrides from `env` (name -> value; pass
/// process_environment() in production). Never throws; a bad value is an error naming the key.
std::variant<settings, error> load(const std::string& path, const std::map<std::string, std::string>& env);

/// As above, with the app's own keys besides the built-in ones (see schema). Never throws.
std::variant<settings, error> load(const std::string& path, const std::map<std::string, std::string>& env,
                                   const schema& app_keys);

/// The process environment (reads `environ`).
std::map<std::string, std::string> process_environment();

}  // namespace mcpx::config
