#include <gtest/gtest.h>

#include <thread>

#include "mcpx/state/stores.hpp"

using namespace mcpx::state;

TEST(memory_session_store, creates_touches_and_erases) {
  auto s = make_memory_session_store(std::chrono::seconds(60), 10);
  session_record r;
  r.id = "s1";
  r.protocol_version = "2025-11-25";
  ASSERT_TRUE(s->create(r));
  EXPECT_FALSE(s->create(r));
  auto got = s->touch("s1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->protocol_version, "2025-11-25");
  EXPECT_TRUE(s->erase("s1"));
  EXPECT_FALSE(s->touch("s1"));
  EXPECT_FALSE(s->erase("s1"));
}

TEST(memory_session_store, is_bounded) {
  auto s = make_memory_session_store(std::chrono::seconds(60), 2);
  for (auto id : {"a", "b"}) {
    session_record r;
    r.id = id;
    ASSERT_TRUE(s->create(r));
  }
  session_record c;
  c.id = "c";
  EXPECT_FALSE(s->create(c));
}

TEST(memory_session_store, expires_idle_sessions) {
  auto s = make_memory_session_store(std::chrono::seconds(0), 10);
  session_record r;
  r.id = "x";
  ASSERT_TRUE(s->create(r));
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto gone = s->expire();
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(s->size(), 0u);
}

TEST(memory_event_store, replays_after_an_id_on_the_same_stream) {
  auto e = make_memory_event_store(3);
  auto a = e->append("s", "r1", "one");
  e->append("s", "r2", "other stream");
  e->append("s", "r1", "two");
  e->append("s", "r1", "three");
  std::string stream;
  auto after = e->after("s", a, &stream);
  ASSERT_TRUE(after);
  EXPECT_EQ(stream, "r1");
  ASSERT_EQ(after->size(), 2u);
  EXPECT_EQ((*after)[0].data, "two");
  EXPECT_FALSE(e->after("s", "r9_1", &stream));
  EXPECT_FALSE(e->after("nobody", a, &stream));
  e->append("s", "r1", "four");
  e->append("s", "r1", "five");  // the ring keeps 3: "two" is gone, so a replay after "one" has a gap
  EXPECT_FALSE(e->after("s", a, &stream));
  auto all = e->after("s", "r1_2", &stream);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 3u);
}

TEST(memory_event_store, keeps_only_the_newest_streams_of_a_session) {
  auto e = make_memory_event_store(8, 2);
  auto first = e->append("s", "r1", "a");
  e->append("s", "r2", "b");
  e->append("s", "r3", "c");  // r1 is forgotten
  std::string stream;
  EXPECT_FALSE(e->after("s", first, &stream));
}
