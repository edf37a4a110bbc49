#include "ops/metrics.hpp"

#include <charconv>
#include <cstdio>

namespace mcpx::ops {

namespace {

std::atomic<std::size_t> next_id{0};

// The longest method and tool name (together) a shard remembers as the kind counted last.
constexpr std::size_t max_remembered_bytes = 256;

constexpr std::string_view known_methods[] = {"initialize",
                                              "ping",
                                              "server/discover",
                                              "tools/list",
                                              "tools/call",
                                              "resources/list",
                                              "resources/templates/list",
                                              "resources/read",
                                              "resources/subscribe",
                                              "resources/unsubscribe",
                                              "prompts/list",
                                              "prompts/get",
                                              "completion/complete",
                                              "logging/setLevel",
                                              "subscriptions/listen",
                                              "tasks/get",
                                              "tasks/update",
                                              "tasks/cancel",
                                              "notifications/initialized",
                                              "notifications/cancelled",
                                              "GET",
                                              "POST",
                                              "DELETE"};

std::string_view method_label(std::string_view m) {
  for (auto k : known_methods)
    if (k == m) return k;
  return m.empty() ? std::string_view() : "other";
}

void append_label_value(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
}

void fmt(std::string& out, double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  out += buf;
}

}  // namespace

std::string label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  append_label_value(out, v);
  return out;
}

metrics::metrics() : id_(next_id.fetch_add(1)) {}

metrics::shard& metrics::local_shard() {
  // One shard per (thread, metrics object); created once, then found without locking.
  thread_local std::map<std::size_t, shard*> mine;
  auto it = mine.find(id_);
  if (it != mine.end()) return *it->second;
  std::lock_guard lock(shards_mu_);
  shards_.push_back(std::make_unique<shard>());
  mine[id_] = shards_.back().get();
  return *shards_.back();
}

void metrics::record(const access_record& r) {
  if (r.refusal != http::refusal::none) [[unlikely]] {
    refused(r.refusal);
    if (http::refuses_connection(r.refusal)) return;  // a connection turned away: no request to count
  }
  const std::string_view method = r.rpc_method.empty() ? std::string_view(r.http_method) : r.rpc_method;
  const bool tool_call = r.rpc_method == "tools/call";
  const std::string_view name = tool_call ? std::string_view(r.name) : std::string_view();
  double ms = static_cast<double>(r.latency.count()) / 1000.0;
  auto& s = local_shard();
  // Under steady load the next request is nearly always of the kind counted last: it is
  // recognised from what its labels are made of, without rendering them (that was 2 % of a
  // call's instructions). Only this thread reads or writes these members. (A tool added or
  // removed meanwhile gets its label right at the next request of another kind.)
  const bool same = s.last && s.last_status == r.status && s.last_method == method && s.last_name == name &&
                    s.last_error_class == r.error_class;
  std::string key;
  if (!same) {
    std::string_view tool;
    if (tool_call) tool = known_tool_ && known_tool_(r.name) ? std::string_view(r.name) : "other";
    key.reserve(64 + tool.size() + r.error_class.size());
    key += "method=\"";
    key += method_label(method);
    key += "\",tool=\"";
    append_label_value(key, tool);
    key += "\",status=\"";
    char digits[16];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, r.status);
    key.append(digits, end);
    key += "\",error_class=\"";
    append_label_value(key, r.error_class);
    key += '"';
  }
  std::lock_guard lock(s.mu);
  series* ser = s.last;
  if (!same) {
    auto it = s.by_labels.find(std::string_view(key));
    if (it == s.by_labels.end()) it = s.by_labels.emplace(std::move(key), series{}).first;
    ser = &it->second;  // map nodes are stable
    // Only a short method and name are remembered: what a client sends there (up to the body
    // limit) must not stay in memory on every I/O thread. A longer one is rendered each time.
    const bool remember = method.size() + name.size() <= max_remembered_bytes;
    s.last = remember ? ser : nullptr;
    s.last_status = r.status;
    s.last_method = remember ? method : std::string_view();  // each reuses its capacity
    s.last_name = remember ? name : std::string_view();
    s.last_error_class = r.error_class;
  }
  ++ser->count;
  ser->sum_ms += ms;
  for (std::size_t i = 0; i < buckets_ms.size(); ++i)
    if (ms <= buckets_ms[i]) ++ser->buckets[i];
}

