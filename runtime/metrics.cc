#include "runtime/metrics.h"

#include <cstdio>

namespace ringkv::runtime {
namespace {

void counter(std::string& out, const char* name, const char* help, uint64_t value,
             const char* type = "counter") {
  out += std::string("# HELP ringkv_") + name + " " + help + "\n# TYPE ringkv_" + name + " " +
         type + "\n" + "ringkv_" + name + " " + std::to_string(value) + "\n";
}

std::string format_double(double value) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.9g", value);
  return text;
}

}  // namespace

void RuntimeMetrics::record_request(const std::string& route, int status, double latency_ms) {
  requests_[{route, status}]++;
  Histogram& histogram = latency_[route];
  for (size_t i = 0; i < kLatencyBucketBoundsMs.size(); ++i) {
    if (latency_ms <= kLatencyBucketBoundsMs[i]) histogram.buckets[i]++;
  }
  histogram.count++;
  histogram.sum_ms += latency_ms;
}

std::string RuntimeMetrics::render(const NodeMetrics& node, const LsmStats& store,
                                   const RuntimeGauges& gauges) const {
  std::string out;
  render_requests(out);
  render_counters(out, node, store, gauges);
  return out;
}

void RuntimeMetrics::render_requests(std::string& out) const {
  out +=
      "# HELP ringkv_requests_total HTTP requests answered, by route and status\n"
      "# TYPE ringkv_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    out += "ringkv_requests_total{route=\"" + key.first + "\",status=\"" +
           std::to_string(key.second) + "\"} " + std::to_string(count) + "\n";
  }
  // Prometheus' base unit: seconds (kept in milliseconds inside).
  out +=
      "# HELP ringkv_request_duration_seconds HTTP request latency, by route\n"
      "# TYPE ringkv_request_duration_seconds histogram\n";
  for (const auto& [route, histogram] : latency_) {
    std::string label = "route=\"" + route + "\"";
    for (size_t i = 0; i < kLatencyBucketBoundsMs.size(); ++i) {
      out += "ringkv_request_duration_seconds_bucket{" + label + ",le=\"" +
             format_double(kLatencyBucketBoundsMs[i] / 1000) + "\"} " +
             std::to_string(histogram.buckets[i]) + "\n";
    }
    out += "ringkv_request_duration_seconds_bucket{" + label + ",le=\"+Inf\"} " +
           std::to_string(histogram.count) + "\n";
    out += "ringkv_request_duration_seconds_sum{" + label + "} " +
           format_double(histogram.sum_ms / 1000) + "\n";
    out += "ringkv_request_duration_seconds_count{" + label + "} " +
           std::to_string(histogram.count) + "\n";
  }
}

