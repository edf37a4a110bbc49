// mcpx::server: the public facade. Owns the registry, the transport and the HTTP listener.
#include "mcpx/server.hpp"

#include <algorithm>
#include <csignal>
#include <iostream>
#include <thread>

#include "core/allocator.hpp"
#include "core/auth_setup.hpp"
#include "core/limit_setup.hpp"
#include "http/server.hpp"
#include "ops/health.hpp"
#include "ops/log.hpp"
#include "ops/metrics.hpp"
#include "ops/router.hpp"
#include "protocol/registry.hpp"
#include "transport/refusals.hpp"
#include "transport/streamable_http.hpp"

namespace mcpx {

namespace net = boost::asio;

struct server::impl {
  server_info info;
  options opts;
  protocol::registry reg;
  std::shared_ptr<transport::streamable_http> transport;
  std::unique_ptr<ops::health> health = std::make_unique<ops::health>();
  std::shared_ptr<ops::logger> log;
  std::shared_ptr<ops::metrics> metrics = std::make_shared<ops::metrics>();
  std::unique_ptr<http::server> http;
  std::unique_ptr<http::server> metrics_http;  // when options::metrics_port is set
  std::unique_ptr<net::steady_timer> expiry_timer;
  state::backends state;
  std::unique_ptr<core::auth_setup> auth;     // when options::auth has issuers
  std::unique_ptr<core::limit_setup> limits;  // when options::rate_limits is on
};

server::server(server_info info, options opts) : impl_(std::make_unique<impl>()) {
  impl_->info = std::move(info);
  impl_->opts = std::move(opts);
}

server::~server() { stop(); }

tool_builder server::tool(std::string name) { return tool_builder(&impl_->reg.add_tool(std::move(name))); }
resource_builder server::resource(std::string uri, std::string name) {
  return resource_builder(&impl_->reg.add_resource(std::move(uri), std::move(name), false));
}
resource_builder server::resource_template(std::string t, std::string name) {
  return resource_builder(&impl_->reg.add_resource(std::move(t), std::move(name), true));
}
prompt_builder server::prompt(std::string name) { return prompt_builder(&impl_->reg.add_prompt(std::move(name))); }

namespace {

// Each part gets its own settings, derived once from the user's options.
transport::transport_config transport_config_of(const options& o) {
  transport::transport_config t;
  t.endpoint = o.endpoint;
  t.origin = {o.allowed_hosts, o.allowed_origins};
  t.sessions = {o.session_idle_timeout, o.max_sessions, o.session_record_bytes};
  t.workers = {o.worker_threads, o.worker_queue_limit, o.worker_short_call};
  t.sse_retry = o.sse_retry;
  t.task_after = o.task_after;
  t.tool_timeout = o.tool_timeout;
  auto& p = t.protocol;
  p.page_size = o.page_size;
  p.filter_lists = o.auth.enabled() && o.auth.list_filtering;
  p.list_ttl = o.list_ttl;
  p.state_secret = o.state_secret;
  p.request_state_ttl = o.request_state_ttl;
  p.task_ttl = o.task_ttl;
  p.task_poll_interval = o.task_poll_interval;
  p.client_request_timeout = o.client_request_timeout;
  return t;
}

state::backends with_memory_defaults(state::backends b, const options& o) {
  if (!b.sessions)
    b.sessions = state::make_memory_session_store(
        o.session_idle_timeout, {o.max_sessions, o.session_record_bytes, o.sessions_total_bytes, o.max_subscriptions});
  if (!b.events) {
    state::event_limits el;
    el.max_session_bytes = o.event_session_bytes;
    el.max_total_bytes = o.events_total_bytes;
    b.events = state::make_memory_event_store(el);
  }
  if (!b.tasks) b.tasks = state::make_memory_task_store({o.max_tasks, o.task_record_bytes, o.tasks_total_bytes});
  if (!b.bus) b.bus = state::make_memory_message_bus();
  return b;
}

http::server_config http_config_of(const options& o) {
  http::server_config hc;
  hc.address = o.address;
  hc.port = o.port;
  hc.io_threads = o.io_threads;
  hc.work_on_io_threads = o.worker_short_call.count() > 0;
  hc.limits.header_limit = o.header_limit;
  hc.limits.body_limit = o.body_limit;
  hc.limits.read_timeout = o.read_timeout;
  hc.limits.idle_timeout = o.idle_timeout;
  hc.limits.max_connections = o.max_connections;
  hc.limits.max_connections_per_address = o.max_connections_per_address;
  return hc;
}

void schedule_expiry(net::steady_timer& t, std::weak_ptr<transport::streamable_http> tr) {
  t.expires_after(std::chrono::seconds(5));
  t.async_wait([&t, tr](boost::system::error_code ec) {
    if (ec) return;
    if (auto p = tr.lock()) p->expire_sessions();
    schedule_expiry(t, tr);
  });
}

void register_readings(ops::metrics& m, transport::streamable_http& tr, http::server& hs,
                       const protocol::registry& reg) {
  m.set_known_tools([&reg](std::string_view name) { return reg.find_tool(name) != nullptr; });
  auto started = std::chrono::steady_clock::now();
  m.add_reading("mcpx_uptime_seconds", "Seconds since the server started.", "gauge", [started] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  });
  m.add_family("mcpx_stage_refusals_total", "Requests a stage of the request path refused, by stage and reason.",
               "counter", [&tr] {
                 std::vector<ops::metrics::sample> out;
                 for (const auto& st : tr.stages().stages())
                   for (auto [reason, n] : st->refusals())
                     out.push_back({{{"stage", st->name()}, {"reason", reason}}, static_cast<double>(n)});
                 return out;
               });
  m.add_reading("mcpx_sessions_active", "Open 2025-xx sessions.", "gauge",
                [&tr] { return double(tr.session_count()); });
  m.add_reading("mcpx_subscription_streams_open", "Open subscriptions/listen streams.", "gauge",
                [&tr] { return double(tr.listen_streams()); });
  m.add_reading("mcpx_http_connections_open", "Open HTTP connections.", "gauge",
                [&hs] { return double(hs.open_connections()); });
  m.add_reading("mcpx_http_requests_in_flight", "Requests being handled or streamed.", "gauge",
                [&hs] { return double(hs.active_requests()); });
  m.add_reading("mcpx_worker_queue_depth", "Handler calls queued or running on the worker pool.", "gauge",
                [&tr] { return double(tr.workers().in_flight()); });
  m.add_reading("mcpx_worker_queue_limit", "Worker pool capacity (queued + running) before 503s.", "gauge",
                [&tr] { return double(tr.workers().limit()); });
  m.add_reading("mcpx_worker_calls_on_io_threads_total",
                "Worker-pool calls run on the I/O thread that read them (short calls), not on a worker.", "counter",
                [&tr] { return double(tr.workers().ran_on_io_threads()); });
  m.add_reading("mcpx_io_thread_takeovers_total",
                "Times an I/O thread's spare took its event loop over from a call that ran too long there.", "counter",
                [&hs] { return double(hs.loop_takeovers()); });
  m.add_reading("mcpx_workers_overdue",
                "Worker threads held by a tool handler still running past its time limit (its caller was answered).",
                "gauge", [&tr] { return double(std::max(0L, tr.workers().overdue())); });
  // Tool names are registered ones only: a fixed set of series.
  auto per_tool = [&reg](auto counter) {
    return [&reg, counter] {
      std::vector<ops::metrics::sample> out;
      for (const auto& t : reg.tools())
        if (t->runs_on == execution::worker_pool)
          out.push_back({{{"tool", t->name}}, static_cast<double>(((*t).*counter).load(std::memory_order_relaxed))});
      return out;
    };
  };
  m.add_family("mcpx_tool_timeouts_total", "Tool calls answered TIMEOUT at their time limit, by tool.", "counter",
               per_tool(&protocol::tool_def::timeouts));
  m.add_family("mcpx_tool_late_completions_total",
               "Tool handlers that returned after their call was answered TIMEOUT (result dropped), by tool.",
               "counter", per_tool(&protocol::tool_def::late_completions));
  m.read_accept_errors([&hs](http::accept_error e) { return hs.accept_errors(e); });
}

// A tool's unexpected failure into the log. The members are escaped by the access log's rule:
// exception texts may quote client input, invalid UTF-8 included.
auto failure_reporter(std::shared_ptr<ops::logger> log) {
  return [log = std::move(log)](std::string_view tool, std::string_view what, std::string_view id) {
    std::string extra = "\"tool\":";
    ops::append_json_string(extra, tool, ops::max_field_bytes);
    extra += ",\"error\":";
    ops::append_json_string(extra, what, ops::max_detail_bytes);
    extra += ",\"correlation_id\":";
    ops::append_json_string(extra, id, ops::max_field_bytes);
    log->write(ops::level::error, "tool failed", extra);
  };
}

// The MCP endpoint's host_origin stage, asked about /metrics on the main port too, through an
// exchange of its own (a stage sees requests only so); its refusals are counted as the
// endpoint's are. Only /metrics requests pay for it.
ops::router::request_guard host_origin_guard(transport::streamable_http& tr) {
  for (const auto& st : tr.stages().stages()) {
    if (st->name() != "host_origin") continue;
    return [st = st.get()](http::request& req, const http::peer_info& peer) {
      transport::exchange x(req, peer);
      auto refused = st->check(x);
      if (refused) st->count(refused->reason);
      return !refused;
    };
  }
  throw std::logic_error("mcpx: the request path has no host_origin stage to guard /metrics with");
}

// The listener's events (accepting paused, an exception escaping an I/O thread) into the log.
auto event_sink(std::shared_ptr<ops::logger> log) {
  return [log = std::move(log)](std::string_view lvl, std::string_view msg, std::string_view detail) {
    log->event(ops::parse_level(lvl).value_or(ops::level::error), msg, detail);
  };
}

}  // namespace

