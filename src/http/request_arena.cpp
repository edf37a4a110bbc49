#include "http/request_arena.hpp"

#include <algorithm>
#include <new>

namespace mcpx::http {

request_arena::request_arena(std::byte* first, std::size_t size) noexcept : first_(first), first_size_(size) {
  release();
}

void request_arena::release() noexcept {
  while (spilled_) {
    block* next = spilled_->next;
    ::operator delete(static_cast<void*>(spilled_));
    spilled_ = next;
  }
  cur_ = reinterpret_cast<std::uintptr_t>(first_);
  end_ = cur_ + first_size_;
  next_size_ = std::max<std::size_t>(first_size_ * 2, 1024);
}

std::size_t request_arena::spilled_blocks() const noexcept {
  std::size_t n = 0;
  for (block* b = spilled_; b; b = b->next) ++n;
  return n;
}

void* request_arena::spill(std::size_t n, std::size_t align) {
  // Room for the header, the worst padding and `n`, or the next size if that is more.
  const std::size_t need = sizeof(block) + (align - 1) + n;
  if (need < n) throw std::bad_alloc();
  const std::size_t size = std::max(need, next_size_);
  auto* b = static_cast<block*>(::operator new(size));
  b->next = spilled_;
  spilled_ = b;
  if (next_size_ <= (std::size_t(1) << 30)) next_size_ *= 2;
  cur_ = reinterpret_cast<std::uintptr_t>(b) + sizeof(block);
  end_ = reinterpret_cast<std::uintptr_t>(b) + size;
  return take(n, align);
}

}  // namespace mcpx::http
