// Node: one cluster member's whole protocol logic as a pure state machine (sans-I/O).
// The driver (runtime or simulator) feeds inputs, each with the current local time:
//   on_client_request(), on_message(), on_tick()
// and after each batch of inputs it must, in this order:
//   1. call commit(now): one store sync (group commit). Replica answers (write acks and
//      read replies) are held inside the node until the sync that covers them succeeds;
//      commit() releases them. Never skip it: without it nothing is ever acknowledged.
//   2. drain take_messages() and send each to its peer (order per peer preserved);
//   3. drain take_replies() and answer the clients;
//   4. arm a timer for next_tick_ms() and call on_tick() when it fires.
// Everything a driver may send was already made durable where durability matters, so
// steps 2 and 3 may happen at any time after step 1 — and also before it: what needs the
// sync (replica answers) is not in take_messages() until commit() released it, so a
// driver may send the fresh requests and answer the finished clients first, and only
// then sync (kvnode does: remote replicas work while this node's fsync runs). Node never
// blocks, never reads a clock, and draws randomness only from the Prng it was given.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/config.h"
#include "core/lamport_clock.h"
#include "core/messages.h"
#include "core/node/anti_entropy.h"
#include "core/node/client.h"
#include "core/node/hinted_handoff.h"
#include "core/node/injected_bugs.h"
#include "core/node/membership.h"
#include "core/node/node_context.h"
#include "core/node/node_metrics.h"
#include "core/node/outbox.h"
#include "core/node/replica_index.h"
#include "core/node/ring_keeper.h"
#include "core/node/side_store.h"
#include "core/node/simulation_hooks.h"
#include "core/prng.h"
#include "core/replica_store.h"
#include "core/ring.h"
#include "core/ring_order_store.h"

namespace ringkv {

struct NodeIdentity {
  NodeId id;
  std::string address;       // advertised "host:port"
  uint64_t incarnation = 0;  // the driver persists it and passes previous + 1 on restart
  // The driver found the store blank (store_is_blank()): a wiped disk and a first boot
  // look alike, so both rebuild from the peers before answering (docs/lost-data.md).
  bool lost_data = false;
};

// True when `store` holds no record at all (not even the Lamport lease).
bool store_is_blank(ReplicaStore& store);

// The Lamport lease record's value (FROZEN): empty, or the node is rebuilding lost data
// without its clock (counters from before the loss unknown) or with it restored.
inline constexpr std::string_view kRebuildNoClock = "rebuild";
inline constexpr std::string_view kRebuildClockRestored = "rebuild+clock";
inline bool is_rebuild_marker(std::string_view value) {
  return value == kRebuildNoClock || value == kRebuildClockRestored;
}

struct Peer {
  NodeId id;
  std::string address;
};

struct Envelope {
  NodeId to;
  Message message;
};

struct Reply {
  uint64_t request_id = 0;
  ClientResponse response;
};

// The coordinator of one node's parts: Membership (gossip), ReplicaIndex (what the store
// holds, per Merkle leaf), HintedHandoff and AntiEntropy, which send through the node (it
// is their Outbox) and apply what peers send through it. Not copyable or movable: the
// parts keep references into it.
class Node final : private AntiEntropy::Host, private RingKeeperHost {
 public:
  // `config` must have passed validate(); `store` must outlive the node.
  Node(NodeIdentity self, Config config, const std::vector<Peer>& peers, ReplicaStore& store,
       Prng prng, uint64_t now_ms);
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Inputs.
  void on_client_request(uint64_t request_id, const ClientRequest& request, uint64_t now_ms);
  void on_message(const Message& message, uint64_t now_ms);
  void on_tick(uint64_t now_ms);
  // Syncs the store once and releases the answers it covers. A failed sync drops them
  // (the peers time out) and is returned so the driver can log it.
  Status commit(uint64_t now_ms);
  // The same in two halves, for a driver that syncs on another thread (kvnode with
  // --sync always): seal_commit() takes the answers held so far (they cover every apply
  // before this call) and returns their batch number (0: nothing held; an error when the
  // hint store's sync failed); the driver syncs the store (everything applied before
  // seal_commit) and then calls finish_commit() with the result, which releases the batch
  // or drops it. Answers held after a seal wait for the next batch.
  Result<uint64_t> seal_commit(uint64_t now_ms);
  void finish_commit(uint64_t batch, const Status& synced, uint64_t now_ms);

