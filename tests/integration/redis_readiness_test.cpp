// Readiness with a real dependency that dies: a real redis-server, started and SIGKILLed by the
// test, behind a readiness check that PINGs it. Liveness must not care; readiness must follow the
// outage both ways. (The Redis session store arrives with its own issue; this tests the seam the
// store's readiness check will use, against the real thing.)
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mcpx/server.hpp>
#include <thread>

#include "test_client.hpp"

using namespace mcpx::test;

namespace {

unsigned short free_port() {
  net::io_context ioc;
  tcp::acceptor a(ioc, {net::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

bool redis_ping(unsigned short port, std::string& detail) {
  timeval tv{0, 300'000};
  redisContext* c = redisConnectWithTimeout("127.0.0.1", port, tv);
  if (!c || c->err) {
    detail = c ? std::string("redis: ") + c->errstr : "redis: out of memory";
    if (c) redisFree(c);
    return false;
  }
  redisSetTimeout(c, tv);
  auto* r = static_cast<redisReply*>(redisCommand(c, "PING"));
  bool ok = r && r->type == REDIS_REPLY_STATUS && std::string(r->str) == "PONG";
  detail = ok ? "redis: PONG" : std::string("redis: ") + (r ? "unexpected reply" : c->errstr);
  if (r) freeReplyObject(r);
  redisFree(c);
  return ok;
}

pid_t start_redis(unsigned short port) {
  pid_t pid = ::fork();
  if (pid == 0) {
    std::string p = std::to_string(port);
    ::execl("/usr/bin/redis-server", "redis-server", "--port", p.c_str(), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::string detail;
  for (int i = 0; i < 100 && !redis_ping(port, detail); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  return pid;
}

http_result wait_for_ready_status(unsigned short port, int status) {
  http_result r;
  for (int i = 0; i < 60; ++i) {  // the prober runs every 2 s
    r = roundtrip(port, get("/health/ready"));
    if (r.status == status) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return r;
}

}  // namespace

TEST(readiness, killing_the_real_redis_flips_readiness_and_not_liveness) {
  ASSERT_EQ(::access("/usr/bin/redis-server", X_OK), 0) << "redis-server is needed (scripts/install-deps)";
  auto redis_port = free_port();
  pid_t redis = start_redis(redis_port);
  std::string detail;
  ASSERT_TRUE(redis_ping(redis_port, detail)) << detail;

  mcpx::options o;
  o.port = 0;
  o.log_level = "error";
  mcpx::server s({"readiness-test", "1"}, o);
  s.tool("t").description("t").handle([](const mcpx::args&, mcpx::context&) { return mcpx::tool_result::text("t"); });
  s.add_readiness_check("redis", [redis_port](std::string& d) { return redis_ping(redis_port, d); });
  s.start();

  auto ready = wait_for_ready_status(s.port(), 200);
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_NE(ready.body.find("PONG"), std::string::npos) << ready.body;

  ::kill(redis, SIGKILL);
  ::waitpid(redis, nullptr, 0);
  auto down = wait_for_ready_status(s.port(), 503);
  EXPECT_EQ(down.status, 503) << down.body;
  EXPECT_NE(down.body.find("redis"), std::string::npos) << down.body;
  auto t0 = std::chrono::steady_clock::now();
  auto live = roundtrip(s.port(), get("/health"));
  EXPECT_EQ(live.status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(50));
  // The server still serves what does not need the dependency.
  auto call = roundtrip(s.port(),
                        post(modern_body(1, "tools/call", {{"name", "t"}, {"arguments", boost::json::object{}}}),
                             modern_headers("tools/call", "t")));
  EXPECT_EQ(call.status, 200) << call.body;

  redis = start_redis(redis_port);
  auto back = wait_for_ready_status(s.port(), 200);
  EXPECT_EQ(back.status, 200) << back.body;
  s.stop();
  ::kill(redis, SIGKILL);
  ::waitpid(redis, nullptr, 0);
}
