// Resumable SSE events in process memory: a bounded ring per stream, within byte budgets per
// session and in total. Event ids are "<stream>_<seq>", so an id alone names its stream.
#include <atomic>
#include <deque>
#include <map>
#include <mutex>

#include "mcpx/state/stores.hpp"

namespace mcpx::state {

namespace {

// What an event costs beyond its text: the deque slot and two string headers, roughly.
constexpr std::size_t event_overhead = 96;

std::size_t cost_of(std::string_view id, std::string_view data) { return id.size() + data.size() + event_overhead; }

class memory_event_store final : public event_store {
 public:
  explicit memory_event_store(event_limits l) : lim_(l) {}

  void open_session(std::string_view session) override {
    std::lock_guard lock(mu_);
    if (sessions_.find(session) == sessions_.end()) sessions_.emplace(std::string(session), session_events{});
  }

  std::string append(std::string_view session, std::string_view stream, std::string_view data) override {
    std::lock_guard lock(mu_);
    auto s = sessions_.find(session);
    if (s == sessions_.end()) return {};  // not open, or dropped: see event_store
    auto& sess = s->second;
    auto [it, created] = sess.streams.try_emplace(std::string(stream));
    if (created) {
      sess.order.push_back(it->first);
      // A long session opens a stream per request: forget the oldest ones.
      while (sess.order.size() > lim_.streams_per_session) {
        std::string oldest = std::move(sess.order.front());
        sess.order.pop_front();
        if (oldest == "g" && lim_.streams_per_session > 1) {
          sess.order.push_back(std::move(oldest));  // the standalone stream lives as long as the session
          continue;
        }
        if (auto gone = sess.streams.find(oldest); gone != sess.streams.end()) {
          release(sess, gone->second.bytes);
          sess.streams.erase(gone);
        }
      }
    }
    auto& st = it->second;
    std::string id = std::string(stream) + "_" + std::to_string(++st.seq);
    const std::size_t cost = cost_of(id, data);
    if (cost > lim_.max_session_bytes || cost > lim_.max_total_bytes) {
      // Sent but not kept: emptying the ring makes a resume from before it a refused one.
      evicted_ += st.events.size() + 1;
      clear(sess, st);
      return id;
    }
    st.events.push_back({id, std::string(data)});
    st.bytes += cost;
    sess.bytes += cost;
    total_ += cost;
    if (st.events.size() > lim_.per_stream) pop_oldest(sess, st);
    while (sess.bytes > lim_.max_session_bytes && evict_one(sess, st)) {
    }
    // Over the total, a session gives up its own oldest events, never another session's: one
    // client cannot take the replay buffers of others, only stop keeping its own.
    while (total_ > lim_.max_total_bytes) {
      if (!evict_one(sess, st)) {
        evicted_ += st.events.size();
        clear(sess, st);
        break;
      }
    }
    return id;
  }

  std::optional<std::vector<stored_event>> after(std::string_view session, std::string_view last,
                                                 std::string* stream) override {
    auto us = last.rfind('_');
    if (us == std::string_view::npos) return std::nullopt;
    std::string sname(last.substr(0, us));
    std::lock_guard lock(mu_);
    auto s = sessions_.find(session);
    if (s == sessions_.end()) return std::nullopt;
    auto st = s->second.streams.find(sname);
    if (st == s->second.streams.end()) return std::nullopt;
    std::uint64_t seq = 0;
    try {
      seq = std::stoull(std::string(last.substr(us + 1)));
    } catch (...) {
      return std::nullopt;
    }
    auto& events = st->second.events;
    // Events before the requested one fell out of the ring: a replay would have a gap.
    std::uint64_t oldest = st->second.seq - events.size() + 1;
    if (seq > st->second.seq || seq + 1 < oldest) return std::nullopt;
    std::vector<stored_event> out(events.begin() + static_cast<std::ptrdiff_t>(seq + 1 - oldest), events.end());
    if (stream) *stream = sname;
    return out;
  }

  void drop_session(std::string_view session) override {
    std::lock_guard lock(mu_);
    if (auto s = sessions_.find(session); s != sessions_.end()) {
      total_ -= s->second.bytes;
      sessions_.erase(s);
    }
  }

  std::size_t bytes() const override {
    std::lock_guard lock(mu_);
    return total_;
  }

  std::uint64_t evicted() const override { return evicted_.load(std::memory_order_relaxed); }

 private:
  struct stream_events {
    std::uint64_t seq = 0;
    std::deque<stored_event> events;  // the newest, contiguous up to seq
    std::size_t bytes = 0;
  };
  struct session_events {
    std::map<std::string, stream_events> streams;
    std::deque<std::string> order;  // stream names, oldest first
    std::size_t bytes = 0;
  };

  void release(session_events& sess, std::size_t n) {
    sess.bytes -= n;
    total_ -= n;
  }

  void pop_oldest(session_events& sess, stream_events& st) {
    const auto& e = st.events.front();
    const std::size_t cost = cost_of(e.id, e.data);
    st.bytes -= cost;
    release(sess, cost);
    st.events.pop_front();
  }

  void clear(session_events& sess, stream_events& st) {
    release(sess, st.bytes);
    st.bytes = 0;
    st.events.clear();
  }

  // Drops the session's oldest event: from its oldest stream that holds any, `current` last
  // and never its newest event (the one just appended). False when nothing could go.
  bool evict_one(session_events& sess, stream_events& current) {
    for (const auto& name : sess.order) {
      auto& st = sess.streams.find(name)->second;
      if (&st == &current || st.events.empty()) continue;
      pop_oldest(sess, st);
      ++evicted_;
      return true;
    }
    if (current.events.size() < 2) return false;
    pop_oldest(sess, current);
    ++evicted_;
    return true;
  }

  const event_limits lim_;
  mutable std::mutex mu_;
  std::map<std::string, session_events, std::less<>> sessions_;
  std::size_t total_ = 0;
  std::atomic<std::uint64_t> evicted_{0};
};

}  // namespace

std::unique_ptr<event_store> make_memory_event_store(event_limits limits) {
  return std::make_unique<memory_event_store>(limits);
}

}  // namespace mcpx::state
