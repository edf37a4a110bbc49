// Assertions on any instance: type, enum, const, numeric bounds, string length, pattern.
#include "evaluator.hpp"
#include "json_util.hpp"

#include <algorithm>

namespace mcpx::schema::detail {

namespace {

std::string enum_list(const json::array& values) {
  constexpr std::size_t max_list_bytes = 200;
  std::string list;
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::string item = short_json(values[i], 40);
    if (list.size() + item.size() > max_list_bytes) {
      list += ", ...";
      break;
    }
    if (i) list += ", ";
    list += item;
  }
  return list;
}

bool eval_number(const node& n, const json::value& inst, eval_ctx& c) {
  if (n.multiple_of && !is_multiple_of(inst, *n.multiple_of))
    return fail(c, "multipleOf",
                [&] { return subject(c) + " must be a multiple of " + format_number(*n.multiple_of); });
  if (n.maximum && compare_numbers(inst, *n.maximum) > 0)
    return fail(c, "maximum", [&] { return subject(c) + " must be <= " + format_number(*n.maximum); });
  if (n.exclusive_maximum && compare_numbers(inst, *n.exclusive_maximum) >= 0)
    return fail(c, "exclusiveMaximum",
                [&] { return subject(c) + " must be < " + format_number(*n.exclusive_maximum); });
  if (n.minimum && compare_numbers(inst, *n.minimum) < 0)
    return fail(c, "minimum", [&] { return subject(c) + " must be >= " + format_number(*n.minimum); });
  if (n.exclusive_minimum && compare_numbers(inst, *n.exclusive_minimum) <= 0)
    return fail(c, "exclusiveMinimum",
                [&] { return subject(c) + " must be > " + format_number(*n.exclusive_minimum); });
  return true;
}

bool eval_string(const node& n, std::string_view s, eval_ctx& c) {
  if (n.max_length || n.min_length) {
    const std::size_t length = utf8_length(s);
    if (n.max_length && length > *n.max_length)
      return fail(c, "maxLength", [&] {
        return subject(c) + " must be at most " + plural(*n.max_length, "character") + " long, got " +
               std::to_string(length);
      });
    if (n.min_length && length < *n.min_length)
      return fail(c, "minLength", [&] {
        if (length == 0) return subject(c) + " must not be empty";
        return subject(c) + " must be at least " + plural(*n.min_length, "character") + " long, got " +
               std::to_string(length);
      });
  }
  bool matched = true;
  if (n.pat && !search_pattern(*n.pat, s, "pattern", c, matched)) return false;
  if (!matched)
    return fail(c, "pattern",
                [&] { return subject(c) + " must match the pattern " + short_json(json::value(n.pat->source), 100); });
  return true;
}

}  // namespace

bool search_pattern(const pattern& p, std::string_view text, std::string_view keyword, eval_ctx& c, bool& matched) {
  const std::uint64_t room = c.self.lim.max_pattern_cost - std::min(c.pattern_cost, c.self.lim.max_pattern_cost);
  // Checked before the search, so the bound holds whatever the pattern and the text are.
  const std::uint64_t longest = room / p.program_size;  // bytes + 1 that still fit
  if (text.size() >= longest)
    return abort_limit(c, keyword, [&] {
      return subject(c) + " is too long to be checked against the pattern " + short_json(json::value(p.source), 60) +
             " (" + std::to_string(text.size()) + " bytes; at most " + std::to_string(longest ? longest - 1 : 0) +
             " can be checked here)";
    });
  c.pattern_cost += p.program_size * (text.size() + 1);
  matched = pattern_matches(p, text);
  return true;
}

bool eval_values(const node& n, const json::value& inst, eval_ctx& c) {
  if (n.types && !(n.types & type_bits_of(inst)))
    return fail(c, "type", [&] {
      return subject(c) + " must be of type " + type_names(n.types) + ", got " + std::string(type_name_of(inst));
    });
  if (n.enum_values) {
    bool found = false;
    for (const auto& v : *n.enum_values) {
      if (json_equal(inst, v)) {
        found = true;
        break;
      }
    }
    if (!found) return fail(c, "enum", [&] { return subject(c) + " must be one of: " + enum_list(*n.enum_values); });
  }
  if (n.const_value && !json_equal(inst, *n.const_value))
    return fail(c, "const", [&] { return subject(c) + " must be equal to " + short_json(*n.const_value); });
  if (inst.is_number() && !eval_number(n, inst, c)) return false;
  if (inst.is_string() && !eval_string(n, inst.get_string(), c)) return false;
  return true;
}

}  // namespace mcpx::schema::detail
