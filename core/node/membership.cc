#include "core/node/membership.h"

#include <tuple>

#include "core/assert.h"

namespace ringkv {
namespace {
// Status comes last: it is informational on the wire (receivers judge liveness locally),
// so it may only break a tie between rows that agree on everything else.
auto row_rank(const MemberRow& r) {
  return std::tie(r.incarnation, r.heartbeat, r.address, r.status);
}
}  // namespace

const MemberRow& merge_rows(const MemberRow& a, const MemberRow& b) {
  RINGKV_ASSERT(a.node_id == b.node_id);
  return row_rank(a) >= row_rank(b) ? a : b;
}

Membership::Membership(MemberRow self, Timing timing, size_t max_nodes, uint64_t now_ms)
    : self_(std::move(self)), timing_(timing), max_nodes_(max_nodes) {
  (void)now_ms;
  self_.status = MemberStatus::kAlive;
}

bool Membership::add_seed(const NodeId& id, const std::string& address, uint64_t now_ms) {
  if (id == self_.node_id || others_.count(id)) return true;
  if (size() >= max_nodes_) return false;
  others_.emplace(id, Tracked{MemberRow{id, address, 0, 0, MemberStatus::kAlive}, now_ms});
  return true;
}

bool Membership::merge(const std::vector<MemberRow>& rows, uint64_t now_ms) {
  bool changed = false;
  for (const MemberRow& row : rows) {
    if (!valid_node_id(row.node_id)) continue;
    if (row.incarnation > kMaxIncarnation || row.heartbeat > kMaxHeartbeat) continue;
    if (row.node_id == self_.node_id) {
      // Somebody remembers a later life of ours (we restarted without our incarnation):
      // step past it so our fresh heartbeats win again.
      if (std::tie(row.incarnation, row.heartbeat) >
          std::tie(self_.incarnation, self_.heartbeat)) {
        self_.incarnation = row.incarnation + 1;
        self_.heartbeat = 0;
      }
      continue;
    }
    auto it = others_.find(row.node_id);
    if (it == others_.end()) {
      if (size() >= max_nodes_) continue;  // named limit: max_cluster_nodes
      MemberRow fresh = row;
      fresh.status = MemberStatus::kAlive;  // judged locally from now on
      others_.emplace(row.node_id, Tracked{fresh, now_ms});
      changed = true;
      continue;
    }
    MemberRow& mine = it->second.row;
    const bool advanced = std::tie(row.incarnation, row.heartbeat) >
                          std::tie(mine.incarnation, mine.heartbeat);
    MemberStatus local_status = mine.status;
    mine = merge_rows(mine, row);
    mine.status = local_status;  // liveness is always judged locally
    if (advanced) it->second.last_advance_ms = now_ms;
  }
  return changed;
}

void Membership::beat() { self_.heartbeat++; }

void Membership::update_liveness(uint64_t now_ms) {
  for (auto& [id, tracked] : others_) {
    uint64_t silence_ms = now_ms > tracked.last_advance_ms ? now_ms - tracked.last_advance_ms : 0;
    if (silence_ms >= timing_.dead_after_ms) {
      tracked.row.status = MemberStatus::kDown;
    } else if (silence_ms >= timing_.suspect_after_ms) {
      tracked.row.status = MemberStatus::kSuspect;
    } else {
      tracked.row.status = MemberStatus::kAlive;
    }
  }
}

std::vector<MemberRow> Membership::rows() const {
  std::vector<MemberRow> out;
  out.reserve(size());
  bool self_written = false;
  for (const auto& [id, tracked] : others_) {
    if (!self_written && self_.node_id < id) {
      out.push_back(self_);
      self_written = true;
    }
    out.push_back(tracked.row);
  }
  if (!self_written) out.push_back(self_);
  return out;
}

std::vector<NodeId> Membership::node_ids() const {
  std::vector<NodeId> ids;
  for (const MemberRow& row : rows()) ids.push_back(row.node_id);
  return ids;
}

MemberStatus Membership::status_of(const NodeId& id) const {
  if (id == self_.node_id) return MemberStatus::kAlive;
  auto it = others_.find(id);
  return it == others_.end() ? MemberStatus::kDown : it->second.row.status;
}

}  // namespace ringkv
