// Unit tests of mcpx::schema::validator: every keyword family, both dialects, reference
// resolution, annotations for unevaluated*, limits and the wording of violations.
#include "mcpx/schema/validator.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <atomic>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

namespace json = boost::json;
using mcpx::schema::limits;
using mcpx::schema::validator;
using mcpx::schema::violation;

validator must_compile(std::string_view schema, limits lim = {}) {
  std::string error = "unset";
  auto v = validator::compile(json::parse(schema), &error, lim);
  if (!v) throw std::runtime_error("compile failed: " + error);
  EXPECT_TRUE(error.empty());
  return std::move(*v);
}

std::string compile_error(std::string_view schema, limits lim = {}) {
  std::string error;
  auto v = validator::compile(json::parse(schema), &error, lim);
  EXPECT_FALSE(v.has_value()) << "schema unexpectedly compiled: " << schema;
  EXPECT_FALSE(error.empty());
  return error;
}

bool ok(const validator& v, std::string_view instance) { return !v.validate(json::parse(instance)); }

violation bad(const validator& v, std::string_view instance) {
  auto r = v.validate(json::parse(instance));
  if (!r) throw std::runtime_error("instance unexpectedly valid: " + std::string(instance));
  return *r;
}

// ---------------------------------------------------------------------------- type

TEST(SchemaType, EachTypeName) {
  EXPECT_TRUE(ok(must_compile(R"({"type":"null"})"), "null"));
  EXPECT_TRUE(ok(must_compile(R"({"type":"boolean"})"), "false"));
  EXPECT_TRUE(ok(must_compile(R"({"type":"object"})"), "{}"));
  EXPECT_TRUE(ok(must_compile(R"({"type":"array"})"), "[]"));
  EXPECT_TRUE(ok(must_compile(R"({"type":"string"})"), R"("x")"));
  EXPECT_TRUE(ok(must_compile(R"({"type":"number"})"), "1.5"));
  EXPECT_FALSE(ok(must_compile(R"({"type":"string"})"), "1"));
  EXPECT_FALSE(ok(must_compile(R"({"type":"null"})"), "0"));
  EXPECT_FALSE(ok(must_compile(R"({"type":"boolean"})"), "0"));
  EXPECT_FALSE(ok(must_compile(R"({"type":"array"})"), "{}"));
}

TEST(SchemaType, IntegerAcceptsIntegralNumbers) {
  auto v = must_compile(R"({"type":"integer"})");
  EXPECT_TRUE(ok(v, "1"));
  EXPECT_TRUE(ok(v, "1.0"));
  EXPECT_TRUE(ok(v, "-7"));
  EXPECT_TRUE(ok(v, "18446744073709551615"));
  EXPECT_TRUE(ok(v, "1e3"));
  EXPECT_FALSE(ok(v, "1.5"));
  EXPECT_FALSE(ok(v, R"("1")"));
  EXPECT_EQ(bad(v, "1.5").message, "the root value must be of type integer, got number");
  // number accepts integers
  EXPECT_TRUE(ok(must_compile(R"({"type":"number"})"), "3"));
}

TEST(SchemaType, TypeArrayAndMessageNamesField) {
  auto v = must_compile(R"({"type":"object","properties":{"customer":{"type":"object",
      "properties":{"age":{"type":"integer"},"nick":{"type":["string","null"]}}}}})");
  EXPECT_TRUE(ok(v, R"({"customer":{"age":30,"nick":null}})"));
  auto e = bad(v, R"({"customer":{"age":"thirty"}})");
  EXPECT_EQ(e.instance_path, "/customer/age");
  EXPECT_EQ(e.keyword, "type");
  EXPECT_EQ(e.message, "'customer.age' must be of type integer, got string");
  e = bad(v, R"({"customer":{"age":1,"nick":5}})");
  EXPECT_EQ(e.message, "'customer.nick' must be of type string or null, got integer");
}

// ---------------------------------------------------------------------- enum/const

TEST(SchemaEnumConst, EnumMatchesByJsonEquality) {
  auto v = must_compile(R"({"properties":{"mode":{"enum":["a","b"]},"n":{"enum":[1,{"k":[1,2]}]}}})");
  EXPECT_TRUE(ok(v, R"({"mode":"a"})"));
  EXPECT_TRUE(ok(v, R"({"n":1.0})"));
  EXPECT_TRUE(ok(v, R"({"n":{"k":[1.0,2]}})"));
  EXPECT_FALSE(ok(v, R"({"n":{"k":[2,1]}})"));
  EXPECT_FALSE(ok(v, R"({"n":true})"));
  auto e = bad(v, R"({"mode":"c"})");
  EXPECT_EQ(e.instance_path, "/mode");
  EXPECT_EQ(e.keyword, "enum");
  EXPECT_EQ(e.message, R"('mode' must be one of: "a", "b")");
}

TEST(SchemaEnumConst, ConstNumbersCompareNumerically) {
  auto v = must_compile(R"({"const":1})");
  EXPECT_TRUE(ok(v, "1"));
  EXPECT_TRUE(ok(v, "1.0"));
  EXPECT_FALSE(ok(v, "true"));
  EXPECT_FALSE(ok(v, R"("1")"));
  auto o = must_compile(R"({"const":{"a":1,"b":[false,null]}})");
  EXPECT_TRUE(ok(o, R"({"b":[false,null],"a":1.0})"));
  EXPECT_FALSE(ok(o, R"({"b":[0,null],"a":1})"));
  EXPECT_EQ(bad(must_compile(R"({"const":null})"), "0").message, "the root value must be equal to null");
}

