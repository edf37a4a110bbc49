#pragma once
// Liveness and readiness. Liveness answers from the I/O thread with no dependency checks.
// Readiness serves the latest results of named checks that a background prober runs, so a
// slow dependency never blocks an I/O thread; local checks (draining, worker pool) are read
// at request time.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http/types.hpp"

namespace mcpx::ops {

/// A dependency check: returns true when healthy; may set `detail`. Runs on the prober thread.
using check_fn = std::function<bool(std::string& detail)>;

class health {
 public:
  explicit health(std::chrono::milliseconds probe_interval = std::chrono::seconds(2));
  ~health();

  /// Registers a dependency check (before start()).
  void add_check(std::string name, check_fn fn);
  /// A check computed at request time; must be cheap and non-blocking.
  void add_local_check(std::string name, check_fn fn);
  void start();
  void stop();

  void set_draining() noexcept { draining_.store(true); }
  bool draining() const noexcept { return draining_.load(); }

  http::response liveness() const;
  http::response readiness() const;

 private:
  struct result {
    std::string name;
    bool ok = false;
    std::string detail = "not checked yet";
  };
  void probe_all();

  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::chrono::milliseconds interval_;
  std::atomic<bool> draining_{false};
  std::vector<std::pair<std::string, check_fn>> checks_, local_;
  mutable std::mutex mu_;
  std::vector<result> results_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread prober_;
};

}  // namespace mcpx::ops
