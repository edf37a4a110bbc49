#include "ops/log.hpp"

#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <map>

#include <boost/asio/post.hpp>

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
  char out[64];  // room for any strftime result: no truncation warning
  std::snprintf(out, sizeof out, "%s.%06dZ", buf, static_cast<int>(us % 1'000'000));
  return out;
}

constexpr std::string_view level_names[] = {"debug", "info", "warning", "error"};

}  // namespace

std::optional<level> parse_level(std::string_view s) {
  if (s == "debug") return level::debug;
  if (s == "info") return level::info;
  if (s == "warning" || s == "warn") return level::warning;
  if (s == "error") return level::error;
  if (s == "off") return level::off;
  return std::nullopt;
}

namespace {

// The length of the valid UTF-8 sequence `s` starts with (2-4), or 0 when it starts none
// (RFC 3629: no overlong forms, no surrogates, nothing beyond U+10FFFF). `s[0]` is >= 0x80.
std::size_t utf8_sequence(std::string_view s) noexcept {
  const auto at = [s](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = at(0);
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the second byte's range
  if (c >= 0xC2 && c < 0xE0) n = 2;
  else if (c >= 0xE0 && c < 0xF0) n = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
  else if (c >= 0xF0 && c < 0xF5) n = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
  if (n == 0 || s.size() < n || at(1) < lo || at(1) > hi) return 0;
  for (std::size_t i = 2; i < n; ++i)
    if (at(i) < 0x80 || at(i) > 0xBF) return 0;
  return n;
}

// Bytes that go into a JSON string as they are: one table load per byte, not four compares.
constexpr auto plain_bytes = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x80; ++c) t[c] = c != '"' && c != '\\';
  return t;
}();
constexpr bool plain(char ch) noexcept { return plain_bytes[static_cast<unsigned char>(ch)]; }

// Whether all of `v` goes out as it is, eight bytes at a time: a byte needs work when it is a
// control character, not ASCII, '"' or '\\'. Each test sets a byte's high bit where it hits
// (the zero-byte test of "Bit Twiddling Hacks"; a borrow only ever marks a byte above a hit).
bool all_plain(std::string_view v) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101, high = 0x8080808080808080;
  const auto zero_byte = [](std::uint64_t x) { return (x - ones) & ~x; };
  std::size_t i = 0;
  for (; i + 8 <= v.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, v.data() + i, 8);
    const std::uint64_t hits = ((w - ones * 0x20) & ~w) | zero_byte(w ^ (ones * '"')) | zero_byte(w ^ (ones * '\\')) |
                               w;
    if (hits & high) return false;
  }
  for (; i < v.size(); ++i)
    if (!plain(v[i])) return false;
  return true;
}

void append_escape(std::string& out, unsigned char c) {
  static constexpr char hex[] = "0123456789abcdef";
  switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    default:
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
  }
}

}  // namespace

void append_json_string(std::string& out, std::string_view v, std::size_t max_bytes) {
  static constexpr std::string_view replacement = "\xef\xbf\xbd", ellipsis = "\xe2\x80\xa6";  // U+FFFD, U+2026
  // Most values (ids, paths, method and tool names) are short and plain: one append.
  if (v.size() <= max_bytes && all_plain(v)) {
    out += '"';
    out += v;
    out += '"';
    return;
  }
  out += '"';
  std::size_t taken = 0;  // bytes of the value as a reader decodes it
  for (std::size_t i = 0; i < v.size();) {
    // A run that goes out as it is, in one append: most values are nothing else.
    std::size_t j = i;
    for (const std::size_t end = i + std::min(v.size() - i, max_bytes - taken); j < end && plain(v[j]);) ++j;
    out.append(v.data() + i, j - i);
    taken += j - i;
    if ((i = j) == v.size()) break;
    const auto c = static_cast<unsigned char>(v[i]);
    std::size_t n = c < 0x80 ? 1 : utf8_sequence(v.substr(i));
    if (taken + (n == 0 ? replacement.size() : n) > max_bytes) {
      out += ellipsis;  // cut on a character boundary, and said so
      break;
    }
    if (n == 0) {
      out += replacement;  // one per byte that starts nothing valid
      taken += replacement.size();
      n = 1;
    } else if (n > 1) {
      out.append(v.data() + i, n);
      taken += n;
    } else {
      append_escape(out, c);
      ++taken;
    }
    i += n;
  }
  out += '"';
}