TEST(SchemaEnumConst, LongValuesAreTruncatedInMessages) {
  std::string big(500, 'x');
  auto v = must_compile(R"({"enum":[")" + big + R"(", ")" + big + R"("]})");
  auto e = bad(v, R"("y")");
  EXPECT_LT(e.message.size(), 300u);
  EXPECT_NE(e.message.find("..."), std::string::npos);
}

// --------------------------------------------------------------------------- numbers

TEST(SchemaNumber, Bounds) {
  auto v = must_compile(R"({"properties":{"count":{"minimum":1,"maximum":10},
      "ratio":{"exclusiveMinimum":0,"exclusiveMaximum":1}}})");
  EXPECT_TRUE(ok(v, R"({"count":1,"ratio":0.5})"));
  EXPECT_TRUE(ok(v, R"({"count":10.0})"));
  auto e = bad(v, R"({"count":0})");
  EXPECT_EQ(e.keyword, "minimum");
  EXPECT_EQ(e.message, "'count' must be >= 1");
  EXPECT_EQ(bad(v, R"({"count":11})").message, "'count' must be <= 10");
  EXPECT_EQ(bad(v, R"({"ratio":0})").message, "'ratio' must be > 0");
  EXPECT_EQ(bad(v, R"({"ratio":1})").message, "'ratio' must be < 1");
  EXPECT_TRUE(ok(v, R"({"count":"not a number"})"));  // bounds only apply to numbers
}

TEST(SchemaNumber, LargeIntegersCompareExactly) {
  auto v = must_compile(R"({"maximum":9223372036854775807})");
  EXPECT_TRUE(ok(v, "9223372036854775807"));
  EXPECT_FALSE(ok(v, "9223372036854775808"));
  auto m = must_compile(R"({"minimum":-1})");
  EXPECT_TRUE(ok(m, "18446744073709551615"));
  EXPECT_FALSE(ok(m, "-1.5"));
}

TEST(SchemaNumber, MultipleOf) {
  auto v = must_compile(R"({"multipleOf":3})");
  EXPECT_TRUE(ok(v, "9"));
  EXPECT_TRUE(ok(v, "-9"));
  EXPECT_TRUE(ok(v, "9.0"));
  EXPECT_FALSE(ok(v, "10"));
  EXPECT_EQ(bad(v, "10").message, "the root value must be a multiple of 3");
  auto cents = must_compile(R"({"multipleOf":0.01})");
  EXPECT_TRUE(ok(cents, "19.99"));
  EXPECT_TRUE(ok(cents, "0.07"));
  EXPECT_FALSE(ok(cents, "0.075"));
  EXPECT_TRUE(ok(must_compile(R"({"multipleOf":0.0001})"), "0.0075"));
  EXPECT_TRUE(ok(must_compile(R"({"type":"integer","multipleOf":0.5})"), "1e308"));
  EXPECT_NE(compile_error(R"({"multipleOf":0})").find("multipleOf"), std::string::npos);
}

TEST(SchemaNumber, Draft04BooleanExclusiveBoundsAreHonoured) {
  auto v = must_compile(R"({"maximum":5,"exclusiveMaximum":true})");
  EXPECT_TRUE(ok(v, "4.9"));
  EXPECT_FALSE(ok(v, "5"));
}

// --------------------------------------------------------------------------- strings

TEST(SchemaString, LengthCountsCodePoints) {
  auto v = must_compile(R"({"minLength":3,"maxLength":4})");
  EXPECT_FALSE(ok(v, R"("日本")"));                                            // 6 bytes, 2 code points
  EXPECT_TRUE(ok(v, R"("日本語")"));                                           // 9 bytes, 3 code points
  EXPECT_TRUE(ok(v, "\"\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80\""));  // 3 emoji, 12 bytes
  EXPECT_FALSE(ok(v, R"("abcde")"));
  EXPECT_EQ(bad(v, R"("ab")").message, "the root value must be at least 3 characters long, got 2");
  EXPECT_EQ(bad(v, R"("abcde")").message, "the root value must be at most 4 characters long, got 5");
  auto name = must_compile(R"({"properties":{"name":{"minLength":1}}})");
  EXPECT_EQ(bad(name, R"({"name":""})").message, "'name' must not be empty");
  EXPECT_TRUE(ok(v, "12"));  // length only applies to strings
}

TEST(SchemaString, PatternIsAnUnanchoredSearch) {
  auto v = must_compile(R"({"pattern":"a+b"})");
  EXPECT_TRUE(ok(v, R"("xxaab--")"));
  EXPECT_FALSE(ok(v, R"("ba")"));
  auto anchored = must_compile(R"({"properties":{"code":{"pattern":"^[A-Z]{3}-\\d+$"}}})");
  EXPECT_TRUE(ok(anchored, R"({"code":"ABC-12"})"));
  auto e = bad(anchored, R"({"code":"abc-12"})");
  EXPECT_EQ(e.keyword, "pattern");
  EXPECT_EQ(e.instance_path, "/code");
  EXPECT_EQ(e.message, R"('code' must match the pattern "^[A-Z]{3}-\\d+$")");
  EXPECT_TRUE(ok(anchored, R"({"code":5})"));                 // pattern only applies to strings
  auto alternation = must_compile(R"({"pattern":"^a|b$"})");  // ^ binds to the first alternative only
  EXPECT_TRUE(ok(alternation, R"("xxb")"));
  EXPECT_TRUE(ok(alternation, R"("axx")"));
  EXPECT_FALSE(ok(alternation, R"("xax")"));
}

