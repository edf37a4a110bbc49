// watched_store: one report when checks start failing and one when they answer again, however
// many checks fail in between, from both ways in (check and try_check), and from many threads.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "limits/watched_store.hpp"

namespace limits = mcpx::limits;
using limits::check_result;
using limits::store_error;

namespace {

// A store whose answers the test sets: a decision, or a failure.
class scripted_store final : public limits::limit_store {
 public:
  std::atomic<bool> failing{false};
  check_result answer() const {
    if (failing) return store_error::timeout;
    return limits::decision{};
  }
  void check(std::string_view, const limits::rate&, std::int64_t, limits::usec, limits::completion done) override {
    done(answer());
  }
  std::optional<check_result> try_check(std::string_view, const limits::rate&, std::int64_t, limits::usec) override {
    return answer();
  }
};

struct report {
  bool failing;
  store_error e;
  std::uint64_t failed;
};

struct watched {
  scripted_store* inner = nullptr;
  std::mutex mu;
  std::vector<report> reports;
  std::unique_ptr<limits::watched_store> store;
  watched() {
    auto s = std::make_unique<scripted_store>();
    inner = s.get();
    store = std::make_unique<limits::watched_store>(std::move(s), [this](bool f, store_error e, std::uint64_t n) {
      std::lock_guard lock(mu);
      reports.push_back({f, e, n});
    });
  }
  void check() {
    store->check("k", {60, 10}, 1, limits::usec(0), [](check_result) {});
  }
};

}  // namespace

TEST(watched_store, an_outage_is_reported_once_each_way) {
  watched w;
  for (int i = 0; i < 3; ++i) w.check();
  EXPECT_TRUE(w.reports.empty()) << "answering from the start: nothing to report";
  w.inner->failing = true;
  for (int i = 0; i < 5; ++i) w.check();
  (void)w.store->try_check("k", {60, 10}, 1, limits::usec(0));
  ASSERT_EQ(w.reports.size(), 1u);
  EXPECT_TRUE(w.reports[0].failing);
  EXPECT_EQ(w.reports[0].e, store_error::timeout);
  w.inner->failing = false;
  w.check();
  w.check();
  ASSERT_EQ(w.reports.size(), 2u);
  EXPECT_FALSE(w.reports[1].failing);
  EXPECT_EQ(w.reports[1].failed, 6u) << "every failed check of the outage, both ways in";
  // A second outage is reported again, counted from zero.
  w.inner->failing = true;
  w.check();
  w.inner->failing = false;
  w.check();
  ASSERT_EQ(w.reports.size(), 4u);
  EXPECT_EQ(w.reports[3].failed, 1u);
}

TEST(watched_store, concurrent_checks_report_each_transition_once) {
  watched w;
  w.inner->failing = true;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) w.check();
    });
  for (auto& t : threads) t.join();
  ASSERT_EQ(w.reports.size(), 1u);
  w.inner->failing = false;
  threads.clear();
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) w.check();
    });
  for (auto& t : threads) t.join();
  ASSERT_EQ(w.reports.size(), 2u);
  EXPECT_EQ(w.reports[1].failed, 4000u);
}
