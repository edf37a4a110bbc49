// Liveness, readiness and graceful drain.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mcpx/server.hpp>
#include <thread>

#include "test_client.hpp"

using namespace mcpx::test;
namespace json = boost::json;

namespace {

TEST(health, liveness_stays_up_while_a_dependency_is_down) {
  std::atomic<bool> db_up{true};
  mcpx::options o;
  o.port = 0;
  o.log_level = "warning";
  mcpx::server s({"ops-test", "1"}, o);
  s.tool("t").description("t").handle([](const mcpx::args&, mcpx::context&) { return mcpx::tool_result::text("t"); });
  s.add_readiness_check("database", [&](std::string& detail) {
    detail = db_up ? "reachable" : "connection refused";
    return db_up.load();
  });
  s.start();
  auto ready = roundtrip(s.port(), get("/health/ready"));
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(json_body(ready).at("status").as_string(), "ready");
  db_up = false;
  // The prober runs every 2 s; readiness follows within that.
  http_result r;
  for (int i = 0; i < 40; ++i) {
    r = roundtrip(s.port(), get("/health/ready"));
    if (r.status == 503) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("connection refused"), std::string::npos) << r.body;
  auto start = std::chrono::steady_clock::now();
  auto live = roundtrip(s.port(), get("/health"));
  EXPECT_EQ(live.status, 200);
  EXPECT_EQ(json_body(live).at("status").as_string(), "alive");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(50));
  s.stop();
}

TEST(health, readiness_reports_a_saturated_worker_pool) {
  mcpx::options o;
  o.port = 0;
  o.log_level = "warning";
  o.worker_threads = 1;
  o.worker_queue_limit = 1;
  mcpx::server s({"ops-test", "1"}, o);
  std::atomic<bool> release{false};
  s.tool("block").description("blocks").handle([&](const mcpx::args&, mcpx::context&) {
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return mcpx::tool_result::text("done");
  });
  s.start();
  auto busy = connect(s.port());
  net::write(busy, net::buffer(post(modern_body(1, "tools/call", {{"name", "block"}}),
                                    modern_headers("tools/call", "block"))));
  http_result r;
  for (int i = 0; i < 50; ++i) {
    r = roundtrip(s.port(), get("/health/ready"));
    if (r.status == 503) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("workers"), std::string::npos);
  release = true;
  EXPECT_EQ(read_response(busy).status, 200);
  s.stop();
}

