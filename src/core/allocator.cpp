// Allocator settings for a server (allocator.hpp). glibc only: elsewhere this does nothing.
#include "core/allocator.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>
#include <string_view>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace mcpx::core {

const char* allocator_in_use() noexcept {
  // Whoever defines `malloc` first in the process's search order serves it; tcmalloc and glibc
  // each define it as an alias of a name of their own.
  static const char* const name = [] {
    void* m = dlsym(RTLD_DEFAULT, "malloc");
    if (!m) return "other";
    if (m == dlsym(RTLD_DEFAULT, "tc_malloc")) return "tcmalloc";
    if (m == dlsym(RTLD_DEFAULT, "__libc_malloc")) return "glibc";
    return "other";
  }();
  return name;
}

bool tune_allocator(const allocator_tuning& t) {
#if defined(__GLIBC__)
  static std::once_flag once;
  static bool applied = false;
  std::call_once(once, [&] {
    // mallopt would set glibc's malloc, which then serves nothing.
    if (std::string_view(allocator_in_use()) != "glibc") return;
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
