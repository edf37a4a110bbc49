// Compiles the keywords of one object schema into a node. Malformed keyword values are
// compile errors: a schema author learns about a typo at registration time instead of
// every call failing (or passing) mysteriously.
#include "compiler.hpp"
#include "json_util.hpp"
#include "uri.hpp"

#include <algorithm>

namespace mcpx::schema::detail {

namespace {

struct keyword_compiler {
  compiler& c;
  node_id id;
  const json::object& o;
  node& n;
  std::string ptr;

  bool bad(std::string_view keyword, std::string_view expected) {
    return c.fail("invalid '" + std::string(keyword) + "' at " + ptr + ": expected " + std::string(expected));
  }

  bool child(const json::value& v, const std::string& suffix, node_id& out) {
    out = c.child(v, id, suffix);
    return out != no_node;
  }

  // A keyword whose value is one subschema; absent keywords leave `out` untouched.
  bool single(std::string_view keyword, node_id& out) {
    const auto* v = o.if_contains(keyword);
    return !v || child(*v, pointer_suffix(keyword), out);
  }

  bool schema_list(std::string_view keyword, std::vector<node_id>& out) {
    const auto* v = o.if_contains(keyword);
    if (!v) return true;
    if (!v->is_array()) return bad(keyword, "an array of schemas");
    const auto& a = v->get_array();
    for (std::size_t i = 0; i < a.size(); ++i) {
      node_id child_id;
      if (!child(a[i], pointer_suffix(keyword, i), child_id)) return false;
      out.push_back(child_id);
    }
    return true;
  }

  bool count(std::string_view keyword, std::optional<std::uint64_t>& out) {
    const auto* v = o.if_contains(keyword);
    if (!v) return true;
    std::uint64_t x;
    if (!read_count(*v, x)) return bad(keyword, "a non-negative integer");
    out = x;
    return true;
  }

  bool number(std::string_view keyword, const json::value*& out) {
    const auto* v = o.if_contains(keyword);
    if (!v) return true;
    if (!v->is_number()) return bad(keyword, "a number");
    out = v;
    return true;
  }

  bool string_list(std::string_view keyword, const json::value& v, std::vector<std::string_view>& out) {
    if (!v.is_array()) return bad(keyword, "an array of strings");
    for (const auto& s : v.get_array()) {
      if (!s.is_string()) return bad(keyword, "an array of strings");
      out.push_back(s.get_string());
    }
    return true;
  }

  bool regex(std::string_view keyword, std::string_view source, std::optional<pattern>& out) {
    std::string why;
    out = make_pattern(source, why);
    if (out) return true;
    return c.fail("invalid regular expression in '" + std::string(keyword) + "' at " + ptr + ": " +
                  truncate_utf8(source, 80) + " (" + why + ")");
  }

