#pragma once
// The suite's "scaling" section: each mcpx path (tools on the I/O thread, on the worker pool,
// as shipped) with 1 and with 2 I/O threads on a 2-core machine, in alternating rounds, and
// the factor rps(2) / rps(1). Unpinned: two I/O threads need both cores, so the load
// generator shares them with the server here (unlike every other section).
#include <boost/json.hpp>
#include <functional>
#include <vector>

#include "suite/rounds.hpp"

namespace mcpx::bench {

struct scaling_run {
  unsigned connections = 0;
  std::string skipped;          ///< why it did not run (fewer than 2 CPUs)
  std::vector<series> servers;  ///< each path at 1 I/O thread, then at 2
};

scaling_run run_scaling(const suite_config& cfg, const std::function<bool(const server_def&)>& wanted, bool& all_ok);
void print(const scaling_run& r);
boost::json::object to_json(const scaling_run& r);

}  // namespace mcpx::bench