  // Outputs.
  std::vector<Envelope> take_messages();
  std::vector<Reply> take_replies();
  // Tombstones purged since the last call (key, version), for the host to log or record.
  std::vector<std::pair<Key, Version>> take_purges() { return anti_entropy_.take_purges(); }
  // Simulation only (observe_drops): the entries dropped since the last call, each as
  // (key, version), before this node became a replica of their keys again (prepare_ring).
  std::vector<std::pair<Key, Version>> take_drops() { return std::exchange(drops_, {}); }
  uint64_t next_tick_ms() const;
  bool has_uncommitted() const {
    return !held_.empty() || side_store_.dirty() || keeper_->streamed_awaiting_commit();
  }

  // Getters.
  const NodeId& id() const { return self_.id; }
  const Config& config() const { return config_; }
  const Membership& membership() const { return membership_; }
  const Ring& ring() const { return ring_; }
  // The ring configuration and the membership changes this node takes part in.
  const RingKeeper& ring_keeper() const { return *keeper_; }
  const RingConfig& ring_config() const { return keeper_->config(); }
  // The node serves client requests: it has a configuration and is a member that owns
  // or gains ranges (not left, not removed).
  bool serving() const;
  // An operator's membership change asked of this node (decommission of itself, removal
  // of a dead member): begun with this node as its owner, or why not.
  Result<RingConfig> begin_change(ChangeKind kind, const NodeId& id, uint64_t now_ms);
  const NodeMetrics& metrics() const { return metrics_; }
  // One row per ring peer this node kept hints for or repaired with.
  const std::map<NodeId, PeerActivity>& peer_activity() const { return peer_activity_; }
  uint64_t lamport() const { return clock_.current(); }
  size_t inflight_requests() const { return writes_.size() + reads_.size(); }

  // Durable hint storage for hinted handoff (a second store; the node keys it by
  // target + '\0' + key). Without one, hints are counted as dropped.
  void attach_hint_store(ReplicaStore& hints);
  uint64_t hint_bytes(const NodeId& target) const { return hinted_handoff_.bytes_for(target); }
  const ReplicaIndex& replica_index() const { return index_; }
  // The version of the tombstone of `key` this node purged, while its floor lasts
  // (tombstone_grace_ms after the purge): nothing at or below it is accepted, and read and
  // version answers report it.
  std::optional<Version> purge_floor(std::string_view key) const {
    return anti_entropy_.purge_floor(key);
  }

  // Lost data (docs/lost-data.md): from a start on a blank store (NodeIdentity::lost_data)
  // until every replica peer's data was pulled (one Merkle pass each), the node answers
  // no read and no version query, and stamps nothing until it has heard from every peer
  // (its clock floor). It survives restarts: the state is kept with the Lamport lease.
  bool rebuilding() const { return rebuild_.has_value(); }
  // The last local write found the disk full (no write has succeeded since): writes that
  // need this replica fail until space returns; reads are served.
  bool disk_full() const { return disk_full_; }
  // One line for /health and logs, e.g. "pulled from n2; waiting for n3 (40% of leaves)".
  std::string rebuild_progress() const;

