#pragma once
// ECMA-262 regular expressions (the dialect of JSON Schema's `pattern`) rewritten for RE2,
// whose matching time is linear in the input. What RE2 cannot do in linear time
// (lookahead, lookbehind, backreferences) and what would change meaning silently (PCRE
// escapes such as \A or \Z, inline flags) is rejected with a reason instead.
#include <string>
#include <string_view>

namespace mcpx::schema::detail {

/// Rewrites the ECMA-262 pattern `source` into RE2 syntax with the same meaning:
/// \s and \S cover Unicode white space, `.` stops at every ECMA line terminator, \uXXXX
/// (surrogate pairs included), \u{...}, \cX and \0 become \x{...}. Returns false and sets
/// `error` (one phrase, e.g. "lookahead (?= is not supported") for what RE2 cannot express.
bool ecma_to_re2(std::string_view source, std::string& out, std::string& error);

}  // namespace mcpx::schema::detail
