#include "http/deadline.hpp"

#include <algorithm>

namespace mcpx::http {

net::awaitable<void> deadline::watch(tcp::socket& sock) {
  const auto tick = std::max(tick_, std::chrono::milliseconds(1));
  while (!stopped_) {
    const auto now = clock::now();
    if (at_ <= now) {
      at_ = clock::time_point::max();  // once per deadline: the owner sets the next one
      boost::system::error_code ignored;
      sock.cancel(ignored);  // the pending read or write ends with operation_aborted
    }
    armed_ = std::min(at_, now + tick);
    timer_.expires_at(armed_);
    co_await timer_.async_wait(net::as_tuple(net::use_awaitable));  // woken early by a shorter deadline
  }
}

void deadline::stop() {
  stopped_ = true;
  timer_.cancel();
}

}  // namespace mcpx::http
