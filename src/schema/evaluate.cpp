// Node dispatch, in-place applicators ($ref, allOf, anyOf, oneOf, not, if) and the
// wording of violations.
#include "evaluator.hpp"
#include "json_util.hpp"
#include "uri.hpp"

#include <algorithm>

namespace mcpx::schema::detail {

namespace {

constexpr std::size_t max_subject_bytes = 80;

bool abort_depth(eval_ctx& c) {
  return abort_limit(c, "depth", [&] {
    return subject(c) + " is nested too deeply (evaluation depth limit " + std::to_string(c.self.lim.max_depth) +
           " exceeded)";
  });
}

// Number of values in `root`, counted iteratively (the instance may be deep).
std::uint64_t count_values(const json::value& root) {
  std::uint64_t n = 0;
  std::vector<const json::value*> todo{&root};
  while (!todo.empty()) {
    const json::value* v = todo.back();
    todo.pop_back();
    ++n;
    if (v->is_array())
      for (const auto& e : v->get_array()) todo.push_back(&e);
    else if (v->is_object())
      for (const auto& kv : v->get_object()) todo.push_back(&kv.value());
  }
  return n;
}

// Counts one evaluation. Small validations never count the instance: the budget is widened
// by subschemas x values only when the base is spent, so honest work stays linear in both.
bool within_evaluations(eval_ctx& c) {
  if (++c.evaluations <= c.max_evaluations) return true;
  if (!c.evaluations_widened) {
    c.evaluations_widened = true;
    c.max_evaluations += static_cast<std::uint64_t>(c.self.nodes.size()) * count_values(*c.root);
    if (c.evaluations <= c.max_evaluations) return true;
  }
  return abort_limit(c, "evaluations", [&] {
    return "validating " + subject(c) + " needs more than " + std::to_string(c.max_evaluations) +
           " subschema evaluations (alternatives of the schema re-check the same values)";
  });
}

node_id dynamic_target(const node& n, const eval_ctx& c) {
  if (!n.dynamic_anchor.empty()) {
    // The outermost resource in the dynamic scope that declares the anchor wins.
    for (const auto r : c.scope) {
      const auto& dyn = c.self.resources[r].dynamic;
      if (const auto it = dyn.find(n.dynamic_anchor); it != dyn.end()) return it->second;
    }
  }
  return n.dynamic_ref;
}

// The types a branch demands, looking through plain $ref chains; 0 if unknown.
std::uint8_t branch_types(const eval_ctx& c, node_id id) {
  for (int hops = 0; hops < 16 && id != no_node; ++hops) {
    const node& n = c.self.nodes[id];
    if (n.types) return n.types;
    id = n.ref;
  }
  return 0;
}

std::size_t pointer_depth(std::string_view p) { return static_cast<std::size_t>(std::count(p.begin(), p.end(), '/')); }

// True when branch `id` pins a member of the object instance to a const/enum value the
// instance does not have (a discriminated union): the instance was meant for another one.
bool discriminator_mismatch(const eval_ctx& c, node_id id, const json::value& inst) {
  if (!inst.is_object()) return false;
  const auto& o = inst.get_object();
  for (int hops = 0; hops < 16 && id != no_node; ++hops) {
    const node& n = c.self.nodes[id];
    for (const auto& p : n.properties) {
      const node& pn = c.self.nodes[p.id];
      const auto* v = o.if_contains(p.name);
      if (!v) continue;
      if (pn.const_value && !json_equal(*v, *pn.const_value)) return true;
      if (pn.enum_values && std::none_of(pn.enum_values->begin(), pn.enum_values->end(),
                                         [&](const json::value& e) { return json_equal(*v, e); }))
        return true;
    }
    id = n.ref;
  }
  return false;
}

struct branch_error {
  node_id branch;
  violation error;
};

// Explains why no alternative of anyOf/oneOf matched. A reader gains most from the
// alternative that got furthest, so this prefers alternatives whose discriminating
// members match, then the deepest violation that is not itself a mismatch of a
// discriminating value (a const/enum, or the type of the value itself).
violation explain_alternatives(eval_ctx& c, const json::value& inst, const std::vector<node_id>& branches,
                               std::string_view keyword, std::vector<branch_error>& errors) {
  const std::string here = instance_pointer(c);
  const bool all_types_here = !errors.empty() && errors.size() == branches.size() &&
                              std::all_of(errors.begin(), errors.end(), [&](const branch_error& e) {
                                return e.error.keyword == "type" && e.error.instance_path == here;
                              });
  if (all_types_here) {
    std::uint8_t bits = 0;
    bool known = true;
    for (const auto b : branches) {
      const auto t = branch_types(c, b);
      known = known && t != 0;
      bits |= t;
    }
    if (known)
      return {here, "type",
              subject(c) + " must be of type " + type_names(bits) + ", got " + std::string(type_name_of(inst))};
  }
  const auto discriminating = [&](const violation& e) {
    return e.keyword == "const" || e.keyword == "enum" || (e.keyword == "type" && e.instance_path == here);
  };
  const violation* best = nullptr;
  std::size_t best_score = 0;
  for (const auto& e : errors) {
    const bool plausible = !discriminator_mismatch(c, e.branch, inst);
    const std::size_t score = (plausible ? 1'000'000 : 0) + 2 * pointer_depth(e.error.instance_path) +
                              (discriminating(e.error) ? 0 : 1);
    if (!best || score > best_score) {
      best = &e.error;
      best_score = score;
    }
  }
  if (best && !discriminating(*best)) return *best;
  std::string message = subject(c) + " must match " + (keyword == "oneOf" ? "exactly one" : "at least one") +
                        " of the " + std::string(keyword) + " alternatives";
  if (!errors.empty()) message += " (first alternative: " + truncate_utf8(errors.front().error.message, 160) + ")";
  return {here, std::string(keyword), std::move(message)};
}

bool eval_any_of(const node& n, const json::value& inst, eval_ctx& c, evaluated* ann) {
  auto* const saved = c.out;
  std::vector<branch_error> errors;
  bool matched = false;
  for (const auto id : n.any_of) {
    std::optional<evaluated> local;
    if (ann) local.emplace(inst);
    std::optional<violation> err;
    c.out = saved && !matched ? &err : nullptr;
    const bool ok = eval(id, inst, c, local ? &*local : nullptr);
    c.out = saved;
    if (c.aborted) return false;
    if (ok) {
      matched = true;
      if (!ann) break;  // annotations need every branch; validity needs only one
      ann->merge(*local);
    } else if (err) {
      errors.push_back({id, std::move(*err)});
    }
  }
  if (matched) return true;
  if (saved && !*saved) *saved = explain_alternatives(c, inst, n.any_of, "anyOf", errors);
  return false;
}

bool eval_one_of(const node& n, const json::value& inst, eval_ctx& c, evaluated* ann) {
  auto* const saved = c.out;
  std::vector<branch_error> errors;
  std::vector<std::size_t> matches;
  std::optional<evaluated> kept;
  for (std::size_t i = 0; i < n.one_of.size() && matches.size() < 2; ++i) {
    std::optional<evaluated> local;
    if (ann) local.emplace(inst);
    std::optional<violation> err;
    c.out = saved && matches.empty() ? &err : nullptr;
    const bool ok = eval(n.one_of[i], inst, c, local ? &*local : nullptr);
    c.out = saved;
    if (c.aborted) return false;
    if (ok) {
      matches.push_back(i);
      if (local) kept = std::move(local);
    } else if (err) {
      errors.push_back({n.one_of[i], std::move(*err)});
    }
  }
  if (matches.size() == 1) {
    if (ann) ann->merge(*kept);
    return true;
  }
  if (matches.empty()) {
    if (saved && !*saved) *saved = explain_alternatives(c, inst, n.one_of, "oneOf", errors);
    return false;
  }
  return fail(c, "oneOf", [&] {
    return subject(c) + " must match exactly one oneOf alternative, but matches alternatives " +
           std::to_string(matches[0] + 1) + " and " + std::to_string(matches[1] + 1);
  });
}

bool eval_applicators(const node& n, const json::value& inst, eval_ctx& c, evaluated* ann) {
  if (n.ref != no_node && !eval(n.ref, inst, c, ann)) return false;
  if (n.dynamic_ref != no_node && !eval(dynamic_target(n, c), inst, c, ann)) return false;
  for (const auto id : n.all_of)
    if (!eval(id, inst, c, ann)) return false;
  if (!n.any_of.empty() && !eval_any_of(n, inst, c, ann)) return false;
  if (!n.one_of.empty() && !eval_one_of(n, inst, c, ann)) return false;
  if (n.not_ != no_node) {
    bool matched;
    {
      silence quiet(c);
      matched = eval(n.not_, inst, c, nullptr);  // annotations under `not` are dropped
    }
    if (c.aborted) return false;  // a limit inside `not` must not turn into a pass
    if (matched) return fail(c, "not", [&] { return subject(c) + " must not match the schema in 'not'"; });
  }
  if (n.if_ != no_node) {
    std::optional<evaluated> local;
    if (ann) local.emplace(inst);
    bool condition;
    {
      silence quiet(c);
      condition = eval(n.if_, inst, c, local ? &*local : nullptr);
    }
    if (c.aborted) return false;
    if (condition) {
      if (ann) ann->merge(*local);
      if (n.then_ != no_node) return eval(n.then_, inst, c, ann);
    } else if (n.else_ != no_node) {
      return eval(n.else_, inst, c, ann);
    }
  }
  return true;
}

bool eval_keywords(const node& n, const json::value& inst, eval_ctx& c, evaluated* ann) {
  if (!eval_values(n, inst, c)) return false;
  if (inst.is_object() && !eval_object(n, inst, c, ann)) return false;
  if (inst.is_array() && !eval_array(n, inst, c, ann)) return false;
  return eval_applicators(n, inst, c, ann);
}

}  // namespace

evaluated::evaluated(const json::value& instance) {
  if (instance.is_object()) props.assign(instance.get_object().size(), false);
  else if (instance.is_array()) items.assign(instance.get_array().size(), false);
}

void evaluated::merge(const evaluated& other) {
  for (std::size_t i = 0; i < props.size() && i < other.props.size(); ++i)
    if (other.props[i]) props[i] = true;
  for (std::size_t i = 0; i < items.size() && i < other.items.size(); ++i)
    if (other.items[i]) items[i] = true;
}

bool eval(node_id id, const json::value& inst, eval_ctx& c, evaluated* ann) {
  if (c.aborted) return false;
  const node& n = c.self.nodes[id];
  if (n.k == node::kind::always) return true;
  if (n.k == node::kind::never) return fail(c, "false", [&] { return subject(c) + " is not allowed"; });
  // Bounds the recursion whatever the instance or $ref cycles look like.
  if (c.depth >= c.self.lim.max_depth) return abort_depth(c);
  if (!within_evaluations(c)) return false;
  const bool new_scope = c.scope.empty() || c.scope.back() != n.resource;
  ++c.depth;
  if (new_scope) c.scope.push_back(n.resource);
  bool ok;
  if (n.has_unevaluated()) {
    // Fresh annotations: unevaluated* sees only what this schema and its in-place
    // subschemas evaluated, not the siblings of this schema in its parent.
    evaluated local(inst);
    ok = eval_keywords(n, inst, c, &local) && eval_unevaluated(n, inst, c, local);
    if (ok && ann) ann->merge(local);
  } else {
    ok = eval_keywords(n, inst, c, ann);
  }
  --c.depth;
  if (new_scope) c.scope.pop_back();
  return ok;
}

bool eval_at(node_id id, const json::value& v, std::string_view key, eval_ctx& c) {
  path_guard g(c, key);
  return eval(id, v, c, nullptr);
}

bool eval_at(node_id id, const json::value& v, std::size_t index, eval_ctx& c) {
  path_guard g(c, index);
  return eval(id, v, c, nullptr);
}

std::string subject(const eval_ctx& c) {
  if (c.path.empty()) return "the root value";
  std::string s;
  for (const auto& seg : c.path) {
    if (seg.is_index) {
      s += '[' + std::to_string(seg.index) + ']';
    } else {
      if (!s.empty()) s += '.';
      s += seg.key;
    }
  }
  if (s.size() > max_subject_bytes) {
    // Keep the tail: the innermost names are the ones to fix.
    std::size_t cut = s.size() - max_subject_bytes;
    while (cut < s.size() && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) ++cut;
    s = "..." + s.substr(cut);
  }
  return "'" + s + "'";
}

std::string member_subject(eval_ctx& c, std::string_view key) {
  path_guard g(c, key);
  return subject(c);
}

std::string instance_pointer(const eval_ctx& c) {
  std::string p;
  for (const auto& seg : c.path) {
    p += '/';
    p += seg.is_index ? std::to_string(seg.index) : escape_pointer_token(seg.key);
  }
  return p;
}

std::string plural(std::uint64_t n, std::string_view one, std::string_view many) {
  if (n == 1) return "1 " + std::string(one);
  return std::to_string(n) + " " + (many.empty() ? std::string(one) + "s" : std::string(many));
}

std::optional<violation> evaluate_document(const validator::impl& v, const json::value& instance) {
  eval_ctx c(v);
  // Arguments are validated on every call: the path and scope stacks keep their capacity per
  // thread instead of being allocated each time. (Validation never nests on one thread.)
  thread_local std::vector<path_seg> path_buf;
  thread_local std::vector<std::uint32_t> scope_buf;
  c.path.swap(path_buf);
  c.scope.swap(scope_buf);
  c.path.clear();
  c.scope.clear();
  struct give_back {
    eval_ctx& c;
    ~give_back() {
      c.path.swap(path_buf);
      c.scope.swap(scope_buf);
    }
  } restore{c};
  std::optional<violation> first;
  c.out = &first;
  c.root = &instance;
  c.max_evaluations = v.lim.base_evaluations;
  const bool ok = eval(v.root, instance, c, nullptr);
  if (c.aborted) return c.abort_reason;
  if (ok) return std::nullopt;
  if (!first) first = violation{"", "schema", "the root value does not match the schema"};
  return first;
}

}  // namespace mcpx::schema::detail
