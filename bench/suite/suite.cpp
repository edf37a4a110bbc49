#include "suite/suite.hpp"

#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include "load/load.hpp"
#include "suite/issuer.hpp"
#include "suite/local_redis.hpp"
#include "suite/memory.hpp"
#include "suite/open_loop.hpp"
#include "suite/process.hpp"
#include "suite/rounds.hpp"
#include "suite/scaling.hpp"
#include "suite/shapes.hpp"
#include "suite/stalls.hpp"

namespace mcpx::bench {

namespace json = boost::json;

namespace {

std::string read_file(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}

// The body nginx answers with is whatever its config returns: read it from there.
std::string fixed_body_of(const std::string& conf) {
  auto at = conf.find("return 200 '");
  if (at == std::string::npos) return {};
  at += 12;
  auto end = conf.find("';", at);
  return end == std::string::npos ? std::string() : conf.substr(at, end - at);
}

// The audience of the "mcpx-auth" entry's token: any https URI does, nothing resolves it.
const std::string bench_resource = "https://mcpx-bench.example/mcp";

// `issuer`: null when "mcpx-auth" is not wanted, or its issuer could not start (`issuer_failure`);
// `redis`: the same for "mcpx-limits-redis".
std::vector<server_def> define_servers(const suite_config& cfg, const local_issuer* issuer,
                                       const std::string& issuer_failure, const local_redis* redis,
                                       const std::string& redis_failure) {
  std::vector<server_def> defs;
  // "mcpx": echo on the I/O thread (it never blocks); "mcpx-pool": the default worker pool;
  // "mcpx-auth": "mcpx" requiring a bearer token, always the same one, so after the warm-up
  // every request is a hit of the verified-token cache.
  // "mcpx-limits": "mcpx" with rate limits enforced (memory store) at rates no load reaches;
  // "mcpx-limits-redis": the same on a Redis store (a redis-server of its own, on the servers' CPU);
  // "mcpx-shipped": the default configuration: the tool on the worker pool, an access line per
  // request at `info` on stderr (the suite sends a server's output to its log file);
  // "mcpx-log": "mcpx" (the I/O thread) with that access line: what the log alone costs.
  enum class kind { plain, pool, auth, limits, limits_redis, shipped, logged };
  auto mcpx = [&](std::string mode, protocol p, kind k = kind::plain) {
    const char* name = k == kind::pool           ? "mcpx-pool"
                       : k == kind::auth         ? "mcpx-auth"
                       : k == kind::limits       ? "mcpx-limits"
                       : k == kind::limits_redis ? "mcpx-limits-redis"
                       : k == kind::shipped      ? "mcpx-shipped"
                       : k == kind::logged       ? "mcpx-log"
                                                 : "mcpx";
    server_def d{name, std::move(mode), p, nullptr, {}, {}, {}};
    d.session_group = p == protocol::session;
    std::string issuer_url = issuer ? issuer->url() : "";
    std::string redis_url = redis ? redis->url() : "";
    d.argv = [&cfg, k, issuer_url, redis_url](unsigned short port) {
      std::vector<std::string> argv{cfg.echo_server,
                                    "--port",
                                    std::to_string(port),
                                    "--io-threads",
                                    std::to_string(cfg.mcpx_io_threads),
                                    "--workers",
                                    std::to_string(cfg.mcpx_workers),
                                    "--echo-on",
                                    k == kind::pool || k == kind::shipped ? "worker" : "io"};
      if (k == kind::shipped || k == kind::logged) argv.insert(argv.end(), {"--log-level", "info"});
      if (k == kind::auth) argv.insert(argv.end(), {"--auth-issuer", issuer_url, "--auth-resource", bench_resource});
      if (k == kind::limits) argv.insert(argv.end(), {"--limits", "memory"});
      if (k == kind::limits_redis) argv.insert(argv.end(), {"--limits", "redis", "--redis-url", redis_url});
      return argv;
    };
    if (!exists(cfg.echo_server)) d.skip = "mcpx-bench-echo not found at " + cfg.echo_server;
    else if (k == kind::auth && !issuer) d.skip = "no issuer: " + issuer_failure;
    else if (k == kind::limits_redis && !redis) d.skip = "no redis: " + redis_failure;
    else if (k == kind::limits_redis) d.sidecar = redis->pid();
    // A day: longer than any run, so the token never expires (nor leaves the cache) mid-run.
    else if (k == kind::auth) d.bearer = issuer->token(bench_resource, std::chrono::hours(24));
    return d;
  };
  auto node_peer = [&](std::string name, std::string script, std::string mode, protocol p) {
    server_def d{std::move(name), mode, p, nullptr, {}, {}, {}};
    d.session_group = p == protocol::session;
    std::string path = cfg.peers_dir + "/" + script;
    d.argv = [&cfg, path, mode](unsigned short port) {
      return std::vector<std::string>{cfg.node, path, "--port", std::to_string(port), "--mode", mode};
    };
    if (cfg.node.empty()) d.skip = "no node binary";
    else if (!exists(path)) d.skip = path + " not found";
    else if (!exists(cfg.peers_dir + "/node_modules")) d.skip = "run `npm ci` in " + cfg.peers_dir;
    return d;
  };
  defs.push_back(mcpx("stateless", protocol::modern));
  defs.push_back(mcpx("stateless", protocol::modern, kind::auth));
  defs.push_back(mcpx("stateless", protocol::modern, kind::limits));
  defs.push_back(mcpx("stateless", protocol::modern, kind::limits_redis));
  defs.push_back(mcpx("stateless", protocol::modern, kind::pool));
  defs.push_back(mcpx("stateless", protocol::modern, kind::logged));
  defs.push_back(node_peer("ts-sdk-2", "ts-sdk-2.mjs", "stateless", protocol::modern));
  // 1.x predates 2026-07-28: its stateless mode takes 2025-11-25 calls with no session.
  defs.push_back(node_peer("ts-sdk-1", "ts-sdk-1.mjs", "stateless", protocol::sessionless));
  // "nginx-log": the same with its access log on, as nginx ships (the combined format),
  // buffered; in both groups, so each mode's ratio to it comes from rounds next to it.
  auto nginx = [&](std::string name, bool access_log, bool session_group) {
    server_def ng{name, "fixed-200", protocol::fixed, nullptr, {}, {}, {}};
    ng.session_group = session_group;
    std::string tmpl = cfg.peers_dir + "/nginx.conf.in";
    if (!exists(cfg.nginx)) ng.skip = cfg.nginx + " not found (apt-get install nginx-light)";
    else if (!exists(tmpl)) ng.skip = tmpl + " not found";
    else {
      std::string prefix = cfg.work_dir + "/" + name + (session_group ? "-session" : "");
      ::mkdir(prefix.c_str(), 0755);
      ng.fixed_body = fixed_body_of(read_file(tmpl));
      if (ng.fixed_body.empty()) ng.skip = "no `return 200 '...';` in " + tmpl;
      ng.argv = [&cfg, prefix, tmpl, access_log](unsigned short port) {
        std::string conf = read_file(tmpl);
        replace_all(conf, "@ACCESS_LOG@", access_log ? "@PREFIX@/access.log combined buffer=64k flush=1s" : "off");
        replace_all(conf, "@PORT@", std::to_string(port));
        replace_all(conf, "@PREFIX@", prefix);
        std::ofstream(prefix + "/nginx.conf") << conf;
        return std::vector<std::string>{
            cfg.nginx, "-p", prefix + "/", "-c", prefix + "/nginx.conf", "-e", prefix + "/error.log"};
      };
    }
    return ng;
  };
  defs.push_back(nginx("nginx", false, false));
  defs.push_back(nginx("nginx-log", true, false));
  defs.push_back(mcpx("stateless", protocol::modern, kind::shipped));
  defs.push_back(mcpx("session", protocol::session));
  defs.push_back(mcpx("session", protocol::session, kind::auth));
  defs.push_back(mcpx("session", protocol::session, kind::limits));
  defs.push_back(mcpx("session", protocol::session, kind::limits_redis));
  defs.push_back(mcpx("session", protocol::session, kind::pool));
  defs.push_back(mcpx("session", protocol::session, kind::logged));
  defs.push_back(mcpx("session", protocol::session, kind::shipped));
  defs.push_back(nginx("nginx-log", true, true));
  defs.push_back(node_peer("ts-sdk-2", "ts-sdk-2.mjs", "session", protocol::session));
  defs.push_back(node_peer("ts-sdk-1", "ts-sdk-1.mjs", "session", protocol::session));
  return defs;
}

void print_group(const std::string& title, const std::vector<series>& g) {
  std::printf("\n%s\n", title.c_str());
  std::printf("  %-17s %-10s %10s %8s %8s %9s %10s %9s %7s\n", "server", "mode", "req/s", "p50 ms", "p99 ms",
              "p99.9 ms", "CPU s/10k", "peak MiB", "errors");
  for (auto& s : g) {
    if (s.samples.empty()) {
      std::printf("  %-17s %-10s %s\n", s.def.name.c_str(), s.def.mode.c_str(), s.failure.c_str());
      continue;
    }
    std::uint64_t errors = 0;
    for (auto& x : s.samples) errors += x.errors;
    std::printf("  %-17s %-10s %10s %8.3f %8.3f %9.3f %10.3f %9.1f %7llu\n", s.def.name.c_str(), s.def.mode.c_str(),
                thousands(median_of(s.samples, [](auto& x) { return x.rps; })).c_str(),
                median_of(s.samples, [](auto& x) { return x.p50_ms; }),
                median_of(s.samples, [](auto& x) { return x.p99_ms; }),
                median_of(s.samples, [](auto& x) { return x.p999_ms; }),
                median_of(s.samples, [](auto& x) { return x.cpu_per_10k; }), static_cast<double>(s.peak_rss_kib) / 1024,
                static_cast<unsigned long long>(errors));
  }
}

json::object to_json(const memory_result& m) {
  json::array pts;
  for (auto& p : m.points)
    pts.push_back(json::object{{"count", p.count}, {"kib_each", p.kib_each}, {"rss_kib", p.rss_kib}});
  json::object o{{"what", m.what}, {"baseline_rss_kib", m.baseline_rss_kib}, {"points", pts}, {"held", m.held}};
  if (!m.error.empty()) o["error"] = m.error;
  return o;
}

std::string cpu_model() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

void print_stalls(const char* when, const stall_report& r) {
  std::printf("machine stops %s: one busy thread per CPU for %.0f s was stopped %u times over 5 ms, longest %.1f ms\n",
              when, r.seconds, r.over_5ms(), r.max_ms());
  std::fflush(stdout);
}

std::string utc_stamp(const char* format) {
  std::time_t t = std::time(nullptr);
  char buf[64];
  std::strftime(buf, sizeof buf, format, std::gmtime(&t));
  return buf;
}

}  // namespace

int run_suite(suite_config cfg) {
  if (cfg.work_dir.empty()) {
    char tmpl[] = "/tmp/mcpx-bench-XXXXXX";
    if (!::mkdtemp(tmpl)) {
      std::cerr << "mcpx-bench: cannot create a work directory in /tmp\n";
      return 1;
    }
    cfg.work_dir = tmpl;
  } else {
    ::mkdir(cfg.work_dir.c_str(), 0755);  // a given one may not exist yet
  }
  if (cfg.results_dir.empty()) cfg.results_dir = cfg.work_dir;
  long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  if (cpus < 2) cfg.pin = false;
  if (cfg.pin) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(1, &set);
    ::sched_setaffinity(0, sizeof set, &set);  // this thread generates the load; servers get CPU 0
  }
  long fds = raise_fd_limit();
  bool all_ok = true;
  auto wanted = [&](const server_def& d) { return cfg.only.empty() || cfg.only.count(d.name); };
  // Started before any server, kept for the whole run: the servers refetch its keys now and then.
  std::unique_ptr<local_issuer> issuer;
  std::string issuer_failure;
  if (wanted(server_def{"mcpx-auth", "", protocol::modern, nullptr, {}, {}, {}})) try {
      issuer = std::make_unique<local_issuer>();
    } catch (const std::exception& e) {
      issuer_failure = e.what();
    }
  // The same for Redis, pinned with the servers: its work is the limited server's work.
  std::unique_ptr<local_redis> redis;
  std::string redis_failure;
  if (wanted(server_def{"mcpx-limits-redis", "", protocol::modern, nullptr, {}, {}, {}})) try {
      redis = std::make_unique<local_redis>(cfg.redis_server, cfg.work_dir, server_cpu(cfg));
    } catch (const std::exception& e) {
      redis_failure = e.what();
    }
  auto defs = define_servers(cfg, issuer.get(), issuer_failure, redis.get(), redis_failure);
  std::vector<server_def> stateless, session;
  for (auto& d : defs)
    if (wanted(d)) (d.session_group ? session : stateless).push_back(d);

