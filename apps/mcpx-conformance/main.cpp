// mcpx-conformance --listen 127.0.0.1:PORT
// Serves the conformance fixture at http://127.0.0.1:PORT/mcp.
#include <cstring>
#include <iostream>
#include <string>

#include "fixture.hpp"

namespace {

int usage() {
  std::cerr << "usage: mcpx-conformance [--listen HOST:PORT] [--io-threads N] [--workers N] [--log-level LEVEL]\n";
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

int main(int argc, char** argv) {
  mcpx::options opts;
  opts.port = 8000;
  // Task scenarios leave minute-long tasks running; give them room besides the other calls.
  opts.worker_threads = 16;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (a == "--listen") {
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
  try {
    server.run();
  } catch (const std::exception& e) {
    std::cerr << "mcpx-conformance: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
