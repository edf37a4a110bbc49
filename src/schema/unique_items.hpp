#pragma once
// uniqueItems: finding two equal items of an array in expected linear time. Each item gets
// a hash of its whole value (every depth), so only items whose hashes agree are compared.
#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>

namespace mcpx::schema::detail {

/// Hash consistent with json_equal over the whole value: numbers by value (1 and 1.0 hash
/// alike), object members in any order. Iterative, so the depth of `v` costs no stack.
std::uint64_t json_hash(const boost::json::value& v);

/// What find_duplicate found, and the work it took (for tests and limits).
struct duplicate_search {
  bool found = false;
  bool gave_up = false;               ///< more hash collisions than max_collisions: no answer
  std::size_t first = 0, second = 0;  ///< when found: the earlier item and the later one
  std::size_t comparisons = 0;        ///< exact comparisons of items whose hashes agreed
};

/// Honest data makes no 64-bit collisions; this many means items crafted to collide, whose
/// exact comparisons would make the search quadratic.
inline constexpr std::size_t max_hash_collisions = 64;

/// Finds the first pair of equal items (by the later index). `hash` is json_hash except in
/// tests. Stops with gave_up after `max_collisions` comparisons of unequal items.
duplicate_search find_duplicate(const boost::json::array& a,
                                std::uint64_t (*hash)(const boost::json::value&) = json_hash,
                                std::size_t max_collisions = max_hash_collisions);

}  // namespace mcpx::schema::detail
