// Anti-entropy: each round this node compares, with one peer, the Merkle trees of the keys
// they both replicate, descends only into differing nodes, and exchanges the entries of
// the differing leaves (LWW merge on both sides). Tombstones that a peer was seen to hold
// are confirmed; a tombstone is purged once every other replica confirmed it and the grace
// period has passed (tombstone_purge.cc). Work per message is bounded
// (docs/anti-entropy.md).
#include "core/node/anti_entropy.h"

namespace ringkv {
namespace {
constexpr size_t kMaxQueryIndices = 4096;           // tree nodes asked for in one MerkleQuery
constexpr size_t kMaxSyncLeaves = 16;               // leaves exchanged in one SyncEntries
constexpr uint32_t kMaxSyncBatchesPerSession = 64;  // so at most 1,024 leaves per round
constexpr uint64_t kSessionLifetimeIntervals = 4;
}  // namespace

AntiEntropy::AntiEntropy(NodeContext node, Replica replica, Prng& prng, Host& host, uint64_t now_ms)
    : node_(node),
      self_(std::move(replica.self)),
      ring_(replica.ring),
      store_(replica.store),
      index_(replica.index),
      prng_(prng),
      host_(host),
      next_round_ms_(now_ms + node_.config.anti_entropy_interval_ms) {}

void AntiEntropy::run_round(uint64_t now_ms, uint64_t interval_ms,
                            const std::set<NodeId>& pull_first) {
  next_round_ms_ = now_ms + interval_ms;
  const uint64_t lifetime_ms = kSessionLifetimeIntervals * node_.config.anti_entropy_interval_ms;
  std::erase_if(sessions_,
                [&](const auto& item) { return item.second.started_ms + lifetime_ms < now_ms; });
  purge_tombstones(now_ms);
  if (!index_.complete()) return;  // its trees miss keys: no session until it loaded
  // buggify: also try peers gossip considers down
  const bool any_peer = node_.simulation.buggify();
  std::vector<NodeId> peers;
  for (const NodeId& id : ring_.nodes()) {
    if (id == self_) continue;
    if (any_peer || node_.membership.status_of(id) == MemberStatus::kAlive) peers.push_back(id);
  }
  // Lost data: pull from the peers not pulled yet first.
  std::vector<NodeId> pending;
  for (const NodeId& id : peers) {
    if (pull_first.count(id)) pending.push_back(id);
  }
  if (!pending.empty()) peers = std::move(pending);
  if (peers.empty()) return;
  const NodeId& peer =
      any_peer ? peers[prng_.uniform(peers.size())] : peers[peer_cursor_++ % peers.size()];
  const uint64_t session = host_.new_op();
  sessions_[session] = Session{peer, now_ms};
  node_.metrics.anti_entropy_rounds++;
  host_.send(peer, MerkleQuery{session, 0, {0}});
}

void AntiEntropy::handle_merkle_query(const NodeId& from, const MerkleQuery& query) {
  if (query.level > MerkleTree::kDepth) return;
  // A tree missing keys (its scan failed) would tell a rebuilding peer it has pulled them.
  if (!index_.complete()) return;
  const MerkleTree& tree = index_.tree_for(from);
  MerkleHashes answer{query.session, query.level, {}, {}};
  const uint32_t width = MerkleTree::width(query.level);
  for (uint32_t index : query.indices) {
    if (index >= width || answer.indices.size() >= kMaxQueryIndices) continue;
    answer.indices.push_back(index);
    answer.hashes.push_back(tree.hash(query.level, index));
  }
  host_.hold(from, std::move(answer));  // after the sync: describes durable state
}

void AntiEntropy::handle_merkle_hashes(const NodeId& from, const MerkleHashes& hashes) {
  auto session = sessions_.find(hashes.session);
  if (session == sessions_.end() || session->second.peer != from) return;
  if (!index_.complete()) return;  // reloading since the session began
  if (hashes.level > MerkleTree::kDepth || hashes.indices.size() != hashes.hashes.size()) return;
  const MerkleTree& tree = index_.tree_for(from);
  const uint32_t width = MerkleTree::width(hashes.level);
  std::vector<uint32_t> differing, matching;
  for (size_t i = 0; i < hashes.indices.size(); ++i) {
    uint32_t index = hashes.indices[i];
    if (index >= width) continue;
    (tree.hash(hashes.level, index) == hashes.hashes[i] ? matching : differing).push_back(index);
  }
  confirm_tombstones(from, hashes.level, matching);
  host_.cover_leaves(from, hashes.level, matching);
  if (differing.empty()) {
    if (hashes.level == 0) node_.metrics.anti_entropy_in_sync++;
    sessions_.erase(session);
    return;
  }
  if (hashes.level < MerkleTree::kDepth) {
    MerkleQuery next{hashes.session, hashes.level + 1, {}};
    for (uint32_t index : differing) {
      for (uint32_t child = 0; child < MerkleTree::kFanout; ++child) {
        if (next.indices.size() < kMaxQueryIndices) {
          next.indices.push_back(index * MerkleTree::kFanout + child);
        }
      }
    }
    host_.send(from, std::move(next));
    return;
  }
  // The differing leaves go in batches: the next one when the peer's answer to this one
  // arrives (continue_sync), so one round repairs much without a large message.
  session->second.pending_leaves.assign(differing.begin(), differing.end());
  continue_sync(hashes.session);
}

void AntiEntropy::continue_sync(uint64_t session_id) {
  auto session = sessions_.find(session_id);
  if (session == sessions_.end()) return;
  Session& state = session->second;
  if (state.pending_leaves.empty() || state.batches_sent >= kMaxSyncBatchesPerSession) {
    sessions_.erase(session);  // the rest waits for the next round
    return;
  }
  std::vector<uint32_t> leaves;
  while (!state.pending_leaves.empty() && leaves.size() < kMaxSyncLeaves) {
    leaves.push_back(state.pending_leaves.front());
    state.pending_leaves.pop_front();
  }
  state.batches_sent++;
  std::vector<KeyedEntry> entries = entries_in_leaves(state.peer, leaves);
  SyncEntries sync{session_id, std::move(leaves), std::move(entries), true};
  node_.metrics.anti_entropy_entries_sent += sync.entries.size();
  node_.peer_activity[state.peer].repair_entries_sent += sync.entries.size();
  host_.send(state.peer, std::move(sync));
}

void AntiEntropy::handle_sync_entries(const NodeId& from, const SyncEntries& sync) {
  auto session = sessions_.find(sync.session);
  const bool ours = !sync.reply && session != sessions_.end() && session->second.peer == from;
  for (const KeyedEntry& item : sync.entries) {
    if (item.key.empty() || !index_.shares(item.key, from)) continue;  // not shared with us
    Result<ApplyResult> result = host_.apply_and_index(item.key, item.entry);
    if (!result.ok()) {
      node_.metrics.storage_errors++;
      return;  // stop: the reply would describe a state we could not reach
    }
    if (result->applied) {
      node_.metrics.anti_entropy_entries_applied++;
      node_.peer_activity[from].repair_entries_applied++;
    }
  }
  if (!sync.reply) {
    // The peer's answer to our batch: the next one, if this is our session with it. An
    // answer below the entry cap holds all the peer's shared entries of its leaves.
    if (!ours) return;
    if (sync.entries.size() < node_.config.anti_entropy_max_entries_per_message) {
      host_.cover_leaves(from, MerkleTree::kDepth, sync.leaves);
    }
    continue_sync(sync.session);
    return;
  }
  std::vector<uint32_t> leaves;
  for (uint32_t leaf : sync.leaves) {
    if (leaf < MerkleTree::kLeaves && leaves.size() < kMaxSyncLeaves) leaves.push_back(leaf);
  }
  std::vector<KeyedEntry> entries = entries_in_leaves(from, leaves);
  SyncEntries answer{sync.session, std::move(leaves), std::move(entries), false};
  node_.metrics.anti_entropy_entries_sent += answer.entries.size();
  if (!answer.entries.empty())
    node_.peer_activity[from].repair_entries_sent += answer.entries.size();
  host_.hold(from, std::move(answer));
}

// The entries in `leaves` that `peer` also replicates, at most
// anti_entropy_max_entries_per_message, each leaf one range scan of the ring-ordered store.
// A leaf with more shared entries than there is room for starts again at a random
// position inside it and wraps around, so that successive rounds cover all of it.
std::vector<KeyedEntry> AntiEntropy::entries_in_leaves(const NodeId& peer,
                                                       std::vector<uint32_t>& leaves) {
  std::vector<KeyedEntry> out;
  const size_t cap = node_.config.anti_entropy_max_entries_per_message;
  for (const uint32_t& leaf : leaves) {
    if (out.size() >= cap) break;
    const size_t begin = out.size();
    auto collect = [&](uint64_t position, std::string_view key, const Entry& entry) {
      if (out.size() >= cap) return false;
      if (index_.shares_at(position, peer)) out.push_back(KeyedEntry{Key(key), entry});
      return true;
    };
    const uint64_t first = MerkleTree::first_position(leaf);
    const uint64_t last = MerkleTree::last_position(leaf);
    Status scanned = store_.scan_positions(first, last, collect);
    if (scanned.ok() && out.size() >= cap) {
      out.resize(begin);  // oversized: from a random place instead
      const uint64_t start = first + prng_.uniform(last - first + 1);
      scanned = store_.scan_positions(start, last, collect);
      if (scanned.ok() && start > first) {
        scanned = store_.scan_positions(first, start - 1, collect);
      }
    }
    if (!scanned.ok()) {
      // The message names only the leaves it holds whole: a peer rebuilding lost data
      // takes a named leaf below the cap as pulled.
      node_.metrics.storage_errors++;
      out.resize(begin);
      leaves.resize(static_cast<size_t>(&leaf - leaves.data()));
      break;
    }
  }
  return out;
}

}  // namespace ringkv
