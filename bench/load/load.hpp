#pragma once
// The load generator: many keep-alive connections, each sending one MCP request at a time,
// closed loop (as fast as answers come) or open loop (at a fixed total rate, latency measured
// from when each request was due, so a stalled server cannot hide its queueing).
#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "load/checks.hpp"
#include "load/histogram.hpp"

namespace mcpx::bench {

enum class protocol {
  modern,       ///< 2026-07-28 stateless tools/call (no initialize)
  session,      ///< 2025-11-25: initialize once per connection, then tools/call with Mcp-Session-Id
  sessionless,  ///< 2025-11-25 tools/call with no initialize and no session (TS SDK 1.x stateless)
  fixed,        ///< the same bytes as `modern`, to an HTTP server answering a fixed body (nginx)
};

protocol parse_protocol(const std::string& s);  // throws std::invalid_argument
const char* to_string(protocol p);

struct load_config {
  std::string host = "127.0.0.1";
  unsigned short port = 0;
  std::string path = "/mcp";
  protocol proto = protocol::modern;
  std::string tool = "echo";  ///< the tool of shape::echo
  /// What each request is; for tools_list one "request" is the whole listing, every page.
  bench::shape shape = bench::shape::echo;
  std::size_t expect_tools = 0;  ///< shape::tools_list: exactly this many tools over all pages
  std::string bearer;            ///< sent as Authorization: Bearer when not empty
  unsigned connections = 64;
  unsigned threads = 1;
  std::chrono::milliseconds warmup{1000};
  std::chrono::milliseconds duration{5000};
  double rate = 0;         ///< total requests/s for open loop; 0: closed loop
  std::string fixed_body;  ///< protocol::fixed: the body every answer must equal
  /// When not empty, one line per counted answer is written there: when it was due, sent and
  /// done, in ns from the start (to see a stall, and whose it was: the sender's or the server's).
  std::string trace_path;
};

struct load_result {
  std::uint64_t ok = 0;      ///< answers completed and checked inside the measured window
  std::uint64_t errors = 0;  ///< wrong, failed or late answers (any time after warm-up)
  std::map<std::string, std::uint64_t> error_kinds;
  std::string first_error;  ///< one example, with the offending bytes
  histogram latency;        ///< nanoseconds, successful answers in the window
  double seconds = 0;       ///< length of the measured window
  double rps() const { return seconds > 0 ? static_cast<double>(ok) / seconds : 0; }
};

/// Runs one measurement. Never throws for server misbehaviour: that is counted in errors.
load_result run_load(const load_config& cfg);

}  // namespace mcpx::bench