  std::printf("mcpx-bench suite  %s  %ld CPUs (%s)\n", utc_stamp("%Y-%m-%dT%H:%M:%SZ").c_str(), cpus,
              cpu_model().c_str());
  std::string counts;
  for (auto n : cfg.connection_counts) counts += (counts.empty() ? "" : ", ") + std::to_string(n);
  // The payload shapes have their own connection counts (shown with each table).
  if (!runs_section(cfg, "echo")) counts = "each section's";
  std::printf("%u alternating rounds of %.1f s (+%.1f s warm-up) per server at %s connections, closed loop; %s\n",
              cfg.runs, cfg.duration.count() / 1000.0, cfg.warmup.count() / 1000.0, counts.c_str(),
              cfg.pin ? "servers pinned to CPU 0, load generator to CPU 1 (scaling: unpinned)" : "no CPU pinning");
  std::fflush(stdout);
  // How much this machine stops busy threads, before and after the measurements: the context of
  // every tail latency below (suite/stalls.hpp).
  std::vector<stall_report> stalls;
  auto probe = [&](const char* when) {
    stalls.push_back(probe_stalls(cfg.smoke ? std::chrono::milliseconds(1000) : std::chrono::milliseconds(10000),
                                  cfg.pin ? 2u : 1u, cfg.pin));
    print_stalls(when, stalls.back());
  };
  probe("before");

