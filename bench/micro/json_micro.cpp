// A tool's text result as JSON text: what jsonrpc::to_text costs against json::serialize, and
// against one read of Boost.JSON's serializer into a buffer already big enough (the floor).
// Run: build/bin/mcpx-micro --benchmark_filter=text_result
#include <benchmark/benchmark.h>

#include <boost/json.hpp>

#include "jsonrpc/message.hpp"

namespace {

namespace json = boost::json;

json::value text_result(std::size_t size) {
  std::string text(size, ' ');
  for (std::size_t i = 0; i < size; ++i) text[i] = static_cast<char>('A' + i % 26);
  return json::value{{"content", json::array{json::object{{"type", "text"}, {"text", std::move(text)}}}}};
}

void text_result_to_text(benchmark::State& state) {
  const auto v = text_result(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(mcpx::jsonrpc::to_text(v).data());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * state.range(0)));
}

void text_result_serialize(benchmark::State& state) {
  const auto v = text_result(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(json::serialize(v).data());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * state.range(0)));
}

void text_result_one_read(benchmark::State& state) {
  const auto v = text_result(static_cast<std::size_t>(state.range(0)));
  std::string out(static_cast<std::size_t>(state.range(0)) + 256, '\0');
  for (auto _ : state) {
    json::serializer sr;
    sr.reset(&v);
    benchmark::DoNotOptimize(sr.read(out.data(), out.size()).data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * state.range(0)));
}

}  // namespace

BENCHMARK(text_result_to_text)->Arg(1 << 10)->Arg(100 << 10)->Arg(1 << 20);
BENCHMARK(text_result_serialize)->Arg(1 << 10)->Arg(100 << 10)->Arg(1 << 20);
BENCHMARK(text_result_one_read)->Arg(1 << 10)->Arg(100 << 10)->Arg(1 << 20);
