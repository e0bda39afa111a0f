// KvSimulation: one seeded run of a ringkv cluster in the simulator. Safety phase (faults
// and workload), then liveness phase (faults stop, nodes restart, the network heals, the
// workload goes on), then a bounded wait for convergence, then every checker. The same
// options give the same trace hash.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/storage/memory_env.h"
#include "sim/kit/simulator.h"
#include "sim/kv/checkers.h"
#include "sim/kv/coverage.h"
#include "sim/kv/history.h"
#include "sim/kv/kv_machine.h"
#include "sim/kv/sim_options.h"

namespace ringkv::sim {

struct SimStats {
  uint64_t ops = 0, writes_acked = 0, reads_ok = 0, not_found = 0, failed = 0;
  uint64_t indeterminate = 0;
  uint64_t probe_ops = 0;  // requests of the healthy-cluster probe (not in `ops`)
  uint64_t crashes = 0, power_failures = 0, partitions = 0, clogs = 0, pauses = 0;
  uint64_t disk_wipes = 0;
  uint64_t restart_failures = 0, events = 0, converged_after_ms = 0;
  uint64_t black_box_steps = 0, black_box_unknown_keys = 0;
  uint64_t contended_reads = 0;  // strong reads that failed under write contention (liveness)
};

struct SimResult {
  std::optional<Violation> violation;
  Coverage coverage;
  uint64_t trace_hash = 0;
  uint64_t end_time_ms = 0;
  SimStats stats;
  std::string report;  // on failure: the history and trace around the violation
  std::string html_error;  // html_to(): the page could not be written
  bool ok() const { return !violation.has_value(); }
};

class KvSimulation {
 public:
  explicit KvSimulation(SimOptions options);
  // Writes every event as JSON lines to `path`; false if it cannot be opened.
  bool trace_to(const std::string& path) {
    setup_.describe_messages = true;
    return trace_.open_file(path);
  }
  // After the run, writes its timeline as one self-contained HTML page (sim/kv/timeline.h).
  void html_to(const std::string& path) {
    setup_.describe_messages = true;
    trace_.capture();
    html_path_ = path;
  }
  const std::string& html_path() const { return html_path_; }
  SimResult run();

 private:
  struct Client {
    uint64_t pending_op = 0;
    uint64_t sequence = 0;
  };

  std::unique_ptr<KvMachine> make_machine(size_t index, uint64_t local_now_ms);
  void after_step(size_t index);
  void crash_node(size_t index);
  // Adds what the machine's counters reached in this life to the run's coverage.
  void harvest_coverage(size_t index);
  void restart_node(size_t index);
  void crash_for_a_while(size_t index);
  void schedule_next_op(size_t client, uint64_t delay_ms);
  void issue_op(size_t client);
  uint64_t submit_op(Op op, const ClientRequest& request);
  Op probe_request(ClientOp kind, const Key& key, Value value, size_t coordinator);
  void complete_op(uint64_t op_id, const ClientResponse& response);
  void expire_op(uint64_t op_id);
  void schedule_fault();
  void inject_fault();
  void fill_disk(size_t node);
  void wipe_disk(size_t node);
  void flip_at_rest(size_t node);
  // A node lost its data (wiped, or a damaged store set aside): the checkers' floors for
  // it go, and weak writes acknowledged before now may be gone.
  void note_data_lost(size_t node);
  bool any_rebuilding() const;
  FaultOptions base_disk_faults() const;
  void partition_network();
  void end_safety_when_ready();
  void begin_liveness();
  void probe();
  void check_replica_monotonic(size_t index, bool after_restart);
  bool purged_here(size_t index, const Key& key, const Version& version) const;
  bool converged(std::map<Key, ReplicaState>* state);
  bool membership_converged() const;
  Version highest_floor(const Key& key) const;
  std::map<Key, ReplicaState> final_state();
  void check_linearizable();
  void fail(Violation violation);
  std::string report(const Violation& violation) const;

  SimOptions options_;
  Prng prng_;
  Prng workload_prng_;
  Prng fault_prng_;
  Trace trace_;
  KvMachineSetup setup_;
  std::vector<std::unique_ptr<MemoryEnv>> disks_;
  std::vector<uint64_t> incarnations_;
  std::unique_ptr<Simulator<KvMachine>> sim_;
  History history_;
  std::vector<Client> clients_;
  std::vector<Key> keys_;
  std::vector<std::map<Key, Version>> last_seen_;  // per node: highest version seen
  std::vector<std::map<Key, Version>> durable_;    // per node: version as of last sync
  std::vector<uint64_t> checked_changes_;  // per node: store state_changes() last checked
  std::vector<bool> wiped_;  // per node: its data was lost and it has not rebuilt yet
  std::vector<bool> rebuilding_;  // per node: rebuilding after its last step
  uint64_t last_rebuilt_ms_ = 0;  // when a node last finished rebuilding lost data
  // The stored bit flipped and not yet found: one damage at a time.
  struct FlippedBit {
    size_t node = 0;
    std::string path;
    uint64_t offset = 0;
    int bit = 0;
  };
  std::optional<FlippedBit> flipped_;
  bool faults_active_ = true;
  bool workload_active_ = true;
  uint64_t liveness_start_ms_ = 0;
  std::optional<Violation> violation_;
  SimStats stats_;
  Coverage coverage_;
  std::string html_path_;
};

}  // namespace ringkv::sim
