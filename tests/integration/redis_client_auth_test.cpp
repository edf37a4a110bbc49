// mcpx::redis::client against a real redis-server: AUTH (password, ACL user, wrong
// password), SELECT, Lua scripts by SHA1 surviving SCRIPT FLUSH, and TLS (rediss://) with
// certificate and host name checks, and a client certificate.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "redis_server.hpp"
#include "redis_test_client.hpp"
#include "test_pki.hpp"

using namespace mcpx::test;
namespace redis = mcpx::redis;
using redis::errc;
using redis::reply;

namespace {

redis::options options_for(const std::string& url) {
  redis::options o;
  o.url = url;
  o.command_timeout = 2s;
  o.reconnect_min = 20ms;
  o.reconnect_max = 200ms;
  return o;
}

std::string with_password(const redis_server& srv, const std::string& userinfo) {
  return "redis://" + userinfo + "@127.0.0.1:" + std::to_string(srv.port());
}

// "calls=N" of one command in INFO commandstats.
int calls(redis::client& c, const std::string& command) {
  auto info = std::string(run(c, {"INFO", "commandstats"}).r.str());
  auto at = info.find("cmdstat_" + command + ":calls=");
  if (at == std::string::npos) return 0;
  return std::stoi(info.substr(at + command.size() + 15));
}

// A file in the temp directory holding `content`, removed at the end of the test.
struct temp_file {
  std::filesystem::path path;
  temp_file(const std::string& name, const std::string& content)
      : path(std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()) + ".pem")) {
    std::ofstream(path) << content;
  }
  ~temp_file() { std::filesystem::remove(path); }
  std::string str() const { return path.string(); }
};

}  // namespace

TEST(redis_client_auth, password_in_the_url_or_given_apart) {
  redis_server srv({"--requirepass", "s3cr:t"});
  io_threads io;
  auto c = connected(io.ioc, options_for(with_password(srv, ":s3cr%3At")));
  EXPECT_EQ(run(*c, {"PING"}).r, reply::simple("PONG"));
  c->stop();

  auto o = options_for(srv.url());
  o.password = "s3cr:t";  // as read from password_file by the caller
  auto c2 = connected(io.ioc, o);
  EXPECT_EQ(run(*c2, {"PING"}).r, reply::simple("PONG"));
}

TEST(redis_client_auth, acl_user_and_password) {
  redis_server srv({"--user", "alice", "on", ">apw", "~*", "&*", "+@all"});
  io_threads io;
  auto c = connected(io.ioc, options_for(with_password(srv, "alice:apw")));
  EXPECT_EQ(run(*c, {"ACL", "WHOAMI"}).r, reply::bulk("alice"));
}

TEST(redis_client_auth, a_wrong_password_is_a_clear_error_not_a_hang) {
  redis_server srv({"--requirepass", "right"});
  io_threads io;
  auto o = options_for(with_password(srv, ":wrong"));
  auto c = redis::client::create(io.ioc.get_executor(), o);
  c->start();
  ASSERT_TRUE(eventually([&] { return c->counters().connect_failures >= 2; }, 2s));
  auto st = c->status();
  EXPECT_EQ(st.ready, 0u);
  EXPECT_NE(st.last_error.find("AUTH refused: WRONGPASS"), std::string::npos) << st.last_error;
  EXPECT_EQ(st.last_error.find("wrong"), std::string::npos) << "the password leaked: " << st.last_error;
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(run(*c, {"PING"}).ec, errc::not_connected);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 100ms);

  // No password at all against a server that wants one: the connect-time PING says NOAUTH.
  auto c2 = redis::client::create(io.ioc.get_executor(), options_for(srv.url()));
  c2->start();
  ASSERT_TRUE(eventually([&] { return c2->counters().connect_failures >= 1; }, 2s));
  EXPECT_NE(c2->status().last_error.find("PING refused: NOAUTH"), std::string::npos) << c2->status().last_error;
  EXPECT_FALSE(c2->ready());
}

TEST(redis_client_auth, select_runs_before_any_command) {
  redis_server srv;
  io_threads io;
  auto o = options_for(srv.url() + "/3");
  o.pool_size = 3;
  auto c = connected(io.ioc, o);
  for (int i = 0; i < 3; ++i) {  // every connection of the pool
    auto info = run(*c, {"CLIENT", "INFO"});
    EXPECT_NE(info.r.str().find(" db=3 "), std::string::npos) << info.r.str();
  }
  run(*c, {"SET", "in3", "v"});
  EXPECT_EQ(srv.raw({"EXISTS", "in3"}), "(integer) 0");  // not in db 0
}

TEST(redis_client_auth, evalsha_falls_back_to_eval_once_after_script_flush) {
  redis_server srv;
  io_threads io;
  auto c = connected(io.ioc, options_for(srv.url()));
  redis::script add("return redis.call('INCRBY', KEYS[1], ARGV[1])");

  auto first = run_script(*c, add, {"k"}, {"5"});  // not loaded yet: NOSCRIPT, then EVAL
  EXPECT_FALSE(first.ec);
  EXPECT_EQ(first.r, reply::integer(5)) << redis::to_string(first.r);
  EXPECT_EQ(run_script(*c, add, {"k"}, {"2"}).r, reply::integer(7));  // by SHA1 alone
  EXPECT_EQ(calls(*c, "eval"), 1);
  EXPECT_EQ(calls(*c, "evalsha"), 2);

  EXPECT_EQ(run(*c, {"SCRIPT", "FLUSH"}).r, reply::simple("OK"));  // as after a restart
  EXPECT_EQ(run_script(*c, add, {"k"}, {"1"}).r, reply::integer(8));
  EXPECT_EQ(calls(*c, "eval"), 2);
  EXPECT_EQ(calls(*c, "evalsha"), 3);

  // A script's own error reaches the caller (it is not NOSCRIPT).
  redis::script bad("return redis.error_reply('LIMIT over')");
  auto r = run_script(*c, bad, {}, {});
  EXPECT_TRUE(r.r.is_error());
  EXPECT_EQ(r.r.str(), "LIMIT over");
  // Binary-safe keys and arguments.
  using namespace std::string_literals;
  redis::script echo("return {KEYS[1], ARGV[1]}");
  EXPECT_EQ(run_script(*c, echo, {"k\0\r\n"s}, {"\0v"s}).r,
            reply::array({reply::bulk("k\0\r\n"s), reply::bulk("\0v"s)}));
}

