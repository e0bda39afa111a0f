// Tombstone purge (part of AntiEntropy): a Merkle comparison that finds a subtree equal on
// both sides confirms that the peer holds the tombstones under it. A tombstone is purged
// once every other replica of its key confirmed it and tombstone_grace_ms has passed since
// this node first held it. The purge leaves a floor, kept durably in the side store
// (side_records.h) for one more grace period: nothing at or below the purged version is
// accepted meanwhile (docs/anti-entropy.md).
#include <algorithm>
#include <set>

#include "core/node/anti_entropy.h"
#include "core/node/side_records.h"

namespace ringkv {
namespace {
constexpr size_t kMaxPurgesPerRound = 256;  // tombstones purged per anti-entropy round
}  // namespace

void AntiEntropy::confirm_tombstones(const NodeId& peer, uint32_t level,
                                     const std::vector<uint32_t>& indices) {
  if (indices.empty()) return;
  const std::set<uint32_t> matched(indices.begin(), indices.end());
  const uint32_t leaves_per_node = MerkleTree::kLeaves / MerkleTree::width(level);
  for (auto& [key, tombstone] : index_.tombstones()) {
    uint32_t node = MerkleTree::leaf_of(key) / leaves_per_node;
    if (matched.count(node) && index_.shares(key, peer)) tombstone.confirmed_by.insert(peer);
  }
}

void AntiEntropy::purge_tombstones(uint64_t now_ms) {
  std::vector<std::pair<std::string, Version>> due;
  for (const auto& [key, tombstone] : index_.tombstones()) {
    if (due.size() >= kMaxPurgesPerRound) break;
    if (now_ms < tombstone.first_seen_ms + node_.config.tombstone_grace_ms) continue;
    auto peers = index_.peers_of(key);
    const std::set<NodeId>& confirmed = tombstone.confirmed_by;
    bool all_confirmed = std::all_of(peers.begin(), peers.end(),
                                     [&](const NodeId& peer) { return confirmed.count(peer) > 0; });
    if (all_confirmed || node_.simulation.injected(InjectedBug::kResurrectAfterPurge)) {
      due.emplace_back(key, tombstone.version);
    }
  }
  for (const auto& [key, version] : due) {
    if (!store_.purge(key, version).ok()) {
      node_.metrics.storage_errors++;
      continue;
    }
    index_.on_change(key, Entry{version, true, {}}, std::nullopt, now_ms);
    if (!node_.simulation.injected(InjectedBug::kResurrectAfterPurge)) {
      record_purge_floor(key, version, now_ms);
    }
    node_.metrics.tombstones_purged++;
    if (purges_.size() < kMaxPurgesPerRound * 4) purges_.emplace_back(key, version);
  }
  expire_purge_floors(now_ms);
}

std::optional<Version> AntiEntropy::purge_floor(std::string_view key) const {
  auto floor = floors_.find(key);
  if (floor == floors_.end()) return std::nullopt;
  return floor->second.version;
}

void AntiEntropy::load_purge_floor(std::string_view key, const Entry& record) {
  if (std::optional<uint64_t> purged_ms = decode_floor(record)) {
    floors_[std::string(key)] = PurgeFloor{record.version, *purged_ms};
  }
}

// The floor outlives every stale copy of the key: hints expire after max_hint_age_ms (less
// than the grace), requests after their timeout; it is kept one grace period more.
void AntiEntropy::record_purge_floor(const std::string& key, const Version& version,
                                     uint64_t now_ms) {
  floors_[key] = PurgeFloor{version, now_ms};
  if (!node_.side_store.attached()) return;  // in memory only (a node without a side store: tests)
  if (!node_.side_store.store().apply(side_key("", key), encode_floor(version, now_ms)).ok()) {
    node_.metrics.storage_errors++;
    return;
  }
  node_.side_store.mark_dirty();
}

void AntiEntropy::expire_purge_floors(uint64_t now_ms) {
  for (auto it = floors_.begin(); it != floors_.end();) {
    // A purge time ahead of this clock (a host reboot restarted it) restarts the period.
    if (it->second.purged_ms > now_ms) it->second.purged_ms = now_ms;
    if (now_ms - it->second.purged_ms < node_.config.tombstone_grace_ms) {
      ++it;
      continue;
    }
    if (node_.side_store.attached()) {
      ReplicaStore& side = node_.side_store.store();
      const std::string stored_key = side_key("", it->first);
      const Version version = it->second.version;
      if (!side.apply(stored_key, Entry{version, true, {}}).ok() ||
          !side.purge(stored_key, version).ok()) {
        node_.metrics.storage_errors++;
        ++it;
        continue;
      }
      node_.side_store.mark_dirty();
    }
    node_.metrics.purge_floors_expired++;
    it = floors_.erase(it);
  }
}

}  // namespace ringkv
