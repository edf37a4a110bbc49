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

task_record task(std::string id, std::size_t bytes) {
  return {std::move(id), "completed", std::string(bytes, 'x'),
          std::chrono::system_clock::now() + std::chrono::hours(1)};
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
  EXPECT_FALSE(s->put(task("big", 1001)));
  EXPECT_TRUE(s->put(task("a", 1000)));
  EXPECT_TRUE(s->put(task("b", 1000)));
  EXPECT_FALSE(s->put(task("c", 1000)));  // 3000 > 2500
  EXPECT_TRUE(s->put(task("c", 400)));
  EXPECT_FALSE(s->put(task("d", 10)));  // a fourth record
  EXPECT_TRUE(s->put(task("a", 10)));   // replacing shrinks the total
  EXPECT_EQ(s->bytes(), 10u + 1000u + 400u);
  EXPECT_TRUE(s->erase("b"));
  EXPECT_EQ(s->bytes(), 410u);
  EXPECT_FALSE(s->put(task("a", 2000)));  // a refused replacement changes nothing
  EXPECT_EQ(s->get("a")->detail_json.size(), 10u);
}
