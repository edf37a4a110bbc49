#pragma once
// Structured JSON logs: one line per event, one line per request (the access log).
// Lines never carry tokens, secrets or bodies: only the fields named here.
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "ops/access_record.hpp"

namespace mcpx::ops {

enum class level { debug = 0, info = 1, warning = 2, error = 3, off = 4 };
/// "debug", "info", "warning" (or "warn"), "error", "off"; anything else is nullopt.
std::optional<level> parse_level(std::string_view s);

/// How long a batched access line may wait before it is written.
inline constexpr std::chrono::milliseconds default_log_flush{200};
/// What a thread's batch of access lines may hold before its thread writes it at once.
inline constexpr std::size_t log_batch_bytes = 64 * 1024;

class logger : public std::enable_shared_from_this<logger> {
 public:
  /// `flush`: see request().
  explicit logger(level min = level::info, int fd = 2, std::chrono::milliseconds flush = default_log_flush)
      : min_(min), fd_(fd), flush_every_(flush) {}
  /// Writes what the I/O threads' batches still hold.
  ~logger();
  bool enabled(level l) const noexcept { return l >= min_; }
  /// Writes one line: {"time","level","msg", ...extra}. `extra` is a JSON object's members
  /// without the braces (may be empty).
  void write(level l, std::string_view msg, std::string_view extra_members = {});
  /// Writes one line for an event with a plain-text `detail` (escaped here; left out when empty).
  void event(level l, std::string_view msg, std::string_view detail);
  /// The access-log line for one request. With `batch_on` (the calling I/O thread's executor)
  /// the line joins this thread's batch, written in one write() when it holds log_batch_bytes,
  /// and otherwise by a thread of the logger's own within `flush` (as nginx's `access_log
  /// ... buffer= flush=`): a loaded server writes hundreds of lines per syscall. A `flush` of
  /// zero writes the batch once the handlers ready on that thread have run (the logger must be
  /// owned by a shared_ptr then). Without `batch_on`, the line is written now.
  void request(const access_record& r, const boost::asio::any_io_executor* batch_on = nullptr);
  /// Lines that could not be written: the file descriptor failed (closed, full disk, a pipe
  /// without a reader). Never lines shed under load: a write waits instead.
  std::uint64_t lines_lost() const noexcept { return lines_lost_.load(std::memory_order_relaxed); }

 private:
  struct batch {
    std::mutex mu;  // taken by its own thread, and by write()/~logger() to keep lines in order
    std::string lines;
  };
  batch& local_batch();
  void flush(batch& b);
  void flush_all();
  void emit(std::string_view text);
  void flush_periodically();
  level min_;
  int fd_;
  std::chrono::milliseconds flush_every_;
  std::thread flusher_;  ///< started with the first batch (flush_every_ > 0)
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::mutex mu_;  // one write() at a time, so lines from several threads never interleave
  std::atomic<std::uint64_t> lines_lost_{0};
  std::mutex batches_mu_;
  std::vector<std::unique_ptr<batch>> batches_;
  std::size_t id_ = next_id();
  static std::size_t next_id();
};

/// Bytes each value of an access line may take (the decoded value; beyond, it is cut with "…").
inline constexpr std::size_t max_field_bytes = 256;
/// Bytes an event's detail may take.
inline constexpr std::size_t max_detail_bytes = 4096;

/// Appends `v` as a JSON string that is always valid UTF-8: control characters escaped, each
/// byte that starts no valid UTF-8 sequence replaced by U+FFFD, and, beyond `max_bytes` of
/// the decoded value, cut on a character boundary and ended with U+2026 ("…").
void append_json_string(std::string& out, std::string_view v, std::size_t max_bytes = SIZE_MAX);

/// The access-log line (exposed for tests).
std::string access_line(const access_record& r);
/// Appends the access-log line to `out`.
void append_access_line(std::string& out, const access_record& r);

}  // namespace mcpx::ops
