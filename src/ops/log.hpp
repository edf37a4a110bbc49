#pragma once
// Structured JSON logs: one line per event, one line per request (the access log).
// Lines never carry tokens, secrets or bodies: only the fields named here.
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "http/types.hpp"

namespace mcpx::ops {

enum class level { debug = 0, info = 1, warning = 2, error = 3, off = 4 };
/// "debug", "info", "warning" (or "warn"), "error", "off"; anything else is nullopt.
std::optional<level> parse_level(std::string_view s);

class logger {
 public:
  explicit logger(level min = level::info, int fd = 2) : min_(min), fd_(fd) {}
  bool enabled(level l) const noexcept { return l >= min_; }
  /// Writes one line: {"time","level","msg", ...extra}. `extra` is a JSON object's members
  /// without the braces (may be empty).
  void write(level l, std::string_view msg, std::string_view extra_members = {});
  /// The access-log line for one request.
  void request(const http::request_record& r);

 private:
  void emit(std::string& line);
  level min_;
  int fd_;
  std::mutex mu_;
};

/// The access-log line (exposed for tests).
std::string access_line(const http::request_record& r);
/// Appends the access-log line to `out`.
void append_access_line(std::string& out, const http::request_record& r);

}  // namespace mcpx::ops
