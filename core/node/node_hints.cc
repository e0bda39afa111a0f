// Hinted handoff: when a replica did not acknowledge a write by its deadline, the
// coordinator keeps a hint (target, key, entry) in its durable hint store, bounded per
// target, and replays hints to targets that gossip sees alive, deleting each once acked.
// Hints never count toward W.
#include "core/node/node.h"

namespace ringkv {
namespace {
constexpr uint64_t kHintOverheadBytes = 64;  // per-hint bookkeeping counted in the budget

std::string hint_key(const NodeId& target, const Key& key) {
  std::string out = target;
  out += '\0';
  out += key;
  return out;
}

uint64_t hint_size(const Key& key, const Entry& entry) {
  return key.size() + entry.value.size() + kHintOverheadBytes;
}

// A hint is stored as a live record at the hinted version whose value is one marker byte
// (kHintedValue / kHintedDelete) and then the value. The hint store's own tombstones mean
// "delivered" (handle_hint_ack), so a hinted DELETE must not be stored as a tombstone.
constexpr char kHintedValue = 'v';
constexpr char kHintedDelete = 'd';

Entry hint_record(const Entry& hinted) {
  Entry record{hinted.version, false, {}};
  record.value.reserve(1 + hinted.value.size());
  record.value += hinted.tombstone ? kHintedDelete : kHintedValue;
  record.value += hinted.value;
  return record;
}

// The hinted entry, or nullopt for a delivered hint (tombstone) or an unknown record.
std::optional<Entry> hinted_entry(const Entry& record) {
  if (record.tombstone || record.value.empty()) return std::nullopt;
  if (record.value[0] == kHintedDelete) return Entry{record.version, true, {}};
  if (record.value[0] != kHintedValue) return std::nullopt;
  return Entry{record.version, false, record.value.substr(1)};
}
}  // namespace

void Node::attach_hint_store(ReplicaStore& hints) {
  hints_ = &hints;
  hint_bytes_.clear();
  Status scanned = hints.scan("", [&](std::string_view stored_key, const Entry& entry) {
    size_t separator = stored_key.find('\0');
    std::optional<Entry> hinted = hinted_entry(entry);
    if (separator != std::string_view::npos && hinted) {
      Key key(stored_key.substr(separator + 1));
      hint_bytes_[NodeId(stored_key.substr(0, separator))] += hint_size(key, *hinted);
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
  if (!hints_) {
    metrics_.hints_dropped++;
    return;
  }
  const uint64_t size = hint_size(key, entry);
  uint64_t& used = hint_bytes_[target];
  if (used + size > config_.max_hint_bytes_per_target) {
    metrics_.hints_dropped++;  // named limit: max_hint_bytes_per_target
    return;
  }
  Result<ApplyResult> stored = hints_->apply(hint_key(target, key), hint_record(entry));
  if (!stored.ok()) {
    metrics_.storage_errors++;
    metrics_.hints_dropped++;
    return;
  }
  used += size;
  hints_dirty_ = true;
  metrics_.hints_stored++;
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
    const std::string prefix = hint_key(target, "");
    std::vector<std::pair<std::string, Entry>> batch;
    const size_t batch_max = buggify() ? 1 : config_.hint_replay_batch;  // buggify: trickle
    Status scanned = hints_->scan(prefix, [&](std::string_view stored_key, const Entry& entry) {
      if (stored_key.substr(0, prefix.size()) != prefix) return false;
      if (std::optional<Entry> hinted = hinted_entry(entry)) {
        batch.emplace_back(std::string(stored_key), std::move(*hinted));
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
    for (auto& [stored_key, entry] : batch) {
      const uint64_t op = new_op();
      Key key = stored_key.substr(prefix.size());
      hints_in_flight_[op] = HintInFlight{target, stored_key, entry.version, hint_size(key, entry)};
      send(target, ReplicaWrite{op, std::move(key), entry, /*fresh=*/false});
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
  // Delete: a tombstone at the same version wins over the hint, then purge it. A newer
  // hint for the same key (a higher version) survives both steps.
  Result<ApplyResult> marked = hints_->apply(hint.hint_key, Entry{hint.version, true, {}});
  if (!marked.ok() || !hints_->purge_tombstone(hint.hint_key, hint.version).ok()) {
    metrics_.storage_errors++;
    return true;
  }
  if (marked->applied) {
    uint64_t& used = hint_bytes_[hint.target];
    used -= std::min(used, hint.size_bytes);
    metrics_.hints_delivered++;
  }
  hints_dirty_ = true;
  return true;
}

}  // namespace ringkv
