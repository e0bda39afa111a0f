#include "core/node/replica_index.h"

#include <algorithm>
#include <cstdint>
#include <initializer_list>

#include "core/hash.h"

namespace ringkv {

void ReplicaIndex::reset(const Ring& ring, NodeId self, uint32_t replication_factor) {
  ring_ = &ring;
  self_ = std::move(self);
  replication_factor_ = replication_factor;
  trees_.clear();
  tombstones_.clear();
  key_count_ = 0;
  complete_ = false;
  pieces_.clear();
  next_piece_ = 0;
}

std::vector<NodeId> ReplicaIndex::peers_of(std::string_view key) const {
  std::vector<NodeId> peers = ring_->preference_list(key, replication_factor_);
  peers.erase(std::remove(peers.begin(), peers.end(), self_), peers.end());
  return peers;
}

bool ReplicaIndex::shares(std::string_view key, const NodeId& peer) const {
  return shares_at(hash64(key), peer);
}

bool ReplicaIndex::shares_at(uint64_t position, const NodeId& peer) const {
  auto list = ring_->preference_list_at(position, replication_factor_);
  return std::find(list.begin(), list.end(), peer) != list.end() &&
         std::find(list.begin(), list.end(), self_) != list.end();
}

const MerkleTree& ReplicaIndex::tree_for(const NodeId& peer) const {
  auto it = trees_.find(peer);
  return it == trees_.end() ? empty_tree_ : it->second;
}

std::vector<NodeId> ReplicaIndex::sharing_at(const Ring& ring, uint64_t position) const {
  std::vector<NodeId> list = ring.preference_list_at(position, replication_factor_);
  auto self = std::find(list.begin(), list.end(), self_);
  if (self == list.end()) return {};
  list.erase(self);
  std::sort(list.begin(), list.end());
  return list;
}

namespace {

using Arc = ReplicaIndex::Arc;

// The arcs between consecutive points of `rings` (their union), covering the whole ring:
// between two consecutive points every ring places keys the same way. A key at a point's
// position belongs to that point, so an arc ends at a point; the one across zero comes in
// two pieces.
std::vector<Arc> arcs_of(std::initializer_list<const Ring*> rings) {
  std::vector<uint64_t> bounds;
  for (const Ring* ring : rings) {
    for (const Ring::Point& point : ring->points()) bounds.push_back(point.position);
  }
  std::sort(bounds.begin(), bounds.end());
  bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
  if (bounds.empty()) return {Arc{0, 0, UINT64_MAX}};
  std::vector<Arc> arcs;
  arcs.reserve(bounds.size() + 1);
  if (bounds.back() != UINT64_MAX) arcs.push_back(Arc{bounds[0], bounds.back() + 1, UINT64_MAX});
  arcs.push_back(Arc{bounds[0], 0, bounds[0]});
  for (size_t i = 1; i < bounds.size(); ++i) {
    arcs.push_back(Arc{bounds[i], bounds[i - 1] + 1, bounds[i]});
  }
  return arcs;
}

}  // namespace

void ReplicaIndex::begin_load() {
  const Ring* ring = ring_;
  const NodeId self = self_;
  reset(*ring, self, replication_factor_);
  for (const Arc& arc : arcs_of({ring_})) {
    // Split at leaf boundaries: a step never scans more than a leaf past its budget.
    uint64_t first = arc.first;
    for (;;) {
      const uint64_t last = std::min(arc.last, MerkleTree::last_position(MerkleTree::leaf_at(first)));
      pieces_.push_back(Arc{arc.at, first, last});
      if (last == arc.last) break;
      first = last + 1;
    }
  }
  std::sort(pieces_.begin(), pieces_.end(),
            [](const Arc& a, const Arc& b) { return a.first < b.first; });
}

Status ReplicaIndex::load_step(RingOrderedStore& store, size_t max_keys, uint64_t now_ms) {
  size_t visited = 0;
  while (next_piece_ < pieces_.size() && visited < max_keys) {
    const Arc& piece = pieces_[next_piece_];
    const std::vector<NodeId> peers = sharing_at(*ring_, piece.at);
    std::vector<MerkleTree*> trees;
    for (const NodeId& peer : peers) trees.push_back(&trees_[peer]);
    Status scanned = store.scan_positions(
        piece.first, piece.last, [&](uint64_t position, std::string_view key, const Entry& entry) {
          const uint32_t leaf = MerkleTree::leaf_at(position);
          const uint64_t digest = MerkleTree::digest(key, entry);
          for (MerkleTree* tree : trees) tree->toggle(leaf, digest);
          key_count_++;
          visited++;
          if (entry.tombstone) tombstones_[std::string(key)] = Tombstone{entry.version, now_ms, {}};
          return true;
        });
    if (!scanned.ok()) {
      reset(*ring_, self_, replication_factor_);  // half a piece is in the trees
      return scanned;
    }
    next_piece_++;
  }
  if (next_piece_ == pieces_.size()) {
    complete_ = true;
    pieces_.clear();
    next_piece_ = 0;
  }
  return Status();
}

Status ReplicaIndex::load(RingOrderedStore& store, uint64_t now_ms) {
  begin_load();
  return load_step(store, SIZE_MAX, now_ms);
}

Status ReplicaIndex::follow_ring(const Ring& before, RingOrderedStore& store) {
  const Ring& after = *ring_;
  for (const Arc& arc : arcs_of({&before, &after})) {
    const std::vector<NodeId> was = sharing_at(before, arc.at);
    const std::vector<NodeId> now = sharing_at(after, arc.at);
    if (was == now) continue;
    std::vector<MerkleTree*> trees;
    for (const NodeId& peer : was) trees.push_back(&trees_[peer]);
    for (const NodeId& peer : now) trees.push_back(&trees_[peer]);
    Status scanned = store.scan_positions(
        arc.first, arc.last, [&](uint64_t position, std::string_view key, const Entry& entry) {
          const uint32_t leaf = MerkleTree::leaf_at(position);
          const uint64_t digest = MerkleTree::digest(key, entry);
          for (MerkleTree* tree : trees) tree->toggle(leaf, digest);
          return true;
        });
    if (!scanned.ok()) {
      complete_ = false;
      return scanned;
    }
  }
  std::erase_if(trees_, [&](const auto& item) {
    return !std::binary_search(after.nodes().begin(), after.nodes().end(), item.first);
  });
  return Status();
}

void ReplicaIndex::on_change(std::string_view key, const std::optional<Entry>& before,
                             const std::optional<Entry>& after, uint64_t now_ms) {
  if (before == after) return;
  const uint64_t position = hash64(key);
  if (!counted(position)) return;  // the load has not scanned it yet: it will
  const uint32_t leaf = MerkleTree::leaf_at(position);
  uint64_t delta = 0;
  if (before) delta ^= MerkleTree::digest(key, *before);
  if (after) delta ^= MerkleTree::digest(key, *after);
  auto list = ring_->preference_list_at(position, replication_factor_);
  if (std::find(list.begin(), list.end(), self_) != list.end()) {
    for (const NodeId& peer : list) {
      if (peer != self_) trees_[peer].toggle(leaf, delta);
    }
  }
  if (after && !before) {
    key_count_++;
  } else if (!after && before) {
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
