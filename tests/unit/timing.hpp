#pragma once
// Timing in the unit tests that wait on other threads: they poll for an effect rather than
// sleep a guessed time, and allow the same overrun wherever a wait or an answer is timed.
#include <chrono>
#include <thread>

namespace mcpx::test {

/// How late a wait may end or an answer come on a loaded 2-core machine (ASan included).
inline constexpr std::chrono::milliseconds slack{400};

/// Polls `pred` every millisecond until it holds (true) or 5 s have passed (false).
template <class Pred>
bool eventually(Pred pred) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace mcpx::test
