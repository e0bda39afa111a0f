// Invariant checkers over a run's history and final replica state. Each returns the first
// violation found, naming the invariant, the key, the op ids and the simulated time.
// O(n log n) per key: ops are sorted once per key, then scanned.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/entry.h"
#include "sim/kv/history.h"

namespace ringkv::sim {

struct Violation {
  std::string invariant;
  Key key;
  std::vector<uint64_t> op_ids;
  uint64_t time_ms = 0;
  std::string detail;
};

// 3. Linearizability, white box (per key, from the versions the ops report):
//    - each value is seen at exactly one version and each version holds one content
//      (a write is stamped once);
//    - strong ops respect real time: if A returned before B was called, version(A) <=
//      version(B), strictly when B is a write. Strong = 2W > N for writes, 2R >= N for
//      reads (Op::quorum); weak reads are excluded, weak and failed writes are
//      indeterminate (they may appear late, but at one version only).
//    5. No invention: every value read was written by a PUT invoked before the read ended.
//    The black-box check (values only) is check_linearizability() in linearizability.h.
std::optional<Violation> check_history(const History& history, uint32_t replication_factor);

// What each live replica holds for a key at the end: node name -> entry (absent: none).
using ReplicaState = std::map<std::string, std::optional<Entry>>;

// 1. Durability: the winning entry of each key has a version >= every acknowledged write's
//    version, and an acknowledged write at exactly the winning version left its value.
std::optional<Violation> check_durability(const History& history,
                                          const std::map<Key, ReplicaState>& final_state,
                                          uint64_t now_ms);

// 2. Convergence: every replica of each key holds the same entry.
std::optional<Violation> check_convergence(const std::map<Key, ReplicaState>& final_state,
                                           uint64_t now_ms);

// 6. Liveness: every op invoked at or after `from_ms` got an answer.
std::optional<Violation> check_liveness(const History& history, uint64_t from_ms);

}  // namespace ringkv::sim
