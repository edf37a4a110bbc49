// Which tier and class limit a caller gets, and the keys they are counted under.
#include <gtest/gtest.h>

#include <array>
#include <set>

#include "limits/keys.hpp"
#include "limits/tiers.hpp"

using namespace mcpx::limits;

namespace {

mcpx::principal caller(std::string client_id, std::string tier = "", std::string issuer = "https://as.example") {
  mcpx::principal p;
  p.subject = "user-1";
  p.client_id = std::move(client_id);
  p.tier = std::move(tier);
  p.issuer = std::move(issuer);
  return p;
}

constexpr std::array<std::uint8_t, 4> v4{203, 0, 113, 7};

}  // namespace

TEST(tiers, the_defaults_are_the_checklist_ones) {
  tier_rules rules;
  EXPECT_EQ(validate(rules), std::nullopt);
  EXPECT_EQ(rules.tiers.at("development"), (rate{60, 10}));
  EXPECT_EQ(rules.tiers.at("production"), (rate{1000, 200}));
  EXPECT_EQ(rules.tiers.at("enterprise"), (rate{10000, 1000}));
  EXPECT_EQ(rules.default_tier, "development");
  rate_table classes = default_cost_classes();
  EXPECT_EQ(validate(classes), std::nullopt);
  EXPECT_EQ(*class_rate(classes, "read"), (rate{600, 100}));
  EXPECT_EQ(*class_rate(classes, "write"), (rate{60, 10}));
  EXPECT_EQ(*class_rate(classes, "external"), (rate{30, 5}));
  EXPECT_EQ(*class_rate(classes, "heavy"), (rate{10, 2}));
  EXPECT_EQ(class_rate(classes, "export"), nullptr);
}

TEST(tiers, a_known_claim_wins) {
  tier_rules rules;
  rules.clients["ci-bot"] = "enterprise";
  auto p = caller("ci-bot", "production");
  tier_choice t = resolve_tier(rules, &p);
  EXPECT_EQ(t.name, "production");
  EXPECT_EQ(*t.limit, (rate{1000, 200}));
  EXPECT_EQ(t.source, tier_source::claim);
  EXPECT_FALSE(t.unknown_claim);
}

TEST(tiers, without_a_claim_the_client_list_then_the_default) {
  tier_rules rules;
  rules.clients["ci-bot"] = "enterprise";
  auto listed = caller("ci-bot");
  EXPECT_EQ(resolve_tier(rules, &listed).name, "enterprise");
  EXPECT_EQ(resolve_tier(rules, &listed).source, tier_source::client);
  auto other = caller("someone");
  EXPECT_EQ(resolve_tier(rules, &other).name, "development");
  EXPECT_EQ(resolve_tier(rules, &other).source, tier_source::default_);
  tier_choice anonymous = resolve_tier(rules, nullptr);
  EXPECT_EQ(anonymous.name, "development");
  EXPECT_EQ(anonymous.source, tier_source::default_);
  EXPECT_FALSE(anonymous.unknown_claim);
}

TEST(tiers, an_unknown_claim_is_counted_and_never_guessed) {
  tier_rules rules;
  rules.clients["ci-bot"] = "enterprise";
  auto unlisted = caller("someone", "gold");
  tier_choice t = resolve_tier(rules, &unlisted);
  EXPECT_EQ(t.name, "development");
  EXPECT_EQ(t.source, tier_source::default_);
  EXPECT_TRUE(t.unknown_claim);
  auto listed = caller("ci-bot", "gold");
  tier_choice l = resolve_tier(rules, &listed);
  EXPECT_EQ(l.name, "enterprise");
  EXPECT_EQ(l.source, tier_source::client);
  EXPECT_TRUE(l.unknown_claim);
}

TEST(tiers, validate_names_what_is_wrong) {
  tier_rules rules;
  rules.default_tier = "free";
  EXPECT_EQ(validate(rules), "default tier \"free\" is not defined");
  rules = {};
  rules.clients["x"] = "gold";
  EXPECT_EQ(validate(rules), "client \"x\": tier \"gold\" is not defined");
  rules = {};
  rules.tiers["bad:name"] = {60, 10};
  EXPECT_EQ(validate(rules), "tier \"bad:name\": a name may hold only letters, digits, '_', '.' and '-'");
  rules = {};
  rules.tiers["free"] = {0, 10};
  EXPECT_EQ(validate(rules), "tier free: requests_per_minute must be 1-60000000, got 0");
  rules = {};
  rules.tiers.clear();
  EXPECT_EQ(validate(rules), "no tier is defined");
  EXPECT_TRUE(validate_name(std::string(65, 'a')));
  EXPECT_TRUE(validate_name(""));
  EXPECT_EQ(validate_name("tool.export-v2_1"), std::nullopt);
}

