#include "ops/health.hpp"

#include <boost/json.hpp>

namespace mcpx::ops {

namespace json = boost::json;

namespace {

http::response json_response(unsigned status, const json::value& body) {
  http::response r{static_cast<http::bhttp::status>(status), 11};
  r.set(http::bhttp::field::content_type, "application/json");
  r.set(http::bhttp::field::cache_control, "no-store");
  r.body() = json::serialize(body);
  return r;
}

}  // namespace

health::health(std::chrono::milliseconds interval) : interval_(interval) {}

health::~health() { stop(); }

void health::add_check(std::string name, check_fn fn) {
  results_.push_back({name});
  checks_.emplace_back(std::move(name), std::move(fn));
}

void health::add_local_check(std::string name, check_fn fn) { local_.emplace_back(std::move(name), std::move(fn)); }

void health::start() {
  if (checks_.empty() || prober_.joinable()) return;
  probe_all();  // the first answer should be a real one
  prober_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      cv_.wait_for(lock, interval_, [this] { return stopping_; });
      if (stopping_) break;
      lock.unlock();
      probe_all();
      lock.lock();
    }
  });
}

void health::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (prober_.joinable()) prober_.join();
}

void health::probe_all() {
  std::vector<result> fresh;
  for (auto& [name, fn] : checks_) {
    result r{name};
    try {
      r.detail.clear();
      r.ok = fn(r.detail);
    } catch (const std::exception& e) {
      r.ok = false;
      r.detail = e.what();
    }
    fresh.push_back(std::move(r));
  }
  std::lock_guard lock(mu_);
  results_ = std::move(fresh);
}

http::response health::liveness() const {
  auto up = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_).count();
  return json_response(200, json::object{{"status", "alive"}, {"uptime_seconds", up}});
}

http::response health::readiness() const {
  json::array checks;
  bool ready = true;
  auto add = [&](const std::string& name, bool ok, const std::string& detail) {
    ready = ready && ok;
    json::object c{{"name", name}, {"ok", ok}};
    if (!detail.empty()) c["detail"] = detail;
    checks.push_back(std::move(c));
  };
  add("draining", !draining(), draining() ? "shutting down: send new work elsewhere" : "");
  for (auto& [name, fn] : local_) {
    std::string detail;
    bool ok = false;
    try {
      ok = fn(detail);
    } catch (const std::exception& e) {
      detail = e.what();
    }
    add(name, ok, detail);
  }
  {
    std::lock_guard lock(mu_);
    for (auto& r : results_) add(r.name, r.ok, r.detail);
  }
  return json_response(ready ? 200 : 503,
                       json::object{{"status", ready ? "ready" : "not_ready"}, {"checks", std::move(checks)}});
}

}  // namespace mcpx::ops
