#pragma once
// Evaluation of compiled nodes. All state of one validate() call lives in eval_ctx on
// the caller's stack, so a compiled validator can be shared between threads.
#include "internal.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcpx::schema::detail {

struct path_seg {
  std::string_view key;
  std::size_t index = 0;
  bool is_index = false;
};

// Which members / items of one instance location were evaluated successfully by some
// keyword (the annotations unevaluatedProperties and unevaluatedItems consume).
struct evaluated {
  std::vector<bool> props, items;
  explicit evaluated(const json::value& instance);
  void merge(const evaluated& other);
};

struct eval_ctx {
  explicit eval_ctx(const validator::impl& v) : self(v) {}
  const validator::impl& self;
  std::size_t depth = 0;
  std::vector<path_seg> path;               // instance location being evaluated
  std::vector<std::uint32_t> scope;         // dynamic scope: resources entered, outermost first
  std::optional<violation>* out = nullptr;  // receives the first violation; null = silent
  bool aborted = false;                     // a limit was hit: validation fails as a whole
  std::uint64_t pattern_cost = 0;           // regex work charged so far (limits::max_pattern_cost)
  const json::value* root = nullptr;        // the whole instance
  std::uint64_t evaluations = 0;            // eval() calls so far
  std::uint64_t max_evaluations = 0;        // limits::base_evaluations, widened once by the instance size
  bool evaluations_widened = false;
  std::optional<violation> abort_reason;
};

class path_guard {
 public:
  path_guard(eval_ctx& c, std::string_view key) : c_(c) { c_.path.push_back({key, 0, false}); }
  path_guard(eval_ctx& c, std::size_t index) : c_(c) { c_.path.push_back({{}, index, true}); }
  ~path_guard() { c_.path.pop_back(); }
  path_guard(const path_guard&) = delete;
  path_guard& operator=(const path_guard&) = delete;

 private:
  eval_ctx& c_;
};

// Evaluates without recording violations (for `not`, `if`, `contains`), restoring after.
class silence {
 public:
  explicit silence(eval_ctx& c) : c_(c), saved_(c.out) { c_.out = nullptr; }
  ~silence() { c_.out = saved_; }
  silence(const silence&) = delete;
  silence& operator=(const silence&) = delete;

 private:
  eval_ctx& c_;
  std::optional<violation>* saved_;
};

/// Evaluates node `id` against `inst` at the current path; `ann` (may be null) collects
/// the annotations of this location for an enclosing unevaluated* keyword.
bool eval(node_id id, const json::value& inst, eval_ctx& c, evaluated* ann);
/// Evaluates node `id` against member `key` / item `index` of the current instance.
bool eval_at(node_id id, const json::value& v, std::string_view key, eval_ctx& c);
bool eval_at(node_id id, const json::value& v, std::size_t index, eval_ctx& c);

bool eval_values(const node& n, const json::value& inst, eval_ctx& c);
bool eval_object(const node& n, const json::value& inst, eval_ctx& c, evaluated* ann);
bool eval_array(const node& n, const json::value& inst, eval_ctx& c, evaluated* ann);
bool eval_unevaluated(const node& n, const json::value& inst, eval_ctx& c, evaluated& ann);

/// Searches `p` in `text` (a value or a member name at the current path) and sets
/// `matched`. Charges the search to the validation's pattern budget first; a search that
/// would exceed it aborts the validation under `keyword` and returns false.
bool search_pattern(const pattern& p, std::string_view text, std::string_view keyword, eval_ctx& c, bool& matched);

/// "'customer.age'" (quoted, dotted, [i] for items) or "the root value".
std::string subject(const eval_ctx& c);
/// Same, for the member `key` of the current location.
std::string member_subject(eval_ctx& c, std::string_view key);
/// JSON Pointer of the current location ("" for the root).
std::string instance_pointer(const eval_ctx& c);
/// "1 item", "3 items"; `many` overrides the "s" suffix ("properties").
std::string plural(std::uint64_t n, std::string_view one, std::string_view many = {});

/// Stops the whole validation: a limit was hit, so no keyword may pass or fail on a guess
/// (inside `not`, a guessed failure would turn into a pass). Reported even when silent.
template <class F>
bool abort_limit(eval_ctx& c, std::string_view keyword, F&& message) {
  if (!c.aborted) c.abort_reason = violation{instance_pointer(c), std::string(keyword), message()};
  c.aborted = true;
  return false;
}

/// Records a violation at the current path unless silent or one is already recorded.
/// `message` is a callable, so silent evaluation never formats text.
template <class F>
bool fail(eval_ctx& c, std::string_view keyword, F&& message) {
  if (c.out && !*c.out) *c.out = violation{instance_pointer(c), std::string(keyword), message()};
  return false;
}

}  // namespace mcpx::schema::detail
