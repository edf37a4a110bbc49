// Allocator settings for a server (allocator.hpp). glibc only: elsewhere this does nothing.
#include "core/allocator.hpp"

#include <cstdlib>
#include <mutex>
#include <string_view>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace mcpx::core {

bool tune_allocator(const allocator_tuning& t) {
#if defined(__GLIBC__)
  static std::once_flag once;
  static bool applied = false;
  std::call_once(once, [&] {
    const char* tunables = std::getenv("GLIBC_TUNABLES");
    if (tunables && std::string_view(tunables).find("glibc.malloc.") != std::string_view::npos) return;
    // Setting either turns off glibc's dynamic thresholds: both are set together.
    applied = mallopt(M_MMAP_THRESHOLD, static_cast<int>(t.mmap_threshold)) == 1 &&
              mallopt(M_TRIM_THRESHOLD, static_cast<int>(t.trim_threshold)) == 1;
  });
  return applied;
#else
  (void)t;
  return false;
#endif
}

}  // namespace mcpx::core
