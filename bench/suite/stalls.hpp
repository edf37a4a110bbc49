#pragma once
// How often, and how long, this machine stops a thread that never sleeps. On a virtual machine
// the host may take a virtual CPU away (on the machines this was written on: 100 ms at a time,
// only while both virtual CPUs were busy). Such a stop queues everything sent meanwhile, so it
// is the tail latency of any server measured then: the suite reports it next to the open loops,
// so that a p99 miss can be told from a machine's stall.
#include <boost/json/object.hpp>
#include <chrono>
#include <vector>

namespace mcpx::bench {

struct cpu_stalls {
  unsigned cpu = 0;
  unsigned over_1ms = 0, over_5ms = 0, over_20ms = 0;
  double total_ms = 0;  ///< time lost in stops over 1 ms
  double max_ms = 0;
};

struct stall_report {
  double seconds = 0;
  std::vector<cpu_stalls> cpus;  ///< one busy thread on each, all at once
  unsigned over_5ms() const;
  double max_ms() const;
};

/// Keeps one thread busy on each of the first `cpus` CPUs (pinned when `pin`) for `how_long`,
/// each reading the clock in a loop; a gap over 1 ms between two readings is a stop.
stall_report probe_stalls(std::chrono::milliseconds how_long, unsigned cpus, bool pin);

boost::json::object to_json(const stall_report& r);

}  // namespace mcpx::bench
