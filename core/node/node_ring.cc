// The node's ring configuration (docs/membership.md): RingKeeper decides it; the node
// keeps it (and the stream cursors) in its own store next to the Lamport lease, places
// keys by it, checks the epoch of every quorum-counted replica request, and moves its
// pending operations to the sets of each new configuration. A coordinator never stamps a
// write twice: a new configuration only adds replicas to it.
#include <algorithm>
#include <charconv>

#include "core/node/node.h"

namespace ringkv {
namespace {

// The node's own records (is_node_record_key): sorted before every client key.
const Key kRingRecordKey("\0ring", 5);
const std::string kCursorPrefix("\0stream\0", 8);

// A stream cursor record (FROZEN, docs/storage.md): "<epoch> <started> <done>\n<cursor>".
std::string encode_cursor(const StreamCursor& cursor) {
  return std::to_string(cursor.epoch) + " " + (cursor.started ? "1" : "0") + " " +
         (cursor.done ? "1" : "0") + "\n" + cursor.cursor;
}

std::optional<StreamCursor> decode_cursor(std::string_view record) {
  const size_t newline = record.find('\n');
  if (newline == std::string_view::npos) return std::nullopt;
  std::string_view head = record.substr(0, newline);
  StreamCursor cursor;
  auto [end, error] = std::from_chars(head.data(), head.data() + head.size(), cursor.epoch);
  if (error != std::errc() || std::string_view(end, head.data() + head.size() - end).size() != 4) {
    return std::nullopt;
  }
  std::string_view flags(end, 4);  // " s d"
  if (flags[0] != ' ' || flags[2] != ' ') return std::nullopt;
  if ((flags[1] != '0' && flags[1] != '1') || (flags[3] != '0' && flags[3] != '1')) {
    return std::nullopt;
  }
  cursor.started = flags[1] == '1';
  cursor.done = flags[3] == '1';
  cursor.cursor = std::string(record.substr(newline + 1));
  return cursor;
}

bool contains(const std::vector<NodeId>& ids, const NodeId& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

void Node::load_ring_records(std::optional<RingDescription>& ring,
                             std::map<NodeId, StreamCursor>& cursors) {
  Status scanned = store_.scan(std::string_view("\0", 1), [&](std::string_view key,
                                                              const Entry& entry) {
    if (key.empty() || key.front() != '\0') return false;  // past the node's records
    record_counter_ = std::max(record_counter_, entry.version.counter);
    if (key == kRingRecordKey) {
      if (Result<RingDescription> decoded = decode_ring_record(entry.value); decoded.ok()) {
        ring = std::move(decoded).value();
      } else {
        metrics_.storage_errors++;  // an unreadable record: the node asks its peers
      }
    } else if (key.substr(0, kCursorPrefix.size()) == kCursorPrefix) {
      if (std::optional<StreamCursor> cursor = decode_cursor(entry.value)) {
        cursors[NodeId(key.substr(kCursorPrefix.size()))] = *cursor;
      }
    }
    return true;
  });
  if (!scanned.ok()) metrics_.storage_errors++;
}

Status Node::write_record(const Key& key, std::string value) {
  Result<ApplyResult> applied =
      store_.apply(key, Entry{Version{++record_counter_, self_.id}, false, std::move(value)});
  if (!applied.ok()) {
    metrics_.storage_errors++;
    return applied.status();
  }
  return Status();
}

// A node keeps the entries of the ranges it stops replicating when a change ends (space
// that nothing reclaims yet, docs/membership.md). They are dead: every acknowledged write
// and delete of those keys is at their replicas. But when a later change makes the node a
// replica of such a key again, its entry would answer reads and go out in repairs, and by
// then the key may have been deleted and its tombstone purged everywhere: the old value
// would come back. So before the node takes a configuration in which it replicates a
// position it did not replicate in its current one, it drops what it holds there. This runs
// before the configuration is written, and nothing places new entries there meanwhile (at
// the current epoch the node is no replica of them), so a crash in between leaves the node
// at its current configuration, to drop them again when it takes the next one.
Status Node::prepare_ring(const RingConfig& current, const RingConfig& next) {
  const size_t n = config_.replication_factor;
  auto replicates = [&](const RingConfig& config, uint64_t position) {
    return config.sets_at(position, n).includes(self_.id);
  };
  if (simulation_.injected(InjectedBug::kKeepRegainedEntries)) return Status();
  if (!current.formed()) {
    // A node without a configuration holds what it holds from an earlier life only when it
    // joins (a member that lost its ring record or its disk keeps or rebuilds its data).
    const RingMember* listed = next.find(self_.id);
    if (!listed || listed->state != MemberState::kJoining ||
        next.stage() != ChangeStage::kJoint) {
      return Status();
    }
  }
  auto same = [](const Ring& a, const Ring& b) {
    return a.nodes() == b.nodes() && a.vnodes_per_node() == b.vnodes_per_node();
  };
  auto held = [&](const Ring& ring) {  // placed as by one of the current rings
    return same(ring, current.old_ring()) || same(ring, current.new_ring());
  };
  if (current.formed() && held(next.old_ring()) && held(next.new_ring())) {
    return Status();  // a later stage of the same change, or its end: nothing is gained
  }
  std::vector<RingArc> gained;
  for (const RingArc& arc : arcs_between_points({&current.old_ring(), &current.new_ring(),
                                                 &next.old_ring(), &next.new_ring()})) {
    if (replicates(next, arc.at) && !(current.formed() && replicates(current, arc.at))) {
      gained.push_back(arc);
    }
  }
  std::sort(gained.begin(), gained.end(),
            [](const RingArc& a, const RingArc& b) { return a.first < b.first; });
  for (size_t run = 0; run < gained.size();) {  // one scan per run of adjacent arcs
    size_t end = run + 1;
    while (end < gained.size() && gained[end - 1].last != UINT64_MAX &&
           gained[end].first == gained[end - 1].last + 1) {
      end++;
    }
    RINGKV_RETURN_IF_ERROR(drop_entries(gained[run].first, gained[end - 1].last));
    run = end;
  }
  return Status();
}

Status Node::drop_entries(uint64_t first, uint64_t last) {
  // Held in memory at once: at most this many entries, or a batch that reached this size.
  constexpr size_t kBatch = 1024;
  constexpr size_t kBatchBytes = size_t{1} << 20;
  std::vector<std::pair<Key, Entry>> batch;
  uint64_t from = first;
  for (;;) {
    batch.clear();
    size_t batch_bytes = 0;
    bool full = false;
    uint64_t reached = from;
    Status scanned = store_.scan_positions(
        from, last, [&](uint64_t position, std::string_view key, const Entry& entry) {
          batch.emplace_back(Key(key), entry);
          batch_bytes += key.size() + entry.value.size();
          reached = position;
          full = batch.size() >= kBatch || batch_bytes >= kBatchBytes;
          return !full;
        });
    if (!scanned.ok()) {
      metrics_.storage_errors++;
      return scanned;
    }
    for (const auto& [key, entry] : batch) {
      // Dropped entries leave the scan: the next batch starts at the last position again.
      if (Status purged = store_.purge(key, entry.version); !purged.ok()) {
        metrics_.storage_errors++;
        return purged;
      }
      index_.on_change(key, entry, std::nullopt, now_ms_);
      metrics_.regained_entries_dropped++;
      if (simulation_.observed()) drops_.emplace_back(key, entry.version);
    }
    if (!full) return Status();
    from = reached;
  }
}

Status Node::persist_ring(const RingDescription& ring) {
  return write_record(kRingRecordKey, encode_ring_record(ring));
}

Status Node::persist_cursor(const NodeId& source, const StreamCursor& cursor) {
  return write_record(kCursorPrefix + source, encode_cursor(cursor));
}

Status Node::scan_entries(const Key& cursor, bool from_start,
                          const std::function<bool(const Key&, const Entry&)>& visit) {
  return store_.scan(from_start ? std::string_view() : std::string_view(cursor),
                     [&](std::string_view key, const Entry& entry) {
                       if (is_node_record_key(key)) return true;
                       if (!from_start && key == cursor) return true;  // sent already
                       return visit(Key(key), entry);
                     });
}

Status Node::apply_streamed(const Key& key, const Entry& entry) {
  if (is_node_record_key(key) || key.size() > config_.max_key_bytes) {
    return Status::invalid_argument("a streamed key that no client can write");
  }
  Result<ApplyResult> applied = apply_and_index(key, entry);
  if (!applied.ok()) metrics_.storage_errors++;
  return applied.status();
}

void Node::ring_changed(const RingConfig& before, const RingConfig& after) {
  follow_ring(before, after);
  replan_pending();
}

void Node::follow_ring(const RingConfig& before, const RingConfig& after) {
  // Placement for anti-entropy, the index and the lost-data rebuild: the owners before the
  // change while it lasts (a gaining member streams instead), the only ring after it.
  const bool placement = !before.formed() || ring_.nodes() != after.old_ring().nodes();
  const Ring previous = placement ? ring_ : Ring();
  ring_ = after.old_ring();
  for (const RingMember& member : after.members()) {
    if (member.id == self_.id) continue;
    if (member.state == MemberState::kRemoved || member.state == MemberState::kLeft) continue;
    (void)membership_.add_seed(member.id, member.address, now_ms_);  // full: gossip has it
  }
  if (placement) {
    // Only the arcs whose replicas changed are scanned; an index missing keys (a scan
    // failed) is rebuilt whole.
    if (!index_.complete()) {
      rebuild_index();
    } else if (!index_.follow_ring(previous, store_).ok()) {
      metrics_.storage_errors++;  // incomplete now: the next round rebuilds it
    }
    if (rebuild_) rebuild_->covered.clear();
  }
  if (rebuild_ && !before.formed() && after.formed()) {
    // Lost data found its ring: every peer it heard from before counts for the clock.
    bool heard_all = true;
    for (const NodeId& id : ring_.nodes()) {
      if (id != self_.id && !rebuild_->heard.count(id)) heard_all = false;
    }
    if (heard_all) rebuild_->clock_restored = true;
  }
  check_rebuilt();
}

void Node::replan_pending() {
  std::vector<uint64_t> write_ops, read_ops;
  for (const auto& [op, write] : writes_) write_ops.push_back(op);
  for (const auto& [op, read] : reads_) read_ops.push_back(op);
  for (uint64_t op : write_ops) {
    auto it = writes_.find(op);
    if (it == writes_.end()) continue;
    PendingWrite& write = it->second;
    metrics_.ops_replanned++;
    write.sets = write_sets(write.key);
    for (const NodeId& id : write.sets.members()) {
      if (!contains(write.replicas, id)) write.replicas.push_back(id);
    }
    if (write.querying) {
      write.not_queried.clear();  // every replica not heard from is asked now
      for (const NodeId& id : write.replicas) {
        if (!write.queried.count(id)) send(id, VersionQuery{op, write.key});
      }
      if (query_quorum_met(write)) stamp_and_send(op);
      continue;
    }
    const bool strong = 2 * write.required > config_.replication_factor;  // it was queried
    if (strong && !write.replied && keeper_->config().epoch() > write.stamped_epoch + 1) {
      // The ring moved on by more than one configuration since the version query: only a
      // coordinator that was removed while it ran falls that far behind (every other member
      // acknowledges each stage), and its query may have missed writes that completed
      // meanwhile at the newer sets. The stamp cannot be trusted and a write is never
      // stamped twice: it fails, indeterminate (it may still take effect, at its version).
      metrics_.writes_stale_stamp++;
      fail_write(op, ClientOutcome::kQuorumFailed,
                 "the ring changed by more than one configuration during the write (epoch " +
                     std::to_string(write.stamped_epoch) + " to " +
                     std::to_string(keeper_->config().epoch()) + ")");
      continue;
    }
    for (const NodeId& id : write.replicas) {
      if (!write.acked.count(id)) send(id, ReplicaWrite{op, write.key, write.entry, true});
    }
    maybe_finish_write(op);
  }
  for (uint64_t op : read_ops) {
    auto it = reads_.find(op);
    if (it == reads_.end()) continue;
    metrics_.ops_replanned++;
    it->second.replicas = read_set(it->second.key);
    it->second.write_sets = write_sets(it->second.key);
    restart_read(op);  // reads are idempotent: asked again, at the new sets
  }
}

void Node::resend(const NodeId& from, uint64_t op) {
  if (auto it = writes_.find(op); it != writes_.end()) {
    const PendingWrite& write = it->second;
    if (!contains(write.replicas, from)) return;
    if (write.querying && !write.queried.count(from)) {
      send(from, VersionQuery{op, write.key});
    } else if (!write.querying && !write.acked.count(from)) {
      send(from, ReplicaWrite{op, write.key, write.entry, /*fresh=*/true});
    }
    return;
  }
  if (auto it = reads_.find(op); it != reads_.end()) {
    const PendingRead& read = it->second;
    if (read.writing_back) {
      if (!read.holders.count(from)) {
        send(from, ReplicaWrite{op, read.key, read.winner, /*fresh=*/false});
      }
    } else if (contains(read.replicas, from) && !read.answers.count(from)) {
      send(from, ReplicaRead{op, read.key});
    }
  }
}

ReplicaSets Node::write_sets(const Key& key) const {
  return keeper_->config().write_sets(key, config_.replication_factor);
}

std::vector<NodeId> Node::read_set(const Key& key) const {
  return keeper_->config().read_set(key, config_.replication_factor);
}

bool Node::quorum_of(const ReplicaSets& sets, const std::set<NodeId>& acked, size_t count,
                     size_t required) const {
  if (sets.moving() && !simulation_.injected(InjectedBug::kSingleSetQuorumDuringMove)) {
    return sets.quorum_met(acked, required);
  }
  if (sets.moving()) return count >= required;  // the injected bug: either set will do
  // One set: answers from replicas that an earlier configuration of this operation had
  // (the old set of a change that has ended since) do not count towards it. `count` may
  // exceed acked.size() only by the duplicates the count-duplicate-acks bug counts.
  size_t outside = 0;
  for (const NodeId& id : acked) outside += contains(sets.new_set, id) ? 0 : 1;
  return count - outside >= required;
}

bool Node::query_quorum_met(const PendingWrite& write) const {
  return quorum_of(write.sets, write.queried, write.queried.size(),
                   (config_.replication_factor + 1) / 2);
}

bool Node::admit(const NodeId& from, uint64_t epoch, uint64_t op) {
  if (from == self_.id) return true;  // this node's own request carries its own epoch
  // The bug: a formed replica does not look at the request's epoch at all.
  if (simulation_.injected(InjectedBug::kStaleEpochAccepted) && keeper_->formed()) return true;
  if (keeper_->admits(from, epoch)) return true;
  metrics_.epoch_refusals_sent++;
  send(from, EpochRefusal{op, keeper_->config().epoch()});
  return false;
}

bool Node::serving() const { return !refuse_client().has_value(); }

std::optional<std::string> Node::refuse_client() const {
  if (!keeper_->formed()) {
    return std::string(rebuild_ ? "this node lost its data (or starts for the first time) and "
                                : "this node ") +
           "has no ring configuration yet (waiting for its --peers to answer)";
  }
  const std::optional<MemberState> state = keeper_->self_state();
  if (!state) return "this node is not a member of the ring yet (asking to join)";
  if (*state == MemberState::kLeft) return "this node left the cluster (decommissioned)";
  if (*state == MemberState::kRemoved) return "this node was removed from the cluster";
  return std::nullopt;
}

Result<RingConfig> Node::begin_change(ChangeKind kind, const NodeId& id, uint64_t now_ms) {
  now_ms_ = now_ms;
  // A removal re-replicates a node's ranges from the others as if its disk were gone; a
  // node this one still hears from is running (or was, moments ago): it must leave by
  // decommission, or be stopped and marked down first (suspect_after_ms, dead_after_ms).
  if (kind == ChangeKind::kRemove && id != self_.id && keeper_->can_begin().ok() &&
      keeper_->config().find(id) && membership_.status_of(id) != MemberStatus::kDown) {
    return Status::conflict(
        "node " + id + " is " + member_status_name(membership_.status_of(id)) +
        " to this node: removenode is for a node that is gone for good; decommission a "
        "running node, or stop it and wait until the cluster marks it down");
  }
  Result<RingConfig> begun = keeper_->begin(kind, id, now_ms);
  drain_local(now_ms);
  return begun;
}

}  // namespace ringkv
