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
constexpr uint64_t kClosingPartitionSlackMs = 1000;
// The report's history of the violating key starts with ops invoked this soon after it.
constexpr uint64_t kReportAfterViolationMs = 50;
}  // namespace

SimResult KvSimulation::run() {
  trace_.record(0, "options", "\"text\":" + json_quote(options_.describe()));
  sim_->start(options_.node_count);  // spares start when they join
  if (recording_) recorded_.options = options_;
  for (size_t c = 0; c < options_.client_count; ++c) continue_client(c, true);
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
  while (!violation_ &&
         !(converged(&state) && membership_converged() && !any_rebuilding() &&
           !membership_changing()) &&
         waited < options_.convergence_bound_ms) {
    waited += kConvergencePollMs;
    sim_->run_until(drain_end + waited);
  }
  stats_.converged_after_ms = waited;
  const uint64_t now = sim_->now_ms();
  if (!violation_ && membership_changing()) {
    std::string views;
    if (joining_) views += "; " + setup_.names[*joining_] + " started to join and is not normal";
    if (removal_waiting_) {
      views += "; the removal of " + setup_.names[*removal_waiting_] + " was never accepted";
    }
    for (size_t i : in_nodes()) {
      const KvMachine* machine = sim_->machine(i);
      views += "; " + setup_.names[i] + ": " +
               (machine ? machine->node().ring_config().describe() : std::string("down"));
    }
    fail(Violation{"membership change", "", {}, now,
                   "a membership change never completed in a healed cluster" + views});
  }
  if (!violation_) check_linearizable();
  if (!violation_) {
    // Settled: failure detectors have seen every restarted node again, every node that
    // lost its data has rebuilt it (until then it answers no read, so R = N reads fail),
    // and the requests that were already waiting on the old view have timed out.
    const Config& c = options_.config;
    // A membership change still running when the faults stopped settles too: requests
    // that began on the old configuration time out, a spare that asked to join is admitted.
    const uint64_t settled_ms =
        std::max({liveness_start_ms_ + c.dead_after_ms, last_rebuilt_ms_, last_changing_ms_}) +
        c.default_timeout_ms;
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
  for (size_t i = 0; i < options_.machine_count() && !violation_; ++i) {
    const KvMachine* machine = sim_->machine(i);
    if (machine && machine->node().rebuilding()) {
      fail(Violation{"rebuild", "", {}, now,
                     setup_.names[i] + " never finished rebuilding its lost data in a healed "
                                       "cluster: " + machine->node().rebuild_progress()});
    }
  }
  if (!violation_ && !membership_converged()) {
    std::string detail = "live nodes disagree on which nodes are alive";
    for (size_t i = 0; i < zombie_.size(); ++i) {
      if (zombie_[i] && sim_->up(i)) {
        detail = setup_.names[i] + " was removed while it was cut off and still runs at " +
                 sim_->machine(i)->node().ring_config().describe() +
                 ": it never learnt the new ring";
      }
    }
    fail(Violation{"membership convergence", "", {}, now, detail});
  }
  if (!violation_) probe();
  for (size_t i = 0; i < options_.machine_count(); ++i) harvest_coverage(i);
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
  // A replayed schedule ends the phase when its run did, whatever requests are left.
  const bool closing = options_.hints_only && !closing_partitioned_ && (!replay_ || replay_->closing);
  const uint64_t end = replay_ ? (closing ? replay_->closing_at_ms : replay_->safety_end_ms) : 0;
  const bool enough = replay_ ? sim_->now_ms() >= end
                              : issued >= options_.min_ops ||
                                    (options_.max_ops > 0 && issued >= options_.max_ops);
  const uint64_t next = sim_->now_ms() + kSafetyExtensionStepMs;
  if (!enough && next <= options_.max_safety_duration_ms) {
    sim_->events().schedule(next, [this] { end_safety_when_ready(); });
    return;
  }
  if (closing) {
    // A hints-only run ends its safety phase with one node cut off while the clients go
    // on: the last writes of some keys miss a replica, and with anti-entropy off and the
    // cold keys left alone after healing, only hinted handoff brings them there.
    closing_partitioned_ = true;
    FaultAction cut{.kind = FaultKind::kIsolate};
    if (replay_) {
      cut = *replay_->closing;
    } else {
      cut.node = static_cast<uint32_t>(fault_prng_.uniform(options_.node_count));
      cut.duration_ms = 2 * options_.config.default_timeout_ms + kClosingPartitionSlackMs;
    }
    if (recording_) {
      recorded_.closing = cut;
      recorded_.closing_at_ms = sim_->now_ms();
    }
    apply_fault(cut);
    sim_->events().schedule(sim_->now_ms() + cut.duration_ms, [this] { end_safety_when_ready(); });
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
  if (recording_) recorded_.safety_end_ms = liveness_start_ms_;
  trace_.record(sim_->now_ms(), "liveness", "");
  sim_->network().heal();
  sim_->network().set_faults_enabled(false);
  setup_.buggify_permille = 0;  // nodes restarted from now on run without buggify
  for (size_t i = 0; i < options_.machine_count(); ++i) {
    disks_[i]->set_faults(FaultOptions{});
    sim_->resume(i);
    restart_node(i);
    if (sim_->up(i)) sim_->machine(i)->node().disable_buggify();
  }
}

bool KvSimulation::any_rebuilding() const {
  for (size_t i = 0; i < options_.machine_count(); ++i) {
    const KvMachine* machine = sim_->machine(i);
    if (machine && machine->node().rebuilding()) return true;
  }
  return false;
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
  const std::vector<size_t> members = in_nodes();
  const size_t n = members.size();
  trace_.record(sim_->now_ms(), "probe", "");
  for (size_t i : members) sim_->machine(i)->node().disable_buggify();  // quiet now
  uint64_t sequence = 0;
  for (const Key& key : setup_.watched_keys) {  // at most kMaxWatchedKeys of them
    for (size_t m = 0; m < n && !violation_; ++m) {
      const size_t i = members[m];
      const Op written = probe_request(
          ClientOp::kPut, key, "probe." + setup_.names[i] + "." + std::to_string(++sequence), i);
      if (written.result != OpResult::kOk) {
        fail(Violation{"healthy-cluster probe", key, {written.id}, sim_->now_ms(),
                       "a write through " + setup_.names[i] +
                           " failed with every node up and nothing else running"});
        return;
      }
      const Op got = probe_request(ClientOp::kGet, key, {}, members[(m + 1) % n]);
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
  for (size_t i = 0; i < options_.machine_count(); ++i) {
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
  for (size_t i : in_nodes()) {
    if (sim_->up(i) && !ring) ring = &sim_->machine(i)->node().ring();
  }
  if (!ring) return false;
  bool equal = true;
  for (const Key& key : keys_) {
    ReplicaState& replicas = (*state)[key];
    for (const NodeId& id : ring->preference_list(key, options_.config.replication_factor)) {
      size_t index = static_cast<size_t>(
          std::find(setup_.names.begin(), setup_.names.end(), id) - setup_.names.begin());
      if (index >= options_.machine_count() || !sim_->up(index)) return false;
      auto entry = sim_->machine(index)->store().get(ring_stored_key(key));
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

// 7. Membership convergence: every member of the cluster is up, sees every member alive,
// and holds the same ring configuration, and a node removed while it ran has stopped (nodes that left or were removed may linger in
// gossip tables as down: they are not members).
bool KvSimulation::membership_converged() const {
  for (size_t i = 0; i < zombie_.size(); ++i) {
    if (zombie_[i] && sim_->up(i)) return false;  // removed, and has not learnt it
  }
  const std::vector<size_t> members = in_nodes();
  std::optional<RingDescription> ring;
  for (size_t i : members) {
    if (!sim_->up(i)) return false;
    const Node& node = sim_->machine(i)->node();
    if (!ring) ring = node.ring_config().description();
    if (node.ring_config().description() != *ring) return false;
    size_t seen = 0;
    for (const MemberRow& row : node.membership().rows()) {
      const size_t index = static_cast<size_t>(
          std::find(setup_.names.begin(), setup_.names.end(), row.node_id) -
          setup_.names.begin());
      if (index >= out_.size() || out_[index]) continue;
      if (row.status != MemberStatus::kAlive) return false;
      seen++;
    }
    if (seen != members.size()) return false;
  }
  return ring && ring->members.size() >= members.size();
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