TEST(keys, an_authenticated_caller_is_its_issuer_and_client) {
  auto p = caller("app-1");
  const std::string id(identify(&p, v4).view());
  EXPECT_EQ(id.size(), 1 + 16 + 1 + 5u);
  EXPECT_EQ(id.front(), 'c');
  EXPECT_TRUE(id.ends_with(":app-1"));
  // The address plays no part once the caller is known.
  EXPECT_EQ(identify(&p, {}).view(), id);
  // The same client id from another issuer is another client.
  auto q = caller("app-1", "", "https://other.example");
  EXPECT_NE(identify(&q, v4).view(), id);
  // A token without a client is keyed by its subject, apart from client ids.
  auto s = caller("");
  s.subject = "app-1";
  const std::string by_subject(identify(&s, v4).view());
  EXPECT_EQ(by_subject.front(), 's');
  EXPECT_EQ(by_subject.substr(1), id.substr(1));
  EXPECT_NE(by_subject, id);
}

TEST(keys, an_overlong_client_id_is_keyed_by_its_digest) {
  auto a = caller(std::string(65, 'a'));
  auto b = caller(std::string(65, 'a') + "b");
  const std::string ka(identify(&a, {}).view()), kb(identify(&b, {}).view());
  EXPECT_EQ(ka.size(), 1 + 16 + 1 + 32u);
  EXPECT_EQ(ka[17], '#');
  EXPECT_NE(ka, kb);
  auto longest = caller(std::string(8000, 'z'));
  EXPECT_EQ(identify(&longest, {}).view().size(), 1 + 16 + 1 + 32u);
  auto exact = caller(std::string(64, 'a'));
  EXPECT_EQ(identify(&exact, {}).view()[17], ':');
}

TEST(keys, an_anonymous_caller_is_its_address_ipv6_by_its_64_prefix) {
  EXPECT_EQ(identify(nullptr, v4).view(), "a4:cb007107");
  constexpr std::array<std::uint8_t, 16> mapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 203, 0, 113, 7};
  EXPECT_EQ(identify(nullptr, mapped).view(), "a4:cb007107");
  constexpr std::array<std::uint8_t, 16> host1{0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1};
  constexpr std::array<std::uint8_t, 16> host2{0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 0xde, 0xad, 0, 0, 0, 0, 0, 9};
  constexpr std::array<std::uint8_t, 16> next{0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 1};
  EXPECT_EQ(identify(nullptr, host1).view(), "a6:20010db800010002");
  EXPECT_EQ(identify(nullptr, host2).view(), identify(nullptr, host1).view());
  EXPECT_NE(identify(nullptr, next).view(), identify(nullptr, host1).view());
  EXPECT_EQ(identify(nullptr, {}).view(), "a?");
  // A principal naming nobody (no client, no subject) counts as anonymous.
  mcpx::principal nobody;
  EXPECT_EQ(identify(&nobody, v4).view(), "a4:cb007107");
}

TEST(keys, tier_and_class_keys_never_meet) {
  const identity who = identify(nullptr, v4);
  EXPECT_EQ(tier_key("production", who).view(), "t:production:a4:cb007107");
  EXPECT_EQ(class_key("write", who).view(), "c:write:a4:cb007107");
  std::set<std::string> keys;
  for (auto name : {"read", "write", "production"}) {
    keys.emplace(tier_key(name, who).view());
    keys.emplace(class_key(name, who).view());
  }
  EXPECT_EQ(keys.size(), 6u);
  // The longest name with the longest identity fits.
  auto p = caller(std::string(64, 'x'));
  const limit_key k = class_key(std::string(64, 'n'), identify(&p, {}));
  EXPECT_EQ(k.view().size(), 2 + 64 + 1 + 1 + 16 + 1 + 64u);
  EXPECT_TRUE(k.view().ends_with(std::string(64, 'x')));
}
