#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <limits>
#include <thread>

#include "ops/log.hpp"

using namespace mcpx;

TEST(trace_id, is_read_from_a_w3c_traceparent) {
  EXPECT_EQ(http::trace_id_of("00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01"),
            "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(http::trace_id_of("00-00000000000000000000000000000000-00f067aa0ba902b7-01"), "");  // all zero: invalid
  EXPECT_EQ(http::trace_id_of("00-0AF7651916CD43DD8448EB211C80319C-00f067aa0ba902b7-01"), "");  // uppercase: invalid
  EXPECT_EQ(http::trace_id_of("garbage"), "");
}

TEST(access_log, is_one_json_line_with_the_request_fields) {
  ops::access_record r;
  r.time = std::chrono::system_clock::now();
  r.request_id = "abc";
  r.trace_id = "0af7651916cd43dd8448eb211c80319c";
  r.http_method = "POST";
  r.target = "/mcp";
  r.rpc_method = "tools/call";
  r.name = "get_customer";
  r.session = "s1";
  r.client = "claude";
  r.status = 200;
  r.error_class = "CLIENT_ERROR";
  r.latency = std::chrono::microseconds(1234);
  auto line = ops::access_line(r);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto v = boost::json::parse(line).as_object();
  EXPECT_EQ(v.at("tool").as_string(), "get_customer");
  EXPECT_EQ(v.at("trace_id").as_string(), r.trace_id);
  EXPECT_EQ(v.at("session").as_string(), "s1");
  EXPECT_EQ(v.at("error_class").as_string(), "CLIENT_ERROR");
  EXPECT_EQ(v.at("latency_us").as_int64(), 1234);
  EXPECT_EQ(v.at("level").as_string(), "info");
  EXPECT_FALSE(v.contains("authorization"));
}

// Client-chosen fields (client name, tool name, request id) must not break the line.
TEST(access_log, escapes_what_clients_send) {
  ops::access_record r;
  r.http_method = "POST";
  r.target = "/mcp";
  r.client = "evil\"},\n{\"x\":\\1\x01";
  r.name = "t\tab";
  r.status = 404;
  auto line = ops::access_line(r);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto v = boost::json::parse(line).as_object();
  EXPECT_EQ(v.at("client").as_string(), r.client);
  EXPECT_EQ(v.at("name").as_string(), r.name);
  EXPECT_EQ(v.at("level").as_string(), "warning");
  EXPECT_EQ(v.at("status").as_int64(), 404);
  EXPECT_FALSE(v.contains("session"));
  std::string time(v.at("time").as_string());
  EXPECT_EQ(time.size(), 27u) << time;  // 2026-07-28T12:34:56.123456Z
  EXPECT_EQ(time.back(), 'Z');
}

namespace {
std::string drain(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    auto n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}
}  // namespace

// With a flush interval of zero, lines handed over on an I/O thread go out together once its
// ready handlers have run, and whatever is still batched goes out when the logger goes.
TEST(access_log, batches_per_event_loop_pass_and_flushes_on_destruction) {
  using namespace std::chrono_literals;
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_NONBLOCK), 0);
  boost::asio::io_context ioc;
  auto ex = ioc.get_executor();
  auto log = std::make_shared<ops::logger>(ops::level::info, fds[1], 0ms);
  ops::access_record r;
  r.http_method = "POST";
  r.target = "/mcp";
  r.status = 200;
  boost::asio::any_io_executor any = ex;
  for (int i = 0; i < 3; ++i) log->request(r, &any);
  EXPECT_EQ(drain(fds[0]), "");  // not yet: the flush waits for the event loop
  ioc.run();
  auto out = drain(fds[0]);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 3) << out;
  log->request(r, &any);
  ioc.restart();
  log.reset();  // the posted flush holds the logger until it has written
  ioc.run();
  auto rest = drain(fds[0]);
  EXPECT_EQ(std::count(rest.begin(), rest.end(), '\n'), 1) << rest;
  // Never flushed by a loop (it does not run): written when the logger goes.
  {
    boost::asio::io_context gone;
    boost::asio::any_io_executor gone_ex = gone.get_executor();
    auto quiet = std::make_shared<ops::logger>(ops::level::info, fds[1], 0ms);
    quiet->request(r, &gone_ex);
    quiet.reset();
  }  // the io_context goes, and with it the posted flush and the last reference
  auto last = drain(fds[0]);
  EXPECT_EQ(std::count(last.begin(), last.end(), '\n'), 1) << last;
  ::close(fds[0]);
  ::close(fds[1]);
}

