#include "redis/script.hpp"

#include <openssl/evp.h>

#include <charconv>
#include <stdexcept>

namespace mcpx::redis {

script::script(std::string source) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(source.data(), source.size(), md, &len, EVP_sha1(), nullptr) != 1)
    throw std::runtime_error("redis: cannot compute a script's SHA1");
  static constexpr char hex[] = "0123456789abcdef";
  std::string sha;
  for (unsigned i = 0; i < len; ++i) {
    sha += hex[md[i] >> 4];
    sha += hex[md[i] & 0xf];
  }
  d_ = std::make_shared<const data>(data{std::move(source), std::move(sha)});
}

namespace detail {

namespace {

void append_bulk_to(eval_tail& out, std::string_view bytes) {
  char head[24];
  head[0] = '$';
  auto end = std::to_chars(head + 1, head + sizeof head, bytes.size()).ptr;
  out.insert(out.end(), head, end);
  out.insert(out.end(), {'\r', '\n'});
  out.insert(out.end(), bytes.begin(), bytes.end());
  out.insert(out.end(), {'\r', '\n'});
}

}  // namespace

void encode_eval_tail(eval_tail& out, std::span<const std::string_view> keys, std::span<const std::string_view> args) {
  char n[24];
  auto end = std::to_chars(n, n + sizeof n, keys.size()).ptr;
  append_bulk_to(out, std::string_view(n, static_cast<std::size_t>(end - n)));
  for (auto k : keys) append_bulk_to(out, k);
  for (auto a : args) append_bulk_to(out, a);
}

void encode_eval(std::string& out, bool by_sha, const script& s, std::size_t elements, const eval_tail& tail) {
  append_array_header(out, elements);
  append_bulk(out, by_sha ? "EVALSHA" : "EVAL");
  append_bulk(out, by_sha ? s.sha1() : s.source());
  out.append(tail.data(), tail.size());
}

}  // namespace detail

}  // namespace mcpx::redis
