// RingKeeper: this node's ring configuration and the membership changes it takes part in
// (docs/membership.md). It forms the first configuration of a new cluster with its seeds,
// asks a member to let it join, adopts newer configurations (and tells the change's owner
// it holds them), runs a change when it owns one (each stage entered once every voter
// acknowledged the current epoch, and streaming finished everywhere), streams in the keys
// this node gains, and serves the keys others gain from it. Replica requests are admitted
// only at or above its epoch. Pure: it talks through an Outbox and a RingKeeperHost.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/messages.h"
#include "core/node/outbox.h"
#include "core/ring_config.h"
#include "core/status.h"

namespace ringkv {

// Where a gaining member is in its stream from one source (durable: resumed after a crash).
struct StreamCursor {
  uint64_t epoch = 0;  // the streaming epoch it belongs to
  Key cursor;          // the last key received
  bool started = false;
  bool done = false;
  friend bool operator==(const StreamCursor&, const StreamCursor&) = default;
};

// What the keeper needs from the node that owns it.
class RingKeeperHost {
 public:
  // Before `next` replaces `current` (and before it is written): the node drops the
  // entries it still holds of keys it was no replica of and becomes one of with `next`
  // (docs/membership.md). A failure keeps `current`; `next` is taken when it comes again.
  virtual Status prepare_ring(const RingConfig& current, const RingConfig& next) = 0;
  // Writes the configuration (cursors) so that the next commit makes it durable.
  virtual Status persist_ring(const RingDescription& ring) = 0;
  virtual Status persist_cursor(const NodeId& source, const StreamCursor& cursor) = 0;
  // Calls `visit` with the stored entries in key order, after `cursor` (from the first key
  // when `from_start`), until it returns false.
  virtual Status scan_entries(const Key& cursor, bool from_start,
                              const std::function<bool(const Key&, const Entry&)>& visit) = 0;
  // How many keys the store holds (exact or estimated): the gainer's progress total.
  virtual uint64_t stored_key_count() const = 0;
  // Applies a streamed entry (last writer wins, indexed like any replica write).
  virtual Status apply_streamed(const Key& key, const Entry& entry) = 0;
  // The configuration changed (placement, stage): the node re-derives what depends on it.
  virtual void ring_changed(const RingConfig& before, const RingConfig& after) = 0;

 protected:
  ~RingKeeperHost() = default;
};

struct RingKeeperOptions {
  NodeId self;
  std::string address;                                  // advertised
  std::vector<std::pair<NodeId, std::string>> seeds;    // --peers: id, address
  size_t replication_factor = 3;
  uint32_t vnodes_per_node = kDefaultVnodesPerNode;
  size_t max_members = 64;
  uint64_t resend_interval_ms = 250;      // unanswered ring messages and stream requests
  uint32_t stream_batch_bytes = 256 << 10;
  uint64_t stream_max_bytes_per_s = 0;    // 0: unthrottled
};

// Streaming progress, as /cluster shows it.
struct StreamProgress {
  uint32_t sources_done = 0;
  uint32_t sources_total = 0;
  uint64_t bytes_received = 0;
  uint64_t entries_received = 0;
  // Estimated: for each source, its bytes so far scaled by the share of its keys it has
  // scanned (exact once every source is done; grows as sources first answer).
  uint64_t bytes_total = 0;
};

struct RingKeeperCounters {
  uint64_t configs_adopted = 0;
  uint64_t configs_refused = 0;   // invalid, or losing a same-epoch tie
  uint64_t configs_deferred = 0;  // newer, but the host could not prepare for it yet
  uint64_t stages_entered = 0;    // as owner
  uint64_t changes_completed = 0; // as owner
  uint64_t joins_completed = 0, decommissions_completed = 0, removals_completed = 0;
  uint64_t requests_refused_stale_epoch = 0;
  uint64_t stream_batches_served = 0, stream_batches_received = 0;
  uint64_t stream_resumed = 0;    // a stream picked up from a durable cursor or re-asked
  uint64_t reads_switched = 0;    // as owner: changes whose reads moved to the new sets
};

class RingKeeper {
 public:
  // `persisted`: the configuration this node stored before (nullopt: none); `cursors`:
  // its stream cursors by source.
  RingKeeper(RingKeeperOptions options, RingKeeperHost& host, Outbox& outbox,
             std::optional<RingDescription> persisted, std::map<NodeId, StreamCursor> cursors,
             uint64_t now_ms);

