#include "protocol/registry.hpp"

#include <algorithm>
#include <set>

namespace mcpx {

// Builders: thin setters over the definitions owned by the registry.
tool_builder& tool_builder::title(std::string t) {
  d_->title = std::move(t);
  return *this;
}
tool_builder& tool_builder::description(std::string d) {
  d_->description = std::move(d);
  return *this;
}
tool_builder& tool_builder::input_schema(json::value s) {
  d_->input_schema = std::move(s);
  return *this;
}
tool_builder& tool_builder::output_schema(json::value s) {
  d_->output_schema = std::move(s);
  return *this;
}
tool_builder& tool_builder::annotations(json::object a) {
  d_->annotations = std::move(a);
  return *this;
}
tool_builder& tool_builder::meta(json::object m) {
  d_->meta = std::move(m);
  return *this;
}
tool_builder& tool_builder::requires_capability(std::string c) {
  d_->required_capabilities.push_back(std::move(c));
  return *this;
}
tool_builder& tool_builder::tasks(task_mode m) {
  d_->tasks = m;
  return *this;
}
tool_builder& tool_builder::run_on(execution e) {
  d_->runs_on = e;
  return *this;
}
tool_builder& tool_builder::scopes(std::vector<std::string> s) {
  d_->access.scopes = std::move(s);
  return *this;
}
tool_builder& tool_builder::cost(cost_class c) {
  d_->access.cost = std::move(c);
  return *this;
}
tool_builder& tool_builder::timeout(std::chrono::milliseconds limit) {
  d_->timeout = limit;
  return *this;
}
tool_builder& tool_builder::handle(tool_handler h) {
  d_->handler = std::move(h);
  return *this;
}

resource_builder& resource_builder::title(std::string t) {
  d_->title = std::move(t);
  return *this;
}
resource_builder& resource_builder::description(std::string d) {
  d_->description = std::move(d);
  return *this;
}
resource_builder& resource_builder::mime_type(std::string m) {
  d_->mime_type = std::move(m);
  return *this;
}
resource_builder& resource_builder::meta(json::object m) {
  d_->meta = std::move(m);
  return *this;
}
resource_builder& resource_builder::scopes(std::vector<std::string> s) {
  d_->access.scopes = std::move(s);
  return *this;
}
resource_builder& resource_builder::cost(cost_class c) {
  d_->access.cost = std::move(c);
  return *this;
}
resource_builder& resource_builder::handle(resource_handler h) {
  d_->handler = std::move(h);
  return *this;
}
resource_builder& resource_builder::complete(std::string var, completion_handler h) {
  d_->completions[std::move(var)] = std::move(h);
  return *this;
}

prompt_builder& prompt_builder::title(std::string t) {
  d_->title = std::move(t);
  return *this;
}
prompt_builder& prompt_builder::description(std::string d) {
  d_->description = std::move(d);
  return *this;
}
prompt_builder& prompt_builder::argument(std::string name, std::string description, bool required) {
  d_->arguments.push_back({std::move(name), std::move(description), required});
  return *this;
}
prompt_builder& prompt_builder::complete(std::string arg, completion_handler h) {
  d_->completions[std::move(arg)] = std::move(h);
  return *this;
}
prompt_builder& prompt_builder::scopes(std::vector<std::string> s) {
  d_->access.scopes = std::move(s);
  return *this;
}
prompt_builder& prompt_builder::cost(cost_class c) {
  d_->access.cost = std::move(c);
  return *this;
}
prompt_builder& prompt_builder::handle(prompt_handler h) {
  d_->handler = std::move(h);
  return *this;
}

namespace protocol {

namespace {

void apply(access_policy& a, const access_override& o) {
  if (o.scopes) a.scopes = *o.scopes;
  if (o.cost) a.cost = cost_class::custom(*o.cost);
}

// Applies `overrides` to the definitions in `defs` whose key (name or URI) matches; returns
// the first name that matches none.
template <class Defs, class Key>
std::optional<std::string> apply_all(const std::map<std::string, access_override>& overrides, Defs& defs, Key key) {
  for (const auto& [name, o] : overrides) {
    bool found = false;
    for (auto& d : defs)
      if (key(*d) == name) apply(d->access, o), found = true;
    if (!found) return name;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> registry::override_access(const std::map<std::string, access_override>& tools,
                                                     const std::map<std::string, access_override>& resources,
                                                     const std::map<std::string, access_override>& prompts) {
  if (auto n = apply_all(tools, tools_, [](const tool_def& d) { return d.name; }))
    return "config overrides the access of tool '" + *n + "', which is not registered";
  for (auto& t : tools_)
    if (auto it = tools.find(t->name); it != tools.end() && it->second.timeout) t->timeout = it->second.timeout;
  for (const auto* m : {&resources, &prompts})
    for (const auto& [name, o] : *m)
      if (o.timeout) return "config sets a timeout for '" + name + "', which is not a tool (only tools have one)";
  // A URI names a resource or a template.
  std::map<std::string, access_override> left;
  for (const auto& [uri, o] : resources)
    if (apply_all(std::map<std::string, access_override>{{uri, o}}, resources_,
                  [](const resource_def& d) { return d.uri; }))
      left.emplace(uri, o);
  if (auto n = apply_all(left, templates_, [](const resource_def& d) { return d.uri; }))
    return "config overrides the access of resource '" + *n + "', which is not registered";
  if (auto n = apply_all(prompts, prompts_, [](const prompt_def& d) { return d.name; }))
    return "config overrides the access of prompt '" + *n + "', which is not registered";
  return std::nullopt;
}

tool_def& registry::add_tool(std::string name) {
  auto d = std::make_unique<tool_def>();
  d->name = std::move(name);
  tools_.push_back(std::move(d));
  return *tools_.back();
}

resource_def& registry::add_resource(std::string uri, std::string name, bool is_template) {
  auto d = std::make_unique<resource_def>();
  d->uri = std::move(uri);
  d->name = std::move(name);
  d->is_template = is_template;
  auto& list = is_template ? templates_ : resources_;
  list.push_back(std::move(d));
  return *list.back();
}

prompt_def& registry::add_prompt(std::string name) {
  auto d = std::make_unique<prompt_def>();
  d->name = std::move(name);
  prompts_.push_back(std::move(d));
  return *prompts_.back();
}

namespace {

template <class V>
std::optional<std::string> check_unique(const V& v, auto key, std::string_view what) {
  std::set<std::string> seen;
  for (auto& d : v)
    if (!seen.insert(key(*d)).second) return std::string("duplicate ") + std::string(what) + ": " + key(*d);
  return std::nullopt;
}

void set_if(json::object& o, std::string_view k, const std::string& v) {
  if (!v.empty()) o[k] = v;
}

// x-mcp-header may sit only on primitive properties reached through `properties` chains.
void collect_header_params(const json::object& schema, std::vector<std::string>& path,
                           std::vector<tool_def::header_param>& out) {
  auto* props = schema.if_contains("properties");
  if (!props || !props->is_object()) return;
  for (auto& [k, v] : props->get_object()) {
    if (!v.is_object()) continue;
    path.emplace_back(k);
    if (auto* h = v.get_object().if_contains("x-mcp-header"); h && h->is_string())
      out.push_back({std::string(h->get_string()), path});
    collect_header_params(v.get_object(), path, out);
    path.pop_back();
  }
}

std::optional<std::string> freeze_tool(tool_def& t) {
  if (t.name.empty()) return "a tool has an empty name";
  if (!t.handler) return "tool '" + t.name + "' has no handler";
  if (t.runs_on == execution::io_thread && t.tasks != task_mode::never)
    return "tool '" + t.name +
           "': run_on(execution::io_thread) cannot be combined with tasks(); tasks are for slow work";
  if (t.timeout && t.runs_on == execution::io_thread)
    return "tool '" + t.name +
           "': run_on(execution::io_thread) cannot be combined with a timeout; nothing can stop "
           "a call on the I/O thread, so keep such tools fast";
  if (t.timeout && t.timeout->count() < 1) return "tool '" + t.name + "': the timeout must be at least 1 ms";
  std::string err;
  if (!t.input_schema.is_object()) return "tool '" + t.name + "': input schema must be a JSON object";
  t.input_validator = schema::validator::compile(t.input_schema, &err);
  if (!t.input_validator) return "tool '" + t.name + "': invalid input schema: " + err;
  std::vector<std::string> path;
  collect_header_params(t.input_schema.get_object(), path, t.header_params);
  if (!t.output_schema.is_null()) {
    t.output_validator = schema::validator::compile(t.output_schema, &err);
    if (!t.output_validator) return "tool '" + t.name + "': invalid output schema: " + err;
  }
  json::object w;
  w["name"] = t.name;
  set_if(w, "title", t.title);
  set_if(w, "description", t.description);
  w["inputSchema"] = t.input_schema;
  if (!t.output_schema.is_null()) w["outputSchema"] = t.output_schema;
  if (!t.annotations.empty()) w["annotations"] = t.annotations;
  if (!t.meta.empty()) w["_meta"] = t.meta;
  t.wire = std::move(w);
  return std::nullopt;
}

std::optional<std::string> freeze_resource(resource_def& r) {
  if (!r.handler) return "resource '" + r.uri + "' has no handler";
  json::object w;
  if (r.is_template) {
    auto parts = split_template(r.uri);
    if (!parts) return "resource template '" + r.uri + "' is malformed";
    r.template_parts = std::move(*parts);
    w["uriTemplate"] = r.uri;
  } else {
    w["uri"] = r.uri;
  }
  w["name"] = r.name;
  set_if(w, "title", r.title);
  set_if(w, "description", r.description);
  set_if(w, "mimeType", r.mime_type);
  if (!r.meta.empty()) w["_meta"] = r.meta;
  r.wire = std::move(w);
  return std::nullopt;
}

std::optional<std::string> freeze_prompt(prompt_def& p) {
  if (!p.handler) return "prompt '" + p.name + "' has no handler";
  json::object w;
  w["name"] = p.name;
  set_if(w, "title", p.title);
  set_if(w, "description", p.description);
  if (!p.arguments.empty()) {
    json::array args;
    for (auto& a : p.arguments) {
      json::object o{{"name", a.name}};
      set_if(o, "description", a.description);
      o["required"] = a.required;
      args.push_back(std::move(o));
    }
    w["arguments"] = std::move(args);
  }
  p.wire = std::move(w);
  return std::nullopt;
}

}  // namespace

std::optional<std::string> registry::freeze() {
  if (frozen_) return std::nullopt;
  if (auto e = check_unique(
          tools_, [](auto& d) { return d.name; }, "tool"))
    return e;
  if (auto e = check_unique(
          prompts_, [](auto& d) { return d.name; }, "prompt"))
    return e;
  if (auto e = check_unique(
          resources_, [](auto& d) { return d.uri; }, "resource"))
    return e;
  for (auto& t : tools_)
    if (auto e = freeze_tool(*t)) return e;
  for (auto& r : resources_)
    if (auto e = freeze_resource(*r)) return e;
  for (auto& r : templates_)
    if (auto e = freeze_resource(*r)) return e;
  for (auto& p : prompts_)
    if (auto e = freeze_prompt(*p)) return e;
  // Listing order is by name/uri, so pages are stable whatever the registration order.
  std::sort(tools_.begin(), tools_.end(), [](auto& a, auto& b) { return a->name < b->name; });
  std::sort(prompts_.begin(), prompts_.end(), [](auto& a, auto& b) { return a->name < b->name; });
  std::sort(resources_.begin(), resources_.end(), [](auto& a, auto& b) { return a->uri < b->uri; });
  frozen_ = true;
  return std::nullopt;
}

template <class V, class P>
static auto find_by(const V& v, P pred) {
  for (auto& d : v)
    if (pred(*d)) return static_cast<const typename V::value_type::element_type*>(d.get());
  return static_cast<const typename V::value_type::element_type*>(nullptr);
}

const tool_def* registry::find_tool(std::string_view name) const {
  auto it = std::lower_bound(tools_.begin(), tools_.end(), name,
                             [](auto& d, std::string_view n) { return d->name < n; });
  return it != tools_.end() && (*it)->name == name ? it->get() : nullptr;
}

const prompt_def* registry::find_prompt(std::string_view name) const {
  return find_by(prompts_, [&](auto& d) { return d.name == name; });
}

const resource_def* registry::find_resource(std::string_view uri) const {
  return find_by(resources_, [&](auto& d) { return d.uri == uri; });
}

const resource_def* registry::find_template(std::string_view t) const {
  return find_by(templates_, [&](auto& d) { return d.uri == t; });
}

const resource_def* registry::match_template(std::string_view uri, json::object& vars) const {
  for (auto& t : templates_) {
    vars.clear();
    if (protocol::match_template(t->template_parts, uri, vars)) return t.get();
  }
  return nullptr;
}

std::optional<std::vector<std::string>> split_template(std::string_view t) {
  std::vector<std::string> parts;
  std::string cur;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '{') {
      auto close = t.find('}', i);
      if (close == std::string_view::npos || close == i + 1) return std::nullopt;
      parts.push_back(std::move(cur));
      cur.clear();
      parts.emplace_back(t.substr(i + 1, close - i - 1));
      i = close;
    } else if (t[i] == '}') {
      return std::nullopt;
    } else {
      cur += t[i];
    }
  }
  parts.push_back(std::move(cur));
  return parts;
}

bool match_template(const std::vector<std::string>& parts, std::string_view uri, json::object& vars) {
  // parts alternate literal, var, literal, ..., literal (odd count).
  std::size_t pos = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string& p = parts[i];
    if (i % 2 == 0) {
      if (uri.substr(pos, p.size()) != p) return false;
      pos += p.size();
      continue;
    }
    const std::string& next_lit = parts[i + 1];
    std::size_t end = next_lit.empty() ? uri.size() : uri.find(next_lit, pos);
    if (end == std::string_view::npos || end == pos) return false;
    auto value = uri.substr(pos, end - pos);
    if (value.find('/') != std::string_view::npos) return false;
    vars[p] = value;
    pos = end;
  }
  return pos == uri.size();
}

}  // namespace protocol
}  // namespace mcpx
