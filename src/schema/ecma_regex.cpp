#include "ecma_regex.hpp"

#include <cstdint>
#include <cstdio>
#include <utility>

namespace mcpx::schema::detail {

namespace {

// ECMA-262 \s: WhiteSpace and LineTerminator, Unicode ones included (RE2's \s is ASCII).
constexpr std::string_view white_space =
    "\\x{9}-\\x{d}\\x{20}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}\\x{feff}";
// ECMA-262 `.`: anything but a LineTerminator (RE2's `.` stops at \n only).
constexpr std::string_view any_but_line_end = "[^\\x{a}\\x{d}\\x{2028}\\x{2029}]";
// RE2 has no empty class: [] matches nothing, [^] any character.
constexpr std::string_view nothing = "[^\\x{0}-\\x{10ffff}]";
constexpr std::string_view anything = "[\\x{0}-\\x{10ffff}]";

bool is_ascii_alnum(char c) { return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }

// Exactly `count` hex digits of `s` from `from`.
bool read_hex(std::string_view s, std::size_t from, std::size_t count, std::uint32_t& out) {
  if (from + count > s.size() || count == 0) return false;
  out = 0;
  for (std::size_t k = from; k < from + count; ++k) {
    const char c = s[k];
    const int d = (c >= '0' && c <= '9')                     ? c - '0'
                  : ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') ? (c | 0x20) - 'a' + 10
                                                             : -1;
    if (d < 0) return false;
    out = out * 16 + static_cast<std::uint32_t>(d);
  }
  return true;
}

// "\\" and `e`: an escape as written, for messages and for RE2.
std::string escaped(char e) {
  std::string s(2, '\\');
  s[1] = e;
  return s;
}

// One code point, spelled so that RE2 reads it literally wherever it stands.
std::string code_point(std::uint32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "\\x{%x}", static_cast<unsigned>(cp));
  return buf;
}

class translator {
 public:
  explicit translator(std::string_view source) : s_(source) {}

  bool run(std::string& out, std::string& error) {
    while (i_ < s_.size()) {
      const char c = s_[i_];
      bool ok = true;
      if (c == '\\') ok = escape(false, out_);
      else if (c == '[') ok = char_class();
      else if (c == '(') ok = group();
      else {
        out_ += c == '.' ? any_but_line_end : s_.substr(i_, 1);
        ++i_;
      }
      if (!ok) {
        error = std::move(error_);
        return false;
      }
    }
    out = std::move(out_);
    return true;
  }

 private:
  bool fail(std::string why) {
    error_ = std::move(why);
    return false;
  }

  bool group();
  bool char_class();
  bool emit_class(bool negated, const std::string& body);
  bool escape(bool in_class, std::string& to);
  bool other_escape(char e, std::string& to);
  bool control(std::string& to);
  bool unicode_escape(std::string& to);
  bool property_escape(char e, std::string& to);

