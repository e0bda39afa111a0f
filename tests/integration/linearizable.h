// The consistency verdict the real-process tests share: both of the simulator's checkers
// (white box on versions, black box on values) on a recorded history; the black box must
// reach a verdict for every key (an "unknown" proves nothing, so it fails the test too).
#pragma once

#include <gtest/gtest.h>

#include <optional>

#include "sim/kv/checkers.h"
#include "sim/kv/history.h"
#include "sim/kv/linearizability.h"

namespace ringkv::integration {

inline void expect_linearizable(const sim::History& history) {
  ASSERT_FALSE(history.ops.empty());
  std::optional<sim::Violation> white_box = sim::check_history(history, 3);
  EXPECT_FALSE(white_box.has_value())
      << white_box->invariant << " on " << white_box->key << ": " << white_box->detail;
  sim::LinearizabilityReport black_box = sim::check_linearizability(history, 3);
  for (const sim::KeyLinearizability& key : black_box.keys) {
    EXPECT_EQ(key.verdict, sim::LinearizabilityVerdict::kLinearizable)
        << "key " << key.key << " after " << key.steps << " steps: " << key.detail;
  }
}

}  // namespace ringkv::integration