  // Every server at every connection count, both protocol groups; servers start fresh each time.
  struct at_count {
    unsigned connections;
    std::vector<series> stateless, session;
  };
  std::vector<at_count> measured;
  for (auto n : cfg.connection_counts) {
    if (!runs_section(cfg, "echo")) break;
    at_count m{n, {}, {}};
    std::cerr << "tools/call echo, 2026-07-28 stateless, " << n << " connections\n";
    m.stateless = run_group(cfg, n, stateless, all_ok);
    std::cerr << "tools/call echo, 2025-11-25 session, " << n << " connections\n";
    m.session = run_group(cfg, n, session, all_ok);
    measured.push_back(std::move(m));
  }
  // The targets are stated at one count; without it, the open loop uses the first count.
  const at_count* target = measured.empty() ? nullptr : &measured.front();
  for (auto& m : measured)
    if (m.connections == cfg.target_connections) target = &m;

  // Open loop at half of a server's peak: what latency looks like with headroom. "mcpx" is the
  // benchmark issue's target; "mcpx-shipped", in both modes, that of the as-shipped issue.
  std::vector<open_run> opens;
  for (auto [name, in_session] : {std::pair{"mcpx", false}, {"mcpx-shipped", false}, {"mcpx-shipped", true}}) {
    if (!target) break;
    auto& group = in_session ? target->session : target->stateless;
    auto* m = find(group, name);
    if (!m || m->samples.empty()) continue;
    opens.push_back(run_open_loop(cfg, *m, find(group, "nginx-log"), target->connections, all_ok));
  }
  json::object open_loop;  // "mcpx" stateless, as before
  json::array open_loops;
  for (auto& o : opens) {
    open_loops.push_back(to_json(o));
    if (o.server == "mcpx") open_loop = to_json(o);
  }

