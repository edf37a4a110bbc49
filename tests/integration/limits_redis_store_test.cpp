// The Redis limit store against a real redis-server: the script repeats gcra() exactly (driven
// with a fixed clock and compared step by step over random rates, costs and times), the key's
// TTL and prefix, failures mapped to store errors, and concurrent checks sharing round trips.
#include <gtest/gtest.h>

#include <atomic>
#include <charconv>
#include <random>

#include "limits_redis/gcra_script.hpp"
#include "limits_redis/redis_store.hpp"
#include "redis_server.hpp"
#include "redis_test_client.hpp"

using namespace mcpx::test;
namespace limits = mcpx::limits;
namespace redis = mcpx::redis;
using limits::usec;

namespace {

redis::options options_for(const redis_server& srv, std::size_t pool = 2) {
  redis::options o;
  o.url = srv.url();
  o.pool_size = pool;
  o.command_timeout = 2s;
  o.reconnect_min = 20ms;
  o.reconnect_max = 200ms;
  return o;
}

// Microseconds since 1970 as the script sees them today: the magnitude the doubles must hold.
constexpr std::int64_t epoch_now = 1'790'000'000'000'000;

std::optional<usec> stored_tat(redis::client& c, const std::string& key) {
  auto got = run(c, {"GET", key});
  if (got.r.is_nil()) return std::nullopt;
  std::int64_t v = 0;
  auto s = got.r.str();
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  EXPECT_TRUE(ec == std::errc() && end == s.data() + s.size()) << "not a decimal integer: " << s;
  return usec(v);
}

// The script at a fixed `now`: the raw answer and the decision read from it.
struct scripted {
  redis::reply raw;
  limits::check_result d = limits::store_error::protocol;
};

scripted run_at(redis::client& c, const std::string& key, const limits::rate& r, std::int64_t cost, usec now) {
  limits::script_args args(r, cost, now);
  std::vector<std::string> a(args.views().begin(), args.views().end());
  auto out = run_script(c, limits::gcra_script(), {key}, a);
  EXPECT_FALSE(out.ec) << out.ec.message();
  scripted s;
  s.d = limits::decision_of(out.r, now);
  s.raw = std::move(out.r);
  return s;
}

std::string describe(const limits::decision& d) {
  return "allowed=" + std::to_string(d.allowed) + " why=" + std::to_string(int(d.why)) +
         " tat=" + std::to_string(d.tat.count()) + " remaining=" + std::to_string(d.remaining) +
         " retry_after=" + std::to_string(d.retry_after.count()) +
         " next_after=" + std::to_string(d.next_after.count()) +
         " reset_after=" + std::to_string(d.reset_after.count());
}

bool same(const limits::decision& a, const limits::decision& b) {
  return a.allowed == b.allowed && a.why == b.why && a.tat == b.tat && a.remaining == b.remaining &&
         a.retry_after == b.retry_after && a.next_after == b.next_after && a.reset_after == b.reset_after;
}

// Waits (bounded) for one check of `s`.
limits::check_result check_once(limits::limit_store& s, std::string_view key, const limits::rate& r,
                                std::int64_t cost = 1) {
  auto p = std::make_shared<std::promise<limits::check_result>>();
  auto f = p->get_future();
  s.check(key, r, cost, limits::steady_now(), [p](limits::check_result res) { p->set_value(std::move(res)); });
  if (f.wait_for(3s) != std::future_status::ready) {
    ADD_FAILURE() << "no completion within 3 s";
    return limits::store_error::protocol;
  }
  return f.get();
}

limits::rate random_rate(std::mt19937_64& rng) {
  static constexpr std::int64_t rpms[] = {1, 7, 10, 30, 60, 600, 1000, 10'000, 59'999, 1'000'000, 60'000'000};
  static constexpr std::int64_t bursts[] = {1, 2, 5, 10, 200, 1000, 1'000'000};
  std::uniform_int_distribution<std::size_t> pick_rpm(0, std::size(rpms)), pick_burst(0, std::size(bursts));
  limits::rate r;
  auto i = pick_rpm(rng);
  r.requests_per_minute = i < std::size(rpms) ? rpms[i]
                                              : std::uniform_int_distribution<std::int64_t>(1, 60'000'000)(rng);
  auto j = pick_burst(rng);
  r.burst = j < std::size(bursts) ? bursts[j] : std::uniform_int_distribution<std::int64_t>(1, 50)(rng);
  return r;
}

}  // namespace

