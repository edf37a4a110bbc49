#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "mcpx/state/stores.hpp"
#include "transport/live_session.hpp"

using namespace mcpx::state;

namespace {
// (Assigning a short literal to a record's id trips GCC 12's -Wrestrict false positive.)
session_record with_id(std::string id) {
  session_record r;
  r.id = std::move(id);
  return r;
}
}  // namespace

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
  session_record c = with_id("c");
  EXPECT_FALSE(s->create(c));
}

namespace {
std::unique_ptr<session_store> store_with_session(const std::string& id) {
  auto s = make_memory_session_store(std::chrono::seconds(60), 10);
  session_record r;
  r.id = id;
  r.protocol_version = "2025-11-25";
  EXPECT_TRUE(s->create(r));
  return s;
}
}  // namespace

// Two requests of one session, each with the record as it was when it arrived, change
// different fields: both changes must stick (a whole-record write-back once lost the first).
TEST(session_hooks, requests_changing_different_fields_at_once_both_stick) {
  auto s = store_with_session("s1");
  mcpx::transport::session_hooks_impl first(*s, "s1");
  mcpx::transport::session_hooks_impl second(*s, "s1");
  first.subscribe("test://a");
  second.set_log_level(mcpx::log_level::error);
  second.subscribe("test://b");
  first.unsubscribe("test://b");
  auto got = s->touch("s1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->log_level, "error");
  EXPECT_EQ(got->subscriptions, (std::set<std::string>{"test://a"}));
}

// touch() hands out the stored record without copying it; a change makes a new one.
TEST(memory_session_store, a_touched_record_is_a_snapshot_that_later_changes_leave_alone) {
  auto s = store_with_session("s1");
  auto before = s->touch("s1");
  ASSERT_TRUE(before);
  EXPECT_EQ(s->touch("s1").get(), before.get()) << "an unchanged record was copied";
  s->set_log_level("s1", "error");
  s->subscribe("s1", "test://a");
  EXPECT_EQ(before->log_level, "");
  EXPECT_TRUE(before->subscriptions.empty());
  auto after = s->touch("s1");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->log_level, "error");
  EXPECT_EQ(after->subscriptions, (std::set<std::string>{"test://a"}));
}

// Readers holding records while another thread changes them (run under ASan in CI).
TEST(memory_session_store, records_stay_valid_while_other_threads_change_them) {
  auto s = store_with_session("s1");
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    std::string uri = "test://x";
    for (int i = 0; i < 2000; ++i) {
      uri.back() = static_cast<char>('0' + i % 7);
      s->subscribe("s1", uri);
    }
    stop = true;
  });
  std::size_t seen = 0;
  while (!stop) {
    auto r = s->touch("s1");
    ASSERT_TRUE(r);
    for (auto& uri : r->subscriptions) seen += uri.size();
  }
  writer.join();
  (void)seen;  // read only so that the records are really dereferenced
  EXPECT_EQ(s->touch("s1")->subscriptions.size(), 7u);
}

TEST(memory_session_store, field_changes_to_an_unknown_session_create_nothing) {
  auto s = make_memory_session_store(std::chrono::seconds(60), 10);
  s->set_log_level("nope", "debug");
  s->subscribe("nope", "test://a");
  s->unsubscribe("nope", "test://a");
  EXPECT_EQ(s->size(), 0u);
  EXPECT_FALSE(s->touch("nope"));
}

TEST(memory_session_store, expires_idle_sessions) {
  auto s = make_memory_session_store(std::chrono::seconds(0), 10);
  session_record r = with_id("x");
  ASSERT_TRUE(s->create(r));
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto gone = s->expire();
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(s->size(), 0u);
}

// A request still streaming after its session was deleted must not bring the session's events
// back: nothing would drop them again (with a 1 MiB progressToken, megabytes per call).
TEST(memory_event_store, keeps_events_only_for_open_sessions) {
  auto e = make_memory_event_store();
  std::string stream;
  EXPECT_EQ(e->append("never-opened", "r1", "x"), "");
  EXPECT_FALSE(e->after("never-opened", "r1_0", &stream));
  e->open_session("s");
  EXPECT_EQ(e->append("s", "r1", "one"), "r1_1");
  e->open_session("s");  // again: changes nothing
  auto kept = e->after("s", "r1_0", &stream);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->size(), 1u);
  e->drop_session("s");
  EXPECT_EQ(e->append("s", "r1", std::string(1 << 20, 'x')), "");
  EXPECT_EQ(e->append("s", "g", "y"), "");
  EXPECT_FALSE(e->after("s", "r1_0", &stream));
  EXPECT_FALSE(e->after("s", "g_0", &stream));
}

TEST(memory_event_store, replays_after_an_id_on_the_same_stream) {
  auto e = make_memory_event_store(3);
  e->open_session("s");
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
  e->open_session("s");
  auto first = e->append("s", "r1", "a");
  e->append("s", "r2", "b");
  e->append("s", "r3", "c");  // r1 is forgotten
  std::string stream;
  EXPECT_FALSE(e->after("s", first, &stream));
}
