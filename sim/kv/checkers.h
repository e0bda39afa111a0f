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
//    version (writes at or below a purged tombstone of the key excepted: a delete won),
//    and an acknowledged write at exactly the winning version left its value. A weak
//    write (2W <= N) acknowledged before a disk wipe may be gone: its only copy may have
//    been on the lost disk; so may one acknowledged before a node removed while it ran
//    stopped serving (it acknowledged weak writes alone, still taking itself for a replica).
std::optional<Violation> check_durability(const History& history,
                                          const std::map<Key, ReplicaState>& final_state,
                                          uint32_t replication_factor, uint64_t now_ms);

// 2. Convergence: every replica of each key holds the same entry.
std::optional<Violation> check_convergence(const std::map<Key, ReplicaState>& final_state,
                                           uint64_t now_ms);

// 6. Liveness: every op invoked at or after `from_ms` (the heal) got an answer, and every
//    op invoked at or after `settled_ms` succeeded (a 503 in a healed, settled cluster is a
//    failure, not an answer), with two exceptions: overloaded refusals when the run set a
//    tiny limit, and contended strong reads: a strong read answers only once a majority
//    holds exactly its winner, so writes to its key that keep arriving during its write-back
//    can run it out of time (docs/consistency.md). Such a read must have overlapped a write
//    to its key; they are counted in `*contended_reads`, and more than half of the settled
//    reads of a key failing that way is still a violation (starvation, not contention).
std::optional<Violation> check_liveness(const History& history, uint64_t from_ms,
                                        uint64_t settled_ms, bool overload_expected,
                                        uint64_t* contended_reads = nullptr);

}  // namespace ringkv::sim
