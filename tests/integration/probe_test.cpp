// mcpx-probe: the real binary against tiny in-test HTTP servers on loopback, plus its URL parser.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "url.hpp"

extern char** environ;

namespace {

using clock_type = std::chrono::steady_clock;

// A one-thread HTTP server on 127.0.0.1 or [::1] (IPv6 only), port 0. For each connection it reads the request
// head, records it, then sends `response` and closes, or (hang) sends it and keeps the connection open forever.
class test_server {
 public:
  enum class after { close, hang };

  test_server(int family, std::string response, after mode = after::close)
      : response_(std::move(response)), mode_(mode) {
    fd_ = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    int one = 1;
    sockaddr_storage ss{};
    socklen_t len = 0;
    if (family == AF_INET6) {
      setsockopt(fd_, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
      auto* sa = reinterpret_cast<sockaddr_in6*>(&ss);
      sa->sin6_family = AF_INET6;
      sa->sin6_addr = in6addr_loopback;
      len = sizeof *sa;
    } else {
      auto* sa = reinterpret_cast<sockaddr_in*>(&ss);
      sa->sin_family = AF_INET;
      sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      len = sizeof *sa;
    }
    if (bind(fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0 || listen(fd_, 16) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
      close(fd_);
      fd_ = -1;
      return;
    }
    port_ = ntohs(family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                     : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~test_server() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    for (int c : held_) close(c);
    if (fd_ >= 0) close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  int port() const { return port_; }
  std::string request() {
    std::lock_guard lock(mutex_);
    return request_;
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      const int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      std::string head = read_head(c);
      {
        std::lock_guard lock(mutex_);
        request_ = head;
      }
      if (!response_.empty()) (void)!send(c, response_.data(), response_.size(), MSG_NOSIGNAL);
      if (mode_ == after::hang) held_.push_back(c);
      else close(c);
    }
  }
  std::string read_head(int c) {
    std::string head;
    char buf[4096];
    const auto give_up = clock_type::now() + std::chrono::seconds(5);
    while (head.find("\r\n\r\n") == std::string::npos && clock_type::now() < give_up && !stop_) {
      pollfd p{c, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      const ssize_t n = recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      head.append(buf, static_cast<std::size_t>(n));
    }
    return head;
  }

  std::string response_;
  after mode_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::vector<int> held_;
  std::mutex mutex_;
  std::string request_;
};

struct probe_run {
  int status = -1;     // exit status, or 128 + signal
  std::string output;  // stdout and stderr together
  double seconds = 0;
};

probe_run run_probe(const std::vector<std::string>& args) {
  probe_run r;
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return r;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDERR_FILENO);
  std::vector<char*> argv{const_cast<char*>(MCPX_PROBE_PATH)};
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const auto start = clock_type::now();
  pid_t pid = -1;
  const int spawn_error = posix_spawn(&pid, MCPX_PROBE_PATH, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  if (spawn_error == 0) {
    char buf[1024];
    for (ssize_t n; (n = read(out[0], buf, sizeof buf)) > 0;) r.output.append(buf, static_cast<std::size_t>(n));
    int ws = 0;
    waitpid(pid, &ws, 0);
    r.status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
  }
  close(out[0]);
  r.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  return r;
}

std::string v4_url(int port, const std::string& path = "/health") {
  return "http://127.0.0.1:" + std::to_string(port) + path;
}

const std::string ok_200 =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 18\r\n\r\n{\"status\":\"alive\"}";

TEST(probe, healthcheck_command_line_exits_0_on_200_and_prints_nothing) {
  // The exact HEALTHCHECK form: mcpx-probe http://127.0.0.1:PORT/health
  test_server server(AF_INET, ok_200);
  ASSERT_TRUE(server.ok());
  const auto r = run_probe({v4_url(server.port())});
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output, "");
  const std::string req = server.request();
  EXPECT_EQ(req.rfind("GET /health HTTP/1.1\r\n", 0), 0u) << req;
  EXPECT_NE(req.find("\r\nHost: 127.0.0.1:" + std::to_string(server.port()) + "\r\n"), std::string::npos) << req;
  EXPECT_NE(req.find("\r\nConnection: close\r\n"), std::string::npos) << req;
}

TEST(probe, verbose_reports_the_status_on_success) {
  test_server server(AF_INET, "HTTP/1.0 204 No Content\r\n\r\n");
  ASSERT_TRUE(server.ok());
  const auto r = run_probe({"-v", v4_url(server.port())});
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output, "mcpx-probe: " + v4_url(server.port()) + ": 204 No Content\n");
}

TEST(probe, default_path_is_slash_and_query_is_kept) {
  test_server server(AF_INET, ok_200);
  ASSERT_TRUE(server.ok());
  EXPECT_EQ(run_probe({"http://127.0.0.1:" + std::to_string(server.port())}).status, 0);
  EXPECT_EQ(server.request().rfind("GET / HTTP/1.1\r\n", 0), 0u) << server.request();
  EXPECT_EQ(run_probe({"http://127.0.0.1:" + std::to_string(server.port()) + "?deep=1#frag"}).status, 0);
  EXPECT_EQ(server.request().rfind("GET /?deep=1 HTTP/1.1\r\n", 0), 0u) << server.request();
}

TEST(probe, dead_port_exits_1) {
  // A bound socket that is not listening refuses connections, and nobody else can take its port meanwhile.
  const int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  ASSERT_EQ(bind(s, reinterpret_cast<sockaddr*>(&sa), len), 0);
  ASSERT_EQ(getsockname(s, reinterpret_cast<sockaddr*>(&sa), &len), 0);
  const auto r = run_probe({v4_url(ntohs(sa.sin_port))});
  close(s);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("Connection refused"), std::string::npos) << r.output;
}

TEST(probe, non_2xx_exits_1_with_one_line_naming_the_status) {
  test_server server(AF_INET, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(server.ok());
  const auto r = run_probe({v4_url(server.port())});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.output, "mcpx-probe: " + v4_url(server.port()) + ": 503 Service Unavailable\n");
  test_server redirect(AF_INET, "HTTP/1.1 301 Moved Permanently\r\nLocation: /x\r\n\r\n");
  EXPECT_EQ(run_probe({v4_url(redirect.port())}).status, 1);
}

TEST(probe, malformed_or_missing_response_exits_1) {
  for (const char* response :
       {"SSH-2.0-OpenSSH_9.2\r\n", "HTTP/1.1 2000 OK\r\n", "HTTP/1.1 OK\r\n", "HTTP/1.1 200", ""}) {
    test_server server(AF_INET, response);
    ASSERT_TRUE(server.ok());
    const auto r = run_probe({"--timeout", "2", v4_url(server.port())});
    EXPECT_EQ(r.status, 1) << "response: " << response << "\n" << r.output;
    EXPECT_LT(r.seconds, 2.0) << response;  // the server closes; no need to wait for the timeout
  }
}

TEST(probe, server_that_never_answers_times_out_with_exit_1) {
  test_server server(AF_INET, "", test_server::after::hang);
  ASSERT_TRUE(server.ok());
  const auto r = run_probe({"--timeout", "1", v4_url(server.port())});
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_GE(r.seconds, 0.9);
  EXPECT_LT(r.seconds, 2.0);
  EXPECT_NE(r.output.find("no status line within 1s"), std::string::npos) << r.output;
}

TEST(probe, partial_status_line_then_silence_times_out_with_fractional_timeout) {
  test_server server(AF_INET, "HTTP/1.1 200 O", test_server::after::hang);
  ASSERT_TRUE(server.ok());
  const auto r = run_probe({"--timeout=0.5", v4_url(server.port())});
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_GE(r.seconds, 0.4);
  EXPECT_LT(r.seconds, 1.5);
}

TEST(probe, ipv6_only_listener) {
  test_server server(AF_INET6, ok_200);
  if (!server.ok()) GTEST_SKIP() << "cannot bind [::1] here";
  const auto r = run_probe({"http://[::1]:" + std::to_string(server.port()) + "/health"});
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(server.request().find("\r\nHost: [::1]:" + std::to_string(server.port()) + "\r\n"), std::string::npos);
}

TEST(probe, localhost_is_refused_without_allow_localhost) {
  test_server server(AF_INET, ok_200);
  ASSERT_TRUE(server.ok());
  const std::string url = "http://localhost:" + std::to_string(server.port()) + "/health";
  const auto refused = run_probe({url});
  EXPECT_EQ(refused.status, 2);
  EXPECT_NE(refused.output.find("127.0.0.1"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("[::1]"), std::string::npos) << refused.output;
  EXPECT_EQ(server.request(), "");  // never connected
  const auto allowed = run_probe({"--allow-localhost", url});
  EXPECT_EQ(allowed.status, 0) << allowed.output;
  EXPECT_NE(server.request().find("\r\nHost: localhost:"), std::string::npos) << server.request();
}

TEST(probe, allow_localhost_falls_back_to_ipv6) {
  test_server server(AF_INET6, ok_200);
  if (!server.ok()) GTEST_SKIP() << "cannot bind [::1] here";
  const auto r = run_probe({"--allow-localhost", "http://localhost:" + std::to_string(server.port()) + "/health"});
  EXPECT_EQ(r.status, 0) << r.output;
}

TEST(probe, bad_usage_and_urls_exit_2) {
  const std::vector<std::vector<std::string>> cases = {
      {},
      {"http://127.0.0.1/", "http://127.0.0.1/"},
      {"--timeout"},
      {"--timeout", "0", "http://127.0.0.1/"},
      {"--timeout", "-1", "http://127.0.0.1/"},
      {"--timeout", "abc", "http://127.0.0.1/"},
      {"--timeout", "nan", "http://127.0.0.1/"},
      {"--bogus", "http://127.0.0.1/"},
      {"127.0.0.1:8000"},
      {"https://127.0.0.1/"},
      {"ftp://127.0.0.1/"},
      {"http://"},
      {"http:///health"},
      {"http://example.com/health"},
      {"http://db:5432/"},
      {"http://256.0.0.1/"},
      {"http://127.1/"},
      {"http://::1/"},
      {"http://[::1/"},
      {"http://[::1]x/"},
      {"http://[not-an-ip]/"},
      {"http://[fe80::1%eth0]/"},
      {"http://127.0.0.1:0/"},
      {"http://127.0.0.1:65536/"},
      {"http://127.0.0.1:/"},
      {"http://127.0.0.1:8o/"},
      {"http://user@127.0.0.1/"},
      {"http://127.0.0.1/a b"},
      {"http://127.0.0.1/a\r\nX: y"},
  };
  for (const auto& args : cases) {
    std::string shown;
    for (const auto& a : args) shown += "[" + a + "] ";
    const auto r = run_probe(args);
    EXPECT_EQ(r.status, 2) << shown << "\n" << r.output;
    EXPECT_EQ(r.output.rfind("mcpx-probe: ", 0), 0u) << shown << "\n" << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << shown << "\n" << r.output;
  }
  EXPECT_EQ(run_probe({"--help"}).status, 0);
}

TEST(probe, binary_is_statically_linked) {
  if (MCPX_PROBE_SANITIZED) GTEST_SKIP() << "sanitizer builds cannot link statically";
  FILE* p = popen("ldd '" MCPX_PROBE_PATH "' 2>&1", "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[512];
  while (fgets(buf, sizeof buf, p)) out += buf;
  const int status = pclose(p);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) GTEST_SKIP() << "ldd is not installed";
  EXPECT_TRUE(out.find("not a dynamic executable") != std::string::npos ||
              out.find("statically linked") != std::string::npos)
      << out;
}

TEST(probe_url, parses_hosts_ports_and_targets) {
  using namespace mcpx::probe;
  url u;
  ASSERT_EQ(parse_url("http://127.0.0.1:8000/health", u), nullptr);
  EXPECT_EQ(u.kind, host_kind::ipv4);
  EXPECT_EQ(u.v4.s_addr, htonl(INADDR_LOOPBACK));
  EXPECT_EQ(u.port, 8000);
  EXPECT_EQ(u.authority, "127.0.0.1:8000");
  EXPECT_EQ(u.target, "/health");

  ASSERT_EQ(parse_url("HTTP://[::1]/", u), nullptr);
  EXPECT_EQ(u.kind, host_kind::ipv6);
  EXPECT_EQ(std::memcmp(&u.v6, &in6addr_loopback, sizeof u.v6), 0);
  EXPECT_EQ(u.port, 80);
  EXPECT_EQ(u.authority, "[::1]");

  ASSERT_EQ(parse_url("http://[1::]:65535", u), nullptr);
  EXPECT_EQ(u.port, 65535);
  EXPECT_EQ(u.target, "");

  ASSERT_EQ(parse_url("http://LocalHost:9/x?y=1#z", u), nullptr);
  EXPECT_EQ(u.kind, host_kind::localhost);
  EXPECT_EQ(u.target, "/x?y=1");

  EXPECT_STREQ(parse_url("http://example.com/", u),
               "host names are not resolved; use an IPv4 literal (127.0.0.1) or a bracketed IPv6 literal ([::1])");
  EXPECT_STREQ(parse_url("http://::1/", u), "IPv6 addresses must be bracketed, e.g. http://[::1]:8000/");
  EXPECT_NE(parse_url("http://127.0.0.1/" + std::string(max_url_length, 'a'), u), nullptr);
}

}  // namespace
