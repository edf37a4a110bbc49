#include "suite/open_loop.hpp"

#include <algorithm>
#include <cstdio>

namespace mcpx::bench {

namespace json = boost::json;

std::uint64_t open_run::errors() const {
  std::uint64_t n = 0;
  for (auto& x : rounds) n += x.errors;
  for (auto& x : floor_rounds) n += x.errors;
  return n;
}

std::optional<std::pair<double, std::size_t>> unstolen_p99_ms(const std::vector<sample>& rounds) {
  std::vector<sample> quiet;
  for (auto& x : rounds)
    if (left_alone(x)) quiet.push_back(x);
  if (quiet.empty()) return std::nullopt;
  return std::pair{median_of(quiet, [](auto& x) { return x.p99_ms; }), quiet.size()};
}

open_run run_open_loop(const suite_config& cfg, const series& server, const series* floor, unsigned connections,
                       bool& all_ok) {
  open_run o;
  o.server = server.def.name;
  o.mode = server.def.mode;
  o.connections = connections;
  o.rate = median_of(server.samples, [](auto& x) { return x.rps; }) / 2;
  std::string failure;
  auto r = start(cfg, server.def, failure);
  if (!r) {
    o.failure = failure.empty() ? "did not start" : failure;
    all_ok = false;
    return o;
  }
  std::optional<running> f;
  if (!floor || floor->samples.empty()) o.floor_skipped = "nginx-log did not run in this group";
  else if (f = start(cfg, floor->def, failure); !f) o.floor_skipped = "nginx-log did not start: " + failure;
  for (unsigned i = 0; i < cfg.runs; ++i) {
    o.rounds.push_back(measure(cfg, *r, connections, o.rate));
    if (f) o.floor_rounds.push_back(measure(cfg, *f, connections, o.rate));
  }
  stop(r->proc);
  if (f) stop(f->proc);
  if (o.errors()) all_ok = false;
  return o;
}

void print(const open_run& o) {
  if (o.rounds.empty()) {
    std::printf("\nopen loop at half of %s %s's peak: %s\n", o.server.c_str(), o.mode.c_str(), o.failure.c_str());
    return;
  }
  auto med = [&](auto f) { return median_of(o.rounds, f); };
  bool met = o.p99_ms() <= open_loop_p99_target_ms;
  std::printf(
      "\nopen loop at half of %s %s's peak (%s req/s, %u connections): p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, "
      "CPU s/10k %.3f   target p99 <= %.0f ms  %s\n",
      o.server.c_str(), o.mode.c_str(), thousands(o.rate).c_str(), o.connections, med([](auto& x) { return x.p50_ms; }),
      o.p99_ms(), med([](auto& x) { return x.p999_ms; }), med([](auto& x) { return x.cpu_per_10k; }),
      open_loop_p99_target_ms, met ? "met" : "MISSED");
  if (o.floor_rounds.empty()) {
    std::printf("  nginx-log at the same rate: not measured (%s)\n", o.floor_skipped.c_str());
    return;
  }
  std::printf("  nginx-log at the same rate: p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms\n",
              median_of(o.floor_rounds, [](auto& x) { return x.p50_ms; }), o.floor_p99_ms(),
              median_of(o.floor_rounds, [](auto& x) { return x.p999_ms; }));
  std::printf("  p99 each round, server / nginx-log:");
  for (std::size_t i = 0; i < o.rounds.size(); ++i)
    std::printf(" %.2f/%.2f", o.rounds[i].p99_ms, i < o.floor_rounds.size() ? o.floor_rounds[i].p99_ms : 0.0);
  std::printf(" ms\n");
  std::printf("  most stolen from a CPU each round, server / nginx-log:");
  for (std::size_t i = 0; i < o.rounds.size(); ++i)
    std::printf(" %.1f/%.1f", 100 * most_stolen(o.rounds[i]),
                i < o.floor_rounds.size() ? 100 * most_stolen(o.floor_rounds[i]) : 0.0);
  std::printf(" %%\n");
  if (auto quiet = unstolen_p99_ms(o.rounds))
    std::printf("  the server's p99 over its rounds the host left alone (under 1%% stolen): %.3f ms (%zu of %zu)\n",
                quiet->first, quiet->second, o.rounds.size());
  if (!met && o.floor_p99_ms() > open_loop_p99_target_ms)
    std::printf("  nginx-log's own p99 is above the target at this rate: the machine stalled in these rounds\n");
}

json::object to_json(const open_run& o) {
  auto med = [&](auto f) { return median_of(o.rounds, f); };
  auto stolen_shares = [](const std::vector<sample>& v) {
    json::array a;
    for (auto& x : v) a.push_back(most_stolen(x));
    return a;
  };
  auto p99s = [](const std::vector<sample>& v) {
    json::array a;
    for (auto& x : v) a.push_back(x.p99_ms);
    return a;
  };
  json::object j{{"server", o.server},
                 {"mode", o.mode},
                 {"connections", o.connections},
                 {"target_rps", o.rate},
                 {"rps", med([](auto& x) { return x.rps; })},
                 {"p50_ms", med([](auto& x) { return x.p50_ms; })},
                 {"p99_ms", o.p99_ms()},
                 {"p999_ms", med([](auto& x) { return x.p999_ms; })},
                 {"cpu_s_per_10k", med([](auto& x) { return x.cpu_per_10k; })},
                 {"errors", o.errors()},
                 {"p99_ms_rounds", p99s(o.rounds)},
                 {"most_stolen_share_rounds", stolen_shares(o.rounds)}};
  if (auto quiet = unstolen_p99_ms(o.rounds)) {
    j["p99_ms_unstolen_rounds"] = quiet->first;
    j["unstolen_rounds"] = quiet->second;
  }
  if (!o.failure.empty()) {
    j["failure"] = o.failure;
  } else if (o.floor_rounds.empty()) {
    j["floor_skipped"] = o.floor_skipped;
  } else {
    j["floor"] = json::object{{"server", "nginx-log"},
                              {"p50_ms", median_of(o.floor_rounds, [](auto& x) { return x.p50_ms; })},
                              {"p99_ms", o.floor_p99_ms()},
                              {"p999_ms", median_of(o.floor_rounds, [](auto& x) { return x.p999_ms; })},
                              {"p99_ms_rounds", p99s(o.floor_rounds)},
                              {"most_stolen_share_rounds", stolen_shares(o.floor_rounds)}};
  }
  return j;
}

}  // namespace mcpx::bench
