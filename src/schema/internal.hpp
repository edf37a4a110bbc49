#pragma once
// Internal representation shared by the schema compiler and evaluator.
// A schema document is compiled once into a flat vector of nodes; every subschema
// reference (child keyword, $ref, $dynamicRef) is a node index, so evaluation never
// re-parses the document and recursion through $ref costs nothing at compile time.
#include "mcpx/schema/validator.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace re2 {
class RE2;
}

namespace mcpx::schema::detail {

namespace json = boost::json;

using node_id = std::uint32_t;
inline constexpr node_id no_node = 0xFFFF'FFFFu;

enum class dialect : std::uint8_t { draft07, draft2020_12 };

// Bits of the `type` keyword. An integral number carries both number and integer bits.
enum type_bit : std::uint8_t {
  t_null = 1,
  t_boolean = 2,
  t_object = 4,
  t_array = 8,
  t_number = 16,
  t_string = 32,
  t_integer = 64,
};

// A `pattern`/`patternProperties` regex, compiled for RE2 (see pattern.cpp). Shared, so
// nodes stay copyable; a compiled RE2 may be searched from many threads at once.
struct pattern {
  std::string source;              // as written in the schema, for messages
  std::uint64_t program_size = 1;  // RE2 instructions: the cost of one byte of text
  std::shared_ptr<const re2::RE2> re;
};

struct named_child {
  std::string_view name;  // points into the owned schema document
  node_id id = no_node;
};

struct pattern_child {
  pattern re;
  node_id id = no_node;
};

struct dependent_required {
  std::string_view property;
  std::vector<std::string_view> required;
};

struct node {
  enum class kind : std::uint8_t { always, never, object };
  kind k = kind::object;
  dialect d = dialect::draft2020_12;
  std::uint32_t resource = 0;  // schema resource (for the $dynamicRef scope)

  // Assertions on any instance.
  std::uint8_t types = 0;  // 0: no `type` keyword
  const json::array* enum_values = nullptr;
  const json::value* const_value = nullptr;

  // Numbers. Each points at the keyword's number in the document, or is null.
  const json::value* multiple_of = nullptr;
  const json::value* maximum = nullptr;
  const json::value* exclusive_maximum = nullptr;
  const json::value* minimum = nullptr;
  const json::value* exclusive_minimum = nullptr;

  // Strings.
  std::optional<std::uint64_t> max_length, min_length;
  std::optional<pattern> pat;

  // Arrays.
  std::optional<std::uint64_t> max_items, min_items, max_contains, min_contains;
  bool unique_items = false;
  std::vector<node_id> prefix_items;
  node_id items = no_node;                   // items past prefix_items (draft-07: additionalItems)
  std::string_view items_keyword = "items";  // for messages when it is `false`
  node_id contains = no_node;
  node_id unevaluated_items = no_node;

  // Objects.
  std::optional<std::uint64_t> max_properties, min_properties;
  std::vector<std::string_view> required;
  std::vector<dependent_required> dependent_req;
  std::vector<named_child> properties;         // document order, for stable reports
  std::vector<std::string_view> property_set;  // sorted names, for additionalProperties
  std::vector<pattern_child> pattern_properties;
  node_id additional_properties = no_node;
  node_id property_names = no_node;
  std::vector<named_child> dependent_schemas;
  node_id unevaluated_properties = no_node;

  // In-place applicators.
  node_id ref = no_node;
  node_id dynamic_ref = no_node;
  std::string dynamic_anchor;  // non-empty: $dynamicRef whose target bears this $dynamicAnchor
  std::vector<node_id> all_of, any_of, one_of;
  node_id not_ = no_node;
  node_id if_ = no_node, then_ = no_node, else_ = no_node;

  bool has_unevaluated() const { return unevaluated_properties != no_node || unevaluated_items != no_node; }
};

// Per schema resource: the $dynamicAnchor names it declares.
struct resource_anchors {
  std::map<std::string, node_id, std::less<>> dynamic;
};

}  // namespace mcpx::schema::detail

namespace mcpx::schema {

struct validator::impl {
  boost::json::value doc;  // owned copy; nodes point into it, so it is never mutated
  std::vector<detail::node> nodes;
  std::vector<detail::resource_anchors> resources;
  detail::node_id root = detail::no_node;
  limits lim;
};

}  // namespace mcpx::schema

namespace mcpx::schema::detail {

/// Fills `out` (whose `doc` and `lim` are already set). Returns false and sets `error`.
bool compile_document(validator::impl& out, std::string& error);

/// Evaluates the root node against `instance`; nullopt when valid.
std::optional<violation> evaluate_document(const validator::impl& v, const json::value& instance);

/// Compiles an ECMA-262 pattern; nullopt and `error` (why) when it cannot be.
std::optional<pattern> make_pattern(std::string_view source, std::string& error);
/// Unanchored search of `p` in the UTF-8 `text`; time linear in text.size() * p.program_size.
bool pattern_matches(const pattern& p, std::string_view text);

}  // namespace mcpx::schema::detail
