#pragma once
// Prometheus metrics. Request counters and latency histograms are kept per I/O thread (each
// shard has its own lock, uncontended except while a scrape reads it), so counting a request
// never takes a global lock. Gauges are read from their owners at scrape time.
#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ops/access_record.hpp"

namespace mcpx::ops {

class metrics {
 public:
  metrics();
  /// Counts one finished request (called on the I/O thread that served it). A refused one is
  /// counted by its reason too; a refused connection only so (no request was read).
  void record(const access_record& r);
  /// Counts a refusal by its reason alone (a listener whose requests are not otherwise counted).
  void refused(http::refusal why) noexcept {
    refusals_[static_cast<std::size_t>(why)].fetch_add(1, std::memory_order_relaxed);
  }
  /// Where failed accepts are read at scrape time, by kind; unset: not exposed.
  void read_accept_errors(std::function<std::uint64_t(http::accept_error)> read) { accept_errors_ = std::move(read); }
  /// A gauge or counter read at scrape time: name, help, type ("gauge"/"counter"), reader.
  void add_reading(std::string name, std::string help, std::string type, std::function<double()> read);
  /// One labelled sample of a family; label names and values are fixed names from code.
  struct sample {
    std::vector<std::pair<std::string_view, std::string_view>> labels;
    double value = 0;
  };
  /// A family of labelled series read at scrape time (e.g. refusals by stage and reason).
  void add_family(std::string name, std::string help, std::string type, std::function<std::vector<sample>()> read);
  /// Names a label may carry: client-chosen names outside these become "other", so a hostile
  /// client cannot grow the number of series.
  void set_known_tools(std::function<bool(std::string_view)> f) { known_tool_ = std::move(f); }
  /// The Prometheus text exposition (format 0.0.4).
  std::string render() const;

  static constexpr std::array<double, 12> buckets_ms{0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 1000, 5000};

 private:
  struct series {
    std::uint64_t count = 0;
    double sum_ms = 0;
    std::array<std::uint64_t, buckets_ms.size()> buckets{};
  };
  struct shard {
    std::mutex mu;
    std::map<std::string, series, std::less<>> by_labels;  // key: rendered label set
    // The series counted last, and what its labels were made from (the method, the tool's
    // name as sent, the status, the error class): a request made of the same counts there
    // without a walk of the tree or a rendering of its labels. The owning thread's alone.
    series* last = nullptr;
    unsigned last_status = 0;
    std::string last_method, last_name, last_error_class;
  };
  shard& local_shard();
  void render_http_counters(std::string& out) const;

  mutable std::mutex shards_mu_;
  std::vector<std::unique_ptr<shard>> shards_;
  struct reading {
    std::string name, help, type;
    std::function<double()> read;
  };
  std::vector<reading> readings_;
  struct family {
    std::string name, help, type;
    std::function<std::vector<sample>()> read;
  };
  std::vector<family> families_;
  // Off the request path (refusals are rare, or an attack): one relaxed add, no shard.
  std::array<std::atomic<std::uint64_t>, http::refusal_count> refusals_{};
  std::function<std::uint64_t(http::accept_error)> accept_errors_;
  std::function<bool(std::string_view)> known_tool_;
  std::size_t id_;
};

/// Escapes a Prometheus label value.
std::string label_value(std::string_view v);

}  // namespace mcpx::ops
