// mcpx-bench-echo: the server the benchmark measures. Built on the public API only, and serving
// the same `echo` tool as the peers (bench/peers), so the comparison is tool for tool.
#include <cstdlib>
#include <iostream>
#include <string>

#include <mcpx/server.hpp>

namespace {

int usage() {
  std::cerr << "usage: mcpx-bench-echo --port N [--io-threads N] [--workers N] [--max-connections N]"
               " [--max-connections-per-address N] [--max-sessions N] [--log-level debug|info|warning|error] "
               "[--echo-on io|worker] [--auth-issuer URL --auth-resource URL] [--limits memory|redis [--redis-url "
               "URL]]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  mcpx::options o;
  o.log_level = "warning";  // like the peers: no access line per request, failures still logged
  // echo never blocks, so it runs where the request was read; `worker` measures the pool hop.
  auto where = mcpx::execution::io_thread;
  std::string issuer, resource;   // both: auth on, tokens from that issuer for that audience
  std::string limits, redis_url;  // rate limits on, with limits no load reaches: the cost of a check
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) return usage();
    std::string v = argv[++i];
    try {
      if (a == "--port") o.port = static_cast<unsigned short>(std::stoul(v));
      else if (a == "--io-threads") o.io_threads = static_cast<unsigned>(std::stoul(v));
      else if (a == "--workers") o.worker_threads = static_cast<unsigned>(std::stoul(v));
      else if (a == "--max-connections") o.max_connections = std::stoul(v);
      else if (a == "--max-connections-per-address") o.max_connections_per_address = std::stoul(v);
      else if (a == "--max-sessions") o.max_sessions = std::stoul(v);
      else if (a == "--log-level") o.log_level = v;
      else if (a == "--auth-issuer") issuer = v;
      else if (a == "--auth-resource") resource = v;
      else if (a == "--limits" && (v == "memory" || v == "redis")) limits = v;
      else if (a == "--redis-url") redis_url = v;
      else if (a == "--echo-on" && (v == "io" || v == "worker"))
        where = v == "io" ? mcpx::execution::io_thread : mcpx::execution::worker_pool;
      else return usage();
    } catch (const std::exception&) {
      return usage();
    }
  }
  if (issuer.empty() != resource.empty()) return usage();
  if (!issuer.empty()) {
    o.auth.issuers = {{issuer, {}}};
    o.auth.resource = resource;
  }
  if (!limits.empty()) {
    // Every request is checked (tier, then the tool's class) and admitted: the largest rates.
    o.rate_limits.mode = mcpx::limit_mode::enforce;
    const mcpx::rate_limit most{mcpx::limits::max_requests_per_minute, mcpx::limits::max_burst};
    o.rate_limits.tiers = {{"development", most}};
    o.rate_limits.classes = {{"read", most}};
    o.rate_limits.use_redis = limits == "redis";
    if (!redis_url.empty()) o.rate_limits.redis.url = redis_url;
  }
  mcpx::server srv({"mcpx-bench-echo", "1.0.0"}, o);
  srv.tool("echo")
      .description("Echoes its text")
      .run_on(where)
      .input_schema(
          mcpx::json::parse(R"({"type":"object","properties":{"text":{"type":"string"}},"required":["text"]})"))
      .handle([](const mcpx::args& a, mcpx::context&) {
        return mcpx::tool_result::text(std::string(a.at("text").as_string()));
      });
  srv.run();
  return 0;
}
