#include "redis/errors.hpp"

#include <string>

namespace mcpx::redis {

namespace {

class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "mcpx.redis"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::timeout: return "timeout";
      case errc::not_connected: return "not connected";
      case errc::connection_lost: return "connection lost";
      case errc::stopped: return "stopped";
      case errc::queue_full: return "queue full";
      case errc::empty_command: return "empty command";
    }
    return "unknown redis error";
  }
};

}  // namespace

const boost::system::error_category& error_category() noexcept {
  static const category c;
  return c;
}

}  // namespace mcpx::redis
