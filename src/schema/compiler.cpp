#include "compiler.hpp"

#include "uri.hpp"

#include <utility>

namespace mcpx::schema::detail {

namespace {

// Base URI of a document without a root $id. It only names the document internally:
// a $ref that resolves elsewhere is reported as unresolvable, never fetched.
constexpr std::string_view default_base = "urn:mcpx:schema:root";

std::optional<dialect> parse_dialect(std::string_view uri) {
  if (!uri.empty() && uri.back() == '#') uri.remove_suffix(1);
  if (uri == "http://json-schema.org/draft-07/schema" || uri == "https://json-schema.org/draft-07/schema")
    return dialect::draft07;
  if (uri == "https://json-schema.org/draft/2020-12/schema" || uri == "http://json-schema.org/draft/2020-12/schema")
    return dialect::draft2020_12;
  return std::nullopt;
}

// Keywords whose value is one subschema.
constexpr std::string_view single_schema_keywords[] = {
    "additionalProperties", "propertyNames", "contains", "not", "if", "then", "else", "additionalItems",
};
constexpr std::string_view single_schema_keywords_2020[] = {"unevaluatedProperties", "unevaluatedItems"};
// Keywords whose value is an array of subschemas.
constexpr std::string_view schema_array_keywords[] = {"allOf", "anyOf", "oneOf"};
// Keywords whose value is an object mapping names to subschemas.
constexpr std::string_view schema_map_keywords[] = {"properties", "patternProperties", "$defs", "definitions"};

}  // namespace

bool compiler::fail(std::string message) {
  if (error_.empty()) error_ = std::move(message);
  return false;
}

bool compiler::run() {
  resources_.push_back({std::string(default_base), &out_.doc, dialect::draft2020_12, {}});
  resource_by_uri_.emplace(std::string(default_base), 0);
  out_.resources.emplace_back();
  if (!index({&out_.doc, 0, 1, dialect::draft2020_12, "#"})) return false;
  // pending_ may grow while compiling (refs to values outside keyword positions).
  for (node_id id = 0; id < pending_.size(); ++id) {
    node n;
    if (!compile_node(id, n)) return false;
    out_.nodes.push_back(std::move(n));
  }
  out_.root = 0;
  return true;
}

bool compiler::add_anchor(std::uint32_t res, std::string_view name, node_id id, bool dynamic) {
  auto& anchors = resources_[res].anchors;
  const auto it = anchors.find(name);
  if (it != anchors.end() && it->second != id)
    return fail("duplicate anchor '" + std::string(name) + "' at " + pending_.back().pointer);
  anchors.emplace(std::string(name), id);
  if (dynamic) out_.resources[res].dynamic.emplace(std::string(name), id);
  return true;
}

// Applies $schema, $id, $anchor and $dynamicAnchor of the object schema being indexed
// (already appended to pending_ as `w`).
bool compiler::enter_object(pending& w, const json::object& o) {
  const node_id id = static_cast<node_id>(pending_.size() - 1);
  if (const auto* s = o.if_contains("$schema")) {
    if (!s->is_string()) return fail("invalid '$schema' at " + w.pointer + ": expected a string");
    const auto d = parse_dialect(s->get_string());
    if (!d) return fail("unsupported JSON Schema dialect: " + std::string(s->get_string()));
    w.d = *d;
  }
  // Draft-07 ignores every sibling of $ref, $id included.
  const bool ref_hides_siblings = w.d == dialect::draft07 && o.contains("$ref");
  if (const auto* idv = o.if_contains("$id"); idv && !ref_hides_siblings) {
    if (!idv->is_string()) return fail("invalid '$id' at " + w.pointer + ": expected a string");
    const std::string_view text = idv->get_string();
    if (w.d == dialect::draft07 && !text.empty() && text[0] == '#') {
      if (!add_anchor(w.resource, text.substr(1), id, false)) return false;
    } else {
      const std::string absolute = resolve_uri(resources_[w.resource].uri, text);
      const auto parts = split_fragment(absolute);
      if (!parts.fragment.empty() && w.d == dialect::draft2020_12)
        return fail("invalid '$id' at " + w.pointer + ": must not contain a fragment");
      std::string uri(parts.uri);
      const auto found = resource_by_uri_.find(uri);
      if (found != resource_by_uri_.end()) {
        if (resources_[found->second].root != w.value) return fail("duplicate '$id' " + uri + " at " + w.pointer);
        w.resource = found->second;
      } else {
        w.resource = static_cast<std::uint32_t>(resources_.size());
        resources_.push_back({uri, w.value, w.d, {}});
        out_.resources.emplace_back();
        resource_by_uri_.emplace(std::move(uri), w.resource);
      }
      if (!parts.fragment.empty() && !add_anchor(w.resource, parts.fragment, id, false)) return false;
    }
  }
  if (w.d == dialect::draft2020_12) {
    for (const auto& [keyword, dynamic] : {std::pair{"$anchor", false}, std::pair{"$dynamicAnchor", true}}) {
      const auto* a = o.if_contains(keyword);
      if (!a) continue;
      if (!a->is_string() || a->get_string().empty())
        return fail(std::string("invalid '") + keyword + "' at " + w.pointer + ": expected a non-empty string");
      if (!add_anchor(w.resource, a->get_string(), id, dynamic)) return false;
    }
  }
  pending_.back().resource = w.resource;
  pending_.back().d = w.d;
  return true;
}

bool compiler::push_children(const pending& w, const json::object& o, std::vector<pending>& stack) {
  const auto push = [&](const json::value& v, std::string suffix) {
    stack.push_back({&v, w.resource, w.depth + 1, w.d, w.pointer + suffix});
  };
  for (const auto keyword : single_schema_keywords)
    if (const auto* v = o.if_contains(keyword)) push(*v, pointer_suffix(keyword));
  if (w.d == dialect::draft2020_12)
    for (const auto keyword : single_schema_keywords_2020)
      if (const auto* v = o.if_contains(keyword)) push(*v, pointer_suffix(keyword));
  const auto push_array = [&](std::string_view keyword) {
    const auto* v = o.if_contains(keyword);
    if (!v) return true;
    if (!v->is_array())
      return fail("invalid '" + std::string(keyword) + "' at " + w.pointer + ": expected an array of schemas");
    const auto& a = v->get_array();
    for (std::size_t i = 0; i < a.size(); ++i) push(a[i], pointer_suffix(keyword, i));
    return true;
  };
  for (const auto keyword : schema_array_keywords)
    if (!push_array(keyword)) return false;
  if (w.d == dialect::draft2020_12 && !push_array("prefixItems")) return false;
  if (const auto* items = o.if_contains("items")) {
    if (items->is_array()) {
      if (!push_array("items")) return false;
    } else {
      push(*items, "/items");
    }
  }
  const auto push_map = [&](std::string_view keyword, bool schemas_only) {
    const auto* v = o.if_contains(keyword);
    if (!v) return true;
    if (!v->is_object())
      return fail("invalid '" + std::string(keyword) + "' at " + w.pointer + ": expected an object of schemas");
    for (const auto& kv : v->get_object()) {
      // `dependencies` mixes schemas with arrays of property names.
      if (schemas_only && !kv.value().is_object() && !kv.value().is_bool()) continue;
      push(kv.value(), pointer_suffix(keyword, kv.key(), true));
    }
    return true;
  };
  for (const auto keyword : schema_map_keywords)
    if (!push_map(keyword, false)) return false;
  if (w.d == dialect::draft2020_12 && !push_map("dependentSchemas", false)) return false;
  if (!push_map("dependencies", true)) return false;
  return true;
}

bool compiler::index(pending start) {
  std::vector<pending> stack;
  stack.push_back(std::move(start));
  while (!stack.empty()) {
    pending w = std::move(stack.back());
    stack.pop_back();
    if (ids_.count(w.value)) continue;
    if (!w.value->is_object() && !w.value->is_bool())
      return fail("invalid schema at " + w.pointer + ": expected an object or a boolean");
    if (w.depth > out_.lim.max_depth)
      return fail("schema nesting exceeds max_depth (" + std::to_string(out_.lim.max_depth) + ") at " + w.pointer);
    if (pending_.size() >= out_.lim.max_subschemas)
      return fail("schema has more than " + std::to_string(out_.lim.max_subschemas) + " subschemas (max_subschemas)");
    const auto id = static_cast<node_id>(pending_.size());
    ids_.emplace(w.value, id);
    pending_.push_back(w);
    if (!w.value->is_object()) continue;
    const auto& o = w.value->get_object();
    if (!enter_object(w, o)) return false;
    if (!push_children(w, o, stack)) return false;
  }
  return true;
}

node_id compiler::child(const json::value& v, node_id from, std::string_view suffix) {
  if (const auto it = ids_.find(&v); it != ids_.end()) return it->second;
  const pending& p = pending_[from];
  if (!index({&v, p.resource, p.depth + 1, p.d, p.pointer + std::string(suffix)})) return no_node;
  return ids_.at(&v);
}

bool compiler::resolve_ref(std::string_view ref, node_id from, node_id& target, std::string* dynamic_name) {
  const auto unresolvable = [&] { return fail("unresolvable $ref: " + std::string(ref)); };
  const std::uint32_t from_resource = pending_[from].resource;
  const std::uint32_t from_depth = pending_[from].depth;
  const std::string absolute = resolve_uri(resources_[from_resource].uri, ref);
  const auto parts = split_fragment(absolute);
  const auto found = resource_by_uri_.find(std::string(parts.uri));
  if (found == resource_by_uri_.end()) return unresolvable();
  const std::uint32_t res = found->second;
  const std::string fragment = percent_decode(parts.fragment);

  if (!fragment.empty() && fragment[0] != '/') {
    const auto& anchors = resources_[res].anchors;
    const auto it = anchors.find(fragment);
    if (it == anchors.end()) return unresolvable();
    target = it->second;
    if (dynamic_name) {
      // Only a $dynamicRef that lands on a matching $dynamicAnchor is dynamic (2020-12 §8.2.3.2).
      const auto& dyn = out_.resources[res].dynamic;
      if (const auto d = dyn.find(fragment); d != dyn.end() && d->second == target) *dynamic_name = fragment;
    }
    return true;
  }

  std::vector<std::string> tokens;
  if (!parse_pointer(fragment, tokens)) return unresolvable();
  const json::value* v = resources_[res].root;
  for (const auto& token : tokens) {
    if (v->is_object()) {
      v = v->get_object().if_contains(token);
    } else if (v->is_array()) {
      const auto& a = v->get_array();
      const bool digits = !token.empty() && token.find_first_not_of("0123456789") == std::string::npos &&
                          (token.size() == 1 || token[0] != '0') && token.size() < 19;
      v = digits && std::stoull(token) < a.size() ? &a[std::stoull(token)] : nullptr;
    } else {
      v = nullptr;
    }
    if (!v) return unresolvable();
  }
  if (!v->is_object() && !v->is_bool()) return fail("$ref target is not a schema: " + std::string(ref));
  if (const auto it = ids_.find(v); it != ids_.end()) {
    target = it->second;
    return true;
  }
  if (!index({v, res, from_depth + 1, resources_[res].d, absolute})) return false;
  target = ids_.at(v);
  return true;
}

bool compiler::compile_node(node_id id, node& n) {
  const pending& p = pending_[id];
  n.d = p.d;
  n.resource = p.resource;
  const json::value* v = p.value;
  if (v->is_bool()) {
    n.k = v->get_bool() ? node::kind::always : node::kind::never;
    return true;
  }
  return compile_keywords(*this, id, v->get_object(), n);
}

bool compile_document(validator::impl& out, std::string& error) {
  compiler c(out, error);
  return c.run();
}

}  // namespace mcpx::schema::detail
