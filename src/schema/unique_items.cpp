#include "unique_items.hpp"

#include "json_util.hpp"

#include <boost/json/object.hpp>

#include <cmath>
#include <cstring>
#include <functional>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mcpx::schema::detail {

namespace json = boost::json;

namespace {

// Distinct starting points per kind, so [] and {} or "1" and 1 do not agree by accident.
constexpr std::uint64_t tag_null = 0x6e756c6cull, tag_false = 0xfa15eull, tag_true = 0x7e7eull, tag_nonneg = 0x1a7ull,
                        tag_neg = 0x2e6ull, tag_double = 0xd0bull, tag_nan = 0x4a4eull, tag_string = 0x57ull,
                        tag_array = 0xa77ull, tag_object = 0x0b7ull;

// splitmix64's finalizer: every input bit reaches every output bit, so sums and chains of
// member hashes stay well spread.
std::uint64_t avalanche(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

std::uint64_t combine(std::uint64_t h, std::uint64_t v) {
  return avalanche(h ^ (v + 0x9e3779b97f4a7c15ull + (h << 6)));
}

std::uint64_t hash_text(std::string_view s) { return static_cast<std::uint64_t>(std::hash<std::string_view>{}(s)); }

// Equal numbers must agree whatever their representation: an integral double hashes as
// the integer it equals (json_equal compares 1 and 1.0 as equal).
std::uint64_t hash_number(const json::value& v) {
  if (v.is_uint64()) return combine(tag_nonneg, v.get_uint64());
  if (v.is_int64()) {
    const std::int64_t i = v.get_int64();
    return combine(i < 0 ? tag_neg : tag_nonneg, static_cast<std::uint64_t>(i));
  }
  const double d = v.get_double();
  if (std::isnan(d)) return tag_nan;  // every NaN compares "equal" in compare_numbers
  if (d == std::trunc(d) && d >= -9223372036854775808.0 && d < 18446744073709551616.0) {
    if (d < 0) return combine(tag_neg, static_cast<std::uint64_t>(static_cast<std::int64_t>(d)));
    return combine(tag_nonneg, static_cast<std::uint64_t>(d));  // -0.0 lands here, as 0
  }
  std::uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  return combine(tag_double, bits);
}

std::uint64_t hash_scalar(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return tag_null;
    case json::kind::bool_: return v.get_bool() ? tag_true : tag_false;
    case json::kind::string: return combine(tag_string, hash_text(v.get_string()));
    default: return hash_number(v);
  }
}

// One array or object being hashed: `next` is its next child, `acc` what its children
// gave so far (arrays: an ordered chain; objects: a sum, blind to member order).
struct frame {
  const json::value* v;
  std::size_t next = 0;
  std::uint64_t acc = 0;
};

frame open(const json::value& v) { return {&v, 0, v.is_array() ? tag_array : 0}; }

const json::value* next_child(frame& f) {
  if (f.v->is_array()) {
    const auto& a = f.v->get_array();
    return f.next < a.size() ? &a[f.next++] : nullptr;
  }
  const auto& o = f.v->get_object();
  return f.next < o.size() ? &(o.begin() + f.next++)->value() : nullptr;
}

void absorb(frame& f, std::uint64_t child) {
  if (f.v->is_array()) f.acc = combine(f.acc, child);
  else f.acc += combine(hash_text((f.v->get_object().begin() + (f.next - 1))->key()), child);
}

std::uint64_t close(const frame& f) {
  if (f.v->is_array()) return combine(f.acc, f.v->get_array().size());
  return combine(combine(tag_object, f.v->get_object().size()), f.acc);
}

}  // namespace

std::uint64_t json_hash(const json::value& root) {
  if (!root.is_structured()) return hash_scalar(root);
  std::vector<frame> stack{open(root)};
  for (;;) {
    frame& f = stack.back();
    if (const json::value* child = next_child(f)) {
      if (child->is_structured()) stack.push_back(open(*child));
      else absorb(f, hash_scalar(*child));
      continue;
    }
    const std::uint64_t h = close(f);
    stack.pop_back();
    if (stack.empty()) return h;
    absorb(stack.back(), h);
  }
}

duplicate_search find_duplicate(const json::array& a, std::uint64_t (*hash)(const json::value&),
                                std::size_t max_collisions) {
  duplicate_search r;
  std::unordered_multimap<std::uint64_t, std::size_t> seen;
  seen.reserve(a.size());
  for (std::size_t j = 0; j < a.size(); ++j) {
    const std::uint64_t h = hash(a[j]);
    const auto [begin, end] = seen.equal_range(h);
    for (auto it = begin; it != end; ++it) {
      ++r.comparisons;
      if (json_equal(a[it->second], a[j])) {
        r.found = true;
        r.first = it->second;
        r.second = j;
        return r;
      }
      // Every comparison so far found unequal items: each was a collision.
      if (r.comparisons >= max_collisions) {
        r.gave_up = true;
        return r;
      }
    }
    seen.emplace(h, j);
  }
  return r;
}

}  // namespace mcpx::schema::detail