// By default a batch waits for the logger's flusher (as nginx's buffer= flush=): nothing is
// written per request; the batch goes out within the interval, at once when it holds
// log_batch_bytes, before an event line, and when the logger goes.
TEST(access_log, batches_by_size_and_time_by_default) {
  using namespace std::chrono_literals;
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_NONBLOCK), 0);
  ASSERT_GE(::fcntl(fds[1], F_SETPIPE_SZ, 1024 * 1024),
            2 * static_cast<int>(ops::log_batch_bytes));  // a batch fits unread
  boost::asio::io_context ioc;                            // never run: nothing may depend on it
  boost::asio::any_io_executor ex = ioc.get_executor();
  ops::access_record r;
  r.http_method = "POST";
  r.target = "/mcp";
  r.status = 200;
  const auto lines = [](const std::string& s) { return std::count(s.begin(), s.end(), '\n'); };
  {
    auto log = std::make_shared<ops::logger>(ops::level::info, fds[1], 60'000ms);
    for (int i = 0; i < 10; ++i) log->request(r, &ex);
    EXPECT_EQ(drain(fds[0]), "");  // an hour's interval: nothing yet
    log->write(ops::level::info, "event");
    auto out = drain(fds[0]);
    EXPECT_EQ(lines(out), 11) << out;
    EXPECT_NE(out.rfind("\"msg\":\"event\""), std::string::npos);
    EXPECT_GT(out.rfind("\"msg\":\"event\""), out.rfind("\"msg\":\"request\""));  // after the batch
    // Up to a full batch: written by the caller, at once.
    const auto one = ops::access_line(r).size() + 1;
    const auto fill = static_cast<int>((ops::log_batch_bytes + one - 1) / one);
    for (int i = 0; i < fill - 1; ++i) log->request(r, &ex);
    EXPECT_EQ(drain(fds[0]), "");
    log->request(r, &ex);
    EXPECT_EQ(lines(drain(fds[0])), fill);
    log->request(r, &ex);
    log.reset();  // the rest, when the logger goes
    EXPECT_EQ(lines(drain(fds[0])), 1);
  }
  {
    auto log = std::make_shared<ops::logger>(ops::level::info, fds[1], 20ms);
    log->request(r, &ex);
    std::string out;
    for (int i = 0; i < 200 && out.empty(); ++i) {
      std::this_thread::sleep_for(10ms);
      out = drain(fds[0]);
    }
    EXPECT_EQ(lines(out), 1) << "not written within 2 s by the flusher";
  }
  ::close(fds[0]);
  ::close(fds[1]);
}

// Before: a failed write() dropped its lines without a trace.
TEST(access_log, lines_the_descriptor_refuses_are_counted) {
  int fd = ::open("/dev/null", O_RDONLY);  // write() fails with EBADF
  ASSERT_GE(fd, 0);
  auto log = std::make_shared<ops::logger>(ops::level::info, fd, std::chrono::milliseconds(0));
  log->write(ops::level::info, "one");
  ops::access_record r;
  r.http_method = "POST";
  r.target = "/mcp";
  r.status = 200;
  boost::asio::io_context ioc;
  boost::asio::any_io_executor ex = ioc.get_executor();
  for (int i = 0; i < 3; ++i) log->request(r, &ex);
  ioc.run();  // the three access lines go in one write(), which fails too
  EXPECT_EQ(log->lines_lost(), 4u);
  ::close(fd);
}

TEST(log_level, parses_the_names) {
  EXPECT_EQ(ops::parse_level("warn"), ops::level::warning);
  EXPECT_EQ(ops::parse_level("off"), ops::level::off);
  ops::logger quiet(ops::level::off);
  EXPECT_FALSE(quiet.enabled(ops::level::error));
  EXPECT_FALSE(ops::parse_level("verbose"));
}

