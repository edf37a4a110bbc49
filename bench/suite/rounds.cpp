#include "suite/rounds.hpp"

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <boost/json.hpp>
#include <iostream>

namespace mcpx::bench {

namespace json = boost::json;

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

bool exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

int server_cpu(const suite_config& cfg) { return cfg.pin ? 0 : -1; }

namespace {
// Under 1 % of a round is the noise of an idle host; above it, the host bent the figure.
constexpr double quiet_steal_share = 0.01;

double most_of(const std::vector<double>& v) { return v.empty() ? 0 : *std::max_element(v.begin(), v.end()); }

// Per-round ratios a / b over the round pairs `keep` accepts.
template <class Keep>
std::vector<double> pair_ratios(const series& a, const series& b, Keep keep) {
  std::vector<double> v;
  for (std::size_t i = 0; i < std::min(a.samples.size(), b.samples.size()); ++i)
    if (b.samples[i].rps > 0 && keep(a.samples[i], b.samples[i])) v.push_back(a.samples[i].rps / b.samples[i].rps);
  return v;
}
}  // namespace

std::string stolen_note(const std::vector<double>& stolen) {
  if (most_of(stolen) < quiet_steal_share) return "";
  std::string out = ", stolen by the host:";
  for (std::size_t i = 0; i < stolen.size(); ++i)
    out += " CPU " + std::to_string(i) + " " + std::to_string(static_cast<long>(stolen[i] * 100 + 0.5)) + "%";
  return out;
}

std::optional<running> start(const suite_config& cfg, const server_def& d, std::string& failure) {
  running r{d, {}, free_port()};
  std::string log = cfg.work_dir + "/" + d.name + "-" + d.mode + ".log";
  try {
    r.proc = spawn(d.name, d.argv(r.port), log, server_cpu(cfg));
  } catch (const std::exception& e) {
    failure = e.what();
    return std::nullopt;
  }
  if (!wait_for_port(r.proc, r.port, std::chrono::seconds(20))) {
    failure = "did not start listening; its log ends with:\n" + tail_of(log);
    stop(r.proc);
    return std::nullopt;
  }
  if (!d.bearer.empty() && !wait_for_ready(r.proc, r.port, std::chrono::seconds(20))) {
    failure = "never ready (issuer keys not loaded?); its log ends with:\n" + tail_of(log);
    stop(r.proc);
    return std::nullopt;
  }
  return r;
}

namespace {

double self_cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace

sample measure(const suite_config& cfg, running& r, unsigned connections, double rate, bool prime,
               const load_config& base) {
  load_config lc = base;
  lc.port = r.port;
  lc.proto = r.def.proto;
  lc.fixed_body = r.def.fixed_body;
  lc.bearer = r.def.bearer;
  lc.connections = connections;
  lc.warmup = prime ? std::chrono::milliseconds(0) : cfg.warmup;
  lc.duration = prime ? cfg.prime : cfg.duration;
  lc.rate = rate;
  auto before = usage_of(r.proc.pid);
  auto sidecar_before = r.def.sidecar > 0 ? usage_of(r.def.sidecar) : usage{};
  double self_before = self_cpu_seconds(), wait_before = self_runqueue_seconds();
  auto stolen_before = stolen_seconds_per_cpu();
  auto started = std::chrono::steady_clock::now();
  auto res = run_load(lc);
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  auto stolen_after = stolen_seconds_per_cpu();
  double self_after = self_cpu_seconds(), wait_after = self_runqueue_seconds();
  auto after = usage_of(r.proc.pid);
  auto sidecar_after = r.def.sidecar > 0 ? usage_of(r.def.sidecar) : usage{};
  sample s;
  s.ok = res.ok;
  s.errors = res.errors;
  s.error_kinds = res.error_kinds;
  s.first_error = res.first_error;
  s.rps = res.rps();
  s.p50_ms = static_cast<double>(res.latency.quantile(0.50)) / 1e6;
  s.p99_ms = static_cast<double>(res.latency.quantile(0.99)) / 1e6;
  s.p999_ms = static_cast<double>(res.latency.quantile(0.999)) / 1e6;
  // CPU over the whole run (warm-up included) per request answered in the same span.
  double answered = static_cast<double>(res.ok) * static_cast<double>((cfg.warmup + cfg.duration).count()) /
                    static_cast<double>(cfg.duration.count());
  double sidecar_cpu = sidecar_after.cpu_seconds - sidecar_before.cpu_seconds;
  s.cpu_per_10k = answered > 0 ? (after.cpu_seconds - before.cpu_seconds + sidecar_cpu) / answered * 10000 : 0;
  s.sidecar_cpu_per_10k = answered > 0 ? sidecar_cpu / answered * 10000 : 0;
  auto wall = std::chrono::duration<double>(lc.warmup + lc.duration).count();
  s.load_cpu = wall > 0 ? (self_after - self_before) / wall : 0;
  s.load_wait = wall > 0 ? (wait_after - wait_before) / wall : 0;
  s.server_wait = wall > 0 ? (after.runqueue_seconds - before.runqueue_seconds) / wall : 0;
  if (stolen_after.size() == stolen_before.size() && elapsed > 0)
    for (std::size_t i = 0; i < stolen_after.size(); ++i)
      s.stolen.push_back(std::max(0.0, stolen_after[i] - stolen_before[i]) / elapsed);
  if (answered > 0) {
    s.switches_per_call = static_cast<double>(after.context_switches - before.context_switches) / answered;
    s.migrations_per_call = static_cast<double>(after.migrations - before.migrations) / answered;
  }
  return s;
}

// Runs one group of servers alternately: round 1 in order, round 2 reversed, and so on.
std::vector<series> run_group(const suite_config& cfg, unsigned connections, const std::vector<server_def>& defs,
                              bool& all_ok, const group_options& opt) {
  std::vector<series> out;
  std::vector<std::optional<running>> live;
  for (auto& d : defs) {
    series s{d, connections, {}, 0, 0, {}};
    std::optional<running> r;
    if (!d.skip.empty()) {
      s.failure = "skipped: " + d.skip;
      all_ok = false;
    } else if (!(r = start(cfg, d, s.failure))) all_ok = false;
    if (!s.failure.empty()) std::cerr << "  " << d.name << " " << d.mode << ": " << s.failure << "\n";
    out.push_back(std::move(s));
    live.push_back(std::move(r));
  }
  // The others are frozen while one is measured: a peer still collecting garbage or closing
  // sockets after its own round would otherwise take CPU 0 from the server being measured.
  auto alone = [&](std::size_t i, bool prime) {
    for (std::size_t j = 0; j < live.size(); ++j)
      if (j != i && live[j]) ::kill(-live[j]->proc.pid, SIGSTOP);
    auto s = measure(cfg, *live[i], connections, 0, prime, opt.load);
    for (std::size_t j = 0; j < live.size(); ++j)
      if (j != i && live[j]) ::kill(-live[j]->proc.pid, SIGCONT);
    return s;
  };
  if (opt.idle_rss)
    for (std::size_t i = 0; i < live.size(); ++i)
      if (live[i]) {
        // A few requests first, so code paths and pools that exist once per process count as
        // idle: what remains above this at the peak is what requests in flight held.
        suite_config brief = cfg;
        brief.warmup = std::chrono::milliseconds(0);
        brief.duration = std::chrono::milliseconds(cfg.smoke ? 50 : 200);
        measure(brief, *live[i], 1, 0, false, opt.load);
        out[i].idle_rss_kib = usage_of(live[i]->proc.pid).rss_kib;
      }
  if (cfg.prime.count() > 0)
    for (std::size_t i = 0; i < live.size(); ++i)
      if (live[i]) alone(i, true);  // unmeasured: JIT compilation, first allocations
  for (unsigned round = 0; round < cfg.runs; ++round) {
    for (std::size_t k = 0; k < live.size(); ++k) {
      std::size_t i = round % 2 ? live.size() - 1 - k : k;
      if (!live[i]) continue;
      auto s = alone(i, false);
      std::cerr << "  round " << round + 1 << "/" << cfg.runs << "  " << out[i].def.name << " " << out[i].def.mode
                << " x" << connections << ": " << static_cast<long>(s.rps) << " req/s, " << s.errors << " errors"
                << stolen_note(s.stolen) << "\n";
      if (s.errors > 0 || s.ok == 0) {
        all_ok = false;
        std::cerr << "    first error: " << s.first_error << "\n";
      }
      out[i].samples.push_back(std::move(s));
    }
  }
  for (std::size_t i = 0; i < live.size(); ++i)
    if (live[i]) {
      out[i].peak_rss_kib = usage_of(live[i]->proc.pid).peak_rss_kib;
      stop(live[i]->proc);
    }
  return out;
}

// Median over rounds of a/b measured in the same round: pairs close in time cancel drift.
std::optional<double> ratio(const series& a, const series& b) {
  auto v = pair_ratios(a, b, [](const sample&, const sample&) { return true; });
  if (v.empty()) return std::nullopt;
  return median(v);
}

double most_stolen(const sample& s) { return most_of(s.stolen); }

bool left_alone(const sample& s) { return !s.stolen.empty() && most_stolen(s) < quiet_steal_share; }

std::optional<std::pair<double, std::size_t>> unstolen_ratio(const series& a, const series& b) {
  auto v = pair_ratios(a, b, [](const sample& x, const sample& y) { return left_alone(x) && left_alone(y); });
  if (v.empty()) return std::nullopt;
  return std::pair{median(v), v.size()};
}

std::string thousands(double v) {
  auto digits = std::to_string(static_cast<long long>(v + 0.5));
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

const series* find(const std::vector<series>& g, const std::string& name) {
  for (auto& s : g)
    if (s.def.name == name && !s.samples.empty()) return &s;
  return nullptr;
}

json::object to_json(const series& s) {
  json::array samples;
  for (auto& x : s.samples) {
    json::object kinds;
    for (auto& [k, n] : x.error_kinds) kinds[k] = n;
    samples.push_back(json::object{{"rps", x.rps},
                                   {"p50_ms", x.p50_ms},
                                   {"p99_ms", x.p99_ms},
                                   {"p999_ms", x.p999_ms},
                                   {"cpu_s_per_10k", x.cpu_per_10k},
                                   {"sidecar_cpu_s_per_10k", x.sidecar_cpu_per_10k},
                                   {"load_cpu_cores", x.load_cpu},
                                   {"load_runqueue_share", x.load_wait},
                                   {"server_runqueue_cores", x.server_wait},
                                   {"context_switches_per_call", x.switches_per_call},
                                   {"cpu_migrations_per_call", x.migrations_per_call},
                                   {"stolen_share_per_cpu", json::value_from(x.stolen)},
                                   {"ok", x.ok},
                                   {"errors", x.errors},
                                   {"error_kinds", kinds},
                                   {"first_error", x.first_error}});
  }
  json::object o{{"server", s.def.name},
                 {"mode", s.def.mode},
                 {"connections", s.connections},
                 {"samples", samples},
                 {"peak_rss_kib", s.peak_rss_kib}};
  if (s.idle_rss_kib > 0) o["idle_rss_kib"] = s.idle_rss_kib;
  if (!s.failure.empty()) o["failure"] = s.failure;
  if (!s.samples.empty())
    o["median"] = json::object{{"rps", median_of(s.samples, [](auto& x) { return x.rps; })},
                               {"p50_ms", median_of(s.samples, [](auto& x) { return x.p50_ms; })},
                               {"p99_ms", median_of(s.samples, [](auto& x) { return x.p99_ms; })},
                               {"p999_ms", median_of(s.samples, [](auto& x) { return x.p999_ms; })},
                               {"cpu_s_per_10k", median_of(s.samples, [](auto& x) { return x.cpu_per_10k; })}};
  return o;
}

server_def echo_entry(const suite_config& cfg, std::string name, std::string mode, protocol p, unsigned io_threads,
                      std::vector<std::string> extra) {
  bool shipped = name == "mcpx-shipped", worker = shipped || name == "mcpx-pool";
  server_def d{std::move(name), std::move(mode), p, nullptr, {}, {}, {}};
  d.session_group = p == protocol::session;
  d.argv = [&cfg, shipped, worker, io_threads, extra](unsigned short port) {
    std::vector<std::string> argv{cfg.echo_server,
                                  "--port",
                                  std::to_string(port),
                                  "--io-threads",
                                  std::to_string(io_threads),
                                  "--workers",
                                  std::to_string(cfg.mcpx_workers),
                                  "--echo-on",
                                  worker ? "worker" : "io"};
    if (shipped) argv.insert(argv.end(), {"--log-level", "info"});
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  };
  if (!exists(cfg.echo_server)) d.skip = "mcpx-bench-echo not found at " + cfg.echo_server;
  return d;
}

server_def node_entry(const suite_config& cfg, std::string name, const std::string& script, std::string mode,
                      protocol p, std::vector<std::string> extra) {
  server_def d{std::move(name), mode, p, nullptr, {}, {}, {}};
  d.session_group = p == protocol::session;
  std::string path = cfg.peers_dir + "/" + script;
  d.argv = [&cfg, path, mode, extra](unsigned short port) {
    std::vector<std::string> argv{cfg.node, path, "--port", std::to_string(port), "--mode", mode};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  };
  if (cfg.node.empty()) d.skip = "no node binary";
  else if (!exists(path)) d.skip = path + " not found";
  else if (!exists(cfg.peers_dir + "/node_modules")) d.skip = "run `npm ci` in " + cfg.peers_dir;
  return d;
}

}  // namespace mcpx::bench
