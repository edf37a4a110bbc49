#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string_view>
#include <tuple>

#include "config/internal.hpp"
#include "mcpx/config.hpp"

#include "config_fixture.hpp"

TEST_F(config, defaults_with_no_file) {
  auto s = ok(load("", {}));
  mcpx::options d;
  EXPECT_EQ(s.server.address, d.address);
  EXPECT_EQ(s.server.port, d.port);
  EXPECT_EQ(s.server.endpoint, d.endpoint);
  EXPECT_EQ(s.server.io_threads, d.io_threads);
  EXPECT_EQ(s.server.worker_threads, d.worker_threads);
  EXPECT_EQ(s.server.body_limit, d.body_limit);
  EXPECT_TRUE(s.server.allowed_origins.empty());
  EXPECT_TRUE(s.server.state_secret.empty());
  EXPECT_EQ(s.log_level, "info");
  EXPECT_EQ(s.shutdown_grace, 30s);
  EXPECT_EQ(s.metrics_port, 0);
  EXPECT_EQ(s.server.shutdown_grace, 30s);
  EXPECT_TRUE(s.warnings.empty());
}

TEST_F(config, empty_file_and_empty_sections_give_defaults) {
  EXPECT_EQ(ok(load(write("empty.yaml", ""), {})).server.port, 8000);
  EXPECT_EQ(ok(load(write("comments.yaml", "# nothing here\n"), {})).server.port, 8000);
  EXPECT_EQ(ok(load(write("sections.yaml", "server:\nlimits:\n"), {})).server.port, 8000);
}

