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
#include "sim/kv/schedule.h"
#include "sim/kv/sim_options.h"

namespace ringkv::sim {

// Fault bounds the scheduler draws in and the rest of the run relies on: a node is down
// at least this long after a crash; a pause lasts at most this long (clients wait for it).
inline constexpr uint64_t kDowntimeMinMs = 50;
inline constexpr uint64_t kPauseMaxMs = 2000;

struct SimStats {
  uint64_t ops = 0, writes_acked = 0, reads_ok = 0, not_found = 0, failed = 0;
  uint64_t indeterminate = 0;
  uint64_t probe_ops = 0;  // requests of the healthy-cluster probe (not in `ops`)
  uint64_t crashes = 0, power_failures = 0, partitions = 0, clogs = 0, pauses = 0;
  uint64_t disk_wipes = 0;
  uint64_t joins_started = 0, decommissions_started = 0, removals_started = 0;
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
  // Records the faults and requests the run decides (recorded_schedule(), after run()).
  void record_schedule() {
    recording_ = true;
    recorded_ = Schedule{};
  }
  const Schedule& recorded_schedule() const { return recorded_; }
  // Runs `schedule`'s faults and requests instead of drawing them (sim/kv/schedule.h); it
  // must fit this run's options (Schedule::problem).
  void replay(Schedule schedule);
  SimResult run();

 private:
  struct Client {
    uint64_t pending_op = 0;
    uint64_t sequence = 0;
    uint64_t think_ms = 0;      // the pause before the request being issued
    size_t next_replayed = 0;   // replay: its next request in replay_ops_
  };

