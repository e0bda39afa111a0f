// Config: every tunable and every limit of a node, with defaults from the design.
// validate() must pass before a Node is built; its error names the offending field
// (the runtime maps field names to flags: replication_factor -> --n, etc.).
#pragma once

#include <cstdint>

#include "core/status.h"
#include "core/types.h"

namespace ringkv {

// The largest value a node accepts unless started with a larger --max-value-bytes, and the
// most it may be configured to accept. kvctl checks values against the same numbers.
inline constexpr uint64_t kDefaultMaxValueBytes = 1 << 20;
inline constexpr uint64_t kMaxValueBytesCeiling = 64ull << 20;

struct Config {
  // Quorums. The defaults must be strong (2W > N and 2R >= N: linearizable per key,
  // docs/consistency.md) unless allow_weak_quorums; requests may ask for weaker ones.
  uint32_t replication_factor = 3;  // N
  uint32_t write_quorum = 2;        // W
  uint32_t read_quorum = 2;         // R
  bool allow_weak_quorums = false;
  uint32_t vnodes_per_node = 100;

  // Client limits.
  uint32_t max_key_bytes = 1024;
  uint64_t max_value_bytes = kDefaultMaxValueBytes;
  uint32_t max_inflight_requests = 4096;  // per coordinator
  uint64_t default_timeout_ms = 2000;
  // A strong write first asks only as many replicas as its version query needs (itself
  // and live ones first); the others are asked too if the answers are not in after this
  // long (0: ask every replica at once).
  uint64_t version_query_hedge_ms = 5;
  uint64_t max_timeout_ms = 60000;

  // Gossip and failure detection (local clock).
  uint64_t gossip_interval_ms = 2000;
  uint32_t gossip_fanout = 2;
  uint64_t suspect_after_ms = 6000;
  uint64_t dead_after_ms = 12000;
  uint32_t max_cluster_nodes = 256;

  // Hinted handoff.
  uint64_t max_hint_bytes_per_target = 64ull << 20;
  uint64_t hint_replay_interval_ms = 1000;
  uint32_t hint_replay_batch = 64;
  // Hints older than this are dropped, not replayed: a hint must never outlive a purged
  // tombstone of its key (validate(): max_hint_age_ms + max_timeout_ms < tombstone_grace_ms).
  uint64_t max_hint_age_ms = 3ull * 3600 * 1000;

  // Anti-entropy and tombstones.
  uint64_t anti_entropy_interval_ms = 10000;
  uint32_t anti_entropy_max_entries_per_message = 256;
  uint64_t tombstone_grace_ms = 10ull * 24 * 3600 * 1000;

  // Membership changes (docs/membership.md): a gaining member's stream requests ask for
  // at most this many bytes of entries each, and pace themselves to the byte rate
  // (0: unthrottled).
  uint32_t stream_batch_bytes = 256u << 10;
  uint64_t stream_max_bytes_per_s = 0;

  // Storage.
  uint64_t memtable_max_bytes = 4ull << 20;

  // Returns ok, or invalid_argument naming the first bad field, e.g.
  // "write_quorum (W) must be in 1..replication_factor (3), got 4".
  Status validate() const;
};

}  // namespace ringkv