  // Simulation only (kvsim --inject-bug): never called by the runtime.
  void set_injected_bugs(uint32_t mask) {
    simulation_.set_injected_bugs(mask);
    keeper_->set_skip_streamed_wait(simulation_.injected(InjectedBug::kSwitchBeforeStreamed));
  }
  // Simulation only: "buggify" sites fire with this chance, making rare but legal paths
  // common (short deadlines, odd anti-entropy peers, single-hint batches, skipped gossip
  // rounds). Never called by the runtime.
  void enable_buggify(Prng prng, uint32_t permille) {
    simulation_.enable_buggify(std::move(prng), permille);
  }
  void disable_buggify() { simulation_.disable_buggify(); }
  // Simulation only: take_drops() reports what the node drops from then on.
  void observe_drops() { simulation_.set_observed(true); }

 private:
  // A client write. Strong writes (2W > N) first ask the replicas for their version
  // (`querying`), then stamp once and write; weak writes stamp at once (docs/consistency.md).
  struct PendingWrite {
    uint64_t request_id = 0;
    Key key;
    Entry entry;  // its version is zero until stamped
    ReplicaSets sets;  // of the configuration it was last planned in (replan_pending)
    std::vector<NodeId> replicas;  // every member of `sets` (and of earlier ones)
    bool querying = false;
    uint64_t stamped_epoch = 0;  // the configuration's epoch when it was stamped
    std::vector<NodeId> not_queried;  // asked only if the first ones are slow (hedge)
    uint64_t hedge_at_ms = 0;
    std::set<NodeId> queried;  // replicas that answered the version query
    Version highest_seen;      // the highest version among their answers
    std::set<NodeId> acked;
    std::set<NodeId> refused;  // replicas whose disk was full: they did not store it
    uint32_t ack_count = 0;
    uint32_t required = 0;
    uint64_t deadline_ms = 0;
    uint32_t restamps = 0;  // injected bug restamp-on-retry only
    bool replied = false;
  };
  // A client read. A strong read (2R >= N) answers once a majority of the replicas is
  // known to hold exactly the winner, writing it back to the others until then; a reply or
  // ack that reveals a newer version replaces the winner (docs/consistency.md). A weak read
  // answers after R answers and repairs in the background.
  struct PendingRead {
    uint64_t request_id = 0;
    Key key;
    std::vector<NodeId> replicas;  // the read set
    ReplicaSets write_sets;        // where write-backs go (replan_pending updates both)
    std::map<NodeId, std::optional<Entry>> answers;
    uint32_t required = 0;
    uint64_t deadline_ms = 0;
    bool strong = true;
    bool writing_back = false;  // the winner is decided; waiting for holders
    Entry winner;
    std::set<NodeId> holders;  // replicas known to hold exactly the winner, durably
  };

  // Lamport counters must never repeat across restarts (a repeated {counter, node} would
  // make two different writes look like one). The node persists an upper bound (a lease)
  // in its store under the empty key, which no client can use, and syncs a new lease
  // before stamping past it. Returns nullopt when the lease cannot be persisted.
  std::optional<uint64_t> stamp_counter();
  // Reads the lease; returns its marker ("" or a rebuild marker; nullopt: no lease).
  std::optional<std::string> load_lamport_lease();
  // Writes and syncs the lease record (at least `lease`, always above the stored one).
  bool persist_lease(uint64_t lease);

  // Lost data (node_rebuild.cc).
  void enter_rebuild(bool clock_restored);
  void note_heard(const NodeId& from);
  // Leaves of `peer`'s shared tree that this node is now known to hold all of: the
  // subtrees at (level, index) whose hashes matched, or exchanged leaves.
  void cover_leaves(const NodeId& peer, uint32_t level,
                    const std::vector<uint32_t>& indices) override;
  void check_rebuilt();
  bool fully_covered(const NodeId& peer) const;
  // An anti-entropy round, faster while rebuilding and pulling first from the peers not
  // pulled yet.
  void anti_entropy_round(uint64_t now_ms);