  std::unique_ptr<KvMachine> make_machine(size_t index, uint64_t local_now_ms);
  void after_step(size_t index);
  void crash_node(size_t index);
  // Adds what the machine's counters reached in this life to the run's coverage.
  void harvest_coverage(size_t index);
  void restart_node(size_t index);
  // The client's next request, after its think time (drawn, or the schedule's).
  void continue_client(size_t client, bool first);
  void issue_op(size_t client);
  void issue_replayed_op(size_t client);
  uint64_t submit_op(Op op, const ClientRequest& request);
  Op probe_request(ClientOp kind, const Key& key, Value value, size_t coordinator);
  void complete_op(uint64_t op_id, const ClientResponse& response);
  void expire_op(uint64_t op_id);
  void schedule_fault();
  // Draws (or replays) the faults of scheduler wake-up `tick` and applies them.
  void inject_fault(size_t tick);
  // Applies one fault, unless what it needs no longer holds (a paused node that is down,
  // a second damage while one is being rebuilt): then it is skipped, as the draw would.
  void apply_fault(const FaultAction& fault);
  bool applicable(const FaultAction& fault) const;
  void fill_disk(size_t node, uint64_t slack_bytes, uint64_t for_ms);
  void wipe_disk(size_t node, uint64_t down_ms);
  void flip_at_rest(size_t node, uint64_t pick);
  void crash_for_a_while(size_t index, uint64_t down_ms);
  // A node lost its data (wiped, or a damaged store set aside): the checkers' floors for
  // it go, and weak writes acknowledged before now may be gone.
  void note_data_lost(size_t node);
  // A node removed while it ran stops serving: weak writes it acknowledged may be gone.
  void zombie_lost(size_t node);
  bool any_rebuilding() const;
  // Membership changes (kv_simulation_faults.cc).
  void change_membership(const FaultAction& fault);
  // A removal waits (as an operator does) until its owner's failure detector marks the
  // subject down, then asks; a subject that was only cut off and came back is not removed.
  void ask_removal(const FaultAction& fault, uint64_t cut_until_ms);
  // nullopt when accepted, else the refusal.
  void removal_asked(const FaultAction& fault, const std::optional<std::string>& refused);
  // Asks `owner` to begin a change about `subject`: nullopt if it did, else why not.
  std::optional<std::string> begin_change(size_t owner, ChangeKind kind, size_t subject);
  void record_change(uint64_t at_ms, const char* kind, size_t subject,
                     const std::optional<std::string>& refused);
  // The node is no longer a member: out of the checks, its data counted as lost.
  void take_out(size_t index);
  void after_membership_step(size_t index);
  bool ever_started(size_t index) const;
  std::vector<size_t> in_nodes() const;  // the machines that are members (or joining)
  // A change is under way: in a live member's configuration, asked of a member (a
  // decommission it forwards), a spare still joining, or a removal waiting to be asked.
  bool membership_changing() const;
  bool removing() const;                 // ... and it is a removal
  // 10. Switched reads: when reads of a change switch to the new replica sets, a majority
  // of each key's new read set holds its last acknowledged strong write (streaming and the
  // joint quorums put it there); checked once per epoch, on the stores of live nodes.
  void check_switched_reads(const RingConfig& config);
  // 11. Write placement: a strong write is acknowledged only once a majority of its key's
  // read set in the newest configuration (of any member) holds it; checked at each ack.
  void check_write_placement(const Op& op);
  struct Holding {
    size_t holders = 0, unknown = 0;  // unknown: down, disk lost or rebuilding
    bool majority = false;            // holders and unknowns are a majority of the set
    std::string held;                 // " id=version" for each, for the report
  };
  Holding holding(const Key& key, const Version& version, const std::vector<NodeId>& set) const;
  FaultOptions base_disk_faults() const;
  void partition_network(const FaultAction& fault);
  void end_safety_when_ready();
  void begin_liveness();
  void probe();
  void check_replica_monotonic(size_t index, bool after_restart);
  bool purged_here(size_t index, const Key& key, const Version& version) const;
  // Takes the entries node `index` dropped in its last step (before it became a replica of
  // their keys again): each key must be one it did not replicate in the configuration it
  // held before the step (its monotonic floor for the key starts again). Then remembers the
  // configuration it holds now.
  void check_drops(size_t index);
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
  // What faults cause, not what they are: torn writes of a crash, the downtime after a
  // crash point. Separate from fault_prng_, so a replayed schedule draws the same.
  Prng reaction_prng_;
  bool recording_ = false;
  Schedule recorded_;
  std::optional<Schedule> replay_;
  std::vector<std::vector<size_t>> replay_ops_;  // per client: its requests in replay_->ops
  size_t next_tick_ = 0;
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
  std::vector<std::optional<RingConfig>> held_configs_;  // per node: as of its last step
  std::vector<bool> wiped_;  // per node: its data was lost and it has not rebuilt yet
  std::vector<bool> rebuilding_;  // per node: rebuilding after its last step
  uint64_t last_rebuilt_ms_ = 0;  // when a node last finished rebuilding lost data
  // Per machine: outside the cluster (a spare that has not joined, or a node that left
  // or was removed): never restarted, never a coordinator, not a member in the checks.
  std::vector<bool> out_;
  // Per machine: removed from the ring while it still runs (it was cut off when the
  // removal ran): out of the checks, but clients that knew it still send to it until it
  // learns the new ring and stops.
  std::vector<bool> zombie_;
  std::optional<size_t> removal_waiting_;  // the subject of a removal not asked yet
  std::optional<size_t> joining_;          // a spare started to join, not normal yet
  uint64_t last_changing_ms_ = 0;  // when a live node last had a change in progress
  uint64_t switch_checked_epoch_ = 0;
  // The stored bit flipped and not yet found: one damage at a time.
  struct FlippedBit {
    size_t node = 0;
    std::string path;
    uint64_t offset = 0;
    int bit = 0;
  };
  std::optional<FlippedBit> flipped_;
  bool faults_active_ = true;
  bool closing_partitioned_ = false;  // hints-only: the safety phase's closing partition
  bool workload_active_ = true;
  uint64_t liveness_start_ms_ = 0;
  std::optional<Violation> violation_;
  SimStats stats_;
  Coverage coverage_;
  std::string html_path_;
};

// One run with its schedule recorded: of `options`, or the replay of `replay` (whose record
// is what the replay did: the same requests, the faults that still applied).
struct RecordedRun {
  SimResult result;
  Schedule schedule;
};
RecordedRun run_recorded(const SimOptions& options, const Schedule* replay = nullptr);

}  // namespace ringkv::sim
