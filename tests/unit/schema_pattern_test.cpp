// Unit tests of `pattern` and `patternProperties`: ECMA-262 meaning on RE2 (linear time),
// what is rejected at compile time, and the regex work limit of one validation.
#include "mcpx/schema/validator.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <stdexcept>
#include <string>
#include <string_view>

// Named, not anonymous: a unity build puts the schema tests in one translation unit, and
// their must_compile and compile_error differ.
namespace schema_pattern_test {

namespace json = boost::json;
using mcpx::schema::limits;
using mcpx::schema::validator;

validator must_compile(std::string_view schema, limits lim = {}) {
  std::string error;
  auto v = validator::compile(json::parse(schema), &error, lim);
  if (!v) throw std::runtime_error("compile failed: " + error);
  return std::move(*v);
}

std::string compile_error(std::string_view schema) {
  std::string error;
  EXPECT_FALSE(validator::compile(json::parse(schema), &error).has_value()) << schema;
  return error;
}

// Whether the JSON string `text` (already escaped for JSON) matches the ECMA pattern `re`
// (escaped for JSON too).
bool matches(std::string_view re, std::string_view text) {
  const auto v = must_compile(std::string(R"({"pattern":")").append(re).append(R"("})"));
  return !v.validate(json::parse(std::string(1, '"').append(text).append(1, '"'))).has_value();
}

// ----------------------------------------------------------------- ECMA-262 meaning

TEST(SchemaPattern, DotAndDollarFollowEcmaScript) {
  EXPECT_FALSE(matches("^.$", "\\n"));
  EXPECT_FALSE(matches("^.$", "\\r"));
  EXPECT_FALSE(matches("^.$", "\\u2028"));
  EXPECT_TRUE(matches("^.$", "\\u0085"));  // not an ECMA line terminator
  EXPECT_TRUE(matches("^.$", "\\u000b"));
  EXPECT_TRUE(matches("^.$", "\U0001F600"));  // one code point, four UTF-8 bytes
  EXPECT_FALSE(matches("^abc$", "abc\\n"));   // $ is the end of the text, not of a line
  EXPECT_TRUE(matches("^[^]$", "\\n"));       // [^] is any character, [] none
  EXPECT_FALSE(matches("a[]", "a"));
}

TEST(SchemaPattern, ClassesAreAsciiWhereEcmaScriptSaysSo) {
  EXPECT_TRUE(matches("^\\\\d+$", "0123456789"));
  EXPECT_FALSE(matches("^\\\\d$", "\\u0663"));  // ARABIC-INDIC DIGIT THREE
  EXPECT_FALSE(matches("^\\\\w$", "\\u00e9"));
  EXPECT_TRUE(matches("\\\\bcat\\\\b", "a cat!"));
  EXPECT_FALSE(matches("\\\\bcat\\\\b", "concatenate"));
  EXPECT_TRUE(matches("^[\\\\S\\\\d]$", "x"));  // \S inside a class: a union
  EXPECT_TRUE(matches("^[\\\\S\\\\d]$", "7"));
  EXPECT_FALSE(matches("^[\\\\S]$", "\\u3000"));
  EXPECT_TRUE(matches("^[^\\\\s]+$", "abc"));
  EXPECT_TRUE(matches("^[[:a]+]$", "a:]"));  // no POSIX classes in ECMA-262: [ and : are characters
  EXPECT_TRUE(matches("^[a\\\\-z]+$", "-az"));
  EXPECT_TRUE(matches("^\\\\/\\\\.\\\\$$", "/.$"));
  EXPECT_TRUE(matches("^[\\\\b]$", "\\b"));  // backspace inside a class
}

TEST(SchemaPattern, UnicodeEscapesAndProperties) {
  EXPECT_TRUE(matches("^\\\\uD83D\\\\uDE00$", "\U0001F600"));  // a surrogate pair is one code point
  EXPECT_TRUE(matches("^\\\\u{1F600}$", "\U0001F600"));
  EXPECT_TRUE(matches("^[\\\\u00e0-\\\\u00ff]+$", "\\u00e9\\u00fc"));
  EXPECT_TRUE(matches("^\\\\x41\\\\cJ\\\\0$", "A\\n\\u0000"));
  EXPECT_TRUE(matches("^\\\\p{L}+$", "\\u00e9t\\u00e9"));
  EXPECT_FALSE(matches("^\\\\p{L}+$", "1"));
  EXPECT_TRUE(matches("^\\\\p{Script=Greek}$", "\\u03b1"));
  EXPECT_TRUE(matches("^\\\\P{Lu}$", "a"));
  EXPECT_TRUE(matches("^(?<year>\\\\d{4})-(?:\\\\d{2})$", "2024-05"));
}

TEST(SchemaPattern, InvalidUtf8TextIsNotACrash) {
  const auto v = must_compile(R"({"pattern":"^.+$"})");
  const json::value bad(json::string("\xff\xfe x"));
  (void)v.validate(bad);  // either answer; RE2 reads invalid bytes as non-matching
}

// ----------------------------------------------------------------- compile errors

TEST(SchemaPattern, WhatTheLinearMatcherCannotDoIsACompileError) {
  EXPECT_NE(compile_error(R"({"pattern":"^(?=.*[A-Z]).{8,}$"})").find("lookahead (?="), std::string::npos);
  EXPECT_NE(compile_error(R"j({"pattern":"a(?!b)"})j").find("allOf/not"), std::string::npos);
  EXPECT_NE(compile_error(R"({"pattern":"(?<=a)b"})").find("lookbehind"), std::string::npos);
  EXPECT_NE(compile_error(R"({"pattern":"(?<a>x)\\k<a>"})").find("backreferences"), std::string::npos);
  EXPECT_NE(compile_error(R"({"pattern":"a{1001}"})").find("repetition"), std::string::npos);
}

TEST(SchemaPattern, NonEcmaSyntaxIsACompileError) {
  // PCRE/RE2 spellings would change meaning silently; ECMA-262 rejects them too.
  EXPECT_NE(compile_error(R"({"pattern":"\\Aabc"})").find("\\A is not an ECMA-262 escape"), std::string::npos);
  EXPECT_NE(compile_error(R"({"pattern":"(?i)abc"})").find("(?i is not ECMA-262 syntax"), std::string::npos);
  compile_error(R"({"pattern":"a++"})");
  compile_error(R"({"pattern":"[abc"})");
  compile_error(R"({"pattern":"abc\\"})");
  compile_error(R"({"pattern":"\\u12"})");
  compile_error(R"({"pattern":"\\p{NoSuchProperty}"})");
  const auto e = compile_error(R"j({"properties":{"a":{"pattern":"(?=x)"}}})j");
  EXPECT_NE(e.find("invalid regular expression in 'pattern' at #/properties/a"), std::string::npos) << e;
}

// ----------------------------------------------------------------- the work limit

// A pattern that costs std::regex (and any backtracking matcher) input x pattern size or
// worse, against 1 MB: refused before any matching, as too much work for one validation.
TEST(SchemaPattern, HostileStringIsRefusedNotSearched) {
  const auto v = must_compile(R"j({"properties":{"note":{"pattern":"(.*){1,32}x"}}})j");
  const auto e = v.validate(json::object{{"note", std::string(1 << 20, 'a')}});
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->keyword, "pattern");
  EXPECT_EQ(e->instance_path, "/note");
  EXPECT_NE(e->message.find("'note' is too long to be checked against the pattern \"(.*){1,32}x\" (1048576 bytes"),
            std::string::npos)
      << e->message;
  EXPECT_FALSE(v.validate(json::parse(R"({"note":"aaax"})")).has_value());
  EXPECT_EQ(v.validate(json::parse(R"({"note":"aaa"})"))->keyword, "pattern");
}

TEST(SchemaPattern, LimitInsideNotIsAFailureNotAPass) {
  const auto v = must_compile(R"j({"not":{"pattern":"(.*){1,32}x"}})j");
  EXPECT_FALSE(v.validate(json::value("abc")).has_value());
  const auto e = v.validate(json::value(std::string(1 << 20, 'a')));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->keyword, "pattern");
}

