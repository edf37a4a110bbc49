#include "transport/offerings.hpp"

namespace mcpx::transport {

namespace json = boost::json;

const access_policy* access_of(const protocol::registry& reg, const jsonrpc::message& msg, std::string_view* name) {
  if (msg.type != jsonrpc::kind::request || !msg.params.is_object()) return nullptr;
  const auto& p = msg.params.get_object();
  auto text = [&p](std::string_view key) -> std::string_view {
    auto* v = p.if_contains(key);
    return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
  };
  if (msg.method == "tools/call") {
    if (auto* t = reg.find_tool(text("name"))) {
      if (name) *name = t->name;
      return &t->access;
    }
  } else if (msg.method == "prompts/get") {
    if (auto* pr = reg.find_prompt(text("name"))) return &pr->access;
  } else if (msg.method == "resources/read" || msg.method == "resources/subscribe") {
    auto uri = text("uri");
    const protocol::resource_def* r = reg.find_resource(uri);
    if (!r && !uri.empty()) {
      json::object vars;
      r = reg.match_template(uri, vars);
    }
    if (r) return &r->access;
  }
  return nullptr;
}

}  // namespace mcpx::transport