TEST_F(config, every_key_from_yaml) {
  auto secret = write("state_secret", "0123456789abcdef0123456789abcdef\n");
  auto path = write("mcpx.yaml", R"(
server:
  address: 0.0.0.0
  port: 9000
  endpoint: /api/mcp
  io_threads: 4
  worker_threads: 32
  worker_queue_limit: 500
  worker_short_call_us: 250
limits:
  header_bytes: 8192
  body_bytes: 1048576
  read_timeout_ms: 5000
  idle_timeout_ms: 7000
  max_connections: 200
security:
  allowed_origins: [https://app.example.com, "http://localhost:3000"]
  allowed_hosts:
    - mcp.example.com
    - "[::1]"
sessions:
  idle_timeout_seconds: 900
  max_sessions: 1000
mrtr:
  state_secret_file: )" + secret + R"(
  request_state_ttl_seconds: 120
tasks:
  after_ms: 0
  ttl_ms: 60000
  poll_interval_ms: 250
log:
  level: warning
  flush_ms: 50
shutdown:
  grace_seconds: 10
metrics:
  port: 9090
)");
  auto s = ok(load(path, {}));
  EXPECT_EQ(s.server.address, "0.0.0.0");
  EXPECT_EQ(s.server.port, 9000);
  EXPECT_EQ(s.server.endpoint, "/api/mcp");
  EXPECT_EQ(s.server.io_threads, 4u);
  EXPECT_EQ(s.server.worker_threads, 32u);
  EXPECT_EQ(s.server.worker_queue_limit, 500u);
  EXPECT_EQ(s.server.worker_short_call, std::chrono::microseconds(250));
  EXPECT_EQ(s.server.header_limit, 8192u);
  EXPECT_EQ(s.server.body_limit, 1048576u);
  EXPECT_EQ(s.server.read_timeout, 5000ms);
  EXPECT_EQ(s.server.idle_timeout, 7000ms);
  EXPECT_EQ(s.server.max_connections, 200u);
  EXPECT_EQ(s.server.allowed_origins, (std::vector<std::string>{"https://app.example.com", "http://localhost:3000"}));
  EXPECT_EQ(s.server.allowed_hosts, (std::vector<std::string>{"mcp.example.com", "[::1]"}));
  EXPECT_EQ(s.server.session_idle_timeout, 900s);
  EXPECT_EQ(s.server.max_sessions, 1000u);
  EXPECT_EQ(s.server.state_secret, "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(s.server.request_state_ttl, 120s);
  EXPECT_EQ(s.server.task_after, 0ms);
  EXPECT_EQ(s.server.task_ttl, 60000ms);
  EXPECT_EQ(s.server.task_poll_interval, 250ms);
  EXPECT_EQ(s.log_level, "warning");
  EXPECT_EQ(s.server.log_level, "warning");
  EXPECT_EQ(s.server.log_flush, 50ms);
  EXPECT_EQ(s.shutdown_grace, 10s);
  EXPECT_EQ(s.server.shutdown_grace, 10s);
  EXPECT_EQ(s.metrics_port, 9090);
  EXPECT_EQ(s.server.metrics_port, 9090);
  EXPECT_TRUE(s.warnings.empty());
}

TEST_F(config, env_overrides_scalars_and_wins_over_the_file) {
  auto path = write("mcpx.yaml", "server:\n  port: 9000\n  worker_threads: 8\nlog:\n  level: debug\n");
  auto s = ok(load(path, {{"MCPX_SERVER_PORT", "9100"},
                          {"MCPX_LIMITS_BODY_BYTES", "2048"},
                          {"MCPX_LOG_LEVEL", "error"},
                          {"MCPX_SHUTDOWN_GRACE_SECONDS", "0"},
                          {"HOME", "/root"},
                          {"mcpx_server_port", "1"}}));  // not ours: case matters
  EXPECT_EQ(s.server.port, 9100);
  EXPECT_EQ(s.server.worker_threads, 8u);  // from the file
  EXPECT_EQ(s.server.body_limit, 2048u);
  EXPECT_EQ(s.log_level, "error");
  EXPECT_EQ(s.server.log_level, "error");
  EXPECT_EQ(s.shutdown_grace, 0s);
}

TEST_F(config, env_overrides_lists_comma_separated) {
  auto path = write("mcpx.yaml",
                    "security:\n  allowed_origins: [https://old.example.com]\n  allowed_hosts: [a.example]\n");
  auto s = ok(load(path, {{"MCPX_SECURITY_ALLOWED_ORIGINS", "https://a.example.com, https://b.example.com:8443"},
                          {"MCPX_SECURITY_ALLOWED_HOSTS", ""}}));
  EXPECT_EQ(s.server.allowed_origins,
            (std::vector<std::string>{"https://a.example.com", "https://b.example.com:8443"}));
  EXPECT_TRUE(s.server.allowed_hosts.empty());  // an empty variable clears the list

  auto e = err(load("", {{"MCPX_SECURITY_ALLOWED_HOSTS", "a.example,,b.example"}}));
  EXPECT_EQ(e.key, "security.allowed_hosts");
  e = err(load("", {{"MCPX_SECURITY_ALLOWED_ORIGINS", "https://a.example.com/"}}));  // never equals an Origin
  EXPECT_EQ(e.key, "security.allowed_origins");
  EXPECT_TRUE(contains(e.message, "scheme://host[:port]")) << e.message;
}

TEST_F(config, unknown_key_in_file_is_an_error_with_the_dotted_key) {
  auto e = err(load(write("a.yaml", "server:\n  prot: 9000\n"), {}));
  EXPECT_EQ(e.key, "server.prot");
  EXPECT_TRUE(contains(e.message, "server.prot")) << e.message;
  EXPECT_TRUE(contains(e.message, "unknown key")) << e.message;
  EXPECT_TRUE(contains(e.message, "did you mean server.port")) << e.message;
  EXPECT_TRUE(contains(e.message, ":2:3:")) << e.message;

  e = err(load(write("b.yaml", "limits:\n  body_size: 1\n"), {}));
  EXPECT_EQ(e.key, "limits.body_size");

  e = err(load(write("c.yaml", "servers:\n  port: 1\n"), {}));
  EXPECT_EQ(e.key, "servers");
  EXPECT_TRUE(contains(e.message, "did you mean server")) << e.message;

  e = err(load(write("d.yaml", "server:\n  port:\n    value: 1\n"), {}));  // a key is not a section
  EXPECT_EQ(e.key, "server.port");

  e = err(load(write("dotted.yaml", "server.port: 9000\n"), {}));  // nested maps only
  EXPECT_EQ(e.key, "server.port");
  EXPECT_TRUE(contains(e.message, "nested maps")) << e.message;

  e = err(load(write("e.yaml", "foo: 1\n"), {}));
  EXPECT_EQ(e.key, "foo");
  EXPECT_TRUE(contains(e.message, "known sections: server, limits, security")) << e.message;
}

TEST_F(config, a_second_yaml_document_is_an_error) {
  auto e = err(load(write("a.yaml", "server:\n  port: 9000\n---\nserver:\n  port: 1\n"), {}));
  EXPECT_TRUE(contains(e.message, "one YAML document")) << e.message;
}

TEST_F(config, unknown_variable_in_env_is_an_error) {
  auto e = err(load("", {{"MCPX_SERVER_PROT", "9000"}}));
  EXPECT_EQ(e.key, "MCPX_SERVER_PROT");
  EXPECT_TRUE(contains(e.message, "MCPX_SERVER_PROT")) << e.message;
  EXPECT_TRUE(contains(e.message, "did you mean MCPX_SERVER_PORT")) << e.message;
  EXPECT_EQ(err(load("", {{"MCPX_LIMITS", "1"}})).key, "MCPX_LIMITS");
}

TEST_F(config, tooling_variables_are_ignored) {
  env_map env{{"MCPX_TEST_REDIS_URL", "redis://x"}, {"MCPX_JOBS", "2"},         {"MCPX_SANITIZE_BUILD", "1"},
              {"MCPX_SANITIZE_CONFORMANCE", "0"},   {"MCPX_APT_LOG", "/tmp/x"}, {"MCPX_INSTALL_DEPS_DRY_RUN", "1"},
              {"MCPX_CONFORMANCE_OUT", "/tmp/o"},   {"MCPX_PORT", "1234"},      {"MCPX_E2E_OUT", "/tmp/e"},
              {"MCPX_SERVER_START_TIMEOUT", "60"},  {"MCPX_CONTAINERS", "1"},   {"MCPX_CONTAINERS_NO_BUILD", "1"},
              {"MCPX_BENCH_BUILD", "build"},        {"MCPX_BENCH_GIT", "abc"},  {"MCPX_FUZZ_SECONDS", "60"}};
  auto s = ok(load("", env));
  EXPECT_EQ(s.server.port, 8000);
}

TEST_F(config, no_key_is_shadowed_by_an_ignored_prefix_and_env_names_are_unique) {
  std::set<std::string> names;
  for (auto& k : mcpx::config::detail::builtin_keys()) {
    auto n = mcpx::config::detail::env_name(k.name);
    EXPECT_TRUE(names.insert(n).second) << n;
    for (auto p : mcpx::config::detail::ignored_env_prefixes()) EXPECT_FALSE(n.starts_with(p)) << n << " vs " << p;
  }
  EXPECT_EQ(mcpx::config::detail::env_name("limits.body_bytes"), "MCPX_LIMITS_BODY_BYTES");
  EXPECT_EQ(mcpx::config::detail::builtin_keys().size(), 67u);
}

TEST_F(config, wrong_type_names_the_key_and_the_expected_form) {
  auto e = err(load(write("a.yaml", "server:\n  port: [1, 2]\n"), {}));
  EXPECT_EQ(e.key, "server.port");
  EXPECT_TRUE(contains(e.message, "expected an integer 0-65535")) << e.message;

  e = err(load(write("b.yaml", "server:\n  port: eighty\n"), {}));
  EXPECT_EQ(e.key, "server.port");
  EXPECT_TRUE(contains(e.message, "\"eighty\"")) << e.message;

  e = err(load(write("c.yaml", "security:\n  allowed_origins: https://a.example.com\n"), {}));
  EXPECT_EQ(e.key, "security.allowed_origins");
  EXPECT_TRUE(contains(e.message, "a list")) << e.message;

  e = err(load(write("d.yaml", "server: 5\n"), {}));
  EXPECT_EQ(e.key, "server");
  EXPECT_TRUE(contains(e.message, "expected a map")) << e.message;

  e = err(load(write("e.yaml", "- server\n"), {}));
  EXPECT_TRUE(contains(e.message, "expected a map of sections")) << e.message;

  e = err(load(write("f.yaml", "server:\n  port:\n"), {}));
  EXPECT_EQ(e.key, "server.port");
  EXPECT_TRUE(contains(e.message, "got nothing")) << e.message;

  e = err(load(write("g.yaml", "server:\n  endpoint: mcp\n"), {}));
  EXPECT_EQ(e.key, "server.endpoint");
  EXPECT_TRUE(contains(e.message, "starting with /")) << e.message;

  e = err(load(write("h.yaml", "log:\n  level: verbose\n"), {}));
  EXPECT_EQ(e.key, "log.level");
  EXPECT_TRUE(contains(e.message, "debug, info, warning, error")) << e.message;

  e = err(load("", {{"MCPX_SERVER_ADDRESS", "localhost"}}));  // server::start() binds IP literals only
  EXPECT_EQ(e.key, "server.address");
  EXPECT_TRUE(contains(e.message, "MCPX_SERVER_ADDRESS")) << e.message;

  e = err(load("", {{"MCPX_SERVER_IO_THREADS", " 2"}}));
  EXPECT_EQ(e.key, "server.io_threads");
}

TEST_F(config, out_of_range_names_the_key_and_the_range) {
  auto e = err(load(write("a.yaml", "limits:\n  body_bytes: 12\n"), {}));
  EXPECT_EQ(e.key, "limits.body_bytes");
  EXPECT_TRUE(contains(e.message, ">= 1024")) << e.message;
  EXPECT_TRUE(contains(e.message, ":2:15:")) << e.message;

  for (auto [var, value, key] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"MCPX_SERVER_IO_THREADS", "0", "server.io_threads"},
           {"MCPX_SERVER_IO_THREADS", "65", "server.io_threads"},
           {"MCPX_SERVER_WORKER_THREADS", "1025", "server.worker_threads"},
           {"MCPX_SERVER_PORT", "65536", "server.port"},
           {"MCPX_SERVER_PORT", "-1", "server.port"},
           {"MCPX_SERVER_PORT", "99999999999999999999999", "server.port"},
           {"MCPX_SERVER_WORKER_QUEUE_LIMIT", "0", "server.worker_queue_limit"},
           {"MCPX_LIMITS_HEADER_BYTES", "1023", "limits.header_bytes"},
           {"MCPX_LIMITS_READ_TIMEOUT_MS", "0", "limits.read_timeout_ms"},
           {"MCPX_TASKS_TTL_MS", "31536000001", "tasks.ttl_ms"},
           {"MCPX_METRICS_PORT", "70000", "metrics.port"},
       }) {
    auto r = err(load("", {{var, value}}));
    EXPECT_EQ(r.key, key) << var << "=" << value;
    EXPECT_TRUE(contains(r.message, var)) << r.message;
  }
  EXPECT_EQ(ok(load("", {{"MCPX_SERVER_IO_THREADS", "64"}})).server.io_threads, 64u);
  EXPECT_EQ(ok(load("", {{"MCPX_SERVER_PORT", "0"}})).server.port, 0);
}

