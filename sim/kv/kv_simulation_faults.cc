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
constexpr uint64_t kRemovalPollMs = 250;  // how often a waiting removal looks again

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
    if (change.kind == FaultKind::kRemove && fault_prng_.one_in(2)) {
      // Cut off rather than dead: long enough to be marked down and removed, and then
      // it comes back holding the old ring.
      change.duration_ms = options_.config.dead_after_ms +
                           fault_prng_.range(kPartitionMinMs, f.partition_max_ms);
    }
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
    case FaultKind::kCrashPoint: return sim_->up(fault.node) && !zombie_[fault.node];
    case FaultKind::kDiskWipe:
      return all_whole && !out_[fault.node] && !removing() && !removal_waiting_;
    case FaultKind::kRestBitFlip: return all_whole && sim_->up(fault.node) && !zombie_[fault.node];
    case FaultKind::kJoin:
      return fault.node < out_.size() && out_[fault.node] && !ever_started(fault.node) &&
             !membership_changing();
    case FaultKind::kDecommission:  // asked of a running node (a paused one answers later)
      return !out_[fault.node] && sim_->up(fault.node) && !sim_->paused(fault.node) &&
             !membership_changing();
    case FaultKind::kRemove: {
      // A removal loses a copy of the node's data, like a wipe: one loss at a time. The
      // node dies (or is cut off) only if its owner would accept the removal now (not
      // into fewer members than the replication factor); it asks once it marks it down.
      if (!all_whole || out_[fault.node] || fault.to == fault.node || out_[fault.to] ||
          !sim_->up(fault.to) || sim_->paused(fault.to) || membership_changing()) {
        return false;
      }
      const RingConfig& ring = sim_->machine(fault.to)->node().ring_config();
      return ring.begin_remove(setup_.names[fault.node], setup_.names[fault.to],
                               options_.config.replication_factor)
          .ok();
    }
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
  if (removal_waiting_ || joining_) return true;
  for (size_t i : in_nodes()) {
    const KvMachine* machine = sim_->machine(i);
    if (machine && machine->node().ring_keeper().formed() &&
        !machine->node().ring_keeper().can_begin().ok()) {
      return true;
    }
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
// a member dies for good (or is cut off from the others for a long while) and, once the
// owner's failure detector marks it down, the owner removes it.
void KvSimulation::change_membership(const FaultAction& fault) {
  const uint64_t now = sim_->now_ms();
  if (fault.kind == FaultKind::kJoin) {
    out_[fault.node] = false;
    joining_ = fault.node;
    stats_.joins_started++;
    trace_.record(now, "join", process_field(fault.node));
    restart_node(fault.node);
    return;
  }
  if (fault.kind == FaultKind::kDecommission) {
    const std::optional<std::string> refused =
        begin_change(fault.node, ChangeKind::kDecommission, fault.node);
    record_change(now, "decommission", fault.node, refused);
    if (!refused) stats_.decommissions_started++;
    return;
  }
  removal_waiting_ = fault.node;
  if (fault.duration_ms == 0) {
    trace_.record(now, "dies-for-good", process_field(fault.node));
    crash_node(fault.node);  // gone for good, with its disk
    take_out(fault.node);
    ask_removal(fault, 0);
    return;
  }
  trace_.record(now, "cut-off", process_field(fault.node));
  sim_->network().isolate(fault.node);
  sim_->events().schedule(now + fault.duration_ms, [this] {
    sim_->network().heal();
    trace_.record(sim_->now_ms(), "heal", "");
  });
  ask_removal(fault, now + fault.duration_ms);
}

void KvSimulation::ask_removal(const FaultAction& fault, uint64_t cut_until_ms) {
  sim_->events().schedule(sim_->now_ms() + kRemovalPollMs, [this, fault, cut_until_ms] {
    if (violation_) return;
    const NodeId& subject = setup_.names[fault.node];
    KvMachine* owner = sim_->up(fault.to) && !sim_->paused(fault.to) ? sim_->machine(fault.to)
                                                                      : nullptr;
    if (owner && owner->node().membership().status_of(subject) == MemberStatus::kDown) {
      const std::optional<std::string> refused =
          begin_change(fault.to, ChangeKind::kRemove, fault.node);
      // A dead node must go: the operator asks again (another change may be finishing).
      if (!refused || cut_until_ms != 0) return removal_asked(fault, refused);
    } else if (cut_until_ms != 0 && sim_->now_ms() >= cut_until_ms) {
      return removal_asked(fault, "it came back before it was marked down");
    }
    ask_removal(fault, cut_until_ms);
  });
}

std::optional<std::string> KvSimulation::begin_change(size_t owner, ChangeKind kind,
                                                      size_t subject) {
  std::optional<std::string> refused;
  sim_->step(owner, [&](KvMachine& machine, uint64_t local_now_ms) {
    Result<RingConfig> begun =
        machine.node().begin_change(kind, setup_.names[subject], local_now_ms);
    if (!begun.ok()) refused = begun.status().message();
  });
  return refused;
}

void KvSimulation::record_change(uint64_t at_ms, const char* kind, size_t subject,
                                 const std::optional<std::string>& refused) {
  trace_.record(at_ms, kind,
                process_field(subject) + ",\"accepted\":" + (refused ? "false" : "true") +
                    (refused ? ",\"why\":" + json_quote(*refused) : ""));
}

void KvSimulation::take_out(size_t index) {
  out_[index] = true;
  note_data_lost(index);
  wiped_[index] = false;  // nothing of it comes back to rebuild
}

void KvSimulation::removal_asked(const FaultAction& fault,
                                 const std::optional<std::string>& refused) {
  removal_waiting_.reset();
  record_change(sim_->now_ms(), "remove", fault.node, refused);
  if (refused) return;
  stats_.removals_started++;
  if (out_[fault.node]) return;  // it died for good
  const bool running = sim_->up(fault.node);  // else it crashed while cut off: it stays down
  take_out(fault.node);
  if (!running) return;
  // Still running, cut off: its data no longer counts, but it answers whoever reaches it
  // until it learns it was removed (after_membership_step stops it then).
  zombie_[fault.node] = true;
  coverage_.add("removed_while_running");
}

KvSimulation::Holding KvSimulation::holding(const Key& key, const Version& version,
                                            const std::vector<NodeId>& set) const {
  Holding holding;
  for (const NodeId& id : set) {
    const size_t index = static_cast<size_t>(
        std::find(setup_.names.begin(), setup_.names.end(), id) - setup_.names.begin());
    KvMachine* machine = index < out_.size() ? sim_->machine(index) : nullptr;
    Result<std::optional<Entry>> entry = Status::unavailable("down");
    if (machine && !wiped_[index] && !machine->node().rebuilding()) {
      entry = machine->store().get(ring_stored_key(key));
    }
    if (!entry.ok()) {
      holding.unknown++;  // down, or its disk was lost: what it holds is not known here
      holding.held += " " + id + "=?";
      continue;
    }
    if (*entry && (*entry)->version >= version) holding.holders++;
    holding.held += " " + id + "=" + (*entry ? (*entry)->version.to_string() : "nothing") +
                    "@epoch" + std::to_string(machine->node().ring_config().epoch());
  }
  holding.majority = holding.holders + holding.unknown >= set.size() / 2 + 1;
  return holding;
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
    const Holding held = holding(key, op->version, config.read_set(key, n));
    if (!held.majority) {
      fail(Violation{"switched reads", key, {op->id}, now,
                     "reads moved to the new replicas (" + config.describe() +
                         ") while too few of them hold the acknowledged write " +
                         op->version.to_string() + ":" + held.held});
      return;
    }
  }
}

