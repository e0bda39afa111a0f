#include "core/node/replica_index.h"

#include <algorithm>
#include <cstdint>
#include <initializer_list>

#include "core/assert.h"
#include "core/hash.h"

namespace ringkv {

void ReplicaIndex::reset(const Ring& ring, NodeId self, uint32_t replication_factor) {
  ring_ = &ring;
  self_ = std::move(self);
  replication_factor_ = replication_factor;
  forget();
}

void ReplicaIndex::forget() {
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

// Adds (or removes: XOR) the digest of the entry at `position` in each of `trees`.
void toggle_in(const std::vector<MerkleTree*>& trees, uint64_t position, std::string_view key,
               const Entry& entry) {
  const uint32_t leaf = MerkleTree::leaf_at(position);
  const uint64_t digest = MerkleTree::digest(key, entry);
  for (MerkleTree* tree : trees) tree->toggle(leaf, digest);
}

}  // namespace

void ReplicaIndex::begin_load() {
  RINGKV_ASSERT_MSG(ring_ != nullptr, "begin_load() before reset()");
  forget();
  for (const Arc& arc : arcs_between_points({ring_})) {
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
  if (next_piece_ >= pieces_.size()) return Status();
  // One scan per step (a seek per piece would read a block per table for each of ~4,400
  // pieces); the step ends at the first piece boundary past the budget.
  size_t piece = next_piece_;
  std::vector<MerkleTree*> trees;
  auto enter = [&] {
    trees.clear();
    for (const NodeId& peer : sharing_at(*ring_, pieces_[piece].at)) trees.push_back(&trees_[peer]);
  };
  enter();
  size_t visited = 0;
  bool stopped = false;
  Status scanned = store.scan_positions(
      pieces_[piece].first, UINT64_MAX,
      [&](uint64_t position, std::string_view key, const Entry& entry) {
        if (position > pieces_[piece].last) {
          // The pieces cover every position up to the last one: this key is in a later one.
          while (position > pieces_[piece].last) piece++;
          if (visited >= max_keys) {
            stopped = true;
            return false;
          }
          enter();
        }
        toggle_in(trees, position, key, entry);
        key_count_++;
        visited++;
        if (entry.tombstone) tombstones_[std::string(key)] = Tombstone{entry.version, now_ms, {}};
        return true;
      });
  if (!scanned.ok()) {
    forget();  // part of a piece is in the trees
    return scanned;
  }
  next_piece_ = stopped ? piece : pieces_.size();
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
  // The arcs whose sharing peers changed, each with the trees its digests move between.
  struct Moved {
    uint64_t first;
    uint64_t last;
    std::vector<MerkleTree*> trees;
  };
  std::vector<Moved> moved;
  for (const Arc& arc : arcs_between_points({&before, &after})) {
    const std::vector<NodeId> was = sharing_at(before, arc.at);
    const std::vector<NodeId> now = sharing_at(after, arc.at);
    if (was == now) continue;
    Moved item{arc.first, arc.last, {}};
    for (const NodeId& peer : was) item.trees.push_back(&trees_[peer]);
    for (const NodeId& peer : now) item.trees.push_back(&trees_[peer]);
    moved.push_back(std::move(item));
  }
  std::sort(moved.begin(), moved.end(),
            [](const Moved& a, const Moved& b) { return a.first < b.first; });
  // One scan per run of adjacent moved arcs (a join moves a few arcs next to each of its
  // points): a seek costs a block read per table.
  for (size_t run = 0; run < moved.size();) {
    size_t end = run + 1;
    while (end < moved.size() && moved[end - 1].last != UINT64_MAX &&
           moved[end].first == moved[end - 1].last + 1) {
      end++;
    }
    size_t current = run;
    Status scanned = store.scan_positions(
        moved[run].first, moved[end - 1].last,
        [&](uint64_t position, std::string_view key, const Entry& entry) {
          while (position > moved[current].last) current++;
          toggle_in(moved[current].trees, position, key, entry);
          return true;
        });
    if (!scanned.ok()) {
      complete_ = false;
      return scanned;
    }
    run = end;
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
