#include "recording_state.hpp"

#include <atomic>
#include <map>
#include <mutex>

namespace fixture {

using namespace mcpx::state;

struct recording_state::counts {
  std::mutex mu;
  std::map<std::string, std::uint64_t> n;
  void add(const char* what) {
    std::lock_guard lock(mu);
    ++n[what];
  }
};

namespace {

using counts = recording_state::counts;

class recording_sessions final : public session_store {
 public:
  recording_sessions(std::shared_ptr<session_store> in, std::shared_ptr<counts> c)
      : in_(std::move(in)), c_(std::move(c)) {}
  bool create(const session_record& r) override { return c_->add("sessions.create"), in_->create(r); }
  std::shared_ptr<const session_record> touch(std::string_view id) override {
    return c_->add("sessions.touch"), in_->touch(id);
  }
  std::shared_ptr<const session_record> peek(std::string_view id) override {
    return c_->add("sessions.peek"), in_->peek(id);
  }
  void set_log_level(std::string_view id, std::string_view l) override {
    c_->add("sessions.set_log_level"), in_->set_log_level(id, l);
  }
  bool subscribe(std::string_view id, const std::string& u) override {
    return c_->add("sessions.subscribe"), in_->subscribe(id, u);
  }
  void unsubscribe(std::string_view id, const std::string& u) override {
    c_->add("sessions.unsubscribe"), in_->unsubscribe(id, u);
  }
  bool erase(std::string_view id) override { return c_->add("sessions.erase"), in_->erase(id); }
  std::size_t size() const override { return in_->size(); }
  std::size_t bytes() const override { return in_->bytes(); }
  std::vector<std::string> expire() override { return c_->add("sessions.expire"), in_->expire(); }

 private:
  std::shared_ptr<session_store> in_;
  std::shared_ptr<counts> c_;
};

class recording_events final : public event_store {
 public:
  recording_events(std::shared_ptr<event_store> in, std::shared_ptr<counts> c) : in_(std::move(in)), c_(std::move(c)) {}
  void open_session(std::string_view s) override { c_->add("events.open_session"), in_->open_session(s); }
  std::string append(std::string_view s, std::string_view st, std::string_view d) override {
    return c_->add("events.append"), in_->append(s, st, d);
  }
  std::optional<std::vector<stored_event>> after(std::string_view s, std::string_view last, std::string* st) override {
    return c_->add("events.after"), in_->after(s, last, st);
  }
  void drop_session(std::string_view s) override { c_->add("events.drop_session"), in_->drop_session(s); }
  std::size_t bytes() const override { return in_->bytes(); }
  std::uint64_t evicted() const override { return in_->evicted(); }

 private:
  std::shared_ptr<event_store> in_;
  std::shared_ptr<counts> c_;
};

class recording_tasks final : public task_store {
 public:
  recording_tasks(std::shared_ptr<task_store> in, std::shared_ptr<counts> c) : in_(std::move(in)), c_(std::move(c)) {}
  bool put(const task_record& r) override { return c_->add("tasks.put"), in_->put(r); }
  std::shared_ptr<const task_record> get(std::string_view id) override { return c_->add("tasks.get"), in_->get(id); }
  bool erase(std::string_view id) override { return c_->add("tasks.erase"), in_->erase(id); }
  std::size_t size() const override { return in_->size(); }
  std::size_t bytes() const override { return in_->bytes(); }
  std::size_t expire() override { return c_->add("tasks.expire"), in_->expire(); }

 private:
  std::shared_ptr<task_store> in_;
  std::shared_ptr<counts> c_;
};

class recording_bus final : public message_bus {
 public:
  recording_bus(std::shared_ptr<message_bus> in, std::shared_ptr<counts> c) : in_(std::move(in)), c_(std::move(c)) {}
  std::size_t publish(std::string_view ch, std::string_view m) override {
    return c_->add("bus.publish"), in_->publish(ch, m);
  }
  std::unique_ptr<subscription> subscribe(std::string ch, handler h) override {
    c_->add("bus.subscribe");
    return in_->subscribe(std::move(ch), [c = c_, h = std::move(h)](std::string_view m) {
      c->add("bus.delivered");
      h(m);
    });
  }

 private:
  std::shared_ptr<message_bus> in_;
  std::shared_ptr<counts> c_;
};

}  // namespace

recording_state::recording_state(std::chrono::seconds idle, std::size_t max_sessions)
    : counts_(std::make_shared<counts>()) {
  wrapped_.sessions = std::make_shared<recording_sessions>(make_memory_session_store(idle, max_sessions), counts_);
  wrapped_.events = std::make_shared<recording_events>(make_memory_event_store(), counts_);
  wrapped_.tasks = std::make_shared<recording_tasks>(make_memory_task_store(), counts_);
  wrapped_.bus = std::make_shared<recording_bus>(make_memory_message_bus(), counts_);
}

recording_state::~recording_state() = default;

backends recording_state::backends() const { return wrapped_; }

std::string recording_state::report() const {
  std::lock_guard lock(counts_->mu);
  std::string out = "{";
  for (auto& [k, v] : counts_->n) out += (out.size() > 1 ? ",\"" : "\"") + k + "\":" + std::to_string(v);
  return out + "}\n";
}

}  // namespace fixture
