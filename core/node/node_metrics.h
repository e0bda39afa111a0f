// The node's counters (monotonic), read by the host for /metrics and logs. Node owns them;
// its parts (HintedHandoff, AntiEntropy) count into them through references.
#pragma once

#include <cstdint>

namespace ringkv {

// What this node did with one peer's data (monotonic counts), for the host's per-peer log
// summaries: hints kept for the peer while it was unreachable, and anti-entropy repairs.
struct PeerActivity {
  uint64_t hints_stored = 0, hints_delivered = 0, hints_dropped = 0, hints_expired = 0;
  uint64_t repair_entries_sent = 0;     // entries this node sent the peer in Merkle syncs
  uint64_t repair_entries_applied = 0;  // entries from the peer that changed this replica
};

struct NodeMetrics {
  uint64_t writes_ok = 0, writes_failed = 0;
  uint64_t reads_ok = 0, reads_not_found = 0, reads_failed = 0;
  uint64_t bad_requests = 0, overloaded = 0;
  uint64_t version_queries = 0, version_query_hedges = 0, writes_superseded = 0;
  uint64_t writes_stale_stamp = 0;  // strong writes failed: the ring moved on 2+ epochs
  uint64_t read_repairs_sent = 0, read_write_backs = 0, read_restarts = 0;
  uint64_t read_winner_changes = 0;  // strong reads that met a newer version while writing back
  uint64_t storage_errors = 0, answers_dropped_sync_failed = 0;
  uint64_t commits = 0, gossip_rounds = 0;
  uint64_t hints_stored = 0, hints_delivered = 0, hints_dropped = 0;
  uint64_t hints_dropped_budget = 0;  // of hints_dropped: max_hint_bytes_per_target reached
  uint64_t hints_expired = 0;         // older than max_hint_age_ms: dropped, not replayed
  uint64_t purge_floors_expired = 0;
  uint64_t anti_entropy_rounds = 0, anti_entropy_in_sync = 0;
  uint64_t anti_entropy_entries_sent = 0, anti_entropy_entries_applied = 0;
  uint64_t tombstones_purged = 0;
  uint64_t regained_entries_dropped = 0;  // stale entries of ranges this node became a replica of again
  uint64_t data_rebuilds = 0;            // lost data pulled back from every replica peer
  uint64_t index_load_steps = 0;         // anti-entropy index load steps that left more to load
  uint64_t refused_rebuilding = 0;       // read and version answers withheld, writes refused
  uint64_t writes_failed_disk_full = 0;  // local applies refused: no space on the disk
  uint64_t writes_refused_no_space = 0;  // coordinator: replica writes refused for no space
  uint64_t epoch_refusals_sent = 0;      // replica requests from an older ring epoch
  uint64_t epoch_refusals_received = 0;
  uint64_t ops_replanned = 0;            // pending operations moved to a new configuration
  uint64_t refused_not_serving = 0;      // client requests before formed, or after leaving
};

}  // namespace ringkv
