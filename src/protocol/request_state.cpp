#include "protocol/request_state.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

namespace mcpx::protocol {

namespace json = boost::json;

namespace {

constexpr char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string encode64(std::string_view in, bool url) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto ch = [&](unsigned v) {
    char c = b64[v & 63];
    if (url && c == '+') c = '-';
    if (url && c == '/') c = '_';
    out += c;
  };
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    ch(v >> 18), ch(v >> 12), ch(v >> 6), ch(v);
  }
  if (i + 1 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16;
    ch(v >> 18), ch(v >> 12);
    if (!url) out += "==";
  } else if (i + 2 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
    ch(v >> 18), ch(v >> 12), ch(v >> 6);
    if (!url) out += '=';
  }
  return out;
}

std::optional<std::string> decode64(std::string_view in, bool url) {
  auto val = [&](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == (url ? '-' : '+')) return 62;
    if (c == (url ? '_' : '/')) return 63;
    return -1;
  };
  // Standard base64 is strict: whole quads, at most two '=' of padding. base64url: unpadded.
  if (!url && in.size() % 4 != 0) return std::nullopt;
  std::size_t pad = 0;
  while (!in.empty() && in.back() == '=') in.remove_suffix(1), ++pad;
  if (pad > 2 || (url && pad > 0) || in.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(in.size() * 3 / 4);
  unsigned acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = val(c);
    if (v < 0) return std::nullopt;
    acc = acc << 6 | unsigned(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += char((acc >> bits) & 0xff);
    }
  }
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), int(key.size()), reinterpret_cast<const unsigned char*>(data.data()), data.size(),
       md, &len);
  return std::string(reinterpret_cast<char*>(md), len);
}

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

std::string base64url_encode(std::string_view in) { return encode64(in, true); }
std::optional<std::string> base64url_decode(std::string_view in) { return decode64(in, true); }
std::string base64_encode(std::string_view in) { return encode64(in, false); }
std::optional<std::string> base64_decode(std::string_view in) { return decode64(in, false); }

request_state_codec::request_state_codec(std::string key, std::chrono::seconds ttl) : key_(std::move(key)), ttl_(ttl) {
  if (key_.empty()) {
    key_.resize(32);
    RAND_bytes(reinterpret_cast<unsigned char*>(key_.data()), int(key_.size()));
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
  std::string text = json::serialize(salient);
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), md);
  return base64url_encode(std::string_view(reinterpret_cast<char*>(md), 16));
}

std::string request_state_codec::seal(json::object payload, std::string_view binding) const {
  payload["b"] = binding;
  payload["exp"] = now_s() + ttl_.count();
  std::string body = base64url_encode(json::serialize(payload));
  return body + "." + base64url_encode(hmac_sha256(key_, body));
}

std::optional<json::object> request_state_codec::open(std::string_view state, std::string_view binding,
                                                      std::string* why) const {
  auto fail = [&](const char* m) -> std::optional<json::object> {
    if (why) *why = m;
    return std::nullopt;
  };
  auto dot = state.find('.');
  if (dot == std::string_view::npos) return fail("requestState is malformed");
  auto body = state.substr(0, dot);
  auto sig = base64url_decode(state.substr(dot + 1));
  std::string expect = hmac_sha256(key_, body);
  if (!sig || sig->size() != expect.size() || CRYPTO_memcmp(sig->data(), expect.data(), expect.size()) != 0)
    return fail("requestState failed integrity verification");
  auto text = base64url_decode(body);
  if (!text) return fail("requestState is malformed");
  boost::system::error_code ec;
  auto v = json::parse(*text, ec);
  if (ec || !v.is_object()) return fail("requestState is malformed");
  auto& o = v.as_object();
  auto* b = o.if_contains("b");
  if (!b || !b->is_string() || b->get_string() != binding) return fail("requestState belongs to a different request");
  auto* exp = o.if_contains("exp");
  if (!exp || !exp->is_int64() || exp->get_int64() < now_s()) return fail("requestState has expired");
  return std::move(o);
}

}  // namespace mcpx::protocol
