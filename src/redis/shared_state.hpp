#pragma once
// What a client and its connections share: the settings, the TLS context, the counters and
// the last failure in words. Outlives the client while a connection still winds down.
#include <atomic>
#include <boost/asio/ssl/context.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "redis/options.hpp"

namespace mcpx::redis::detail {

struct counters {
  std::atomic<std::uint64_t> commands{0}, writes{0}, errors{0}, timeouts{0}, error_replies{0}, reconnects{0},
      connect_failures{0};
};

class shared_state {
 public:
  shared_state(settings s, std::shared_ptr<boost::asio::ssl::context> tls) : cfg(std::move(s)), tls(std::move(tls)) {}

  const settings cfg;
  const std::shared_ptr<boost::asio::ssl::context> tls;  ///< null for redis://
  counters n;

  void set_last_error(std::string why) {
    std::lock_guard lock(mu_);
    last_error_ = std::move(why);
  }
  std::string last_error() const {
    std::lock_guard lock(mu_);
    return last_error_;
  }

 private:
  mutable std::mutex mu_;
  std::string last_error_;
};

}  // namespace mcpx::redis::detail
