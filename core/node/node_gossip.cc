// Gossip: every gossip_interval_ms bump our heartbeat and push-pull the membership table
// with `gossip_fanout` random peers. The table says who is alive (and where); who owns
// what is the ring configuration's (node_ring.cc), never the table's.
#include "core/node/node.h"

namespace ringkv {

void Node::gossip_round(uint64_t now_ms) {
  next_gossip_ms_ = now_ms + config_.gossip_interval_ms;
  // buggify: a skipped round (a slow node, as seen by its peers)
  if (simulation_.buggify()) return;
  metrics_.gossip_rounds++;
  membership_.beat();
  std::vector<NodeId> peers;
  for (const NodeId& id : membership_.node_ids()) {
    if (id != self_.id) peers.push_back(id);
  }
  // Partial Fisher-Yates: the first `fanout` slots become a uniform random sample.
  const size_t fanout = std::min<size_t>(config_.gossip_fanout, peers.size());
  for (size_t i = 0; i < fanout; ++i) {
    size_t j = i + prng_.uniform(peers.size() - i);
    std::swap(peers[i], peers[j]);
  }
  std::vector<MemberRow> rows = membership_.rows();
  for (size_t i = 0; i < fanout; ++i) send(peers[i], Gossip{rows, /*reply=*/true});
}

void Node::handle_gossip(const NodeId& from, const Gossip& gossip, uint64_t now_ms) {
  membership_.merge(gossip.rows, now_ms);
  membership_.update_liveness(now_ms);
  if (gossip.reply) send(from, Gossip{membership_.rows(), /*reply=*/false});
}

}  // namespace ringkv
