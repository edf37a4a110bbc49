#pragma once
// Alternating rounds: the servers of one group are started once and measured one at a time
// (A B C, C B A, ...), each alone (the others frozen), so drift on a shared machine hits all
// alike. Shared by every section of the suite (echo, payload shapes, scaling).
#include <sys/types.h>

#include <boost/json.hpp>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "load/load.hpp"
#include "suite/process.hpp"
#include "suite/suite.hpp"

namespace mcpx::bench {

struct server_def {
  std::string name;  ///< mcpx, mcpx-pool, mcpx-auth, ts-sdk-2, ts-sdk-1, nginx
  std::string mode;  ///< stateless, session, fixed-200
  protocol proto;
  std::function<std::vector<std::string>(unsigned short port)> argv;
  std::string fixed_body;  ///< nginx: what every answer must be
  std::string skip;        ///< why it cannot run here (empty: it can)
  /// Sent with every request; when set, the server is measured only once /health/ready says
  /// its issuer's keys are loaded (before that every request would be refused).
  std::string bearer;
  /// A process the server depends on (the Redis of "mcpx-limits-redis"): its CPU time during a
  /// measurement counts toward the server's, and is also reported on its own.
  pid_t sidecar = -1;
  /// Measured with the 2025-11-25 session servers (their rounds alternate with its rounds).
  bool session_group = false;
};

struct running {
  server_def def;
  child proc;
  unsigned short port = 0;
};

struct sample {
  double rps = 0, p50_ms = 0, p99_ms = 0, p999_ms = 0, cpu_per_10k = 0, sidecar_cpu_per_10k = 0;
  double load_cpu = 0;  ///< the load generator's CPU over the run, in cores (1.0: one core busy)
  /// Share of the run the load generator was ready but waiting for a CPU (another process had
  /// it): well above 0, the figures measure the machine's other work as much as the server.
  double load_wait = 0;
  double server_wait = 0;  ///< the same for the server's threads, summed, in cores
  /// Per CPU, the share of the run the hypervisor did not run it ("steal" in /proc/stat): a
  /// round whose CPUs were taken away measures the host, whichever server it ran.
  std::vector<double> stolen;
  /// The server's context switches and CPU migrations (all its threads) per answered request.
  double switches_per_call = 0, migrations_per_call = 0;
  std::uint64_t ok = 0, errors = 0;
  std::map<std::string, std::uint64_t> error_kinds;
  std::string first_error;
};

struct series {
  server_def def;
  unsigned connections = 0;
  std::vector<sample> samples;
  long peak_rss_kib = 0;
  long idle_rss_kib = 0;  ///< group_options::idle_rss: resident after one short warm-up, before the load
  std::string failure;    ///< could not start, or crashed
};

/// What a group's load is, beyond what each server's definition sets.
struct group_options {
  load_config load;       ///< shape and expect_tools; port, protocol, bearer and connections are set per server
  bool idle_rss = false;  ///< read each server's RSS after a short warm-up, before priming (series::idle_rss_kib)
};

double median(std::vector<double> v);
template <class F>
double median_of(const std::vector<sample>& s, F f) {
  std::vector<double> v;
  for (auto& x : s) v.push_back(f(x));
  return median(v);
}

bool exists(const std::string& path);
/// The CPU servers are pinned to (-1: not pinned).
int server_cpu(const suite_config& cfg);
/// ", stolen by the host: CPU 0 12% CPU 1 3%" when any CPU lost 1 % of a run or more, else "".
std::string stolen_note(const std::vector<double>& stolen);
std::optional<running> start(const suite_config& cfg, const server_def& d, std::string& failure);
/// One measurement of a running server; `rate` > 0 is an open loop, `prime` an unmeasured run.
sample measure(const suite_config& cfg, running& r, unsigned connections, double rate = 0, bool prime = false,
               const load_config& base = {});
/// Starts every server of `defs`, primes each, measures them in alternating rounds, stops them.
std::vector<series> run_group(const suite_config& cfg, unsigned connections, const std::vector<server_def>& defs,
                              bool& all_ok, const group_options& opt = {});
/// Median over rounds of a/b measured in the same round: pairs close in time cancel drift.
std::optional<double> ratio(const series& a, const series& b);
/// The largest share of a round any CPU was stolen by the host (sample::stolen).
double most_stolen(const sample& s);
/// No CPU lost 1 % of the round to the host (false where the kernel reports no steal).
bool left_alone(const sample& s);
/// ratio() over the round pairs both left alone, and how many there were; nullopt for none.
/// Reported next to a target, never instead of it.
std::optional<std::pair<double, std::size_t>> unstolen_ratio(const series& a, const series& b);
std::string thousands(double v);
const series* find(const std::vector<series>& g, const std::string& name);
/// A series with every round's raw figures and the medians.
boost::json::object to_json(const series& s);

/// Entries of the newer sections (payload shapes, scaling): mcpx-bench-echo with `extra` flags
/// after the usual ones, configured as the echo section's entry of that name: "mcpx-shipped"
/// (tools on the worker pool, access log at `info`), "mcpx-pool" (worker pool, `warning`),
/// "mcpx" (tools on the I/O thread, `warning`).
server_def echo_entry(const suite_config& cfg, std::string name, std::string mode, protocol p, unsigned io_threads,
                      std::vector<std::string> extra);
/// bench/peers/<script> on the pinned Node, `--mode <mode>` and `extra` flags.
server_def node_entry(const suite_config& cfg, std::string name, const std::string& script, std::string mode,
                      protocol p, std::vector<std::string> extra);

}  // namespace mcpx::bench
