// Linear probing with backward-shift deletion (tat_table.hpp).
#include "limits/tat_table.hpp"

namespace mcpx::limits {

tat_table::slot* tat_table::find(std::uint64_t key) noexcept {
  if (slots_.empty()) return nullptr;
  for (std::size_t i = home(key);; i = (i + 1) & mask_) {
    slot& s = slots_[i];
    if (s.tat == vacant) return nullptr;
    if (s.key == key) return &s;
  }
}

tat_table::slot* tat_table::insert(std::uint64_t key, std::int64_t tat) {
  if ((size_ + 1) * 4 > slots_.size() * 3) grow();
  std::size_t i = home(key);
  while (slots_[i].tat != vacant) i = (i + 1) & mask_;
  slots_[i] = {key, tat};
  ++size_;
  return &slots_[i];
}

void tat_table::erase(slot* s) noexcept {
  std::size_t hole = static_cast<std::size_t>(s - slots_.data());
  // Pull back every later entry of the run that may sit in the hole: one whose home is not
  // cyclically within (hole, j]. The run then has no gap, so find() needs no tombstones.
  for (std::size_t j = (hole + 1) & mask_; slots_[j].tat != vacant; j = (j + 1) & mask_) {
    const std::size_t h = home(slots_[j].key);
    const bool stays = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
    if (stays) continue;
    slots_[hole] = slots_[j];
    hole = j;
  }
  slots_[hole].tat = vacant;
  --size_;
}

void tat_table::grow() {
  std::vector<slot> old = std::move(slots_);
  const std::size_t n = old.empty() ? 16 : old.size() * 2;
  slots_.assign(n, slot{0, vacant});
  mask_ = n - 1;
  size_ = 0;
  for (const slot& s : old)
    if (s.tat != vacant) insert(s.key, s.tat);
}

}  // namespace mcpx::limits
