#include "core/node/replica_index.h"

#include <algorithm>

namespace ringkv {

void ReplicaIndex::reset(const Ring& ring, NodeId self, uint32_t replication_factor) {
  ring_ = &ring;
  self_ = std::move(self);
  replication_factor_ = replication_factor;
  for (auto& keys : leaf_keys_) keys.clear();
  trees_.clear();
  tombstones_.clear();
  key_count_ = 0;
  complete_ = false;
}

std::vector<NodeId> ReplicaIndex::peers_of(std::string_view key) const {
  std::vector<NodeId> peers = ring_->preference_list(key, replication_factor_);
  peers.erase(std::remove(peers.begin(), peers.end(), self_), peers.end());
  return peers;
}

bool ReplicaIndex::shares(std::string_view key, const NodeId& peer) const {
  auto list = ring_->preference_list(key, replication_factor_);
  return std::find(list.begin(), list.end(), peer) != list.end() &&
         std::find(list.begin(), list.end(), self_) != list.end();
}

const MerkleTree& ReplicaIndex::tree_for(const NodeId& peer) const {
  auto it = trees_.find(peer);
  return it == trees_.end() ? empty_tree_ : it->second;
}

void ReplicaIndex::on_change(std::string_view key, const std::optional<Entry>& before,
                             const std::optional<Entry>& after, uint64_t now_ms) {
  if (before == after) return;
  const uint32_t leaf = MerkleTree::leaf_of(key);
  uint64_t delta = 0;
  if (before) delta ^= MerkleTree::digest(key, *before);
  if (after) delta ^= MerkleTree::digest(key, *after);
  auto list = ring_->preference_list(key, replication_factor_);
  if (std::find(list.begin(), list.end(), self_) != list.end()) {
    for (const NodeId& peer : list) {
      if (peer != self_) trees_[peer].toggle(leaf, delta);
    }
  }
  auto& keys = leaf_keys_[leaf];
  if (after && !before) {
    keys.emplace(key);
    key_count_++;
  } else if (!after && before) {
    if (auto it = keys.find(key); it != keys.end()) keys.erase(it);
    key_count_--;
  }
  auto tombstone = tombstones_.find(key);
  if (after && after->tombstone) {
    if (tombstone == tombstones_.end() || tombstone->second.version != after->version) {
      tombstones_[std::string(key)] = Tombstone{after->version, now_ms, {}};
    }
  } else if (tombstone != tombstones_.end()) {
    tombstones_.erase(tombstone);
  }
}

}  // namespace ringkv
