// One remote address cannot take every connection: limits::max_connections_per_address.
#include <gtest/gtest.h>

#include <mcpx/server.hpp>
#include <thread>
#include <vector>

#include "http/server.hpp"
#include "test_client.hpp"

using namespace mcpx::test;
using namespace std::chrono_literals;

namespace {

// A connection from `source` (any loopback address works as one on Linux).
tcp::socket connect_from(const std::string& source, unsigned short port) {
  static net::io_context ioc;
  tcp::socket s(ioc);
  s.open(tcp::v4());
  s.bind({net::ip::make_address(source), 0});
  s.connect({net::ip::make_address("127.0.0.1"), port});
  set_timeout(s, 10'000ms);
  return s;
}

// Open and served: the server has accepted it (and counts it) once it answers.
tcp::socket served_from(const std::string& source, unsigned short port) {
  auto s = connect_from(source, port);
  net::write(s, net::buffer(get("/health")));
  EXPECT_EQ(read_response(s).status, 200);
  return s;
}

TEST(per_address_limit, the_connection_beyond_it_gets_503_while_other_addresses_are_served) {
  mcpx::options o;
  o.port = 0;
  o.log_level = "off";
  o.io_threads = 2;  // connections from one address land on both acceptors: the count is shared
  o.max_connections_per_address = 3;
  mcpx::server srv({"per-address-test", "1"}, o);
  srv.start();
  std::vector<tcp::socket> held;
  for (int i = 0; i < 3; ++i) held.push_back(served_from("127.0.0.1", srv.port()));

  auto fourth = connect_from("127.0.0.1", srv.port());
  net::write(fourth, net::buffer(get("/health")));
  auto refused = read_response(fourth);
  EXPECT_EQ(refused.status, 503) << refused.head;
  EXPECT_NE(refused.head.find("Connection: close"), std::string::npos) << refused.head;

  auto other = served_from("127.0.0.2", srv.port());  // another client is not affected

  // A closed connection gives its slot back.
  held.pop_back();
  int status = 0;
  for (int i = 0; i < 50 && status != 200; ++i) {
    auto again = connect_from("127.0.0.1", srv.port());
    net::write(again, net::buffer(get("/health")));
    status = read_response(again).status;
    if (status != 200) std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(status, 200);

  // Counted by its own reason.
  net::write(other, net::buffer(get("/metrics")));
  auto m = read_response(other);
  EXPECT_NE(m.body.find("mcpx_http_refusals_total{reason=\"too_many_connections_from_address\"} "), std::string::npos)
      << m.body;
  EXPECT_EQ(m.body.find("mcpx_http_refusals_total{reason=\"too_many_connections_from_address\"} 0\n"),
            std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("mcpx_http_refusals_total{reason=\"too_many_connections\"} 0\n"), std::string::npos);
  srv.stop();
}

TEST(per_address_limit, zero_turns_it_off) {
  mcpx::options o;
  o.port = 0;
  o.log_level = "off";
  o.max_connections_per_address = 0;
  mcpx::server srv({"per-address-test", "1"}, o);
  srv.start();
  std::vector<tcp::socket> held;
  for (int i = 0; i < 300; ++i) held.push_back(connect_from("127.0.0.1", srv.port()));
  net::write(held.back(), net::buffer(get("/health")));
  EXPECT_EQ(read_response(held.back()).status, 200);
  srv.stop();
}

// An address's entry goes when its last connection does: the map holds open connections only.
TEST(per_address_limit, counts_are_given_back_when_connections_close) {
  struct ok : mcpx::http::handler {
    net::awaitable<void> handle(mcpx::http::request&, const mcpx::http::peer_info&, mcpx::http::reply& r) override {
      r.head.result(200);
      co_return;
    }
  };
  mcpx::http::server_config cfg;
  cfg.port = 0;
  cfg.limits.max_connections_per_address = 2;
  mcpx::http::server srv(cfg, std::make_shared<ok>());
  srv.start();
  {
    std::vector<tcp::socket> held;
    for (auto* from : {"127.0.0.1", "127.0.0.1", "127.0.0.3"}) held.push_back(served_from(from, srv.port()));
    EXPECT_EQ(srv.open_addresses(), 2u);
  }
  for (int i = 0; i < 100 && srv.open_addresses() > 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(srv.open_addresses(), 0u);
  EXPECT_EQ(srv.open_connections(), 0u);
  srv.stop();
}

// IPv6 clients are counted by /64, the block one host is commonly given; IPv4 by address.
TEST(per_address_limit, ipv6_addresses_count_by_their_64) {
  using mcpx::http::address_counts;
  auto key = [](const char* a) { return address_counts::key_of(net::ip::make_address(a)); };
  EXPECT_EQ(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff:ffff:ffff:ffff"));
  EXPECT_NE(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
  EXPECT_NE(key("10.0.0.1"), key("10.0.0.2"));
  EXPECT_EQ(key("10.0.0.1"), key("::ffff:10.0.0.1"));  // from a dual-stack listener
  address_counts counts;
  auto a = counts.try_take(net::ip::make_address("2001:db8:1:2::1"), 1);
  ASSERT_TRUE(a);
  EXPECT_FALSE(counts.try_take(net::ip::make_address("2001:db8:1:2::9"), 1));
  EXPECT_TRUE(counts.try_take(net::ip::make_address("2001:db8:1:3::1"), 1));  // taken and given back at once
  EXPECT_EQ(counts.addresses(), 1u);
}

}  // namespace
