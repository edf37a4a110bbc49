// Unit tests of the work bounds of mcpx::schema against hostile instances: uniqueItems
// (a hash of the whole value, so only equal-hash items are compared) and the limits that
// stop a validation which would otherwise take unbounded time.
#include "mcpx/schema/validator.hpp"
#include "schema/unique_items.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <cstdint>
#include <string>

// Named, not anonymous: a unity build puts the schema tests in one translation unit, and
// their must_compile and compile_error differ.
namespace schema_limits_test {

namespace json = boost::json;
using mcpx::schema::validator;
namespace detail = mcpx::schema::detail;

validator must_compile(std::string_view schema) {
  std::string error;
  auto v = validator::compile(json::parse(schema), &error);
  EXPECT_TRUE(v.has_value()) << error;
  return std::move(*v);
}

// {"k":{"k":...{"k":leaf}}}: `leaf` at depth `depth` (the object itself is depth 1).
json::value nested(int depth, json::value leaf) {
  for (int i = 0; i < depth; ++i) leaf = json::object{{"k", std::move(leaf)}};
  return leaf;
}

// 20,000 items that differ only at depth 6. A hash that stops at depth 4 puts them all in
// one bucket: 2*10^8 exact comparisons (30 s here), where a whole-value hash makes none.
json::array deep_distinct_items() {
  json::array a;
  for (int i = 0; i < 20'000; ++i) a.push_back(nested(6, json::value(i)));
  return a;
}

std::uint64_t same_hash(const json::value&) { return 42; }

// --------------------------------------------------------------------------- uniqueItems

TEST(SchemaUniqueItems, ItemsDifferingDeepAreNotCompared) {
  const auto d = detail::find_duplicate(deep_distinct_items());
  EXPECT_FALSE(d.found);
  EXPECT_FALSE(d.gave_up);
  EXPECT_LT(d.comparisons, 10u);  // 64-bit hashes of 20,000 items: collisions are not expected
}

TEST(SchemaUniqueItems, ManyDeepItemsValidate) {
  auto v = must_compile(R"({"type":"array","uniqueItems":true})");
  auto items = deep_distinct_items();
  EXPECT_FALSE(v.validate(items).has_value());
  items.push_back(nested(6, json::value(12'345.0)));  // equals item 12345: 1 and 1.0 are equal
  const auto e = v.validate(items);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->keyword, "uniqueItems");
  EXPECT_EQ(e->message, "the root value must not contain duplicate items (items 12345 and 20000 are equal)");
}

TEST(SchemaUniqueItems, HashAgreesWithJsonEquality) {
  const auto h = [](std::string_view text) { return detail::json_hash(json::parse(text)); };
  EXPECT_EQ(h("1"), h("1.0"));
  EXPECT_EQ(h("0"), h("-0.0"));
  EXPECT_EQ(h("-3"), h("-3.0"));
  EXPECT_EQ(h("18446744073709551615"), detail::json_hash(json::value(std::uint64_t(18446744073709551615ull))));
  EXPECT_EQ(h(R"({"a":[1,{"b":2,"c":[3]}],"d":null})"), h(R"({"d":null,"a":[1.0,{"c":[3.0],"b":2}]})"));
  EXPECT_EQ(h("[[[[[[[[1]]]]]]]]"), h("[[[[[[[[1.0]]]]]]]]"));
  EXPECT_NE(h("[[[[[[[[1]]]]]]]]"), h("[[[[[[[[2]]]]]]]]"));
  EXPECT_NE(h("[1,2]"), h("[2,1]"));
  EXPECT_NE(h(R"({"a":1,"b":2})"), h(R"({"a":2,"b":1})"));
  EXPECT_NE(h("[]"), h("{}"));
  EXPECT_NE(h("0"), h("false"));
  EXPECT_NE(h("1"), h(R"("1")"));
  EXPECT_NE(h("0.5"), h("1"));
}

TEST(SchemaUniqueItems, DeepDuplicatesAreFound) {
  auto v = must_compile(R"({"uniqueItems":true})");
  EXPECT_TRUE(v.validate(json::parse(R"([{"a":{"b":{"c":{"d":{"e":{"f":1,"g":2}}}}}},
                                         {"a":{"b":{"c":{"d":{"e":{"g":2,"f":1.0}}}}}}])"))
                  .has_value());
  EXPECT_FALSE(v.validate(json::parse(R"([{"a":{"b":{"c":{"d":{"e":{"f":1}}}}}},
                                          {"a":{"b":{"c":{"d":{"e":{"f":1.5}}}}}}])"))
                   .has_value());
  // Deeper than any recursion could go: hashing and comparing are iterative.
  json::value deep = json::array();
  for (int i = 0; i < 10'000; ++i) deep = json::array{std::move(deep)};
  EXPECT_TRUE(v.validate(json::array{deep, deep}).has_value());
}

TEST(SchemaUniqueItems, CraftedCollisionsStopTheSearch) {
  json::array a;
  for (int i = 0; i < 1000; ++i) a.push_back(i);
  const auto d = detail::find_duplicate(a, same_hash);
  EXPECT_TRUE(d.gave_up);
  EXPECT_FALSE(d.found);
  EXPECT_EQ(d.comparisons, detail::max_hash_collisions);
  // A duplicate met before the budget is spent is still reported.
  const auto early = detail::find_duplicate(json::array{1, 2, 1}, same_hash);
  EXPECT_TRUE(early.found);
  EXPECT_EQ(early.first, 0u);
  EXPECT_EQ(early.second, 2u);
}

// ------------------------------------------------------------------------- evaluations

// Every branch descends the same $ref before it can fail (`contains` is checked after
// `items`), so each level of the instance multiplies the work by the number of branches.
// Before the budget, depth 16 took 0.17 s with two oneOf branches and 225 s with three anyOf
// branches (3^16 evaluations of a 35-byte instance); now about 0.05 s each.
TEST(SchemaEvaluations, AlternativesSharingARecursiveRefStayPolynomial) {
  for (const auto* schema :
       {R"({"$defs":{"t":{"oneOf":[{"items":{"$ref":"#/$defs/t"}},{"items":{"$ref":"#/$defs/t"}}]}},
                                 "$ref":"#/$defs/t"})",
        R"({"$defs":{"t":{"anyOf":[{"items":{"$ref":"#/$defs/t"},"contains":{"const":1}},
                                 {"items":{"$ref":"#/$defs/t"},"contains":{"const":2}},
                                 {"items":{"$ref":"#/$defs/t"},"contains":{"const":3}}]}},"$ref":"#/$defs/t"})"}) {
    auto v = must_compile(schema);
    json::value inst = json::array{};
    for (int i = 0; i < 16; ++i) inst = json::array{std::move(inst)};
    const auto e = v.validate(inst);
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->keyword, "evaluations");
    EXPECT_NE(e->message.find("subschema evaluations"), std::string::npos) << e->message;
  }
}

TEST(SchemaEvaluations, BudgetGrowsWithTheInstance) {
  auto v = must_compile(R"({"type":"array","items":{"type":"integer"}})");
  json::array many;
  for (int i = 0; i < 300'000; ++i) many.push_back(i);  // 300,001 evaluations: past the base
  EXPECT_FALSE(v.validate(many).has_value());

  // 8 nodes (root, d, six $ref holders) and one value: 13 evaluations, as d is reached six
  // times. The budget is base + 8 x 1.
  const auto* shared = R"({"$defs":{"d":{"type":"integer"}},"allOf":[{"$ref":"#/$defs/d"},{"$ref":"#/$defs/d"},
      {"$ref":"#/$defs/d"},{"$ref":"#/$defs/d"},{"$ref":"#/$defs/d"},{"$ref":"#/$defs/d"}]})";
  mcpx::schema::limits lim;
  lim.base_evaluations = 5;
  std::string error;
  EXPECT_FALSE(validator::compile(json::parse(shared), &error, lim)->validate(json::value(1)).has_value());
  lim.base_evaluations = 4;
  const auto e = validator::compile(json::parse(shared), &error, lim)->validate(json::value(1));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->keyword, "evaluations");
}

}  // namespace schema_limits_test