TEST(SchemaString, PatternSeesCodePoints) {
  auto v = must_compile(R"({"pattern":"^.{2}$"})");
  EXPECT_TRUE(ok(v, R"("éü")"));
  EXPECT_FALSE(ok(v, R"("abc")"));
  auto esc = must_compile(R"({"pattern":"^\\u00e9$"})");
  EXPECT_TRUE(ok(esc, R"("é")"));
}

TEST(SchemaString, PatternFollowsEcmaScriptEscapes) {
  auto ws = must_compile(R"({"pattern":"^\\s$"})");
  EXPECT_TRUE(ok(ws, R"(" ")"));
  EXPECT_TRUE(ok(ws, R"("\u00a0")"));  // ECMA-262 \s includes Unicode spaces
  EXPECT_TRUE(ok(ws, R"("\u2028")"));
  EXPECT_FALSE(ok(ws, R"("x")"));
  auto non_ws = must_compile(R"({"pattern":"^[\\s\\d]\\S$"})");
  EXPECT_TRUE(ok(non_ws, R"("1x")"));
  EXPECT_TRUE(ok(non_ws, R"("\u3000x")"));
  EXPECT_FALSE(ok(non_ws, R"("1\u00a0")"));
  auto control = must_compile(R"({"pattern":"^\\cC$"})");
  EXPECT_TRUE(ok(control, R"("\u0003")"));
}

