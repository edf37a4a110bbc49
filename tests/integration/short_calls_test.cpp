// Worker-pool tools whose calls are short run them on the I/O thread that read them
// (options::worker_short_call): on a real server, a quick tool answers from the I/O thread;
// a tool that blocks there does not hold up the other requests (the thread's spare runs the
// loop meanwhile); after two such calls its calls go to the workers; zero turns it all off.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <future>
#include <mcpx/server.hpp>
#include <string>
#include <thread>

#include "test_client.hpp"

using namespace mcpx::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

std::string this_thread_name() { return std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id())); }

struct short_call_server {
  mcpx::server srv;
  explicit short_call_server(std::chrono::microseconds short_call) : srv({"short-calls", "1"}, opts(short_call)) {
    srv.tool("quick").handle([](const mcpx::args&, mcpx::context&) {
      return mcpx::tool_result::text(this_thread_name());
    });
    srv.tool("nap").handle([](const mcpx::args&, mcpx::context&) {
      std::this_thread::sleep_for(300ms);
      return mcpx::tool_result::text(this_thread_name());
    });
    srv.start();
  }
  static mcpx::options opts(std::chrono::microseconds short_call) {
    mcpx::options o;
    o.port = 0;
    o.log_level = "warning";
    o.io_threads = 1;
    o.worker_threads = 2;
    o.worker_short_call = short_call;
    return o;
  }
  std::string call(const std::string& tool, int id = 1) {
    auto r = roundtrip(srv.port(),
                       post(modern_body(id, "tools/call", {{"name", tool}}), modern_headers("tools/call", tool)));
    EXPECT_EQ(r.status, 200) << r.body;
    auto v = json::parse(r.body);
    return std::string(v.at("result").at("content").at(0).at("text").as_string());
  }
  double metric(const std::string& name) {
    auto m = roundtrip(srv.port(), get("/metrics"));
    auto at = m.body.find("\n" + name + " ");
    if (at == std::string::npos) return -1;
    return std::stod(m.body.substr(at + name.size() + 2));
  }
};

}  // namespace

TEST(short_calls, a_quick_tool_answers_from_the_io_thread_and_a_blocking_one_holds_nothing_up) {
  short_call_server s(50ms);  // "quick" stays short even in a sanitizer build on a busy machine
  // A call runs on the I/O thread only while a worker sleeps for it to hold; the workers just
  // started may not sleep yet, so the first calls may go to them.
  std::string io_thread;
  for (int i = 0; i < 500 && io_thread.empty(); ++i) {
    const double before = s.metric("mcpx_worker_calls_on_io_threads_total");
    const std::string on = s.call("quick");
    if (s.metric("mcpx_worker_calls_on_io_threads_total") > before) io_thread = on;
    else std::this_thread::sleep_for(10ms);
  }
  ASSERT_FALSE(io_thread.empty()) << "no call ran on the I/O thread";
  EXPECT_EQ(s.call("quick", 2), io_thread) << "the same thread every time: the I/O thread";

  // Never measured: the first nap runs on the I/O thread too, and blocks it for 300 ms.
  auto nap = std::async(std::launch::async, [&] { return s.call("nap", 3); });
  std::this_thread::sleep_for(50ms);
  const auto t0 = std::chrono::steady_clock::now();
  s.call("quick", 4);  // served by the spare meanwhile (or by a worker, the tool being quick)
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 200ms) << "the blocked I/O thread held up another request";
  EXPECT_EQ(nap.get(), io_thread);
  EXPECT_EQ(s.metric("mcpx_io_thread_takeovers_total"), 1);

  // One call past 1 ms may only have been preempted; a second in a row sends the tool's next
  // calls to the workers.
  EXPECT_EQ(s.call("nap", 5), io_thread);
  EXPECT_EQ(s.metric("mcpx_io_thread_takeovers_total"), 2);
  EXPECT_NE(s.call("nap", 6), io_thread);
  EXPECT_EQ(s.metric("mcpx_io_thread_takeovers_total"), 2);
  EXPECT_EQ(s.call("quick", 7), io_thread) << "per tool";
}

TEST(short_calls, zero_keeps_every_call_on_a_worker) {
  short_call_server s(0us);
  const std::string first = s.call("quick");
  s.call("quick", 2);
  EXPECT_EQ(s.metric("mcpx_worker_calls_on_io_threads_total"), 0);
  EXPECT_EQ(s.metric("mcpx_io_thread_takeovers_total"), 0);
}
