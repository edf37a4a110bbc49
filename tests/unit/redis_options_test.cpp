// redis:// URLs and client options: what is accepted, what each part becomes, and the
// refusals, each naming its field (without repeating a password).
#include <gtest/gtest.h>

#include <stdexcept>

#include "redis/options.hpp"

namespace redis = mcpx::redis;

namespace {

redis::url_parts url_ok(std::string_view url) {
  std::string why;
  auto u = redis::parse_url(url, why);
  EXPECT_TRUE(u) << url << ": " << why;
  return u.value_or(redis::url_parts{});
}

std::string url_refusal(std::string_view url) {
  std::string why;
  auto u = redis::parse_url(url, why);
  EXPECT_FALSE(u) << url;
  return why;
}

// The message of make_settings' refusal ("" when it accepted).
std::string refusal(const redis::options& o) {
  try {
    redis::make_settings(o);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(redis_url, defaults_and_every_part) {
  auto u = url_ok("redis://localhost");
  EXPECT_FALSE(u.tls);
  EXPECT_EQ(u.host, "localhost");
  EXPECT_FALSE(u.host_is_ip);
  EXPECT_EQ(u.port, 6379);
  EXPECT_EQ(u.db, 0);
  EXPECT_TRUE(u.username.empty());
  EXPECT_FALSE(u.password);

  u = url_ok("rediss://alice:s%3Acret%40@cache.example:6380/3");
  EXPECT_TRUE(u.tls);
  EXPECT_EQ(u.host, "cache.example");
  EXPECT_EQ(u.port, 6380);
  EXPECT_EQ(u.username, "alice");
  EXPECT_EQ(u.password.value_or(""), "s:cret@");  // percent-decoded
  EXPECT_EQ(u.db, 3);

  u = url_ok("REDIS://:pw@127.0.0.1:7000/");
  EXPECT_TRUE(u.host_is_ip);
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_TRUE(u.username.empty());
  EXPECT_EQ(u.password.value_or(""), "pw");
  EXPECT_EQ(u.db, 0);

  u = url_ok("redis://[::1]:6390/15");
  EXPECT_TRUE(u.host_is_ip);
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 6390);
  EXPECT_EQ(u.db, 15);

  u = url_ok("redis://bob@h");  // a user whose password comes from redis.password
  EXPECT_EQ(u.username, "bob");
  EXPECT_FALSE(u.password);
}

TEST(redis_url, refusals_say_what_is_wrong) {
  EXPECT_NE(url_refusal("localhost:6379").find("scheme"), std::string::npos);
  EXPECT_NE(url_refusal("http://h:6379").find("redis:// or rediss://"), std::string::npos);
  EXPECT_NE(url_refusal("redis://").find("no host"), std::string::npos);
  EXPECT_NE(url_refusal("redis:///0").find("no host"), std::string::npos);
  EXPECT_NE(url_refusal("redis://h:/").find("port"), std::string::npos);
  EXPECT_NE(url_refusal("redis://h:0").find("port"), std::string::npos);
  EXPECT_NE(url_refusal("redis://h:99999").find("port"), std::string::npos);
  EXPECT_NE(url_refusal("redis://h/db1").find("database number"), std::string::npos);
  EXPECT_NE(url_refusal("redis://h/1/2").find("database number"), std::string::npos);
  EXPECT_NE(url_refusal("redis://h/-1").find("database number"), std::string::npos);
  EXPECT_NE(url_refusal("redis://h/99999999999").find("database number"), std::string::npos);
  EXPECT_NE(url_refusal("redis://h?db=1").find("query"), std::string::npos);
  EXPECT_NE(url_refusal("redis://h#x").find("fragment"), std::string::npos);
  EXPECT_NE(url_refusal("redis://u:@h").find("empty password"), std::string::npos);
  EXPECT_NE(url_refusal("redis://h h").find("not a URL"), std::string::npos);
  // The URL (which may hold a password) is never echoed back.
  EXPECT_EQ(url_refusal("redis://u:topsecret@h/x").find("topsecret"), std::string::npos);
  EXPECT_EQ(url_refusal("redis://u:topsecret@h h").find("topsecret"), std::string::npos);
}

TEST(redis_options, defaults_are_accepted) {
  redis::options o;
  auto s = redis::make_settings(o);
  EXPECT_EQ(s.pool_size, 2u);
  EXPECT_EQ(s.command_timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(s.target.host, "127.0.0.1");
  EXPECT_EQ(s.queue_limit, 4096u);
}

TEST(redis_options, password_from_the_caller) {
  redis::options o;
  o.url = "redis://bob@h";
  o.password = "from-file";
  auto s = redis::make_settings(o);
  EXPECT_EQ(s.target.username, "bob");
  EXPECT_EQ(s.target.password.value_or(""), "from-file");
  o.url = "redis://:inline@h";
  EXPECT_NE(refusal(o).find("redis.password: given both"), std::string::npos) << refusal(o);
  o.password.clear();
  o.url = "redis://bob@h";
  EXPECT_NE(refusal(o).find("redis.url: a user name needs a password"), std::string::npos) << refusal(o);
}

TEST(redis_options, each_limit_is_checked_and_named) {
  using ms = std::chrono::milliseconds;
  auto with = [](auto change) {
    redis::options o;
    change(o);
    return refusal(o);
  };
  EXPECT_NE(with([](auto& o) { o.url = "redis://h/x"; }).find("redis.url: "), std::string::npos);
  EXPECT_NE(with([](auto& o) { o.pool_size = 0; }).find("redis.pool_size: must be 1..64, got 0"), std::string::npos);
  EXPECT_NE(with([](auto& o) { o.pool_size = 65; }).find("redis.pool_size"), std::string::npos);
  EXPECT_EQ(with([](auto& o) { o.pool_size = 64; }), "");
  EXPECT_NE(with([](auto& o) { o.connect_timeout = ms(0); }).find("redis.connect_timeout"), std::string::npos);
  EXPECT_NE(with([](auto& o) { o.command_timeout = ms(-1); }).find("redis.command_timeout"), std::string::npos);
  EXPECT_NE(with([](auto& o) { o.stall_timeout = ms(100); }).find("redis.stall_timeout: must be at least"),
            std::string::npos);
  EXPECT_NE(with([](auto& o) { o.reconnect_min = ms(0); }).find("redis.reconnect_min"), std::string::npos);
  EXPECT_NE(with([](auto& o) { o.reconnect_max = ms(50); }).find("redis.reconnect_max"), std::string::npos);
  EXPECT_NE(with([](auto& o) { o.queue_limit = 0; }).find("redis.queue_limit"), std::string::npos);
}

TEST(redis_options, tls_files_need_rediss_and_go_in_pairs) {
  redis::options o;
  o.ca_file = "/etc/ssl/certs/ca-certificates.crt";
  EXPECT_NE(refusal(o).find("rediss://"), std::string::npos) << refusal(o);
  o.url = "rediss://h";
  EXPECT_EQ(refusal(o), "");
  o.cert_file = "c.pem";
  EXPECT_NE(refusal(o).find("redis.cert_file: cert_file and key_file go together"), std::string::npos);
  o.key_file = "k.pem";
  EXPECT_EQ(refusal(o), "");
}
