// Object and array keywords, and unevaluatedProperties / unevaluatedItems.
#include "evaluator.hpp"
#include "json_util.hpp"
#include "unique_items.hpp"

#include <algorithm>

namespace mcpx::schema::detail {

namespace {

bool is_false(const eval_ctx& c, node_id id) { return c.self.nodes[id].k == node::kind::never; }

bool reject_member(eval_ctx& c, std::string_view key, std::string_view keyword) {
  path_guard g(c, key);
  return fail(c, keyword, [&] { return subject(c) + " is not allowed (" + std::string(keyword) + " is false)"; });
}

bool reject_item(eval_ctx& c, std::size_t index, std::string_view keyword) {
  path_guard g(c, index);
  return fail(c, keyword, [&] { return subject(c) + " is not allowed (" + std::string(keyword) + " is false)"; });
}

bool search_member_pattern(const pattern& p, std::string_view key, eval_ctx& c, bool& hit) {
  path_guard g(c, key);
  return search_pattern(p, key, "patternProperties", c, hit);
}

// patternProperties and additionalProperties for member `kv` (number `index`).
bool eval_unnamed_member(const node& n, const json::key_value_pair& kv, std::size_t index, eval_ctx& c,
                         evaluated* ann) {
  const std::string_view key = kv.key();
  bool matched = std::binary_search(n.property_set.begin(), n.property_set.end(), key);
  for (const auto& pp : n.pattern_properties) {
    bool hit;
    if (!search_member_pattern(pp.re, key, c, hit)) return false;
    if (!hit) continue;
    matched = true;
    if (ann) ann->props[index] = true;
    if (!eval_at(pp.id, kv.value(), key, c)) return false;
  }
  if (matched || n.additional_properties == no_node) return true;
  if (ann) ann->props[index] = true;
  if (is_false(c, n.additional_properties)) return reject_member(c, key, "additionalProperties");
  return eval_at(n.additional_properties, kv.value(), key, c);
}

bool eval_property_names(const node& n, const json::object& o, eval_ctx& c) {
  auto* const saved = c.out;
  for (const auto& kv : o) {
    const json::value name(kv.key());
    path_guard g(c, kv.key());
    std::optional<violation> err;
    c.out = saved ? &err : nullptr;
    const bool ok = eval(n.property_names, name, c, nullptr);
    c.out = saved;
    if (ok) continue;
    if (!c.aborted && saved && !*saved) {
      *saved = violation{instance_pointer(c), "propertyNames",
                         "invalid property name: " + (err ? err->message : subject(c) + " is not allowed")};
    }
    return false;
  }
  return true;
}

bool eval_unique(const json::array& a, eval_ctx& c) {
  const duplicate_search d = find_duplicate(a);
  if (d.gave_up)
    return abort_limit(c, "uniqueItems", [&] {
      return subject(c) + " could not be checked for duplicate items (items crafted to collide in the hash)";
    });
  if (!d.found) return true;
  return fail(c, "uniqueItems", [&] {
    return subject(c) + " must not contain duplicate items (items " + std::to_string(d.first) + " and " +
           std::to_string(d.second) + " are equal)";
  });
}

}  // namespace

bool eval_object(const node& n, const json::value& inst, eval_ctx& c, evaluated* ann) {
  const json::object& o = inst.get_object();
  for (const auto name : n.required) {
    if (o.contains(name)) continue;
    path_guard g(c, name);
    return fail(c, "required", [&] { return "missing required property " + subject(c); });
  }
  for (const auto& dr : n.dependent_req) {
    if (!o.contains(dr.property)) continue;
    for (const auto name : dr.required) {
      if (o.contains(name)) continue;
      const std::string because = member_subject(c, dr.property);
      path_guard g(c, name);
      return fail(c, "dependentRequired", [&] { return subject(c) + " is required when " + because + " is present"; });
    }
  }
  if (n.max_properties && o.size() > *n.max_properties)
    return fail(c, "maxProperties", [&] {
      return subject(c) + " must have at most " + plural(*n.max_properties, "property", "properties");
    });
  if (n.min_properties && o.size() < *n.min_properties)
    return fail(c, "minProperties", [&] {
      return subject(c) + " must have at least " + plural(*n.min_properties, "property", "properties");
    });

  for (const auto& p : n.properties) {
    const auto it = o.find(p.name);
    if (it == o.end()) continue;
    if (ann) ann->props[static_cast<std::size_t>(it - o.begin())] = true;
    if (!eval_at(p.id, it->value(), p.name, c)) return false;
  }
  if (!n.pattern_properties.empty() || n.additional_properties != no_node) {
    std::size_t index = 0;
    for (auto it = o.begin(); it != o.end(); ++it, ++index)
      if (!eval_unnamed_member(n, *it, index, c, ann)) return false;
  }
  if (n.property_names != no_node && !eval_property_names(n, o, c)) return false;
  for (const auto& ds : n.dependent_schemas)
    if (o.contains(ds.name) && !eval(ds.id, inst, c, ann)) return false;
  return true;
}

bool eval_array(const node& n, const json::value& inst, eval_ctx& c, evaluated* ann) {
  const json::array& a = inst.get_array();
  if (n.max_items && a.size() > *n.max_items)
    return fail(c, "maxItems", [&] { return subject(c) + " must have at most " + plural(*n.max_items, "item"); });
  if (n.min_items && a.size() < *n.min_items)
    return fail(c, "minItems", [&] { return subject(c) + " must have at least " + plural(*n.min_items, "item"); });
  if (n.unique_items && a.size() > 1 && !eval_unique(a, c)) return false;
  const std::size_t prefix = std::min(n.prefix_items.size(), a.size());
  for (std::size_t i = 0; i < prefix; ++i) {
    if (ann) ann->items[i] = true;
    if (!eval_at(n.prefix_items[i], a[i], i, c)) return false;
  }
  if (n.items != no_node) {
    for (std::size_t i = prefix; i < a.size(); ++i) {
      if (ann) ann->items[i] = true;
      if (is_false(c, n.items)) return reject_item(c, i, n.items_keyword);
      if (!eval_at(n.items, a[i], i, c)) return false;
    }
  }
  if (n.contains != no_node) {
    const std::uint64_t min = n.min_contains.value_or(1);
    // 2020-12: items matching `contains` count as evaluated for unevaluatedItems.
    const bool annotate = ann && n.d == dialect::draft2020_12;
    std::uint64_t count = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
      bool ok;
      {
        silence quiet(c);
        ok = eval_at(n.contains, a[i], i, c);
      }
      if (c.aborted) return false;
      if (!ok) continue;
      ++count;
      if (annotate) ann->items[i] = true;
      else if (!n.max_contains && count >= min) break;
    }
    if (count < min)
      return fail(c, n.min_contains ? "minContains" : "contains", [&] {
        return subject(c) + " must contain at least " + plural(min, "item") + " matching 'contains', found " +
               std::to_string(count);
      });
    if (n.max_contains && count > *n.max_contains)
      return fail(c, "maxContains", [&] {
        return subject(c) + " must contain at most " + plural(*n.max_contains, "item") +
               " matching 'contains', found " + std::to_string(count);
      });
  }
  return true;
}

bool eval_unevaluated(const node& n, const json::value& inst, eval_ctx& c, evaluated& ann) {
  if (inst.is_object() && n.unevaluated_properties != no_node) {
    const auto& o = inst.get_object();
    std::size_t index = 0;
    for (auto it = o.begin(); it != o.end(); ++it, ++index) {
      if (ann.props[index]) continue;
      if (is_false(c, n.unevaluated_properties)) return reject_member(c, it->key(), "unevaluatedProperties");
      if (!eval_at(n.unevaluated_properties, it->value(), it->key(), c)) return false;
      ann.props[index] = true;
    }
  }
  if (inst.is_array() && n.unevaluated_items != no_node) {
    const auto& a = inst.get_array();
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (ann.items[i]) continue;
      if (is_false(c, n.unevaluated_items)) return reject_item(c, i, "unevaluatedItems");
      if (!eval_at(n.unevaluated_items, a[i], i, c)) return false;
      ann.items[i] = true;
    }
  }
  return true;
}

}  // namespace mcpx::schema::detail