  bool serves_reads() const {
    return !rebuild_ || simulation_.injected(InjectedBug::kServeWhileRebuilding);
  }
  uint64_t deadline_for(const ClientRequest& request, uint64_t now_ms);
  // Moves the Lamport clock past a counter seen in a message or a version answer.
  void observe(uint64_t counter) {
    if (!simulation_.injected(InjectedBug::kNoLamportObserve)) clock_.observe(counter);
  }
  // What the parts share with the node (called while constructing them).
  NodeContext part_context();
  // The Outbox the parts send through.
  uint64_t new_op() override { return next_op_++; }
  void send(const NodeId& to, MessageBody body) override;
  void hold(const NodeId& to, MessageBody body) override;
  void dispatch(const Message& message, uint64_t now_ms);
  // The epoch every message carries (0 while the keeper starts, or before forming).
  uint64_t ring_epoch() const { return keeper_ ? keeper_->config().epoch() : 0; }
  void drain_local(uint64_t now_ms);
  void reply(uint64_t request_id, ClientResponse response);
  std::optional<std::string> validate_request(const ClientRequest& request) const;

  // Coordinator: writes (node_write.cc).
  void start_write(uint64_t request_id, const ClientRequest& request, uint64_t now_ms);
  void send_version_queries(uint64_t op, uint64_t now_ms);
  void hedge_version_query(uint64_t op);
  void handle_query_reply(const NodeId& from, const VersionQueryReply& reply);
  // Stamps the write once (above every version its query saw) and sends it to the replicas.
  void stamp_and_send(uint64_t op);
  void handle_write_ack(const NodeId& from, const ReplicaWriteAck& ack);
  // Answers the client once the write quorum is met; forgets the write once every
  // replica acknowledged it.
  void maybe_finish_write(uint64_t op);
  void handle_write_refusal(uint64_t op, const NodeId& from);
  void store_hints(const PendingWrite& write, uint64_t now_ms);
  void restamp(uint64_t op, const Version& newer);  // injected bug restamp-on-retry only
  void fail_write(uint64_t op, ClientOutcome outcome, std::string error);
  void expire_writes(uint64_t now_ms);
  uint32_t majority() const { return config_.replication_factor / 2 + 1; }

  // Coordinator: reads, write-backs and read repair (node_read.cc).
  void start_read(uint64_t request_id, const ClientRequest& request, uint64_t now_ms);
  void handle_read_reply(const NodeId& from, const ReplicaReadReply& reply);
  void decide_read(uint64_t op);
  void write_back(uint64_t op);
  // A majority of the key's replicas (of each set while it moves) holds the winner.
  bool held_by_quorum(const PendingRead& read) const;
  void handle_write_back_ack(const NodeId& from, const ReplicaWriteAck& ack);
  void restart_read(uint64_t op);
  void finish_read(uint64_t op);
  void expire_reads(uint64_t now_ms);

  // Replica side (node_replica.cc).
  void handle_replica_write(const NodeId& from, const ReplicaWrite& write);
  void handle_replica_read(const NodeId& from, const ReplicaRead& read);
  void handle_version_query(const NodeId& from, const VersionQuery& query);
  // What this replica answers for `key`: the stored entry, or the tombstone it purged if
  // that is newer (the purge floor).
  Result<std::optional<Entry>> held_entry(const Key& key);
  Result<ApplyResult> apply_entry(const Key& key, const Entry& entry);
  // apply_entry plus the anti-entropy index; skips tombstones this node already purged.
  // Also how anti-entropy applies what peers send.
  Result<ApplyResult> apply_and_index(const Key& key, const Entry& entry) override;
  void rebuild_index();
  void load_index_step();

