#include "tests/node/cluster_harness.h"

#include <gtest/gtest.h>

namespace ringkv::testing {

Config TestCluster::default_config() {
  Config config;
  config.gossip_interval_ms = 100;
  config.suspect_after_ms = 400;
  config.dead_after_ms = 800;
  config.default_timeout_ms = 500;
  config.anti_entropy_interval_ms = 200;
  config.hint_replay_interval_ms = 100;
  return config;
}

void form_alone(Node& node, const std::vector<NodeId>& peers, uint64_t now_ms) {
  RingDescription prospective;
  prospective.vnodes_per_node = node.config().vnodes_per_node;
  prospective.members.push_back(RingMember{node.id(), node.id() + ":0", MemberState::kNormal});
  for (const NodeId& peer : peers) {
    prospective.members.push_back(RingMember{peer, peer + ":0", MemberState::kNormal});
  }
  for (const NodeId& peer : peers) {
    node.on_message(Message{peer, 0, RingState{prospective, false}}, now_ms);
  }
  RINGKV_ASSERT(node.ring_config().formed());
  (void)node.commit(now_ms);
  (void)node.take_messages();
}

TestCluster::TestCluster(size_t node_count, Config config, uint64_t seed)
    : config_(std::move(config)), prng_(seed) {
  RINGKV_ASSERT(config_.validate().ok());
  for (size_t i = 0; i < node_count; ++i) {
    Member member;
    member.store = std::make_unique<MemoryStore>();
    member.hints = std::make_unique<MemoryStore>();
    nodes_.emplace(name(i), std::move(member));
  }
  for (auto& [id, member] : nodes_) member.node = build_node(id, 0);
  settle();  // the nodes form the ring (epoch 1) from their peers' answers
  for (auto& [id, member] : nodes_) RINGKV_ASSERT(member.node->ring_config().formed());
}

std::unique_ptr<Node> TestCluster::build_node(const NodeId& id, uint64_t incarnation,
                                              bool lost_data) {
  std::vector<Peer> peers;
  for (const NodeId& seed : nodes_.at(id).seeds) peers.push_back(Peer{seed, seed + ":0"});
  if (peers.empty()) {
    for (const auto& [other, member] : nodes_) {
      if (other != id) peers.push_back(Peer{other, other + ":0"});
    }
  }
  auto node = std::make_unique<Node>(NodeIdentity{id, id + ":0", incarnation, lost_data}, config_, peers,
                                     *nodes_.at(id).store, prng_.fork(), now_ms_);
  if (hints_enabled_) node->attach_hint_store(*nodes_.at(id).hints);
  return node;
}

std::vector<NodeId> TestCluster::ids() const {
  std::vector<NodeId> out;
  for (const auto& [id, member] : nodes_) out.push_back(id);
  return out;
}

uint64_t TestCluster::submit(const NodeId& coordinator, ClientRequest request) {
  uint64_t request_id = next_request_id_++;
  node(coordinator).on_client_request(request_id, request, now_ms_);
  collect(coordinator);
  return request_id;
}

uint64_t TestCluster::put(const NodeId& coordinator, const Key& key, const Value& value) {
  ClientRequest request;
  request.op = ClientOp::kPut;
  request.key = key;
  request.value = value;
  return submit(coordinator, request);
}

uint64_t TestCluster::get(const NodeId& coordinator, const Key& key) {
  ClientRequest request;
  request.op = ClientOp::kGet;
  request.key = key;
  return submit(coordinator, request);
}

uint64_t TestCluster::del(const NodeId& coordinator, const Key& key) {
  ClientRequest request;
  request.op = ClientOp::kDelete;
  request.key = key;
  return submit(coordinator, request);
}

std::optional<ClientResponse> TestCluster::response(uint64_t request_id) const {
  auto it = responses_.find(request_id);
  if (it == responses_.end()) return std::nullopt;
  return it->second;
}

void TestCluster::cut(const NodeId& a, const NodeId& b) {
  cuts_.insert({a, b});
  cuts_.insert({b, a});
}

void TestCluster::isolate(const NodeId& id) {
  for (const auto& [other, member] : nodes_) {
    if (other != id) cut(id, other);
  }
}

void TestCluster::heal() { cuts_.clear(); }

void TestCluster::crash(const NodeId& id) { nodes_.at(id).node.reset(); }

void TestCluster::restart(const NodeId& id) {
  Member& member = nodes_.at(id);
  RINGKV_ASSERT(member.node == nullptr);
  member.incarnation++;
  member.node = build_node(id, member.incarnation);
}

void TestCluster::add_node(const NodeId& id, const std::vector<NodeId>& seeds) {
  RINGKV_ASSERT(!seeds.empty() && !nodes_.count(id));
  Member member;
  member.store = std::make_unique<MemoryStore>();
  member.hints = std::make_unique<MemoryStore>();
  member.seeds = seeds;
  nodes_.emplace(id, std::move(member));
  nodes_.at(id).node = build_node(id, 0, /*lost_data=*/true);  // a blank disk, as kvnode
}

void TestCluster::wipe(const NodeId& id) {
  Member& member = nodes_.at(id);
  member.node.reset();
  member.store = std::make_unique<MemoryStore>();
  member.hints = std::make_unique<MemoryStore>();
  member.incarnation = 1;
  member.node = build_node(id, member.incarnation, /*lost_data=*/true);
}

bool TestCluster::blocked(const NodeId& from, const NodeId& to) const {
  return cuts_.count({from, to}) > 0 || !is_up(to);
}

void TestCluster::collect(const NodeId& id) {
  Node& n = node(id);
  Status committed = n.commit(now_ms_);
  EXPECT_TRUE(committed.ok()) << committed.to_string();
  for (Envelope& envelope : n.take_messages()) in_flight_.push_back(InFlight{id, envelope});
  for (Reply& reply : n.take_replies()) {
    bool fresh = responses_.emplace(reply.request_id, reply.response).second;
    EXPECT_TRUE(fresh) << "request " << reply.request_id << " answered twice";
  }
}

void TestCluster::settle() {
  for (int round = 0; round < 1000; ++round) {
    for (const auto& id : ids()) {
      if (is_up(id)) collect(id);
    }
    if (in_flight_.empty()) return;
    std::vector<InFlight> batch;
    batch.swap(in_flight_);
    if (reorder_) {
      for (size_t i = batch.size(); i > 1; --i) std::swap(batch[i - 1], batch[prng_.uniform(i)]);
    }
    for (const InFlight& message : batch) {
      const NodeId& to = message.envelope.to;
      if (blocked(message.from, to)) {
        dropped_++;
        continue;
      }
      int copies = duplicate_all_ ? 2 : 1;
      for (int c = 0; c < copies; ++c) {
        delivered_++;
        by_kind_[message_kind_name(message.envelope.message.body)]++;
        node(to).on_message(message.envelope.message, now_ms_);
      }
    }
  }
  ADD_FAILURE() << "network did not settle within 1000 rounds";
}

void TestCluster::advance(uint64_t duration_ms, uint64_t step_ms) {
  const uint64_t end = now_ms_ + duration_ms;
  while (now_ms_ < end) {
    now_ms_ = std::min(end, now_ms_ + step_ms);
    for (const auto& id : ids()) {
      if (is_up(id) && node(id).next_tick_ms() <= now_ms_) node(id).on_tick(now_ms_);
    }
    settle();
  }
}

}  // namespace ringkv::testing
