#include <gtest/gtest.h>

#include "protocol/registry.hpp"

using namespace mcpx::protocol;
namespace json = boost::json;

TEST(uri_template, matches_and_extracts_variables) {
  auto parts = split_template("test://template/{id}/data");
  ASSERT_TRUE(parts);
  json::object vars;
  EXPECT_TRUE(match_template(*parts, "test://template/123/data", vars));
  EXPECT_EQ(vars.at("id").as_string(), "123");
  EXPECT_FALSE(match_template(*parts, "test://template//data", vars));
  EXPECT_FALSE(match_template(*parts, "test://template/1/2/data", vars));
  EXPECT_FALSE(match_template(*parts, "test://template/1/datax", vars));
}

TEST(uri_template, rejects_malformed_templates) {
  EXPECT_FALSE(split_template("a/{id"));
  EXPECT_FALSE(split_template("a/}b"));
  EXPECT_FALSE(split_template("a/{}"));
}

TEST(registry, lists_in_name_order_whatever_the_registration_order) {
  registry r;
  for (auto n : {"zeta", "alpha", "mid"}) r.add_tool(n).handler = [](auto&, auto&) { return mcpx::tool_result{}; };
  ASSERT_FALSE(r.freeze());
  ASSERT_EQ(r.tools().size(), 3u);
  EXPECT_EQ(r.tools()[0]->name, "alpha");
  EXPECT_EQ(r.tools()[2]->name, "zeta");
  EXPECT_TRUE(r.find_tool("mid"));
  EXPECT_FALSE(r.find_tool("nope"));
}

TEST(registry, refuses_duplicates_and_bad_schemas) {
  registry dup;
  dup.add_tool("a").handler = [](auto&, auto&) { return mcpx::tool_result{}; };
  dup.add_tool("a").handler = [](auto&, auto&) { return mcpx::tool_result{}; };
  EXPECT_TRUE(dup.freeze());
  registry bad;
  auto& t = bad.add_tool("b");
  t.handler = [](auto&, auto&) { return mcpx::tool_result{}; };
  t.input_schema = json::parse(R"({"type":"object","properties":{"x":{"$ref":"https://example.com/s.json"}}})");
  auto err = bad.freeze();
  ASSERT_TRUE(err);
  EXPECT_NE(err->find("'b'"), std::string::npos);
}

TEST(registry, finds_header_mirrored_parameters) {
  registry r;
  auto& t = r.add_tool("sql");
  t.handler = [](auto&, auto&) { return mcpx::tool_result{}; };
  t.input_schema = json::parse(R"({"type":"object","properties":{
      "region":{"type":"string","x-mcp-header":"Region"},
      "opts":{"type":"object","properties":{"tenant":{"type":"integer","x-mcp-header":"Tenant"}}}}})");
  ASSERT_FALSE(r.freeze());
  auto& hp = r.find_tool("sql")->header_params;
  ASSERT_EQ(hp.size(), 2u);
}
