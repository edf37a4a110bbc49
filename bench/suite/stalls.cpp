#include "suite/stalls.hpp"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <thread>

namespace mcpx::bench {

using clock_type = std::chrono::steady_clock;

unsigned stall_report::over_5ms() const {
  unsigned n = 0;
  for (auto& c : cpus) n += c.over_5ms;
  return n;
}

double stall_report::max_ms() const {
  double m = 0;
  for (auto& c : cpus) m = std::max(m, c.max_ms);
  return m;
}

stall_report probe_stalls(std::chrono::milliseconds how_long, unsigned cpus, bool pin) {
  stall_report r;
  r.seconds = std::chrono::duration<double>(how_long).count();
  r.cpus.resize(std::max(1u, cpus));
  std::atomic<unsigned> ready{0};
  auto busy = [&](cpu_stalls& out) {
    if (pin) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(out.cpu, &set);
      ::pthread_setaffinity_np(::pthread_self(), sizeof set, &set);
    }
    // All threads start together: a stop that needs every CPU busy is only seen while they are.
    ready.fetch_add(1);
    while (ready.load() < r.cpus.size()) {
    }
    auto last = clock_type::now();
    const auto end = last + how_long;
    while (last < end) {
      auto now = clock_type::now();
      double gap = std::chrono::duration<double, std::milli>(now - last).count();
      if (gap > 1.0) {
        ++out.over_1ms;
        out.over_5ms += gap > 5.0;
        out.over_20ms += gap > 20.0;
        out.total_ms += gap;
        out.max_ms = std::max(out.max_ms, gap);
      }
      last = now;
    }
  };
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < r.cpus.size(); ++i) {
    r.cpus[i].cpu = i;
    threads.emplace_back(busy, std::ref(r.cpus[i]));
  }
  for (auto& t : threads) t.join();
  return r;
}

boost::json::object to_json(const stall_report& r) {
  boost::json::array cpus;
  for (auto& c : r.cpus)
    cpus.push_back(boost::json::object{{"cpu", c.cpu},
                                       {"over_1ms", c.over_1ms},
                                       {"over_5ms", c.over_5ms},
                                       {"over_20ms", c.over_20ms},
                                       {"total_ms", c.total_ms},
                                       {"max_ms", c.max_ms}});
  return {{"seconds", r.seconds}, {"cpus", cpus}};
}

}  // namespace mcpx::bench
