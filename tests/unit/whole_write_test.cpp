// Replies are written in as few write_some calls as the socket takes (http/whole_write).
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <string>

#include "http/whole_write.hpp"

namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

// The socket, counting the write_some calls net::async_write makes on it.
struct counting_stream {
  tcp::socket& sock;
  int& calls;
  using executor_type = tcp::socket::executor_type;
  executor_type get_executor() { return sock.get_executor(); }
  template <class Buffers, class Token>
  auto async_write_some(const Buffers& b, Token&& token) {
    ++calls;
    return sock.async_write_some(b, std::forward<Token>(token));
  }
};

// 3 MiB to a reader on loopback. Asio's transfer_all asks for 64 KiB per write_some, so at
// least 48 calls; the whole-write condition leaves the sizing to the kernel's send buffer.
TEST(whole_write, a_large_reply_takes_a_few_write_some_calls_and_arrives_whole) {
  net::io_context ioc{1};
  tcp::acceptor acc(ioc, {net::ip::make_address("127.0.0.1"), 0});
  tcp::socket writer(ioc), reader(ioc);
  writer.connect(acc.local_endpoint());
  acc.accept(reader);
  std::string sent(3 * 1024 * 1024, '\0');
  for (std::size_t i = 0; i < sent.size(); ++i) sent[i] = static_cast<char>('a' + i % 26);
  std::string got(sent.size(), '\0');
  int calls = 0;
  boost::system::error_code wrote, read;
  std::size_t written = 0;
  counting_stream out{writer, calls};
  net::async_write(out, net::buffer(sent), mcpx::http::transfer_whole{}, [&](boost::system::error_code ec, std::size_t n) {
    wrote = ec;
    written = n;
  });
  net::async_read(reader, net::buffer(got), [&](boost::system::error_code ec, std::size_t) { read = ec; });
  ioc.run_for(std::chrono::seconds(20));
  ASSERT_FALSE(wrote) << wrote.message();
  ASSERT_FALSE(read) << read.message();
  EXPECT_EQ(written, sent.size());
  EXPECT_TRUE(got == sent);
  EXPECT_LT(calls, 24) << "transfer_all would take at least 48";
}

TEST(whole_write, an_error_ends_the_write) {
  mcpx::http::transfer_whole c;
  EXPECT_EQ(c(net::error::broken_pipe, 100), 0u);
  EXPECT_GE(c({}, 0), 1024u * 1024u);
}

}  // namespace