  shapes_run shapes;
  if (runs_section(cfg, "shapes")) shapes = run_shapes(cfg, wanted, all_ok);
  scaling_run scaling;
  if (runs_section(cfg, "scaling")) scaling = run_scaling(cfg, wanted, all_ok);

  // Memory, each on a fresh server so one measurement's garbage is not the next one's baseline.
  std::vector<memory_result> memory;
  if (runs_section(cfg, "memory") && wanted(server_def{"mcpx", "", protocol::modern, nullptr, {}, {}, {}}) &&
      exists(cfg.echo_server)) {
    unsigned most = cfg.memory_counts.empty() ? 0
                                              : *std::max_element(cfg.memory_counts.begin(), cfg.memory_counts.end());
    if (fds < static_cast<long>(most) + 100)
      std::cerr << "mcpx-bench: the open-file limit (" << fds << ") is below " << most << " streams\n";
    for (int which = 0; which < 2 && most > 0; ++which) {
      server_def d{"mcpx", which ? "listen" : "sessions", protocol::modern, nullptr, {}, {}, {}};
      d.argv = [&cfg, most](unsigned short port) {
        return std::vector<std::string>{cfg.echo_server, "--port", std::to_string(port), "--max-connections",
                                        std::to_string(most + 100),
                                        // every stream comes from 127.0.0.1
                                        "--max-connections-per-address", "0", "--max-sessions",
                                        std::to_string(most + 100)};
      };
      std::string failure;
      auto r = start(cfg, d, failure);
      if (!r) {
        memory.push_back({which ? "listen streams" : "idle sessions", 0, {}, false, failure});
        all_ok = false;
        continue;
      }
      memory.push_back(which ? measure_listen_streams(r->proc.pid, r->port, cfg.memory_counts)
                             : measure_idle_sessions(r->proc.pid, r->port, cfg.memory_counts));
      stop(r->proc);
      if (!memory.back().error.empty() || !memory.back().held) all_ok = false;
    }
  }

