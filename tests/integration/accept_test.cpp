// The listener when the process runs out of file descriptors. The server runs in a forked child
// with a low RLIMIT_NOFILE, so neither this test's own sockets nor other tests are limited.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>
#include <vector>

#include "http/server.hpp"
#include "test_client.hpp"

using namespace mcpx::test;
using namespace std::chrono_literals;

namespace {

struct ok_handler : mcpx::http::handler {
  net::awaitable<void> handle(mcpx::http::request&, const mcpx::http::peer_info&, mcpx::http::reply& r) override {
    r.head.result(200);
    r.head.body() = "ok";
    co_return;
  }
};

// The child: lowers its descriptor limit, serves, sends its port, and stops when the parent
// closes the control pipe. Its events, then its count of EMFILE accepts, go to `report_out`.
[[noreturn]] void serve_with_few_descriptors(int port_out, int control_in, int report_out) {
  rlimit rl{};
  ::getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = 128;
  if (::setrlimit(RLIMIT_NOFILE, &rl) != 0) ::_exit(3);
  mcpx::http::server_config cfg;
  cfg.port = 0;
  cfg.on_event = [report_out](std::string_view level, std::string_view msg, std::string_view detail) {
    std::string line = std::string(level) + "|" + std::string(msg) + "|" + std::string(detail) + "\n";
    (void)!::write(report_out, line.data(), line.size());
  };
  mcpx::http::server srv(cfg, std::make_shared<ok_handler>());
  srv.start();
  unsigned short port = srv.port();
  if (::write(port_out, &port, sizeof port) != sizeof port) ::_exit(4);
  char c;
  while (::read(control_in, &c, 1) > 0) {
  }
  srv.stop();
  std::string count = "emfile=" + std::to_string(srv.accept_errors(mcpx::http::accept_error::emfile)) + "\n";
  (void)!::write(report_out, count.data(), count.size());
  ::_exit(0);
}

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (long n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

// User + system CPU seconds the process has used so far (from /proc, so the parent can read it).
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream rest(all.substr(all.rfind(')') + 2));  // the name may hold spaces
  std::vector<std::string> f;
  for (std::string w; rest >> w;) f.push_back(w);
  if (f.size() < 13) return -1;
  return static_cast<double>(std::stoull(f[11]) + std::stoull(f[12])) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// Out of descriptors, the accept loop used to retry at once, forever: a core at 100 % while
// the limit lasted (3 CPU-seconds in 3 s), and the descriptors freed by closing connections
// were taken back only by that spin.
TEST(accept, out_of_descriptors_pauses_instead_of_spinning_and_recovers) {
#ifdef MCPX_SANITIZED
  // UBSan's vptr check probes memory through a pipe() whenever its type cache misses; out of
  // descriptors that fails and it reports a correct program as UB (member access through an
  // "invalid vptr" in Boost.System) and exits. No option suppresses it (the type is unknown).
  GTEST_SKIP() << "UBSan needs descriptors of its own; this test exhausts them";
#endif
  int port_pipe[2], control[2], report[2];
  ASSERT_EQ(::pipe(port_pipe), 0);
  ASSERT_EQ(::pipe(control), 0);
  ASSERT_EQ(::pipe(report), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(port_pipe[0]);
    ::close(control[1]);
    ::close(report[0]);
    serve_with_few_descriptors(port_pipe[1], control[0], report[1]);
  }
  ::close(port_pipe[1]);
  ::close(control[0]);
  ::close(report[1]);
  unsigned short port = 0;
  ASSERT_EQ(::read(port_pipe[0], &port, sizeof port), static_cast<long>(sizeof port));
  ::close(port_pipe[0]);

  // 200 idle connections against a limit of 128: the server runs out part way.
  std::vector<tcp::socket> idle;
  for (int i = 0; i < 200; ++i) idle.push_back(connect(port));
  std::this_thread::sleep_for(300ms);
  const double before = cpu_seconds(pid);
  std::this_thread::sleep_for(1500ms);
  const double used = cpu_seconds(pid) - before;
  EXPECT_GE(before, 0);
  std::printf("CPU seconds in 1.5 s out of descriptors: %.2f\n", used);
  EXPECT_LT(used, 0.3) << "CPU seconds spent in 1.5 s while out of descriptors";

  // Connections the server could never serve were turned away with a status, not left waiting.
  int turned_away = 0;
  for (auto& s : idle) {
    char buf[64] = {};
    if (read_for(s, buf, sizeof buf - 1, 0ms) > 0 && std::string_view(buf).starts_with("HTTP/1.1 503")) ++turned_away;
  }
  EXPECT_GT(turned_away, 0);

  // Once the idle connections go, a request is answered again.
  idle.clear();
  const auto start = std::chrono::steady_clock::now();
  auto r = roundtrip(port, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_EQ(r.status, 200) << r.head;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);

  ::close(control[1]);
  const std::string events = read_all(report[0]);  // until the child exits
  ::close(report[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  // Counted, and logged once when accepting paused and once when it resumed: not per retry.
  EXPECT_EQ(events.find("emfile=0\n"), std::string::npos) << events;
  EXPECT_NE(events.find("emfile="), std::string::npos) << events;
  EXPECT_NE(events.find("warning|accepting paused|emfile"), std::string::npos) << events;
  EXPECT_NE(events.find("info|accepting resumed|after "), std::string::npos) << events;
  EXPECT_LE(std::count(events.begin(), events.end(), '\n'), 3) << events;
}

// Closing a listener resets the connections still waiting in its backlog, though their clients
// may have sent a request already: a proxy (nginx without `non_idempotent`) cannot retry such a
// POST and answers 502. stop_accepting() takes and serves them first; only a connection
// attempted after the listener closed is refused, which a proxy can always retry elsewhere.
// And in a drain every reply closes its connection (no keep-alive into a replica that stops).
TEST(accept, stop_accepting_serves_the_backlog_then_refuses) {
  mcpx::http::server_config cfg;
  cfg.port = 0;
  mcpx::http::server srv(cfg, std::make_shared<ok_handler>());
  srv.start();
  // Hold the only I/O thread, so the next connections wait in the backlog with their request sent.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  net::post(srv.executor(0), [released] { released.wait(); });
  std::this_thread::sleep_for(50ms);
  std::vector<tcp::socket> waiting;
  for (int i = 0; i < 5; ++i) {
    waiting.push_back(connect(srv.port()));
    net::write(waiting.back(), net::buffer(std::string("GET / HTTP/1.1\r\nHost: x\r\n\r\n")));
  }
  srv.begin_drain();
  srv.stop_accepting();
  release.set_value();
  for (auto& s : waiting) {
    auto r = read_response(s);
    EXPECT_EQ(r.status, 200) << "a connection from the backlog was not served";
    EXPECT_NE(r.head.find("Connection: close"), std::string::npos) << r.head;
  }
  for (int i = 0; i < 100 && srv.listening() > 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(srv.listening(), 0u);
  bool refused = false;
  for (int i = 0; i < 100 && !refused; ++i) {
    try {
      auto late = connect(srv.port());
      std::this_thread::sleep_for(10ms);
    } catch (const boost::system::system_error&) {
      refused = true;
    }
  }
  EXPECT_TRUE(refused) << "the listener still accepts after stop_accepting()";
  srv.stop();
}

}  // namespace
