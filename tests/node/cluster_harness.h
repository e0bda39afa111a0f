// TestCluster: a few Nodes over MemoryStores, a virtual clock and a controllable network
// (raft's test `network`): deliver, drop, cut, isolate, duplicate, reorder. Not the
// simulator: messages travel as structs, and every step is explicit so tests are exact.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/memory_store.h"
#include "core/ring_order_store.h"
#include "core/node/node.h"

namespace ringkv::testing {

// A Node built alone, the test playing its peers: answers its configuration requests as
// peers with no configuration yet (so it forms epoch 1 with them), then drops what it
// sent. Messages the test sends it afterwards carry epoch 1.
void form_alone(Node& node, const std::vector<NodeId>& peers, uint64_t now_ms);

class TestCluster {
 public:
  explicit TestCluster(size_t node_count, Config config = default_config(), uint64_t seed = 1);

  static Config default_config();
  static NodeId name(size_t index) { return "n" + std::to_string(index + 1); }

  Node& node(const NodeId& id) { return *nodes_.at(id).node; }
  // `id`'s data store as its node sees it (keys in ring order), and underneath.
  RingOrderedStore store(const NodeId& id) { return RingOrderedStore(raw_store(id)); }
  MemoryStore& raw_store(const NodeId& id) { return *nodes_.at(id).store; }
  MemoryStore& hint_store(const NodeId& id) { return *nodes_.at(id).hints; }
  // What `id`'s store holds for `key` (a MemoryStore get never fails).
  std::optional<Entry> stored(const NodeId& id, const Key& key) { return store(id).get(key).value(); }
  // Hint stores are attached to every node unless disabled before nodes restart.
  void set_hints_enabled(bool on) { hints_enabled_ = on; }
  std::vector<NodeId> ids() const;
  uint64_t now_ms() const { return now_ms_; }

  // Clients. submit() returns a request id; response() is set once the node answered.
  uint64_t submit(const NodeId& coordinator, ClientRequest request);
  uint64_t put(const NodeId& coordinator, const Key& key, const Value& value);
  uint64_t get(const NodeId& coordinator, const Key& key);
  uint64_t del(const NodeId& coordinator, const Key& key);
  std::optional<ClientResponse> response(uint64_t request_id) const;

  // Network faults.
  void cut(const NodeId& a, const NodeId& b);  // both directions
  void isolate(const NodeId& id);
  void heal();  // removes every cut
  void set_duplicate_all(bool on) { duplicate_all_ = on; }
  void set_reorder(bool on) { reorder_ = on; }
  // Node faults: crash drops in-memory state (the MemoryStore survives: it models a disk
  // where everything applied was synced); restart builds a new Node, incarnation + 1.
  void crash(const NodeId& id);
  void restart(const NodeId& id);
  // The disk is lost: crash, blank stores (data and hints), restart with the incarnation
  // of a fresh data directory and NodeIdentity::lost_data, as kvnode on a wiped disk.
  void wipe(const NodeId& id);
  bool is_up(const NodeId& id) const { return nodes_.at(id).node != nullptr; }
  // A new node with a blank disk started with --peers `seeds` (it asks them to join).
  void add_node(const NodeId& id, const std::vector<NodeId>& seeds);
  // Advances until `done` holds (checked after every step), at most `limit_ms`; false if
  // it never did.
  template <typename Done>
  bool advance_until(Done done, uint64_t limit_ms, uint64_t step_ms = 10) {
    for (uint64_t waited = 0; waited <= limit_ms; waited += step_ms) {
      if (done()) return true;
      advance(step_ms, step_ms);
    }
    return done();
  }

  // Driving. settle(): commit every node and deliver messages until the network is quiet
  // (bounded). advance(ms): move the clock in steps of `step_ms`, ticking and settling.
  void settle();
  void advance(uint64_t duration_ms, uint64_t step_ms = 10);
  size_t messages_delivered() const { return delivered_; }
  size_t messages_dropped() const { return dropped_; }
  // Messages delivered per kind ("kv", "ae-query", ...) since the last reset.
  const std::map<std::string, size_t>& delivered_by_kind() const { return by_kind_; }
  void reset_counts() { by_kind_.clear(); }

 private:
  struct Member {
    std::unique_ptr<MemoryStore> store;
    std::unique_ptr<MemoryStore> hints;
    std::unique_ptr<Node> node;
    uint64_t incarnation = 0;
    std::vector<NodeId> seeds;  // its --peers (empty: every other node of the cluster)
  };
  struct InFlight {
    NodeId from;
    Envelope envelope;
  };

  std::unique_ptr<Node> build_node(const NodeId& id, uint64_t incarnation,
                                   bool lost_data = false);
  void collect(const NodeId& id);
  bool blocked(const NodeId& from, const NodeId& to) const;

  Config config_;
  Prng prng_;
  uint64_t now_ms_ = 1000;
  uint64_t next_request_id_ = 1;
  std::map<NodeId, Member> nodes_;
  std::vector<InFlight> in_flight_;
  std::set<std::pair<NodeId, NodeId>> cuts_;
  std::map<uint64_t, ClientResponse> responses_;
  bool duplicate_all_ = false;
  bool reorder_ = false;
  bool hints_enabled_ = true;
  std::map<std::string, size_t> by_kind_;
  size_t delivered_ = 0;
  size_t dropped_ = 0;
};

}  // namespace ringkv::testing
