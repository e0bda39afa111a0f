// HintedHandoff: the hints a coordinator keeps for replicas that missed a write, in the
// node's side store, bounded per target, replayed to targets gossip sees alive and deleted
// once acked. Owned by Node, which calls store() when a write's deadline passes, replay()
// on its tick and handle_ack() for every write ack; it sends through the node's Outbox.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/messages.h"
#include "core/node/node_context.h"
#include "core/node/outbox.h"

namespace ringkv {

class HintedHandoff {
 public:
  HintedHandoff(NodeContext node, Outbox& outbox, uint64_t now_ms);

  // Loading a newly attached side store: forget the byte counts, then count each hint
  // record found there (`loaded_ms` stands in for the age of records without a time).
  void clear_byte_counts() { bytes_by_target_.clear(); }
  void load_hint(const NodeId& target, std::string_view key, const Entry& record,
                 uint64_t loaded_ms);

  // `target` did not acknowledge `entry` of `key` by the write's deadline: keep a hint, or
  // count it dropped (no side store, the target's budget reached, a write error).
  void store(const NodeId& target, const Key& key, const Entry& entry, uint64_t now_ms);
  // Sends a batch of each alive target's hints; expired ones are deleted instead.
  void replay(uint64_t now_ms);
  uint64_t next_replay_ms() const { return next_replay_ms_; }
  // True when `ack` answers a replay (then it is consumed here), false for other acks.
  bool handle_ack(const NodeId& from, const ReplicaWriteAck& ack);

  // The bytes of hints kept for `target` (counted toward max_hint_bytes_per_target).
  uint64_t bytes_for(const NodeId& target) const;

 private:
  struct InFlight {
    NodeId target;
    std::string hint_key;
    Version version;
    uint64_t size_bytes = 0;
  };

  bool expired(uint64_t created_ms, uint64_t now_ms) const;
  bool forget(const NodeId& target, const std::string& stored_key, const Version& version,
              uint64_t size_bytes);
  void count_dropped(PeerActivity& activity);

  NodeContext node_;
  Outbox& outbox_;
  uint64_t next_replay_ms_;
  std::map<NodeId, uint64_t> bytes_by_target_;
  std::map<uint64_t, InFlight> in_flight_;  // by op id
};

}  // namespace ringkv