TEST_F(config, metrics_port_must_differ_from_the_main_port) {
  auto e = err(load("", {{"MCPX_SERVER_PORT", "9000"}, {"MCPX_METRICS_PORT", "9000"}}));
  EXPECT_EQ(e.key, "metrics.port");
  EXPECT_EQ(ok(load("", {{"MCPX_SERVER_PORT", "0"}, {"MCPX_METRICS_PORT", "0"}})).metrics_port, 0);
}

TEST_F(config, secret_via_file) {
  auto secret = write("secret", "correct-horse-battery-staple-0123456789\r\n");
  auto s = ok(load(write("a.yaml", "mrtr:\n  state_secret_file: " + secret + "\n"), {}));
  EXPECT_EQ(s.server.state_secret, "correct-horse-battery-staple-0123456789");
  EXPECT_TRUE(s.warnings.empty());

  // From the environment, overriding the file's path; through a symlink as Kubernetes mounts them.
  auto other = write("other", "another-secret-that-is-long-enough-000");
  fs::create_symlink(other, dir_ / "link");
  s = ok(load(write("b.yaml", "mrtr:\n  state_secret_file: /nonexistent\n"),
              {{"MCPX_MRTR_STATE_SECRET_FILE", (dir_ / "link").string()}}));
  EXPECT_EQ(s.server.state_secret, "another-secret-that-is-long-enough-000");
}

TEST_F(config, short_secret_gives_a_warning_without_the_value) {
  auto s = ok(load("", {{"MCPX_MRTR_STATE_SECRET_FILE", write("secret", "tiny\n")}}));
  EXPECT_EQ(s.server.state_secret, "tiny");
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_TRUE(contains(s.warnings[0], "shorter than 32 bytes"));
  EXPECT_FALSE(contains(s.warnings[0], "tiny"));
}

TEST_F(config, missing_or_empty_secret_file_is_an_error_naming_key_and_path) {
  auto missing = (dir_ / "no-such-secret").string();
  auto e = err(load(write("a.yaml", "mrtr:\n  state_secret_file: " + missing + "\n"), {}));
  EXPECT_EQ(e.key, "mrtr.state_secret_file");
  EXPECT_TRUE(contains(e.message, missing)) << e.message;
  EXPECT_TRUE(contains(e.message, "does not exist")) << e.message;

  auto empty = write("empty", "\n");
  e = err(load("", {{"MCPX_MRTR_STATE_SECRET_FILE", empty}}));
  EXPECT_EQ(e.key, "mrtr.state_secret_file");
  EXPECT_TRUE(contains(e.message, empty)) << e.message;
  EXPECT_TRUE(contains(e.message, "is empty")) << e.message;
  EXPECT_TRUE(contains(e.message, "MCPX_MRTR_STATE_SECRET_FILE")) << e.message;

  e = err(load("", {{"MCPX_MRTR_STATE_SECRET_FILE", dir_.string()}}));
  EXPECT_TRUE(contains(e.message, "not a regular file")) << e.message;
}

TEST_F(config, plain_secret_in_env_is_accepted_with_a_warning_without_the_value) {
  const std::string value = "hunter2-hunter2-hunter2-hunter2-hunter2";
  auto s = ok(load(write("a.yaml", "mrtr:\n  state_secret_file: /nonexistent\n"), {{"MCPX_MRTR_STATE_SECRET", value}}));
  EXPECT_EQ(s.server.state_secret, value);  // env wins: the file's path is not read
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_TRUE(contains(s.warnings[0], "MCPX_MRTR_STATE_SECRET_FILE")) << s.warnings[0];
  EXPECT_FALSE(contains(s.warnings[0], value));
  EXPECT_FALSE(contains(s.warnings[0], "hunter2"));
}

TEST_F(config, plain_secret_and_secret_file_in_env_together_is_an_error) {
  const std::string value = "hunter2-hunter2-hunter2-hunter2-hunter2";
  auto e = err(load("", {{"MCPX_MRTR_STATE_SECRET", value}, {"MCPX_MRTR_STATE_SECRET_FILE", write("s", value)}}));
  EXPECT_EQ(e.key, "mrtr.state_secret");
  EXPECT_FALSE(contains(e.message, "hunter2"));
  e = err(load("", {{"MCPX_MRTR_STATE_SECRET", ""}}));
  EXPECT_EQ(e.key, "mrtr.state_secret");
}

TEST_F(config, plain_secret_in_yaml_is_an_error) {
  auto e = err(load(write("a.yaml", "mrtr:\n  state_secret: hunter2-hunter2\n"), {}));
  EXPECT_EQ(e.key, "mrtr.state_secret");
  EXPECT_TRUE(contains(e.message, "must not live in config files")) << e.message;
  EXPECT_TRUE(contains(e.message, "mrtr.state_secret_file")) << e.message;
  EXPECT_FALSE(contains(e.message, "hunter2")) << e.message;
}