TEST(SchemaString, PatternOnHugeStringNeitherOverflowsNorCrawls) {
  auto v = must_compile(R"({"pattern":"^(a|b)*$"})");
  std::string s(100'000, 'a');
  EXPECT_TRUE(v.validate(json::value(s)) == std::nullopt);
  s.back() = 'c';
  EXPECT_TRUE(v.validate(json::value(s)).has_value());
  auto unanchored = must_compile(R"({"pattern":"xyz"})");
  EXPECT_TRUE(unanchored.validate(json::value(std::string(100'000, 'x'))).has_value());
}

TEST(SchemaString, InvalidPatternIsACompileError) {
  const auto e = compile_error(R"({"properties":{"a":{"pattern":"(unclosed"}}})");
  EXPECT_NE(e.find("invalid regular expression"), std::string::npos) << e;
  EXPECT_NE(e.find("#/properties/a"), std::string::npos) << e;
  EXPECT_NE(compile_error(R"({"patternProperties":{"[z-a]":{}}})").find("patternProperties"), std::string::npos);
  compile_error(R"({"pattern":"a)b("})");
  // Backreferences would need a backtracking matcher (stack and time unbounded in the input).
  compile_error(R"({"pattern":"(a)\\1"})");
}

TEST(SchemaString, FormatIsOnlyAnAnnotation) {
  auto v = must_compile(R"({"type":"string","format":"email"})");
  EXPECT_TRUE(ok(v, R"("definitely not an email")"));
}

// ---------------------------------------------------------------------------- arrays

TEST(SchemaArray, ItemCountsAndUniqueness) {
  auto v = must_compile(R"({"properties":{"tags":{"minItems":1,"maxItems":3,"uniqueItems":true}}})");
  EXPECT_TRUE(ok(v, R"({"tags":["a","b"]})"));
  EXPECT_EQ(bad(v, R"({"tags":[]})").message, "'tags' must have at least 1 item");
  EXPECT_EQ(bad(v, R"({"tags":[1,2,3,4]})").message, "'tags' must have at most 3 items");
  auto e = bad(v, R"({"tags":[1,2,1.0]})");
  EXPECT_EQ(e.keyword, "uniqueItems");
  EXPECT_EQ(e.message, "'tags' must not contain duplicate items (items 0 and 2 are equal)");
  EXPECT_FALSE(ok(v, R"({"tags":[{"a":1,"b":2},{"b":2,"a":1}]})"));
  EXPECT_TRUE(ok(v, R"({"tags":[[1,2],[2,1]]})"));
  EXPECT_TRUE(ok(v, R"({"tags":[0,false]})"));
}

TEST(SchemaArray, ItemsAndPrefixItems) {
  auto v = must_compile(R"({"prefixItems":[{"type":"string"},{"type":"integer"}],"items":false})");
  EXPECT_TRUE(ok(v, R"(["a",1])"));
  EXPECT_TRUE(ok(v, R"(["a"])"));
  auto e = bad(v, R"(["a",1,2])");
  EXPECT_EQ(e.instance_path, "/2");
  EXPECT_EQ(e.keyword, "items");
  EXPECT_EQ(e.message, "'[2]' is not allowed (items is false)");
  e = bad(v, R"(["a","b"])");
  EXPECT_EQ(e.instance_path, "/1");
  EXPECT_EQ(e.message, "'[1]' must be of type integer, got string");

  auto list = must_compile(R"({"properties":{"points":{"items":{"properties":{"x":{"type":"number"}}}}}})");
  e = bad(list, R"({"points":[{"x":1},{"x":"2"}]})");
  EXPECT_EQ(e.instance_path, "/points/1/x");
  EXPECT_EQ(e.message, "'points[1].x' must be of type number, got string");
}

TEST(SchemaArray, Contains) {
  auto v = must_compile(R"({"contains":{"type":"integer"}})");
  EXPECT_TRUE(ok(v, R"(["a",1])"));
  EXPECT_FALSE(ok(v, R"(["a"])"));
  EXPECT_FALSE(ok(v, "[]"));
  EXPECT_EQ(bad(v, R"(["a"])").keyword, "contains");
  auto range = must_compile(R"({"contains":{"const":1},"minContains":2,"maxContains":3})");
  EXPECT_FALSE(ok(range, "[1]"));
  EXPECT_TRUE(ok(range, "[1,1,2]"));
  EXPECT_TRUE(ok(range, "[1,1,1]"));
  auto e = bad(range, "[1,1,1,1]");
  EXPECT_EQ(e.keyword, "maxContains");
  EXPECT_EQ(e.message, "the root value must contain at most 3 items matching 'contains', found 4");
  EXPECT_TRUE(ok(must_compile(R"({"contains":{"const":1},"minContains":0})"), "[2]"));
}

// --------------------------------------------------------------------------- objects

TEST(SchemaObject, RequiredPointsAtTheMissingProperty) {
  auto v = must_compile(R"({"type":"object","required":["name"],
      "properties":{"customer":{"type":"object","required":["id","email"]}}})");
  auto e = bad(v, "{}");
  EXPECT_EQ(e.instance_path, "/name");
  EXPECT_EQ(e.keyword, "required");
  EXPECT_EQ(e.message, "missing required property 'name'");
  e = bad(v, R"({"name":"n","customer":{"id":1}})");
  EXPECT_EQ(e.instance_path, "/customer/email");
  EXPECT_EQ(e.message, "missing required property 'customer.email'");
}

TEST(SchemaObject, AdditionalProperties) {
  auto v = must_compile(R"({"properties":{"a":{}},"patternProperties":{"^x-":{"type":"string"}},
      "additionalProperties":false})");
  EXPECT_TRUE(ok(v, R"({"a":1,"x-y":"s"})"));
  auto e = bad(v, R"({"a":1,"x":2})");
  EXPECT_EQ(e.instance_path, "/x");
  EXPECT_EQ(e.keyword, "additionalProperties");
  EXPECT_EQ(e.message, "'x' is not allowed (additionalProperties is false)");
  e = bad(v, R"({"x-y":2})");
  EXPECT_EQ(e.instance_path, "/x-y");
  EXPECT_EQ(e.keyword, "type");

  auto typed = must_compile(R"({"properties":{"a":{}},"additionalProperties":{"type":"integer"}})");
  EXPECT_TRUE(ok(typed, R"({"a":"s","b":2})"));
  EXPECT_EQ(bad(typed, R"({"b":"2"})").message, "'b' must be of type integer, got string");
}

TEST(SchemaObject, PropertyNamesAndCounts) {
  auto v = must_compile(R"({"propertyNames":{"pattern":"^[a-z]+$"},"minProperties":1,"maxProperties":2})");
  EXPECT_TRUE(ok(v, R"({"ab":1})"));
  auto e = bad(v, R"({"Ab":1})");
  EXPECT_EQ(e.keyword, "propertyNames");
  EXPECT_EQ(e.instance_path, "/Ab");
  EXPECT_NE(e.message.find("invalid property name"), std::string::npos);
  EXPECT_NE(e.message.find("'Ab'"), std::string::npos);
  EXPECT_EQ(bad(v, "{}").message, "the root value must have at least 1 property");
  EXPECT_EQ(bad(v, R"({"a":1,"b":2,"c":3})").message, "the root value must have at most 2 properties");
}

TEST(SchemaObject, DependentRequiredAndSchemas) {
  auto v = must_compile(R"({"dependentRequired":{"card":["cvv"]},
      "dependentSchemas":{"ship":{"required":["address"]}}})");
  EXPECT_TRUE(ok(v, "{}"));
  EXPECT_TRUE(ok(v, R"({"card":1,"cvv":2})"));
  auto e = bad(v, R"({"card":1})");
  EXPECT_EQ(e.instance_path, "/cvv");
  EXPECT_EQ(e.keyword, "dependentRequired");
  EXPECT_EQ(e.message, "'cvv' is required when 'card' is present");
  e = bad(v, R"({"ship":true})");
  EXPECT_EQ(e.keyword, "required");
  EXPECT_EQ(e.message, "missing required property 'address'");
}

TEST(SchemaObject, SpecialCharactersInPointers) {
  auto v = must_compile(R"({"properties":{"a/b":{"properties":{"c~d":{"type":"string"}}}}})");
  auto e = bad(v, R"({"a/b":{"c~d":1}})");
  EXPECT_EQ(e.instance_path, "/a~1b/c~0d");
}

// ----------------------------------------------------------------------- combinators

TEST(SchemaCombinators, AllOf) {
  auto v = must_compile(R"({"allOf":[{"type":"integer"},{"minimum":3}]})");
  EXPECT_TRUE(ok(v, "3"));
  EXPECT_EQ(bad(v, "2").keyword, "minimum");
}

TEST(SchemaCombinators, AnyOfMergesTypeAlternatives) {
  auto v = must_compile(R"({"properties":{"limit":{"anyOf":[{"type":"integer"},{"type":"null"}]}}})");
  EXPECT_TRUE(ok(v, R"({"limit":null})"));
  EXPECT_TRUE(ok(v, R"({"limit":3})"));
  auto e = bad(v, R"({"limit":"3"})");
  EXPECT_EQ(e.instance_path, "/limit");
  EXPECT_EQ(e.message, "'limit' must be of type integer or null, got string");
}

TEST(SchemaCombinators, AnyOfReportsTheClosestAlternative) {
  auto v = must_compile(R"({"anyOf":[{"type":"string"},
      {"type":"object","required":["id"],"properties":{"id":{"type":"integer"}}}]})");
  auto e = bad(v, R"({"id":"x"})");
  EXPECT_EQ(e.instance_path, "/id");
  EXPECT_EQ(e.message, "'id' must be of type integer, got string");
  auto consts = must_compile(R"({"anyOf":[{"const":"a"},{"const":"b"}]})");
  e = bad(consts, R"("c")");
  EXPECT_EQ(e.keyword, "anyOf");
  EXPECT_NE(e.message.find("at least one of the anyOf alternatives"), std::string::npos);
}

TEST(SchemaCombinators, OneOf) {
  auto v = must_compile(R"({"oneOf":[{"type":"integer"},{"minimum":2}]})");
  EXPECT_TRUE(ok(v, "1"));
  EXPECT_TRUE(ok(v, "2.5"));
  auto e = bad(v, "3");
  EXPECT_EQ(e.keyword, "oneOf");
  EXPECT_EQ(e.message, "the root value must match exactly one oneOf alternative, but matches alternatives 1 and 2");
  EXPECT_FALSE(ok(v, "1.5"));
  // A discriminated union reports the failure inside the alternative that was meant.
  auto u = must_compile(R"({"oneOf":[
      {"properties":{"kind":{"const":"circle"},"r":{"type":"number"}},"required":["kind","r"]},
      {"properties":{"kind":{"const":"square"},"side":{"type":"number"}},"required":["kind","side"]}]})");
  e = bad(u, R"({"kind":"square","side":"big"})");
  EXPECT_EQ(e.instance_path, "/side");
  EXPECT_EQ(e.message, "'side' must be of type number, got string");
}

