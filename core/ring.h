// Ring: consistent hashing over a membership list. Each node owns `vnodes_per_node`
// points at hash64(node_id + "#" + i); a key at hash64(key) is owned by the first points
// clockwise. Built from the membership table (a join or leave is a rebuild), immutable after.
// Placement is a wire/disk contract: see docs/formats.md.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

#include "core/types.h"

namespace ringkv {

inline constexpr uint32_t kDefaultVnodesPerNode = 100;

class Ring {
 public:
  struct Point {
    uint64_t position;
    uint32_t node_index;  // into nodes()
  };

  Ring() = default;
  // Duplicate ids are ignored; order of `nodes` does not matter.
  Ring(std::vector<NodeId> nodes, uint32_t vnodes_per_node = kDefaultVnodesPerNode);

  // The first min(n, node_count) distinct nodes clockwise from hash64(key).
  std::vector<NodeId> preference_list(std::string_view key, size_t n) const;
  // Same, starting from a raw hash position.
  std::vector<NodeId> preference_list_at(uint64_t position, size_t n) const;

  // Fraction (0..1) of the hash space whose first owner is each node, in nodes() order.
  std::vector<double> primary_shares() const;

  const std::vector<NodeId>& nodes() const { return nodes_; }  // sorted, distinct
  const std::vector<Point>& points() const { return points_; }  // sorted by position
  uint32_t vnodes_per_node() const { return vnodes_per_node_; }
  bool empty() const { return nodes_.empty(); }

  // The position of a node's i-th virtual node (frozen formula).
  static uint64_t vnode_position(std::string_view node_id, uint32_t index);

 private:
  std::vector<NodeId> nodes_;
  std::vector<Point> points_;
  uint32_t vnodes_per_node_ = kDefaultVnodesPerNode;
};

// A range of ring positions [first, last] placed as the position `at` is.
struct RingArc {
  uint64_t at;
  uint64_t first;
  uint64_t last;
};

// The arcs between consecutive points of `rings` (their union), covering the whole ring:
// between two consecutive points every one of the rings places keys the same way. A key at
// a point's position belongs to that point, so an arc ends at a point; the one across zero
// comes in two pieces. Not sorted by position.
std::vector<RingArc> arcs_between_points(std::initializer_list<const Ring*> rings);

}  // namespace ringkv
