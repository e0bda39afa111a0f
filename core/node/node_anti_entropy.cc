// Anti-entropy: each round this node compares, with one peer, the Merkle trees of the keys
// they both replicate, descends only into differing nodes, and exchanges the entries of
// the differing leaves (LWW merge on both sides). Tombstones that a peer was seen to hold
// are confirmed; a tombstone is purged once every other replica confirmed it and the grace
// period has passed. Work per message is bounded (docs/anti-entropy.md).
#include <algorithm>
#include <set>

#include "core/node/node.h"
#include "core/node/side_records.h"

namespace ringkv {
namespace {
constexpr size_t kMaxQueryIndices = 4096;     // tree nodes asked for in one MerkleQuery
constexpr size_t kMaxSyncLeaves = 16;         // leaves exchanged in one SyncEntries
constexpr uint32_t kMaxSyncBatchesPerSession = 64;  // so at most 1,024 leaves per round
constexpr size_t kMaxPurgesPerRound = 256;    // tombstones purged per anti-entropy round
constexpr uint64_t kSessionLifetimeIntervals = 4;
}  // namespace

void Node::anti_entropy_round(uint64_t now_ms) {
  next_anti_entropy_ms_ = now_ms + (rebuild_ ? std::min(config_.anti_entropy_interval_ms,
                                                        kRebuildRoundMs)
                                             : config_.anti_entropy_interval_ms);
  if (!index_complete_) rebuild_index();  // the last rebuild hit a read error
  check_rebuilt();  // a lease write that failed is retried here
  const uint64_t lifetime_ms = kSessionLifetimeIntervals * config_.anti_entropy_interval_ms;
  std::erase_if(anti_entropy_sessions_, [&](const auto& item) {
    return item.second.started_ms + lifetime_ms < now_ms;
  });
  purge_tombstones(now_ms);
  const bool any_peer = buggify();  // buggify: also try peers gossip considers down
  std::vector<NodeId> peers;
  for (const NodeId& id : ring_.nodes()) {
    if (id == self_.id) continue;
    if (any_peer || membership_.status_of(id) == MemberStatus::kAlive) peers.push_back(id);
  }
  if (rebuild_) {
    // Lost data: pull from the peers not pulled yet first.
    std::vector<NodeId> pending;
    for (const NodeId& id : peers) {
      if (!fully_covered(id)) pending.push_back(id);
    }
    if (!pending.empty()) peers = std::move(pending);
  }
  if (peers.empty()) return;
  const NodeId& peer = any_peer ? peers[prng_.uniform(peers.size())]
                                : peers[anti_entropy_cursor_++ % peers.size()];
  const uint64_t session = new_op();
  anti_entropy_sessions_[session] = AntiEntropySession{peer, now_ms};
  metrics_.anti_entropy_rounds++;
  send(peer, MerkleQuery{session, 0, {0}});
}

void Node::handle_merkle_query(const NodeId& from, const MerkleQuery& query) {
  if (query.level > MerkleTree::kDepth) return;
  // A tree missing keys (its scan failed) would tell a rebuilding peer it has pulled them.
  if (!index_complete_) return;
  const MerkleTree& tree = index_.tree_for(from);
  MerkleHashes answer{query.session, query.level, {}, {}};
  const uint32_t width = MerkleTree::width(query.level);
  for (uint32_t index : query.indices) {
    if (index >= width || answer.indices.size() >= kMaxQueryIndices) continue;
    answer.indices.push_back(index);
    answer.hashes.push_back(tree.hash(query.level, index));
  }
  hold(from, std::move(answer));  // after the sync: describes durable state
}

void Node::handle_merkle_hashes(const NodeId& from, const MerkleHashes& hashes) {
  auto session = anti_entropy_sessions_.find(hashes.session);
  if (session == anti_entropy_sessions_.end() || session->second.peer != from) return;
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
  cover_leaves(from, hashes.level, matching);
  if (differing.empty()) {
    if (hashes.level == 0) metrics_.anti_entropy_in_sync++;
    anti_entropy_sessions_.erase(session);
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
    send(from, std::move(next));
    return;
  }
  // The differing leaves go in batches: the next one when the peer's answer to this one
  // arrives (continue_sync), so one round repairs much without a large message.
  session->second.pending_leaves.assign(differing.begin(), differing.end());
  continue_sync(hashes.session);
}

void Node::continue_sync(uint64_t session_id) {
  auto session = anti_entropy_sessions_.find(session_id);
  if (session == anti_entropy_sessions_.end()) return;
  AntiEntropySession& state = session->second;
  if (state.pending_leaves.empty() || state.batches_sent >= kMaxSyncBatchesPerSession) {
    anti_entropy_sessions_.erase(session);  // the rest waits for the next round
    return;
  }
  std::vector<uint32_t> leaves;
  while (!state.pending_leaves.empty() && leaves.size() < kMaxSyncLeaves) {
    leaves.push_back(state.pending_leaves.front());
    state.pending_leaves.pop_front();
  }
  state.batches_sent++;
  SyncEntries sync{session_id, leaves, entries_in_leaves(state.peer, leaves), true};
  metrics_.anti_entropy_entries_sent += sync.entries.size();
  peer_activity_[state.peer].repair_entries_sent += sync.entries.size();
  send(state.peer, std::move(sync));
}

void Node::handle_sync_entries(const NodeId& from, const SyncEntries& sync) {
  auto session = anti_entropy_sessions_.find(sync.session);
  const bool ours = !sync.reply && session != anti_entropy_sessions_.end() &&
                    session->second.peer == from;
  for (const KeyedEntry& item : sync.entries) {
    if (item.key.empty() || !index_.shares(item.key, from)) continue;  // not shared with us
    Result<ApplyResult> result = apply_and_index(item.key, item.entry);
    if (!result.ok()) {
      metrics_.storage_errors++;
      return;  // stop: the reply would describe a state we could not reach
    }
    if (result->applied) {
      metrics_.anti_entropy_entries_applied++;
      peer_activity_[from].repair_entries_applied++;
    }
  }
  if (!sync.reply) {
    // The peer's answer to our batch: the next one, if this is our session with it. An
    // answer below the entry cap holds all the peer's shared entries of its leaves.
    if (!ours) return;
    if (sync.entries.size() < config_.anti_entropy_max_entries_per_message) {
      cover_leaves(from, MerkleTree::kDepth, sync.leaves);
    }
    continue_sync(sync.session);
    return;
  }
  std::vector<uint32_t> leaves;
  for (uint32_t leaf : sync.leaves) {
    if (leaf < MerkleTree::kLeaves && leaves.size() < kMaxSyncLeaves) leaves.push_back(leaf);
  }
  SyncEntries answer{sync.session, leaves, entries_in_leaves(from, leaves), false};
  metrics_.anti_entropy_entries_sent += answer.entries.size();
  if (!answer.entries.empty()) peer_activity_[from].repair_entries_sent += answer.entries.size();
  hold(from, std::move(answer));
}

// The entries in `leaves` that `peer` also replicates, at most
// anti_entropy_max_entries_per_message. A leaf with more shared keys than that starts at
// a random key, so that successive rounds cover all of it.
std::vector<KeyedEntry> Node::entries_in_leaves(const NodeId& peer,
                                                const std::vector<uint32_t>& leaves) {
  std::vector<KeyedEntry> out;
  const size_t cap = config_.anti_entropy_max_entries_per_message;
  for (uint32_t leaf : leaves) {
    std::vector<const std::string*> keys;
    for (const std::string& key : index_.keys_in_leaf(leaf)) {
      if (index_.shares(key, peer)) keys.push_back(&key);
    }
    const size_t room = cap - out.size();
    const size_t start = keys.size() > room ? prng_.uniform(keys.size()) : 0;
    for (size_t i = 0; i < keys.size() && out.size() < cap; ++i) {
      const std::string& key = *keys[(start + i) % keys.size()];
      Result<std::optional<Entry>> entry = store_.get(key);
      if (!entry.ok()) {
        metrics_.storage_errors++;
        continue;
      }
      if (*entry) out.push_back(KeyedEntry{key, **entry});
    }
    if (out.size() >= cap) break;
  }
  return out;
}

void Node::confirm_tombstones(const NodeId& peer, uint32_t level,
                              const std::vector<uint32_t>& indices) {
  if (indices.empty()) return;
  const std::set<uint32_t> matched(indices.begin(), indices.end());
  const uint32_t leaves_per_node = MerkleTree::kLeaves / MerkleTree::width(level);
  for (auto& [key, tombstone] : index_.tombstones()) {
    uint32_t node = MerkleTree::leaf_of(key) / leaves_per_node;
    if (matched.count(node) && index_.shares(key, peer)) tombstone.confirmed_by.insert(peer);
  }
}

void Node::purge_tombstones(uint64_t now_ms) {
  std::vector<std::pair<std::string, Version>> due;
  for (const auto& [key, tombstone] : index_.tombstones()) {
    if (due.size() >= kMaxPurgesPerRound) break;
    if (now_ms < tombstone.first_seen_ms + config_.tombstone_grace_ms) continue;
    auto peers = index_.peers_of(key);
    const std::set<NodeId>& confirmed = tombstone.confirmed_by;
    bool all_confirmed = std::all_of(peers.begin(), peers.end(), [&](const NodeId& peer) {
      return confirmed.count(peer) > 0;
    });
    if (all_confirmed || bug(InjectedBug::kResurrectAfterPurge)) {
      due.emplace_back(key, tombstone.version);
    }
  }
  for (const auto& [key, version] : due) {
    if (!store_.purge_tombstone(key, version).ok()) {
      metrics_.storage_errors++;
      continue;
    }
    index_.on_change(key, Entry{version, true, {}}, std::nullopt, now_ms);
    if (!bug(InjectedBug::kResurrectAfterPurge)) record_purge_floor(key, version, now_ms);
    metrics_.tombstones_purged++;
    if (purges_.size() < kMaxPurgesPerRound * 4) purges_.emplace_back(key, version);
  }
  expire_purge_floors(now_ms);
}

// The floor outlives every stale copy of the key: hints expire after max_hint_age_ms (less
// than the grace), requests after their timeout; it is kept one grace period more.
void Node::record_purge_floor(const std::string& key, const Version& version, uint64_t now_ms) {
  purged_[key] = PurgeFloor{version, now_ms};
  if (!hints_) return;  // in memory only (a node without a side store: tests)
  if (!hints_->apply(side_key("", key), encode_floor(version, now_ms)).ok()) {
    metrics_.storage_errors++;
    return;
  }
  hints_dirty_ = true;
}

void Node::expire_purge_floors(uint64_t now_ms) {
  for (auto it = purged_.begin(); it != purged_.end();) {
    // A purge time ahead of this clock (a host reboot restarted it) restarts the period.
    if (it->second.purged_ms > now_ms) it->second.purged_ms = now_ms;
    if (now_ms - it->second.purged_ms < config_.tombstone_grace_ms) {
      ++it;
      continue;
    }
    if (hints_) {
      const std::string stored_key = side_key("", it->first);
      const Version version = it->second.version;
      if (!hints_->apply(stored_key, Entry{version, true, {}}).ok() ||
          !hints_->purge_tombstone(stored_key, version).ok()) {
        metrics_.storage_errors++;
        ++it;
        continue;
      }
      hints_dirty_ = true;
    }
    metrics_.purge_floors_expired++;
    it = purged_.erase(it);
  }
}

}  // namespace ringkv
