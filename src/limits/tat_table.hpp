#pragma once
// One shard's TATs: an open-addressing table from a 64-bit key digest to a TAT, with linear
// probing and backward-shift deletion (no tombstones). A 16-byte slot, four to a cache line,
// so a lookup usually costs one cache miss where a node-based map costs three.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace mcpx::limits {

class tat_table {
 public:
  struct slot {
    std::uint64_t key;
    std::int64_t tat;  ///< `vacant` marks a free slot: a stored TAT is always after some `now`
  };
  static constexpr std::int64_t vacant = std::numeric_limits<std::int64_t>::min();

  /// The slot holding `key`, or null. Valid until the next insert() or erase().
  slot* find(std::uint64_t key) noexcept;
  /// Adds `key`, which must not be present, with `tat` (not `vacant`); grows the table when it
  /// would be over three quarters full. Returns its slot.
  slot* insert(std::uint64_t key, std::int64_t tat);
  /// Removes the entry in `s` (a slot find() returned).
  void erase(slot* s) noexcept;
  std::size_t size() const noexcept { return size_; }

 private:
  std::size_t home(std::uint64_t key) const noexcept { return static_cast<std::size_t>(key) & mask_; }
  void grow();

  std::vector<slot> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

}  // namespace mcpx::limits
