// The rate limiter on Redis through the real server, against a real redis-server: replicas
// share one limit, an outage is answered at once by the failure policy (reads let through and
// counted, writes refused with a recoverable EXTERNAL_ERROR), readiness follows Redis both
// ways, limits apply again without a restart, and the password comes from a file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <mcpx/config.hpp>

#include "limited_replica.hpp"

using namespace mcpx::test;
namespace json = boost::json;

namespace {

bool admitted(const http_result& r) { return r.status == 200 && tool_error(r).is_null(); }

// Everything the process writes to stderr (the JSON log) while it lives, kept in a file.
class stderr_capture {
 public:
  stderr_capture() : path_(std::filesystem::temp_directory_path() / ("mcpx-log-" + std::to_string(::getpid()))) {
    std::fflush(stderr);
    saved_ = ::dup(2);
    const int fd = ::open(path_.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
    ::dup2(fd, 2);
    ::close(fd);
  }
  ~stderr_capture() {
    restore();
    std::filesystem::remove(path_);
  }
  /// Stops capturing and returns what was written.
  std::string text() {
    restore();
    std::ifstream in(path_);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

 private:
  void restore() {
    if (saved_ < 0) return;
    std::fflush(stderr);
    ::dup2(saved_, 2);
    ::close(saved_);
    saved_ = -1;
  }
  std::filesystem::path path_;
  int saved_ = -1;
};

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

TEST(redis_rate_limits, two_replicas_on_one_redis_share_one_limit) {
  redis_server redis;
  limited_replica a(limits_on(redis, {60, 6})), b(limits_on(redis, {60, 6}));  // T = 1 s, burst 6
  ASSERT_EQ(a.ready_becomes(200).status, 200);
  ASSERT_EQ(b.ready_becomes(200).status, 200);
  // 2 replicas × 3 calls count as 6: the burst, spent across both.
  for (int i = 0; i < 6; ++i) {
    const auto& s = i % 2 ? b : a;
    auto r = s.call("read_customer");
    ASSERT_TRUE(admitted(r)) << i << ": " << r.body;
    EXPECT_EQ(field(r, "RateLimit").rfind("\"development\";r=" + std::to_string(5 - i) + ";", 0), 0u)
        << i << ": " << field(r, "RateLimit");
  }
  // The next call is refused by either replica.
  for (const auto* s : {&a, &b}) {
    auto r = s->call("read_customer");
    auto err = tool_error(r);
    ASSERT_FALSE(err.is_null()) << r.body;
    EXPECT_EQ(err.at("code"), "RATE_LIMIT_EXCEEDED");
    EXPECT_EQ(err.at("retry_after"), 1);
  }
  EXPECT_NE(redis.raw({"EXISTS", "test:t:development:a4:7f000001"}), "(integer) 0") << "the tier's key, prefixed";
  EXPECT_NE(a.metrics().find(R"(mcpx_redis_connections_ready{client="rate_limit"} 2)"), std::string::npos);
}

TEST(redis_rate_limits, an_outage_fails_reads_open_and_writes_closed_at_once_and_heals_without_a_restart) {
  redis_server redis;
  stderr_capture log;
  limited_replica s(limits_on(redis, {6, 3}), "info");  // T = 10 s: nothing comes back during the test
  auto up = s.ready_becomes(200);
  ASSERT_EQ(up.status, 200) << up.body;
  EXPECT_NE(up.body.find("rate_limit_store"), std::string::npos) << up.body;
  ASSERT_TRUE(admitted(s.call("read_customer")));

  redis.kill();
  auto down = s.ready_becomes(503, std::chrono::seconds(5));
  ASSERT_EQ(down.status, 503) << down.body;
  EXPECT_NE(down.body.find("rate_limit_store"), std::string::npos) << down.body;
  for (int i = 0; i < 3; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = s.call("read_customer");
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(1000)) << "answered at once";
    EXPECT_TRUE(admitted(r)) << "reads fail open: " << r.body;
  }
  for (int i = 0; i < 2; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = s.call("update_customer");
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(1000)) << "answered at once";
    ASSERT_EQ(r.status, 200) << r.head;
    auto err = tool_error(r);
    ASSERT_FALSE(err.is_null()) << "writes fail closed: " << r.body;
    EXPECT_EQ(err.at("type"), "EXTERNAL_ERROR");
    EXPECT_EQ(err.at("code"), "RATE_LIMIT_UNAVAILABLE");
    EXPECT_EQ(err.at("recoverable"), true);
    EXPECT_EQ(err.at("retry_after"), 1);
  }
  auto m = s.metrics();
  EXPECT_NE(m.find("mcpx_rate_limit_failed_open_total 3"), std::string::npos) << m;
  EXPECT_NE(m.find(R"(mcpx_rate_limit_store_errors_total{error="unavailable"} 5)"), std::string::npos) << m;
  EXPECT_NE(m.find(R"(mcpx_redis_connections_ready{client="rate_limit"} 0)"), std::string::npos) << m;

