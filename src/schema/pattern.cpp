// `pattern` and `patternProperties`: ECMA-262 patterns compiled once, at schema compile
// time, for RE2. RE2 never backtracks: one search costs at most (text bytes) x (program
// size) steps, the bound the evaluator charges against limits::max_pattern_cost.
#include "ecma_regex.hpp"
#include "internal.hpp"

#include <re2/re2.h>

#include <algorithm>

namespace mcpx::schema::detail {

namespace {

// Memory one compiled pattern may hold (program and DFA cache). RE2 falls back to its
// slower, still linear, NFA rather than grow past it; a pattern whose program alone would
// not fit is a compile error.
constexpr std::int64_t max_pattern_memory = 2 << 20;

}  // namespace

std::optional<pattern> make_pattern(std::string_view source, std::string& error) {
  std::string translated;
  if (!ecma_to_re2(source, translated, error)) return std::nullopt;
  re2::RE2::Options options;
  options.set_log_errors(false);  // RE2 would write to stderr; the caller reports the error
  options.set_never_capture(true);
  options.set_max_mem(max_pattern_memory);
  auto re = std::make_shared<const re2::RE2>(translated, options);
  if (!re->ok()) {
    error = re->error();
    return std::nullopt;
  }
  pattern p;
  p.source = std::string(source);
  p.program_size = static_cast<std::uint64_t>(std::max(1, re->ProgramSize()));
  p.re = std::move(re);
  return p;
}

bool pattern_matches(const pattern& p, std::string_view text) {
  return re2::RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *p.re);
}

}  // namespace mcpx::schema::detail