TEST_F(config, malformed_yaml_is_an_error_with_position) {
  auto path = write("bad.yaml", "server:\n  port: 9000\n  address: [unclosed\n");
  auto e = err(load(path, {}));
  EXPECT_EQ(e.key, "");
  EXPECT_TRUE(contains(e.message, path + ":")) << e.message;
  EXPECT_TRUE(contains(e.message, "malformed YAML")) << e.message;
  EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(e.message[path.size() + 1]))) << e.message;

  e = err(load(write("tabs.yaml", "server:\n\tport: 1\n"), {}));
  EXPECT_TRUE(contains(e.message, "malformed YAML")) << e.message;
}

TEST_F(config, duplicate_key_is_an_error) {
  auto e = err(load(write("a.yaml", "server:\n  port: 1\n  port: 2\n"), {}));
  EXPECT_EQ(e.key, "server.port");
  EXPECT_TRUE(contains(e.message, "duplicate")) << e.message;
}

TEST_F(config, missing_config_file_is_an_error) {
  auto path = (dir_ / "nope.yaml").string();
  auto e = err(load(path, {}));
  EXPECT_TRUE(contains(e.message, path)) << e.message;
  EXPECT_TRUE(contains(e.message, "no such file")) << e.message;
  e = err(load(dir_.string(), {}));
  EXPECT_TRUE(contains(e.message, "not a regular file")) << e.message;
}

TEST_F(config, process_environment_reads_environ) {
  ASSERT_EQ(setenv("MCPX_TEST_CONFIG_PROBE", "a=b", 1), 0);
  auto env = mcpx::config::process_environment();
  unsetenv("MCPX_TEST_CONFIG_PROBE");
  ASSERT_TRUE(env.count("MCPX_TEST_CONFIG_PROBE"));
  EXPECT_EQ(env["MCPX_TEST_CONFIG_PROBE"], "a=b");
}

// App keys: a schema registered by the app, loaded with the same rules as the built-in keys.
namespace {

using mcpx::config::schema;

bool valid_region(std::string_view s) {
  return !s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyz-") == std::string_view::npos;
}
bool valid_email(std::string_view s) {
  auto at = s.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < s.size();
}

schema crm_schema() {
  schema s;
  s.number("crm.page_size", 1, 500, 50, "an integer 1-500")
      .flag("crm.read_only", false, "true or false")
      .text("crm.region", "eu-west", "a region like eu-west (lower case letters and -)", valid_region)
      .list("crm.admin_emails", {"ops@example.com"}, "a list of e-mail addresses", valid_email)
      .duration("crm.query_timeout_ms", 1ms, 60s, 5s, "an integer 1-60000 (milliseconds)")
      .duration("crm.cache_ttl_seconds", 0s, 1h, 300s, "an integer 0-3600 (seconds)")
      .secret("crm.database_url", "the path of a file holding the PostgreSQL URL");
  return s;
}

using strings = std::vector<std::string>;

}  // namespace

TEST_F(config, app_keys_of_every_type_from_yaml) {
  auto db = write("db", "postgres://crm:pw@db/crm\n");
  auto path = write("crm.yaml",
                    "server:\n  port: 9000\ncrm:\n  page_size: 100\n  read_only: true\n  region: us-east\n"
                    "  admin_emails: [a@example.com, b@example.com]\n  query_timeout_ms: 1500\n"
                    "  cache_ttl_seconds: 60\n  database_url_file: " +
                        db + "\n");
  auto s = ok(load(path, {}, crm_schema()));
  EXPECT_EQ(s.server.port, 9000);  // built-in keys still load beside the app's
  EXPECT_EQ(s.get<std::uint64_t>("crm.page_size"), 100u);
  EXPECT_TRUE(s.get<bool>("crm.read_only"));
  EXPECT_EQ(s.get<std::string>("crm.region"), "us-east");
  EXPECT_EQ(s.get<strings>("crm.admin_emails"), (strings{"a@example.com", "b@example.com"}));
  EXPECT_EQ(s.get<std::chrono::milliseconds>("crm.query_timeout_ms"), 1500ms);
  EXPECT_EQ(s.get<std::chrono::milliseconds>("crm.cache_ttl_seconds"), 60s);  // the unit is the name's
  EXPECT_EQ(s.get<std::string>("crm.database_url"), "postgres://crm:pw@db/crm");
  EXPECT_TRUE(s.warnings.empty());  // the state secret's length advice is not about app secrets
}

TEST_F(config, app_keys_from_env_win_over_the_file) {
  auto path = write("crm.yaml",
                    "crm:\n  page_size: 100\n  read_only: true\n  region: us-east\n"
                    "  admin_emails: [a@example.com]\n  query_timeout_ms: 1500\n  cache_ttl_seconds: 60\n"
                    "  database_url_file: /nonexistent\n");
  auto s = ok(load(path,
                   {{"MCPX_CRM_PAGE_SIZE", "7"},
                    {"MCPX_CRM_READ_ONLY", "false"},
                    {"MCPX_CRM_REGION", "ap-south"},
                    {"MCPX_CRM_ADMIN_EMAILS", "x@example.com, y@example.com"},
                    {"MCPX_CRM_QUERY_TIMEOUT_MS", "250"},
                    {"MCPX_CRM_CACHE_TTL_SECONDS", "0"},
                    {"MCPX_CRM_DATABASE_URL_FILE", write("db", "postgres://env\n")}},
                   crm_schema()));
  EXPECT_EQ(s.get<std::uint64_t>("crm.page_size"), 7u);
  EXPECT_FALSE(s.get<bool>("crm.read_only"));
  EXPECT_EQ(s.get<std::string>("crm.region"), "ap-south");
  EXPECT_EQ(s.get<strings>("crm.admin_emails"), (strings{"x@example.com", "y@example.com"}));
  EXPECT_EQ(s.get<std::chrono::milliseconds>("crm.query_timeout_ms"), 250ms);
  EXPECT_EQ(s.get<std::chrono::milliseconds>("crm.cache_ttl_seconds"), 0ms);
  EXPECT_EQ(s.get<std::string>("crm.database_url"), "postgres://env");
  EXPECT_TRUE(ok(load("", {{"MCPX_CRM_ADMIN_EMAILS", ""}}, crm_schema())).get<strings>("crm.admin_emails").empty());
}

