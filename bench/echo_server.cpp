// mcpx-bench-echo: the server the benchmark measures. Built on the public API only, and serving
// the same `echo` tool as the peers (bench/peers), so the comparison is tool for tool.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include <mcpx/server.hpp>

#include "shapes/shape_text.hpp"

namespace {

int usage() {
  std::cerr << "usage: mcpx-bench-echo --port N [--io-threads N] [--workers N] [--max-connections N]"
               " [--max-connections-per-address N] [--max-sessions N] [--log-level debug|info|warning|error] "
               "[--log-flush-ms N] "
               "[--echo-on io|worker] [--auth-issuer URL --auth-resource URL] [--limits memory|redis [--redis-url "
               "URL]] [--shapes] [--extra-tools N] [--page-size N]\n";
  return 2;
}

// --shapes: the payload shapes of the as-shipped issue, each run where `echo` runs.
void add_shapes(mcpx::server& srv, mcpx::execution where) {
  const auto text_input = mcpx::json::parse(
      R"({"type":"object","properties":{"text":{"type":"string"}},"required":["text"]})");
  for (auto [name, size] : {std::pair{"text_100k", mcpx::bench::shape_100k}, {"text_1m", mcpx::bench::shape_1m}}) {
    // Built once; each call copies it and writes its own text over the start, as the peer does.
    auto fill = std::make_shared<const std::string>(mcpx::bench::shape_fill(size));
    srv.tool(name)
        .description("Returns its text padded to a fixed size")
        .run_on(where)
        .input_schema(text_input)
        .handle([fill](const mcpx::args& a, mcpx::context&) {
          return mcpx::tool_result::text(mcpx::bench::shape_text(a.at("text").as_string(), *fill));
        });
  }
  srv.tool("progress_100")
      .description("Reports progress 100 times, then echoes its text")
      .run_on(where)
      .input_schema(text_input)
      .handle([](const mcpx::args& a, mcpx::context& ctx) {
        for (unsigned i = 1; i <= mcpx::bench::shape_progress_events; ++i)
          ctx.progress(i, mcpx::bench::shape_progress_events);
        return mcpx::tool_result::text(std::string(a.at("text").as_string()));
      });
}

// --extra-tools N: tools/list of a server with many tools, each with an input schema.
void add_extra_tools(mcpx::server& srv, unsigned n, mcpx::execution where) {
  const auto schema = mcpx::json::parse(mcpx::bench::extra_tool_schema);
  for (unsigned i = 0; i < n; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "tool_%03u", i);
    srv.tool(name)
        .description(std::string("Synthetic tool ") + name + " of the tools/list shape")
        .run_on(where)
        .input_schema(schema)
        .handle([](const mcpx::args&, mcpx::context&) { return mcpx::tool_result::text("ok"); });
  }
}

}  // namespace

int main(int argc, char** argv) {
  mcpx::options o;
  o.log_level = "warning";  // like the peers: no access line per request, failures still logged
  // echo never blocks, so it runs where the request was read; `worker` measures the pool hop.
  auto where = mcpx::execution::io_thread;
  std::string issuer, resource;   // both: auth on, tokens from that issuer for that audience
  std::string limits, redis_url;  // rate limits on, with limits no load reaches: the cost of a check
  bool shapes = false;            // off by default: the echo entries serve exactly one tool
  unsigned extra_tools = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--shapes") {
      shapes = true;
      continue;
    }
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
      else if (a == "--log-flush-ms") o.log_flush = std::chrono::milliseconds(std::stoul(v));
      else if (a == "--auth-issuer") issuer = v;
      else if (a == "--auth-resource") resource = v;
      else if (a == "--limits" && (v == "memory" || v == "redis")) limits = v;
      else if (a == "--redis-url") redis_url = v;
      else if (a == "--extra-tools") extra_tools = static_cast<unsigned>(std::stoul(v));
      else if (a == "--page-size") o.page_size = std::stoul(v);
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
  if (shapes) add_shapes(srv, where);
  add_extra_tools(srv, extra_tools, where);
  srv.run();
  return 0;
}
