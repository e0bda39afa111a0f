// Invariant checkers over a run's history and final replica state. Each returns the first
// violation found, naming the invariant, the key, the op ids and the simulated time.
// Linear-ish per key: ops are sorted once per key, then scanned with prefix maxima.
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

// 3. Quorum read-after-write (and monotonic reads), per request quorum (Op::quorum):
//    a read with R returns a version >= every write with W > N - R acknowledged before it
//    started, and >= every read with R' <= R completed before it started; a write with W
//    that starts after a write with W' > N - W completed gets a higher version ("write
//    order"). Pairs whose quorums need not intersect are not compared.
//    5. No invention: every value read was written by a PUT invoked before the read ended.
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