  // The report.
  for (auto& m : measured) {
    auto at = ", " + std::to_string(m.connections) + " connections";
    print_group(
        "tools/call echo, stateless: 2026-07-28 (ts-sdk-1: 2025-11-25 without a session; nginx: a fixed 200 answer)" +
            at,
        m.stateless);
    print_group("tools/call echo, 2025-11-25 session (initialize once per connection)" + at, m.session);
  }
  json::array ratios;
  if (!measured.empty())
    std::printf("\nratios (median of per-round ratios; targets from the benchmark issue, at %u connections)\n",
                cfg.target_connections);
  struct ratio_def {
    const char* label;
    bool session;
    const char* server;
    const char* peer;
    double goal;
  };
  for (auto& m : measured)
    for (auto t : {ratio_def{"mcpx / ts-sdk-2, stateless", false, "mcpx", "ts-sdk-2", 10.0},
                   ratio_def{"mcpx / ts-sdk-1, stateless", false, "mcpx", "ts-sdk-1", 0.0},
                   ratio_def{"mcpx / nginx fixed 200", false, "mcpx", "nginx", 0.60},
                   ratio_def{"mcpx auth on / off, stateless", false, "mcpx-auth", "mcpx", 0.90},
                   ratio_def{"mcpx limits on / off, stateless", false, "mcpx-limits", "mcpx", 0.95},
                   ratio_def{"mcpx limits redis / off, stateless", false, "mcpx-limits-redis", "mcpx", 0.0},
                   ratio_def{"mcpx / ts-sdk-2, session", true, "mcpx", "ts-sdk-2", 10.0},
                   ratio_def{"mcpx / ts-sdk-1, session", true, "mcpx", "ts-sdk-1", 0.0},
                   ratio_def{"mcpx auth on / off, session", true, "mcpx-auth", "mcpx", 0.90},
                   ratio_def{"mcpx limits on / off, session", true, "mcpx-limits", "mcpx", 0.95},
                   ratio_def{"mcpx limits redis / off, session", true, "mcpx-limits-redis", "mcpx", 0.0},
                   ratio_def{"nginx access log on / off", false, "nginx-log", "nginx", 0.0},
                   ratio_def{"mcpx access log on / off, stateless", false, "mcpx-log", "mcpx", 0.90},
                   ratio_def{"mcpx access log on / off, session", true, "mcpx-log", "mcpx", 0.90},
                   ratio_def{"mcpx as shipped / nginx-log, stateless", false, "mcpx-shipped", "nginx-log", 0.50},
                   ratio_def{"mcpx as shipped / nginx-log, session", true, "mcpx-shipped", "nginx-log", 0.50},
                   ratio_def{"mcpx as shipped / pool, stateless", false, "mcpx-shipped", "mcpx-pool", 0.0},
                   ratio_def{"mcpx as shipped / pool, session", true, "mcpx-shipped", "mcpx-pool", 0.0}}) {
      auto& group = t.session ? m.session : m.stateless;
      auto* a = find(group, t.server);
      auto* b = find(group, t.peer);
      if (!a || !b) continue;
      auto r = ratio(*a, *b);
      if (!r) continue;
      bool targeted = t.goal > 0 && m.connections == cfg.target_connections;
      json::object o{{"label", t.label}, {"connections", m.connections}, {"ratio", *r}};
      if (targeted) o["target"] = t.goal;
      auto quiet = targeted ? unstolen_ratio(*a, *b) : std::nullopt;
      if (quiet) {
        o["ratio_unstolen"] = quiet->first;
        o["unstolen_pairs"] = quiet->second;
      }
      ratios.push_back(std::move(o));
      if (targeted)
        std::printf("  x%-4u %-40s %7.2fx   target >= %.2fx  %s\n", m.connections, t.label, *r, t.goal,
                    *r >= t.goal ? "met" : "MISSED");
      else std::printf("  x%-4u %-40s %7.2fx\n", m.connections, t.label, *r);
      if (quiet)
        std::printf("         over the %zu of %zu round pairs the host left alone (under 1%% stolen): %.2fx\n",
                    quiet->second, std::min(a->samples.size(), b->samples.size()), quiet->first);
    }
  for (auto& o : opens) print(o);
  json::array memory_json;
  for (auto& m : memory) {
    memory_json.push_back(to_json(m));
    std::printf("\nmemory, %s (mcpx, RSS growth over a fresh server's %ld KiB)\n", m.what.c_str(), m.baseline_rss_kib);
    for (auto& p : m.points)
      std::printf("  %6u held: %8.2f KiB each (RSS %ld KiB)%s\n", p.count, p.kib_each, p.rss_kib,
                  m.what == "idle sessions"
                      ? (p.kib_each <= 4.0 ? "   target <= 4 KiB  met" : "   target <= 4 KiB  MISSED")
                      : "");
    if (!m.error.empty()) std::printf("  stopped: %s\n", m.error.c_str());
    std::printf("  all still served at the end: %s\n", m.held ? "yes" : "NO");
  }

