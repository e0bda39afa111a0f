// KvSimulation: the fault scheduler. Every wake-up draws the faults it injects from
// fault_prng_, resolved to concrete values (FaultAction), and applies them; a replayed
// schedule applies its recorded actions instead. What a fault causes (torn writes, the
// downtime after a crash point) draws from reaction_prng_, the same in both.
#include <algorithm>

#include "sim/kv/kv_simulation.h"

namespace ringkv::sim {
namespace {
constexpr uint64_t kClogMinMs = 100, kClogMaxMs = 3000;
constexpr uint64_t kClogDelayMinMs = 50, kClogDelayMaxMs = 1000;
constexpr uint64_t kPauseMinMs = 50;
constexpr uint64_t kPartitionMinMs = 100;
constexpr uint64_t kDiskFullMinMs = 100;
constexpr uint64_t kDiskFullSlackMaxBytes = 4096;
constexpr uint64_t kCrashPointMaxMutations = 40;

std::string process_field(size_t index) { return "\"process\":" + std::to_string(index); }

uint64_t first_or(const std::vector<uint64_t>& values, uint64_t otherwise) {
  return values.empty() ? otherwise : values.front();
}
}  // namespace

void KvSimulation::replay(Schedule schedule) {
  schedule.options = options_;
  if (auto problem = schedule.problem()) RINGKV_ASSERT_MSG(false, problem->c_str());
  replay_ops_.assign(options_.client_count, {});
  for (size_t i = 0; i < schedule.ops.size(); ++i) replay_ops_[schedule.ops[i].client].push_back(i);
  replay_ = std::move(schedule);
}

RecordedRun run_recorded(const SimOptions& options, const Schedule* replay) {
  KvSimulation simulation(options);
  simulation.record_schedule();
  if (replay) simulation.replay(*replay);
  RecordedRun run;
  run.result = simulation.run();
  run.schedule = simulation.recorded_schedule();
  return run;
}

void KvSimulation::schedule_fault() {
  uint64_t at = 0;
  if (replay_) {
    if (next_tick_ >= replay_->ticks.size()) return;
    at = replay_->ticks[next_tick_].at_ms;
  } else {
    const FaultRates& f = options_.faults;
    at = sim_->now_ms() + fault_prng_.range(f.fault_interval_min_ms, f.fault_interval_max_ms);
  }
  if (recording_) recorded_.ticks.push_back(FaultTick{at, {}});
  const size_t tick = next_tick_++;
  sim_->events().schedule(at, [this, tick] {
    if (!faults_active_ || violation_) return;
    inject_fault(tick);
    schedule_fault();
  });
}

void KvSimulation::inject_fault(size_t tick) {
  if (flipped_ && sim_->up(flipped_->node) && !disks_[flipped_->node]->exists(flipped_->path)) {
    flipped_.reset();  // compacted away (while down, only a set-aside moves it: see make_machine)
  }
  if (replay_) {  // records what still applied, so the record replays as this run
    for (const FaultAction& fault : replay_->ticks[tick].actions) {
      if (!applicable(fault)) continue;
      if (recording_) recorded_.ticks[tick].actions.push_back(fault);
      apply_fault(fault);
    }
    return;
  }
  const FaultRates& f = options_.faults;
  const uint32_t n = static_cast<uint32_t>(options_.machine_count());
  const uint32_t node = static_cast<uint32_t>(fault_prng_.uniform(n));
  // No draw at all for a fault that is off, so turning one off leaves the others' draws.
  auto wanted = [&](uint32_t permille, FaultKind kind) {
    return permille > 0 && fault_prng_.chance(permille) && applicable(FaultAction{kind, node});
  };
  auto downtime = [&] { return fault_prng_.range(kDowntimeMinMs, f.downtime_max_ms); };
  auto inject = [&](FaultAction fault) {
    if (recording_) recorded_.ticks[tick].actions.push_back(fault);
    apply_fault(fault);
  };
  if (wanted(f.crash_permille, FaultKind::kCrash)) {
    inject(FaultAction{.kind = FaultKind::kCrash, .node = node, .down_ms = {downtime()}});
  }
  if (wanted(f.power_failure_permille, FaultKind::kPowerFailure)) {
    FaultAction power{.kind = FaultKind::kPowerFailure};
    for (uint32_t i = 0; i < n; ++i) power.down_ms.push_back(downtime());
    inject(power);
  }
  if (wanted(f.partition_permille, FaultKind::kPartitionHalves)) {
    FaultAction partition;
    const uint64_t shape = fault_prng_.uniform(3);
    if (shape == 0) {  // random halves
      partition.kind = FaultKind::kPartitionHalves;
      for (uint32_t i = 0; i < n; ++i) {
        if (fault_prng_.one_in(2)) partition.side.push_back(i);
      }
    } else if (shape == 1) {  // one node isolated
      partition.kind = FaultKind::kIsolate;
      partition.node = static_cast<uint32_t>(fault_prng_.uniform(n));
    } else {  // one-way: a node can send but not receive (or the reverse)
      partition.kind = FaultKind::kOneWay;
      partition.node = static_cast<uint32_t>(fault_prng_.uniform(n));
      partition.inbound = fault_prng_.one_in(2);
    }
    partition.duration_ms = fault_prng_.range(kPartitionMinMs, f.partition_max_ms);
    inject(partition);
  }
  if (wanted(f.clog_permille, FaultKind::kClog)) {
    FaultAction clog{.kind = FaultKind::kClog, .node = node};
    clog.to = static_cast<uint32_t>(fault_prng_.uniform(n));
    clog.duration_ms = fault_prng_.range(kClogMinMs, kClogMaxMs);
    clog.delay_ms = fault_prng_.range(kClogDelayMinMs, kClogDelayMaxMs);
    inject(clog);
  }
  if (wanted(f.pause_permille, FaultKind::kPause)) {
    inject(FaultAction{.kind = FaultKind::kPause, .node = node,
                       .duration_ms = fault_prng_.range(kPauseMinMs, kPauseMaxMs)});
  }
  if (wanted(f.disk_full_permille, FaultKind::kDiskFull)) {
    FaultAction full{.kind = FaultKind::kDiskFull, .node = node};
    full.amount = fault_prng_.range(0, kDiskFullSlackMaxBytes);
    full.duration_ms = fault_prng_.range(kDiskFullMinMs, f.downtime_max_ms);
    inject(full);
  }
  if (wanted(f.crash_point_permille, FaultKind::kCrashPoint)) {
    inject(FaultAction{.kind = FaultKind::kCrashPoint, .node = node,
                       .amount = fault_prng_.range(0, kCrashPointMaxMutations)});
  }
  if (wanted(f.disk_wipe_permille, FaultKind::kDiskWipe)) {
    inject(FaultAction{.kind = FaultKind::kDiskWipe, .node = node, .down_ms = {downtime()}});
  }
  if (wanted(f.rest_bit_flip_permille, FaultKind::kRestBitFlip)) {
    inject(FaultAction{.kind = FaultKind::kRestBitFlip, .node = node,
                       .amount = fault_prng_.next_u64()});
  }
  if (f.membership_permille > 0 && fault_prng_.chance(f.membership_permille)) {
    FaultAction change;
    const uint64_t kind = fault_prng_.uniform(3);
    change.kind = kind == 0 ? FaultKind::kJoin
                  : kind == 1 ? FaultKind::kDecommission
                              : FaultKind::kRemove;
    change.node = node;
    change.to = static_cast<uint32_t>(fault_prng_.uniform(n));
    if (change.kind == FaultKind::kJoin) {
      change.node = n;  // the first spare that never ran, if any
      for (uint32_t i = static_cast<uint32_t>(options_.node_count); i < n; ++i) {
        if (out_[i] && !ever_started(i)) {
          change.node = i;
          break;
        }
      }
    }
    if (change.node < n && applicable(change)) inject(change);
  }
}

// One lost disk at a time: a second one before the first node rebuilt could take both
// copies of a write (beyond what RF=3 promises). One damage at a time: a wipe or a flip
// goes in only while no node is rebuilding lost data and no flipped bit waits to be found.
bool KvSimulation::applicable(const FaultAction& fault) const {
  const bool all_whole = !flipped_ && std::find(wiped_.begin(), wiped_.end(), true) == wiped_.end();
  switch (fault.kind) {
    case FaultKind::kPause:
    case FaultKind::kDiskFull:
    case FaultKind::kCrashPoint: return sim_->up(fault.node);
    case FaultKind::kDiskWipe: return all_whole && !out_[fault.node] && !removing();
    case FaultKind::kRestBitFlip: return all_whole && sim_->up(fault.node);
    case FaultKind::kJoin:
      return fault.node < out_.size() && out_[fault.node] && !ever_started(fault.node) &&
             !membership_changing();
    case FaultKind::kDecommission:  // asked of a running node (a paused one answers later)
      return !out_[fault.node] && sim_->up(fault.node) && !sim_->paused(fault.node) &&
             !membership_changing();
    case FaultKind::kRemove:
      // A removal loses a copy of the node's data, like a wipe: one loss at a time.
      return all_whole && !out_[fault.node] && fault.to != fault.node && !out_[fault.to] &&
             sim_->up(fault.to) && !sim_->paused(fault.to) && !membership_changing();
    case FaultKind::kCrash: return !out_[fault.node];  // out: already stopped for good
    default: return true;  // partitions and clogs: whoever they cut, out nodes included
  }
}

bool KvSimulation::ever_started(size_t index) const { return incarnations_[index] > 0; }

std::vector<size_t> KvSimulation::in_nodes() const {
  std::vector<size_t> in;
  for (size_t i = 0; i < out_.size(); ++i) {
    if (!out_[i]) in.push_back(i);
  }
  return in;
}

bool KvSimulation::membership_changing() const {
  for (size_t i : in_nodes()) {
    const KvMachine* machine = sim_->machine(i);
    if (machine && machine->node().ring_config().changing()) return true;
  }
  return false;
}

bool KvSimulation::removing() const {
  for (size_t i : in_nodes()) {
    const KvMachine* machine = sim_->machine(i);
    const RingMember* subject = machine ? machine->node().ring_config().subject() : nullptr;
    if (subject && subject->state == MemberState::kRemoved) return true;
  }
  return false;
}

// A spare starts on a blank disk and asks its seeds to join; a member is asked to leave;
// a member dies for good and another one removes it (only once the removal was accepted:
// a refused one leaves the node alive).
void KvSimulation::change_membership(const FaultAction& fault) {
  const uint64_t now = sim_->now_ms();
  if (fault.kind == FaultKind::kJoin) {
    out_[fault.node] = false;
    stats_.joins_started++;
    trace_.record(now, "join", process_field(fault.node));
    restart_node(fault.node);
    return;
  }
  const NodeId& subject = setup_.names[fault.node];
  const size_t owner = fault.kind == FaultKind::kRemove ? fault.to : fault.node;
  const ChangeKind kind =
      fault.kind == FaultKind::kRemove ? ChangeKind::kRemove : ChangeKind::kDecommission;
  bool accepted = false;
  std::string why;
  sim_->step(owner, [&](KvMachine& machine, uint64_t local_now_ms) {
    Result<RingConfig> begun = machine.node().begin_change(kind, subject, local_now_ms);
    accepted = begun.ok();
    if (!begun.ok()) why = begun.status().message();
  });
  trace_.record(now, fault.kind == FaultKind::kRemove ? "remove" : "decommission",
                process_field(fault.node) + ",\"accepted\":" + (accepted ? "true" : "false") +
                    (accepted ? "" : ",\"why\":" + json_quote(why)));
  if (!accepted) return;
  if (fault.kind == FaultKind::kDecommission) {
    stats_.decommissions_started++;
    return;
  }
  stats_.removals_started++;
  crash_node(fault.node);  // gone for good, with its disk
  out_[fault.node] = true;
  note_data_lost(fault.node);
  wiped_[fault.node] = false;  // nothing of it comes back to rebuild
}

void KvSimulation::check_switched_reads(const RingConfig& config) {
  if (config.epoch() <= switch_checked_epoch_ || violation_) return;
  switch_checked_epoch_ = config.epoch();
  coverage_.add("switched_reads_checked");
  const uint32_t n = options_.config.replication_factor;
  const uint64_t now = sim_->now_ms();
  std::map<Key, const Op*> latest;  // the last acknowledged strong write of each key
  for (const Op& op : history_.ops) {
    if (!op.is_write() || op.result != OpResult::kOk || 2 * op.quorum <= n) continue;
    const Op*& last = latest[op.key];
    if (!last || last->version < op.version) last = &op;
  }
  for (const auto& [key, op] : latest) {
    if (op->version <= history_.purged_by(key, now)) continue;
    const std::vector<NodeId> set = config.read_set(key, n);
    size_t holders = 0, unknown = 0;
    std::string held;
    for (const NodeId& id : set) {
      const size_t index = static_cast<size_t>(
          std::find(setup_.names.begin(), setup_.names.end(), id) - setup_.names.begin());
      KvMachine* machine = index < out_.size() ? sim_->machine(index) : nullptr;
      if (!machine || wiped_[index] || machine->node().rebuilding()) {
        unknown++;  // down, or its disk was lost: what it holds is not known here
        held += " " + id + "=?";
        continue;
      }
      Result<std::optional<Entry>> entry = machine->store().get(key);
      if (!entry.ok()) {
        unknown++;
        continue;
      }
      if (*entry && (*entry)->version >= op->version) holders++;
      held += " " + id + "=" + (*entry ? (*entry)->version.to_string() : std::string("nothing"));
    }
    if (holders + unknown < set.size() / 2 + 1) {
      fail(Violation{"switched reads", key, {op->id}, now,
                     "reads moved to the new replicas (" + config.describe() +
                         ") while too few of them hold the acknowledged write " +
                         op->version.to_string() + ":" + held});
      return;
    }
  }
}

// After every step: a decommissioned node that learnt it left stops for good (kvnode
// exits), and the checkers learn how long membership changes kept going.
void KvSimulation::after_membership_step(size_t index) {
  KvMachine* machine = sim_->machine(index);
  const RingConfig& config = machine->node().ring_config();
  if (config.changing()) last_changing_ms_ = sim_->now_ms();
  if (config.stage() == ChangeStage::kReadsSwitched) check_switched_reads(config);
  if (!machine->node().ring_keeper().left()) return;
  if (!out_[index]) {
    out_[index] = true;  // no new requests through it
    trace_.record(sim_->now_ms(), "left", process_field(index));
  }
  // As kvnode: it answers the requests it was coordinating, then exits.
  if (machine->node().inflight_requests() == 0) {
    sim_->events().schedule(sim_->now_ms(), [this, index] { crash_node(index); });
  }
}

void KvSimulation::apply_fault(const FaultAction& fault) {
  const uint64_t now = sim_->now_ms();
  const uint64_t downtime = first_or(fault.down_ms, kDowntimeMinMs);
  switch (fault.kind) {
    case FaultKind::kCrash: crash_for_a_while(fault.node, downtime); break;
    case FaultKind::kPowerFailure:
      stats_.power_failures++;
      trace_.record(now, "power-failure", "");
      for (size_t i = 0; i < options_.machine_count(); ++i) {
        if (out_[i]) continue;
        crash_for_a_while(i, i < fault.down_ms.size() ? fault.down_ms[i] : kDowntimeMinMs);
      }
      break;
    case FaultKind::kPartitionHalves:
    case FaultKind::kIsolate:
    case FaultKind::kOneWay: partition_network(fault); break;
    case FaultKind::kClog:
      stats_.clogs++;
      sim_->network().clog(fault.node, fault.to, now + fault.duration_ms, fault.delay_ms);
      trace_.record(now, "clog", "\"from\":" + std::to_string(fault.node) + ",\"to\":" +
                                     std::to_string(fault.to));
      break;
    case FaultKind::kPause:
      stats_.pauses++;
      sim_->pause(fault.node, fault.duration_ms);
      break;
    case FaultKind::kDiskFull: fill_disk(fault.node, fault.amount, fault.duration_ms); break;
    case FaultKind::kCrashPoint: {
      FaultOptions faults = disks_[fault.node]->faults();
      faults.fail_mutations_after = fault.amount;
      disks_[fault.node]->set_faults(faults);
      trace_.record(now, "crash-point-armed", process_field(fault.node));
      break;
    }
    case FaultKind::kDiskWipe: wipe_disk(fault.node, downtime); break;
    case FaultKind::kRestBitFlip: flip_at_rest(fault.node, fault.amount); break;
    case FaultKind::kJoin:
    case FaultKind::kDecommission:
    case FaultKind::kRemove: change_membership(fault); break;
  }
}

// A bit of a live table's data blocks flips on the disk for good (the synced copy too);
// `pick` chooses the table, the offset and the bit.
void KvSimulation::flip_at_rest(size_t index, uint64_t pick) {
  const auto extents = sim_->machine(index)->store().table_data_extents();
  if (extents.empty()) return;
  Prng choose(pick);
  const auto& [path, data_end] = extents[choose.uniform(extents.size())];
  if (data_end == 0) return;
  const uint64_t offset = choose.uniform(data_end);
  const int bit = static_cast<int>(choose.uniform(8));
  disks_[index]->flip_stored_bit(path, offset, bit);
  flipped_ = FlippedBit{index, path, offset, bit};
  coverage_.add("bit_flip_at_rest");
  trace_.record(sim_->now_ms(), "bit-flip-at-rest",
                process_field(index) + ",\"file\":" + json_quote(path));
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
void KvSimulation::wipe_disk(size_t index, uint64_t down_ms) {
  crash_node(index);
  disks_[index]->wipe();
  disks_[index]->enable_detached_sync(options_.sync == SyncPolicy::kAlways);
  incarnations_[index] = 0;
  note_data_lost(index);
  coverage_.add("disk_wiped");
  stats_.disk_wipes++;
  trace_.record(sim_->now_ms(), "disk-wipe", process_field(index));
  sim_->events().schedule(sim_->now_ms() + down_ms, [this, index] { restart_node(index); });
}

// Crashes node `index` and restarts it after `down_ms` (a no-op if the liveness phase
// restarted it first).
void KvSimulation::crash_for_a_while(size_t index, uint64_t down_ms) {
  crash_node(index);
  sim_->events().schedule(sim_->now_ms() + down_ms, [this, index] { restart_node(index); });
}

// A full disk: the node may write only `slack_bytes` more for `for_ms`. The store refuses
// what does not fit (a WAL append that does not fit stops the node, like a failed sync);
// a crash or the end of the fault lifts it.
void KvSimulation::fill_disk(size_t node, uint64_t slack_bytes, uint64_t for_ms) {
  MemoryEnv& disk = *disks_[node];
  FaultOptions faults = disk.faults();
  faults.space_budget_bytes = disk.total_bytes() + slack_bytes;
  disk.set_faults(faults);
  const uint64_t now = sim_->now_ms();
  trace_.record(now, "disk-full", process_field(node));
  const uint64_t refusals = disk.no_space_refusals();
  sim_->events().schedule(now + for_ms, [this, node, refusals] {
    MemoryEnv& full = *disks_[node];
    coverage_.add("enospc", full.no_space_refusals() - refusals);
    if (!faults_active_) return;
    FaultOptions lifted = full.faults();
    lifted.space_budget_bytes.reset();
    full.set_faults(lifted);
  });
}

void KvSimulation::partition_network(const FaultAction& fault) {
  stats_.partitions++;
  SimulatedNetwork& network = sim_->network();
  const size_t n = options_.machine_count();
  std::string what;
  if (fault.kind == FaultKind::kPartitionHalves) {
    std::vector<size_t> a, b;
    for (size_t i = 0; i < n; ++i) {
      const bool on_side = std::find(fault.side.begin(), fault.side.end(), i) != fault.side.end();
      (on_side ? a : b).push_back(i);
    }
    network.partition(a, b);
    what = "halves";
  } else if (fault.kind == FaultKind::kIsolate) {
    network.isolate(fault.node);
    what = "isolate";
  } else {
    for (size_t i = 0; i < n; ++i) {
      if (i == fault.node) continue;
      fault.inbound ? network.block(i, fault.node) : network.block(fault.node, i);
    }
    what = "one-way";
  }
  trace_.record(sim_->now_ms(), "partition", "\"shape\":" + json_quote(what));
  sim_->events().schedule(sim_->now_ms() + fault.duration_ms, [this] {
    sim_->network().heal();
    trace_.record(sim_->now_ms(), "heal", "");
  });
}

}  // namespace ringkv::sim
