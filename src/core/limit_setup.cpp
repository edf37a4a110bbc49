#include "core/limit_setup.hpp"

#include <algorithm>
#include <mutex>
#include <set>
#include <stdexcept>

#include "limits/watched_store.hpp"
#include "limits_redis/redis_store.hpp"
#include "redis/client.hpp"

namespace mcpx::core {

namespace {

redis::options redis_options_of(const limit_redis_options& o) {
  redis::options r;
  r.url = o.url;
  r.password = o.password;
  r.ca_file = o.ca_file;
  r.command_timeout = o.command_timeout;
  r.pool_size = o.pool_size;
  // A connection is taken for dead after its oldest command waited this long: never sooner
  // than a command may take.
  r.stall_timeout = std::max(r.stall_timeout, o.command_timeout);
  return r;
}

// A cost class an offering declares (in code or by config) without a rate would go unlimited
// without anyone noticing: refused at start instead.
void check_classes(const limits::limiter_config& c, const protocol::registry& reg) {
  std::set<std::string> missing;
  auto need = [&](const access_policy& a) {
    if (!c.classes.contains(a.cost.name)) missing.insert(a.cost.name);
  };
  for (const auto& t : reg.tools()) need(t->access);
  for (const auto& r : reg.resources()) need(r->access);
  for (const auto& r : reg.templates()) need(r->access);
  for (const auto& p : reg.prompts()) need(p->access);
  if (missing.empty()) return;
  std::string names;
  for (const auto& m : missing) names += (names.empty() ? "" : ", ") + m;
  throw std::invalid_argument("mcpx: tool_costs.classes has no rate for the cost class(es) " + names +
                              " that offerings declare");
}

}  // namespace

// What the Redis store's readiness check, metrics and outage log share with limit_setup. The
// client exists from start() to stop() only: it must go before the io_context it runs on.
struct limit_setup::redis_part {
  redis::options opts;
  limits::redis_store* store = nullptr;  // owned by the limiter, which outlives every check

  std::mutex mu;
  std::shared_ptr<redis::client> client;
  std::shared_ptr<ops::logger> log;
  redis::stats last;  // the counters when the client went, so they do not drop to 0

  std::shared_ptr<redis::client> get() {
    std::lock_guard lock(mu);
    return client;
  }
  redis::stats counters() {
    std::lock_guard lock(mu);
    return client ? client->counters() : last;
  }
  std::shared_ptr<ops::logger> logger() {
    std::lock_guard lock(mu);
    return log;
  }
  // "2 of 2 connections ready", with the latest connection failure while any is down.
  std::string describe() {
    auto c = get();
    if (!c) return "redis: not connected (not started, or stopped)";
    auto s = c->status();
    std::string d = "redis: " + std::to_string(s.ready) + " of " + std::to_string(s.connections) + " connections ready";
    if (s.ready < s.connections && !s.last_error.empty()) d += "; last error: " + s.last_error;
    return d;
  }
  // One line when checks start failing and one when they answer again, never one per check.
  void on_change(bool failing, limits::store_error e, std::uint64_t failed) {
    auto l = logger();
    if (!l) return;
    if (!failing) {
      l->event(ops::level::info, "rate-limit store answering again",
               "after " + std::to_string(failed) + " failed checks; " + describe());
      return;
    }
    std::string detail = std::string(limits::name(e)) + "; ";
    detail += e == limits::store_error::protocol ? "answer: " + store->last_bad_reply() : describe();
    l->event(ops::level::warning, "rate-limit store failing (limits.on_store_error applies)", detail);
  }
};

limit_setup::limit_setup(const rate_limit_options& o, const protocol::registry& reg, transport::streamable_http& tr) {
  auto cfg = limits::limiter_config_of(o);
  if (auto e = limits::validate(cfg)) throw std::invalid_argument("mcpx: " + *e);
  check_classes(cfg, reg);
  if (o.use_redis) {
    redis_ = std::make_shared<redis_part>();
    redis_->opts = redis_options_of(o.redis);
    try {
      (void)redis::make_settings(redis_->opts);  // a bad URL stops start-up here, before any listener
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(std::string("mcpx: limits.") + e.what());
    }
    auto store = std::make_unique<limits::redis_store>(o.redis.key_prefix);
    redis_->store = store.get();
    auto watched = std::make_unique<limits::watched_store>(
        std::move(store),
        [r = redis_](bool failing, limits::store_error e, std::uint64_t failed) { r->on_change(failing, e, failed); });
    limiter_ = std::make_unique<limits::limiter>(std::move(cfg), std::move(watched));
  } else {
    auto mem = limits::make_memory_store({o.memory_max_keys, 64});
    memory_ = mem.get();
    limiter_ = std::make_unique<limits::limiter>(std::move(cfg), std::move(mem));
  }
  auto stage = std::make_unique<transport::limit_stage>(*limiter_, reg);
  stage_ = stage.get();
  bool has_scopes = false;
  for (const auto& s : tr.stages().stages()) has_scopes = has_scopes || s->name() == "scopes";
  tr.stages().insert_after(has_scopes ? "scopes" : "session", std::move(stage));
}

limit_setup::~limit_setup() { stop(); }

void limit_setup::start(boost::asio::any_io_executor ex, std::shared_ptr<ops::logger> log) {
  if (!redis_) return;
  std::shared_ptr<redis::client> c;
  try {
    c = redis::client::create(std::move(ex), redis_->opts);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("mcpx: limits.") + e.what());
  }
  c->start();
  {
    std::lock_guard lock(redis_->mu);
    redis_->client = c;
    redis_->log = std::move(log);
  }
  redis_->store->attach(std::move(c));
}

