#include "core/ring.h"

#include <algorithm>
#include <string>

#include "core/assert.h"
#include "core/hash.h"

namespace ringkv {

uint64_t Ring::vnode_position(std::string_view node_id, uint32_t index) {
  std::string label(node_id);
  label += '#';
  label += std::to_string(index);
  return hash64(label);
}

Ring::Ring(std::vector<NodeId> nodes, uint32_t vnodes_per_node)
    : nodes_(std::move(nodes)), vnodes_per_node_(vnodes_per_node) {
  RINGKV_ASSERT(vnodes_per_node_ > 0);
  std::sort(nodes_.begin(), nodes_.end());
  nodes_.erase(std::unique(nodes_.begin(), nodes_.end()), nodes_.end());
  points_.reserve(nodes_.size() * vnodes_per_node_);
  for (uint32_t n = 0; n < nodes_.size(); ++n) {
    for (uint32_t i = 0; i < vnodes_per_node_; ++i) {
      points_.push_back(Point{vnode_position(nodes_[n], i), n});
    }
  }
  // Ties (astronomically rare) are broken by node id so every node builds the same ring.
  std::sort(points_.begin(), points_.end(), [](const Point& a, const Point& b) {
    return a.position != b.position ? a.position < b.position : a.node_index < b.node_index;
  });
}

std::vector<NodeId> Ring::preference_list(std::string_view key, size_t n) const {
  return preference_list_at(hash64(key), n);
}

std::vector<NodeId> Ring::preference_list_at(uint64_t position, size_t n) const {
  std::vector<NodeId> out;
  const size_t want = std::min(n, nodes_.size());
  if (want == 0) return out;
  auto it = std::lower_bound(points_.begin(), points_.end(), position,
                             [](const Point& p, uint64_t pos) { return p.position < pos; });
  size_t start = static_cast<size_t>(it - points_.begin());
  std::vector<bool> taken(nodes_.size(), false);
  // At most one full turn of the ring: terminates even if `want` could not be met.
  for (size_t step = 0; step < points_.size() && out.size() < want; ++step) {
    const Point& p = points_[(start + step) % points_.size()];
    if (!taken[p.node_index]) {
      taken[p.node_index] = true;
      out.push_back(nodes_[p.node_index]);
    }
  }
  RINGKV_ASSERT(out.size() == want);
  return out;
}

std::vector<double> Ring::primary_shares() const {
  std::vector<double> shares(nodes_.size(), 0.0);
  if (points_.empty()) return shares;
  constexpr double kSpace = 18446744073709551616.0;  // 2^64
  for (size_t i = 0; i < points_.size(); ++i) {
    // Point i owns the arc (previous point, point i]; the first point wraps around.
    uint64_t previous = points_[(i + points_.size() - 1) % points_.size()].position;
    uint64_t arc = points_[i].position - previous;  // modular arithmetic wraps correctly
    if (points_.size() == 1) {
      shares[points_[i].node_index] = 1.0;
      return shares;
    }
    shares[points_[i].node_index] += static_cast<double>(arc) / kSpace;
  }
  return shares;
}

std::vector<RingArc> arcs_between_points(std::initializer_list<const Ring*> rings) {
  std::vector<uint64_t> bounds;
  for (const Ring* ring : rings) {
    for (const Ring::Point& point : ring->points()) bounds.push_back(point.position);
  }
  std::sort(bounds.begin(), bounds.end());
  bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
  if (bounds.empty()) return {RingArc{0, 0, UINT64_MAX}};
  std::vector<RingArc> arcs;
  arcs.reserve(bounds.size() + 1);
  if (bounds.back() != UINT64_MAX) {
    arcs.push_back(RingArc{bounds[0], bounds.back() + 1, UINT64_MAX});
  }
  arcs.push_back(RingArc{bounds[0], 0, bounds[0]});
  for (size_t i = 1; i < bounds.size(); ++i) {
    arcs.push_back(RingArc{bounds[i], bounds[i - 1] + 1, bounds[i]});
  }
  return arcs;
}

}  // namespace ringkv