  bool type();
  bool scalars();
  bool arrays();
  bool objects();
  bool applicators();
};

std::uint8_t type_bit_named(std::string_view name) {
  if (name == "null") return t_null;
  if (name == "boolean") return t_boolean;
  if (name == "object") return t_object;
  if (name == "array") return t_array;
  if (name == "number") return t_number;
  if (name == "string") return t_string;
  if (name == "integer") return t_integer;
  return 0;
}

bool keyword_compiler::type() {
  const auto* t = o.if_contains("type");
  if (!t) return true;
  const auto add = [&](const json::value& name) {
    const std::uint8_t bit = name.is_string() ? type_bit_named(name.get_string()) : 0;
    n.types |= bit;
    return bit != 0;
  };
  if (t->is_array()) {
    for (const auto& name : t->get_array())
      if (!add(name)) return bad("type", "type names (null, boolean, object, array, number, string, integer)");
    return true;
  }
  return add(*t) || bad("type", "a type name (null, boolean, object, array, number, string, integer)");
}

bool keyword_compiler::scalars() {
  if (const auto* e = o.if_contains("enum")) {
    if (!e->is_array()) return bad("enum", "an array");
    n.enum_values = &e->get_array();
  }
  n.const_value = o.if_contains("const");
  if (!number("multipleOf", n.multiple_of) || !number("maximum", n.maximum) || !number("minimum", n.minimum))
    return false;
  if (n.multiple_of && compare_numbers(*n.multiple_of, json::value(0)) <= 0)
    return bad("multipleOf", "a number greater than 0");
  // Draft-04 style boolean exclusive bounds are still common in the wild: honour them.
  if (const auto* v = o.if_contains("exclusiveMaximum"); v && v->is_bool()) {
    if (v->get_bool()) std::swap(n.exclusive_maximum, n.maximum);
  } else if (!number("exclusiveMaximum", n.exclusive_maximum)) {
    return false;
  }
  if (const auto* v = o.if_contains("exclusiveMinimum"); v && v->is_bool()) {
    if (v->get_bool()) std::swap(n.exclusive_minimum, n.minimum);
  } else if (!number("exclusiveMinimum", n.exclusive_minimum)) {
    return false;
  }
  if (!count("maxLength", n.max_length) || !count("minLength", n.min_length)) return false;
  if (const auto* p = o.if_contains("pattern")) {
    if (!p->is_string()) return bad("pattern", "a string");
    if (!regex("pattern", p->get_string(), n.pat)) return false;
  }
  return true;
}

bool keyword_compiler::arrays() {
  const bool modern = n.d == dialect::draft2020_12;
  const auto* items = o.if_contains("items");
  if (items && items->is_array()) {
    // Tuple form: draft-07 semantics, also accepted (leniently) without a draft-07 $schema.
    if (!schema_list("items", n.prefix_items)) return false;
    if (const auto* extra = o.if_contains("additionalItems")) {
      if (!child(*extra, "/additionalItems", n.items)) return false;
      n.items_keyword = "additionalItems";
    }
  } else {
    if (items && !child(*items, "/items", n.items)) return false;
    if (modern && !schema_list("prefixItems", n.prefix_items)) return false;
  }
  if (!single("contains", n.contains)) return false;
  if (modern && (!count("minContains", n.min_contains) || !count("maxContains", n.max_contains))) return false;
  if (const auto* u = o.if_contains("uniqueItems")) {
    if (!u->is_bool()) return bad("uniqueItems", "a boolean");
    n.unique_items = u->get_bool();
  }
  if (!count("maxItems", n.max_items) || !count("minItems", n.min_items)) return false;
  return !modern || single("unevaluatedItems", n.unevaluated_items);
}

bool keyword_compiler::objects() {
  const bool modern = n.d == dialect::draft2020_12;
  if (const auto* p = o.if_contains("properties")) {
    if (!p->is_object()) return bad("properties", "an object of schemas");
    for (const auto& kv : p->get_object()) {
      node_id child_id;
      if (!child(kv.value(), pointer_suffix("properties", kv.key(), true), child_id)) return false;
      n.properties.push_back({kv.key(), child_id});
      n.property_set.push_back(kv.key());
    }
    std::sort(n.property_set.begin(), n.property_set.end());
  }
  if (const auto* p = o.if_contains("patternProperties")) {
    if (!p->is_object()) return bad("patternProperties", "an object of schemas");
    for (const auto& kv : p->get_object()) {
      pattern_child pc;
      std::optional<pattern> re;
      if (!regex("patternProperties", kv.key(), re)) return false;
      pc.re = std::move(*re);
      if (!child(kv.value(), pointer_suffix("patternProperties", kv.key(), true), pc.id)) return false;
      n.pattern_properties.push_back(std::move(pc));
    }
  }
  if (!single("additionalProperties", n.additional_properties) || !single("propertyNames", n.property_names))
    return false;
  if (const auto* r = o.if_contains("required"); r && !string_list("required", *r, n.required)) return false;
  const auto dependency_map = [&](std::string_view keyword, bool allow_names, bool allow_schemas) {
    const auto* m = o.if_contains(keyword);
    if (!m) return true;
    if (!m->is_object()) return bad(keyword, "an object");
    for (const auto& kv : m->get_object()) {
      if (allow_names && kv.value().is_array()) {
        dependent_required dr{kv.key(), {}};
        if (!string_list(keyword, kv.value(), dr.required)) return false;
        n.dependent_req.push_back(std::move(dr));
      } else if (allow_schemas && (kv.value().is_object() || kv.value().is_bool())) {
        node_id child_id;
        if (!child(kv.value(), pointer_suffix(keyword, kv.key(), true), child_id)) return false;
        n.dependent_schemas.push_back({kv.key(), child_id});
      } else {
        return bad(keyword,
                   allow_schemas ? (allow_names ? "schemas or arrays of strings" : "schemas") : "arrays of strings");
      }
    }
    return true;
  };
  if (modern && (!dependency_map("dependentRequired", true, false) || !dependency_map("dependentSchemas", false, true)))
    return false;
  // Draft-07's combined form; also honoured in 2020-12 for compatibility (the test suite's
  // optional dependencies-compatibility behaviour), since older tool schemas still use it.
  if (!dependency_map("dependencies", true, true)) return false;
  if (!count("maxProperties", n.max_properties) || !count("minProperties", n.min_properties)) return false;
  return !modern || single("unevaluatedProperties", n.unevaluated_properties);
}

bool keyword_compiler::applicators() {
  if (const auto* r = o.if_contains("$ref")) {
    if (!r->is_string()) return bad("$ref", "a string");
    if (!c.resolve_ref(r->get_string(), id, n.ref, nullptr)) return false;
  }
  if (n.d == dialect::draft2020_12) {
    if (const auto* r = o.if_contains("$dynamicRef")) {
      if (!r->is_string()) return bad("$dynamicRef", "a string");
      if (!c.resolve_ref(r->get_string(), id, n.dynamic_ref, &n.dynamic_anchor)) return false;
    }
  }
  if (!schema_list("allOf", n.all_of) || !schema_list("anyOf", n.any_of) || !schema_list("oneOf", n.one_of))
    return false;
  if (!single("not", n.not_)) return false;
  // then/else without if have no effect (and need no compiling).
  if (o.contains("if") && (!single("if", n.if_) || !single("then", n.then_) || !single("else", n.else_))) return false;
  return true;
}

}  // namespace

bool compile_keywords(compiler& c, node_id id, const json::object& o, node& n) {
  keyword_compiler k{c, id, o, n, c.pointer_of(id)};
  // Draft-07: "All other properties in a "$ref" object MUST be ignored."
  if (n.d == dialect::draft07 && o.contains("$ref")) {
    const auto& r = o.at("$ref");
    if (!r.is_string()) return k.bad("$ref", "a string");
    return c.resolve_ref(r.get_string(), id, n.ref, nullptr);
  }
  return k.type() && k.scalars() && k.arrays() && k.objects() && k.applicators();
}

}  // namespace mcpx::schema::detail
