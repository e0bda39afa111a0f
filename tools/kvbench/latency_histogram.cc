#include "tools/kvbench/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "core/assert.h"

namespace ringkv::tools {
namespace {

// Values below 2^kExactBits are their own bucket; above, the top kExactBits bits of a
// value (its leading 1 and 7 more) pick one of kSubBuckets buckets in its octave.
constexpr int kExactBits = 8;
constexpr uint64_t kSubBuckets = uint64_t{1} << (kExactBits - 1);  // 128

}  // namespace

LatencyHistogram::LatencyHistogram() : counts_(bucket_count(), 0) {}

size_t LatencyHistogram::bucket_index(uint64_t value) {
  value = std::min(value, kMaxValue);
  if (value < (uint64_t{1} << kExactBits)) return static_cast<size_t>(value);
  const int shift = std::bit_width(value) - kExactBits;
  const uint64_t mantissa = value >> shift;  // in [128, 255]
  return static_cast<size_t>(static_cast<uint64_t>(shift) * kSubBuckets + mantissa);
}

uint64_t LatencyHistogram::bucket_lowest_value(size_t index) {
  if (index < (size_t{1} << kExactBits)) return index;
  const uint64_t shift = index / kSubBuckets - 1;
  const uint64_t mantissa = index - shift * kSubBuckets;
  return mantissa << shift;
}

uint64_t LatencyHistogram::bucket_highest_value(size_t index) {
  if (index < (size_t{1} << kExactBits)) return index;
  const uint64_t shift = index / kSubBuckets - 1;
  return bucket_lowest_value(index) + (uint64_t{1} << shift) - 1;
}

size_t LatencyHistogram::bucket_count() { return bucket_index(kMaxValue) + 1; }

void LatencyHistogram::record(uint64_t value) {
  value = std::min(value, kMaxValue);
  counts_[bucket_index(value)]++;
  count_++;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (size_t index = 0; index < counts_.size(); ++index) counts_[index] += other.counts_[index];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

uint64_t LatencyHistogram::value_at_quantile(double quantile) const {
  RINGKV_ASSERT(quantile >= 0 && quantile <= 1);
  if (count_ == 0) return 0;
  // The small slack keeps 0.99 * 100 at rank 99 despite binary rounding.
  const double exact_rank = quantile * static_cast<double>(count_) - 1e-9;
  const auto wanted = static_cast<uint64_t>(std::max(0.0, std::ceil(exact_rank)));
  const uint64_t rank = std::clamp<uint64_t>(wanted, 1, count_);
  uint64_t seen = 0;
  for (size_t index = 0; index < counts_.size(); ++index) {
    seen += counts_[index];
    if (seen >= rank) return std::min(bucket_highest_value(index), max_);
  }
  RINGKV_ASSERT_MSG(false, "histogram counts do not add up to count()");
  return max_;
}

}  // namespace ringkv::tools