  // Back on the same port, empty: ready again, and the limit applies again.
  redis.start();
  auto back = s.ready_becomes(200);
  ASSERT_EQ(back.status, 200) << back.body;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(admitted(s.call("read_customer"))) << i;
  auto over = s.call("read_customer");
  ASSERT_FALSE(tool_error(over).is_null()) << over.body;
  EXPECT_EQ(tool_error(over).at("code"), "RATE_LIMIT_EXCEEDED");
  EXPECT_NE(s.metrics().find("mcpx_rate_limit_failed_open_total 3"), std::string::npos);
  s.srv->stop();

  // One line when the outage began and one when it ended, not one per request.
  const auto text = log.text();
  EXPECT_EQ(count(text, "rate-limit store failing"), 1u) << text;
  EXPECT_EQ(count(text, "rate-limit store answering again"), 1u) << text;
  EXPECT_NE(text.find("after 5 failed checks"), std::string::npos) << text;
}

TEST(redis_rate_limits, the_password_comes_from_limits_redis_password_file) {
  redis_server redis({"--requirepass", "s3cret-pw"});
  const auto dir = std::filesystem::temp_directory_path() / ("mcpx-redis-pw-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "pw") << "s3cret-pw\n";
  std::ofstream(dir / "mcpx.yaml") << "rate_limits:\n"
                                      "  development: {requests_per_minute: 6, burst: 2}\n"
                                      "limits:\n"
                                      "  rate_limiting: enforce\n"
                                      "  store: redis\n"
                                      "  redis: {url: \"" +
                                          redis.url() + "\", password_file: " + (dir / "pw").string() +
                                          ", key_prefix: \"pw:\"}\n";
  auto loaded = mcpx::config::load((dir / "mcpx.yaml").string(), {});
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(std::holds_alternative<mcpx::config::settings>(loaded)) << std::get<mcpx::config::error>(loaded).message;
  auto o = std::get<mcpx::config::settings>(loaded).server;
  o.log_level = "off";
  limited_replica s(o);
  auto up = s.ready_becomes(200);
  ASSERT_EQ(up.status, 200) << up.body;
  EXPECT_TRUE(admitted(s.call("read_customer")));
  EXPECT_TRUE(admitted(s.call("read_customer")));
  EXPECT_EQ(tool_error(s.call("read_customer")).at("code"), "RATE_LIMIT_EXCEEDED");
  EXPECT_EQ(redis.raw({"EXISTS", "pw:t:development:a4:7f000001"}, "s3cret-pw"), "(integer) 1");

  // A wrong password: never ready, the refusal in words; writes are refused, not let through.
  o.rate_limits.redis.password = "wrong";
  limited_replica bad(o);
  auto refused = bad.ready_becomes(503, std::chrono::seconds(2));
  EXPECT_EQ(refused.status, 503);
  EXPECT_TRUE(eventually([&] { return bad.ready().body.find("WRONGPASS") != std::string::npos; },
                         std::chrono::seconds(5)))
      << bad.ready().body;
  EXPECT_EQ(tool_error(bad.call("update_customer")).at("code"), "RATE_LIMIT_UNAVAILABLE");
}
