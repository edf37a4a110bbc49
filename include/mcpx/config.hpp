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
///   server.worker_queue_limit      MCPX_SERVER_WORKER_QUEUE_LIMIT      >= 1
///   limits.header_bytes            MCPX_LIMITS_HEADER_BYTES            >= 1024
///   limits.body_bytes              MCPX_LIMITS_BODY_BYTES              >= 1024
///   limits.read_timeout_ms         MCPX_LIMITS_READ_TIMEOUT_MS         1 ms - 365 days
///   limits.idle_timeout_ms         MCPX_LIMITS_IDLE_TIMEOUT_MS         1 ms - 365 days
///   limits.max_connections         MCPX_LIMITS_MAX_CONNECTIONS         >= 1
///   security.allowed_origins       MCPX_SECURITY_ALLOWED_ORIGINS       list (env: comma-separated)
///   security.allowed_hosts         MCPX_SECURITY_ALLOWED_HOSTS         list (env: comma-separated)
///   sessions.idle_timeout_seconds  MCPX_SESSIONS_IDLE_TIMEOUT_SECONDS  1 s - 365 days
///   sessions.max_sessions          MCPX_SESSIONS_MAX_SESSIONS          >= 1
///   mrtr.state_secret_file         MCPX_MRTR_STATE_SECRET_FILE         path of the secret
///   mrtr.request_state_ttl_seconds MCPX_MRTR_REQUEST_STATE_TTL_SECONDS 1 s - 365 days
///   tasks.after_ms                 MCPX_TASKS_AFTER_MS                 0 ms - 365 days
///   tasks.ttl_ms                   MCPX_TASKS_TTL_MS                   1 ms - 365 days
///   tasks.poll_interval_ms         MCPX_TASKS_POLL_INTERVAL_MS         1 ms - 365 days
///   log.level                      MCPX_LOG_LEVEL                      debug|info|warning|error
///   shutdown.grace_seconds         MCPX_SHUTDOWN_GRACE_SECONDS         0 s - 365 days
///   metrics.port                   MCPX_METRICS_PORT                   0-65535, != server.port
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
#include <chrono>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "mcpx/server.hpp"

namespace mcpx::config {

struct settings {
  /// The library options, filled from the file + env. Its log_level, shutdown_grace and
  /// metrics_port carry the same values as the fields below.
  mcpx::options server;
  std::string log_level = "info";  ///< debug|info|warning|error
  std::chrono::seconds shutdown_grace{30};
  unsigned short metrics_port = 0;  ///< 0: /metrics on the main port
  /// Things accepted but worth an operator's attention (e.g. a secret in a plain env var).
  std::vector<std::string> warnings;
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

/// The process environment (reads `environ`).
std::map<std::string, std::string> process_environment();

}  // namespace mcpx::config
