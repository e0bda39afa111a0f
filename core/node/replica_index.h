// ReplicaIndex: what anti-entropy needs to know about this node's store, kept in memory
// and updated on every apply: the keys in each Merkle leaf, one MerkleTree per peer over
// the keys that peer also replicates, and the tombstones with their purge bookkeeping.
// Rebuilt from a store scan at start and whenever the ring changes. Owned by Node.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/node/merkle_tree.h"
#include "core/ring.h"

namespace ringkv {

class ReplicaIndex {
 public:
  struct Tombstone {
    Version version;
    uint64_t first_seen_ms = 0;       // local time this node first held it
    std::set<NodeId> confirmed_by;    // peers that anti-entropy saw holding it (or newer)
  };

  // Forgets everything; `ring` must outlive the index until the next reset.
  void reset(const Ring& ring, NodeId self, uint32_t replication_factor);
  // The store scan that refills the index after reset() saw every key. Until then the
  // trees miss keys: anti-entropy would never repair them, and a rebuilding peer would
  // take a matching hash for data it has pulled.
  void mark_complete() { complete_ = true; }
  bool complete() const { return complete_; }
  // Records that the store's entry for `key` went from `before` to `after`.
  void on_change(std::string_view key, const std::optional<Entry>& before,
                 const std::optional<Entry>& after, uint64_t now_ms);

  // Replicas of `key` other than this node.
  std::vector<NodeId> peers_of(std::string_view key) const;
  bool shares(std::string_view key, const NodeId& peer) const;
  const MerkleTree& tree_for(const NodeId& peer) const;
  const std::set<std::string, std::less<>>& keys_in_leaf(uint32_t leaf) const {
    return leaf_keys_[leaf];
  }
  std::map<std::string, Tombstone, std::less<>>& tombstones() { return tombstones_; }
  size_t key_count() const { return key_count_; }

 private:
  const Ring* ring_ = nullptr;
  NodeId self_;
  uint32_t replication_factor_ = 0;
  std::vector<std::set<std::string, std::less<>>> leaf_keys_ =
      std::vector<std::set<std::string, std::less<>>>(MerkleTree::kLeaves);
  std::map<NodeId, MerkleTree> trees_;
  std::map<std::string, Tombstone, std::less<>> tombstones_;
  size_t key_count_ = 0;
  bool complete_ = false;
  MerkleTree empty_tree_;
};

}  // namespace ringkv
