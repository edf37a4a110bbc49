// ECMA-262 style regular expressions for `pattern` and `patternProperties`.
#include "internal.hpp"
#include "json_util.hpp"

namespace mcpx::schema::detail {

namespace {

// libstdc++'s default executor backtracks recursively, one stack frame per input
// character: a long enough instance string would overflow the stack. Its polynomial
// mode (no backreferences) runs a breadth-first simulation whose recursion is bounded
// by the size of the pattern instead.
#if defined(__GLIBCXX__)
constexpr auto regex_flags = std::regex_constants::ECMAScript | std::regex_constants::__polynomial;
#else
constexpr auto regex_flags = std::regex_constants::ECMAScript;
#endif

// ECMA-262 \s covers Unicode white space and line terminators (U+00A0, U+2028, U+FEFF,
// ...); libstdc++ asks the C locale, which knows only the ASCII ones. Spelled out here.
constexpr std::wstring_view white_space =
    L"\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff";

// Rewrites the ECMA-262 escapes libstdc++ gets wrong: \s, \S (outside classes) and \cX.
std::wstring to_libstdcxx_syntax(const std::wstring& src) {
  std::wstring out;
  out.reserve(src.size());
  bool in_class = false;
  for (std::size_t i = 0; i < src.size(); ++i) {
    const wchar_t ch = src[i];
    if (ch == L'\\' && i + 1 < src.size()) {
      const wchar_t e = src[i + 1];
      if (e == L's') {
        out += in_class ? std::wstring(white_space) : L"[" + std::wstring(white_space) + L"]";
      } else if (e == L'S' && !in_class) {
        out += L"[^" + std::wstring(white_space) + L"]";
      } else if (e == L'c' && i + 2 < src.size() &&
                 ((src[i + 2] >= L'a' && src[i + 2] <= L'z') || (src[i + 2] >= L'A' && src[i + 2] <= L'Z'))) {
        static constexpr wchar_t hex[] = L"0123456789abcdef";
        const unsigned code = static_cast<unsigned>(src[i + 2]) % 32;
        out += L"\\x";
        out += hex[code / 16];
        out += hex[code % 16];
        ++i;
      } else {
        out += ch;
        out += e;
      }
      ++i;
      continue;
    }
    if (ch == L'[' && !in_class) in_class = true;
    else if (ch == L']' && in_class) in_class = false;
    out += ch;
  }
  return out;
}

// True when every match must start at offset 0: the pattern begins with ^ and has no
// top-level alternative (in "^a|b" the ^ binds to the first alternative only).
bool anchored_at_start(const std::wstring& src) {
  if (src.empty() || src[0] != L'^') return false;
  int depth = 0;
  bool in_class = false;
  for (std::size_t i = 0; i < src.size(); ++i) {
    const wchar_t ch = src[i];
    if (ch == L'\\') ++i;
    else if (in_class) in_class = ch != L']';
    else if (ch == L'[') in_class = true;
    else if (ch == L'(') ++depth;
    else if (ch == L')') --depth;
    else if (ch == L'|' && depth == 0) return false;
  }
  return true;
}

}  // namespace

pattern make_pattern(std::string_view source) {
  pattern p;
  p.source = std::string(source);
  const std::wstring wide = to_libstdcxx_syntax(utf8_to_wide(source));
  // Compile the pattern alone first: the wrapper below would hide an unbalanced ')'.
  const std::wregex alone(wide, regex_flags);
  // Searching restarts the match at every offset (quadratic); a leading [\s\S]* turns
  // the search into a single anchored pass. Patterns anchored with ^ need no prefix,
  // which roughly halves the work of the breadth-first matcher.
  p.re = anchored_at_start(wide) ? alone : std::wregex(L"[\\s\\S]*(?:" + wide + L")", regex_flags);
  return p;
}

bool pattern_search(const pattern& p, const std::wstring& text) {
  return std::regex_search(text.begin(), text.end(), p.re, std::regex_constants::match_continuous);
}

}  // namespace mcpx::schema::detail
