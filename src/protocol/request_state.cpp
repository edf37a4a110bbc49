#include "protocol/request_state.hpp"

#include <cmath>
#include <stdexcept>
#include <vector>

#include "util/base64.hpp"
#include "util/random.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

namespace mcpx::protocol {

namespace json = boost::json;

namespace {

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), int(key.size()), reinterpret_cast<const unsigned char*>(data.data()), data.size(), md,
       &len);
  return std::string(reinterpret_cast<char*>(md), len);
}

// The first 128 bits of SHA-256, base64url: a binding, not a secret (the HMAC protects it).
std::string digest_of(const json::value& v) {
  std::string text = json::serialize(v);
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), md);
  return util::base64url_encode(std::string_view(reinterpret_cast<char*>(md), 16));
}

// JSON has no infinity or NaN: Boost.JSON writes them as words its parser then refuses, so a
// state holding one could never be opened. They become null, as JSON.stringify does.
void replace_non_finite(json::object& root) {
  std::vector<json::value*> todo;
  for (auto& kv : root) todo.push_back(&kv.value());
  while (!todo.empty()) {
    json::value* v = todo.back();
    todo.pop_back();
    if (v->is_double() && !std::isfinite(v->get_double())) *v = nullptr;
    else if (v->is_object())
      for (auto& kv : v->get_object()) todo.push_back(&kv.value());
    else if (v->is_array())
      for (auto& e : v->get_array()) todo.push_back(&e);
  }
}

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

request_state_codec::request_state_codec(std::string key, std::chrono::seconds ttl) : key_(std::move(key)), ttl_(ttl) {
  if (key_.empty()) {
    // Start-up: without randomness every replica would share a predictable all-zero key.
    auto key = util::random_bytes(32);
    if (!key) throw std::runtime_error("mcpx: no randomness for the requestState key (RAND_bytes failed)");
    key_ = std::move(*key);
  }
}

std::string request_state_codec::binding_for(std::string_view method, const json::object& params) {
  // Bind to what identifies the operation; inputResponses, requestState and _meta vary per round.
  json::object salient;
  salient["m"] = method;
  for (auto& [k, v] : params) {
    if (k == "inputResponses" || k == "requestState" || k == "_meta") continue;
    salient[k] = v;
  }
  return digest_of(salient);
}

std::string request_state_codec::client_binding_for(const principal* who, std::string_view client_name,
                                                    std::string_view session_id) {
  // An array, so no two different callers serialize alike (a null principal is not ["", ""]).
  json::value p = who ? json::value(json::array{json::string(who->subject), json::string(who->client_id)})
                      : json::value(nullptr);
  return digest_of(json::array{std::move(p), json::string(client_name), json::string(session_id)});
}

std::string request_state_codec::seal(json::object payload, std::string_view binding, std::string_view client) const {
  replace_non_finite(payload);
  payload["b"] = binding;
  // "b", "c" and "exp" are the codec's: a payload's own "c" must not pass for a client binding.
  if (!client.empty()) payload["c"] = client;
  else payload.erase("c");
  payload["exp"] = now_s() + ttl_.count();
  std::string body = util::base64url_encode(json::serialize(payload));
  return body + "." + util::base64url_encode(hmac_sha256(key_, body));
}

std::optional<json::object> request_state_codec::open(std::string_view state, std::string_view binding,
                                                      std::string_view client, std::string* why) const {
  auto fail = [&](const char* m) -> std::optional<json::object> {
    if (why) *why = m;
    return std::nullopt;
  };
  auto dot = state.find('.');
  if (dot == std::string_view::npos) return fail("requestState is malformed");
  auto body = state.substr(0, dot);
  auto sig = util::base64url_decode(state.substr(dot + 1));
  std::string expect = hmac_sha256(key_, body);
  if (!sig || sig->size() != expect.size() || CRYPTO_memcmp(sig->data(), expect.data(), expect.size()) != 0)
    return fail("requestState failed integrity verification");
  auto text = util::base64url_decode(body);
  if (!text) return fail("requestState is malformed");
  boost::system::error_code ec;
  auto v = json::parse(*text, ec);
  if (ec || !v.is_object()) return fail("requestState is malformed");
  auto& o = v.as_object();
  auto* b = o.if_contains("b");
  if (!b || !b->is_string() || b->get_string() != binding) return fail("requestState belongs to a different request");
  // Sealed without a client binding: "c" absent, which only an empty `client` matches.
  auto* c = o.if_contains("c");
  std::string_view sealed_for = c && c->is_string() ? std::string_view(c->get_string()) : std::string_view();
  if ((c && !c->is_string()) || sealed_for != client) return fail("requestState belongs to a different client");
  auto* exp = o.if_contains("exp");
  if (!exp || !exp->is_int64() || exp->get_int64() < now_s()) return fail("requestState has expired");
  return std::move(o);
}

}  // namespace mcpx::protocol