  // Ring configuration (node_ring.cc): the keeper's host, and what follows a change.
  Status prepare_ring(const RingConfig& current, const RingConfig& next) override;
  // Drops every entry at ring positions [first, last] (prepare_ring).
  Status drop_entries(uint64_t first, uint64_t last);
  Status persist_ring(const RingDescription& ring) override;
  Status persist_cursor(const NodeId& source, const StreamCursor& cursor) override;
  Status scan_entries(const Key& cursor, bool from_start,
                      const std::function<bool(const Key&, const Entry&)>& visit) override;
  uint64_t stored_key_count() const override { return index_.key_count(); }
  Status apply_streamed(const Key& key, const Entry& entry) override;
  void ring_changed(const RingConfig& before, const RingConfig& after) override;
  // Placement, membership rows and the lost-data rebuild follow a configuration.
  void follow_ring(const RingConfig& before, const RingConfig& after);
  Status write_record(const Key& key, std::string value);
  void load_ring_records(std::optional<RingDescription>& ring,
                         std::map<NodeId, StreamCursor>& cursors);
  // Pending operations follow a new configuration: each is sent to the members of its
  // new sets that have not answered it yet.
  void replan_pending();
  // Sends the request of pending operation `op` to `from` again (it refused it).
  void resend(const NodeId& from, uint64_t op);
  // Whether the stage admits a replica request stamped with `epoch` (else it was refused).
  bool admit(const NodeId& from, uint64_t epoch, uint64_t op);
  std::optional<std::string> refuse_client() const;
  // The sets of `key` writes need quorums of, and the set reads ask.
  ReplicaSets write_sets(const Key& key) const;
  std::vector<NodeId> read_set(const Key& key) const;
  // `required` answers from each of `sets` while the key moves (joint quorums), else
  // `required` of `count` (the answers counted so far) from members of the one set.
  bool quorum_of(const ReplicaSets& sets, const std::set<NodeId>& acked, size_t count,
                 size_t required) const;
  bool query_quorum_met(const PendingWrite& write) const;

  // Gossip (node_gossip.cc).
  void gossip_round(uint64_t now_ms);
  void handle_gossip(const NodeId& from, const Gossip& gossip, uint64_t now_ms);

  NodeIdentity self_;
  Config config_;
  RingOrderedStore store_;  // the data store in ring order (core/ring_order_store.h)
  Prng prng_;
  LamportClock clock_;
  Membership membership_;
  Ring ring_;
  uint64_t next_op_;
  uint64_t next_gossip_ms_;
  uint64_t now_ms_;  // local time of the input being handled
  uint64_t lamport_lease_ = 0;  // durable: no counter above it was ever stamped
  uint64_t lease_record_counter_ = 0;  // the stored lease record's version counter
  static constexpr uint64_t kRebuildRoundMs = 250;  // anti-entropy period while rebuilding
  struct Rebuild {
    std::map<NodeId, std::vector<bool>> covered;  // per peer: shared leaves pulled
    std::set<NodeId> heard;                       // peers heard from since the loss
    bool clock_restored = false;  // the clock is above every peer's: stamping is safe
  };
  std::optional<Rebuild> rebuild_;
  bool disk_full_ = false;
  SimulationHooks simulation_;
  NodeMetrics metrics_;
  std::map<NodeId, PeerActivity> peer_activity_;

  std::map<uint64_t, PendingWrite> writes_;  // by op id
  std::map<uint64_t, PendingRead> reads_;    // by op id
  std::deque<Message> local_inbox_;          // messages to ourselves
  std::vector<Envelope> held_;               // answers waiting for commit()
  std::map<uint64_t, std::vector<Envelope>> sealed_;  // seal_commit() batches being synced
  uint64_t next_commit_batch_ = 1;
  // Batches sealed after the keeper finished streaming, with the epoch it finished in.
  std::map<uint64_t, uint64_t> sealed_streamed_;
  uint64_t record_counter_ = 0;  // versions of the node's own records (ring, cursors)
  std::vector<Envelope> outbox_;
  std::vector<Reply> replies_;

  ReplicaIndex index_;
  SideStore side_store_;  // hints and purge floors (attach_hint_store)
  std::vector<std::pair<Key, Version>> drops_;  // not taken yet (take_drops)
  // The parts come last: they keep references to the members above.
  HintedHandoff hinted_handoff_;
  AntiEntropy anti_entropy_;
  std::unique_ptr<RingKeeper> keeper_;  // built last: it may send while it starts
};

}  // namespace ringkv
