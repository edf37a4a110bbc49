#pragma once
// Counts the allocations made through operator new on the calling thread (allocations.cpp
// replaces the global operator new of the test binary that links it).
#include <cstddef>

namespace mcpx::test {

/// operator new calls made on this thread so far.
std::size_t allocations_here() noexcept;

}  // namespace mcpx::test
