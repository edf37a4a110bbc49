#include "transport/live_session.hpp"

namespace mcpx::transport {

bool live_session::resolve(const std::string& rid, std::optional<json::value> result, std::string error) {
  std::shared_ptr<pending_call> p;
  {
    std::lock_guard lock(mu);
    auto it = pending.find(rid);
    if (it == pending.end()) return false;
    p = it->second;
    pending.erase(it);
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

void session_hooks_impl::set_log_level(log_level l) {
  store_.set_log_level(id_, to_string(l));
}

void session_hooks_impl::subscribe(const std::string& uri) {
  store_.subscribe(id_, uri);
}

void session_hooks_impl::unsubscribe(const std::string& uri) {
  store_.unsubscribe(id_, uri);
}

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
  std::lock_guard lock(s->mu);
  if (s->get_stream) s->get_stream->close();
  for (auto& [k, p] : s->pending) {
    std::lock_guard pl(p->mu);
    p->done = true;
    p->error = "session terminated";
    p->cv.notify_all();
  }
  s->pending.clear();
}

void live_sessions::clear() {
  for (auto& s : all()) erase(s->id);
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