TEST(SchemaCombinators, NotAndIfThenElse) {
  auto n = must_compile(R"({"properties":{"x":{"not":{"type":"string"}}}})");
  EXPECT_TRUE(ok(n, R"({"x":1})"));
  auto e = bad(n, R"({"x":"s"})");
  EXPECT_EQ(e.keyword, "not");
  EXPECT_EQ(e.message, "'x' must not match the schema in 'not'");

  auto v = must_compile(R"({"if":{"properties":{"country":{"const":"US"}}},
      "then":{"properties":{"zip":{"pattern":"^[0-9]{5}$"}}},
      "else":{"properties":{"zip":{"pattern":"^[A-Z0-9 ]+$"}}}})");
  EXPECT_TRUE(ok(v, R"({"country":"US","zip":"12345"})"));
  EXPECT_TRUE(ok(v, R"({"country":"UK","zip":"SW1A 1AA"})"));
  e = bad(v, R"({"country":"US","zip":"SW1A"})");
  EXPECT_EQ(e.instance_path, "/zip");
  EXPECT_EQ(e.keyword, "pattern");
  EXPECT_FALSE(ok(v, R"({"country":"UK","zip":"sw1a"})"));
}

TEST(SchemaCombinators, BooleanSchemas) {
  auto yes = must_compile("true");
  auto no = must_compile("false");
  EXPECT_TRUE(ok(yes, R"({"anything":[1]})"));
  auto e = bad(no, "1");
  EXPECT_EQ(e.keyword, "false");
  EXPECT_EQ(e.message, "the root value is not allowed");
  auto p = must_compile(R"({"properties":{"legacy":false}})");
  EXPECT_EQ(bad(p, R"({"legacy":1})").message, "'legacy' is not allowed");
}

// ------------------------------------------------------------------------------ $ref

TEST(SchemaRef, DefsPointerAndRecursion) {
  auto v = must_compile(R"({"$ref":"#/$defs/node","$defs":{"node":{"type":"object","required":["value"],
      "properties":{"value":{"type":"integer"},"children":{"type":"array","items":{"$ref":"#/$defs/node"}}}}}})");
  EXPECT_TRUE(ok(v, R"({"value":1,"children":[{"value":2},{"value":3,"children":[{"value":4}]}]})"));
  auto e = bad(v, R"({"value":1,"children":[{"value":2,"children":[{"value":"x"}]}]})");
  EXPECT_EQ(e.instance_path, "/children/0/children/0/value");
  EXPECT_EQ(e.message, "'children[0].children[0].value' must be of type integer, got string");
}

TEST(SchemaRef, RootRefAndSiblingsBothApplyIn2020) {
  auto v = must_compile(R"({"type":"object","properties":{"next":{"$ref":"#","minProperties":1}}})");
  EXPECT_TRUE(ok(v, R"({"next":{"next":{"next":{"x":1}}}})"));
  EXPECT_FALSE(ok(v, R"({"next":{"next":{}}})"));
  EXPECT_FALSE(ok(v, R"({"next":{"next":5}})"));
}

TEST(SchemaRef, PointerEscapesAndPercentDecoding) {
  auto v = must_compile(R"({"$defs":{"a/b":{"type":"integer"},"c~d":{"type":"string"},"e%f":{"type":"null"}},
      "properties":{"x":{"$ref":"#/$defs/a~1b"},"y":{"$ref":"#/$defs/c~0d"},"z":{"$ref":"#/$defs/e%25f"}}})");
  EXPECT_TRUE(ok(v, R"({"x":1,"y":"s","z":null})"));
  EXPECT_FALSE(ok(v, R"({"x":"1"})"));
  EXPECT_FALSE(ok(v, R"({"y":1})"));
  EXPECT_FALSE(ok(v, R"({"z":1})"));
}

TEST(SchemaRef, ArrayIndexAndNonStandardLocations) {
  auto v = must_compile(R"({"x-shared":{"money":{"type":"number"}},"allOf":[{"type":"object"}],
      "properties":{"a":{"$ref":"#/x-shared/money"},"b":{"$ref":"#/allOf/0"}}})");
  EXPECT_TRUE(ok(v, R"({"a":1.5,"b":{}})"));
  EXPECT_FALSE(ok(v, R"({"a":"1"})"));
  EXPECT_FALSE(ok(v, R"({"b":1})"));
}