void server::start() {
  if (impl_->http) return;
  const auto& ov = impl_->opts;
  if (auto err = impl_->reg.override_access(ov.tool_access, ov.resource_access, ov.prompt_access))
    throw std::invalid_argument("mcpx: " + *err);
  if (auto err = impl_->reg.freeze()) throw std::invalid_argument("mcpx: " + *err);
  if (ov.tool_timeout.count() < 1) throw std::invalid_argument("mcpx: tool_timeout must be at least 1 ms");
  auto lvl = ops::parse_level(impl_->opts.log_level);
  if (!lvl) throw std::invalid_argument("mcpx: log_level must be debug, info, warning, error or off");
  if (impl_->opts.log_flush.count() < 0) throw std::invalid_argument("mcpx: log_flush must not be negative");
  impl_->log = std::make_shared<ops::logger>(*lvl, 2, impl_->opts.log_flush);
  auto& o = impl_->opts;
  if (o.tune_allocator) core::tune_allocator();
  if (o.allowed_hosts.empty() && net::ip::make_address(o.address).is_loopback())
    o.allowed_hosts = {"localhost", "127.0.0.1", "[::1]"};
  auto tc = transport_config_of(o);
  tc.protocol.report_failure = failure_reporter(impl_->log);
  impl_->state = with_memory_defaults(impl_->state, o);
  impl_->transport = std::make_shared<transport::streamable_http>(impl_->reg, impl_->info, std::move(tc), impl_->state);
  if (o.auth.enabled()) impl_->auth = std::make_unique<core::auth_setup>(o.auth, impl_->reg, *impl_->transport);
  if (o.rate_limits.enabled())  // after auth: its stage goes after the scopes stage
    impl_->limits = std::make_unique<core::limit_setup>(o.rate_limits, impl_->reg, *impl_->transport);
  // What clients make the server keep, against its budgets (sessions.*, tasks.* keys).
  impl_->metrics->add_reading("mcpx_session_store_bytes", "Bytes of session records kept.", "gauge",
                              [st = impl_->state.sessions] { return double(st->bytes()); });
  impl_->metrics->add_reading("mcpx_task_store_bytes", "Bytes of task records kept.", "gauge",
                              [st = impl_->state.tasks] { return double(st->bytes()); });
  impl_->metrics->add_reading("mcpx_event_store_bytes", "Bytes of resumable events kept.", "gauge",
                              [st = impl_->state.events] { return double(st->bytes()); });
  impl_->metrics->add_reading("mcpx_events_evicted_total",
                              "Resumable events dropped early to stay within the event byte budgets.", "counter",
                              [st = impl_->state.events] { return double(st->evicted()); });
  impl_->metrics->add_reading("mcpx_tasks_kept", "Task records kept.", "gauge",
                              [st = impl_->state.tasks] { return double(st->size()); });
  impl_->metrics->add_reading("mcpx_log_lines_lost_total",
                              "Log lines the log's file descriptor did not take (closed, full, no reader).", "counter",
                              [log = std::weak_ptr<ops::logger>(impl_->log)] {
                                auto l = log.lock();
                                return l ? double(l->lines_lost()) : 0.0;
                              });
  auto* tr = impl_->transport.get();
  impl_->health->add_local_check("workers", [tr](std::string& detail) {
    auto& pool = tr->workers();
    detail = std::to_string(pool.in_flight()) + " of " + std::to_string(pool.limit()) + " worker slots in use";
    if (pool.overdue() > 0)
      detail += ", " + std::to_string(pool.overdue()) + " of " + std::to_string(pool.threads()) +
                " threads held past a time limit";
    return pool.in_flight() < pool.limit() && pool.overdue() < static_cast<long>(pool.threads());
  });
  impl_->health->start();
  const bool separate_metrics = impl_->opts.metrics_port != 0;
  auto handler = std::make_shared<ops::router>(impl_->transport, *impl_->health,
                                               separate_metrics ? nullptr : impl_->metrics.get(),
                                               host_origin_guard(*tr));
  if (impl_->auth) impl_->auth->publish(*handler, *impl_->health, *impl_->metrics);
  if (impl_->limits) impl_->limits->publish(*impl_->health, *impl_->metrics);
  http::server_config hc = http_config_of(o);
  hc.make_record = [] { return std::make_shared<ops::access_record>(); };
  hc.on_done = [log = impl_->log, m = impl_->metrics](const http::request_record& r, const net::any_io_executor& ex) {
    const auto& a = static_cast<const ops::access_record&>(r);  // made by make_record above
    m->record(a);
    log->request(a, &ex);
  };
  // Clients of the MCP endpoint get the HTTP layer's refusals as JSON-RPC errors.
  hc.refusal_reply = transport::refusal_reply;
  hc.on_event = event_sink(impl_->log);
  impl_->http = std::make_unique<http::server>(hc, handler);
  register_readings(*impl_->metrics, *tr, *impl_->http, impl_->reg);
  impl_->http->start();
  if (impl_->auth) impl_->auth->start(impl_->http->executor(0), impl_->log);  // keys load in the background
  if (impl_->limits) {
    try {  // the Redis store's client connects in the background; checks fail fast until then
      impl_->limits->start(impl_->http->executor(0), impl_->log);
    } catch (...) {  // a TLS file it cannot load: leave nothing listening
      stop();
      throw;
    }
  }
  if (separate_metrics) {
    http::server_config mc;
    mc.address = impl_->opts.address;
    mc.port = impl_->opts.metrics_port;
    // Scrapes and probes are not logged; what this port refuses is (text replies: not MCP).
    mc.make_record = [] { return std::make_shared<ops::access_record>(); };
    mc.on_done = [log = impl_->log, m = impl_->metrics](const http::request_record& r, const net::any_io_executor& ex) {
      if (r.refusal == http::refusal::none) return;
      m->refused(r.refusal);
      log->request(static_cast<const ops::access_record&>(r), &ex);
    };
    mc.on_event = event_sink(impl_->log);
    impl_->metrics_http = std::make_unique<http::server>(mc, std::make_shared<ops::router>(nullptr, *impl_->health,
                                                                                           impl_->metrics.get()));
    impl_->metrics_http->start();
  }
  impl_->log->write(ops::level::info, "listening",
                    "\"address\":\"" + impl_->opts.address + "\",\"port\":" + std::to_string(impl_->http->port()) +
                        ",\"endpoint\":\"" + impl_->opts.endpoint + "\",\"allocator\":\"" + core::allocator_in_use() +
                        "\"");
  impl_->expiry_timer = std::make_unique<net::steady_timer>(impl_->http->executor(0));
  net::post(impl_->http->executor(0), [this] { schedule_expiry(*impl_->expiry_timer, impl_->transport); });
}

