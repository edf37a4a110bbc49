#pragma once
// JSON Schema validation of tool arguments and structured output.
// Dialects: 2020-12 (default when `$schema` is absent) and draft-07; any other `$schema`
// fails compile() with "unsupported JSON Schema dialect: <uri>".
// References are resolved only within the schema document ($defs, JSON pointers, $anchor,
// embedded $id resources, basic $dynamicRef); nothing is ever fetched, so a remote $ref
// fails compile() with "unresolvable $ref: <ref>". `format` and unknown keywords are
// annotations only. `pattern` uses ECMAScript syntax matched on code points, by RE2 (time
// linear in the text): lookahead, lookbehind and backreferences are rejected at compile
// time, as are repetition counts above 1000; \p{...} takes RE2's names (L, Lu, Greek).
// Thread safety: a compiled validator is immutable; validate() may be called concurrently.
#include <boost/json/value.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace mcpx::schema {

/// The first way an instance fails its schema, phrased for a reader (often an LLM).
struct violation {
  std::string instance_path;  ///< JSON Pointer to the offending value, "" for the root
  std::string keyword;        ///< the failing keyword, e.g. "required", "type"
  std::string message;        ///< one sentence naming the field, e.g. "'age' must be an integer"
};

/// Limits that keep a hostile schema or instance from costing unbounded work.
struct limits {
  /// Nesting of subschemas, the root counting 1. compile() rejects a schema nested deeper;
  /// validate() stops an evaluation that enters more nested subschemas than this (each
  /// step into a child keyword or through a $ref counts, so a recursive schema bounds the
  /// instance depth it accepts) and reports a violation with keyword "depth".
  std::size_t max_depth = 64;
  std::size_t max_subschemas = 10'000;  ///< subschemas compiled from one schema (booleans included)
  /// Subschema evaluations of one validate() call: this many, plus (compiled subschemas) x
  /// (values in the instance). Beyond, validation fails with keyword "evaluations". Keeps the
  /// work polynomial where oneOf/anyOf branches that descend the same recursive $ref would
  /// make it exponential in the depth of the instance.
  std::uint64_t base_evaluations = 100'000;
  /// Regex work of one validate() call: each `pattern`/`patternProperties` search costs
  /// (bytes of the string + 1) x (size of the compiled pattern), an upper bound of RE2's
  /// steps. A search that would go past this is not run: validation fails with the keyword
  /// of the pattern and a message naming the value. The default lets a 4 MiB string through
  /// a simple pattern and costs at most about 0.25 s of matching (docs/decisions.md).
  std::uint64_t max_pattern_cost = 50'000'000;
};

class validator {
 public:
  /// Compiles `schema`. On failure returns nullopt and sets `*error` (unsupported dialect,
  /// unresolvable or remote `$ref`, malformed keyword, limits exceeded).
  static std::optional<validator> compile(const boost::json::value& schema, std::string* error, limits lim = {});
  /// Returns the first violation, or nullopt when `instance` is valid. For anyOf/oneOf
  /// the violation of the closest alternative is reported. Never throws.
  std::optional<violation> validate(const boost::json::value& instance) const;

  validator(validator&&) noexcept;
  validator& operator=(validator&&) noexcept;
  ~validator();

  struct impl;

 private:
  explicit validator(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace mcpx::schema