TEST(SchemaRef, Anchors) {
  auto v = must_compile(R"({"$defs":{"pos":{"$anchor":"positive","exclusiveMinimum":0}},
      "properties":{"n":{"$ref":"#positive"}}})");
  EXPECT_TRUE(ok(v, R"({"n":1})"));
  EXPECT_EQ(bad(v, R"({"n":0})").message, "'n' must be > 0");
  EXPECT_NE(compile_error(R"({"$ref":"#missing"})").find("unresolvable $ref: #missing"), std::string::npos);
}

TEST(SchemaRef, RelativeRefsResolveAgainstId) {
  auto v = must_compile(R"({"$id":"https://example.com/schemas/order.json",
      "properties":{"item":{"$ref":"item.json"},"price":{"$ref":"defs.json#/$defs/price"}},
      "$defs":{
        "item":{"$id":"item.json","type":"object","properties":{"sku":{"$ref":"#/$defs/sku"}},
                "$defs":{"sku":{"type":"string","minLength":3}}},
        "other":{"$id":"https://example.com/schemas/defs.json","$defs":{"price":{"type":"number"}}}}})");
  EXPECT_TRUE(ok(v, R"({"item":{"sku":"abc"},"price":2})"));
  auto e = bad(v, R"({"item":{"sku":"a"}})");
  EXPECT_EQ(e.instance_path, "/item/sku");  // "#/$defs/sku" resolved inside item.json
  EXPECT_FALSE(ok(v, R"({"price":"2"})"));
}

