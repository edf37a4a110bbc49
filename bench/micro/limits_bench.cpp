// Micro-benchmarks of the memory limit store (Google Benchmark): a check on one hot key, and on
// a million distinct keys visited in random order, single-threaded and from two threads.
//   build/bin/mcpx-bench-limits [--benchmark_repetitions=5 --benchmark_report_aggregates_only=true]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "limits/keys.hpp"
#include "mcpx/limits/store.hpp"

namespace {

using mcpx::limits::usec;

constexpr std::size_t million = 1'000'000;

// T = 2 s, burst 10. In the distinct-keys run each key comes back once a simulated second, so
// every key stays live (its TAT ahead of now): a million keys held, none expiring.
constexpr mcpx::limits::rate slow{30, 10};

// Keys shaped as the stage builds them (tier, issuer hash, client id), 46 bytes: longer than a
// std::string holds inline. Kept in place, in one array read in order, so reading the next
// key costs the benchmark no cache miss (the stage builds its key on the stack).
using key_text = std::array<char, 48>;

std::vector<key_text> make_keys(std::size_t n) {
  std::vector<key_text> keys(n);
  for (std::size_t i = 0; i < n; ++i)
    std::snprintf(keys[i].data(), keys[i].size(), "t:production:c4f2a9e1d07b3c58:client-%08zu", i);
  std::shuffle(keys.begin(), keys.end(), std::mt19937_64(42));
  return keys;
}

std::string_view view(const key_text& k) { return {k.data(), 46}; }

long resident_kib() {
  long pages = 0, resident = 0;
  if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return resident * 4;
}

struct shared_state {
  std::unique_ptr<mcpx::limits::memory_store> store;
  std::vector<key_text> keys;
  double bytes_per_key = 0;
};

// Built once, by the first benchmark that needs it: a full store of a million keys.
shared_state& distinct() {
  static shared_state s = [] {
    shared_state st;
    st.keys = make_keys(million);
    const long before = resident_kib();
    // Room to spare: a shard fills at max_keys / shards, and a million keys hashed into 64
    // shards fill the fullest ones first (the default 1M would refuse ~0.4 % of them).
    st.store = mcpx::limits::make_memory_store({.max_keys = 2 * million, .shards = 64});
    for (const auto& k : st.keys) (void)st.store->try_check(view(k), slow, 1, usec(0));
    st.bytes_per_key = (resident_kib() - before) * 1024.0 / static_cast<double>(st.store->size());
    return st;
  }();
  return s;
}

void hot_key(benchmark::State& state) {
  static auto store = mcpx::limits::make_memory_store();
  // T = 1 µs: one cell per simulated microsecond, so about half the checks are admitted.
  const mcpx::limits::rate r{60'000'000, 100};
  std::int64_t now = state.thread_index() * 7;
  for (auto _ : state) {
    auto d = store->try_check("t:production:c4f2a9e1d07b3c58:client-hot", r, 1, usec(now / 2));
    benchmark::DoNotOptimize(d);
    ++now;
  }
}
BENCHMARK(hot_key)->Threads(1)->Threads(2)->UseRealTime();

void distinct_keys(benchmark::State& state) {
  shared_state& s = distinct();
  // Each thread walks the keys from its own offset, one simulated microsecond per check.
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * (million / 2);
  std::int64_t now = 1'000'000;
  for (auto _ : state) {
    auto d = s.store->try_check(view(s.keys[i]), slow, 1, usec(now));
    benchmark::DoNotOptimize(d);
    if (++i == s.keys.size()) i = 0;
    ++now;
  }
  state.counters["keys"] = benchmark::Counter(static_cast<double>(s.store->size()), benchmark::Counter::kAvgThreads);
  state.counters["bytes_per_key"] = benchmark::Counter(s.bytes_per_key, benchmark::Counter::kAvgThreads);
}
BENCHMARK(distinct_keys)->Threads(1)->Threads(2)->UseRealTime();

// The parts of a check, for scale: the decision alone, and building a key as the stage would.
void decision_only(benchmark::State& state) {
  std::optional<usec> tat;
  std::int64_t now = 0;
  for (auto _ : state) {
    auto d = mcpx::limits::gcra(tat, usec(now / 2), mcpx::limits::rate{60'000'000, 100}, 1);
    if (d.allowed) tat = d.tat;
    benchmark::DoNotOptimize(d);
    ++now;
  }
}
BENCHMARK(decision_only);

void identify_and_key(benchmark::State& state) {
  mcpx::principal who;
  who.issuer = "https://auth.example.com/realms/production";
  who.client_id = "crm-assistant-7f3a";
  who.subject = "user-123";
  for (auto _ : state) {
    auto key = mcpx::limits::tier_key("production", mcpx::limits::identify(&who, {}));
    benchmark::DoNotOptimize(key);
  }
}
BENCHMARK(identify_and_key);

}  // namespace

BENCHMARK_MAIN();
