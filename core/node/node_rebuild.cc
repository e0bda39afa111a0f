// Lost data (docs/lost-data.md). A node that starts on a blank store (a wiped disk; a
// first boot looks the same) may have acknowledged writes it no longer holds, so its
// answers would break the quorum intersection that strong operations rely on: a version
// query or a read answered "nothing" by it, together with one replica that missed the
// write, would miss an acknowledged value. Until it has pulled every peer's data it
// therefore answers no read and no version query; it still accepts and acknowledges
// writes (what it acknowledges it holds). Pulling is anti-entropy: a leaf of a peer's
// shared tree counts as pulled once a Merkle comparison found it equal to this node's, or
// once the peer's entries for it arrived untruncated. Coverage accumulates over rounds
// (what arrives later is a write made after the loss, which the quorums handle), and
// restarts with the ring. The Lamport clock must also climb above every counter stamped
// in the lost life before the node stamps again: every peer's clock is (a counter the
// peer stored was observed by it), so the node stamps once it has heard from every peer.
#include <algorithm>

#include "core/node/node.h"

namespace ringkv {

void Node::enter_rebuild(bool clock_restored) {
  rebuild_ = Rebuild{};
  anti_entropy_.hasten_next_round(now_ms_ + kRebuildRoundMs);
  rebuild_->clock_restored =
      clock_restored || (keeper_->formed() && ring_.nodes().size() <= 1);  // no peers
  if (!clock_restored) {
    // The incarnation went with the disk, so op ids of the lost life may come back: start
    // from a random base instead, far from every (incarnation << 40) range in use.
    next_op_ = (prng_.next_u64() | (uint64_t{1} << 63)) & ~uint64_t{0xffffffff};
  }
  if (!persist_lease(lamport_lease_)) return;  // retried by the next lease write
  check_rebuilt();  // a node without peers has nothing to pull
}

void Node::anti_entropy_round(uint64_t now_ms) {
  const uint64_t interval_ms = rebuild_ ? std::min(config_.anti_entropy_interval_ms,
                                                   kRebuildRoundMs)
                                        : config_.anti_entropy_interval_ms;
  if (!index_.complete() && !index_.loading()) {  // the last load failed: again
    rebuild_index();
    load_index_step();
  }
  check_rebuilt();  // a lease write that failed is retried here
  std::set<NodeId> not_pulled;  // pulled from first
  if (rebuild_) {
    for (const NodeId& id : ring_.nodes()) {
      if (id != self_.id && !fully_covered(id)) not_pulled.insert(id);
    }
  }
  anti_entropy_.run_round(now_ms, interval_ms, not_pulled);
}

void Node::note_heard(const NodeId& from) {
  rebuild_->heard.insert(from);
  if (!keeper_->formed()) return;  // counted once the ring says who the peers are
  for (const NodeId& id : ring_.nodes()) {
    if (id != self_.id && !rebuild_->heard.count(id)) return;
  }
  rebuild_->clock_restored = true;  // persisted with the next lease
  check_rebuilt();
}

void Node::cover_leaves(const NodeId& peer, uint32_t level,
                        const std::vector<uint32_t>& indices) {
  if (!rebuild_ || level > MerkleTree::kDepth) return;
  std::vector<bool>& leaves = rebuild_->covered[peer];
  leaves.resize(MerkleTree::kLeaves, false);
  for (uint32_t index : indices) {
    if (index >= MerkleTree::width(level)) continue;
    const uint32_t end = MerkleTree::end_leaf(level, index);
    for (uint32_t leaf = MerkleTree::first_leaf(level, index); leaf < end; ++leaf) {
      leaves[leaf] = true;
    }
  }
  if (fully_covered(peer)) check_rebuilt();
}

bool Node::fully_covered(const NodeId& peer) const {
  auto it = rebuild_->covered.find(peer);
  if (it == rebuild_->covered.end()) return false;
  return std::all_of(it->second.begin(), it->second.end(), [](bool pulled) { return pulled; });
}

void Node::check_rebuilt() {
  if (!rebuild_ || !keeper_->formed()) return;
  // Stamping waits for the clock floor in every case (an id that left may join again:
  // its earlier life's counters are on the peers). A joining member's data comes from
  // streaming, not from a rebuild.
  if (!rebuild_->clock_restored) return;
  if (keeper_->self_state() != MemberState::kJoining) {
    for (const NodeId& id : ring_.nodes()) {
      if (id != self_.id && !fully_covered(id)) return;
    }
  }
  // Everything pulled so far is applied; the lease write syncs it before the first answer.
  std::optional<Rebuild> was = std::move(rebuild_);
  rebuild_.reset();
  if (!persist_lease(std::max(lamport_lease_, clock_.current()) + 1)) {
    rebuild_ = std::move(was);  // retried at the next coverage or round
    return;
  }
  metrics_.data_rebuilds++;
}

std::string Node::rebuild_progress() const {
  if (!rebuild_) return "complete";
  std::string pulled, waiting;
  for (const NodeId& id : ring_.nodes()) {
    if (id == self_.id) continue;
    if (fully_covered(id)) {
      pulled += (pulled.empty() ? "" : ", ") + id;
      continue;
    }
    size_t count = 0;
    if (auto it = rebuild_->covered.find(id); it != rebuild_->covered.end()) {
      count = static_cast<size_t>(std::count(it->second.begin(), it->second.end(), true));
    }
    waiting += (waiting.empty() ? "" : ", ") + id + " (" +
               std::to_string(count * 100 / MerkleTree::kLeaves) + "% of leaves)";
  }
  std::string out = "rebuilding lost data: ";
  if (!pulled.empty()) out += "pulled from " + pulled + "; ";
  out += waiting.empty() ? std::string("nothing left to pull") : "waiting for " + waiting;
  if (!rebuild_->clock_restored) out += "; Lamport clock not restored yet (no writes)";
  return out;
}

}  // namespace ringkv
