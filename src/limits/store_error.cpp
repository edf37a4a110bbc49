// Names of store failures (mcpx/limits/completion.hpp).
#include "mcpx/limits/completion.hpp"

namespace mcpx::limits {

std::string_view name(store_error e) noexcept {
  switch (e) {
    case store_error::unavailable: return "unavailable";
    case store_error::timeout: return "timeout";
    case store_error::protocol: return "protocol";
  }
  return "unknown";
}

}  // namespace mcpx::limits
