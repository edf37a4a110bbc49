#pragma once
/// @file What a limit store answers: a decision, or why the store could not decide; and the
/// move-only callback that receives it.
#include <boost/system/result.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <string_view>
#include <type_traits>
#include <utility>

#include "mcpx/limits/gcra.hpp"

namespace mcpx::limits {

/// Why a store could not decide. The caller then applies its failure policy (fail open or
/// closed, per cost class); the memory store never fails.
enum class store_error : std::uint8_t {
  unavailable,  ///< not connected or its queue is full (no round trip tried), or the connection broke
                ///< with the check sent (it may have been counted)
  timeout,      ///< no answer in time (the check may or may not have been counted)
  protocol,     ///< an answer the store could not read
};

/// "unavailable", "timeout", "protocol": a metric label.
std::string_view name(store_error e) noexcept;

/// Read it with has_value(), operator* and error() (value() would throw, and nothing on the
/// request path does).
using check_result = boost::system::result<decision, store_error>;

/// The callback of limit_store::check, called once. Move-only, so it can hold an Asio
/// completion handler; a callable of up to four pointers that moves without throwing is kept
/// inline, with no allocation.
class completion {
 public:
  completion() noexcept = default;

  template <class F>
  requires(!std::is_same_v<std::remove_cvref_t<F>, completion> && std::is_invocable_v<std::decay_t<F>&, check_result>)
      completion(F&& f) {  // NOLINT(google-explicit-constructor): a lambda converts, as to std::function
    using T = std::decay_t<F>;
    if constexpr (fits_inline<T>) {
      ::new (static_cast<void*>(buf_)) T(std::forward<F>(f));
      ops_ = &inline_ops<T>;
    } else {
      ::new (static_cast<void*>(buf_)) T*(new T(std::forward<F>(f)));
      ops_ = &heap_ops<T>;
    }
  }

  completion(completion&& o) noexcept { take(o); }
  completion& operator=(completion&& o) noexcept {
    if (this != &o) {
      reset();
      take(o);
    }
    return *this;
  }
  completion(const completion&) = delete;
  completion& operator=(const completion&) = delete;
  ~completion() { reset(); }

  explicit operator bool() const noexcept { return ops_ != nullptr; }

  /// Calls the callable with `r` and empties this completion. Precondition: not empty.
  void operator()(check_result r) {
    const ops* o = std::exchange(ops_, nullptr);
    o->call(buf_, std::move(r));
  }

 private:
  struct ops {
    void (*call)(void* buf, check_result&& r);  ///< calls, then destroys
    void (*move)(void* from, void* to) noexcept;
    void (*destroy)(void* buf) noexcept;
  };
  static constexpr std::size_t inline_size = 4 * sizeof(void*);

  template <class T>
  static constexpr bool fits_inline =
      sizeof(T) <= inline_size && alignof(T) <= alignof(std::max_align_t) && std::is_nothrow_move_constructible_v<T>;

  template <class T>
  static T* inline_at(void* buf) noexcept {
    return std::launder(static_cast<T*>(buf));
  }
  template <class T>
  static T* heap_at(void* buf) noexcept {
    return *std::launder(static_cast<T**>(buf));
  }

  template <class T>
  static constexpr ops inline_ops{[](void* buf, check_result&& r) {
                                    T* f = inline_at<T>(buf);
                                    struct destroy_after {
                                      T* f;
                                      ~destroy_after() { std::destroy_at(f); }
                                    } guard{f};
                                    (*f)(std::move(r));
                                  },
                                  [](void* from, void* to) noexcept {
                                    T* f = inline_at<T>(from);
                                    ::new (to) T(std::move(*f));
                                    std::destroy_at(f);
                                  },
                                  [](void* buf) noexcept { std::destroy_at(inline_at<T>(buf)); }};

  template <class T>
  static constexpr ops heap_ops{[](void* buf, check_result&& r) {
                                  std::unique_ptr<T> f(heap_at<T>(buf));
                                  (*f)(std::move(r));
                                },
                                [](void* from, void* to) noexcept { ::new (to) T*(heap_at<T>(from)); },
                                [](void* buf) noexcept { delete heap_at<T>(buf); }};

  void take(completion& o) noexcept {
    ops_ = std::exchange(o.ops_, nullptr);
    if (ops_) ops_->move(o.buf_, buf_);
  }
  void reset() noexcept {
    if (ops_) std::exchange(ops_, nullptr)->destroy(buf_);
  }

  alignas(std::max_align_t) unsigned char buf_[inline_size];
  const ops* ops_ = nullptr;
};

}  // namespace mcpx::limits
