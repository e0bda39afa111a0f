// MerkleTree: a fixed-shape hash tree over the 64-bit key-hash space, 16-ary, 3 levels
// below the root (4096 leaves: the top 12 bits of hash64(key)). A node's value is the XOR
// of the digests of the entries below it, so applying or removing one entry updates the
// leaf and its ancestors in O(depth) (maintained incrementally on apply; see
// docs/anti-entropy.md). Two replicas compare trees top-down and descend only into
// differing nodes. The shape and digest are part of the wire contract (frozen).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/entry.h"

namespace ringkv {

class MerkleTree {
 public:
  static constexpr uint32_t kFanout = 16;  // frozen
  static constexpr uint32_t kDepth = 3;    // levels below the root; frozen
  static constexpr uint32_t kLeaves = 4096;
  static constexpr uint32_t kLeafShift = 52;  // 64 - log2(kLeaves)

  MerkleTree();

  // The leaf a key belongs to: the one of its ring position hash64(key).
  static uint32_t leaf_of(std::string_view key);
  static uint32_t leaf_at(uint64_t position) { return static_cast<uint32_t>(position >> kLeafShift); }
  // The ring positions [first, last] of a leaf: leaves are arcs of the ring.
  static uint64_t first_position(uint32_t leaf) { return uint64_t{leaf} << kLeafShift; }
  static uint64_t last_position(uint32_t leaf) {
    return first_position(leaf) | ((uint64_t{1} << kLeafShift) - 1);
  }
  // The digest of one entry: hash64(key || 0x00 || version text || 'T' or 'V').
  static uint64_t digest(std::string_view key, const Entry& entry);
  // Number of nodes at `level` (0 = root).
  static uint32_t width(uint32_t level);
  // First and one-past-last leaf under node `index` at `level`.
  static uint32_t first_leaf(uint32_t level, uint32_t index);
  static uint32_t end_leaf(uint32_t level, uint32_t index);

  // XORs `digest` into the leaf and its ancestors (adding and removing are the same).
  void toggle(uint32_t leaf, uint64_t digest);
  uint64_t hash(uint32_t level, uint32_t index) const;
  uint64_t root() const { return hash(0, 0); }
  void clear();

 private:
  std::array<std::vector<uint64_t>, kDepth + 1> levels_;
};

}  // namespace ringkv
