#include "suite/scaling.hpp"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

namespace mcpx::bench {

namespace json = boost::json;

namespace {

constexpr const char* paths[] = {"mcpx", "mcpx-pool", "mcpx-shipped"};

std::string threads_mode(unsigned n) { return "io_threads=" + std::to_string(n); }

// The pair of one path: its series at 1 and at 2 I/O threads, if both ran.
std::pair<const series*, const series*> pair_of(const scaling_run& r, const std::string& name) {
  const series *one = nullptr, *two = nullptr;
  for (auto& s : r.servers)
    if (s.def.name == name && !s.samples.empty()) (s.def.mode == threads_mode(1) ? one : two) = &s;
  return {one, two};
}

template <class F>
double med(const series& s, F f) {
  return median_of(s.samples, f);
}

}  // namespace

scaling_run run_scaling(const suite_config& base, const std::function<bool(const server_def&)>& wanted, bool& all_ok) {
  scaling_run out;
  out.connections = base.connection_counts.front();
  for (auto n : base.connection_counts)
    if (n == base.target_connections) out.connections = n;
  long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  if (cpus < 2) {
    out.skipped = "needs 2 CPUs";
    return out;
  }
  std::vector<server_def> defs;
  for (auto* name : paths)
    for (unsigned threads : {1u, 2u}) {
      auto d = echo_entry(base, name, threads_mode(threads), protocol::modern, threads, {});
      if (wanted(d)) defs.push_back(std::move(d));
    }
  if (defs.empty()) return out;
  // Every thread anywhere: the servers (spawned unpinned, so they inherit this) and the load.
  cpu_set_t before, all;
  ::sched_getaffinity(0, sizeof before, &before);
  CPU_ZERO(&all);
  for (long c = 0; c < cpus && c < CPU_SETSIZE; ++c) CPU_SET(static_cast<int>(c), &all);
  ::sched_setaffinity(0, sizeof all, &all);
  auto cfg = base;
  cfg.pin = false;
  if (cfg.smoke) {  // smoke: only that each path answers with two I/O threads
    cfg.duration = std::chrono::milliseconds(300);
    cfg.warmup = std::chrono::milliseconds(50);
    cfg.prime = std::chrono::milliseconds(0);
  }
  std::cerr << "scaling: 1 vs 2 I/O threads, 2026-07-28 stateless, " << out.connections << " connections, unpinned\n";
  out.servers = run_group(cfg, out.connections, defs, all_ok);
  ::sched_setaffinity(0, sizeof before, &before);
  return out;
}

void print(const scaling_run& r) {
  if (!r.skipped.empty()) {
    std::printf("\nscaling: skipped (%s)\n", r.skipped.c_str());
    return;
  }
  if (r.servers.empty()) return;
  std::printf(
      "\nscaling: 1 vs 2 I/O threads, tools/call echo, 2026-07-28 stateless, %u connections, unpinned (the load "
      "generator shares both cores)\n",
      r.connections);
  std::printf("  %-13s %10s %10s %8s %12s %12s %10s %10s %12s %12s %12s\n", "path", "req/s (1)", "req/s (2)", "factor",
              "CPU s/10k(1)", "CPU s/10k(2)", "load (1)", "load (2)", "load wait", "switch/call", "migr./10k");
  for (auto* name : paths) {
    auto [one, two] = pair_of(r, name);
    if (!one || !two) continue;
    auto f = ratio(*two, *one);
    auto rps = [](auto& x) { return x.rps; };
    auto cpu = [](auto& x) { return x.cpu_per_10k; };
    auto load = [](auto& x) { return x.load_cpu; };
    auto sw = [](auto& x) { return x.switches_per_call; };
    auto mig = [](auto& x) { return x.migrations_per_call * 10000; };
    auto wait = [](auto& x) { return 100 * x.load_wait; };
    std::printf("  %-13s %10s %10s %7.2fx %12.3f %12.3f %10.2f %10.2f %5.0f%%/%-5s %5.2f/%-6.2f %5.1f/%-6.1f\n", name,
                thousands(med(*one, rps)).c_str(), thousands(med(*two, rps)).c_str(), f ? *f : 0.0, med(*one, cpu),
                med(*two, cpu), med(*one, load), med(*two, load), med(*one, wait),
                (std::to_string(static_cast<int>(med(*two, wait) + 0.5)) + "%").c_str(), med(*one, sw), med(*two, sw),
                med(*one, mig), med(*two, mig));
  }
  std::printf(
      "  (factor: median of per-round rps(2)/rps(1); load: the load generator's CPU in cores; load wait: the share\n"
      "   of the run it was ready but waited for a CPU, held by the server or anything else; switch/call and\n"
      "   migr./10k: the server's context switches per request and CPU migrations per 10k; each at 1 / at 2 I/O "
      "threads)\n");
}

json::object to_json(const scaling_run& r) {
  json::array servers, factors;
  for (auto& s : r.servers) servers.push_back(bench::to_json(s));
  for (auto* name : paths) {
    auto [one, two] = pair_of(r, name);
    auto f = one && two ? ratio(*two, *one) : std::nullopt;
    if (f) factors.push_back(json::object{{"path", name}, {"factor", *f}});
  }
  json::object o{{"connections", r.connections}, {"pinned", false}, {"servers", servers}, {"factors", factors}};
  if (!r.skipped.empty()) o["skipped"] = r.skipped;
  return o;
}

}  // namespace mcpx::bench
