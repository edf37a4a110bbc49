#include "mcpx/content.hpp"

namespace mcpx {

namespace content {

json::object text(std::string_view t) {
  // emplace, not an initializer list: value_ref's conversions cost more than the rest of the call.
  json::object o(2);
  o.emplace("type", "text");
  o.emplace("text", t);
  return o;
}

json::object image(std::string_view data, std::string_view mime) {
  return {{"type", "image"}, {"data", data}, {"mimeType", mime}};
}

json::object audio(std::string_view data, std::string_view mime) {
  return {{"type", "audio"}, {"data", data}, {"mimeType", mime}};
}

json::object resource_text(std::string_view uri, std::string_view mime, std::string_view t) {
  json::object r{{"uri", uri}, {"text", t}};
  if (!mime.empty()) r["mimeType"] = mime;
  return {{"type", "resource"}, {"resource", std::move(r)}};
}

json::object resource_blob(std::string_view uri, std::string_view mime, std::string_view blob) {
  json::object r{{"uri", uri}, {"blob", blob}};
  if (!mime.empty()) r["mimeType"] = mime;
  return {{"type", "resource"}, {"resource", std::move(r)}};
}

json::object resource_link(std::string_view uri, std::string_view name, std::string_view mime) {
  json::object r{{"type", "resource_link"}, {"uri", uri}, {"name", name}};
  if (!mime.empty()) r["mimeType"] = mime;
  return r;
}

}  // namespace content

resource_contents& resource_contents::text(std::string_view uri, std::string_view mime, std::string_view t) {
  json::object r{{"uri", uri}, {"text", t}};
  if (!mime.empty()) r["mimeType"] = mime;
  contents.push_back(std::move(r));
  return *this;
}

resource_contents& resource_contents::blob(std::string_view uri, std::string_view mime, std::string_view b) {
  json::object r{{"uri", uri}, {"blob", b}};
  if (!mime.empty()) r["mimeType"] = mime;
  contents.push_back(std::move(r));
  return *this;
}

prompt_result& prompt_result::message(std::string_view role, json::object block) {
  messages.push_back(json::object{{"role", role}, {"content", std::move(block)}});
  return *this;
}

}  // namespace mcpx
