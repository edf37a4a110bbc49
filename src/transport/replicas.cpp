// What crosses replicas: a legacy client's answer or cancellation that reached a process
// other than the one running the request, and change notifications every replica must pass
// on to its own streams. All travel as small JSON messages on one bus channel; each replica
// acts on what concerns sessions it holds. With the memory bus, that is this process only.
#include "jsonrpc/message.hpp"
#include "transport/streamable_http.hpp"

namespace mcpx::transport {

namespace {

std::string_view text_of(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

}  // namespace

void streamable_http::forward_answer(std::string_view sid, const std::string& rid, const jsonrpc::message& msg) {
  json::object m{{"op", "answer"}, {"session", sid}, {"id", rid}};
  if (msg.type == jsonrpc::kind::response) m["result"] = msg.result;
  else m["error"] = msg.error;
  bus_->publish(bus_channel, json::serialize(m));
}

void streamable_http::forward_cancel(std::string_view sid, const std::string& request_key) {
  bus_->publish(bus_channel,
                json::serialize(json::object{{"op", "cancel"}, {"session", sid}, {"request", request_key}}));
}

void streamable_http::resource_updated(const std::string& uri) {
  bus_->publish(bus_channel, json::serialize(json::object{{"op", "resource_updated"}, {"uri", uri}}));
}

void streamable_http::list_changed(std::string_view kind) {
  bus_->publish(bus_channel, json::serialize(json::object{{"op", "list_changed"}, {"kind", kind}}));
}

void streamable_http::on_bus_message(std::string_view message) {
  boost::system::error_code ec;
  auto v = json::parse(message, ec);
  if (ec || !v.is_object()) return;
  const auto& m = v.get_object();
  auto op = text_of(m, "op");
  if (op == "resource_updated") return deliver_resource_updated(std::string(text_of(m, "uri")));
  if (op == "list_changed") {
    auto kind = text_of(m, "kind");
    if (kind == "tools" || kind == "prompts" || kind == "resources") deliver_list_changed(kind);
    return;
  }
  auto live = live_.find(text_of(m, "session"));
  if (!live) return;  // a session this replica does not hold
  if (op == "cancel") {
    live->cancel_request(std::string(text_of(m, "request")));
  } else if (op == "answer") {
    std::string rid(text_of(m, "id"));
    if (auto* r = m.if_contains("result")) live->resolve(rid, std::move(*r), {});
    else live->resolve(rid, std::nullopt, client_error_message(m.contains("error") ? m.at("error") : json::value()));
  }
}

void streamable_http::deliver_resource_updated(const std::string& uri) {
  notify_listeners(uri);
  std::string data = jsonrpc::encode_notification("notifications/resources/updated", json::object{{"uri", uri}});
  for (auto& live : live_.all()) {
    // Only sessions with a stream here can be told; peek, not touch: a changing resource must
    // not keep every session alive.
    if (!live->has_get_stream()) continue;
    auto rec = sessions_->peek(live->id());
    if (rec && rec->subscriptions.count(uri)) live->push_to_get_stream(*events_, data);
  }
}

}  // namespace mcpx::transport
