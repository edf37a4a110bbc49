#include "transport/live_session.hpp"

#include "transport/request_outbound.hpp"

namespace mcpx::transport {

bool live_session::open_get_stream(std::shared_ptr<http::event_stream> s) {
  std::lock_guard lock(mu_);
  if (get_stream_ && !get_stream_->cancelled() && !get_stream_->drained()) return false;
  get_stream_ = std::move(s);
  return true;
}

bool live_session::push_to_get_stream(state::event_store& events, const std::string& data) {
  std::lock_guard lock(mu_);  // keeps event ids in stream order
  if (!get_stream_) return false;
  get_stream_->push({events.append(id_, "g", data), data});
  return true;
}

bool live_session::has_get_stream() const {
  std::lock_guard lock(mu_);
  return get_stream_ != nullptr;
}

void live_session::close_get_stream() {
  std::lock_guard lock(mu_);
  if (get_stream_) get_stream_->close();
}

void live_session::track(const std::string& key, const std::shared_ptr<request_outbound>& out) {
  std::lock_guard lock(mu_);
  inflight_[key] = out;
  streams_[out->stream_name()] = out;
}

void live_session::untrack(const std::string& key, const std::string& stream_name) {
  std::lock_guard lock(mu_);
  inflight_.erase(key);
  streams_.erase(stream_name);
}

bool live_session::cancel_request(const std::string& key) {
  std::shared_ptr<request_outbound> out;
  {
    std::lock_guard lock(mu_);
    auto it = inflight_.find(key);
    if (it == inflight_.end()) return false;
    out = it->second.lock();
  }
  if (!out) return false;
  out->cancel();
  return true;
}

std::shared_ptr<request_outbound> live_session::running_stream(const std::string& stream_name) {
  std::lock_guard lock(mu_);
  auto it = streams_.find(stream_name);
  return it == streams_.end() ? nullptr : it->second.lock();
}

std::pair<std::string, std::shared_ptr<pending_call>> live_session::expect_answer() {
  auto p = std::make_shared<pending_call>();
  std::string rid = "mcpx-" + std::to_string(next_id_.fetch_add(1) + 1);
  std::lock_guard lock(mu_);
  pending_[rid] = p;
  return {std::move(rid), std::move(p)};
}

void live_session::forget_answer(const std::string& rid) {
  std::lock_guard lock(mu_);
  pending_.erase(rid);
}

bool live_session::resolve(const std::string& rid, std::optional<json::value> result, std::string error) {
  std::shared_ptr<pending_call> p;
  {
    std::lock_guard lock(mu_);
    auto it = pending_.find(rid);
    if (it == pending_.end()) return false;
    p = it->second;
    pending_.erase(it);
  }
  {
    std::lock_guard lock(p->mu);
    p->done = true;
    p->result = std::move(result);
    p->error = std::move(error);
  }
  p->cv.notify_all();
  return true;
}

void live_session::end() {
  std::map<std::string, std::shared_ptr<pending_call>> pending;
  {
    std::lock_guard lock(mu_);
    if (get_stream_) get_stream_->close();
    pending.swap(pending_);
  }
  for (auto& [k, p] : pending) {
    std::lock_guard pl(p->mu);
    p->done = true;
    p->error = "session terminated";
    p->cv.notify_all();
  }
}

const live_session::client_decl& live_session::client(const state::session_record& rec) {
  std::call_once(client_once_, [&] {
    auto object = [](const std::string& text) {
      boost::system::error_code ec;
      auto v = json::parse(text, ec);
      return !ec && v.is_object() ? std::move(v.get_object()) : json::object{};
    };
    client_.capabilities = object(rec.client_capabilities_json);
    client_.info = object(rec.client_info_json);
  });
  return client_;
}

void session_hooks_impl::set_log_level(log_level l) { store_.set_log_level(id_, to_string(l)); }

bool session_hooks_impl::subscribe(const std::string& uri) { return store_.subscribe(id_, uri); }

void session_hooks_impl::unsubscribe(const std::string& uri) { store_.unsubscribe(id_, uri); }

std::shared_ptr<live_session> live_sessions::get(std::string_view id) {
  auto& sh = shard_for(id);
  std::lock_guard lock(sh.mu);
  auto it = sh.map.find(id);
  if (it == sh.map.end()) it = sh.map.emplace(std::string(id), std::make_shared<live_session>(std::string(id))).first;
  return it->second;
}

std::shared_ptr<live_session> live_sessions::find(std::string_view id) {
  auto& sh = shard_for(id);
  std::lock_guard lock(sh.mu);
  auto it = sh.map.find(id);
  return it == sh.map.end() ? nullptr : it->second;
}

void live_sessions::erase(std::string_view id) {
  std::shared_ptr<live_session> s;
  {
    auto& sh = shard_for(id);
    std::lock_guard lock(sh.mu);
    auto it = sh.map.find(id);
    if (it == sh.map.end()) return;
    s = std::move(it->second);
    sh.map.erase(it);
  }
  s->end();
}

void live_sessions::clear() {
  for (auto& s : all()) erase(s->id());
}

std::vector<std::shared_ptr<live_session>> live_sessions::all() {
  std::vector<std::shared_ptr<live_session>> v;
  for (auto& sh : shards_) {
    std::lock_guard lock(sh.mu);
    for (auto& [k, s] : sh.map) v.push_back(s);
  }
  return v;
}

}  // namespace mcpx::transport
