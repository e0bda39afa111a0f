// Membership: the gossip table of one node. Rows merge as a CRDT join (keep the row with
// the higher (incarnation, heartbeat); ties broken by address then status), so tables
// converge whatever order gossip arrives in. Liveness (alive/suspect/down) is judged on the
// local clock: how long since a row's heartbeat last advanced here. Pure; owned by Node.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/messages.h"

namespace ringkv {

// Rows claiming more restarts or rounds than this are invalid and ignored (a real node
// never gets near them; accepting UINT64_MAX would leave no room to step past it).
inline constexpr uint64_t kMaxIncarnation = uint64_t{1} << 48;
inline constexpr uint64_t kMaxHeartbeat = uint64_t{1} << 62;

// The CRDT join of two rows for the same node: the larger by (incarnation, heartbeat,
// address, status). Commutative, associative, idempotent.
const MemberRow& merge_rows(const MemberRow& a, const MemberRow& b);

class Membership {
 public:
  struct Timing {
    uint64_t suspect_after_ms;
    uint64_t dead_after_ms;
  };

  Membership(MemberRow self, Timing timing, size_t max_nodes, uint64_t now_ms);

  // Adds a configured peer (heartbeat 0) if unknown. Returns false when the table is full.
  bool add_seed(const NodeId& id, const std::string& address, uint64_t now_ms);
  // Merges a remote table. Returns true when the set of known node ids changed. Rows
  // about other nodes merge as a join (order does not matter). A row about this node
  // newer than our own (a previous life) makes us step to a higher incarnation; our row
  // then dominates every row about us seen so far (the exact incarnation reached may
  // depend on the order such rows arrive in).
  bool merge(const std::vector<MemberRow>& rows, uint64_t now_ms);
  // Bumps our own heartbeat (one gossip round).
  void beat();
  // Re-judges liveness of every other node on the local clock.
  void update_liveness(uint64_t now_ms);

  // All rows, sorted by node id; our own first-class row included, statuses local.
  std::vector<MemberRow> rows() const;
  std::vector<NodeId> node_ids() const;
  MemberStatus status_of(const NodeId& id) const;  // unknown ids are kDown
  const MemberRow& self() const { return self_; }
  size_t size() const { return others_.size() + 1; }

 private:
  struct Tracked {
    MemberRow row;
    uint64_t last_advance_ms;  // local time the (incarnation, heartbeat) last went up
  };
  MemberRow self_;
  Timing timing_;
  size_t max_nodes_;
  std::map<NodeId, Tracked> others_;
};

}  // namespace ringkv
