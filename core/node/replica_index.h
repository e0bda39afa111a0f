// ReplicaIndex: what anti-entropy needs to know about this node's store, kept in memory
// and updated on every apply: one MerkleTree per peer over the keys that peer also
// replicates, the number of keys, and the tombstones with their purge bookkeeping. It
// holds no key of a live entry: the keys of a leaf are one range scan of the ring-ordered
// store away. Built by a store scan at start; a ring change moves only the digests of the
// arcs whose replicas changed (docs/anti-entropy.md). Owned by Node.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/node/merkle_tree.h"
#include "core/ring.h"
#include "core/ring_order_store.h"
#include "core/status.h"

namespace ringkv {

class ReplicaIndex {
 public:
  struct Tombstone {
    Version version;
    uint64_t first_seen_ms = 0;       // local time this node first held it
    std::set<NodeId> confirmed_by;    // peers that anti-entropy saw holding it (or newer)
  };

  // Forgets everything; `ring` must outlive the index until the next reset. The index
  // follows that object: when it is assigned a new ring, call follow_ring().
  void reset(const Ring& ring, NodeId self, uint32_t replication_factor);

  // Filling the index after reset() is a scan of the whole store, done in bounded steps
  // so that a large store does not hold up the node: begin_load(), then load_step()
  // until complete(). The scan goes an arc of the ring at a time (its peers looked up
  // once, not per key), split at leaf boundaries so that a step is at most about
  // `max_keys` plus one leaf's keys. Applies meanwhile count only where the scan has
  // been (it will see the rest). Until complete() the trees miss keys: anti-entropy
  // would never repair them, and a rebuilding peer would take a matching hash for data
  // it has pulled; so no Merkle session runs until then. A failed step forgets what was
  // loaded (loading() turns false): begin again.
  void begin_load();
  using Arc = RingArc;
  Status load_step(RingOrderedStore& store, size_t max_keys, uint64_t now_ms);
  Status load(RingOrderedStore& store, uint64_t now_ms);  // every step at once
  bool loading() const { return !complete_ && next_piece_ < pieces_.size(); }
  bool complete() const { return complete_; }
  // Filled by on_change() instead of a load (tests): complete from here on.
  void mark_complete() { complete_ = true; }
  // Records that the store's entry for `key` went from `before` to `after`.
  void on_change(std::string_view key, const std::optional<Entry>& before,
                 const std::optional<Entry>& after, uint64_t now_ms);

  // The ring changed from `before`: for each arc between the points of both rings where
  // this node shares keys with other peers than before, scans the arc and moves its
  // digests from the old peers' trees to the new ones'. A failed scan leaves the index
  // incomplete (rebuild it).
  Status follow_ring(const Ring& before, RingOrderedStore& store);

  // Replicas of `key` other than this node.
  std::vector<NodeId> peers_of(std::string_view key) const;
  bool shares(std::string_view key, const NodeId& peer) const;
  // Same, for a key at ring position `position` (hash64(key)).
  bool shares_at(uint64_t position, const NodeId& peer) const;
  const MerkleTree& tree_for(const NodeId& peer) const;
  std::map<std::string, Tombstone, std::less<>>& tombstones() { return tombstones_; }
  size_t key_count() const { return key_count_; }

 private:
  // Empties the trees, counts and tombstones, and stops a load (ring and self stay).
  void forget();
  // The peers other than this node that replicate the keys at `position` with it (none
  // if this node does not), sorted.
  std::vector<NodeId> sharing_at(const Ring& ring, uint64_t position) const;
  // Whether the entry at `position` is in the trees: all are once complete; while loading,
  // those the scan has passed.
  bool counted(uint64_t position) const {
    return complete_ || (next_piece_ < pieces_.size() && position < pieces_[next_piece_].first);
  }

  std::vector<Arc> pieces_;  // what a load scans, by position; empty when not loading
  size_t next_piece_ = 0;

  const Ring* ring_ = nullptr;
  NodeId self_;
  uint32_t replication_factor_ = 0;
  std::map<NodeId, MerkleTree> trees_;
  std::map<std::string, Tombstone, std::less<>> tombstones_;
  size_t key_count_ = 0;
  bool complete_ = false;
  MerkleTree empty_tree_;
};

}  // namespace ringkv