void limit_setup::stop() {
  if (!redis_) return;
  std::shared_ptr<redis::client> c;
  {
    std::lock_guard lock(redis_->mu);
    c = std::move(redis_->client);
    if (c) redis_->last = c->counters();
  }
  redis_->store->attach(nullptr);
  if (c) c->stop();  // checks in flight complete as unavailable; the client goes with the last of them
}

void limit_setup::publish(ops::health& h, ops::metrics& m) {
  const auto* s = stage_;
  m.add_family("mcpx_rate_limited_total",
               "Requests over a rate limit, by client tier, cost class (empty: the tier's limit) and tool.", "counter",
               [s] { return s->refusal_samples(); });
  m.add_family(
      "mcpx_rate_limit_store_errors_total", "Rate-limit checks the store could not answer, by error.", "counter", [s] {
        std::vector<ops::metrics::sample> out;
        for (auto e : {limits::store_error::unavailable, limits::store_error::timeout, limits::store_error::protocol})
          out.push_back({{{"error", limits::name(e)}}, double(s->store_failures(e))});
        return out;
      });
  m.add_reading("mcpx_rate_limit_failed_open_total",
                "Requests let through because the rate-limit store could not answer (limits.on_store_error).",
                "counter", [s] { return double(s->failed_open()); });
  m.add_reading("mcpx_rate_limit_shadow_limited_total",
                "Requests over a limit let through because limits.rate_limiting is shadow.", "counter",
                [s] { return double(s->shadow_limited()); });
  if (memory_)
    m.add_reading("mcpx_rate_limit_keys", "Clients and cost classes the memory store tracks.", "gauge",
                  [mem = memory_] { return double(mem->size()); });
  if (redis_) publish_redis(h, m);
}

void limit_setup::publish_redis(ops::health& h, ops::metrics& m) {
  // Read at request time: status() is a few atomic loads and one short lock.
  h.add_local_check("rate_limit_store", [r = redis_](std::string& detail) {
    detail = r->describe();
    auto c = r->get();
    return c && c->ready();
  });
  // The client's counters, labelled by client: the Redis stores will add their own.
  auto counter = [&m, r = redis_](const char* name, const char* help, std::uint64_t redis::stats::*field) {
    m.add_family(name, help, "counter", [r, field] {
      return std::vector<ops::metrics::sample>{{{{"client", "rate_limit"}}, double(r->counters().*field)}};
    });
  };
  counter("mcpx_redis_commands_total", "Commands sent to Redis (an EVAL after NOSCRIPT counts again).",
          &redis::stats::commands);
  counter("mcpx_redis_writes_total", "Socket writes to Redis: commands / writes is the pipelining at work.",
          &redis::stats::writes);
  counter("mcpx_redis_errors_total",
          "Redis commands that got no reply for a reason other than a timeout (not connected, connection lost, "
          "queue full).",
          &redis::stats::errors);
  counter("mcpx_redis_timeouts_total", "Redis commands that got no reply within the command timeout.",
          &redis::stats::timeouts);
  counter("mcpx_redis_error_replies_total", "Error replies from Redis (NOSCRIPT included).",
          &redis::stats::error_replies);
  counter("mcpx_redis_reconnects_total", "Redis connections that came back after a loss or a failure.",
          &redis::stats::reconnects);
  counter("mcpx_redis_connect_failures_total", "Redis connection attempts that failed (refused, TLS, AUTH, timeout).",
          &redis::stats::connect_failures);
  m.add_family("mcpx_redis_connections_ready", "Redis connections connected and authenticated.", "gauge", [r = redis_] {
    auto c = r->get();
    return std::vector<ops::metrics::sample>{{{{"client", "rate_limit"}}, c ? double(c->status().ready) : 0.0}};
  });
}

}  // namespace mcpx::core
