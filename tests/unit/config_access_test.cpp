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

TEST_F(config, a_tools_time_limit_by_default_and_by_name) {
  EXPECT_EQ(ok(load("", {})).server.tool_timeout, 30'000ms);
  auto s = ok(load(write("a.yaml", R"(limits:
  tool_timeout_ms: 5000
tools:
  search_orders: {timeout_ms: 120000, cost: heavy}
  get_customer: {scopes: [crm:read]}
)"),
                   {{"MCPX_LIMITS_TOOL_TIMEOUT_MS", "8000"}}));
  EXPECT_EQ(s.server.tool_timeout, 8000ms);  // the environment wins over the file
  EXPECT_EQ(*s.server.tool_access.at("search_orders").timeout, 120'000ms);
  EXPECT_EQ(*s.server.tool_access.at("search_orders").cost, "heavy");
  EXPECT_FALSE(s.server.tool_access.at("get_customer").timeout);
}

TEST_F(config, a_tools_time_limit_is_checked_like_any_limit) {
  for (std::string bad : {"0", "-1", "1.5", "31536000001", "soon", "[1]"}) {
    auto e = err(load(write("a.yaml", "tools:\n  t: {timeout_ms: " + bad + "}\n"), {}));
    EXPECT_EQ(e.key, "tools.t.timeout_ms") << bad;
    EXPECT_TRUE(contains(e.message, "1-31536000000 (milliseconds)")) << e.message;
  }
  auto e = err(load(write("b.yaml", "tools:\n  t: {timeout_ms: 5, timeout_ms: 6}\n"), {}));
  EXPECT_TRUE(contains(e.message, "duplicate")) << e.message;
  // Only tools have one: the key is unknown elsewhere.
  e = err(load(write("c.yaml", "prompts:\n  p: {timeout_ms: 5}\n"), {}));
  EXPECT_EQ(e.key, "prompts.p.timeout_ms");
  EXPECT_TRUE(contains(e.message, "known keys here: scopes, cost)")) << e.message;
  e = err(load(write("d.yaml", "limits:\n  tool_timeout_ms: 0\n"), {}));
  EXPECT_EQ(e.key, "limits.tool_timeout_ms");
  e = err(load("", {{"MCPX_LIMITS_TOOL_TIMEOUT_MS", "never"}}));
  EXPECT_EQ(e.key, "limits.tool_timeout_ms");
}

TEST(access_overrides, a_time_limit_override_replaces_the_declared_one_for_tools_only) {
  mcpx::protocol::registry r;
  auto& t = r.add_tool("search");
  t.timeout = 2s;
  r.add_prompt("summarize");
  mcpx::access_override limit{std::nullopt, std::nullopt, 90s};
  ASSERT_FALSE(r.override_access({{"search", limit}}, {}, {}));
  EXPECT_EQ(*t.timeout, 90s);
  auto e = r.override_access({}, {}, {{"summarize", limit}});
  ASSERT_TRUE(e);
  EXPECT_NE(e->find("not a tool"), std::string::npos) << *e;
}

TEST(access_overrides, a_time_limit_cannot_apply_on_the_io_thread) {
  mcpx::protocol::registry r;
  mcpx::tool_builder(&r.add_tool("inline"))
      .run_on(mcpx::execution::io_thread)
      .timeout(1s)
      .handle([](const mcpx::args&, mcpx::context&) { return mcpx::tool_result::text("x"); });
  auto e = r.freeze();
  ASSERT_TRUE(e);
  EXPECT_NE(e->find("nothing can stop a call on the I/O thread"), std::string::npos) << *e;

  mcpx::protocol::registry z;
  mcpx::tool_builder(&z.add_tool("zero")).timeout(0ms).handle([](const mcpx::args&, mcpx::context&) {
    return mcpx::tool_result::text("x");
  });
  ASSERT_TRUE(z.freeze());
}