TEST(health, draining_flips_readiness_and_finishes_work_in_flight) {
  mcpx::options o;
  o.port = 0;
  o.log_level = "warning";
  mcpx::server s({"ops-test", "1"}, o);
  s.tool("slow").description("300 ms").handle([](const mcpx::args&, mcpx::context&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    return mcpx::tool_result::text("finished");
  });
  s.start();
  auto call = connect(s.port());
  net::write(call,
             net::buffer(post(modern_body(1, "tools/call", {{"name", "slow"}}), modern_headers("tools/call", "slow"))));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::thread drainer([&] { s.drain(std::chrono::seconds(5)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(roundtrip(s.port(), get("/health/ready")).status, 503);
  EXPECT_EQ(roundtrip(s.port(), get("/health")).status, 200);
  auto r = read_response(call);
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("finished"), std::string::npos);
  drainer.join();
  EXPECT_EQ(s.active_requests(), 0u);
  s.stop();
}

// The fixture binary, SIGTERM'd during 50 slow calls, finishes all of them and exits 0.
TEST(drain, sigterm_during_50_slow_calls_completes_them_all) {
  int port = 0;
  {
    net::io_context ioc;
    tcp::acceptor a(ioc, {net::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::string listen = "127.0.0.1:" + std::to_string(port);
    execl(MCPX_CONFORMANCE_PATH, "mcpx-conformance", "--listen", listen.c_str(), "--workers", "64", nullptr);
    _exit(127);
  }
  bool up = false;
  for (int i = 0; i < 100 && !up; ++i) {
    try {
      up = roundtrip(static_cast<unsigned short>(port), get("/health")).status == 200;
    } catch (...) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ASSERT_TRUE(up);
  std::vector<tcp::socket> calls;
  for (int i = 0; i < 50; ++i) {
    calls.push_back(connect(static_cast<unsigned short>(port)));
    net::write(calls.back(), net::buffer(post(modern_body(i, "tools/call",
                                                          {{"name", "slow_compute"}, {"arguments", {{"seconds", 1}}}}),
                                              modern_headers("tools/call", "slow_compute"))));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(roundtrip(static_cast<unsigned short>(port), get("/health/ready")).status, 503);
  EXPECT_EQ(roundtrip(static_cast<unsigned short>(port), get("/health")).status, 200);
  int completed = 0;
  for (auto& c : calls) {
    auto r = read_response(c);
    if (r.status == 200 && r.body.find("Computed") != std::string::npos) ++completed;
  }
  EXPECT_EQ(completed, 50);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  // Gone: new connections are refused.
  EXPECT_THROW(connect(static_cast<unsigned short>(port)), boost::system::system_error);
}

}  // namespace

namespace {

// Starts the fixture binary with stderr sent to `log_path`; returns its pid and port.
std::pair<pid_t, unsigned short> start_fixture(const std::string& log_path) {
  unsigned short port = 0;
  {
    net::io_context ioc;
    tcp::acceptor a(ioc, {net::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }
  pid_t pid = fork();
  if (pid == 0) {
    FILE* f = std::freopen(log_path.c_str(), "w", stderr);
    (void)f;
    std::string listen = "127.0.0.1:" + std::to_string(port);
    execl(MCPX_CONFORMANCE_PATH, "mcpx-conformance", "--listen", listen.c_str(), nullptr);
    _exit(127);
  }
  for (int i = 0; i < 100; ++i) {
    try {
      if (roundtrip(port, get("/health")).status == 200) break;
    } catch (...) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return {pid, port};
}

TEST(access_log, the_binary_writes_one_json_line_per_request_without_secrets) {
  std::string path = ::testing::TempDir() + "mcpx-access-" + std::to_string(::getpid()) + ".log";
  auto [pid, port] = start_fixture(path);
  auto j = json::parse(modern_body(7, "tools/call", {{"name", "test_simple_text"}}));
  j.at("params").at("_meta").as_object()["traceparent"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  auto r = roundtrip(port, post(json::serialize(j), modern_headers("tools/call", "test_simple_text") +
                                                        "Authorization: Bearer secret-token-123\r\n"));
  ASSERT_EQ(r.status, 200);
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  std::ifstream in(path);
  std::string line, all;
  bool found = false;
  while (std::getline(in, line)) {
    all += line + "\n";
    boost::system::error_code ec;
    auto v = json::parse(line, ec);
    ASSERT_FALSE(ec) << "not JSON: " << line;
    auto& o = v.as_object();
    if (o.contains("method") && o.at("method") == "tools/call") {
      found = true;
      EXPECT_EQ(o.at("tool").as_string(), "test_simple_text");
      EXPECT_EQ(o.at("trace_id").as_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
      EXPECT_EQ(o.at("status").as_int64(), 200);
      EXPECT_TRUE(o.contains("latency_us"));
      EXPECT_TRUE(o.contains("request_id"));
    }
  }
  EXPECT_TRUE(found) << all;
  EXPECT_EQ(all.find("secret-token-123"), std::string::npos);
  std::remove(path.c_str());
}

}  // namespace

namespace {

unsigned short free_port() {
  net::io_context ioc;
  tcp::acceptor a(ioc, {net::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

TEST(metrics, exposition_counts_requests_by_method_tool_status_and_class) {
  mcpx::options o;
  o.port = 0;
  o.log_level = "warning";
  mcpx::server s({"metrics-test", "1"}, o);
  s.tool("boom").description("fails").handle([](const mcpx::args&, mcpx::context&) -> mcpx::tool_result {
    throw mcpx::external_error("upstream down", 5);
  });
  s.start();
  roundtrip(s.port(), post(modern_body(1, "tools/call", {{"name", "boom"}}), modern_headers("tools/call", "boom")));
  roundtrip(s.port(), post(modern_body(2, "tools/call", {{"name", "made-up-" + std::to_string(::getpid())}}),
                           modern_headers("tools/call", "made-up-" + std::to_string(::getpid()))));
  auto m = roundtrip(s.port(), get("/metrics"));
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.head.find("text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(m.body.find(
                R"(mcpx_requests_total{method="tools/call",tool="boom",status="200",error_class="EXTERNAL_ERROR"} 1)"),
            std::string::npos)
      << m.body;
  // An unknown tool's name does not become a label.
  EXPECT_EQ(m.body.find("made-up-"), std::string::npos);
  EXPECT_NE(m.body.find("mcpx_request_duration_ms_bucket{"), std::string::npos);
  EXPECT_NE(m.body.find("mcpx_worker_queue_depth"), std::string::npos);
  EXPECT_NE(m.body.find("mcpx_sessions_active"), std::string::npos);
  s.stop();
}

// Each request is counted in its own series, however the kinds of request alternate (the
// shard remembers the series it counted last).
TEST(metrics, alternating_kinds_of_request_are_each_counted_in_their_own_series) {
  mcpx::options o;
  o.port = 0;
  o.log_level = "warning";
  o.io_threads = 1;
  mcpx::server s({"metrics-test", "1"}, o);
  s.tool("ok").description("fine").run_on(mcpx::execution::io_thread).handle([](const mcpx::args&, mcpx::context&) {
    return mcpx::tool_result::text("ok");
  });
  s.start();
  auto call = [&] {
    roundtrip(s.port(), post(modern_body(1, "tools/call", {{"name", "ok"}}), modern_headers("tools/call", "ok")));
  };
  auto list = [&] { roundtrip(s.port(), post(modern_body(2, "tools/list"), modern_headers("tools/list"))); };
  call(), call(), list(), call(), list(), list(), call();
  auto m = roundtrip(s.port(), get("/metrics"));
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.body.find(R"(mcpx_requests_total{method="tools/call",tool="ok",status="200",error_class=""} 4)"),
            std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find(R"(mcpx_requests_total{method="tools/list",tool="",status="200",error_class=""} 3)"),
            std::string::npos)
      << m.body;
  s.stop();
}

// A real Prometheus scrapes /metrics and can query what it scraped.
TEST(metrics, a_real_prometheus_scrapes_them) {
  if (std::system("command -v prometheus >/dev/null 2>&1") != 0) GTEST_SKIP() << "prometheus is not installed";
  mcpx::options o;
  o.port = 0;
  o.log_level = "warning";
  mcpx::server s({"metrics-test", "1"}, o);
  s.tool("ok").description("ok").handle([](const mcpx::args&, mcpx::context&) {
    return mcpx::tool_result::text("ok");
  });
  s.start();
  for (int i = 0; i < 3; ++i)
    roundtrip(s.port(), post(modern_body(i, "tools/call", {{"name", "ok"}}), modern_headers("tools/call", "ok")));
  std::string dir = ::testing::TempDir() + "mcpx-prom-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir + "/data");
  {
    std::ofstream cfg(dir + "/prometheus.yml");
    cfg << "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: mcpx\n    static_configs:\n"
        << "      - targets: ['127.0.0.1:" << s.port() << "']\n";
  }
  unsigned short prom_port = free_port();
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    FILE* f = std::freopen((dir + "/prometheus.log").c_str(), "w", stderr);
    (void)f;
    std::string cfg = "--config.file=" + dir + "/prometheus.yml";
    std::string data = "--storage.tsdb.path=" + dir + "/data";
    std::string web = "--web.listen-address=127.0.0.1:" + std::to_string(prom_port);
    execlp("prometheus", "prometheus", cfg.c_str(), data.c_str(), web.c_str(), nullptr);
    _exit(127);
  }
  std::string answer;
  for (int i = 0; i < 60; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    try {
      auto r = roundtrip(prom_port,
                         "GET /api/v1/query?query=mcpx_requests_total%7Btool%3D%22ok%22%7D HTTP/1.1\r\nHost: "
                         "127.0.0.1\r\n\r\n");
      if (r.status == 200 && r.body.find("\"tool\":\"ok\"") != std::string::npos) {
        answer = r.body;
        break;
      }
    } catch (...) {
    }
  }
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  std::filesystem::remove_all(dir);
  s.stop();
  ASSERT_FALSE(answer.empty()) << "prometheus never returned the scraped series";
  EXPECT_NE(answer.find("\"3\""), std::string::npos) << answer;
}

}  // namespace

namespace {

TEST(metrics, can_be_served_on_a_separate_port) {
  mcpx::options o;
  o.port = 0;
  o.log_level = "warning";
  o.metrics_port = free_port();
  mcpx::server s({"metrics-test", "1"}, o);
  s.tool("ok").description("ok").handle([](const mcpx::args&, mcpx::context&) {
    return mcpx::tool_result::text("ok");
  });
  s.start();
  EXPECT_EQ(s.metrics_port(), o.metrics_port);
  EXPECT_EQ(roundtrip(s.metrics_port(), get("/metrics")).status, 200);
  EXPECT_EQ(roundtrip(s.metrics_port(), get("/health")).status, 200);
  EXPECT_EQ(roundtrip(s.port(), get("/metrics")).status, 404);  // not on the MCP port
  EXPECT_EQ(roundtrip(s.metrics_port(), post(modern_body(1, "tools/list"), modern_headers("tools/list"))).status, 404);
  s.stop();
}

}  // namespace

namespace {

// Runs the fixture binary with `env` added and returns its exit status and stderr, killing it
// after `wait` if it is still running (a good configuration keeps it serving).
std::pair<int, std::string> run_fixture(std::vector<std::string> args, std::vector<std::string> env,
                                        std::chrono::milliseconds wait) {
  std::string log = ::testing::TempDir() + "mcpx-cfg-" + std::to_string(::getpid()) + ".log";
  pid_t pid = fork();
  if (pid == 0) {
    FILE* f = std::freopen(log.c_str(), "w", stderr);
    (void)f;
    for (auto& e : env) putenv(e.data());
    std::vector<char*> argv{const_cast<char*>("mcpx-conformance")};
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(MCPX_CONFORMANCE_PATH, argv.data());
    _exit(127);
  }
  int status = 0;
  auto end = std::chrono::steady_clock::now() + wait;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > end) {
      kill(pid, SIGTERM);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::ifstream in(log);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::remove(log.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text};
}

TEST(config, the_binary_reads_file_env_and_secret_files) {
  std::string dir = ::testing::TempDir() + "mcpx-cfg-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  { std::ofstream(dir + "/secret") << "0123456789abcdef0123456789abcdef\n"; }
  unsigned short port = free_port();
  {
    std::ofstream(dir + "/config.yaml") << "server:\n  address: 127.0.0.1\n  port: 1\nmrtr:\n  state_secret_file: "
                                        << dir << "/secret\nlog:\n  level: info\n";
  }
  // The environment overrides the file's port.
  auto [rc, log] = run_fixture({"--config", dir + "/config.yaml"}, {"MCPX_SERVER_PORT=" + std::to_string(port)},
                               std::chrono::milliseconds(800));
  EXPECT_EQ(rc, 0) << log;
  EXPECT_NE(log.find("\"port\":" + std::to_string(port)), std::string::npos) << log;
  EXPECT_EQ(log.find("0123456789abcdef"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(config, a_typo_stops_the_binary_with_the_key_named) {
  std::string path = ::testing::TempDir() + "mcpx-cfg-bad-" + std::to_string(::getpid()) + ".yaml";
  { std::ofstream(path) << "server:\n  prot: 9000\n"; }
  auto [rc, log] = run_fixture({"--config", path}, {}, std::chrono::milliseconds(3000));
  EXPECT_EQ(rc, 2);
  EXPECT_NE(log.find("server.prot"), std::string::npos) << log;
  std::remove(path.c_str());
}

TEST(config, a_secret_in_a_plain_env_var_is_accepted_with_a_warning) {
  unsigned short port = free_port();
  auto [rc, log] = run_fixture({"--listen", "127.0.0.1:" + std::to_string(port)},
                               {"MCPX_MRTR_STATE_SECRET=plain-secret-value-0123456789abcdef"},
                               std::chrono::milliseconds(800));
  EXPECT_EQ(rc, 0) << log;
  EXPECT_NE(log.find("MCPX_MRTR_STATE_SECRET_FILE"), std::string::npos) << log;
  EXPECT_EQ(log.find("plain-secret-value"), std::string::npos);
}

}  // namespace

namespace {

// The exact HEALTHCHECK command of deploy/docker/Dockerfile.server, against the running server.
TEST(healthcheck, the_dockerfile_command_line_probes_a_running_server) {
  std::ifstream df(MCPX_SOURCE_DIR "/deploy/docker/Dockerfile.server");
  std::string line, cmd;
  while (std::getline(df, line))
    if (line.rfind("HEALTHCHECK ", 0) == 0) cmd = line.substr(line.find("CMD ") + 4);
  ASSERT_FALSE(cmd.empty()) << "no HEALTHCHECK in the Dockerfile";
  auto argv_json = json::parse(cmd).as_array();
  ASSERT_EQ(argv_json.size(), 2u);
  EXPECT_EQ(argv_json[0].as_string(), "/usr/local/bin/mcpx-probe");
  std::string url(argv_json[1].as_string());
  ASSERT_EQ(url, "http://127.0.0.1:8000/health");
  // The image's server listens on 8000; so does this one (skip if something else holds it).
  try {
    net::io_context ioc;
    tcp::acceptor a(ioc, {net::ip::make_address("127.0.0.1"), 8000});
  } catch (...) {
    GTEST_SKIP() << "port 8000 is busy on this machine";
  }
  auto run_probe = [&] {
    pid_t p = fork();
    if (p == 0) {
      execl(MCPX_PROBE_PATH, "/usr/local/bin/mcpx-probe", url.c_str(), nullptr);  // argv as in the image
      _exit(127);
    }
    int st = 0;
    waitpid(p, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  };
  pid_t server = fork();
  if (server == 0) {
    FILE* f = std::freopen("/dev/null", "w", stderr);
    (void)f;
    execl(MCPX_CONFORMANCE_PATH, "mcpx-conformance", "--listen", "127.0.0.1:8000", nullptr);
    _exit(127);
  }
  int rc = 1;
  for (int i = 0; i < 100 && rc != 0; ++i) {
    rc = run_probe();
    if (rc != 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(rc, 0);
  kill(server, SIGTERM);
  waitpid(server, nullptr, 0);
  EXPECT_EQ(run_probe(), 1);  // nothing listens any more
}

}  // namespace