  std::string_view s_;
  std::size_t i_ = 0;  // next character of s_
  std::string out_, error_;
  bool class_has_non_space_ = false;  // the class being read contains \S
};

bool translator::group() {
  if (s_.substr(i_, 2) != "(?") {
    out_ += '(';
    ++i_;
    return true;
  }
  const std::string_view rest = s_.substr(i_ + 2);
  if (rest.starts_with(":")) {
    out_ += "(?:";
    i_ += 3;
    return true;
  }
  if (rest.starts_with("=") || rest.starts_with("!") || rest.starts_with("<=") || rest.starts_with("<!"))
    return fail(std::string(rest.starts_with("<") ? "lookbehind (?" : "lookahead (?") +
                std::string(rest.substr(0, rest.starts_with("<") ? 2 : 1)) +
                " is not supported (the matcher runs in linear time); combine patterns with allOf/not instead");
  if (rest.starts_with("<")) {
    const std::size_t close = rest.find('>');
    if (close == std::string_view::npos || close == 1) return fail("a group name (?<name> is not closed");
    out_ += '(';  // nothing reads captures, so a named group is a plain group
    i_ += 2 + close + 1;
    return true;
  }
  return fail("(?" + std::string(rest.substr(0, 1)) + " is not ECMA-262 syntax");
}

bool translator::char_class() {
  ++i_;
  const bool negated = i_ < s_.size() && s_[i_] == '^';
  if (negated) ++i_;
  std::string body;
  class_has_non_space_ = false;
  for (;;) {
    if (i_ >= s_.size()) return fail("a character class [ is not closed");
    const char c = s_[i_];
    if (c == ']') break;
    if (c == '\\') {
      if (!escape(true, body)) return false;
      continue;
    }
    // RE2 would read [:alpha:] inside a class as a POSIX class; in ECMA-262 it is characters.
    body += c == '[' ? std::string("\\[") : std::string(1, c);
    ++i_;
  }
  ++i_;
  return emit_class(negated, body);
}

bool translator::emit_class(bool negated, const std::string& body) {
  if (class_has_non_space_) {
    // [..\S..] is the union of the rest of the class and the non-space characters.
    if (negated) return fail("\\S inside a negated character class [^...] is not supported");
    const std::string non_space = "[^" + std::string(white_space) + "]";
    out_ += body.empty() ? non_space : "(?:[" + body + "]|" + non_space + ")";
  } else if (body.empty()) {
    out_ += negated ? anything : nothing;
  } else {
    out_ += (negated ? "[^" : "[") + body + "]";
  }
  return true;
}

bool translator::escape(bool in_class, std::string& to) {
  if (i_ + 1 >= s_.size()) return fail("the pattern ends with a lone \\");
  const char e = s_[i_ + 1];
  i_ += 2;
  if (std::string_view("dDwWfnrt").find(e) != std::string_view::npos) {
    to += '\\';
    to += e;
    return true;
  }
  switch (e) {
    case 'b': to += in_class ? "\\x{8}" : "\\b"; return true;  // backspace inside a class
    case 'B':
      if (in_class) return fail("\\B inside a character class");
      to += "\\B";
      return true;
    case 'v': to += "\\x{b}"; return true;
    case 's': to += in_class ? std::string(white_space) : "[" + std::string(white_space) + "]"; return true;
    case 'S':
      if (in_class) class_has_non_space_ = true;
      else to += "[^" + std::string(white_space) + "]";
      return true;
    case 'c': return control(to);
    case 'u': return unicode_escape(to);
    case 'p':
    case 'P': return property_escape(e, to);
    default: return other_escape(e, to);
  }
}

bool translator::other_escape(char e, std::string& to) {
  std::uint32_t cp = 0;
  if (e == 'x') {
    if (!read_hex(s_, i_, 2, cp)) return fail("\\x must be followed by two hex digits");
    i_ += 2;
    to += code_point(cp);
    return true;
  }
  if (e == '0') {
    if (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9')
      return fail("octal escapes (\\0 and a digit) are not supported");
    to += code_point(0);
    return true;
  }
  if ((e >= '1' && e <= '9') || e == 'k')
    return fail("backreferences (" + escaped(e) + ") are not supported (the matcher runs in linear time)");
  if (static_cast<unsigned char>(e) >= 0x80) {
    --i_;  // "\é" is "é": the main loop copies the character's bytes
    return true;
  }
  if (is_ascii_alnum(e)) return fail(escaped(e) + " is not an ECMA-262 escape");
  to += code_point(static_cast<unsigned char>(e));  // escaped punctuation stands for itself
  return true;
}

bool translator::control(std::string& to) {
  if (i_ >= s_.size() || !is_ascii_alnum(s_[i_]) || (s_[i_] >= '0' && s_[i_] <= '9'))
    return fail("\\c must be followed by a letter");
  to += code_point(static_cast<unsigned char>(s_[i_]) % 32);
  ++i_;
  return true;
}

bool translator::unicode_escape(std::string& to) {
  std::uint32_t cp = 0;
  if (i_ < s_.size() && s_[i_] == '{') {
    const std::size_t close = s_.find('}', i_);
    if (close == std::string_view::npos || close - i_ - 1 > 8 || !read_hex(s_, i_ + 1, close - i_ - 1, cp) ||
        cp > 0x10FFFF)
      return fail("\\u{...} must hold a code point in hex, at most 10FFFF");
    i_ = close + 1;
  } else {
    if (!read_hex(s_, i_, 4, cp)) return fail("\\u must be followed by four hex digits");
    i_ += 4;
    std::uint32_t low = 0;
    // The text is UTF-8: a surrogate pair written as two escapes is one code point.
    if (cp >= 0xD800 && cp <= 0xDBFF && s_.substr(i_, 2) == "\\u" && read_hex(s_, i_ + 2, 4, low) && low >= 0xDC00 &&
        low <= 0xDFFF) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
      i_ += 6;
    }
  }
  to += code_point(cp);
  return true;
}

bool translator::property_escape(char e, std::string& to) {
  const std::size_t close = s_.find('}', i_);
  if (i_ >= s_.size() || s_[i_] != '{' || close == std::string_view::npos)
    return fail(escaped(e) + " must be followed by {name}");
  std::string_view name = s_.substr(i_ + 1, close - i_ - 1);
  // RE2 knows general categories (L, Lu) and scripts (Greek) by their bare names.
  for (const std::string_view prefix : {"Script=", "sc=", "General_Category=", "gc="})
    if (name.starts_with(prefix)) name.remove_prefix(prefix.size());
  std::string spelled = escaped(e);
  spelled.append("{").append(name).append("}");
  for (const char c : name)
    if (!is_ascii_alnum(c) && c != '_') return fail(spelled + " is not supported");
  to += spelled;
  i_ = close + 1;
  return true;
}

}  // namespace

bool ecma_to_re2(std::string_view source, std::string& out, std::string& error) {
  return translator(source).run(out, error);
}

}  // namespace mcpx::schema::detail
