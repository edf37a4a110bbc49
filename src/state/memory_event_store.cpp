// Resumable SSE events in process memory: a bounded ring per stream.
// Event ids are "<stream>_<seq>", so an id alone names its stream.
#include <deque>
#include <map>
#include <mutex>

#include "mcpx/state/stores.hpp"

namespace mcpx::state {

namespace {

class memory_event_store final : public event_store {
 public:
  memory_event_store(std::size_t per_stream, std::size_t streams) : per_stream_(per_stream), streams_(streams) {}

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
      while (sess.order.size() > streams_) {
        std::string oldest = std::move(sess.order.front());
        sess.order.pop_front();
        if (oldest == "g" && streams_ > 1) {
          sess.order.push_back(std::move(oldest));  // the standalone stream lives as long as the session
          continue;
        }
        sess.streams.erase(oldest);
      }
    }
    auto& st = it->second;
    std::string id = std::string(stream) + "_" + std::to_string(++st.seq);
    st.events.push_back({id, std::string(data)});
    if (st.events.size() > per_stream_) st.events.pop_front();
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
    if (auto s = sessions_.find(session); s != sessions_.end()) sessions_.erase(s);
  }

 private:
  struct stream_events {
    std::uint64_t seq = 0;
    std::deque<stored_event> events;
  };
  struct session_events {
    std::map<std::string, stream_events> streams;
    std::deque<std::string> order;  // stream names, oldest first
  };
  std::size_t per_stream_, streams_;
  std::mutex mu_;
  std::map<std::string, session_events, std::less<>> sessions_;
};

}  // namespace

std::unique_ptr<event_store> make_memory_event_store(std::size_t per_stream, std::size_t streams) {
  return std::make_unique<memory_event_store>(per_stream, streams);
}

}  // namespace mcpx::state
