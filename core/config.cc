#include "core/config.h"

#include <string>

namespace ringkv {
namespace {

Status field_error(const char* field, const std::string& rule, uint64_t got) {
  return Status::invalid_argument(std::string(field) + " " + rule + ", got " +
                                  std::to_string(got));
}

Status positive(const char* field, uint64_t value) {
  return value == 0 ? field_error(field, "must be > 0", value) : Status();
}

}  // namespace

Status Config::validate() const {
  const std::string in_1_to_n = "must be in 1..replication_factor (" +
                                std::to_string(replication_factor) + ")";
  if (replication_factor == 0 || replication_factor > 16) {
    return field_error("replication_factor (N)", "must be in 1..16", replication_factor);
  }
  if (write_quorum == 0 || write_quorum > replication_factor) {
    return field_error("write_quorum (W)", in_1_to_n, write_quorum);
  }
  if (read_quorum == 0 || read_quorum > replication_factor) {
    return field_error("read_quorum (R)", in_1_to_n, read_quorum);
  }
  if (!allow_weak_quorums && 2 * write_quorum <= replication_factor) {
    return Status::invalid_argument(
        "write_quorum (W=" + std::to_string(write_quorum) + ") must be a majority of " +
        "replication_factor (N=" + std::to_string(replication_factor) +
        ") for linearizable writes (2W > N), unless allow_weak_quorums is set");
  }
  if (!allow_weak_quorums && 2 * read_quorum < replication_factor) {
    return Status::invalid_argument(
        "read_quorum (R=" + std::to_string(read_quorum) + ") must be at least half of " +
        "replication_factor (N=" + std::to_string(replication_factor) +
        ") for linearizable reads (2R >= N), unless allow_weak_quorums is set");
  }
  if (vnodes_per_node == 0 || vnodes_per_node > 1024) {
    return field_error("vnodes_per_node", "must be in 1..1024", vnodes_per_node);
  }
  if (max_key_bytes == 0 || max_key_bytes > 65535) {
    return field_error("max_key_bytes", "must be in 1..65535", max_key_bytes);
  }
  if (max_value_bytes == 0 || max_value_bytes > kMaxValueBytesCeiling) {
    return field_error("max_value_bytes", "must be in 1.." + std::to_string(kMaxValueBytesCeiling),
                       max_value_bytes);
  }
  RINGKV_RETURN_IF_ERROR(positive("max_inflight_requests", max_inflight_requests));
  RINGKV_RETURN_IF_ERROR(positive("default_timeout_ms", default_timeout_ms));
  if (version_query_hedge_ms > default_timeout_ms) {
    return field_error("version_query_hedge_ms", "must be <= default_timeout_ms (" +
                                                     std::to_string(default_timeout_ms) + ")",
                       version_query_hedge_ms);
  }
  if (max_timeout_ms < default_timeout_ms) {
    return field_error("max_timeout_ms", "must be >= default_timeout_ms (" +
                                             std::to_string(default_timeout_ms) + ")",
                       max_timeout_ms);
  }
  RINGKV_RETURN_IF_ERROR(positive("gossip_interval_ms", gossip_interval_ms));
  RINGKV_RETURN_IF_ERROR(positive("gossip_fanout", gossip_fanout));
  if (suspect_after_ms <= gossip_interval_ms) {
    return field_error("suspect_after_ms", "must exceed gossip_interval_ms (" +
                                               std::to_string(gossip_interval_ms) + ")",
                       suspect_after_ms);
  }
  if (dead_after_ms <= suspect_after_ms) {
    return field_error("dead_after_ms", "must exceed suspect_after_ms (" +
                                            std::to_string(suspect_after_ms) + ")",
                       dead_after_ms);
  }
  if (max_cluster_nodes < replication_factor) {
    return field_error("max_cluster_nodes", "must be >= replication_factor", max_cluster_nodes);
  }
  RINGKV_RETURN_IF_ERROR(positive("hint_replay_interval_ms", hint_replay_interval_ms));
  RINGKV_RETURN_IF_ERROR(positive("hint_replay_batch", hint_replay_batch));
  RINGKV_RETURN_IF_ERROR(positive("anti_entropy_interval_ms", anti_entropy_interval_ms));
  RINGKV_RETURN_IF_ERROR(positive("max_hint_age_ms", max_hint_age_ms));
  if (max_hint_age_ms + max_timeout_ms >= tombstone_grace_ms) {
    return field_error("max_hint_age_ms",
                       "plus max_timeout_ms must stay below tombstone_grace_ms (" +
                           std::to_string(tombstone_grace_ms) + ")",
                       max_hint_age_ms);
  }
  RINGKV_RETURN_IF_ERROR(
      positive("anti_entropy_max_entries_per_message", anti_entropy_max_entries_per_message));
  if (stream_batch_bytes == 0 || stream_batch_bytes > (4u << 20)) {
    return field_error("stream_batch_bytes", "must be in 1..4194304", stream_batch_bytes);
  }
  if (memtable_max_bytes < 4096) {
    return field_error("memtable_max_bytes", "must be >= 4096", memtable_max_bytes);
  }
  return Status();
}

}  // namespace ringkv