namespace {

// The access line is written into room made for its longest form first, then trimmed: each
// piece is a copy, with no capacity check and no call into std::string per piece (they were
// half the line's cost, docs/performance.md, session 20).
struct line_writer {
  char* p;
  // A key or other constant: its size is known here, so the copy is a few moves, not a call.
  template <std::size_t N>
  void lit(const char (&s)[N]) noexcept {
    std::memcpy(p, s, N - 1);
    p += N - 1;
  }
  // Most values are under 17 bytes (ids, methods, names): two overlapping 8-byte moves, not a
  // call into memcpy, which was a third of the line's cost with its dispatch.
  void put(std::string_view s) noexcept {
    const std::size_t n = s.size();
    if (n >= 8 && n <= 16) {
      std::memcpy(p, s.data(), 8);
      std::memcpy(p + n - 8, s.data() + n - 8, 8);
    } else if (n >= 4 && n < 8) {
      std::memcpy(p, s.data(), 4);
      std::memcpy(p + n - 4, s.data() + n - 4, 4);
    } else if (n > 16) {
      std::memcpy(p, s.data(), n);
    } else {
      for (std::size_t i = 0; i < n; ++i) p[i] = s[i];
    }
    p += n;
  }
  void put(char c) noexcept { *p++ = c; }
};

// The most a value takes in the line: quotes, a six-byte escape for each byte kept, the
// ellipsis of a cut. Values are bounded: most come from clients (headers, the message), and
// one line must not grow with what a client sends.
constexpr std::size_t worst_value(std::size_t n) noexcept { return 2 + 6 * std::min(n, max_field_bytes) + 3; }

void put_value(line_writer& w, std::string_view v) {
  if (v.size() <= max_field_bytes && all_plain(v)) {
    w.put('"');
    w.put(v);
    w.put('"');
    return;
  }
  thread_local std::string escaped;  // escapes, invalid UTF-8, cuts: rare
  escaped.clear();
  append_json_string(escaped, v, max_field_bytes);
  w.put(escaped);
}

constexpr std::size_t max_number = 20;  // an int64's digits and sign

template <std::size_t N>
void put_number(line_writer& w, const char (&key)[N], std::int64_t n) {
  w.lit(key);
  w.p = std::to_chars(w.p, w.p + max_number, n).ptr;
}

// A ,"key":"value" member, left out when the value is empty (a field the request lacked)
// unless `always`. `key` is the whole `,"name":` prefix.
template <std::size_t N>
void put_member(line_writer& w, const char (&key)[N], std::string_view v, bool always = false) {
  if (v.empty() && !always) return;
  w.lit(key);
  put_value(w, v);
}

// The seconds part of the timestamp changes once a second: formatted once per second per thread.
constexpr std::size_t time_bytes = 24 + 8;  // the seconds (2026-12-02T12:00:00, at most 24), ".123456Z"
void put_time(line_writer& w, std::chrono::system_clock::time_point tp) {
  thread_local std::time_t cached_secs = -1;
  thread_local char cached[24];
  thread_local std::size_t cached_size = 0;
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(tp.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(us / 1'000'000);
  if (secs != cached_secs) {
    std::tm tm{};
    gmtime_r(&secs, &tm);
    cached_size = std::strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &tm);
    cached_secs = secs;
  }
  w.put(std::string_view(cached, cached_size));
  char frac[8] = {'.', '0', '0', '0', '0', '0', '0', 'Z'};
  for (int i = 6, f = static_cast<int>(us % 1'000'000); i >= 1; --i, f /= 10) frac[i] = static_cast<char>('0' + f % 10);
  w.put(std::string_view(frac, sizeof frac));
}

}  // namespace

