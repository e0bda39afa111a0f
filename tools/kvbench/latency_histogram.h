// LatencyHistogram: a log-linear histogram of non-negative integers (kvbench records
// nanoseconds) in fixed memory. Values below 256 are exact; above, every power of two is
// split into 128 equal buckets, so a reported value is within 1/128 (< 0.8%) of a
// recorded one. Values above kMaxValue (about 18 minutes in ns) are clamped to it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ringkv::tools {

class LatencyHistogram {
 public:
  static constexpr uint64_t kMaxValue = (uint64_t{1} << 40) - 1;

  LatencyHistogram();

  void record(uint64_t value);
  void merge(const LatencyHistogram& other);

  uint64_t count() const { return count_; }
  // Exact extremes of what was recorded (after clamping); 0 when empty.
  uint64_t min() const { return count_ == 0 ? 0 : min_; }
  uint64_t max() const { return max_; }
  // The smallest value v such that at least ceil(quantile * count) recorded values are
  // <= v, as the highest value of its bucket (never above max()). quantile in [0, 1];
  // 0 when empty.
  uint64_t value_at_quantile(double quantile) const;

  // Bucket arithmetic, exposed for tests.
  static size_t bucket_index(uint64_t value);
  static uint64_t bucket_lowest_value(size_t index);
  static uint64_t bucket_highest_value(size_t index);
  static size_t bucket_count();

 private:
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
};

}  // namespace ringkv::tools
