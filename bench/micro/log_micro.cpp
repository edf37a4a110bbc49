// One access-log line: what formatting a request's line costs (the access log is on by default).
// Run: build/bin/mcpx-micro --benchmark_filter=access_line
#include <benchmark/benchmark.h>

#include "ops/access_record.hpp"
#include "ops/log.hpp"

namespace {

mcpx::ops::access_record typical() {
  mcpx::ops::access_record r;
  r.time = std::chrono::system_clock::now();
  r.request_id = "3f9c2a7be41d0c56";
  r.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  r.http_method = "POST";
  r.target = "/mcp";
  r.remote = "127.0.0.1";
  r.session = "b3c1e0f6a9d24e7c8f1a2b3c4d5e6f70";
  r.client = "claude-code";
  r.protocol_version = "2025-11-25";
  r.rpc_method = "tools/call";
  r.name = "search_customers";
  r.rpc_id = "42";
  r.status = 200;
  r.latency = std::chrono::microseconds(187);
  return r;
}

void access_line(benchmark::State& state) {
  const auto r = typical();
  std::string out;
  for (auto _ : state) {
    out.clear();
    mcpx::ops::append_access_line(out, r);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
}
BENCHMARK(access_line);

}  // namespace
