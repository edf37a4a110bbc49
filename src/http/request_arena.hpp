#pragma once
// A request's scratch memory (http::peer_info::arena).
#include <cstddef>
#include <cstdint>
#include <memory_resource>

namespace mcpx::http {

/// Blocks handed out by bumping an offset into a buffer the connection keeps, spilling into
/// heap blocks when it is full, all dropped at once by release(). It is what
/// std::pmr::monotonic_buffer_resource does; this one exists because a request makes about 25
/// allocations here (its fields, its JSON), each a virtual call into libstdc++ of about 37
/// instructions, where take() is a handful and inlines wherever the type is known
/// (transport::json_arena). docs/performance.md, session 22.
class request_arena final : public std::pmr::memory_resource {
 public:
  /// `first` (of `size` bytes) is used first and after every release(); it must outlive this.
  request_arena(std::byte* first, std::size_t size) noexcept;
  ~request_arena() override { release(); }
  request_arena(const request_arena&) = delete;
  request_arena& operator=(const request_arena&) = delete;

  /// `n` bytes aligned to `align` (a power of two), valid until release().
  void* take(std::size_t n, std::size_t align) {
    const std::uintptr_t at = (cur_ + (align - 1)) & ~static_cast<std::uintptr_t>(align - 1);
    if (at >= cur_ && at <= end_ && n <= end_ - at) {
      cur_ = at + n;
      return reinterpret_cast<void*>(at);
    }
    return spill(n, align);
  }
  /// Frees the heap blocks and starts again at the start of the first buffer.
  void release() noexcept;
  /// Heap blocks taken since the last release() (tests).
  std::size_t spilled_blocks() const noexcept;

 private:
  struct block {
    block* next;
  };
  void* spill(std::size_t n, std::size_t align);
  void* do_allocate(std::size_t n, std::size_t align) override { return take(n, align); }
  void do_deallocate(void*, std::size_t, std::size_t) override {}  // all at once, in release()
  bool do_is_equal(const std::pmr::memory_resource& o) const noexcept override { return this == &o; }

  std::byte* first_;
  std::size_t first_size_;
  std::uintptr_t cur_ = 0, end_ = 0;
  block* spilled_ = nullptr;
  std::size_t next_size_ = 0;  ///< the next heap block's size: doubles from twice the first's
};

}  // namespace mcpx::http