  const RingConfig& config() const { return config_; }
  bool formed() const { return config_.formed(); }
  // This node's state in the configuration (nullopt: not a member yet, e.g. not joined;
  // kRemoved also when a formed configuration no longer lists it: its removal ended).
  std::optional<MemberState> self_state() const;
  // Whether a change may begin here now (formed, none in progress or asked for).
  Status can_begin() const;
  // Decommissioned: the change is done and this node is `left` (its host may exit).
  bool left() const;
  StreamProgress progress() const;
  const RingKeeperCounters& counters() const { return counters_; }

  // Every message: its sender's epoch. A newer one makes the keeper ask for it.
  void observe_epoch(const NodeId& from, uint64_t epoch);
  // A quorum-counted replica request stamped with `epoch`: true to serve it; false when it
  // is older than this node's (the keeper sent `from` its configuration; the caller
  // answers with an EpochRefusal) or this node has no configuration yet.
  bool admits(const NodeId& from, uint64_t epoch);

  void handle(const NodeId& from, const RingState& state, uint64_t now_ms);
  void handle(const NodeId& from, const RingAck& ack, uint64_t now_ms);
  void handle(const NodeId& from, const StreamRequest& request, uint64_t now_ms);
  void handle(const NodeId& from, const StreamBatch& batch, uint64_t now_ms);
  void handle(const NodeId& from, const ChangeRequest& request, uint64_t now_ms);

  // An operator's request on this node (decommission of itself, removal of a dead member):
  // begins the change with this node as its owner, or says why not.
  Result<RingConfig> begin(ChangeKind kind, const NodeId& id, uint64_t now_ms);

  // The node's store synced everything applied so far (streamed entries included).
  void on_commit();
  // Streaming finished here and waits for a sync before it may be reported.
  bool streamed_awaiting_commit() const { return streamed_ && !streamed_durable_; }
  // Simulation only (injected bug switch-before-streamed): the owner enters the next stage
  // without waiting for the streaming acknowledgements.
  void set_skip_streamed_wait(bool on) { skip_streamed_wait_ = on; }

  void tick(uint64_t now_ms);
  uint64_t next_tick_ms() const { return next_tick_ms_; }

 private:
  struct Ack {
    uint64_t epoch = 0;
    uint64_t digest = 0;
    bool streamed = false;
  };
  struct Source {
    StreamCursor cursor;
    uint64_t asked_ms = 0;  // 0: no request in flight
    uint64_t not_before_ms = 0;
    // Since this node started streaming from it (a restart begins again at the cursor).
    uint64_t scanned = 0, source_keys = 0, bytes = 0;
  };

  // False (nothing changed) when the host could not prepare for `next`.
  bool adopt(RingConfig next, uint64_t now_ms);
  bool prefer(const RingConfig& candidate) const;
  void form_if_agreed(uint64_t now_ms);
  void start_streaming(uint64_t now_ms);
  void ask_sources(uint64_t now_ms);
  void finish_streaming_if_done();
  uint64_t estimated_bytes_total() const;
  void drive_change(uint64_t now_ms);
  bool all_acked() const;
  void push_config(const NodeId& to, bool hold);
  RingState state_message(bool request) const;
  std::vector<RingMember> prospective_members() const;
  bool gains_from(const Key& key, const NodeId& gainer, const NodeId& source) const;

  RingKeeperOptions options_;
  RingKeeperHost& host_;
  Outbox& outbox_;
  RingConfig config_;
  uint64_t next_tick_ms_ = 0;
  uint64_t now_ms_ = 0;
  RingKeeperCounters counters_;

  // Forming or joining: what each seed answered (epoch 0: its prospective members).
  std::map<NodeId, RingDescription> seed_answers_;
  // Owner of the change in progress: each voter's last acknowledgement, and when each
  // was last sent the configuration.
  std::map<NodeId, Ack> acks_;
  std::map<NodeId, uint64_t> pushed_ms_;
  std::map<NodeId, uint64_t> asked_newer_ms_;  // when each peer was last asked for its newer one
  // Gaining member in the streaming stage: one stream per source.
  std::map<NodeId, Source> sources_;
  bool streamed_ = false;          // every source done at the current epoch
  bool streamed_durable_ = false;  // and a commit since (the owner's own acknowledgement)
  StreamProgress progress_;
  bool skip_streamed_wait_ = false;
  // This node asked to be decommissioned: the member it asked to run it (until leaving).
  NodeId decommission_runner_;
  uint64_t decommission_asked_ms_ = 0;
};

}  // namespace ringkv