void RuntimeMetrics::render_counters(std::string& out, const NodeMetrics& node,
                                     const LsmStats& store, const RuntimeGauges& gauges) const {
  counter(out, "quorum_failures_total", "client requests answered 503 for lack of a quorum",
          transport_.quorum_failures);
  counter(out, "read_repairs_total", "read repair writes sent", node.read_repairs_sent);
  counter(out, "version_queries_total", "strong writes that asked the replicas for their version",
          node.version_queries);
  counter(out, "version_query_hedges_total",
          "strong writes that asked the remaining replicas after the hedge delay",
          node.version_query_hedges);
  counter(out, "writes_superseded_total",
          "write acks from replicas that already held a newer version", node.writes_superseded);
  counter(out, "writes_stale_stamp_total",
          "strong writes failed because the ring moved on by two or more epochs after their stamp",
          node.writes_stale_stamp);
  counter(out, "read_write_backs_total",
          "replicas sent a strong read's value before it was answered", node.read_write_backs);
  counter(out, "read_restarts_total",
          "strong reads read again after a write-back met a newer version", node.read_restarts);
  counter(out, "read_winner_changes_total",
          "strong reads that met a newer version while writing back and adopted it",
          node.read_winner_changes);
  counter(out, "storage_errors_total", "local store failures seen by the node",
          node.storage_errors);
  counter(out, "overloaded_total", "requests refused at max_inflight_requests", node.overloaded);
  counter(out, "commits_total", "group commits (store syncs) done by the node", node.commits);
  counter(out, "commit_failures_total", "failed group commits", transport_.commit_failures);
  counter(out, "compaction_failures_total",
          "failed compaction steps (the compaction starts over after a backoff)",
          transport_.compaction_failures);
  counter(out, "gossip_rounds_total", "gossip rounds started", node.gossip_rounds);
  counter(out, "hints_stored_total", "hints stored for unreachable replicas", node.hints_stored);
  counter(out, "hints_delivered_total", "hints replayed and acknowledged", node.hints_delivered);
  counter(out, "hints_dropped_total", "hints dropped (limit or no hint store)", node.hints_dropped);
  counter(out, "hints_expired_total", "hints older than max_hint_age_ms, dropped unreplayed",
          node.hints_expired);
  counter(out, "anti_entropy_rounds_total", "anti-entropy rounds started",
          node.anti_entropy_rounds);
  counter(out, "anti_entropy_entries_applied_total", "entries repaired by anti-entropy",
          node.anti_entropy_entries_applied);
  counter(out, "tombstones_purged_total", "tombstones purged after the grace period",
          node.tombstones_purged);
  counter(out, "regained_entries_dropped_total",
          "stale entries dropped before this node became a replica of their range again",
          node.regained_entries_dropped);
  counter(out, "purge_floors_expired_total",
          "purge floors forgotten one grace period after their purge", node.purge_floors_expired);
  counter(out, "data_rebuilds_total", "lost data pulled back from every replica peer",
          node.data_rebuilds);
  counter(out, "index_load_steps_total",
          "anti-entropy index load steps that left more to load (a large store at start)",
          node.index_load_steps);
  counter(out, "refused_rebuilding_total",
          "reads, version queries and writes refused while rebuilding lost data",
          node.refused_rebuilding);
  counter(out, "ring_epoch", "the epoch of this node's ring configuration", gauges.ring_epoch,
          "gauge");
  counter(out, "ring_configs_adopted_total", "ring configurations this node adopted",
          gauges.ring.configs_adopted);
  counter(out, "epoch_refusals_sent_total",
          "replica requests refused for an older ring epoch", node.epoch_refusals_sent);
  counter(out, "ops_replanned_total",
          "pending operations moved to the replica sets of a new ring configuration",
          node.ops_replanned);
  counter(out, "requests_refused_not_serving_total",
          "client requests refused before the ring formed or after this node left",
          node.refused_not_serving);
  counter(out, "membership_stages_entered_total",
          "membership change stages this node entered as the change's owner",
          gauges.ring.stages_entered);
  counter(out, "joins_completed_total", "joins this node completed as owner",
          gauges.ring.joins_completed);
  counter(out, "decommissions_completed_total", "decommissions this node completed as owner",
          gauges.ring.decommissions_completed);
  counter(out, "removals_completed_total", "removals this node completed as owner",
          gauges.ring.removals_completed);
  counter(out, "stream_batches_served_total", "stream batches this node sent to gaining members",
          gauges.ring.stream_batches_served);
  counter(out, "stream_batches_received_total", "stream batches this node received",
          gauges.ring.stream_batches_received);
  counter(out, "stream_resumed_total",
          "streams picked up from a durable cursor or asked again after no answer",
          gauges.ring.stream_resumed);
  counter(out, "stream_bytes_received", "bytes of entries streamed in during the current change",
          gauges.stream.bytes_received, "gauge");
  counter(out, "stream_sources_done", "sources that finished streaming to this node (current change)",
          gauges.stream.sources_done, "gauge");
  counter(out, "stream_sources", "sources this node streams from (current change)",
          gauges.stream.sources_total, "gauge");
  counter(out, "writes_failed_disk_full_total",
          "local writes refused because the disk is full (nothing written; retried later)",
          node.writes_failed_disk_full);
  counter(out, "writes_refused_no_space_total",
          "replica writes this node coordinated that a replica refused for lack of disk space",
          node.writes_refused_no_space);
  counter(out, "wal_syncs_total", "WAL fsyncs", store.wal_syncs);
  counter(out, "flushes_total", "memtable flushes to SSTables", store.flushes);
  counter(out, "compactions_total", "finished compactions", store.compactions);
  counter(out, "sstables", "live SSTables", store.table_count, "gauge");
  counter(out, "sstable_bytes", "bytes in live SSTables", store.table_bytes, "gauge");
  counter(out, "memtable_bytes", "bytes in the memtable", store.memtable_bytes, "gauge");
  counter(out, "block_cache_bytes",
          "bytes held by the block cache (data blocks, index chunks, filter pages)",
          store.block_cache_bytes, "gauge");
  counter(out, "block_cache_metadata_bytes",
          "of block_cache_bytes, index chunks and bloom filter pages", store.block_cache_metadata_bytes,
          "gauge");
  counter(out, "block_cache_hits_total", "table reads answered by the block cache",
          store.block_cache_hits);
  counter(out, "block_cache_misses_total", "table reads that went to the file",
          store.block_cache_misses);
  counter(out, "block_cache_not_admitted_total",
          "data blocks read once and not kept (a block is kept on its second read)",
          store.block_cache_not_admitted);
  counter(out, "sstable_memory_bytes",
          "bytes live SSTables hold outside the block cache (index and filter summaries)",
          store.table_memory_bytes, "gauge");
  counter(out, "open_connections", "open inbound HTTP connections", gauges.open_connections,
          "gauge");
  counter(out, "connections_accepted_total", "inbound connections accepted",
          transport_.connections_accepted);
  counter(out, "connections_refused_total", "inbound connections refused (max connections)",
          transport_.connections_refused);
  counter(out, "idle_connections_closed_total", "connections closed after the idle timeout",
          transport_.idle_connections_closed);
  counter(out, "read_timeouts_total", "requests not received within the read timeout (408)",
          transport_.read_timeouts);
  counter(out, "unauthorized_requests_total", "internal requests without the cluster token",
          transport_.unauthorized_requests);
  counter(out, "internal_decode_errors_total", "internal requests that failed to decode",
          transport_.internal_decode_errors);
  counter(out, "internal_out_of_range_total",
          "internal requests refused for a Lamport counter or incarnation above 2^62",
          transport_.internal_out_of_range);
  counter(out, "peer_messages_sent_total", "messages written to peer connections",
          transport_.peer_messages_sent);
  counter(out, "peer_batches_sent_total", "batch requests carrying those messages",
          transport_.peer_batches_sent);
  counter(out, "peer_queue_drops_total", "messages dropped: peer queue full",
          transport_.peer_queue_drops);
  counter(out, "peer_unknown_drops_total", "messages dropped: no address for the node",
          transport_.peer_unknown_drops);
  counter(out, "peer_connect_failures_total", "failed peer connection attempts",
          transport_.peer_connect_failures);
  counter(out, "peer_queued_messages", "messages waiting in peer queues",
          gauges.peer_queued_messages, "gauge");
  counter(out, "client_requests_in_flight", "client requests waiting for the node's answer",
          gauges.client_requests_in_flight, "gauge");
}

}  // namespace ringkv::runtime
