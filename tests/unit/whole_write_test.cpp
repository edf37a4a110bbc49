// Replies are written in as few write_some calls as the socket takes (http/whole_write).
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <string>

#include "http/whole_write.hpp"

namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

// A stream that takes everything each write_some offers, and counts the calls: what the
// completion condition asks for, whatever a kernel's buffers would take.
struct taking_stream {
  net::any_io_executor ex;
  int calls = 0;
  std::size_t taken = 0;
  using executor_type = net::any_io_executor;
  executor_type get_executor() { return ex; }
  template <class Buffers, class Token>
  auto async_write_some(const Buffers& b, Token&& token) {
    ++calls;
    const std::size_t n = net::buffer_size(b);
    taken += n;
    return net::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this, n](auto handler) {
          net::post(ex, [h = std::move(handler), n]() mutable { std::move(h)(boost::system::error_code{}, n); });
        },
        token);
  }
};

template <class Condition>
int calls_to_write(std::size_t bytes, Condition c) {
  net::io_context ioc{1};
  taking_stream s{ioc.get_executor()};
  std::string data(bytes, 'x');
  std::size_t written = 0;
  net::async_write(s, net::buffer(data), c, [&](boost::system::error_code, std::size_t n) { written = n; });
  ioc.run();
  EXPECT_EQ(written, bytes);
  EXPECT_EQ(s.taken, bytes);
  return s.calls;
}

// 3 MiB: Asio's transfer_all asks for 64 KiB per write_some (48 calls); the whole-write
// condition asks for all of it at once and leaves the sizing to the kernel.
TEST(whole_write, a_large_reply_is_offered_in_one_write_some) {
  EXPECT_EQ(calls_to_write(3 * 1024 * 1024, net::transfer_all()), 48) << "Asio's own cap, for comparison";
  EXPECT_EQ(calls_to_write(3 * 1024 * 1024, mcpx::http::transfer_whole{}), 1);
  EXPECT_EQ(calls_to_write(9 * 1024 * 1024, mcpx::http::transfer_whole{}), 3) << "4 MiB at most per call";
}

// Through a real loopback socket, with the kernel taking what it takes: every byte, in order.
TEST(whole_write, a_large_reply_arrives_whole_over_loopback) {
  net::io_context ioc{1};
  tcp::acceptor acc(ioc, {net::ip::make_address("127.0.0.1"), 0});
  tcp::socket writer(ioc), reader(ioc);
  writer.connect(acc.local_endpoint());
  acc.accept(reader);
  std::string sent(3 * 1024 * 1024, '\0');
  for (std::size_t i = 0; i < sent.size(); ++i) sent[i] = static_cast<char>('a' + i % 26);
  std::string got(sent.size(), '\0');
  boost::system::error_code wrote, read;
  std::size_t written = 0;
  net::async_write(writer, net::buffer(sent), mcpx::http::transfer_whole{},
                   [&](boost::system::error_code ec, std::size_t n) {
                     wrote = ec;
                     written = n;
                   });
  net::async_read(reader, net::buffer(got), [&](boost::system::error_code ec, std::size_t) { read = ec; });
  ioc.run_for(std::chrono::seconds(20));
  ASSERT_FALSE(wrote) << wrote.message();
  ASSERT_FALSE(read) << read.message();
  EXPECT_EQ(written, sent.size());
  EXPECT_TRUE(got == sent);
}

TEST(whole_write, an_error_ends_the_write) {
  mcpx::http::transfer_whole c;
  EXPECT_EQ(c(net::error::broken_pipe, 100), 0u);
  EXPECT_GE(c({}, 0), 1024u * 1024u);
}

}  // namespace
