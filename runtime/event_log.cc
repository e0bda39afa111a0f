#include "runtime/event_log.h"

#include <utility>

namespace ringkv::runtime {

void EventLog::observe(uint64_t now_ms) {
  peer_states(now_ms);
  peer_activity(now_ms);
  index_load(now_ms);
  if (logger_.enabled(LogLevel::kDebug)) {
    store_events("data", data_, data_stats_);
    store_events("hints", hints_, hint_stats_);
  }
}

// The anti-entropy index of a large store loads in steps while the node serves (at start,
// after a failed load): one line when such a load ends, with how long it took from the
// first time it was seen.
void EventLog::index_load(uint64_t now_ms) {
  const ReplicaIndex& index = node_.replica_index();
  if (index.loading()) {
    if (!index_loading_) index_load_seen_ms_ = now_ms;
    index_loading_ = true;
    return;
  }
  if (!std::exchange(index_loading_, false) || !index.complete()) return;
  logger_.info("anti-entropy index loaded keys=" + std::to_string(index.key_count()) +
               " ms=" + std::to_string(now_ms - index_load_seen_ms_));
}

// One line per change of a peer's status, as this node's failure detector sees it:
// `peer n2 suspect`, `peer n2 down`, `peer n2 alive` (with its incarnation and, on the way
// back, how long it was not alive). A peer first seen alive is logged at debug.
void EventLog::peer_states(uint64_t now_ms) {
  for (const MemberRow& row : node_.membership().rows()) {
    if (row.node_id == node_.id()) continue;
    auto [it, first] = peer_states_.try_emplace(row.node_id, PeerState{row.status, now_ms});
    PeerState& state = it->second;
    if (first) {
      const std::string line = "peer " + row.node_id + " " + member_status_name(row.status) +
                               " incarnation=" + std::to_string(row.incarnation) + " (first seen)";
      row.status == MemberStatus::kAlive ? logger_.debug(line) : logger_.info(line);
      continue;
    }
    if (state.status == row.status) continue;
    std::string line = "peer " + row.node_id + " " + member_status_name(row.status) +
                       " incarnation=" + std::to_string(row.incarnation) + " was=" +
                       member_status_name(state.status);
    if (row.status == MemberStatus::kAlive) {
      line += " gone_ms=" + std::to_string(now_ms - state.since_ms);
      logger_.info(line);
    } else {
      logger_.warn(line);
    }
    // `since` is when the peer stopped being alive: it stays through suspect -> down.
    if (row.status == MemberStatus::kAlive || state.status == MemberStatus::kAlive) {
      state.since_ms = now_ms;
    }
    state.status = row.status;
  }
}

// Per peer, the hint and repair counts since its last line:
//   hints peer=n2 stored=120 delivered=0 dropped=0 expired=0 pending_bytes=15360
//   anti-entropy peer=n2 applied=3 sent=5
// Dropped or expired hints are data that only anti-entropy can bring back: a warning.
void EventLog::peer_activity(uint64_t now_ms) {
  for (const auto& [peer, counts] : node_.peer_activity()) {
    LoggedActivity& logged = logged_activity_[peer];
    if (logged.ever && now_ms - logged.logged_ms < kSummaryIntervalMs) continue;
    const PeerActivity& last = logged.counts;
    const uint64_t stored = counts.hints_stored - last.hints_stored;
    const uint64_t delivered = counts.hints_delivered - last.hints_delivered;
    const uint64_t dropped = counts.hints_dropped - last.hints_dropped;
    const uint64_t expired = counts.hints_expired - last.hints_expired;
    const uint64_t applied = counts.repair_entries_applied - last.repair_entries_applied;
    const uint64_t sent = counts.repair_entries_sent - last.repair_entries_sent;
    if (stored + delivered + dropped + expired + applied + sent == 0) continue;
    if (stored + delivered + dropped + expired > 0) {
      const std::string line =
          "hints peer=" + peer + " stored=" + std::to_string(stored) +
          " delivered=" + std::to_string(delivered) + " dropped=" + std::to_string(dropped) +
          " expired=" + std::to_string(expired) +
          " pending_bytes=" + std::to_string(node_.hint_bytes(peer));
      dropped + expired > 0 ? logger_.warn(line) : logger_.info(line);
    }
    if (applied + sent > 0) {
      logger_.info("anti-entropy peer=" + peer + " applied=" + std::to_string(applied) +
                   " sent=" + std::to_string(sent));
    }
    logged = LoggedActivity{counts, now_ms, true};
  }
}

void EventLog::store_events(const char* name, const LsmStore& store, LsmStats& last) {
  const LsmStats now = store.stats();
  const std::string prefix = std::string(" store=") + name;
  if (now.flushes != last.flushes) {
    logger_.debug("flush" + prefix + " tables=" + std::to_string(now.table_count) +
                  " table_bytes=" + std::to_string(now.table_bytes));
    last.flushes = now.flushes;
  }
  if (now.compactions != last.compactions) {
    logger_.debug("compaction" + prefix +
                  " entries=" + std::to_string(now.compacted_entries - last.compacted_entries) +
                  " tombstones_dropped=" +
                  std::to_string(now.tombstones_dropped - last.tombstones_dropped) +
                  " tables=" + std::to_string(now.table_count) +
                  " table_bytes=" + std::to_string(now.table_bytes));
    // Counts between two lines cover every step of the compaction just finished.
    last.compactions = now.compactions;
    last.compacted_entries = now.compacted_entries;
    last.tombstones_dropped = now.tombstones_dropped;
  }
}

}  // namespace ringkv::runtime
