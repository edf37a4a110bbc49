#include "ops/log.hpp"

#include <unistd.h>

#include <boost/json.hpp>
#include <ctime>

namespace mcpx::ops {

namespace json = boost::json;

namespace {

std::string iso_time(std::chrono::system_clock::time_point tp) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(tp.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(us / 1'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%06dZ", buf, static_cast<int>(us % 1'000'000));
  return out;
}

constexpr std::string_view level_names[] = {"debug", "info", "warning", "error"};

void put(json::object& o, std::string_view k, const std::string& v) {
  if (!v.empty()) o[k] = v;
}

}  // namespace

std::optional<level> parse_level(std::string_view s) {
  if (s == "debug") return level::debug;
  if (s == "info") return level::info;
  if (s == "warning" || s == "warn") return level::warning;
  if (s == "error") return level::error;
  return std::nullopt;
}

std::string access_line(const http::request_record& r) {
  json::object o;
  o["time"] = iso_time(r.time);
  o["level"] = r.status >= 500 ? "error" : r.status >= 400 ? "warning" : "info";
  o["msg"] = "request";
  put(o, "request_id", r.request_id);
  put(o, "trace_id", r.trace_id);
  o["http_method"] = r.http_method;
  o["path"] = r.target;
  put(o, "remote", r.remote);
  put(o, "session", r.session);
  put(o, "client", r.client);
  put(o, "protocol_version", r.protocol_version);
  put(o, "method", r.rpc_method);
  if (r.rpc_method == "tools/call") put(o, "tool", r.name);
  else put(o, "name", r.name);
  put(o, "rpc_id", r.rpc_id);
  o["status"] = r.status;
  put(o, "error_class", r.error_class);
  put(o, "error_code", r.error_code);
  o["latency_us"] = static_cast<std::int64_t>(r.latency.count());  // an integer: JSON doubles print as 6.9E0
  return json::serialize(o);
}

void logger::emit(std::string& line) {
  line += '\n';
  std::lock_guard lock(mu_);
  // One write per line so lines from several threads never interleave.
  const char* p = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    auto n = ::write(fd_, p, left);
    if (n <= 0) return;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

void logger::write(level l, std::string_view msg, std::string_view extra) {
  if (!enabled(l)) return;
  json::object o{{"time", iso_time(std::chrono::system_clock::now())},
                 {"level", level_names[static_cast<int>(l)]},
                 {"msg", msg}};
  std::string line = json::serialize(o);
  if (!extra.empty()) {
    line.pop_back();
    line += ',';
    line += extra;
    line += '}';
  }
  emit(line);
}

void logger::request(const http::request_record& r) {
  level l = r.status >= 500 ? level::error : r.status >= 400 ? level::warning : level::info;
  if (!enabled(l)) return;
  std::string line = access_line(r);
  emit(line);
}

}  // namespace mcpx::ops
