// What a client can make the server keep is bounded in bytes: session records (declarations,
// subscriptions) and task records, per record and in total.
#include <gtest/gtest.h>

#include <thread>

#include "mcpx/state/stores.hpp"

using namespace mcpx::state;

namespace {

session_record record(std::string id, std::size_t info_bytes = 0) {
  session_record r;
  r.id = std::move(id);
  r.protocol_version = "2025-11-25";
  r.client_info_json = "{\"name\":\"" + std::string(info_bytes, 'x') + "\"}";
  return r;
}

// A completed task whose result is `bytes` long.
task_record completed_task(std::string id, std::size_t bytes) {
  return {std::move(id), "completed", std::string(bytes, 'x'), std::chrono::system_clock::now() + std::chrono::hours(1),
          ""};
}

}  // namespace

TEST(session_budget, a_record_over_its_budget_is_refused) {
  auto s = make_memory_session_store(std::chrono::seconds(60), session_limits{10, 4096, 1 << 20, 8});
  EXPECT_FALSE(s->create(record("big", 5000)));
  EXPECT_TRUE(s->create(record("small", 100)));
  EXPECT_EQ(s->size(), 1u);
  EXPECT_EQ(s->bytes(), record("small", 100).bytes());
}

TEST(session_budget, the_total_is_bounded_and_freed_on_erase) {
  const auto one = record("a", 1000).bytes();
  auto s = make_memory_session_store(std::chrono::seconds(60), session_limits{100, 4096, 2 * one + 10, 8});
  EXPECT_TRUE(s->create(record("a", 1000)));
  EXPECT_TRUE(s->create(record("b", 1000)));
  EXPECT_FALSE(s->create(record("c", 1000)));  // over the total
  EXPECT_TRUE(s->erase("a"));
  EXPECT_TRUE(s->create(record("c", 1000)));  // the erased bytes were given back
  EXPECT_EQ(s->bytes(), 2 * one);
}

TEST(session_budget, subscriptions_are_bounded_in_count_and_bytes) {
  auto s = make_memory_session_store(std::chrono::seconds(60), session_limits{10, 4096, 1 << 20, 3});
  ASSERT_TRUE(s->create(record("a")));
  for (auto uri : {"u://1", "u://2", "u://3"}) EXPECT_TRUE(s->subscribe("a", uri));
  EXPECT_TRUE(s->subscribe("a", "u://2"));   // already there: no new cost
  EXPECT_FALSE(s->subscribe("a", "u://4"));  // over the count
  s->unsubscribe("a", "u://1");
  EXPECT_FALSE(s->subscribe("a", "u://" + std::string(4000, 'y')));  // over the record's bytes
  EXPECT_TRUE(s->subscribe("a", "u://5"));
  EXPECT_EQ(s->touch("a")->subscriptions.size(), 3u);
  EXPECT_EQ(s->bytes(), s->touch("a")->bytes());
  EXPECT_FALSE(s->subscribe("nobody", "u://1"));
}

TEST(session_budget, expiry_gives_the_bytes_back) {
  auto s = make_memory_session_store(std::chrono::seconds(0), session_limits{});
  ASSERT_TRUE(s->create(record("a", 100)));
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(s->expire().size(), 1u);
  EXPECT_EQ(s->bytes(), 0u);
}

TEST(task_budget, records_are_bounded_in_size_count_and_total) {
  auto s = make_memory_task_store(task_limits{3, 1000, 2500});
  EXPECT_FALSE(s->put(completed_task("big", 1001)));
  EXPECT_TRUE(s->put(completed_task("a", 1000)));
  EXPECT_TRUE(s->put(completed_task("b", 1000)));
  EXPECT_FALSE(s->put(completed_task("c", 1000)));  // 3000 > 2500
  EXPECT_TRUE(s->put(completed_task("c", 400)));
  EXPECT_FALSE(s->put(completed_task("d", 10)));  // a fourth record
  EXPECT_TRUE(s->put(completed_task("a", 10)));   // replacing shrinks the total
  EXPECT_EQ(s->bytes(), 10u + 1000u + 400u);
  EXPECT_TRUE(s->erase("b"));
  EXPECT_EQ(s->bytes(), 410u);
  EXPECT_FALSE(s->put(completed_task("a", 2000)));  // a refused replacement changes nothing
  EXPECT_EQ(s->get("a")->detail_json.size(), 10u);
}

