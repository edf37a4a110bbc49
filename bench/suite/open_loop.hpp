#pragma once
// The suite's open loop: a server at half of its closed-loop peak, its latency with headroom.
// nginx with its access log is measured at the very same rate in the rounds between, as the
// machine's own floor: on a shared VM every process stalls now and then (tens of ms, every
// connection at once, nginx too), and one such stall in a 5 s round is already its p99.
// docs/benchmark.md says how to read the two together.
#include <boost/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "suite/rounds.hpp"

namespace mcpx::bench {

struct open_run {
  std::string server, mode;
  unsigned connections = 0;
  double rate = 0;                   ///< half of the server's closed-loop median
  std::vector<sample> rounds;        ///< the server, each round
  std::vector<sample> floor_rounds;  ///< nginx-log at the same rate, in the rounds between
  std::string floor_skipped;         ///< why the floor was not measured (empty: it was)
  std::string failure;               ///< the server did not start (no rounds)
  double p99_ms() const {
    return median_of(rounds, [](auto& x) { return x.p99_ms; });
  }
  double floor_p99_ms() const {
    return median_of(floor_rounds, [](auto& x) { return x.p99_ms; });
  }
  std::uint64_t errors() const;
};

/// Measures `server` (a series from the echo section, whose median sets the rate) and `floor`
/// (nginx-log's series from the same group; null: not measured) in alternating rounds.
open_run run_open_loop(const suite_config& cfg, const series& server, const series* floor, unsigned connections,
                       bool& all_ok);
void print(const open_run& o);
/// The median p99 over the rounds no CPU lost 1 % of, and how many there were; nullopt for none
/// (or where the kernel reports no steal). Reported next to the target, never instead of it.
std::optional<std::pair<double, std::size_t>> unstolen_p99_ms(const std::vector<sample>& rounds);
boost::json::object to_json(const open_run& o);

/// The open loop's p99 target (issue 12 and the benchmark issue), in ms.
constexpr double open_loop_p99_target_ms = 2.0;

}  // namespace mcpx::bench
