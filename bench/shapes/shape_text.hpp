#pragma once
// What the payload-shape tools answer, shared by the server (bench/echo_server.cpp) and the
// load generator's checks; bench/peers/ts-sdk-2.mjs builds the same bytes.
#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

namespace mcpx::bench {

/// The text of `text_100k` and `text_1m`: the request's own text, then a fixed pattern up to
/// exactly `size` bytes. Only characters JSON never escapes, so the answer's bytes are the
/// text's bytes and a check can compare a megabyte with memcmp instead of decoding it.
inline constexpr std::string_view shape_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The pattern alone: byte i is shape_alphabet[i % 64].
inline std::string shape_fill(std::size_t size) {
  std::string s(size, ' ');
  for (std::size_t i = 0; i < size; ++i) s[i] = shape_alphabet[i % shape_alphabet.size()];
  return s;
}

/// `prefix` over the start of `fill` (a shape_fill of the wanted size).
inline std::string shape_text(std::string_view prefix, const std::string& fill) {
  std::string s(fill);
  s.replace(0, std::min(prefix.size(), s.size()), prefix.substr(0, std::min(prefix.size(), s.size())));
  return s;
}

inline constexpr std::size_t shape_100k = 100 * 1024;
inline constexpr std::size_t shape_1m = 1024 * 1024;
inline constexpr unsigned shape_progress_events = 100;

/// The input schema of each `--extra-tools` tool (tool_000, tool_001, ...): a search-like tool
/// with three described properties, about the size of a typical real tool's schema.
inline constexpr std::string_view extra_tool_schema =
    R"({"type":"object","properties":{"query":{"type":"string","description":"What to look for"},)"
    R"("limit":{"type":"integer","minimum":1,"maximum":100,"description":"At most this many results"},)"
    R"("tags":{"type":"array","items":{"type":"string"},"description":"Only items with all of these tags"}},)"
    R"("required":["query"]})";

}  // namespace mcpx::bench