TEST(redis_limit_store, the_script_agrees_with_gcra_over_random_sequences) {
  redis_server srv;
  io_threads io;
  auto c = connected(io.ioc, options_for(srv, 1));
  std::mt19937_64 rng(20261130);
  int steps = 0, admitted = 0, limited = 0, impossible = 0, expired_between = 0;
  for (int seq = 0; seq < 120; ++seq) {
    const auto r = random_rate(rng);
    const std::int64_t t = limits::interval(r).count();
    const std::string key = "gcra:" + std::to_string(seq);
    std::int64_t now = epoch_now + std::uniform_int_distribution<std::int64_t>(0, 1'000'000'000)(rng);
    for (int step = 0; step < 30; ++step, ++steps) {
      // Mostly bursts and waits around T, sometimes a long rest, sometimes an odd cost.
      const int shape = std::uniform_int_distribution<int>(0, 9)(rng);
      if (shape < 4) now += 0;
      else if (shape < 8) now += std::uniform_int_distribution<std::int64_t>(0, 3 * t)(rng);
      else now += std::uniform_int_distribution<std::int64_t>(0, 2 * std::min<std::int64_t>(r.burst, 100) * t)(rng);
      std::int64_t cost = 1;
      if (shape == 3)
        cost = std::uniform_int_distribution<std::int64_t>(0, std::min<std::int64_t>(r.burst + 1, 20))(rng);
      if (shape == 9) cost = r.burst + 1;
      // Fed the TAT the key holds. Its TTL runs on Redis' real clock while this test's clock is
      // fixed: a key of a few milliseconds may end between the GET and the script, and the
      // script then rightly sees none.
      const auto held = stored_tat(*c, key);
      const auto ttl = run(*c, {"PTTL", key}).r.as_integer();
      auto want = limits::gcra(held, usec(now), r, cost);
      const auto got = run_at(*c, key, r, cost, usec(now));
      ASSERT_TRUE(got.d.has_value()) << redis::to_string(got.raw);
      const auto& d = *got.d;
      if (held && ttl < 20 && !same(d, want)) {
        want = limits::gcra(std::nullopt, usec(now), r, cost);
        ++expired_between;
      }
      const std::string ctx = "seq " + std::to_string(seq) + " step " + std::to_string(step) + " rate " +
                              std::to_string(r.requests_per_minute) + "/" + std::to_string(r.burst) + " cost " +
                              std::to_string(cost) + "\n want " + describe(want) + "\n  got " + describe(d);
      ASSERT_EQ(d.allowed, want.allowed) << ctx;
      ASSERT_EQ(d.why, want.why) << ctx;
      ASSERT_EQ(d.tat, want.tat) << ctx;
      ASSERT_EQ(got.raw.elements()[2].as_integer(), want.tat.count()) << ctx;
      ASSERT_EQ(d.remaining, want.remaining) << ctx;
      ASSERT_EQ(d.retry_after, want.retry_after) << ctx;
      ASSERT_EQ(d.next_after, want.next_after) << ctx;
      ASSERT_EQ(d.reset_after, want.reset_after) << ctx;
      if (d.allowed) {
        // What the script stored is the new TAT, unless its (real-time) TTL already ended.
        const auto after = stored_tat(*c, key);
        if (after || d.reset_after > 200ms) {
          ASSERT_EQ(after, want.tat) << ctx;
        }
      }
      admitted += d.allowed;
      limited += d.why == limits::refusal_cause::limited;
      impossible += d.why == limits::refusal_cause::impossible;
    }
  }
  // The sequences reached every branch.
  EXPECT_GT(admitted, steps / 10);
  EXPECT_GT(limited, steps / 20);
  EXPECT_GT(impossible, 10);
  std::cout << steps << " steps: " << admitted << " admitted, " << limited << " limited, " << impossible
            << " impossible; " << expired_between << " keys expired between GET and the script\n";
}

TEST(redis_limit_store, a_key_lives_as_long_as_reset_after_and_a_refusal_writes_nothing) {
  redis_server srv;
  io_threads io;
  auto c = connected(io.ioc, options_for(srv));
  const limits::rate r{60, 3};  // T = 1 s
  const usec now(epoch_now);
  auto first = run_at(*c, "ttl", r, 2, now);
  ASSERT_TRUE(first.d.has_value() && first.d->allowed);
  EXPECT_EQ(first.d->reset_after, 2s);
  auto pttl = run(*c, {"PTTL", "ttl"}).r.as_integer();
  EXPECT_GT(pttl, 1900);
  EXPECT_LE(pttl, 2000);
  // A refusal (cost 2 with one cell left) leaves the value and the TTL alone.
  auto refused = run_at(*c, "ttl", r, 2, now + 100ms);
  ASSERT_TRUE(refused.d.has_value());
  EXPECT_FALSE(refused.d->allowed);
  EXPECT_EQ(refused.d->retry_after, 900ms) << "the TAT would be now + 4 s, the limit is now + 100 ms + 3 s";
  EXPECT_EQ(stored_tat(*c, "ttl"), usec(epoch_now) + 2s);
  EXPECT_LE(run(*c, {"PTTL", "ttl"}).r.as_integer(), pttl);
  // An odd reset_after rounds the TTL up to the next millisecond, never down.
  auto odd = run_at(*c, "odd", limits::rate{7, 1}, 1, now);  // T = 8,571,429 µs
  ASSERT_TRUE(odd.d.has_value() && odd.d->allowed);
  auto odd_ttl = run(*c, {"PTTL", "odd"}).r.as_integer();
  EXPECT_GT(odd_ttl, 8472);
  EXPECT_LE(odd_ttl, 8572);
}

TEST(redis_limit_store, checks_run_on_redis_time_under_the_key_prefix) {
  redis_server srv;
  io_threads io;
  auto c = connected(io.ioc, options_for(srv));
  limits::redis_store a("tenant-a:", c), b("tenant-b:", c);
  const limits::rate r{60, 2};
  const auto caller = std::this_thread::get_id();
  std::atomic<bool> on_caller{true};
  auto p = std::make_shared<std::promise<limits::check_result>>();
  auto f = p->get_future();
  const usec caller_now(42);
  a.check("t:development:a4:7f000001", r, 1, caller_now, [&, p](limits::check_result res) {
    on_caller = std::this_thread::get_id() == caller;
    p->set_value(std::move(res));
  });
  ASSERT_EQ(f.wait_for(3s), std::future_status::ready);
  EXPECT_FALSE(on_caller.load()) << "completed inside check(): it must come later, on the client's executor";
  auto d = f.get();
  ASSERT_TRUE(d.has_value());
  EXPECT_TRUE(d->allowed);
  EXPECT_EQ(d->remaining, 1);
  // The stored TAT is on Redis' clock; the decision's on the caller's.
  EXPECT_EQ(d->tat, caller_now + d->reset_after);
  auto held = stored_tat(*c, "tenant-a:t:development:a4:7f000001");
  ASSERT_TRUE(held);
  auto clock = run(*c, {"TIME"}).r.elements();
  const std::int64_t redis_now = std::stoll(std::string(clock[0].str())) * 1'000'000 +
                                 std::stoll(std::string(clock[1].str()));
  EXPECT_NEAR(double(held->count()), double(redis_now + 1'000'000), 1e6) << "Redis' TIME plus one T";
  EXPECT_GT(run(*c, {"PTTL", "tenant-a:t:development:a4:7f000001"}).r.as_integer(), 0);
  // Another prefix is another budget.
  EXPECT_TRUE(check_once(a, "t:development:a4:7f000001", r)->allowed);
  EXPECT_FALSE(check_once(a, "t:development:a4:7f000001", r)->allowed);
  EXPECT_TRUE(check_once(b, "t:development:a4:7f000001", r)->allowed);
  EXPECT_FALSE(a.try_check("t:development:a4:7f000001", r, 1, caller_now)) << "Redis never answers inline";
}

TEST(redis_limit_store, failures_become_store_errors_and_a_restart_needs_nothing) {
  redis_server srv;
  io_threads io;
  auto opts = options_for(srv, 1);
  opts.command_timeout = 300ms;
  auto c = connected(io.ioc, opts);
  const limits::rate r{60, 10};

  limits::redis_store detached("x:");
  auto none = check_once(detached, "k", r);
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error(), limits::store_error::unavailable);

  limits::redis_store s("x:", c);
  ASSERT_TRUE(check_once(s, "k", r).has_value());
  // An answer that is not a decision: the key holds a hash, so the script's GET fails.
  run(*c, {"HSET", "x:hash", "f", "v"});
  auto bad = check_once(s, "hash", r);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error(), limits::store_error::protocol);
  EXPECT_NE(s.last_bad_reply().find("WRONGTYPE"), std::string::npos) << s.last_bad_reply();

  // No answer in time: the server is paused.
  ASSERT_EQ(srv.raw({"CLIENT", "PAUSE", "1000", "ALL"}), "OK");
  auto slow = check_once(s, "k", r);
  ASSERT_FALSE(slow.has_value());
  EXPECT_EQ(slow.error(), limits::store_error::timeout);

  // Down: at once, without waiting for the timeout.
  ASSERT_TRUE(eventually([&] { return check_once(s, "k", r).has_value(); }, 5s));
  srv.kill();
  ASSERT_TRUE(eventually([&] { return !c->ready(); }, 3s));
  const auto t0 = std::chrono::steady_clock::now();
  auto down = check_once(s, "k", r);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 200ms);
  ASSERT_FALSE(down.has_value());
  EXPECT_EQ(down.error(), limits::store_error::unavailable);

  // Back on the same port, empty (the script is not loaded: EVALSHA gets NOSCRIPT, then EVAL).
  srv.start();
  ASSERT_TRUE(eventually([&] { return c->ready(); }, 5s)) << c->status().last_error;
  auto back = check_once(s, "k", r);
  ASSERT_TRUE(back.has_value());
  EXPECT_TRUE(back->allowed);
  EXPECT_EQ(back->remaining, 9) << "a fresh key: the restarted server kept nothing";
  c->stop();
}

