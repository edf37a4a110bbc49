#pragma once
// How a reply is written: all of it, in as few write_some calls as the socket accepts.
#include <boost/system/error_code.hpp>
#include <cstddef>

namespace mcpx::http {

/// A completion condition for net::async_write. Asio's own (transfer_all and the rest) ask
/// for at most 64 KiB per write_some, so a 1 MB answer took 17 sendmsg calls, each paying a
/// syscall, a TCP push and, on loopback, the reader's delivery and wake-up. The kernel queues
/// what its send buffer holds and says how much: the cap here is only a bound on the asking,
/// at the default maximum send buffer (net.ipv4.tcp_wmem).
struct transfer_whole {
  static constexpr std::size_t max_per_call = 4 * 1024 * 1024;
  std::size_t operator()(const boost::system::error_code& ec, std::size_t) const noexcept {
    return ec ? 0 : max_per_call;
  }
};

}  // namespace mcpx::http
