#pragma once
// A real /usr/bin/redis-server for a test: started on a free loopback port with the options
// a test adds (no persistence), SIGKILLed at the end or when the test asks, restartable on
// the same port. Plus a blocking hiredis connection for side commands (CLIENT PAUSE).
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace mcpx::test {

inline unsigned short free_loopback_port() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

/// Polls `ready` every 10 ms until it holds or `within` passes.
inline bool eventually(const std::function<bool()>& ready, std::chrono::milliseconds within) {
  auto until = std::chrono::steady_clock::now() + within;
  while (!ready()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

class redis_server {
 public:
  /// `extra`: more redis-server arguments. With `tls`, the port is a TLS port (the plain
  /// one is off) and `extra` must name the certificate files.
  explicit redis_server(std::vector<std::string> extra = {}, bool tls = false)
      : port_(free_loopback_port()), extra_(std::move(extra)), tls_(tls) {
    start();
  }
  ~redis_server() { kill(); }
  redis_server(const redis_server&) = delete;
  redis_server& operator=(const redis_server&) = delete;

  unsigned short port() const { return port_; }
  std::string url() const { return (tls_ ? "rediss://127.0.0.1:" : "redis://127.0.0.1:") + std::to_string(port_); }

  /// (Re)starts the server on its port and waits until it accepts connections (≤ 5 s).
  void start() {
    std::vector<std::string> args = {"redis-server",
                                     "--bind",
                                     "127.0.0.1",
                                     "--save",
                                     "",
                                     "--appendonly",
                                     "no",
                                     "--daemonize",
                                     "no",
                                     "--loglevel",
                                     "warning",
                                     "--dir",
                                     std::filesystem::temp_directory_path().string()};
    for (const auto& a : tls_ ? std::vector<std::string>{"--port", "0", "--tls-port", std::to_string(port_)}
                              : std::vector<std::string>{"--port", std::to_string(port_)})
      args.push_back(a);
    args.insert(args.end(), extra_.begin(), extra_.end());
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);   // never outlive a crashed test
      ::freopen("/dev/null", "w", stdout);  // its log: start-up banners, refused TLS clients
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv("/usr/bin/redis-server", argv.data());
      ::_exit(127);
    }
    bool up = eventually([this] { return accepts(); }, std::chrono::seconds(5));
    EXPECT_TRUE(up) << "redis-server did not start on port " << port_;
  }

  /// SIGKILL: no goodbye to the clients, as in a crash.
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  /// One command over a fresh blocking connection (plain servers only); the reply as text
  /// ("OK", "(error) ...", "(integer) 3"), or "(io) ..." when the connection failed.
  std::string raw(const std::vector<std::string>& args, const std::string& password = "") const {
    timeval tv{2, 0};
    redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, tv);
    if (!c || c->err) {
      std::string e = c ? c->errstr : "out of memory";
      if (c) redisFree(c);
      return "(io) " + e;
    }
    redisSetTimeout(c, tv);
    if (!password.empty()) freeReplyObject(redisCommand(c, "AUTH %s", password.c_str()));
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    auto* r = static_cast<redisReply*>(redisCommandArgv(c, static_cast<int>(args.size()), argv.data(), lens.data()));
    std::string out;
    if (!r) out = std::string("(io) ") + c->errstr;
    else if (r->type == REDIS_REPLY_INTEGER) out = "(integer) " + std::to_string(r->integer);
    else if (r->type == REDIS_REPLY_ERROR) out = std::string("(error) ") + r->str;
    else if (r->type == REDIS_REPLY_NIL) out = "(nil)";
    else if (r->str) out.assign(r->str, r->len);
    if (r) freeReplyObject(r);
    redisFree(c);
    return out;
  }

 private:
  bool accepts() const {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::socket s(ioc);
    boost::system::error_code ec;
    s.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);
    return !ec;
  }

  pid_t pid_ = -1;
  unsigned short port_;
  std::vector<std::string> extra_;
  bool tls_;
};

}  // namespace mcpx::test
