#pragma once
// The process's allocator, set for a server's answers (options::tune_allocator).
#include <cstddef>

namespace mcpx::core {

/// What tune_allocator() sets: buffers below `mmap_threshold` come from the heap, and the heap
/// gives memory back to the kernel only beyond `trim_threshold` free at its top.
struct allocator_tuning {
  std::size_t mmap_threshold = 4 * 1024 * 1024;
  std::size_t trim_threshold = 64 * 1024 * 1024;
};

/// Whose malloc this process calls: "tcmalloc" (the default build links it, see MCPX_ALLOCATOR),
/// "glibc", or "other" (a sanitizer's, or one preloaded by the operator).
const char* allocator_in_use() noexcept;

/// For glibc's malloc only (elsewhere it does nothing and returns false).
/// glibc's defaults (a buffer of 128 KiB or more is mapped on its own, or the heap trimmed as
/// soon as 2x the largest freed mapping is free) make every large answer fresh pages: a 1 MB
/// result cost ~480 page faults, zeroed by the kernel, on each call. Applied once per process;
/// left alone when GLIBC_TUNABLES sets a glibc.malloc tunable (the operator's choice). Returns
/// whether it applied the tuning.
bool tune_allocator(const allocator_tuning& t = {});

}  // namespace mcpx::core
