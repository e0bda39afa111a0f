// Hinted handoff: when a replica did not acknowledge a write by its deadline, the
// coordinator keeps a hint (target, key, entry, creation time) in its durable side store,
// bounded per target, and replays hints to targets that gossip sees alive, deleting each
// once acked. Hints older than max_hint_age_ms are dropped instead (Cassandra's max hint
// window): a hint that old could predate a tombstone that has been purged since, and would
// bring the deleted key back. Hints never count toward W. The side store also keeps the
// purge floors (anti_entropy.h); the record formats are in side_records.h.
#include "core/node/hinted_handoff.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "core/node/side_records.h"

namespace ringkv {
namespace {
constexpr uint64_t kHintOverheadBytes = 64;  // per-hint bookkeeping counted in the budget

uint64_t hint_size(std::string_view key, const Entry& entry) {
  return key.size() + entry.value.size() + kHintOverheadBytes;
}
}  // namespace

HintedHandoff::HintedHandoff(NodeContext node, Outbox& outbox, uint64_t now_ms)
    : node_(node),
      outbox_(outbox),
      next_replay_ms_(now_ms + node_.config.hint_replay_interval_ms) {}

void HintedHandoff::load_hint(const NodeId& target, std::string_view key, const Entry& record,
                              uint64_t loaded_ms) {
  if (std::optional<HintRecord> hint = decode_hint(record, loaded_ms)) {
    bytes_by_target_[target] += hint_size(key, hint->entry);
  }
}

uint64_t HintedHandoff::bytes_for(const NodeId& target) const {
  auto it = bytes_by_target_.find(target);
  return it == bytes_by_target_.end() ? 0 : it->second;
}

void HintedHandoff::count_dropped(PeerActivity& activity) {
  node_.metrics.hints_dropped++;
  activity.hints_dropped++;
}

void HintedHandoff::store(const NodeId& target, const Key& key, const Entry& entry,
                          uint64_t now_ms) {
  if (node_.simulation.injected(InjectedBug::kDropHints)) return;
  PeerActivity& activity = node_.peer_activity[target];
  if (!node_.side_store.attached()) {
    count_dropped(activity);
    return;
  }
  const uint64_t size = hint_size(key, entry);
  uint64_t& used = bytes_by_target_[target];
  if (used + size > node_.config.max_hint_bytes_per_target) {
    count_dropped(activity);  // named limit: max_hint_bytes_per_target
    node_.metrics.hints_dropped_budget++;
    return;
  }
  Result<ApplyResult> stored =
      node_.side_store.store().apply(side_key(target, key), encode_hint(entry, now_ms));
  if (!stored.ok()) {
    node_.metrics.storage_errors++;
    count_dropped(activity);
    return;
  }
  used += size;
  node_.side_store.mark_dirty();
  node_.metrics.hints_stored++;
  activity.hints_stored++;
}

bool HintedHandoff::expired(uint64_t created_ms, uint64_t now_ms) const {
  // A creation time ahead of this clock (a host reboot restarted it) is of unknown age.
  return created_ms > now_ms || now_ms - created_ms > node_.config.max_hint_age_ms;
}

void HintedHandoff::replay(uint64_t now_ms) {
  next_replay_ms_ = now_ms + node_.config.hint_replay_interval_ms;
  in_flight_.clear();  // unanswered replays are simply sent again
  if (!node_.side_store.attached()) return;
  ReplicaStore& hints = node_.side_store.store();
  for (auto it = bytes_by_target_.begin(); it != bytes_by_target_.end();) {
    const NodeId& target = it->first;
    if (node_.membership.status_of(target) != MemberStatus::kAlive) {
      ++it;
      continue;
    }
    const std::string prefix = side_key(target, "");
    struct Pending {
      std::string stored_key;
      HintRecord hint;
    };
    std::vector<Pending> batch;
    // buggify: a trickle of single-hint batches
    const size_t batch_max = node_.simulation.buggify() ? 1 : node_.config.hint_replay_batch;
    Status scanned = hints.scan(prefix, [&](std::string_view stored_key, const Entry& entry) {
      if (stored_key.substr(0, prefix.size()) != prefix) return false;
      if (std::optional<HintRecord> hint = decode_hint(entry, now_ms)) {
        batch.push_back(Pending{std::string(stored_key), std::move(*hint)});
      }
      return batch.size() < batch_max;
    });
    if (!scanned.ok()) {
      node_.metrics.storage_errors++;
      return;
    }
    if (batch.empty()) {
      it = bytes_by_target_.erase(it);  // nothing left for this target
      continue;
    }
    for (Pending& pending : batch) {
      Key key = pending.stored_key.substr(prefix.size());
      const uint64_t size = hint_size(key, pending.hint.entry);
      if (expired(pending.hint.created_ms, now_ms)) {
        node_.metrics.hints_expired++;
        node_.peer_activity[target].hints_expired++;
        forget(target, pending.stored_key, pending.hint.entry.version, size);
        continue;
      }
      const uint64_t op = outbox_.new_op();
      in_flight_[op] = InFlight{target, pending.stored_key, pending.hint.entry.version, size};
      outbox_.send(target, ReplicaWrite{op, std::move(key), pending.hint.entry, /*fresh=*/false});
    }
    ++it;
  }
}

bool HintedHandoff::handle_ack(const NodeId& from, const ReplicaWriteAck& ack) {
  auto it = in_flight_.find(ack.op);
  if (it == in_flight_.end()) return false;
  InFlight hint = std::move(it->second);
  in_flight_.erase(it);
  if (from != hint.target || !ack.accepted) return true;
  if (forget(hint.target, hint.hint_key, hint.version, hint.size_bytes)) {
    node_.metrics.hints_delivered++;
    node_.peer_activity[hint.target].hints_delivered++;
  }
  return true;
}

// Deletes a hint: a tombstone at the same version wins over it, then is purged. A newer
// hint for the same key (a higher version) survives both steps. True when it was there.
bool HintedHandoff::forget(const NodeId& target, const std::string& stored_key,
                           const Version& version, uint64_t size_bytes) {
  ReplicaStore& hints = node_.side_store.store();
  Result<ApplyResult> marked = hints.apply(stored_key, Entry{version, true, {}});
  if (!marked.ok() || !hints.purge(stored_key, version).ok()) {
    node_.metrics.storage_errors++;
    return false;
  }
  node_.side_store.mark_dirty();
  if (!marked->applied) return false;
  uint64_t& used = bytes_by_target_[target];
  used -= std::min(used, size_bytes);
  return true;
}

}  // namespace ringkv