TEST(SchemaPattern, LimitCountsEverySearchOfOneValidation) {
  limits lim;
  lim.max_pattern_cost = 200'000;
  const auto v = must_compile(R"({"items":{"pattern":"^[a-z]+$"}})", lim);
  json::array many;
  for (int i = 0; i < 1000; ++i) many.emplace_back(std::string(100, 'a'));
  const auto e = v.validate(many);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->keyword, "pattern");
  EXPECT_NE(e->instance_path, "/0");  // the first searches fit; the budget runs out later
  EXPECT_NE(e->message.find("too long to be checked"), std::string::npos);
  many.resize(3);
  EXPECT_FALSE(v.validate(many).has_value());  // each validate() has its own budget
  EXPECT_FALSE(v.validate(many).has_value());
}

TEST(SchemaPattern, PatternPropertiesNamesAreChargedToo) {
  limits lim;
  lim.max_pattern_cost = 100'000;
  const auto v = must_compile(R"({"patternProperties":{"^x-":{"type":"string"}}})", lim);
  EXPECT_TRUE(v.validate(json::parse(R"({"x-a":1})")).has_value());
  const std::string key(200'000, 'k');
  const auto e = v.validate(json::object{{key, 1}});
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->keyword, "patternProperties");
  EXPECT_EQ(e->instance_path, "/" + key);
}

}  // namespace schema_pattern_test