TEST_F(config, app_keys_take_their_defaults_when_absent) {
  auto s = ok(load(write("crm.yaml", "crm:\n  page_size: 9\n"), {}, crm_schema()));
  EXPECT_EQ(s.get<std::uint64_t>("crm.page_size"), 9u);
  EXPECT_FALSE(s.get<bool>("crm.read_only"));
  EXPECT_EQ(s.get<std::string>("crm.region"), "eu-west");
  EXPECT_EQ(s.get<strings>("crm.admin_emails"), strings{"ops@example.com"});
  EXPECT_EQ(s.get<std::chrono::milliseconds>("crm.query_timeout_ms"), 5s);
  EXPECT_EQ(s.get<std::chrono::milliseconds>("crm.cache_ttl_seconds"), 300s);
  EXPECT_EQ(s.get<std::string>("crm.database_url"), "");  // not set
  EXPECT_EQ(ok(load("", {}, crm_schema())).get<std::uint64_t>("crm.page_size"), 50u);
}

TEST_F(config, app_key_bad_values_name_the_key_and_what_is_expected) {
  auto e = err(load(write("a.yaml", "crm:\n  page_size: 501\n"), {}, crm_schema()));
  EXPECT_EQ(e.key, "crm.page_size");
  EXPECT_TRUE(contains(e.message, "crm.page_size: expected an integer 1-500, got \"501\"")) << e.message;
  EXPECT_TRUE(contains(e.message, ":2:14:")) << e.message;

  for (auto [var, value, key] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"MCPX_CRM_PAGE_SIZE", "0", "crm.page_size"},
           {"MCPX_CRM_READ_ONLY", "yes", "crm.read_only"},
           {"MCPX_CRM_READ_ONLY", "1", "crm.read_only"},
           {"MCPX_CRM_REGION", "EU", "crm.region"},
           {"MCPX_CRM_ADMIN_EMAILS", "a@example.com,nobody", "crm.admin_emails"},
           {"MCPX_CRM_QUERY_TIMEOUT_MS", "0", "crm.query_timeout_ms"},
           {"MCPX_CRM_QUERY_TIMEOUT_MS", "60001", "crm.query_timeout_ms"},
           {"MCPX_CRM_CACHE_TTL_SECONDS", "3601", "crm.cache_ttl_seconds"},
           {"MCPX_CRM_CACHE_TTL_SECONDS", "5s", "crm.cache_ttl_seconds"},
       }) {
    auto r = err(load("", {{var, value}}, crm_schema()));
    EXPECT_EQ(r.key, key) << var << "=" << value;
    EXPECT_TRUE(contains(r.message, var)) << r.message;
  }
  e = err(load("", {{"MCPX_CRM_CACHE_TTL_SECONDS", "3601"}}, crm_schema()));
  EXPECT_TRUE(contains(e.message, "an integer 0-3600 (seconds)")) << e.message;
  EXPECT_EQ(ok(load("", {{"MCPX_CRM_CACHE_TTL_SECONDS", "3600"}}, crm_schema()))
                .get<std::chrono::milliseconds>("crm.cache_ttl_seconds"),
            1h);
  e = err(load(write("b.yaml", "crm:\n  read_only: yes\n"), {}, crm_schema()));  // YAML 1.1 booleans are ambiguous
  EXPECT_EQ(e.key, "crm.read_only");
  e = err(load(write("c.yaml", "crm:\n  admin_emails: a@example.com\n"), {}, crm_schema()));
  EXPECT_EQ(e.key, "crm.admin_emails");
  EXPECT_TRUE(contains(e.message, "a list of e-mail addresses")) << e.message;
}

TEST_F(config, unknown_app_like_keys_are_refused_with_suggestions_among_app_keys) {
  auto e = err(load(write("a.yaml", "crm:\n  page_sise: 3\n"), {}, crm_schema()));
  EXPECT_EQ(e.key, "crm.page_sise");
  EXPECT_TRUE(contains(e.message, "did you mean crm.page_size?")) << e.message;

  e = err(load(write("b.yaml", "crm:\n  colour: blue\n"), {}, crm_schema()));
  EXPECT_EQ(e.key, "crm.colour");
  EXPECT_TRUE(contains(e.message, "known keys here: page_size, read_only, region")) << e.message;

  e = err(load(write("c.yaml", "crms:\n  page_size: 3\n"), {}, crm_schema()));
  EXPECT_TRUE(contains(e.message, "did you mean crm?")) << e.message;
  e = err(load(write("d.yaml", "billing:\n  plan: gold\n"), {}, crm_schema()));
  EXPECT_EQ(e.key, "billing");
  EXPECT_TRUE(contains(e.message, "metrics, crm)")) << e.message;  // the known sections include the app's

  e = err(load("", {{"MCPX_CRM_PAGE_SIZ", "3"}}, crm_schema()));
  EXPECT_EQ(e.key, "MCPX_CRM_PAGE_SIZ");
  EXPECT_TRUE(contains(e.message, "did you mean MCPX_CRM_PAGE_SIZE?")) << e.message;
  e = err(load("", {{"MCPX_CRM_DATABASE_UR", "x"}}, crm_schema()));
  EXPECT_TRUE(contains(e.message, "did you mean MCPX_CRM_DATABASE_URL?")) << e.message;

  // Without the app's schema its keys are as unknown as any other.
  EXPECT_EQ(err(load(write("e.yaml", "crm:\n  page_size: 3\n"), {})).key, "crm");
  EXPECT_EQ(err(load("", {{"MCPX_CRM_PAGE_SIZE", "3"}})).key, "MCPX_CRM_PAGE_SIZE");
}

TEST_F(config, app_secret_follows_the_secret_rules) {
  auto missing = (dir_ / "no-such-secret").string();
  auto e = err(load(write("a.yaml", "crm:\n  database_url_file: " + missing + "\n"), {}, crm_schema()));
  EXPECT_EQ(e.key, "crm.database_url_file");
  EXPECT_TRUE(contains(e.message, missing)) << e.message;
  EXPECT_TRUE(contains(e.message, "does not exist")) << e.message;

  e = err(load("", {{"MCPX_CRM_DATABASE_URL_FILE", write("empty", "\n")}}, crm_schema()));
  EXPECT_EQ(e.key, "crm.database_url_file");
  EXPECT_TRUE(contains(e.message, "is empty")) << e.message;

  e = err(load(write("b.yaml", "crm:\n  database_url: postgres://crm:hunter2@db\n"), {}, crm_schema()));
  EXPECT_EQ(e.key, "crm.database_url");
  EXPECT_TRUE(contains(e.message, "must not live in config files")) << e.message;
  EXPECT_TRUE(contains(e.message, "MCPX_CRM_DATABASE_URL_FILE")) << e.message;
  EXPECT_FALSE(contains(e.message, "hunter2")) << e.message;

  const std::string value = "postgres://crm:hunter2@db/crm";
  auto s = ok(load(write("c.yaml", "crm:\n  database_url_file: /nonexistent\n"), {{"MCPX_CRM_DATABASE_URL", value}},
                   crm_schema()));
  EXPECT_EQ(s.get<std::string>("crm.database_url"), value);  // env wins: the file's path is not read
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_TRUE(contains(s.warnings[0], "MCPX_CRM_DATABASE_URL passes a secret")) << s.warnings[0];
  EXPECT_FALSE(contains(s.warnings[0], "hunter2")) << s.warnings[0];

  e = err(load("", {{"MCPX_CRM_DATABASE_URL", value}, {"MCPX_CRM_DATABASE_URL_FILE", write("db", value)}},
               crm_schema()));
  EXPECT_EQ(e.key, "crm.database_url");
  EXPECT_FALSE(contains(e.message, "hunter2")) << e.message;
}

