#pragma once
// A log-linear latency histogram in the spirit of HdrHistogram: values below 128 are exact,
// above that each power-of-two range is split into 64 buckets, so any reported value is within
// 1/64 (1.6%) of the true one. Fixed size, no allocation when recording, mergeable.
#include <array>
#include <bit>
#include <cstdint>

namespace mcpx::bench {

class histogram {
 public:
  static constexpr int sub_bits = 7;                      // 2^7 = 128 exact values
  static constexpr std::uint64_t exact = 1u << sub_bits;  // values [0, 128) have their own bucket
  static constexpr std::uint64_t half = exact / 2;        // buckets per power of two above that
  static constexpr std::size_t buckets = exact + (64 - sub_bits + 1) * half;

  void record(std::uint64_t v) {
    ++counts_[index(v)];
    ++total_;
    if (v > max_) max_ = v;
  }
  void merge(const histogram& o) {
    for (std::size_t i = 0; i < buckets; ++i) counts_[i] += o.counts_[i];
    total_ += o.total_;
    if (o.max_ > max_) max_ = o.max_;
  }
  std::uint64_t count() const { return total_; }
  std::uint64_t max() const { return max_; }
  /// The value at quantile q (0..1): the midpoint of the bucket holding it, never above max().
  std::uint64_t quantile(double q) const {
    if (total_ == 0) return 0;
    auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total_) + 0.5);
    if (rank < 1) rank = 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < buckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) {
        auto mid = lower(i) + (width(i) - 1) / 2;
        return mid < max_ ? mid : max_;
      }
    }
    return max_;
  }

  static std::size_t index(std::uint64_t v) {
    if (v < exact) return static_cast<std::size_t>(v);
    int msb = 63 - std::countl_zero(v);
    int shift = msb - sub_bits + 1;  // >= 1: keeps the top sub_bits bits, the first of which is 1
    auto top = v >> shift;           // in [half, exact)
    return static_cast<std::size_t>(exact + (shift - 1) * half + (top - half));
  }
  static std::uint64_t lower(std::size_t i) {
    if (i < exact) return i;
    auto shift = (i - exact) / half + 1;
    auto top = (i - exact) % half + half;
    return top << shift;
  }
  static std::uint64_t width(std::size_t i) { return i < exact ? 1 : std::uint64_t{1} << ((i - exact) / half + 1); }

 private:
  std::array<std::uint64_t, buckets> counts_{};
  std::uint64_t total_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace mcpx::bench
