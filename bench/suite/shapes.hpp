#pragma once
// The suite's "payload shapes" section: what users send besides a small echo, each shape
// measured on mcpx as shipped (and on the I/O thread) against the TS SDK 2.x in the same
// alternating rounds, both protocol modes, every answer checked byte for byte.
#include <boost/json.hpp>
#include <functional>
#include <vector>

#include "load/checks.hpp"
#include "suite/rounds.hpp"

namespace mcpx::bench {

struct shape_group {
  shape what;
  std::string mode;  ///< stateless or session
  unsigned connections = 0;
  std::vector<series> servers;
};

struct shapes_run {
  std::vector<shape_group> groups;
};

/// Measures every shape in both modes; `wanted` filters entries by name (--only).
shapes_run run_shapes(const suite_config& cfg, const std::function<bool(const server_def&)>& wanted, bool& all_ok);
/// The section's tables and its ratios (target: mcpx as shipped >= 10x ts-sdk-2 for each).
void print(const shapes_run& r);
/// {"groups": [...], "ratios": [...]}: each server also with idle RSS and KiB per request in flight.
boost::json::object to_json(const shapes_run& r);

}  // namespace mcpx::bench