// A refused request says why; one that was not carries no refusal member.
TEST(access_log, names_the_refusal_when_the_http_layer_refused) {
  ops::access_record r;
  r.remote = "10.0.0.7";
  r.status = 503;
  r.refusal = http::refusal::too_many_connections;
  auto v = boost::json::parse(ops::access_line(r)).as_object();
  EXPECT_EQ(v.at("refusal").as_string(), "too_many_connections");
  EXPECT_EQ(v.at("level").as_string(), "error");
  EXPECT_EQ(v.at("http_method").as_string(), "");  // no request was read
  r.clear();
  r.status = 200;
  EXPECT_FALSE(boost::json::parse(ops::access_line(r)).as_object().contains("refusal"));
}

// Event details come from exceptions and errno texts: escaped, never spliced in raw.
TEST(event_log, escapes_the_detail) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_NONBLOCK), 0);
  {
    ops::logger log(ops::level::info, fds[1]);
    log.event(ops::level::error, "uncaught exception on I/O thread", "bad \"value\"\n\\ \x01");
    log.event(ops::level::info, "accepting resumed", "");
    log.event(ops::level::debug, "not written", "x");
  }
  auto out = drain(fds[0]);
  ::close(fds[0]);
  ::close(fds[1]);
  ASSERT_EQ(std::count(out.begin(), out.end(), '\n'), 2) << out;
  auto first = boost::json::parse(out.substr(0, out.find('\n'))).as_object();
  EXPECT_EQ(first.at("level").as_string(), "error");
  EXPECT_EQ(first.at("msg").as_string(), "uncaught exception on I/O thread");
  EXPECT_EQ(first.at("detail").as_string(), "bad \"value\"\n\\ \x01");
  auto second = boost::json::parse(out.substr(out.find('\n') + 1)).as_object();
  EXPECT_FALSE(second.contains("detail"));
}

