// The Redis limit store against the memory store, measured in the same run (Google
// Benchmark): checks per second through one client (two pipelined connections) with 1 to 512
// checks in flight, and how many checks shared each socket write. Starts its own redis-server
// on a free loopback port (no persistence) and kills it at the end.
//   build/bin/mcpx-bench-limits-redis [--benchmark_repetitions=3 --benchmark_report_aggregates_only=true]
#include <benchmark/benchmark.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "limits_redis/redis_store.hpp"

namespace {

namespace net = boost::asio;
namespace limits = mcpx::limits;

// The production tier: T = 60 ms, burst 200. Keys cycle over 1000 clients, as a busy replica's
// would; about one check in five is admitted once the buckets are drained.
constexpr limits::rate tier{1000, 200};
constexpr int clients = 1000;

std::vector<std::string> make_keys() {
  std::vector<std::string> keys;
  for (int i = 0; i < clients; ++i) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "t:production:c4f2a9e1d07b3c58:client-%04d", i);
    keys.emplace_back(buf);
  }
  return keys;
}

unsigned short free_port() {
  net::io_context ioc;
  net::ip::tcp::acceptor a(ioc, {net::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

bool accepts(unsigned short port) {
  net::io_context ioc;
  net::ip::tcp::socket s(ioc);
  boost::system::error_code ec;
  s.connect({net::ip::make_address("127.0.0.1"), port}, ec);
  return !ec;
}

// A redis-server, a thread running the client's io_context, the client and the store.
struct redis_env {
  unsigned short port = free_port();
  pid_t pid = -1;
  net::io_context ioc;
  net::executor_work_guard<net::io_context::executor_type> guard{ioc.get_executor()};
  std::thread io;
  std::shared_ptr<mcpx::redis::client> client;
  std::unique_ptr<limits::redis_store> store;

  redis_env() {
    pid = ::fork();
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      std::string p = std::to_string(port);
      ::execl("/usr/bin/redis-server", "redis-server", "--port", p.c_str(), "--bind", "127.0.0.1", "--save", "",
              "--appendonly", "no", "--loglevel", "warning", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 500 && !accepts(port); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    io = std::thread([this] { ioc.run(); });
    mcpx::redis::options o;
    o.url = "redis://127.0.0.1:" + std::to_string(port);
    o.command_timeout = std::chrono::seconds(2);
    client = mcpx::redis::client::create(ioc.get_executor(), o);
    client->start();
    for (int i = 0; i < 500 && client->status().ready < o.pool_size; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    store = std::make_unique<limits::redis_store>("bench:", client);
  }
  ~redis_env() {
    store.reset();
    client->stop();
    client.reset();
    guard.reset();
    io.join();
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
};

redis_env* env = nullptr;

// Keeps `window` checks in flight: each iteration starts one, after waiting for a free slot.
void run_windowed(benchmark::State& state, limits::limit_store& store, int window) {
  static const auto keys = make_keys();
  std::mutex mu;
  std::condition_variable cv;
  int in_flight = 0;
  std::size_t i = 0;
  for (auto _ : state) {
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return in_flight < window; });
      ++in_flight;
    }
    store.check(keys[i++ % keys.size()], tier, 1, limits::steady_now(), [&](limits::check_result r) {
      benchmark::DoNotOptimize(r);
      {
        std::lock_guard lock(mu);
        --in_flight;
      }
      cv.notify_one();
    });
  }
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return in_flight == 0; });
  state.SetItemsProcessed(state.iterations());
}

void redis_store_check(benchmark::State& state) {
  const auto before = env->client->counters();
  run_windowed(state, *env->store, static_cast<int>(state.range(0)));
  const auto after = env->client->counters();
  const double writes = double(after.writes - before.writes);
  state.counters["checks_per_write"] = writes > 0 ? double(after.commands - before.commands) / writes : 0;
  state.counters["errors"] = double(after.errors + after.timeouts - before.errors - before.timeouts);
}
BENCHMARK(redis_store_check)->Arg(1)->Arg(8)->Arg(64)->Arg(512)->UseRealTime();

// The same checks on the memory store, through the same asynchronous entry point (the
// completion runs inline).
void memory_store_check(benchmark::State& state) {
  static auto store = limits::make_memory_store();
  run_windowed(state, *store, 1);
}
BENCHMARK(memory_store_check)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  if (::access("/usr/bin/redis-server", X_OK) != 0) {
    std::fprintf(stderr, "mcpx-bench-limits-redis: /usr/bin/redis-server is needed\n");
    return 1;
  }
  redis_env e;
  env = &e;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  env = nullptr;
  return 0;
}
