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
  explicit memory_event_store(std::size_t per_stream) : per_stream_(per_stream) {}

  std::string append(std::string_view session, std::string_view stream, std::string_view data) override {
    std::lock_guard lock(mu_);
    auto& st = sessions_[std::string(session)][std::string(stream)];
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
    auto s = sessions_.find(std::string(session));
    if (s == sessions_.end()) return std::nullopt;
    auto st = s->second.find(sname);
    if (st == s->second.end()) return std::nullopt;
    std::vector<stored_event> out;
    bool found = false;
    for (auto& e : st->second.events) {
      if (found) out.push_back(e);
      if (e.id == last) found = true;
    }
    if (!found) return std::nullopt;
    if (stream) *stream = sname;
    return out;
  }

  void drop_session(std::string_view session) override {
    std::lock_guard lock(mu_);
    sessions_.erase(std::string(session));
  }

 private:
  struct stream_events {
    std::uint64_t seq = 0;
    std::deque<stored_event> events;
  };
  std::size_t per_stream_;
  std::mutex mu_;
  std::map<std::string, std::map<std::string, stream_events>> sessions_;
};

}  // namespace

std::unique_ptr<event_store> make_memory_event_store(std::size_t per_stream) {
  return std::make_unique<memory_event_store>(per_stream);
}

}  // namespace mcpx::state
