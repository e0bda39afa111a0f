// AntiEntropy: Merkle sessions with one peer per round, the entries they exchange, and the
// tombstone purge with the purge floors it leaves (docs/anti-entropy.md). Owned by Node,
// which calls run_round() on its tick, passes it the Merkle messages, and asks it for purge
// floors; it sends through the node and applies the entries peers send through the node.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/messages.h"
#include "core/node/node_context.h"
#include "core/node/outbox.h"
#include "core/node/replica_index.h"
#include "core/prng.h"
#include "core/ring_order_store.h"
#include "core/ring.h"

namespace ringkv {

class AntiEntropy {
 public:
  // What anti-entropy asks of the node that owns it, besides sending.
  class Host : public Outbox {
   public:
    // Applies an entry a peer sent as a replica write: LWW, the purge floors, the index.
    virtual Result<ApplyResult> apply_and_index(const Key& key, const Entry& entry) = 0;
    // This node now holds all of `peer`'s entries under the tree nodes (level, indices):
    // their hashes matched, or their entries arrived (lost-data rebuild).
    virtual void cover_leaves(const NodeId& peer, uint32_t level,
                              const std::vector<uint32_t>& indices) = 0;

   protected:
    ~Host() = default;
  };

  // This node's replica, which anti-entropy compares with its peers' and purges.
  struct Replica {
    NodeId self;
    const Ring& ring;
    RingOrderedStore& store;
    ReplicaIndex& index;
  };

  // `prng` is the node's: it picks odd peers and where an oversized leaf starts.
  AntiEntropy(NodeContext node, Replica replica, Prng& prng, Host& host, uint64_t now_ms);

  // One round: expires old sessions, purges the tombstones due, then opens a session with
  // the next peer (among `pull_first` if any of them is a candidate: the peers a node that
  // lost its data has not pulled yet). The next round is due `interval_ms` later.
  void run_round(uint64_t now_ms, uint64_t interval_ms, const std::set<NodeId>& pull_first);
  uint64_t next_round_ms() const { return next_round_ms_; }
  // The next round runs no later than `at_ms`.
  void hasten_next_round(uint64_t at_ms) { next_round_ms_ = std::min(next_round_ms_, at_ms); }

  void handle_merkle_query(const NodeId& from, const MerkleQuery& query);
  void handle_merkle_hashes(const NodeId& from, const MerkleHashes& hashes);
  void handle_sync_entries(const NodeId& from, const SyncEntries& sync);

  // The version of the tombstone of `key` this node purged, while its floor lasts
  // (tombstone_grace_ms after the purge): nothing at or below it is accepted, and read and
  // version answers report it.
  std::optional<Version> purge_floor(std::string_view key) const;
  // Loading a newly attached side store: forget the floors, then load each floor record.
  void clear_purge_floors() { floors_.clear(); }
  void load_purge_floor(std::string_view key, const Entry& record);
  // Tombstones purged since the last call (key, version), for the host to log or record.
  std::vector<std::pair<Key, Version>> take_purges() { return std::exchange(purges_, {}); }

 private:
  struct Session {
    NodeId peer;
    uint64_t started_ms = 0;
    std::deque<uint32_t> pending_leaves;  // differing leaves not exchanged yet
    uint32_t batches_sent = 0;
  };
  struct PurgeFloor {
    Version version;
    uint64_t purged_ms = 0;
  };

  // Sends the next batch of differing leaves of `session`, or ends it.
  void continue_sync(uint64_t session);
  // Drops from `leaves` those it could not read whole (a storage error).
  std::vector<KeyedEntry> entries_in_leaves(const NodeId& peer, std::vector<uint32_t>& leaves);

  // Tombstone purge and purge floors (tombstone_purge.cc).
  void confirm_tombstones(const NodeId& peer, uint32_t level, const std::vector<uint32_t>& indices);
  void purge_tombstones(uint64_t now_ms);
  void record_purge_floor(const std::string& key, const Version& version, uint64_t now_ms);
  void expire_purge_floors(uint64_t now_ms);

  NodeContext node_;
  const NodeId self_;
  const Ring& ring_;
  RingOrderedStore& store_;
  ReplicaIndex& index_;
  Prng& prng_;
  Host& host_;

  uint64_t next_round_ms_;
  std::map<uint64_t, Session> sessions_;  // by session id (an op id)
  size_t peer_cursor_ = 0;
  // Tombstones purged here, kept durably in the side store until they expire.
  std::map<std::string, PurgeFloor, std::less<>> floors_;
  std::vector<std::pair<Key, Version>> purges_;  // not taken yet (take_purges)
};

}  // namespace ringkv
