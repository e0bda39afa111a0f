// Replica side: apply writes as LWW merges and answer reads. Every answer is held until
// the next commit() has synced the store, so nothing is acknowledged before it is durable.
#include "core/node/node.h"

namespace ringkv {

Result<ApplyResult> Node::apply_entry(const Key& key, const Entry& entry) {
  if (simulation_.injected(InjectedBug::kVersionCounterOnly)) {
    Result<std::optional<Entry>> current = store_.get(key);
    if (!current.ok()) return current.status();
    if (*current && (*current)->version.counter >= entry.version.counter) {
      return ApplyResult{false, (*current)->version, std::nullopt};
    }
  }
  return store_.apply(key, entry);
}

Result<ApplyResult> Node::apply_and_index(const Key& key, const Entry& entry) {
  // Anything at or below a tombstone purged here lost to that delete: a late repair, hint
  // or tombstone must not bring the key back.
  const std::optional<Version> floor = anti_entropy_.purge_floor(key);
  if (floor && entry.version <= *floor) return ApplyResult{false, *floor, std::nullopt};
  Result<ApplyResult> result = apply_entry(key, entry);
  if (!result.ok() && result.status().code() == StatusCode::kNoSpace) {
    disk_full_ = true;  // nothing was written (the store cut the WAL back): retried later
    metrics_.writes_failed_disk_full++;
  }
  if (result.ok() && result->applied) disk_full_ = false;  // it wrote: space is back
  if (result.ok() && result->applied) index_.on_change(key, result->replaced, entry, now_ms_);
  return result;
}

void Node::handle_replica_write(const NodeId& from, const ReplicaWrite& write) {
  if (write.key.empty() || write.key.size() > config_.max_key_bytes) return;  // not a client key
  Result<ApplyResult> result = apply_and_index(write.key, write.entry);
  if (!result.ok()) {
    metrics_.storage_errors++;
    if (result.status().code() == StatusCode::kNoSpace) {
      // Nothing was written: say so at once (no sync to wait for), so that a write that
      // cannot reach its quorum fails now (507) instead of at its deadline.
      send(from, ReplicaWriteAck{write.op, /*accepted=*/false, {}, false, std::nullopt});
    }
    return;  // otherwise no answer: the coordinator times out, a hint or anti-entropy retries
  }
  // Never refused: an older entry is superseded by what we hold (the write is ordered just
  // before it). The ack waits for the sync, which covers the newer entry too.
  const bool superseded = !result->applied && write.entry.version < result->current;
  ReplicaWriteAck ack{write.op, true, result->current, superseded, std::nullopt};
  if (superseded && !write.fresh) {
    // A write-back: the strong read behind it takes the newer entry as its winner.
    Result<std::optional<Entry>> held = held_entry(write.key);
    if (held.ok() && *held && (*held)->version == result->current) ack.held = std::move(*held);
  }
  hold(from, std::move(ack));
}

Result<std::optional<Entry>> Node::held_entry(const Key& key) {
  Result<std::optional<Entry>> result = store_.get(key);
  if (!result.ok()) return result;
  const std::optional<Version> floor = anti_entropy_.purge_floor(key);
  if (floor && (!*result || (*result)->version < *floor)) {
    return std::optional<Entry>(Entry{*floor, true, {}});
  }
  return result;
}

void Node::handle_replica_read(const NodeId& from, const ReplicaRead& read) {
  if (!serves_reads()) {
    metrics_.refused_rebuilding++;  // lost data: silence, the coordinator asked all N
    return;
  }
  Result<std::optional<Entry>> result = held_entry(read.key);
  ReplicaReadReply answer;
  answer.op = read.op;
  if (result.ok()) {
    answer.entry = std::move(*result);
  } else {
    metrics_.storage_errors++;
    answer.ok = false;
  }
  hold(from, std::move(answer));  // after the sync: the answer describes durable state
}

void Node::handle_version_query(const NodeId& from, const VersionQuery& query) {
  if (!serves_reads()) {
    // Lost data: "nothing" here could hide an acknowledged version, and a write stamped
    // below it would lose to an older one. Silence: the coordinator hedges to the others.
    metrics_.refused_rebuilding++;
    return;
  }
  Result<std::optional<Entry>> result = held_entry(query.key);
  VersionQueryReply answer{query.op, result.ok(), {}};
  if (!result.ok()) {
    metrics_.storage_errors++;
  } else if (*result) {
    answer.version = (*result)->version;
  }
  send(from, std::move(answer));  // no sync needed: an unsynced version only raises a stamp
}

}  // namespace ringkv