  print(shapes);
  print(scaling);
  probe("after");
  json::array stalls_json;
  for (auto& x : stalls) stalls_json.push_back(to_json(x));

  json::array groups;
  for (auto& m : measured)
    for (auto* g : {&m.stateless, &m.session})
      for (auto& s : *g) groups.push_back(to_json(s));
  utsname u{};
  ::uname(&u);
  const char* git = std::getenv("MCPX_BENCH_GIT");
  json::object doc{{"when", utc_stamp("%Y-%m-%dT%H:%M:%SZ")},
                   {"git", git ? git : ""},
                   {"smoke", cfg.smoke},
                   {"machine",
                    json::object{{"cpus", cpus}, {"cpu", cpu_model()}, {"kernel", u.release}, {"stalls", stalls_json}}},
                   {"config", json::object{{"runs", cfg.runs},
                                           {"duration_s", cfg.duration.count() / 1000.0},
                                           {"warmup_s", cfg.warmup.count() / 1000.0},
                                           {"prime_s", cfg.prime.count() / 1000.0},
                                           {"connections", json::value_from(cfg.connection_counts)},
                                           {"target_connections", cfg.target_connections},
                                           {"pinned", cfg.pin},
                                           {"mcpx_io_threads", cfg.mcpx_io_threads},
                                           {"mcpx_workers", cfg.mcpx_workers},
                                           {"sections", json::value_from(cfg.sections)}}},
                   {"servers", groups},
                   {"ratios", ratios},
                   {"open_loop", open_loop},
                   {"open_loops", open_loops},
                   {"memory", memory_json}};
  // Only the sections that ran: an absent key is a section not run, not one that measured nothing.
  if (runs_section(cfg, "shapes")) doc["payload_shapes"] = to_json(shapes);
  if (runs_section(cfg, "scaling")) doc["scaling"] = to_json(scaling);
  ::mkdir(cfg.results_dir.c_str(), 0755);
  // A run of some sections only is named after them, so it is never taken for a full run.
  std::string suffix;
  for (auto& x : cfg.sections) suffix += "-" + x;
  std::string out = cfg.results_dir + "/" + utc_stamp("%Y%m%dT%H%M%SZ") + suffix + (cfg.smoke ? "-smoke" : "") +
                    ".json";
  std::ofstream(out) << json::serialize(doc) << "\n";
  // One check per server run, open-loop run and memory measurement, counted like the other test steps.
  unsigned passed = 0, failed = 0;
  for (auto& m : measured)
    for (auto* g : {&m.stateless, &m.session})
      for (auto& s : *g) {
        bool good = !s.samples.empty();
        for (auto& x : s.samples) good = good && x.errors == 0 && x.ok > 0;
        (good ? passed : failed)++;
      }
  std::vector<const series*> newer;
  for (auto& g : shapes.groups)
    for (auto& s : g.servers) newer.push_back(&s);
  for (auto& s : scaling.servers) newer.push_back(&s);
  for (auto* s : newer) {
    bool good = !s->samples.empty();
    for (auto& x : s->samples) good = good && x.errors == 0 && x.ok > 0;
    (good ? passed : failed)++;
  }
  for (auto& o : opens) (o.errors() == 0 && !o.rounds.empty() ? passed : failed)++;
  for (auto& m : memory) (m.error.empty() && m.held ? passed : failed)++;
  std::printf("\nresults: %s\nlogs: %s\n%s\nbench: %u passed, %u failed\n", out.c_str(), cfg.work_dir.c_str(),
              all_ok ? "every server ran and every answer was right"
                     : "FAILED: a server did not run, or gave a wrong answer (see above)",
              passed, failed);
  return all_ok ? 0 : 1;
}

}  // namespace mcpx::bench
