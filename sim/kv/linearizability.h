// Black-box linearizability checker for the history of a run: each key is a register
// (absent or one value; PUT sets, DELETE clears, GET reads). Wing & Gong backtracking search
// with Lowe's memoization, per key (P-compositionality), bounded in steps: a key that needs
// more than max_steps_per_key is reported unknown instead of hanging. Pure and deterministic.
//
// Which ops take part, for replication factor N:
//   - a GET with R quorum is strong iff 2R >= N; a PUT/DELETE with W iff 2W > N;
//   - strong GETs that returned kOk or kNotFound must take effect within [invoke, complete];
//     other GETs are ignored;
//   - strong writes that returned kOk must take effect within [invoke, complete];
//   - every other write (weak, failed, indeterminate, pending) is optional: it takes effect
//     at one instant at or after invoke (no upper bound), or never.
// Op A precedes op B iff A.complete_ms < B.invoke_ms; equal times are concurrent.
// Precondition (the simulator's): every PUT writes a distinct value, so a value read names
// its PUT; a read of a value that no PUT of its key wrote is a violation by itself.
// Cost: about one step per op on histories from a correct store; a violation may need many
// more (every order of the ops before it), hence the bound.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/kv/history.h"

namespace ringkv::sim {

enum class LinearizabilityVerdict : uint8_t { kLinearizable, kViolation, kUnknown };
const char* linearizability_verdict_name(LinearizabilityVerdict verdict);

struct LinearizabilityOptions {
  uint64_t max_steps_per_key = 2'000'000;  // steps: attempted moves plus backtracks
};

struct KeyLinearizability {
  Key key;
  LinearizabilityVerdict verdict = LinearizabilityVerdict::kLinearizable;
  uint64_t steps = 0;
  // On a violation: the op that could not be placed first; then the read that kept it out
  // and the op it had to follow (if the detail names them), the ops linearized just before
  // it at the deepest point of the search, and the ops concurrent with it (at most 10).
  // For a read that no linearization can explain by itself: the read (and the PUT).
  std::vector<uint64_t> op_ids;
  uint64_t time_ms = 0;  // the latest instant the op could take effect (where it got stuck)
  std::string detail;    // one line, e.g. `no linearization: op 57 (GET returned "c2.14")...`
};

struct LinearizabilityReport {
  std::vector<KeyLinearizability> keys;  // one per key of the history, in key order

  // The first key (in key order) with a violation, if any.
  std::optional<KeyLinearizability> first_violation() const;
  // Keys whose search hit max_steps_per_key.
  size_t unknown_keys() const;
  uint64_t total_steps() const;
};

LinearizabilityReport check_linearizability(const History& history, uint32_t replication_factor,
                                            const LinearizabilityOptions& options = {});

}  // namespace ringkv::sim