void metrics::add_reading(std::string name, std::string help, std::string type, std::function<double()> read) {
  readings_.push_back({std::move(name), std::move(help), std::move(type), std::move(read)});
}

void metrics::add_family(std::string name, std::string help, std::string type,
                         std::function<std::vector<sample>()> read) {
  families_.push_back({std::move(name), std::move(help), std::move(type), std::move(read)});
}

void metrics::render_http_counters(std::string& out) const {
  // Every reason is listed, zeros too: a series that appears only on the first refusal hides
  // that first increase from rate() and increase().
  out +=
      "# HELP mcpx_http_refusals_total Requests the HTTP layer answered itself and connections it turned away, "
      "by reason.\n# TYPE mcpx_http_refusals_total counter\n";
  for (std::size_t i = 1; i < http::refusal_count; ++i) {
    out += "mcpx_http_refusals_total{reason=\"";
    append_label_value(out, http::to_string(static_cast<http::refusal>(i)));  // a fixed name
    out += "\"} " + std::to_string(refusals_[i].load(std::memory_order_relaxed)) + "\n";
  }
  if (!accept_errors_) return;
  out +=
      "# HELP mcpx_http_accept_errors_total Failed accepts, by errno; all but other pause accepting.\n"
      "# TYPE mcpx_http_accept_errors_total counter\n";
  for (std::size_t i = 0; i < http::accept_error_count; ++i) {
    const auto e = static_cast<http::accept_error>(i);
    out += "mcpx_http_accept_errors_total{reason=\"";
    append_label_value(out, http::to_string(e));
    out += "\"} " + std::to_string(accept_errors_(e)) + "\n";
  }
}

std::string metrics::render() const {
  std::map<std::string, series> merged;
  {
    std::lock_guard lock(shards_mu_);
    for (auto& sh : shards_) {
      std::lock_guard l(sh->mu);
      for (auto& [k, v] : sh->by_labels) {
        auto& m = merged[k];
        m.count += v.count;
        m.sum_ms += v.sum_ms;
        for (std::size_t i = 0; i < buckets_ms.size(); ++i) m.buckets[i] += v.buckets[i];
      }
    }
  }
  std::string out;
  out += "# HELP mcpx_requests_total Requests answered, by MCP method, tool, HTTP status and error class.\n";
  out += "# TYPE mcpx_requests_total counter\n";
  for (auto& [k, v] : merged) out += "mcpx_requests_total{" + k + "} " + std::to_string(v.count) + "\n";
  out += "# HELP mcpx_request_duration_ms Time to answer a request (to the end of its stream for SSE).\n";
  out += "# TYPE mcpx_request_duration_ms histogram\n";
  for (auto& [k, v] : merged) {
    for (std::size_t i = 0; i < buckets_ms.size(); ++i) {
      out += "mcpx_request_duration_ms_bucket{" + k + ",le=\"";
      fmt(out, buckets_ms[i]);
      out += "\"} " + std::to_string(v.buckets[i]) + "\n";
    }
    out += "mcpx_request_duration_ms_bucket{" + k + ",le=\"+Inf\"} " + std::to_string(v.count) + "\n";
    out += "mcpx_request_duration_ms_sum{" + k + "} ";
    fmt(out, v.sum_ms);
    out += "\nmcpx_request_duration_ms_count{" + k + "} " + std::to_string(v.count) + "\n";
  }
  render_http_counters(out);
  for (auto& f : families_) {
    out += "# HELP " + f.name + " " + f.help + "\n# TYPE " + f.name + " " + f.type + "\n";
    for (auto& smp : f.read()) {
      out += f.name + "{";
      for (std::size_t i = 0; i < smp.labels.size(); ++i) {
        if (i) out += ',';
        out.append(smp.labels[i].first);
        out += "=\"";
        append_label_value(out, smp.labels[i].second);
        out += '"';
      }
      out += "} ";
      fmt(out, smp.value);
      out += "\n";
    }
  }
  for (auto& r : readings_) {
    out += "# HELP " + r.name + " " + r.help + "\n# TYPE " + r.name + " " + r.type + "\n" + r.name + " ";
    fmt(out, r.read());
    out += "\n";
  }
  return out;
}

}  // namespace mcpx::ops
