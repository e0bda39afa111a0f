// HistoryRecorder: concurrent clients against a real cluster, recorded as the simulator's
// History so that the same linearizability checkers judge real processes. Times are
// microseconds of a steady clock (the checkers only compare them), every client has its
// own keep-alive connection and PRNG, and every loop is bounded in count and time.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "local_cluster.h"
#include "sim/kv/history.h"

namespace ringkv::integration {

struct RecordedWorkload {
  size_t clients = 6;
  size_t ops_per_client = 250;
  size_t keys = 4;
  uint32_t weak_one_in = 8;            // one request in this many asks for w=1 / r=1
  uint64_t request_timeout_ms = 1000;  // ?timeout_ms= (the server's deadline)
  uint64_t max_duration_ms = 90000;    // clients stop issuing requests after this
  uint64_t seed = 1;
};

class HistoryRecorder {
 public:
  HistoryRecorder(const LocalCluster& cluster, RecordedWorkload workload);

  // Runs every client until it issued ops_per_client requests, stop() was called, or
  // max_duration_ms passed; safe to call once.
  void run();
  // Asks the clients to stop after their current request (from another thread).
  void stop() { stop_requested_ = true; }
  // Set while run() is in progress: clients still issue requests.
  bool running() const { return running_.load(); }
  // After run(): a strong read of every key through every node, one at a time, recorded
  // like the clients' requests (so the checkers see whether every acknowledged write
  // survived). Returns how many of them failed.
  size_t final_reads(size_t nodes);
  sim::History history() const;
  size_t count(sim::OpResult result) const;

 private:
  void run_client(size_t client);
  sim::Op perform(size_t client, runtime::HttpClient& http, sim::Op op);
  uint64_t now_us() const;

  const LocalCluster& cluster_;
  RecordedWorkload workload_;
  uint64_t start_us_ = 0;
  std::atomic<bool> running_{false};
  std::atomic<bool> stop_requested_{false};
  mutable std::mutex mutex_;
  std::vector<sim::Op> ops_;
};

}  // namespace ringkv::integration