void server::run() {
  // Block the signals before any thread starts (threads inherit the mask), then wait for
  // them synchronously on this thread.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  start();
  int sig = 0;
  sigwait(&set, &sig);
  // First signal: drain, but let a second one cut it short.
  impl_->log->write(ops::level::info, "draining", "\"grace_ms\":" + std::to_string(impl_->opts.shutdown_grace.count()));
  const timespec tick{0, 50'000'000};
  const bool finished = drain_steps(impl_->opts.shutdown_grace,
                                    [&] { return sigtimedwait(&set, nullptr, &tick) <= 0; });
  if (!finished)
    impl_->log->write(ops::level::warning, "second signal: stopping now",
                      "\"requests_in_flight\":" + std::to_string(impl_->http->active_requests()));
  stop();
  impl_->log->write(ops::level::info, "stopped");
}

void server::drain(std::chrono::milliseconds grace) {
  if (!impl_->http) return;
  drain_steps(grace, [] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return true;
  });
}

bool server::drain_steps(std::chrono::milliseconds grace, const std::function<bool()>& wait_a_little) {
  auto& http = *impl_->http;
  impl_->health->set_draining();
  impl_->transport->begin_drain();
  http.begin_drain();  // keep-alive ends with each reply: the next request opens a new connection
  const auto deadline = std::chrono::steady_clock::now() + grace;
  auto before = [&](std::chrono::steady_clock::time_point t) { return std::chrono::steady_clock::now() < t; };
  // New connections are still taken while requests run: the load balancer catches up meanwhile.
  while (http.active_requests() > 0 && before(deadline))
    if (!wait_a_little()) return false;
  // None left: stop taking connections (a proxy retries a refused one elsewhere, safely), serve
  // the ones taken last, and give connections still open a moment to bring their request.
  http.stop_accepting();
  while (http.listening() > 0 && before(deadline))  // the I/O threads take the backlog, then close
    if (!wait_a_little()) return false;
  const auto settle = std::min(deadline, std::chrono::steady_clock::now() + drain_settle);
  while ((http.active_requests() > 0 || (http.open_connections() > 0 && before(settle))) && before(deadline))
    if (!wait_a_little()) return false;
  return true;
}