void append_access_line(std::string& out, const access_record& r) {
  // Written by hand, not through a JSON DOM: this runs once per request.
  const std::string_view refusal = http::to_string(r.refusal);
  const std::string_view level = r.status >= 500   ? R"(","level":"error","msg":"request")"
                                 : r.status >= 400 ? R"(","level":"warning","msg":"request")"
                                                   : R"(","level":"info","msg":"request")";
  // The constant bytes: "{\"time\":\"", the longest level form and every key, 237 in all; the two numbers.
  constexpr std::size_t fixed = 256 + 32 + time_bytes + 2 * max_number;
  const std::size_t worst = fixed + worst_value(r.request_id.size()) + worst_value(r.trace_id.size()) +
                            worst_value(r.http_method.size()) + worst_value(r.target.size()) +
                            worst_value(r.remote.size()) + worst_value(r.session.size()) +
                            worst_value(r.client.size()) + worst_value(r.protocol_version.size()) +
                            worst_value(r.rpc_method.size()) + worst_value(r.name.size()) +
                            worst_value(r.rpc_id.size()) + worst_value(r.error_class.size()) +
                            worst_value(r.error_code.size()) + worst_value(refusal.size());
  const std::size_t at = out.size();
  out.resize(at + worst);
  line_writer w{out.data() + at};
  w.lit("{\"time\":\"");
  put_time(w, r.time);
  w.put(level);
  put_member(w, R"(,"request_id":)", r.request_id);
  put_member(w, R"(,"trace_id":)", r.trace_id);
  put_member(w, R"(,"http_method":)", r.http_method, true);
  put_member(w, R"(,"path":)", r.target, true);
  put_member(w, R"(,"remote":)", r.remote);
  put_member(w, R"(,"session":)", r.session);
  put_member(w, R"(,"client":)", r.client);
  put_member(w, R"(,"protocol_version":)", r.protocol_version);
  put_member(w, R"(,"method":)", r.rpc_method);
  if (r.rpc_method == "tools/call") put_member(w, R"(,"tool":)", r.name);
  else put_member(w, R"(,"name":)", r.name);
  put_member(w, R"(,"rpc_id":)", r.rpc_id);
  put_number(w, R"(,"status":)", r.status);
  put_member(w, R"(,"error_class":)", r.error_class);
  put_member(w, R"(,"error_code":)", r.error_code);
  put_member(w, R"(,"refusal":)", refusal);
  put_number(w, R"(,"latency_us":)", static_cast<std::int64_t>(r.latency.count()));
  w.put('}');
  out.resize(static_cast<std::size_t>(w.p - out.data()));
}

std::string access_line(const access_record& r) {
  std::string out;
  append_access_line(out, r);
  return out;
}

std::size_t logger::next_id() {
  static std::atomic<std::size_t> n{0};
  return n.fetch_add(1);
}

logger::~logger() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  flush_all();
}

void logger::flush_periodically() {
  std::unique_lock lock(stop_mu_);
  while (!stop_cv_.wait_for(lock, flush_every_, [this] { return stopping_; })) {
    lock.unlock();
    flush_all();
    lock.lock();
  }
}

void logger::emit(std::string_view text) {
  std::lock_guard lock(mu_);
  const char* p = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    auto n = ::write(fd_, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // Counted, not retried: the descriptor will not take it (a partly written line counts).
      auto lines = std::count(p, p + left, '\n');
      lines_lost_.fetch_add(static_cast<std::uint64_t>(lines > 0 ? lines : 1), std::memory_order_relaxed);
      return;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

logger::batch& logger::local_batch() {
  // One batch per (thread, logger); found without a global lock after the first line.
  thread_local std::map<std::size_t, batch*> mine;
  if (auto it = mine.find(id_); it != mine.end()) return *it->second;
  std::lock_guard lock(batches_mu_);
  if (flush_every_.count() > 0 && !flusher_.joinable()) flusher_ = std::thread([this] { flush_periodically(); });
  batches_.push_back(std::make_unique<batch>());
  mine[id_] = batches_.back().get();
  return *batches_.back();
}

void logger::flush(batch& b) {
  std::lock_guard lock(b.mu);
  if (b.lines.empty()) return;
  emit(b.lines);
  b.lines.clear();
}

void logger::flush_all() {
  std::lock_guard lock(batches_mu_);
  for (auto& b : batches_) flush(*b);
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
  line += '\n';
  flush_all();  // access lines batched before this one go first
  emit(line);
}

void logger::event(level l, std::string_view msg, std::string_view detail) {
  if (!enabled(l)) return;
  std::string extra;
  if (!detail.empty()) {
    extra = "\"detail\":";
    append_json_string(extra, detail, max_detail_bytes);
  }
  write(l, msg, extra);
}

void logger::request(const access_record& r, const boost::asio::any_io_executor* batch_on) {
  level l = r.status >= 500 ? level::error : r.status >= 400 ? level::warning : level::info;
  if (!enabled(l)) return;
  // Flushed after this pass of the event loop (flush_every_ zero): by a handler that holds the logger.
  std::shared_ptr<logger> self = batch_on && flush_every_.count() == 0 ? weak_from_this().lock() : nullptr;
  if (!batch_on || (flush_every_.count() == 0 && !self)) {
    thread_local std::string line;  // keeps its buffer: no allocation per line
    line.clear();
    append_access_line(line, r);
    line += '\n';
    emit(line);
    return;
  }
  auto& b = local_batch();
  bool first, full;
  {
    std::lock_guard lock(b.mu);
    first = b.lines.empty();
    append_access_line(b.lines, r);
    b.lines += '\n';
    full = b.lines.size() >= log_batch_bytes;
  }
  if (full) flush(b);
  // Zero: the flush runs after the handlers that are ready now, so every request this pass of
  // the event loop finishes shares one write().
  else if (first && self) boost::asio::post(*batch_on, [self = std::move(self), &b] { self->flush(b); });
}

}  // namespace mcpx::ops
