// subscriptions/listen (2026-07-28): a long-lived stream of the change notifications the
// client opted in to, each tagged with the subscription id.
#include "jsonrpc/message.hpp"
#include "transport/replies.hpp"
#include "transport/streamable_http.hpp"

namespace mcpx::transport {

namespace {

constexpr std::pair<std::string_view, std::string_view> list_filters[] = {{"toolsListChanged", "tools"},
                                                                          {"promptsListChanged", "prompts"},
                                                                          {"resourcesListChanged", "resources"}};

json::object tagged(const json::value& subscription_id) {
  return json::object{{"_meta", json::object{{"io.modelcontextprotocol/subscriptionId", subscription_id}}}};
}

}  // namespace

http::reply streamable_http::listen(protocol::call c, const net::any_io_executor& ex) {
  listener l;
  l.subscription_id = c.msg.id;
  json::object granted;
  const json::object* filter = nullptr;
  if (c.msg.params.is_object())
    if (auto* n = c.msg.params.get_object().if_contains("notifications"); n && n->is_object())
      filter = &n->get_object();
  if (filter) {
    for (auto [key, kind] : list_filters)
      if (auto* v = filter->if_contains(key); v && v->is_bool() && v->get_bool()) {
        granted[key] = true;
        l.lists.emplace(kind);
      }
    if (auto* rs = filter->if_contains("resourceSubscriptions"); rs && rs->is_array()) {
      json::array list;
      for (auto& u : rs->get_array())
        if (u.is_string() && l.resources.insert(std::string(u.get_string())).second) list.push_back(u);
      granted["resourceSubscriptions"] = std::move(list);
    }
  }
  auto stream = std::make_shared<http::event_stream>(ex);
  json::object params = tagged(c.msg.id);
  params["notifications"] = std::move(granted);
  // The acknowledgment is queued before the listener is visible, so it is always first.
  stream->push({{}, jsonrpc::encode_notification("notifications/subscriptions/acknowledged", params)});
  l.stream = stream;
  {
    std::lock_guard lock(listeners_mu_);
    std::erase_if(listeners_, [](const listener& x) {
      auto s = x.stream.lock();
      return !s || s->cancelled();
    });
    listeners_.push_back(std::move(l));
  }
  return sse_reply(stream);
}

void streamable_http::notify_listeners(const std::string& uri) {
  std::lock_guard lock(listeners_mu_);
  for (auto& l : listeners_) {
    if (!l.resources.count(uri)) continue;
    if (auto s = l.stream.lock()) {
      json::object params = tagged(l.subscription_id);
      params["uri"] = uri;
      s->push({{}, jsonrpc::encode_notification("notifications/resources/updated", params)});
    }
  }
}

void streamable_http::begin_drain() {
  {
    std::lock_guard lock(listeners_mu_);
    for (auto& l : listeners_) {
      auto s = l.stream.lock();
      if (!s) continue;
      // A listen request ends with its (empty) result when the server ends it on purpose.
      json::object result{{"resultType", "complete"}, {"_meta", tagged(l.subscription_id).at("_meta")}};
      s->push_final({{}, jsonrpc::encode_result(l.subscription_id, result)});
    }
    listeners_.clear();
  }
  for (auto& live : live_.all()) live->close_get_stream();
}

void streamable_http::deliver_list_changed(std::string_view kind) {
  std::string method = "notifications/" + std::string(kind) + "/list_changed";
  {
    std::lock_guard lock(listeners_mu_);
    for (auto& l : listeners_) {
      if (!l.lists.count(std::string(kind))) continue;
      if (auto s = l.stream.lock()) s->push({{}, jsonrpc::encode_notification(method, tagged(l.subscription_id))});
    }
  }
  std::string data = jsonrpc::encode_notification(method, nullptr);
  for (auto& live : live_.all()) live->push_to_get_stream(*events_, data);
}

}  // namespace mcpx::transport
