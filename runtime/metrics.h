// RuntimeMetrics: the counters and latency histograms kvnode exports on GET /metrics in the
// Prometheus text format (every name prefixed ringkv_). Owned by the server; the node's
// and the store's own counters are read at render time and never copied here.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "core/node/node.h"
#include "core/storage/lsm_store.h"

namespace ringkv::runtime {

// Upper bounds of the request latency histogram buckets, in milliseconds (+Inf implied).
inline constexpr std::array<double, 12> kLatencyBucketBoundsMs = {0.5, 1,   2,   5,   10,   25,
                                                                  50,  100, 250, 500, 1000, 5000};

struct TransportCounters {
  uint64_t peer_queue_drops = 0;    // messages dropped because a peer queue was full
  uint64_t peer_unknown_drops = 0;  // messages to a node without a known address
  uint64_t peer_messages_sent = 0;
  uint64_t peer_batches_sent = 0;
  uint64_t peer_connect_failures = 0;
  uint64_t connections_refused = 0;  // over --max-connections
  uint64_t connections_accepted = 0;
  uint64_t idle_connections_closed = 0;   // --idle-timeout-ms
  uint64_t read_timeouts = 0;             // --read-timeout-ms (answered 408)
  uint64_t unauthorized_requests = 0;
  uint64_t internal_decode_errors = 0;
  uint64_t internal_out_of_range = 0;  // refused: a counter above 2^62
  uint64_t quorum_failures = 0;
  uint64_t commit_failures = 0;
  uint64_t compaction_failures = 0;  // failed compaction steps (retried with a backoff)
};

// Values sampled by the server when /metrics is rendered.
struct RuntimeGauges {
  size_t open_connections = 0;
  size_t peer_queued_messages = 0;
  size_t client_requests_in_flight = 0;
  // Membership changes (the node's RingKeeper).
  uint64_t ring_epoch = 0;
  RingKeeperCounters ring;
  StreamProgress stream;
};

class RuntimeMetrics {
 public:
  void record_request(const std::string& route, int status, double latency_ms);
  TransportCounters& transport() { return transport_; }
  const TransportCounters& transport() const { return transport_; }

  std::string render(const NodeMetrics& node, const LsmStats& store,
                     const RuntimeGauges& gauges) const;

 private:
  void render_requests(std::string& out) const;
  void render_counters(std::string& out, const NodeMetrics& node, const LsmStats& store,
                       const RuntimeGauges& gauges) const;

  struct Histogram {
    std::array<uint64_t, kLatencyBucketBoundsMs.size()> buckets{};
    uint64_t count = 0;
    double sum_ms = 0;
  };
  std::map<std::pair<std::string, int>, uint64_t> requests_;  // (route, status) -> count
  std::map<std::string, Histogram> latency_;                  // route -> histogram
  TransportCounters transport_;
};

}  // namespace ringkv::runtime