// Header values may carry any byte but CR, LF and NUL: a line must stay valid UTF-8 JSON (a
// parser or a log shipper rejects the whole line otherwise), with each field bounded.
TEST(access_log, replaces_invalid_utf8_and_bounds_every_client_field) {
  ops::access_record r;
  r.status = 200;
  r.session = "\xff\xfe\x80-abc";                            // lone bytes
  r.request_id = "\xc3\x28 \xe2\x82 \xed\xa0\x80 \xc0\xaf";  // bad continuation, cut, surrogate, overlong
  r.target = "/mcp?\xf4\x90\x80\x80\x7f\x1b";                // beyond U+10FFFF, DEL, ESC
  r.client = std::string(300, 'c');
  r.name = std::string(255, 'n') + "\xe2\x82\xac";    // a 3-byte character across the bound
  r.rpc_method = "ok \xe2\x82\xac \xf0\x9f\x98\x80";  // valid: kept as it is
  r.http_method = std::string(10'000, 'M');
  auto line = ops::access_line(r);
  boost::system::error_code ec;
  auto v = boost::json::parse(line, ec);  // strict: invalid UTF-8 is an error
  ASSERT_FALSE(ec) << ec.message() << ": " << line;
  auto& o = v.as_object();
  const std::string fffd = "\xef\xbf\xbd";  // U+FFFD, once per byte that starts no valid sequence
  EXPECT_EQ(o.at("session").as_string(), fffd + fffd + fffd + "-abc");
  EXPECT_EQ(o.at("request_id").as_string().find("\xc3\x28"), std::string::npos);
  EXPECT_EQ(o.at("path").as_string(), "/mcp?" + fffd + fffd + fffd + fffd + "\x7f\x1b");
  EXPECT_NE(line.find("\\u001b"), std::string::npos) << line;
  EXPECT_EQ(o.at("method").as_string(), r.rpc_method);
  // Truncated to 256 bytes on a character boundary, marked with an ellipsis.
  EXPECT_EQ(o.at("client").as_string(), std::string(256, 'c') + "\xe2\x80\xa6");
  EXPECT_EQ(o.at("name").as_string(), std::string(255, 'n') + "\xe2\x80\xa6");
  EXPECT_EQ(o.at("http_method").as_string().size(), 256u + 3u);
  EXPECT_LT(line.size(), 2000u);
}

// The line is written into room made for its longest form: every field at its bound, each
// byte escaped to six, must still fit, after what the buffer held already.
TEST(access_log, the_longest_line_fits_the_room_made_for_it) {
  ops::access_record r;
  r.status = 599;
  r.latency = std::chrono::microseconds(std::numeric_limits<std::int64_t>::max());
  const std::string control(300, '\x01');  // "\u0001": six bytes out for each byte in
  for (auto* f : {&r.request_id, &r.trace_id, &r.http_method, &r.target, &r.remote, &r.session, &r.client,
                  &r.protocol_version, &r.rpc_method, &r.name, &r.rpc_id, &r.error_class, &r.error_code})
    *f = control;
  r.refusal = http::refusal::too_many_connections_from_address;
  std::string out = "before\n";
  ops::append_access_line(out, r);
  ASSERT_EQ(out.substr(0, 7), "before\n");
  auto v = boost::json::parse(std::string_view(out).substr(7));
  const std::string expect = std::string(256, '\x01') + "\xe2\x80\xa6";
  for (auto key : {"request_id", "trace_id", "http_method", "path", "remote", "session", "client", "protocol_version",
                   "method", "name", "rpc_id", "error_class", "error_code"})
    EXPECT_EQ(v.at(key).as_string(), expect) << key;
  EXPECT_EQ(v.at("latency_us").as_int64(), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(v.at("refusal").as_string(), "too_many_connections_from_address");
}

// Values are copied by size class (under 4, 4-7, 8-16 bytes with overlapping moves, longer):
// every length comes out whole, with nothing of its neighbours.
TEST(access_log, values_of_every_length_come_out_whole) {
  for (std::size_t n = 0; n <= 40; ++n) {
    ops::access_record r;
    r.status = 200;
    std::string v;
    for (std::size_t i = 0; i < n; ++i) v += static_cast<char>('a' + (i * 7 + n) % 26);
    r.request_id = v;
    r.http_method = v;
    r.target = "/" + v;
    r.rpc_method = "tools/call";
    r.name = v + "x";
    auto line = boost::json::parse(ops::access_line(r)).as_object();
    if (n > 0) EXPECT_EQ(line.at("request_id").as_string(), v) << n;
    else EXPECT_FALSE(line.contains("request_id"));
    EXPECT_EQ(line.at("http_method").as_string(), v) << n;  // written even when empty
    EXPECT_EQ(line.at("path").as_string(), "/" + v) << n;
    EXPECT_EQ(line.at("tool").as_string(), v + "x") << n;
  }
}

// Detail texts carry exception messages (which may quote client input): valid UTF-8 too.
TEST(event_log, detail_is_valid_utf8) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_NONBLOCK), 0);
  {
    ops::logger log(ops::level::info, fds[1]);
    log.event(ops::level::error, "failed", "bad byte \xff here");
  }
  auto out = drain(fds[0]);
  ::close(fds[0]);
  ::close(fds[1]);
  boost::system::error_code ec;
  auto v = boost::json::parse(out, ec);
  ASSERT_FALSE(ec) << out;
  EXPECT_EQ(v.at("detail").as_string(), "bad byte \xef\xbf\xbd here");
}

// The fast path reads eight bytes at a time: every byte value, at every place in and after a
// word, must be escaped (or replaced) exactly when the byte-by-byte rule says so, and the
// result must read back as the value wherever the value is valid UTF-8.
TEST(access_log, every_byte_at_every_position_is_escaped_as_one_at_a_time_would) {
  for (int c = 0; c < 256; ++c) {
    const bool as_is = c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
    for (std::size_t at = 0; at < 19; ++at) {
      std::string v(19, 'a');
      v[at] = static_cast<char>(c);
      std::string out;
      ops::append_json_string(out, v);
      if (as_is) {
        EXPECT_EQ(out, '"' + v + '"') << "byte " << c << " at " << at;
        continue;
      }
      EXPECT_NE(out, '"' + v + '"') << "byte " << c << " at " << at << " went out unescaped";
      if (c < 0x80) {
        EXPECT_EQ(boost::json::parse(out).as_string(), v) << "byte " << c << " at " << at;
      }
    }
  }
}
