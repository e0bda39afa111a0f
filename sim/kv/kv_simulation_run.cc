// KvSimulation: the phases, the fault scheduler and the final checks.
#include <algorithm>
#include <sstream>

#include "sim/kv/kv_simulation.h"
#include "sim/kv/linearizability.h"
#include "sim/kv/timeline.h"

namespace ringkv::sim {
namespace {
constexpr uint64_t kConvergencePollMs = 250;
constexpr uint64_t kRunStepMs = 100;            // checks for a violation between steps
constexpr uint64_t kSafetyExtensionStepMs = 500;  // re-checks min_ops this often
constexpr uint64_t kProbeStepMs = 10;
// The report's history of the violating key starts with ops invoked this soon after it.
constexpr uint64_t kReportAfterViolationMs = 50;
}  // namespace

SimResult KvSimulation::run() {
  trace_.record(0, "options", "\"text\":" + json_quote(options_.describe()));
  sim_->start();
  for (size_t c = 0; c < options_.client_count; ++c) {
    schedule_next_op(c, workload_prng_.range(1, 50));
  }
  schedule_fault();
  sim_->events().schedule(options_.safety_duration_ms, [this] { end_safety_when_ready(); });
  // The workload ends liveness_duration_ms after the safety phase, whose end depends on
  // min_ops (end_safety_when_ready); the bound covers the longest safety phase.
  const uint64_t run_bound =
      std::max(options_.safety_duration_ms, options_.max_safety_duration_ms) +
      kSafetyExtensionStepMs + options_.liveness_duration_ms;
  uint64_t t = 0;
  while (workload_active_ && !violation_ && t < run_bound) sim_->run_until(t += kRunStepMs);
  // Let the last requests finish (their clients give up after at most ~2x timeout).
  const uint64_t drain_end = t + 2 * options_.config.default_timeout_ms + 2000;
  while (t < drain_end && !violation_) sim_->run_until(t += kRunStepMs);
  sim_->run_until(drain_end);

  std::map<Key, ReplicaState> state;
  uint64_t waited = 0;
  while (!violation_ && !(converged(&state) && membership_converged() && !any_rebuilding()) &&
         waited < options_.convergence_bound_ms) {
    waited += kConvergencePollMs;
    sim_->run_until(drain_end + waited);
  }
  stats_.converged_after_ms = waited;
  const uint64_t now = sim_->now_ms();
  if (!violation_) check_linearizable();
  if (!violation_) {
    // Settled: failure detectors have seen every restarted node again, every node that
    // lost its data has rebuilt it (until then it answers no read, so R = N reads fail),
    // and the requests that were already waiting on the old view have timed out.
    const Config& c = options_.config;
    const uint64_t settled_ms =
        std::max(liveness_start_ms_ + c.dead_after_ms, last_rebuilt_ms_) + c.default_timeout_ms;
    if (auto v = check_liveness(history_, liveness_start_ms_, settled_ms,
                                options_.tight_inflight_limit, &stats_.contended_reads)) {
      fail(*v);
    }
  }
  if (!violation_) {
    if (auto v = check_durability(history_, final_state(), options_.config.replication_factor, now)) fail(*v);
  }
  if (!violation_) {
    if (auto v = check_convergence(final_state(), now)) {
      v->detail += " (after waiting " + std::to_string(waited) + " ms)";
      fail(*v);
    }
  }
  for (size_t i = 0; i < options_.node_count && !violation_; ++i) {
    const KvMachine* machine = sim_->machine(i);
    if (machine && machine->node().rebuilding()) {
      fail(Violation{"rebuild", "", {}, now,
                     setup_.names[i] + " never finished rebuilding its lost data in a healed "
                                       "cluster: " + machine->node().rebuild_progress()});
    }
  }
  if (!violation_ && !membership_converged()) {
    fail(Violation{"membership convergence", "", {}, now,
                   "live nodes disagree on which nodes are alive"});
  }
  if (!violation_) probe();
  for (size_t i = 0; i < options_.node_count; ++i) harvest_coverage(i);
  SimResult result;
  result.violation = violation_;
  result.coverage = coverage_;
  result.trace_hash = trace_.hash();
  result.end_time_ms = sim_->now_ms();
  stats_.events = sim_->events().events_run();
  result.stats = stats_;
  if (violation_) result.report = report(*violation_);
  if (!html_path_.empty()) {
    TimelineInput timeline{setup_.names, &trace_.captured(), &history_, violation_,
                           options_.describe(), sim_->now_ms()};
    std::FILE* file = std::fopen(html_path_.c_str(), "w");
    const std::string page = render_timeline_html(timeline);
    if (!file || std::fwrite(page.data(), 1, page.size(), file) != page.size()) {
      result.html_error = "cannot write " + html_path_;
    }
    if (file) std::fclose(file);
  }
  return result;
}

// 3. Linearizability of strong operations (and no invention), white box then black box.
void KvSimulation::check_linearizable() {
  const uint32_t n = options_.config.replication_factor;
  if (options_.checkers & kWhiteBoxChecker) {
    if (auto v = check_history(history_, n)) {
      if (v->invariant == "linearizability") v->detail = "white-box: " + v->detail;
      fail(*v);
      return;
    }
  }
  if (!(options_.checkers & kBlackBoxChecker)) return;
  LinearizabilityReport report =
      check_linearizability(history_, n, LinearizabilityOptions{kBlackBoxMaxStepsPerKey});
  stats_.black_box_steps = report.total_steps();
  stats_.black_box_unknown_keys = report.unknown_keys();
  if (std::optional<KeyLinearizability> v = report.first_violation()) {
    fail(Violation{"linearizability", v->key, v->op_ids, v->time_ms, "black-box: " + v->detail});
  }
}

// The safety phase ends at safety_duration_ms once clients issued min_ops requests (or
// reached max_ops), and at max_safety_duration_ms at the latest.
void KvSimulation::end_safety_when_ready() {
  const uint64_t issued = history_.ops.size();
  const bool enough = issued >= options_.min_ops ||
                      (options_.max_ops > 0 && issued >= options_.max_ops);
  const uint64_t next = sim_->now_ms() + kSafetyExtensionStepMs;
  if (!enough && next <= options_.max_safety_duration_ms) {
    sim_->events().schedule(next, [this] { end_safety_when_ready(); });
    return;
  }
  begin_liveness();
  sim_->events().schedule(sim_->now_ms() + options_.liveness_duration_ms,
                          [this] { workload_active_ = false; });
}

void KvSimulation::begin_liveness() {
  faults_active_ = false;
  if (flipped_ && disks_[flipped_->node]->exists(flipped_->path)) {
    // Damage found later would stop a node in the healed cluster: faults end here, so
    // the bit nobody has read yet is put back.
    disks_[flipped_->node]->flip_stored_bit(flipped_->path, flipped_->offset, flipped_->bit);
    trace_.record(sim_->now_ms(), "bit-flip-undone", "\"process\":" + std::to_string(flipped_->node));
    flipped_.reset();
  }
  liveness_start_ms_ = sim_->now_ms();
  trace_.record(sim_->now_ms(), "liveness", "");
  sim_->network().heal();
  sim_->network().set_faults_enabled(false);
  setup_.buggify_permille = 0;  // nodes restarted from now on run without buggify
  for (size_t i = 0; i < options_.node_count; ++i) {
    disks_[i]->set_faults(FaultOptions{});
    sim_->resume(i);
    restart_node(i);
    if (sim_->up(i)) sim_->machine(i)->node().disable_buggify();
  }
}

void KvSimulation::schedule_fault() {
  const auto& f = options_.faults;
  uint64_t at = sim_->now_ms() + fault_prng_.range(f.fault_interval_min_ms, f.fault_interval_max_ms);
  sim_->events().schedule(at, [this] {
    if (!faults_active_ || violation_) return;
    inject_fault();
    schedule_fault();
  });
}

void KvSimulation::inject_fault() {
  const auto& f = options_.faults;
  const uint64_t now = sim_->now_ms();
  const size_t node = fault_prng_.uniform(options_.node_count);
  if (fault_prng_.chance(f.crash_permille)) crash_for_a_while(node);
  if (fault_prng_.chance(f.power_failure_permille)) {
    stats_.power_failures++;
    trace_.record(now, "power-failure", "");
    for (size_t i = 0; i < options_.node_count; ++i) crash_for_a_while(i);
  }
  if (fault_prng_.chance(f.partition_permille)) partition_network();
  if (fault_prng_.chance(f.clog_permille)) {
    stats_.clogs++;
    size_t to = fault_prng_.uniform(options_.node_count);
    uint64_t until = now + fault_prng_.range(100, 3000);
    sim_->network().clog(node, to, until, fault_prng_.range(50, 1000));
    trace_.record(now, "clog", "\"from\":" + std::to_string(node) + ",\"to\":" +
                                   std::to_string(to));
  }
  if (fault_prng_.chance(f.pause_permille) && sim_->up(node)) {
    stats_.pauses++;
    sim_->pause(node, fault_prng_.range(50, 2000));
  }
  // Storage faults (no draw at all when off, so other seeds keep their runs).
  if (f.disk_full_permille > 0 && fault_prng_.chance(f.disk_full_permille) && sim_->up(node)) {
    fill_disk(node);
  }
  if (f.crash_point_permille > 0 && fault_prng_.chance(f.crash_point_permille) &&
      sim_->up(node)) {
    FaultOptions faults = disks_[node]->faults();
    faults.fail_mutations_after = fault_prng_.range(0, 40);
    disks_[node]->set_faults(faults);
    trace_.record(now, "crash-point-armed", "\"process\":" + std::to_string(node));
  }
  // One lost disk at a time: a second one before the first node rebuilt could take both
  // copies of a write (beyond what RF=3 promises).
  // One damage at a time: a wipe or a flip is injected only while no node is rebuilding
  // lost data and no flipped bit waits to be found (a table compacted away before anyone
  // read the bit took the damage with it).
  if (flipped_ && sim_->up(flipped_->node) && !disks_[flipped_->node]->exists(flipped_->path)) {
    flipped_.reset();  // compacted away (while down, only a set-aside moves it: see make_machine)
  }
  const bool all_whole = !flipped_ && std::find(wiped_.begin(), wiped_.end(), true) == wiped_.end();
  if (f.disk_wipe_permille > 0 && fault_prng_.chance(f.disk_wipe_permille) && all_whole) {
    wipe_disk(node);
  }
  if (f.rest_bit_flip_permille > 0 && fault_prng_.chance(f.rest_bit_flip_permille) &&
      all_whole && sim_->up(node)) {
    flip_at_rest(node);
  }
}

// A bit of a live table's data blocks flips on the disk for good (the synced copy too).
void KvSimulation::flip_at_rest(size_t index) {
  const auto extents = sim_->machine(index)->store().table_data_extents();
  if (extents.empty()) return;
  const auto& [path, data_end] = extents[fault_prng_.uniform(extents.size())];
  if (data_end == 0) return;
  const uint64_t offset = fault_prng_.uniform(data_end);
  const int bit = static_cast<int>(fault_prng_.uniform(8));
  disks_[index]->flip_stored_bit(path, offset, bit);
  flipped_ = FlippedBit{index, path, offset, bit};
  coverage_.add("bit_flip_at_rest");
  trace_.record(sim_->now_ms(), "bit-flip-at-rest",
                "\"process\":" + std::to_string(index) + ",\"file\":" + json_quote(path));
}

void KvSimulation::note_data_lost(size_t index) {
  last_seen_[index].clear();
  durable_[index].clear();
  checked_changes_[index] = UINT64_MAX;
  wiped_[index] = true;
  history_.wipes.push_back(Wipe{setup_.names[index], sim_->now_ms()});
}

// The node's disk is lost: it dies, comes back on a blank disk (and so without its
// incarnation, which kvnode keeps in the data directory) and must rebuild from its peers.
void KvSimulation::wipe_disk(size_t index) {
  crash_node(index);
  disks_[index]->wipe();
  disks_[index]->enable_detached_sync(options_.sync == SyncPolicy::kAlways);
  incarnations_[index] = 0;
  note_data_lost(index);
  coverage_.add("disk_wiped");
  stats_.disk_wipes++;
  trace_.record(sim_->now_ms(), "disk-wipe", "\"process\":" + std::to_string(index));
  sim_->events().schedule(sim_->now_ms() + fault_prng_.range(50, options_.faults.downtime_max_ms),
                          [this, index] { restart_node(index); });
}

bool KvSimulation::any_rebuilding() const {
  for (size_t i = 0; i < options_.node_count; ++i) {
    const KvMachine* machine = sim_->machine(i);
    if (machine && machine->node().rebuilding()) return true;
  }
  return false;
}

// Crashes node `index` and restarts it within downtime_max_ms (a no-op if the liveness
// phase restarted it first).
void KvSimulation::crash_for_a_while(size_t index) {
  crash_node(index);
  sim_->events().schedule(sim_->now_ms() + fault_prng_.range(50, options_.faults.downtime_max_ms),
                          [this, index] { restart_node(index); });
}

// A full disk: the node may write only a little more (0..4 KiB) for a while. The store
// refuses what does not fit (a WAL append that does not fit stops the node, like a failed
// sync); a crash or the end of the fault lifts it.
void KvSimulation::fill_disk(size_t node) {
  MemoryEnv& disk = *disks_[node];
  FaultOptions faults = disk.faults();
  faults.space_budget_bytes = disk.total_bytes() + fault_prng_.range(0, 4096);
  disk.set_faults(faults);
  const uint64_t now = sim_->now_ms();
  trace_.record(now, "disk-full", "\"process\":" + std::to_string(node));
  const uint64_t refusals = disk.no_space_refusals();
  sim_->events().schedule(now + fault_prng_.range(100, options_.faults.downtime_max_ms),
                          [this, node, refusals] {
                            MemoryEnv& full = *disks_[node];
                            coverage_.add("enospc", full.no_space_refusals() - refusals);
                            if (!faults_active_) return;
                            FaultOptions lifted = full.faults();
                            lifted.space_budget_bytes.reset();
                            full.set_faults(lifted);
                          });
}

void KvSimulation::partition_network() {
  stats_.partitions++;
  SimulatedNetwork& network = sim_->network();
  const size_t n = options_.node_count;
  const uint64_t shape = fault_prng_.uniform(3);
  std::string what;
  if (shape == 0) {  // random halves
    std::vector<size_t> a, b;
    for (size_t i = 0; i < n; ++i) (fault_prng_.one_in(2) ? a : b).push_back(i);
    network.partition(a, b);
    what = "halves";
  } else if (shape == 1) {  // one node isolated
    network.isolate(fault_prng_.uniform(n));
    what = "isolate";
  } else {  // one-way: a node can send but not receive (or the reverse)
    size_t victim = fault_prng_.uniform(n);
    bool inbound = fault_prng_.one_in(2);
    for (size_t i = 0; i < n; ++i) {
      if (i == victim) continue;
      inbound ? network.block(i, victim) : network.block(victim, i);
    }
    what = "one-way";
  }
  trace_.record(sim_->now_ms(), "partition", "\"shape\":" + json_quote(what));
  const uint64_t heal_at = sim_->now_ms() + fault_prng_.range(100, options_.faults.partition_max_ms);
  sim_->events().schedule(heal_at, [this] {
    sim_->network().heal();
    trace_.record(sim_->now_ms(), "heal", "");
  });
}

// One request of the healthy-cluster probe, run until answered (or its client gave up);
// returns the finished op (a copy: later requests grow the history).
Op KvSimulation::probe_request(ClientOp kind, const Key& key, Value value, size_t coordinator) {
  const size_t client = options_.client_count;  // the probe's own client slot
  Op op;
  op.client = client;
  op.kind = kind;
  op.key = key;
  op.value = std::move(value);
  op.coordinator = coordinator;
  op.quorum = op.is_write() ? options_.config.write_quorum : options_.config.read_quorum;
  ClientRequest request;
  request.op = op.kind;
  request.key = op.key;
  request.value = op.value;
  stats_.probe_ops++;
  const uint64_t id = submit_op(std::move(op), request);
  for (uint64_t t = sim_->now_ms(); history_.at(id).result == OpResult::kPending && !violation_;) {
    sim_->run_until(t += kProbeStepMs);
  }
  return history_.at(id);
}

// 9. Healthy-cluster probe, after every other check passed: every node is up, the network
// is healed and the replicas agree. A write of each key through each node in turn must
// succeed, and a quorum read through the next node must return it (for the watched keys:
// at most kMaxWatchedKeys). One request at a time, so nothing competes with it: any
// failure is a bug.
void KvSimulation::probe() {
  const size_t n = options_.node_count;
  trace_.record(sim_->now_ms(), "probe", "");
  for (size_t i = 0; i < n; ++i) sim_->machine(i)->node().disable_buggify();  // quiet now
  uint64_t sequence = 0;
  for (const Key& key : setup_.watched_keys) {  // at most kMaxWatchedKeys of them
    for (size_t i = 0; i < n && !violation_; ++i) {
      const Op written = probe_request(
          ClientOp::kPut, key, "probe." + setup_.names[i] + "." + std::to_string(++sequence), i);
      if (written.result != OpResult::kOk) {
        fail(Violation{"healthy-cluster probe", key, {written.id}, sim_->now_ms(),
                       "a write through " + setup_.names[i] +
                           " failed with every node up and nothing else running"});
        return;
      }
      const Op got = probe_request(ClientOp::kGet, key, {}, (i + 1) % n);
      if (got.result != OpResult::kOk || got.value != written.value) {
        fail(Violation{"healthy-cluster probe", key, {written.id, got.id}, sim_->now_ms(),
                       "a quorum read through " + setup_.names[got.coordinator] +
                           " did not return the write just acknowledged"});
        return;
      }
    }
  }
}

// The highest purge floor of `key` on any live node, or of a purge in the history.
Version KvSimulation::highest_floor(const Key& key) const {
  Version highest = history_.purged_by(key, sim_->now_ms());
  for (size_t i = 0; i < options_.node_count; ++i) {
    if (!sim_->up(i)) continue;
    std::optional<Version> floor = sim_->machine(i)->node().purge_floor(key);
    if (floor && highest < *floor) highest = *floor;
  }
  return highest;
}

std::map<Key, ReplicaState> KvSimulation::final_state() {
  std::map<Key, ReplicaState> state;
  converged(&state);
  return state;
}

// Every replica of every key (by the ring of the first live node) and what it holds.
bool KvSimulation::converged(std::map<Key, ReplicaState>* state) {
  state->clear();
  const Ring* ring = nullptr;
  for (size_t i = 0; i < options_.node_count && !ring; ++i) {
    if (sim_->up(i)) ring = &sim_->machine(i)->node().ring();
  }
  if (!ring) return false;
  bool equal = true;
  for (const Key& key : keys_) {
    ReplicaState& replicas = (*state)[key];
    for (const NodeId& id : ring->preference_list(key, options_.config.replication_factor)) {
      size_t index = static_cast<size_t>(
          std::find(setup_.names.begin(), setup_.names.end(), id) - setup_.names.begin());
      if (index >= options_.node_count || !sim_->up(index)) return false;
      auto entry = sim_->machine(index)->store().get(key);
      if (!entry.ok()) return false;
      replicas[id] = *entry;
      // A tombstone that some replica purged equals nothing: the others purge it too.
      if (*entry && (*entry)->tombstone && (*entry)->version <= highest_floor(key)) {
        replicas[id].reset();
      }
    }
    for (const auto& [id, entry] : replicas) equal = equal && entry == replicas.begin()->second;
  }
  return equal;
}

// 7. Membership convergence: every live node sees every node alive.
bool KvSimulation::membership_converged() const {
  for (size_t i = 0; i < options_.node_count; ++i) {
    if (!sim_->up(i)) return false;
    const Membership& view = sim_->machine(i)->node().membership();
    if (view.size() != options_.node_count) return false;
    for (const MemberRow& row : view.rows()) {
      if (row.status != MemberStatus::kAlive) return false;
    }
  }
  return true;
}

std::string KvSimulation::report(const Violation& v) const {
  std::ostringstream out;
  out << "VIOLATION of " << v.invariant << " at " << v.time_ms << " ms";
  if (!v.key.empty()) out << " on key " << json_quote(v.key);
  out << ": " << v.detail << "\n";
  for (uint64_t id : v.op_ids) out << "  " << history_.at(id).describe() << "\n";
  if (!v.key.empty()) {
    out << "history of this key around it (newest first):\n";
    size_t shown = 0;
    for (auto it = history_.ops.rbegin(); it != history_.ops.rend() && shown < 30; ++it) {
      if (it->key != v.key || it->invoke_ms > v.time_ms + kReportAfterViolationMs) continue;
      out << "  " << it->describe() << "\n";
      shown++;
    }
  }
  out << "last trace events:\n";
  for (const std::string& line : trace_.recent()) out << "  " << line << "\n";
  return out.str();
}

}  // namespace ringkv::sim
