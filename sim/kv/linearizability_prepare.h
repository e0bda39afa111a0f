// Preparation of one key's history for the black-box linearizability search
// (linearizability.h): which ops take part, the register states, and the sound
// simplifications that bound each op (each argued where it is made). Internal.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "sim/kv/linearizability.h"

namespace ringkv::sim::linearizability_detail {

// Register states: kAbsent, or 1 + the index of the PUT (of this key) that wrote the value.
constexpr uint32_t kAbsent = 0;
// A value that no remaining read returns: every such value is equivalent for the future of
// the search (no read can observe it, and it may be overwritten), so the cache folds them.
constexpr uint32_t kUnreadableValue = std::numeric_limits<uint32_t>::max() - 1;
constexpr uint32_t kNoOp = std::numeric_limits<uint32_t>::max();
constexpr uint64_t kForever = std::numeric_limits<uint64_t>::max();

enum class Effect : uint8_t { kRead, kPut, kDelete };

// One op that takes part in the search of its key, after the simplifications.
struct SearchOp {
  const Op* op = nullptr;
  Effect effect = Effect::kRead;
  uint32_t state = kAbsent;  // read: the state it returned; write: the state it leaves
  bool optional = false;     // may never take effect: dropped when the search reaches its bound
  uint64_t invoke_ms = 0;
  uint64_t bound_ms = 0;  // the latest instant it may take effect
};

struct PreparedKey {
  std::vector<SearchOp> ops;                    // in op id order
  std::vector<const Op*> writer_of_state;       // [0] (absent) is null
  std::optional<KeyLinearizability> violation;  // found before any search
};

// "op 57 (GET returned \"c2.14\")", for reports.
std::string describe_op(const Op& op);

// The search ops of one key (all ops of the key, in id order, for replication factor n),
// or the violation found without searching.
PreparedKey prepare_key(const std::vector<const Op*>& ops, uint32_t n);

}  // namespace ringkv::sim::linearizability_detail