TEST(SchemaRef, RemoteRefsAreNeverFetched) {
  EXPECT_EQ(compile_error(R"({"$ref":"https://example.com/schema.json"})"),
            "unresolvable $ref: https://example.com/schema.json");
  EXPECT_EQ(compile_error(R"({"properties":{"a":{"$ref":"http://json-schema.org/draft-07/schema#"}}})"),
            "unresolvable $ref: http://json-schema.org/draft-07/schema#");
  EXPECT_EQ(compile_error(R"({"$ref":"other.json#/x"})"), "unresolvable $ref: other.json#/x");
  EXPECT_EQ(compile_error(R"({"$ref":"#/$defs/nope"})"), "unresolvable $ref: #/$defs/nope");
  EXPECT_EQ(compile_error(R"({"x":{"n":5},"$ref":"#/x/n"})"), "$ref target is not a schema: #/x/n");
  EXPECT_NE(compile_error(R"({"$defs":{"n":5}})").find("#/$defs/n"), std::string::npos);
}

TEST(SchemaRef, RefCyclesAreBoundedAtEvaluation) {
  auto v = must_compile(R"({"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"})");
  auto e = bad(v, "1");
  EXPECT_EQ(e.keyword, "depth");
}

TEST(SchemaRef, DynamicRefExtendsARecursiveSchema) {
  const std::string tree = R"({"$id":"https://example.com/tree","$dynamicAnchor":"node","type":"object",
      "properties":{"data":true,"children":{"type":"array","items":{"$dynamicRef":"#node"}}}})";
  auto plain = must_compile(tree);
  EXPECT_TRUE(ok(plain, R"({"children":[{"daat":1}]})"));
  EXPECT_FALSE(ok(plain, R"({"children":[5]})"));
  auto strict = must_compile(R"({"$id":"https://example.com/strict-tree","$dynamicAnchor":"node",
      "$ref":"tree","unevaluatedProperties":false,"$defs":{"tree":)" +
                             tree + "}}");
  EXPECT_TRUE(ok(strict, R"({"children":[{"data":1}]})"));
  auto e = bad(strict, R"({"children":[{"daat":1}]})");
  EXPECT_EQ(e.instance_path, "/children/0/daat");
  EXPECT_EQ(e.keyword, "unevaluatedProperties");
}

// ---------------------------------------------------------------------- unevaluated*

TEST(SchemaUnevaluated, PropertiesSeeThroughInPlaceApplicators) {
  auto v = must_compile(R"({"$defs":{"base":{"properties":{"id":{}}}},
      "allOf":[{"properties":{"a":{}}}],
      "anyOf":[{"properties":{"b":{}},"required":["b"]},{"properties":{"c":{}},"required":["c"]}],
      "if":{"properties":{"kind":{"const":"x"}},"required":["kind"]},"then":{"properties":{"x":{}}},
      "dependentSchemas":{"d":{"properties":{"d":{},"e":{}}}},
      "$ref":"#/$defs/base","properties":{"kind":{}},
      "unevaluatedProperties":false})");
  EXPECT_TRUE(ok(v, R"({"id":1,"a":1,"b":1})"));
  EXPECT_TRUE(ok(v, R"({"b":1,"c":1})"));  // both anyOf branches contribute
  EXPECT_TRUE(ok(v, R"({"c":1,"kind":"x","x":1})"));
  EXPECT_TRUE(ok(v, R"({"c":1,"d":1,"e":1})"));
  auto e = bad(v, R"({"c":1,"kind":"y","x":1})");  // `then` not applied, so x is unevaluated
  EXPECT_EQ(e.instance_path, "/x");
  EXPECT_EQ(e.keyword, "unevaluatedProperties");
  EXPECT_EQ(e.message, "'x' is not allowed (unevaluatedProperties is false)");
  EXPECT_FALSE(ok(v, R"({"c":1,"e":1})"));
  EXPECT_FALSE(ok(v, R"({"c":1,"d":1,"f":1})"));
}

TEST(SchemaUnevaluated, FailedBranchesAndNotContributeNothing) {
  auto v = must_compile(R"({"anyOf":[{"properties":{"a":{"type":"string"}}},{"properties":{"b":{}}}],
      "not":{"properties":{"z":{"const":1}},"required":["z"]},"unevaluatedProperties":false})");
  EXPECT_TRUE(ok(v, R"({"a":"s"})"));
  EXPECT_FALSE(ok(v, R"({"a":1,"b":1})"));  // first branch failed: a is unevaluated
  EXPECT_FALSE(ok(v, R"({"z":2})"));
}

TEST(SchemaUnevaluated, SiblingAnnotationsDoNotLeakInward) {
  auto v = must_compile(R"({"properties":{"a":{}},"allOf":[{"unevaluatedProperties":false}]})");
  EXPECT_FALSE(ok(v, R"({"a":1})"));
  auto nested = must_compile(R"({"allOf":[{"properties":{"a":{}},"unevaluatedProperties":false}],
      "unevaluatedProperties":false})");
  EXPECT_TRUE(ok(nested, R"({"a":1})"));
}

TEST(SchemaUnevaluated, UnevaluatedPropertiesWithSchema) {
  auto v = must_compile(R"({"properties":{"a":{}},"unevaluatedProperties":{"type":"integer"}})");
  EXPECT_TRUE(ok(v, R"({"a":"s","b":1})"));
  EXPECT_EQ(bad(v, R"({"b":"s"})").instance_path, "/b");
}

TEST(SchemaUnevaluated, Items) {
  auto v = must_compile(R"({"prefixItems":[{"type":"string"}],"allOf":[{"prefixItems":[true,{"type":"integer"}]}],
      "unevaluatedItems":false})");
  EXPECT_TRUE(ok(v, R"(["a",1])"));
  auto e = bad(v, R"(["a",1,null])");
  EXPECT_EQ(e.instance_path, "/2");
  EXPECT_EQ(e.keyword, "unevaluatedItems");
  EXPECT_EQ(e.message, "'[2]' is not allowed (unevaluatedItems is false)");
  auto contains = must_compile(R"({"contains":{"type":"string"},"unevaluatedItems":{"type":"integer"}})");
  EXPECT_TRUE(ok(contains, R"(["a",1,"b",2])"));
  EXPECT_FALSE(ok(contains, R"(["a",1.5])"));
  auto items = must_compile(R"({"allOf":[{"items":true}],"unevaluatedItems":false})");
  EXPECT_TRUE(ok(items, "[1,2,3]"));
}

// -------------------------------------------------------------------------- dialects

TEST(SchemaDialect, Draft07Keywords) {
  auto v = must_compile(R"({"$schema":"http://json-schema.org/draft-07/schema#",
      "definitions":{"pt":{"type":"object","properties":{"x":{"type":"number"}}}},
      "properties":{
        "pair":{"items":[{"type":"string"},{"type":"integer"}],"additionalItems":false},
        "p":{"$ref":"#/definitions/pt"},
        "pay":{"dependencies":{"card":["cvv"],"ship":{"required":["addr"]}}}}})");
  EXPECT_TRUE(ok(v, R"({"pair":["a",1],"p":{"x":1},"pay":{"card":1,"cvv":1}})"));
  auto e = bad(v, R"({"pair":["a",1,2]})");
  EXPECT_EQ(e.keyword, "additionalItems");
  EXPECT_EQ(e.message, "'pair[2]' is not allowed (additionalItems is false)");
  EXPECT_FALSE(ok(v, R"({"pair":[1]})"));
  EXPECT_FALSE(ok(v, R"({"p":{"x":"1"}})"));
  EXPECT_EQ(bad(v, R"({"pay":{"card":1}})").message, "'pay.cvv' is required when 'pay.card' is present");
  EXPECT_EQ(bad(v, R"({"pay":{"ship":1}})").message, "missing required property 'pay.addr'");
}

TEST(SchemaDialect, Draft07RefIgnoresSiblingsAndNewKeywords) {
  auto v = must_compile(R"({"$schema":"http://json-schema.org/draft-07/schema",
      "definitions":{"s":{"type":"string"}},
      "properties":{"a":{"$ref":"#/definitions/s","maxLength":1}},
      "prefixItems":[{"type":"integer"}],"unevaluatedProperties":false})");
  EXPECT_TRUE(ok(v, R"({"a":"long string","b":1})"));
  EXPECT_FALSE(ok(v, R"({"a":1})"));
  EXPECT_TRUE(ok(v, R"(["not an integer"])"));
  // draft-07 plain-name $id fragments act as anchors
  auto anchor = must_compile(R"({"$schema":"http://json-schema.org/draft-07/schema#",
      "definitions":{"n":{"$id":"#num","type":"number"}},"items":{"$ref":"#num"}})");
  EXPECT_FALSE(ok(anchor, R"([1,"x"])"));
}

TEST(SchemaDialect, DependenciesAreAcceptedIn2020ForCompatibility) {
  auto v = must_compile(R"({"dependencies":{"a":["b"],"c":{"required":["d"]}}})");
  EXPECT_TRUE(ok(v, R"({"a":1,"b":2})"));
  EXPECT_FALSE(ok(v, R"({"a":1})"));
  EXPECT_FALSE(ok(v, R"({"c":1})"));
}