class redis_tls : public ::testing::Test {
 protected:
  test_ca ca{"mcpx redis test CA"};
  issued_cert server = ca.issue("redis", "DNS:localhost,IP:127.0.0.1");
  temp_file ca_pem{"redis-ca", ca.cert_pem()};
  temp_file cert_pem{"redis-cert", server.cert_pem};
  temp_file key_pem{"redis-key", server.key_pem};

  std::vector<std::string> tls_args(bool auth_clients) const {
    return {"--tls-cert-file",    cert_pem.str(), "--tls-key-file",     key_pem.str(),
            "--tls-ca-cert-file", ca_pem.str(),   "--tls-auth-clients", auth_clients ? "yes" : "no"};
  }
};

TEST_F(redis_tls, rediss_with_the_right_ca_works_by_ip_and_by_name) {
  redis_server srv(tls_args(false), true);
  io_threads io;
  auto o = options_for(srv.url());
  o.ca_file = ca_pem.str();
  auto c = connected(io.ioc, o);
  EXPECT_EQ(run(*c, {"PING"}).r, reply::simple("PONG"));
  c->stop();
  o.url = "rediss://localhost:" + std::to_string(srv.port());
  auto c2 = connected(io.ioc, o);
  EXPECT_EQ(run(*c2, {"ECHO", "over tls"}).r, reply::bulk("over tls"));
}

TEST_F(redis_tls, a_wrong_ca_or_a_wrong_name_is_refused) {
  redis_server srv(tls_args(false), true);
  io_threads io;
  test_ca other("someone else");
  temp_file other_pem("redis-other-ca", other.cert_pem());
  auto o = options_for(srv.url());
  o.ca_file = other_pem.str();
  o.pool_size = 1;
  auto c = redis::client::create(io.ioc.get_executor(), o);
  c->start();
  ASSERT_TRUE(eventually([&] { return c->counters().connect_failures >= 1; }, 3s));
  EXPECT_NE(c->status().last_error.find("certificate verify failed"), std::string::npos) << c->status().last_error;
  EXPECT_FALSE(c->ready());
  c->stop();

  // The right CA, but a certificate that does not name the host connected to.
  issued_cert elsewhere = ca.issue("redis", "DNS:cache.example");
  temp_file cert2("redis-cert2", elsewhere.cert_pem), key2("redis-key2", elsewhere.key_pem);
  redis_server srv2({"--tls-cert-file", cert2.str(), "--tls-key-file", key2.str(), "--tls-ca-cert-file", ca_pem.str(),
                     "--tls-auth-clients", "no"},
                    true);
  o.url = srv2.url();
  o.ca_file = ca_pem.str();
  auto c2 = redis::client::create(io.ioc.get_executor(), o);
  c2->start();
  ASSERT_TRUE(eventually([&] { return c2->counters().connect_failures >= 1; }, 3s));
  EXPECT_NE(c2->status().last_error.find("certificate verify failed"), std::string::npos) << c2->status().last_error;
  EXPECT_FALSE(c2->ready());
}

TEST_F(redis_tls, a_client_certificate_when_the_server_asks_for_one) {
  redis_server srv(tls_args(true), true);
  io_threads io;
  auto o = options_for(srv.url());
  o.ca_file = ca_pem.str();
  o.pool_size = 1;
  auto without = redis::client::create(io.ioc.get_executor(), o);
  without->start();
  // With TLS 1.3 the client's handshake is over before the server checks the client's
  // certificate: the refusal is the answer to the first read, here the PING's.
  // (Or the server's reset, when it comes before the PING is written.)
  ASSERT_TRUE(eventually([&] { return without->counters().connect_failures >= 1; }, 3s));
  EXPECT_EQ(without->counters().reconnects, 0u);  // never taken for ready
  auto why = without->status().last_error;
  EXPECT_TRUE(why.find("certificate required") != std::string::npos || why.find("reset") != std::string::npos) << why;
  without->stop();

  issued_cert me = ca.issue("mcpx", "DNS:mcpx", "clientAuth");
  temp_file my_cert("redis-client-cert", me.cert_pem), my_key("redis-client-key", me.key_pem);
  o.cert_file = my_cert.str();
  o.key_file = my_key.str();
  auto with = connected(io.ioc, o);
  EXPECT_EQ(run(*with, {"PING"}).r, reply::simple("PONG"));
}

TEST(redis_client_tls, an_unreadable_ca_file_is_refused_at_create) {
  redis::options o;
  o.url = "rediss://127.0.0.1:1";
  o.ca_file = "/nonexistent/ca.pem";
  boost::asio::io_context ioc;
  try {
    redis::client::create(ioc.get_executor(), o);
    ADD_FAILURE() << "accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("redis.ca_file: cannot load /nonexistent/ca.pem"), std::string::npos)
        << e.what();
  }
}
