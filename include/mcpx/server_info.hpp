#pragma once
/// @file Who the server says it is (serverInfo, instructions). A plain value, fixed at start.
#include <string>

namespace mcpx {

struct server_info {
  server_info(std::string name_ = "mcpx", std::string version_ = "0.1.0", std::string title_ = {},
              std::string instructions_ = {})
      : name(std::move(name_)),
        version(std::move(version_)),
        title(std::move(title_)),
        instructions(std::move(instructions_)) {}
  std::string name;
  std::string version;
  std::string title;
  std::string instructions;
};

}  // namespace mcpx
