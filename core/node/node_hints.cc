// Hinted handoff: when a replica did not acknowledge a write by its deadline, the
// coordinator keeps a hint (target, key, entry, creation time) in its durable side store,
// bounded per target, and replays hints to targets that gossip sees alive, deleting each
// once acked. Hints older than max_hint_age_ms are dropped instead (Cassandra's max hint
// window): a hint that old could predate a tombstone that has been purged since, and would
// bring the deleted key back. Hints never count toward W. The side store also keeps the
// purge floors (node_anti_entropy.cc); the record formats are in side_records.h.
#include "core/node/node.h"
#include "core/node/side_records.h"

namespace ringkv {
namespace {
constexpr uint64_t kHintOverheadBytes = 64;  // per-hint bookkeeping counted in the budget

uint64_t hint_size(std::string_view key, const Entry& entry) {
  return key.size() + entry.value.size() + kHintOverheadBytes;
}
}  // namespace

void Node::attach_hint_store(ReplicaStore& hints) {
  hints_ = &hints;
  hint_bytes_.clear();
  purged_.clear();
  Status scanned = hints.scan("", [&](std::string_view stored_key, const Entry& entry) {
    std::optional<SideKey> side = parse_side_key(stored_key);
    if (!side) return true;
    if (side->target.empty()) {
      if (std::optional<uint64_t> purged_ms = decode_floor(entry)) {
        purged_[std::string(side->key)] = PurgeFloor{entry.version, *purged_ms};
      }
    } else if (std::optional<HintRecord> hint = decode_hint(entry, now_ms_)) {
      hint_bytes_[NodeId(side->target)] += hint_size(side->key, hint->entry);
    }
    return true;
  });
  if (!scanned.ok()) metrics_.storage_errors++;
}

uint64_t Node::hint_bytes(const NodeId& target) const {
  auto it = hint_bytes_.find(target);
  return it == hint_bytes_.end() ? 0 : it->second;
}

void Node::store_hint(const NodeId& target, const Key& key, const Entry& entry) {
  if (bug(InjectedBug::kDropHints)) return;
  PeerActivity& activity = peer_activity_[target];
  if (!hints_) {
    metrics_.hints_dropped++;
    activity.hints_dropped++;
    return;
  }
  const uint64_t size = hint_size(key, entry);
  uint64_t& used = hint_bytes_[target];
  if (used + size > config_.max_hint_bytes_per_target) {
    metrics_.hints_dropped++;  // named limit: max_hint_bytes_per_target
    metrics_.hints_dropped_budget++;
    activity.hints_dropped++;
    return;
  }
  Result<ApplyResult> stored = hints_->apply(side_key(target, key), encode_hint(entry, now_ms_));
  if (!stored.ok()) {
    metrics_.storage_errors++;
    metrics_.hints_dropped++;
    activity.hints_dropped++;
    return;
  }
  used += size;
  hints_dirty_ = true;
  metrics_.hints_stored++;
  activity.hints_stored++;
}

bool Node::hint_expired(uint64_t created_ms, uint64_t now_ms) const {
  // A creation time ahead of this clock (a host reboot restarted it) is of unknown age.
  return created_ms > now_ms || now_ms - created_ms > config_.max_hint_age_ms;
}

void Node::replay_hints(uint64_t now_ms) {
  next_hint_replay_ms_ = now_ms + config_.hint_replay_interval_ms;
  hints_in_flight_.clear();  // unanswered replays are simply sent again
  if (!hints_) return;
  for (auto it = hint_bytes_.begin(); it != hint_bytes_.end();) {
    const NodeId& target = it->first;
    if (membership_.status_of(target) != MemberStatus::kAlive) {
      ++it;
      continue;
    }
    const std::string prefix = side_key(target, "");
    struct Pending {
      std::string stored_key;
      HintRecord hint;
    };
    std::vector<Pending> batch;
    const size_t batch_max = buggify() ? 1 : config_.hint_replay_batch;  // buggify: trickle
    Status scanned = hints_->scan(prefix, [&](std::string_view stored_key, const Entry& entry) {
      if (stored_key.substr(0, prefix.size()) != prefix) return false;
      if (std::optional<HintRecord> hint = decode_hint(entry, now_ms)) {
        batch.push_back(Pending{std::string(stored_key), std::move(*hint)});
      }
      return batch.size() < batch_max;
    });
    if (!scanned.ok()) {
      metrics_.storage_errors++;
      return;
    }
    if (batch.empty()) {
      it = hint_bytes_.erase(it);  // nothing left for this target
      continue;
    }
    for (Pending& pending : batch) {
      Key key = pending.stored_key.substr(prefix.size());
      const uint64_t size = hint_size(key, pending.hint.entry);
      if (hint_expired(pending.hint.created_ms, now_ms)) {
        metrics_.hints_expired++;
        peer_activity_[target].hints_expired++;
        forget_hint(target, pending.stored_key, pending.hint.entry.version, size);
        continue;
      }
      const uint64_t op = new_op();
      hints_in_flight_[op] =
          HintInFlight{target, pending.stored_key, pending.hint.entry.version, size};
      send(target, ReplicaWrite{op, std::move(key), pending.hint.entry, /*fresh=*/false});
    }
    ++it;
  }
}

bool Node::handle_hint_ack(const NodeId& from, const ReplicaWriteAck& ack) {
  auto it = hints_in_flight_.find(ack.op);
  if (it == hints_in_flight_.end()) return false;
  HintInFlight hint = std::move(it->second);
  hints_in_flight_.erase(it);
  if (from != hint.target || !ack.accepted) return true;
  if (forget_hint(hint.target, hint.hint_key, hint.version, hint.size_bytes)) {
    metrics_.hints_delivered++;
    peer_activity_[hint.target].hints_delivered++;
  }
  return true;
}

// Deletes a hint: a tombstone at the same version wins over it, then is purged. A newer
// hint for the same key (a higher version) survives both steps. True when it was there.
bool Node::forget_hint(const NodeId& target, const std::string& stored_key,
                       const Version& version, uint64_t size_bytes) {
  Result<ApplyResult> marked = hints_->apply(stored_key, Entry{version, true, {}});
  if (!marked.ok() || !hints_->purge_tombstone(stored_key, version).ok()) {
    metrics_.storage_errors++;
    return false;
  }
  hints_dirty_ = true;
  if (!marked->applied) return false;
  uint64_t& used = hint_bytes_[target];
  used -= std::min(used, size_bytes);
  return true;
}

}  // namespace ringkv
