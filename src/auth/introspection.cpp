#include "auth/introspection.hpp"

#include <openssl/evp.h>

#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace mcpx::auth {

namespace {

// The cache key: the token's SHA-256, so the cache holds no bearer credential.
std::string token_key(std::string_view token) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  if (EVP_Digest(token.data(), token.size(), md, &len, EVP_sha256(), nullptr) != 1) return {};
  return std::string(reinterpret_cast<const char*>(md), len);
}

/// The token's `exp` as a wall-clock time; nullopt when absent or too far to matter.
std::optional<std::chrono::system_clock::time_point> exp_of(const boost::json::object& claims) {
  const auto* exp = claims.if_contains("exp");
  if (!exp || !exp->is_number()) return std::nullopt;
  boost::system::error_code ec;
  auto secs = exp->to_number<double>(ec);
  if (ec || !(secs >= 0)) return std::chrono::system_clock::time_point{};  // broken: already past
  if (secs > 1e11) return std::nullopt;
  return std::chrono::system_clock::time_point(std::chrono::seconds(static_cast<std::int64_t>(secs)));
}

}  // namespace

introspector::introspector(introspection_config cfg) : cfg_(std::move(cfg)) {}

introspection_result introspector::interpret(const boost::json::value& body) {
  introspection_result r;
  if (!body.is_object()) {
    r.error = "introspection answer is not a JSON object";
    return r;
  }
  const auto& o = body.as_object();
  const auto* active = o.if_contains("active");
  if (!active || !active->is_bool()) {
    r.error = "introspection answer has no boolean 'active'";
    return r;
  }
  if (!active->as_bool()) {
    r.what = introspection_result::kind::inactive;
    return r;
  }
  r.what = introspection_result::kind::active;
  for (const char* k : {"active", "scope", "sub", "client_id", "exp", "aud", "iss", "token_type", "tier", "nbf", "iat"})
    if (const auto* v = o.if_contains(k)) r.claims[k] = *v;
  if (const auto* cnf = o.if_contains("cnf"); cnf && cnf->is_object())
    if (const auto* jkt = cnf->as_object().if_contains("jkt")) r.claims["cnf"] = boost::json::object{{"jkt", *jkt}};
  return r;
}

net::awaitable<std::shared_ptr<const introspection_result>> introspector::introspect(std::string token) {
  return introspect(std::move(token), cfg_.endpoint);
}

std::shared_ptr<const introspection_result> introspector::cached(std::string_view token) {
  auto key = token_key(token);
  auto hit = key.empty() ? nullptr : lookup(key);
  if (hit) counters_.cache_hits.fetch_add(1, std::memory_order_relaxed);
  return hit;
}

net::awaitable<std::shared_ptr<const introspection_result>> introspector::introspect(std::string token,
                                                                                     std::string endpoint) {
  auto key = token_key(token);
  if (auto hit = lookup(key)) {
    counters_.cache_hits.fetch_add(1, std::memory_order_relaxed);
    co_return hit;
  }
  auto r = std::make_shared<introspection_result>();
  if (in_flight_.fetch_add(1, std::memory_order_relaxed) >= cfg_.max_in_flight) {
    in_flight_.fetch_sub(1, std::memory_order_relaxed);
    counters_.busy.fetch_add(1, std::memory_order_relaxed);
    r->error = "introspection: too many calls under way";
    co_return r;
  }
  struct release {
    std::atomic<std::size_t>& n;
    ~release() { n.fetch_sub(1, std::memory_order_relaxed); }
  } done{in_flight_};
  if (endpoint.empty()) {
    counters_.failed.fetch_add(1, std::memory_order_relaxed);
    r->error = "introspection: the issuer names no introspection endpoint";
    co_return r;
  }
  auto ex = co_await net::this_coro::executor;
  auto body = form_encode({{"token", token}, {"token_type_hint", "access_token"}});
  // Named, not temporaries of the co_await expression (GCC 12; see issuer_client.cpp).
  std::optional<basic_credentials> auth = basic_credentials{cfg_.client_id, cfg_.client_secret};
  auto res = co_await post_form_json(ex, endpoint, std::move(body), cfg_.fetch, std::move(auth));
  if (!res.ok()) r->error = "introspection: " + res.message();
  else *r = interpret(res.body);
  if (r->what == introspection_result::kind::failed) {
    counters_.failed.fetch_add(1, std::memory_order_relaxed);
    co_return r;
  }
  counters_.fetched.fetch_add(1, std::memory_order_relaxed);
  store(key, r);
  co_return r;
}

std::shared_ptr<const introspection_result> introspector::lookup(const std::string& key) {
  std::lock_guard lk(mu_);
  auto it = cache_.find(key);
  if (it == cache_.end()) return nullptr;
  if (clock::now() >= it->second.expires) {
    lru_.erase(it->second.lru);
    cache_.erase(it);
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  return it->second.result;
}

void introspector::store(const std::string& key, std::shared_ptr<const introspection_result> r) {
  auto now = clock::now();
  auto ttl = r->what == introspection_result::kind::active ? cfg_.active_ttl : cfg_.inactive_ttl;
  auto expires = now + ttl;
  if (r->what == introspection_result::kind::active) {
    // Never beyond the token's own expiry (converted from the wall clock).
    if (auto exp = exp_of(r->claims)) {
      auto left = std::chrono::duration_cast<clock::duration>(*exp - std::chrono::system_clock::now());
      if (left < ttl) expires = now + std::max(left, clock::duration::zero());
    }
  }
  if (expires <= now || cfg_.max_entries == 0) return;
  std::lock_guard lk(mu_);
  if (auto it = cache_.find(key); it != cache_.end()) {
    lru_.erase(it->second.lru);
    cache_.erase(it);
  }
  while (cache_.size() >= cfg_.max_entries) {
    cache_.erase(lru_.back());
    lru_.pop_back();
  }
  lru_.push_front(key);
  cache_.emplace(key, entry{std::move(r), expires, lru_.begin()});
}

std::size_t introspector::cached() const {
  std::lock_guard lk(mu_);
  return cache_.size();
}

}  // namespace mcpx::auth