TEST_F(config, app_and_builtin_secrets_resolve_independently) {
  auto s = ok(load("",
                   {{"MCPX_MRTR_STATE_SECRET_FILE", write("state", "0123456789abcdef0123456789abcdef")},
                    {"MCPX_CRM_DATABASE_URL", "postgres://plain"}},
                   crm_schema()));
  EXPECT_EQ(s.server.state_secret, "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(s.get<std::string>("crm.database_url"), "postgres://plain");
  EXPECT_EQ(s.warnings.size(), 1u);  // only the plain variable's
}

TEST_F(config, app_key_clashing_with_a_builtin_or_registered_twice_is_refused) {
  schema s;
  EXPECT_THROW(s.number("server.port", 0, 65535, 80, "a port"), std::invalid_argument);
  EXPECT_THROW(s.text("mrtr.state_secret", "", "a secret"), std::invalid_argument);       // a built-in's plain form
  EXPECT_THROW(s.secret("mrtr.state", "a path"), std::invalid_argument);                  // built-in section
  EXPECT_THROW(s.flag("server.verbose", false, "true or false"), std::invalid_argument);  // built-in section
  EXPECT_THROW(s.number("server_io.threads", 1, 2, 1, "1-2"), std::invalid_argument);     // MCPX_SERVER_IO_THREADS
  s.number("crm.page_size", 1, 500, 50, "an integer 1-500");
  EXPECT_THROW(s.number("crm.page_size", 1, 500, 50, "an integer 1-500"), std::invalid_argument);
  EXPECT_THROW(s.flag("crm_page.size", false, "true or false"), std::invalid_argument);  // MCPX_CRM_PAGE_SIZE
  s.secret("crm.token", "a path");
  EXPECT_THROW(s.text("crm.token_file", "", "a path"), std::invalid_argument);
  EXPECT_THROW(s.text("crm.token", "", "a token"), std::invalid_argument);
  EXPECT_THROW(s.number("test.x", 0, 1, 0, "0-1"), std::invalid_argument);    // MCPX_TEST_X is ignored
  EXPECT_THROW(s.number("portal.x", 0, 1, 0, "0-1"), std::invalid_argument);  // MCPX_PORTAL_X: prefix MCPX_PORT
  try {
    s.number("server.port", 0, 65535, 80, "a port");
    ADD_FAILURE() << "no exception";
  } catch (const std::invalid_argument& x) {
    EXPECT_TRUE(contains(x.what(), "server.port")) << x.what();
    EXPECT_TRUE(contains(x.what(), "built-in")) << x.what();
  }
  // A refused registration leaves the schema as it was.
  auto r = ok(load("", {{"MCPX_CRM_PAGE_SIZE", "3"}}, s));
  EXPECT_EQ(r.get<std::uint64_t>("crm.page_size"), 3u);
  EXPECT_EQ(err(load(write("a.yaml", "crm_page:\n  size: true\n"), {}, s)).key, "crm_page");
}

TEST_F(config, malformed_app_registrations_are_refused) {
  schema s;
  for (auto name : {"crm", "crm.", ".x", "crm.Page", "crm.a.b", "1crm.x", "crm.-x", "crm.page size"})
    EXPECT_THROW(s.number(name, 0, 1, 0, "0-1"), std::invalid_argument) << name;
  EXPECT_THROW(s.number("crm.n", 1, 10, 11, "1-10"), std::invalid_argument);
  EXPECT_THROW(s.number("crm.n", 10, 1, 5, "1-10"), std::invalid_argument);
  EXPECT_THROW(s.number("crm.n", 1, 10, 5, ""), std::invalid_argument);
  EXPECT_THROW(s.duration("crm.timeout", 1ms, 1s, 1ms, "1-1000"), std::invalid_argument);  // no unit in the name
  EXPECT_THROW(s.duration("crm.timeout_seconds", 1500ms, 10s, 2s, "2-10"), std::invalid_argument);
  EXPECT_THROW(s.duration("crm.timeout_ms", 1ms, 366 * 24h, 1ms, "1-..."), std::invalid_argument);
  EXPECT_THROW(s.duration("crm.timeout_ms", 1ms, 10ms, 11ms, "1-10"), std::invalid_argument);
  EXPECT_THROW(s.text("crm.region", "EU", "a region", valid_region), std::invalid_argument);
  EXPECT_THROW(s.list("crm.emails", {"nobody"}, "e-mail addresses", valid_email), std::invalid_argument);
  EXPECT_THROW(s.secret("crm.token_file", "a path"), std::invalid_argument);
  EXPECT_THROW(ok(load("", {}, s)).get<std::uint64_t>("crm.n"), std::invalid_argument);  // none was added
}

TEST_F(config, typed_get_with_the_wrong_type_or_an_unregistered_key_throws) {
  auto s = ok(load("", {}, crm_schema()));
  EXPECT_THROW(s.get<bool>("crm.page_size"), std::invalid_argument);
  EXPECT_THROW(s.get<std::chrono::milliseconds>("crm.page_size"), std::invalid_argument);
  EXPECT_THROW(s.get<std::uint64_t>("crm.query_timeout_ms"), std::invalid_argument);
  EXPECT_THROW(s.get<std::string>("crm.admin_emails"), std::invalid_argument);
  EXPECT_THROW(s.get<strings>("crm.region"), std::invalid_argument);
  EXPECT_THROW(s.get<std::uint64_t>("crm.nope"), std::invalid_argument);
  EXPECT_THROW(s.get<std::uint64_t>("server.port"), std::invalid_argument);
  EXPECT_THROW(s.get<std::string>("crm.database_url_file"), std::invalid_argument);
  EXPECT_THROW(ok(load("", {})).get<std::uint64_t>("crm.page_size"), std::invalid_argument);
  try {
    s.get<bool>("crm.page_size");
    ADD_FAILURE() << "no exception";
  } catch (const std::invalid_argument& x) {
    EXPECT_TRUE(contains(x.what(), "crm.page_size")) << x.what();
    EXPECT_TRUE(contains(x.what(), "std::uint64_t")) << x.what();  // names the type to use
  }
  auto copy = s;  // settings stay a plain value: copies read the same
  EXPECT_EQ(copy.get<std::uint64_t>("crm.page_size"), 50u);
}

TEST_F(config, max_connections_per_address_from_yaml_and_env_zero_turns_it_off) {
  EXPECT_EQ(ok(load("", {})).server.max_connections_per_address, mcpx::options{}.max_connections_per_address);
  EXPECT_EQ(mcpx::options{}.max_connections_per_address, 256u);
  auto path = write("mcpx.yaml", "limits:\n  max_connections_per_address: 32\n");
  EXPECT_EQ(ok(load(path, {})).server.max_connections_per_address, 32u);
  EXPECT_EQ(ok(load(path, {{"MCPX_LIMITS_MAX_CONNECTIONS_PER_ADDRESS", "0"}})).server.max_connections_per_address, 0u);
  auto e = err(load("", {{"MCPX_LIMITS_MAX_CONNECTIONS_PER_ADDRESS", "-1"}}));
  EXPECT_EQ(e.key, "limits.max_connections_per_address");
}

TEST_F(config, event_budgets_from_yaml_and_env) {
  auto path = write("mcpx.yaml", "events:\n  max_session_bytes: 131072\n  max_total_bytes: 1048576\n");
  auto s = ok(load(path, {}));
  EXPECT_EQ(s.server.event_session_bytes, 131072u);
  EXPECT_EQ(s.server.events_total_bytes, 1048576u);
  EXPECT_EQ(ok(load(path, {{"MCPX_EVENTS_MAX_TOTAL_BYTES", "65536"}})).server.events_total_bytes, 65536u);
  EXPECT_EQ(err(load("", {{"MCPX_EVENTS_MAX_SESSION_BYTES", "1000"}})).key, "events.max_session_bytes");
}

// The auth: block of issue 10, with exactly its keys.
TEST_F(config, auth_block_from_yaml) {
  auto path = write("mcpx.yaml", R"(auth:
  required: true
  resource: https://mcp.example.com/mcp
  issuers:
    - issuer: https://auth.example.com
      audiences: []
    - issuer: https://login.example.org/tenant
      audiences: [https://api.example.com]
    - http://127.0.0.1:9000
  dpop: required
  list_filtering: false
  scopes:
    tools: {get_customer: [crm:read], update_customer: [crm:write]}
    prompts: {summary: [crm:read]}
  scope_implies: {crm:admin: [crm:write], crm:write: [crm:read]}
)");
  auto s = ok(load(path, {}));
  const auto& a = s.server.auth;
  EXPECT_TRUE(a.enabled());
  EXPECT_TRUE(a.required);
  EXPECT_EQ(a.resource, "https://mcp.example.com/mcp");
  ASSERT_EQ(a.issuers.size(), 3u);
  EXPECT_EQ(a.issuers[0].issuer, "https://auth.example.com");
  EXPECT_TRUE(a.issuers[0].audiences.empty());
  EXPECT_EQ(a.issuers[1].audiences, std::vector<std::string>{"https://api.example.com"});
  EXPECT_EQ(a.issuers[2].issuer, "http://127.0.0.1:9000");
  EXPECT_EQ(a.dpop, mcpx::dpop_mode::required);
  EXPECT_FALSE(a.list_filtering);
  EXPECT_EQ(s.server.tool_access.at("update_customer").scopes, std::vector<std::string>{"crm:write"});
  EXPECT_EQ(s.server.prompt_access.at("summary").scopes, std::vector<std::string>{"crm:read"});
  EXPECT_EQ(a.scope_implies.at("crm:admin"), std::vector<std::string>{"crm:write"});
  EXPECT_EQ(a.scope_implies.at("crm:write"), std::vector<std::string>{"crm:read"});
}

TEST_F(config, the_allocator_tuning_is_on_unless_turned_off) {
  EXPECT_TRUE(ok(load("", {})).server.tune_allocator);
  EXPECT_FALSE(ok(load("", {{"MCPX_SERVER_TUNE_ALLOCATOR", "false"}})).server.tune_allocator);
  EXPECT_EQ(err(load("", {{"MCPX_SERVER_TUNE_ALLOCATOR", "maybe"}})).key, "server.tune_allocator");
}

TEST_F(config, auth_defaults_env_overrides_and_refusals) {
  auto d = ok(load("", {})).server.auth;
  EXPECT_FALSE(d.enabled());
  EXPECT_TRUE(d.required);
  EXPECT_EQ(d.dpop, mcpx::dpop_mode::allowed);
  EXPECT_TRUE(d.list_filtering);
  auto e = ok(load("", {{"MCPX_AUTH_ISSUERS", "https://a.example, https://b.example/t"},
                        {"MCPX_AUTH_REQUIRED", "false"},
                        {"MCPX_AUTH_RESOURCE", "https://mcp.example.com/mcp"},
                        {"MCPX_AUTH_DPOP", "off"}}))
               .server.auth;
  ASSERT_EQ(e.issuers.size(), 2u);
  EXPECT_EQ(e.issuers[1].issuer, "https://b.example/t");
  EXPECT_FALSE(e.required);
  EXPECT_EQ(e.dpop, mcpx::dpop_mode::off);
  EXPECT_EQ(err(load("", {{"MCPX_AUTH_DPOP", "maybe"}})).key, "auth.dpop");
  EXPECT_EQ(err(load("", {{"MCPX_AUTH_REQUIRED", "yes"}})).key, "auth.required");
  EXPECT_EQ(err(load("", {{"MCPX_AUTH_ISSUERS", "ftp://a.example"}})).key, "auth.issuers");
  EXPECT_EQ(err(load("", {{"MCPX_AUTH_ISSUERS", "https://a.example/?q=1"}})).key, "auth.issuers");
  EXPECT_EQ(
      err(load(write("a.yaml", "auth:\n  issuers:\n    - issuer: https://a.example\n      audience: []\n"), {})).key,
      "auth.issuers.audience");
  auto both = err(load(write("b.yaml", "tools:\n  t: {scopes: [a]}\nauth:\n  scopes:\n    tools: {t: [b]}\n"), {}));
  EXPECT_TRUE(contains(both.message, "one place")) << both.message;
  auto bad_scope = err(load(write("c.yaml", "auth:\n  scope_implies: {crm:admin: [\"crm write\"]}\n"), {}));
  EXPECT_EQ(bad_scope.key, "auth.scope_implies.crm:admin");
  // tools: after auth: merges its cost with the scopes auth.scopes set.
  auto merged = ok(load(write("d.yaml", "auth:\n  scopes:\n    tools: {t: [a]}\ntools:\n  t: {cost: heavy}\n"), {}));
  EXPECT_EQ(merged.server.tool_access.at("t").scopes, std::vector<std::string>{"a"});
  EXPECT_EQ(merged.server.tool_access.at("t").cost, "heavy");
}

// RFC 7662 introspection: nested under auth:, the client secret only from a file.
TEST_F(config, auth_introspection_block) {
  auto secret = write("introspection", "s3cret-from-a-file\n");
  auto s = ok(load(write("i.yaml", R"(auth:
  issuers: [https://auth.example.com]
  resource: https://mcp.example.com/mcp
  introspection:
    client_id: mcp-server
    client_secret_file: )" + secret + R"(
    endpoint: https://auth.example.com/introspect
    cache_seconds: 30
    max_in_flight: 8
)"),
                   {}));
  const auto& in = s.server.auth.introspection;
  EXPECT_TRUE(in.enabled());
  EXPECT_EQ(in.client_id, "mcp-server");
  EXPECT_EQ(in.client_secret, "s3cret-from-a-file");
  EXPECT_EQ(in.endpoint, "https://auth.example.com/introspect");
  EXPECT_EQ(in.cache_ttl, std::chrono::seconds(30));
  EXPECT_EQ(in.max_in_flight, 8u);
  EXPECT_FALSE(ok(load("", {})).server.auth.introspection.enabled());
  auto plain = err(load(write("p.yaml", "auth:\n  introspection:\n    client_secret: oops\n"), {}));
  EXPECT_EQ(plain.key, "auth.introspection.client_secret");
  EXPECT_NE(plain.message.find("client_secret_file"), std::string::npos) << plain.message;
  EXPECT_EQ(err(load("", {{"MCPX_AUTH_INTROSPECTION_MAX_IN_FLIGHT", "0"}})).key, "auth.introspection.max_in_flight");
}

// Rate limits (issue 11): the tier table as operators know it, the limits: keys, tool_costs.
TEST_F(config, rate_limit_blocks_from_yaml) {
  auto pw = write("redis_pw", "redis-secret\n");
  auto s = ok(load(write("r.yaml", R"(rate_limits:
  development: {requests_per_minute: 60,    burst: 10}
  production:  {requests_per_minute: 1000,  burst: 200}
  enterprise:  {requests_per_minute: 10000, burst: 1000}
limits:
  rate_limiting: enforce
  default_tier: production
  clients: {reporting-bot: enterprise}
  anonymous_key: off
  store: redis
  redis: {url: "redis://127.0.0.1:6390/2", password_file: )" +
                                       pw + R"(, key_prefix: "app:"}
  on_store_error: {read: open, write: closed, external: open}
tool_costs:
  classes: {read: {requests_per_minute: 600, burst: 100}, write: {requests_per_minute: 60, burst: 10},
            external: {requests_per_minute: 30, burst: 5}}
  tools: {update_customer: write, call_external_api: external}
)"),
                   {}));
  const auto& r = s.server.rate_limits;
  EXPECT_EQ(r.mode, mcpx::limit_mode::enforce);
  EXPECT_EQ(r.tiers.size(), 3u);
  EXPECT_EQ(r.tiers.at("production"), (mcpx::rate_limit{1000, 200}));
  EXPECT_EQ(r.default_tier, "production");
  EXPECT_EQ(r.clients.at("reporting-bot"), "enterprise");
  EXPECT_FALSE(r.anonymous_by_address);
  EXPECT_TRUE(r.use_redis);
  EXPECT_EQ(r.redis.url, "redis://127.0.0.1:6390/2");
  EXPECT_EQ(r.redis.password, "redis-secret");
  EXPECT_EQ(r.redis.key_prefix, "app:");
  EXPECT_EQ(r.on_store_error.at("external"), mcpx::store_failure::open);
  EXPECT_EQ(r.classes.size(), 3u) << "a table written replaces the defaults";
  EXPECT_EQ(r.classes.at("external"), (mcpx::rate_limit{30, 5}));
  EXPECT_EQ(s.server.tool_access.at("update_customer").cost, "write");
  EXPECT_EQ(s.server.tool_access.at("call_external_api").cost, "external");
}

TEST_F(config, rate_limit_defaults_and_refusals) {
  auto d = ok(load("", {})).server.rate_limits;
  EXPECT_FALSE(d.enabled());
  EXPECT_EQ(d.tiers.at("development"), (mcpx::rate_limit{60, 10}));
  EXPECT_EQ(d.tiers.at("enterprise"), (mcpx::rate_limit{10000, 1000}));
  EXPECT_EQ(d.classes.at("write"), (mcpx::rate_limit{60, 10}));
  EXPECT_EQ(ok(load("", {{"MCPX_LIMITS_RATE_LIMITING", "shadow"}})).server.rate_limits.mode, mcpx::limit_mode::shadow);
  EXPECT_EQ(err(load("", {{"MCPX_LIMITS_STORE", "postgres"}})).key, "limits.store");
  EXPECT_EQ(err(load("", {{"MCPX_LIMITS_REDIS_URL", "http://x"}})).key, "limits.redis.url");
  EXPECT_EQ(err(load(write("a.yaml", "rate_limits:\n  dev: {requests_per_minute: 0}\n"), {})).key,
            "rate_limits.dev.requests_per_minute");
  EXPECT_EQ(err(load(write("b.yaml", "rate_limits:\n  dev: {burst: 3}\n"), {})).key, "rate_limits.dev");
  EXPECT_EQ(err(load(write("b2.yaml", "rate_limits:\n  dev: {requests_per_minute: 5, burst: 0}\n"), {})).key,
            "rate_limits.dev.burst");
  EXPECT_EQ(err(load(write("c.yaml", "rate_limits:\n  dev: {requests_per_minute: 5, brust: 3}\n"), {})).key,
            "rate_limits.dev.brust");
  EXPECT_EQ(err(load(write("d.yaml", "limits:\n  on_store_error: {read: maybe}\n"), {})).key,
            "limits.on_store_error.read");
  auto twice = err(load(write("e.yaml", "tool_costs:\n  tools: {t: write}\ntools:\n  t: {cost: read}\n"), {}));
  EXPECT_EQ(twice.key, "tools.t.cost");
  auto plain = err(load(write("f.yaml", "limits:\n  redis: {password: hunter2}\n"), {}));
  EXPECT_EQ(plain.key, "limits.redis.password");
}
