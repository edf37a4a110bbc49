// The authenticate stage's hot path without the network: a token already verified, checked
// again (what every request of a client with a warm cache costs), and the cache alone.
// Run: build/bin/mcpx-micro --benchmark_filter=auth
#include <benchmark/benchmark.h>

#include "auth/authenticator.hpp"
#include "auth/digest.hpp"
#include "jose_mint.hpp"

namespace {

using namespace mcpx::auth;
namespace json = boost::json;

const std::string issuer = "https://auth.example.com";
const std::string resource = "https://mcp.example.com/mcp";

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(wall_clock::now().time_since_epoch()).count();
}

// A token the size real providers issue (≈ 800 bytes: RS256, a dozen claims).
std::string realistic_token(const mint::key& k) {
  json::object c{{"iss", issuer},
                 {"sub", "248289761001"},
                 {"aud", resource},
                 {"exp", unix_now() + 3600},
                 {"iat", unix_now() - 5},
                 {"nbf", unix_now() - 5},
                 {"jti", "8f4b2c1e-5d6a-4e3b-9c7d-1a2b3c4d5e6f"},
                 {"scope", "crm:read crm:write openid profile email"},
                 {"client_id", "s6BhdRkqt3-reporting-bot"},
                 {"auth_time", unix_now() - 60},
                 {"acr", "urn:mace:incommon:iap:silver"},
                 {"tier", "production"}};
  return mint::jwt(c, k);
}

struct fixture {
  mint::key key = mint::rsa("k1");
  std::string authorization;
  std::unique_ptr<authenticator> a;
  fixture() {
    authenticator_config c;
    c.issuers = {{issuer, {}}};
    c.resource = resource;
    a = std::make_unique<authenticator>(std::move(c));
    a->set_keys(0, mint::jwks({key.jwk()}));
    authorization = "Bearer " + realistic_token(key);
  }
};

fixture& shared() {
  static fixture f;
  return f;
}

void auth_cached_check(benchmark::State& state) {
  auto& f = shared();
  credentials c;
  c.authorization = f.authorization;
  c.authorization_fields = 1;
  c.method = "POST";
  auto now = wall_clock::now();
  if (f.a->check(c, now).status != auth_status::accepted) state.SkipWithError("token refused");
  for (auto _ : state) {
    auto d = f.a->check(c, now);
    benchmark::DoNotOptimize(d);
  }
  state.counters["token_bytes"] = static_cast<double>(f.authorization.size() - 7);
}
BENCHMARK(auth_cached_check);

void auth_constant_time_equal(benchmark::State& state) {
  auto& f = shared();
  std::string a = f.authorization, b = f.authorization;
  for (auto _ : state) {
    bool eq = constant_time_equal(a, b);
    benchmark::DoNotOptimize(eq);
  }
}
BENCHMARK(auth_constant_time_equal);

void auth_uncached_verify(benchmark::State& state) {
  auto& f = shared();
  authenticator_config cfg;
  cfg.issuers = {{issuer, {}}};
  cfg.resource = resource;
  cfg.cache_entries = 0;
  authenticator a(std::move(cfg));
  a.set_keys(0, mint::jwks({f.key.jwk()}));
  credentials c;
  c.authorization = f.authorization;
  c.authorization_fields = 1;
  c.method = "POST";
  auto now = wall_clock::now();
  for (auto _ : state) {
    auto d = a.check(c, now);
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(auth_uncached_verify);

}  // namespace

BENCHMARK_MAIN();
