// Operators override the scopes and cost classes code declares: tools:, resources:, prompts:.
#include "config_fixture.hpp"
#include "protocol/registry.hpp"

TEST_F(config, access_overrides_for_tools_resources_and_prompts) {
  auto s = ok(load(write("a.yaml", R"(tools:
  get_customer: {scopes: [crm:read], cost: read}
  export.all:
    scopes: [crm:admin, crm:export]
    cost: heavy
resources:
  "crm://customers/{id}": {scopes: [crm:read]}
prompts:
  summarize: {cost: external}
)"),
                   {}));
  const auto& t = s.server.tool_access;
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(*t.at("get_customer").scopes, std::vector<std::string>{"crm:read"});
  EXPECT_EQ(*t.at("export.all").cost, "heavy");  // names may hold dots: they are not sections
  EXPECT_EQ(t.at("export.all").scopes->size(), 2u);
  EXPECT_FALSE(s.server.resource_access.at("crm://customers/{id}").cost);
  EXPECT_EQ(*s.server.prompt_access.at("summarize").cost, "external");
  EXPECT_FALSE(s.server.prompt_access.at("summarize").scopes);
}

TEST_F(config, access_overrides_are_as_strict_as_other_keys) {
  auto e = err(load(write("a.yaml", "tools:\n  t: {scope: [a]}\n"), {}));
  EXPECT_EQ(e.key, "tools.t.scope");
  EXPECT_TRUE(contains(e.message, "known keys here: scopes, cost")) << e.message;
  e = err(load(write("b.yaml", "tools:\n  t: {scopes: crm:read}\n"), {}));
  EXPECT_EQ(e.key, "tools.t.scopes");
  e = err(load(write("c.yaml", "tools:\n  t: {scopes: [\"crm read\"]}\n"), {}));
  EXPECT_TRUE(contains(e.message, "without spaces")) << e.message;
  e = err(load(write("d.yaml", "tools:\n  t: {cost: [a]}\n"), {}));
  EXPECT_EQ(e.key, "tools.t.cost");
  e = err(load(write("e.yaml", "tools:\n  t: {cost: a}\n  t: {cost: b}\n"), {}));
  EXPECT_TRUE(contains(e.message, "duplicate")) << e.message;
  e = err(load(write("f.yaml", "prompts: [a]\n"), {}));
  EXPECT_EQ(e.key, "prompts");
}

TEST_F(config, apps_cannot_claim_the_access_sections) {
  EXPECT_THROW(mcpx::config::schema{}.flag("tools.verbose", false, "true or false"), std::invalid_argument);
  EXPECT_THROW(mcpx::config::schema{}.flag("prompts.x", false, "true or false"), std::invalid_argument);
}

TEST(access_overrides, replace_declared_scopes_and_cost_and_refuse_unknown_names) {
  mcpx::protocol::registry r;
  auto& t = r.add_tool("get_customer");
  t.access = {{"crm:read"}, mcpx::cost_class::read()};
  r.add_resource("crm://customers/{id}", "customer", true);
  r.add_prompt("summarize");
  mcpx::access_override scopes_only{std::vector<std::string>{"crm:read", "crm:pii"}, std::nullopt, std::nullopt};
  mcpx::access_override cost_only{std::nullopt, std::string("external"), std::nullopt};
  ASSERT_FALSE(r.override_access({{"get_customer", scopes_only}}, {{"crm://customers/{id}", cost_only}},
                                 {{"summarize", cost_only}}));
  EXPECT_EQ(t.access.scopes, (std::vector<std::string>{"crm:read", "crm:pii"}));
  EXPECT_EQ(t.access.cost, mcpx::cost_class::read());  // not overridden
  EXPECT_EQ(r.templates()[0]->access.cost, mcpx::cost_class::external());
  EXPECT_EQ(r.prompts()[0]->access.cost, mcpx::cost_class::external());
  auto e = r.override_access({{"no_such_tool", cost_only}}, {}, {});
  ASSERT_TRUE(e);
  EXPECT_NE(e->find("no_such_tool"), std::string::npos);
  EXPECT_TRUE(r.override_access({}, {{"crm://nothing", cost_only}}, {}));
  EXPECT_TRUE(r.override_access({}, {}, {{"nope", cost_only}}));
}
