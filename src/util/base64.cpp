// Base64 (RFC 4648 section 4, strict padding) and base64url (section 5, unpadded), for
// requestState, list cursors and encoded header values. Ours because OpenSSL's EVP_EncodeBlock
// has no url alphabet and its decoder accepts what we must refuse (docs/decisions.md).
#include "util/base64.hpp"

namespace mcpx::util {

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

}  // namespace

std::string base64url_encode(std::string_view in) { return encode64(in, true); }
std::optional<std::string> base64url_decode(std::string_view in) { return decode64(in, true); }
std::string base64_encode(std::string_view in) { return encode64(in, false); }
std::optional<std::string> base64_decode(std::string_view in) { return decode64(in, false); }

}  // namespace mcpx::util