namespace {

std::unique_ptr<event_store> events_within(std::size_t session_bytes, std::size_t total_bytes) {
  event_limits l;
  l.max_session_bytes = session_bytes;
  l.max_total_bytes = total_bytes;
  return make_memory_event_store(l);
}

}  // namespace

// Over its session budget a session gives up its oldest events first (the oldest stream's),
// so a resume from before them is refused rather than replayed with a gap.
TEST(event_budget, a_session_keeps_its_newest_events_within_its_budget) {
  auto e = events_within(10'000, 1'000'000);
  e->open_session("s");
  const std::string kb(1000, 'x');
  auto first = e->append("s", "r1", kb);
  for (int i = 0; i < 4; ++i) e->append("s", "r1", kb);
  std::string last;
  for (int i = 0; i < 20; ++i) last = e->append("s", "r2", kb);
  EXPECT_LE(e->bytes(), 10'000u);
  EXPECT_GT(e->bytes(), 8'000u);
  EXPECT_GE(e->evicted(), 15u);
  std::string stream;
  EXPECT_FALSE(e->after("s", first, &stream)) << "r1's events went first: a resume from them has a gap";
  auto tail = e->after("s", "r2_18", &stream);
  ASSERT_TRUE(tail);
  ASSERT_EQ(tail->size(), 2u);
  EXPECT_EQ(tail->back().id, last);
  e->drop_session("s");
  EXPECT_EQ(e->bytes(), 0u);
}

// An event bigger than the budget is sent (it has an id) but not kept, and the events before
// it on its stream cannot be replayed past it.
TEST(event_budget, an_event_over_the_budget_is_not_kept) {
  auto e = events_within(65'536, 1'000'000);
  e->open_session("s");
  auto small = e->append("s", "r1", "small");
  auto big = e->append("s", "r1", std::string(100'000, 'x'));
  EXPECT_EQ(big, "r1_2");
  EXPECT_EQ(e->bytes(), 0u);
  std::string stream;
  EXPECT_FALSE(e->after("s", small, &stream));
  auto none_after = e->after("s", big, &stream);  // caught up: nothing to replay, no gap
  ASSERT_TRUE(none_after);
  EXPECT_TRUE(none_after->empty());
  e->append("s", "r1", "next");
  auto next = e->after("s", big, &stream);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->size(), 1u);
}

// Over the total, the appending session gives up its own events, never another session's.
TEST(event_budget, the_total_is_bounded_without_taking_other_sessions_events) {
  auto e = events_within(1'000'000, 20'000);
  e->open_session("a");
  e->open_session("b");
  const std::string kb(1000, 'x');
  for (int i = 0; i < 10; ++i) e->append("a", "r1", kb);
  for (int i = 0; i < 30; ++i) e->append("b", "r1", kb);
  EXPECT_LE(e->bytes(), 20'000u);
  std::string stream;
  auto a_all = e->after("a", "r1_0", &stream);
  ASSERT_TRUE(a_all) << "a's events were taken by b";
  EXPECT_EQ(a_all->size(), 10u);
  EXPECT_FALSE(e->after("b", "r1_0", &stream));
  e->drop_session("a");
  e->drop_session("b");
  EXPECT_EQ(e->bytes(), 0u);
}

TEST(event_budget, forgotten_streams_give_their_bytes_back) {
  event_limits l;
  l.streams_per_session = 2;
  auto e = make_memory_event_store(l);
  e->open_session("s");
  e->append("s", "r1", std::string(5000, 'x'));
  e->append("s", "r2", "y");
  auto before = e->bytes();
  e->append("s", "r3", "z");  // r1 is forgotten
  EXPECT_LT(e->bytes(), before);
  EXPECT_LT(e->bytes(), 1000u);
}
