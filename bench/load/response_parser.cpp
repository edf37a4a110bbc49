#include "load/response_parser.hpp"

#include <charconv>

namespace mcpx::bench {

bool header_is(std::string_view name, std::string_view expected) {
  if (name.size() != expected.size()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char a = name[i], b = expected[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
    if (a != b) return false;
  }
  return true;
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool contains_token(std::string_view value, std::string_view token) {
  for (std::size_t i = 0; i + token.size() <= value.size(); ++i)
    if (header_is(value.substr(i, token.size()), token)) return true;
  return false;
}

template <class T>
bool to_number(std::string_view s, T& v, int base = 10) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  return ec == std::errc() && p == s.data() + s.size();
}

// Decodes a chunked body starting at `at`; returns the offset after it, 0 if incomplete, npos if bad.
// Walks the chunk sizes first and copies only a complete body: a 1 MiB answer arrives in many
// reads, and copying it again on each one made the load generator quadratic in the body size.
std::size_t dechunk(std::string_view in, std::size_t at, std::string& out) {
  std::size_t end = 0;
  for (int copy = 0; copy < 2; ++copy) {
    if (copy) out.clear();
    for (auto p = at;;) {
      auto eol = in.find("\r\n", p);
      if (eol == std::string_view::npos) return 0;
      auto size_field = in.substr(p, eol - p);
      if (auto semi = size_field.find(';'); semi != std::string_view::npos) size_field = size_field.substr(0, semi);
      std::size_t size = 0;
      if (!to_number(trim(size_field), size, 16)) return std::string_view::npos;
      p = eol + 2;
      if (size == 0) {
        // Trailers (none expected) end with an empty line.
        auto last = in.find("\r\n", p);
        while (last != std::string_view::npos && last != p) {
          p = last + 2;
          last = in.find("\r\n", p);
        }
        if (last == std::string_view::npos) return 0;
        end = last + 2;
        break;
      }
      if (in.size() < p + size + 2) return 0;
      if (copy) out.append(in.substr(p, size));
      p += size + 2;
    }
  }
  return end;
}

}  // namespace

parse_status parse_response(std::string_view in, response_view& out, std::string& chunk_scratch) {
  auto head_end = in.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return in.size() > 64 * 1024 ? parse_status::bad : parse_status::incomplete;
  out = {};
  auto head = in.substr(0, head_end + 2);
  auto eol = head.find("\r\n");
  auto status_line = head.substr(0, eol);
  if (status_line.size() < 12 || status_line.substr(0, 5) != "HTTP/" ||
      !to_number(status_line.substr(9, 3), out.status))
    return parse_status::bad;
  bool chunked = false;
  std::size_t length = 0;
  bool has_length = false;
  for (auto at = eol + 2; at < head.size();) {
    auto end = head.find("\r\n", at);
    auto line = head.substr(at, end - at);
    at = end + 2;
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return parse_status::bad;
    auto name = line.substr(0, colon);
    auto value = trim(line.substr(colon + 1));
    if (header_is(name, "content-length")) {
      if (!to_number(value, length)) return parse_status::bad;
      has_length = true;
    } else if (header_is(name, "transfer-encoding")) {
      chunked = contains_token(value, "chunked");
    } else if (header_is(name, "content-type")) {
      out.content_type = value;
    } else if (header_is(name, "mcp-session-id")) {
      out.session_id = value;
    } else if (header_is(name, "connection")) {
      out.close = contains_token(value, "close");
    }
  }
  auto body_at = head_end + 4;
  if (chunked) {
    auto end = dechunk(in, body_at, chunk_scratch);
    if (end == std::string_view::npos) return parse_status::bad;
    if (end == 0) return parse_status::incomplete;
    out.body = chunk_scratch;
    out.consumed = end;
    return parse_status::complete;
  }
  if (!has_length) {
    // 1xx/204/304 have no body; anything else without a length would be read until close,
    // which a keep-alive benchmark cannot measure: refuse it.
    if (out.status == 204 || out.status == 304 || out.status / 100 == 1) {
      out.consumed = body_at;
      return parse_status::complete;
    }
    return parse_status::bad;
  }
  if (in.size() < body_at + length) return parse_status::incomplete;
  out.body = in.substr(body_at, length);
  out.consumed = body_at + length;
  return parse_status::complete;
}

}  // namespace mcpx::bench
