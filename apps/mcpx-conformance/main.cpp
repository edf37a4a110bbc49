// mcpx-conformance --listen 127.0.0.1:PORT
// Serves the conformance fixture at http://127.0.0.1:PORT/mcp.
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include <mcpx/config.hpp>

#include "fixture.hpp"
#include "recording_state.hpp"

namespace {

int usage() {
  std::cerr << "usage: mcpx-conformance [--config FILE] [--listen HOST:PORT] [--io-threads N] [--workers N]"
               " [--log-level LEVEL] [--recording-state FILE]\n"
               "  settings: FILE (YAML), then MCPX_* environment variables, then these flags\n";
  return 2;
}

bool parse_listen(const std::string& v, mcpx::options& o) {
  auto colon = v.rfind(':');
  if (colon == std::string::npos) return false;
  std::string host = v.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  try {
    int port = std::stoi(v.substr(colon + 1));
    if (port < 0 || port > 65535) return false;
    o.port = static_cast<unsigned short>(port);
  } catch (...) {
    return false;
  }
  o.address = host;
  return true;
}

}  // namespace

// The config file comes first; flags given on the command line win over it.
std::string config_path(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--config") return argv[i + 1];
  return {};
}

int main(int argc, char** argv) {
  auto loaded = mcpx::config::load(config_path(argc, argv), mcpx::config::process_environment());
  if (auto* err = std::get_if<mcpx::config::error>(&loaded)) {
    std::cerr << "mcpx-conformance: bad configuration: " << err->message << '\n';
    return 2;
  }
  auto& settings = std::get<mcpx::config::settings>(loaded);
  for (auto& w : settings.warnings)
    std::cerr << "{\"level\":\"warning\",\"msg\":\"config\",\"detail\":\"" << w << "\"}\n";
  mcpx::options opts = settings.server;
  // Task scenarios leave minute-long tasks running; give them room besides the other calls.
  if (opts.worker_threads < 16) opts.worker_threads = 16;
  std::string recording_file;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (a == "--config") {
      ++i;  // read above
    } else if (a == "--listen") {
      const char* v = value();
      if (!v || !parse_listen(v, opts)) return usage();
    } else if (a == "--io-threads") {
      const char* v = value();
      if (!v) return usage();
      opts.io_threads = static_cast<unsigned>(std::stoul(v));
    } else if (a == "--log-level") {
      const char* v = value();
      if (!v) return usage();
      opts.log_level = v;
    } else if (a == "--workers") {
      const char* v = value();
      if (!v) return usage();
      opts.worker_threads = static_cast<unsigned>(std::stoul(v));
    } else if (a == "--recording-state") {
      const char* v = value();
      if (!v) return usage();
      recording_file = v;
    } else {
      return usage();
    }
  }
  mcpx::server server({"mcp-conformance-test-server", "1.0.0", "mcpx conformance fixture", ""}, opts);
  fixture::add_content_tools(server);
  fixture::add_input_tools(server);
  fixture::add_resources(server);
  fixture::add_prompts(server);
  fixture::add_task_tools(server);
  std::unique_ptr<fixture::recording_state> recording;
  if (!recording_file.empty()) {
    recording = std::make_unique<fixture::recording_state>(opts.session_idle_timeout, opts.max_sessions);
    server.use_state(recording->backends());
  }
  try {
    server.run();
  } catch (const std::exception& e) {
    std::cerr << "mcpx-conformance: " << e.what() << '\n';
    return 1;
  }
  if (recording) std::ofstream(recording_file, std::ios::app) << recording->report();  // one line per run
  return 0;
}