TEST(SchemaDialect, Explicit2020AndUnsupportedDialects) {
  auto v = must_compile(
      R"({"$schema":"https://json-schema.org/draft/2020-12/schema","prefixItems":[{"type":"integer"}]})");
  EXPECT_FALSE(ok(v, R"(["x"])"));
  EXPECT_EQ(compile_error(R"({"$schema":"http://json-schema.org/draft-04/schema#"})"),
            "unsupported JSON Schema dialect: http://json-schema.org/draft-04/schema#");
  EXPECT_EQ(compile_error(R"({"$schema":"https://json-schema.org/draft/2019-09/schema"})"),
            "unsupported JSON Schema dialect: https://json-schema.org/draft/2019-09/schema");
  EXPECT_EQ(compile_error(R"({"properties":{"a":{"$schema":"urn:custom"}}})"),
            "unsupported JSON Schema dialect: urn:custom");
}

// ----------------------------------------------------------------- malformed schemas

TEST(SchemaCompile, MalformedKeywordsAreReported) {
  EXPECT_EQ(compile_error(R"({"properties":{"a":{"type":"strnig"}}})"),
            "invalid 'type' at #/properties/a: expected a type name (null, boolean, object, array, number, string, "
            "integer)");
  EXPECT_NE(compile_error(R"({"minLength":-1})").find("'minLength'"), std::string::npos);
  EXPECT_NE(compile_error(R"({"required":"a"})").find("'required'"), std::string::npos);
  EXPECT_NE(compile_error(R"({"properties":{"a":5}})").find("#/properties/a"), std::string::npos);
  EXPECT_NE(compile_error(R"({"allOf":{}})").find("'allOf'"), std::string::npos);
  EXPECT_NE(compile_error(R"({"$id":"https://x.test/a#frag"})").find("$id"), std::string::npos);
  compile_error("5");
  // A null error pointer is allowed.
  EXPECT_FALSE(validator::compile(json::parse(R"({"type":1})"), nullptr).has_value());
}

TEST(SchemaCompile, UnknownKeywordsAreIgnored) {
  auto v = must_compile(R"({"title":"T","description":"D","default":1,"examples":[1],"x-mcp-header":"X",
      "deprecated":true,"readOnly":true,"contentMediaType":"text/plain","type":"integer"})");
  EXPECT_TRUE(ok(v, "1"));
}

// ---------------------------------------------------------------------------- limits

TEST(SchemaLimits, SchemaDepthAndSize) {
  std::string deep = "{}";
  for (int i = 0; i < 10; ++i) deep = std::string(R"({"properties":{"a":)").append(deep).append("}}");
  limits small;
  small.max_depth = 5;
  EXPECT_NE(compile_error(deep, small).find("max_depth"), std::string::npos);
  must_compile(deep);  // fine with the defaults

  std::string wide = R"({"properties":{)";
  for (int i = 0; i < 50; ++i) {
    if (i) wide += ',';
    wide.append("\"p").append(std::to_string(i)).append("\":{}");
  }
  wide += "}}";
  limits few;
  few.max_subschemas = 20;
  EXPECT_NE(compile_error(wide, few).find("max_subschemas"), std::string::npos);
  must_compile(wide);
}

TEST(SchemaLimits, DeepInstanceIsBoundedNotRecursedUnboundedly) {
  auto v = must_compile(R"({"items":{"$ref":"#"}})");
  json::value inst = json::array();
  for (int i = 0; i < 10'000; ++i) {
    json::array a;
    a.push_back(std::move(inst));
    inst = std::move(a);
  }
  const auto e = v.validate(inst);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->keyword, "depth");
  EXPECT_NE(e->message.find("nested too deeply"), std::string::npos);
  EXPECT_LT(e->message.size(), 200u);
  EXPECT_TRUE(ok(v, "[[[[]]],[]]"));
}

TEST(SchemaLimits, DepthLimitInsideNotDoesNotPass) {
  limits lim;
  lim.max_depth = 8;
  auto v = must_compile(R"({"not":{"$ref":"#/$defs/deep"},"$defs":{"deep":{"items":{"$ref":"#/$defs/deep"}}}})", lim);
  EXPECT_EQ(bad(v, "[[]]").keyword, "not");
  json::value inst = json::array();
  for (int i = 0; i < 20; ++i) inst = json::array{std::move(inst)};
  const auto e = v.validate(inst);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->keyword, "depth");
}

// --------------------------------------------------------------------- API behaviour

TEST(SchemaApi, MoveAndConcurrentValidation) {
  auto v = must_compile(R"({"type":"object","properties":{"n":{"type":"integer","minimum":0}},"required":["n"]})");
  validator moved = std::move(v);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        if (moved.validate(json::parse(R"({"n":5})"))) ++failures;
        if (!moved.validate(json::parse(R"({"n":-5})"))) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(SchemaApi, TypicalToolInputSchema) {
  // The shape MCP servers publish as a tool's inputSchema (as generated by pydantic).
  auto v = must_compile(R"({"type":"object","additionalProperties":false,"required":["query"],
      "properties":{"query":{"type":"string","minLength":1,"description":"search text"},
        "limit":{"anyOf":[{"type":"integer","minimum":1,"maximum":100},{"type":"null"}],"default":null},
        "sort":{"$ref":"#/$defs/Sort"}},
      "$defs":{"Sort":{"type":"string","enum":["relevance","date"],"title":"Sort"}}})");
  EXPECT_TRUE(ok(v, R"({"query":"mcp","limit":10,"sort":"date"})"));
  EXPECT_EQ(bad(v, R"({"query":"mcp","limit":0})").message, "'limit' must be >= 1");
  EXPECT_EQ(bad(v, R"({"query":"mcp","sort":"name"})").message, R"('sort' must be one of: "relevance", "date")");
  EXPECT_EQ(bad(v, R"({"q":"mcp"})").message, "missing required property 'query'");
  EXPECT_EQ(bad(v, R"({"query":"x","limt":3})").message, "'limt' is not allowed (additionalProperties is false)");
}

}  // namespace