// Every member acknowledged the epoch before the newest one, so a coordinator that is at
// most one epoch behind acknowledges a strong write only once a majority of the key's
// read set in the newest configuration holds it (quorums of both sets while a key moves);
// a coordinator further behind (one removed while it was cut off) must not get there on
// the old replicas' answers.
void KvSimulation::check_write_placement(const Op& op) {
  const uint32_t n = options_.config.replication_factor;
  if (!op.is_write() || op.result != OpResult::kOk || 2 * op.quorum <= n || violation_) return;
  if (op.version <= history_.purged_by(op.key, sim_->now_ms())) return;
  const RingConfig* newest = nullptr;
  for (size_t i : in_nodes()) {
    const KvMachine* machine = sim_->machine(i);
    if (!machine || !machine->node().ring_keeper().formed()) continue;
    const RingConfig& config = machine->node().ring_config();
    if (!newest || config.epoch() > newest->epoch()) newest = &config;
  }
  if (!newest) return;
  coverage_.add("write_placement_checked");
  const Holding held = holding(op.key, op.version, newest->read_set(op.key, n));
  if (!held.majority) {
    fail(Violation{"write placement", op.key, {op.id}, sim_->now_ms(),
                   "a write acknowledged at " + op.version.to_string() + " through " +
                       setup_.names[op.coordinator] + " (at " +
                       sim_->machine(op.coordinator)->node().ring_config().describe() +
                       ") is on too few replicas of the newest ring (" + newest->describe() +
                       "):" + held.held});
  }
}

// After every step: a decommissioned node that learnt it left stops for good (kvnode
// exits), and the checkers learn how long membership changes kept going.
void KvSimulation::after_membership_step(size_t index) {
  KvMachine* machine = sim_->machine(index);
  const RingConfig& config = machine->node().ring_config();
  if (config.changing()) last_changing_ms_ = sim_->now_ms();
  if (config.stage() == ChangeStage::kReadsSwitched) check_switched_reads(config);
  const std::optional<MemberState> state = machine->node().ring_keeper().self_state();
  if (joining_ == index && state == MemberState::kNormal) joining_.reset();
  const bool left = state == MemberState::kLeft;
  if (!left && !(zombie_[index] && state == MemberState::kRemoved)) return;
  if (!out_[index] || zombie_[index]) {
    out_[index] = true;  // no new requests through it
    if (zombie_[index]) zombie_lost(index);
    zombie_[index] = false;
    trace_.record(sim_->now_ms(), left ? "left" : "learnt-removed", process_field(index));
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

// A node removed while it ran served whoever reached it until now: the weak writes it
// acknowledged alone in that time (it still took itself for a replica) went with it, as
// with a lost disk.
void KvSimulation::zombie_lost(size_t index) {
  history_.wipes.push_back(Wipe{setup_.names[index], sim_->now_ms()});
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
