// LamportClock: the node's logical counter. tick() before stamping a write;
// observe(seen) on every message and client context. Never goes backwards.
#pragma once

#include <algorithm>
#include <cstdint>

namespace ringkv {

class LamportClock {
 public:
  explicit LamportClock(uint64_t start = 0) : counter_(start) {}

  uint64_t tick() { return ++counter_; }
  void observe(uint64_t seen) { counter_ = std::max(counter_, seen); }
  uint64_t current() const { return counter_; }

 private:
  uint64_t counter_;
};

}  // namespace ringkv
