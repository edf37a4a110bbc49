#pragma once
// The fixture shared by the config tests: a temporary directory for files, and helpers that
// unwrap load()'s result.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "mcpx/config.hpp"

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using mcpx::config::error;
using mcpx::config::load;
using mcpx::config::settings;
using env_map = std::map<std::string, std::string>;

namespace config_test {

class config : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "mcpx-config-test-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string write(const std::string& name, const std::string& content) {
    auto p = (dir_ / name).string();
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }

  static settings ok(const std::variant<settings, error>& r) {
    if (auto* e = std::get_if<error>(&r)) {
      ADD_FAILURE() << "unexpected error: key=" << e->key << " message=" << e->message;
      return {};
    }
    return std::get<settings>(r);
  }
  static error err(const std::variant<settings, error>& r) {
    if (auto* e = std::get_if<error>(&r)) return *e;
    ADD_FAILURE() << "expected an error";
    return {};
  }

  fs::path dir_;
};

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace config_test

using config_test::config;
using config_test::contains;