TEST(redis_limit_store, concurrent_checks_share_round_trips_and_admit_exactly_the_burst) {
  redis_server srv;
  io_threads io;
  auto c = connected(io.ioc, options_for(srv));
  limits::redis_store s("p:", c);
  const limits::rate r{1, 300};  // T = 1 min: no cell comes back during the test
  constexpr int per_thread = 500;
  std::atomic<int> done{0}, allowed{0}, failed{0};
  ASSERT_TRUE(check_once(s, "t:dev:warm", r).has_value());  // loads the script (NOSCRIPT, then EVAL)
  const auto before = c->counters();
  auto fire = [&] {
    for (int i = 0; i < per_thread; ++i)
      s.check("t:dev:hot", r, 1, limits::steady_now(), [&](limits::check_result res) {
        if (!res.has_value()) ++failed;
        else if (res->allowed) ++allowed;
        ++done;
      });
  };
  std::thread t1(fire), t2(fire);
  t1.join();
  t2.join();
  ASSERT_TRUE(eventually([&] { return done.load() == 2 * per_thread; }, 10s)) << done.load();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(allowed.load(), 300) << "the burst, exactly, however the checks interleave";
  const auto after = c->counters();
  const auto commands = after.commands - before.commands, writes = after.writes - before.writes;
  EXPECT_EQ(commands, 2u * per_thread);
  // Shared writes, not a ratio of them: with both CPUs busy (ctest -j2), 1000 checks took 2 to
  // 214 writes in 12 runs, and a bound of a quarter failed once. Unpipelined is one per check.
  EXPECT_LT(writes * 2, commands) << "pipelined: " << commands << " commands in " << writes << " writes";
  std::cout << commands << " checks in " << writes << " writes\n";
}
