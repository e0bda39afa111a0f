// LamportClock: the node's logical counter. tick() before stamping a write;
// observe(seen) on every message. Never goes backwards, and never near 2^64: what it
// observes is at most kMaxVersionCounter (2^62; the codec drops peer messages above it)
// and it asserts that it stays below 2^63.
#pragma once

#include <algorithm>
#include <cstdint>

#include "core/assert.h"

namespace ringkv {

class LamportClock {
 public:
  explicit LamportClock(uint64_t start = 0) : counter_(start) {}

  static constexpr uint64_t kLimit = uint64_t{1} << 63;

  uint64_t tick() {
    RINGKV_ASSERT_MSG(counter_ + 1 < kLimit, "the Lamport clock reached 2^63");
    return ++counter_;
  }
  void observe(uint64_t seen) {
    RINGKV_ASSERT_MSG(seen < kLimit, "observed a Lamport counter at or above 2^63");
    counter_ = std::max(counter_, seen);
  }
  uint64_t current() const { return counter_; }

 private:
  uint64_t counter_;
};

}  // namespace ringkv