void server::use_state(state::backends b) {
  if (impl_->http) throw std::logic_error("mcpx: use_state() must be called before start()");
  impl_->state = std::move(b);
}

void server::add_readiness_check(std::string name, std::function<bool(std::string& detail)> check) {
  impl_->health->add_check(std::move(name), std::move(check));
}

std::size_t server::active_requests() const { return impl_->http ? impl_->http->active_requests() : 0; }

void server::stop() {
  if (!impl_ || !impl_->http) return;
  // Order matters: everything bound to an io_context must go before the io_contexts do.
  impl_->health->stop();
  if (impl_->auth) impl_->auth->stop();      // issuer fetches cancelled while their io_context runs
  if (impl_->limits) impl_->limits->stop();  // the Redis client too; checks from now on fail fast
  if (impl_->metrics_http) impl_->metrics_http->stop();
  impl_->http->stop();           // I/O threads joined; io_contexts still alive
  impl_->transport->shutdown();  // workers joined; sessions and streams released
  impl_->expiry_timer.reset();
  impl_->auth.reset();
  impl_->http.reset();  // io_contexts, and the connection coroutines they hold
  impl_->metrics_http.reset();
  impl_->transport.reset();
}

unsigned short server::port() const { return impl_->http ? impl_->http->port() : 0; }
unsigned short server::metrics_port() const { return impl_->metrics_http ? impl_->metrics_http->port() : 0; }

void server::notify_resource_updated(const std::string& uri) {
  if (impl_->transport) impl_->transport->resource_updated(uri);
}

void server::notify_list_changed(list which) {
  if (!impl_->transport) return;
  impl_->transport->list_changed(which == list::tools ? "tools" : which == list::prompts ? "prompts" : "resources");
}

}  // namespace mcpx
