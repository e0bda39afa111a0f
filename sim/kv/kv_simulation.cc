#include "sim/kv/kv_simulation.h"

#include <algorithm>

namespace ringkv::sim {
namespace {
constexpr uint64_t kClientLatencyMs = 1;
constexpr uint64_t kThinkTimeMaxMs = 10;
constexpr uint64_t kRestartRetryMs = 100;
constexpr size_t kCompactionStepEntries = 64;  // keys per compaction step (driver)
constexpr uint64_t kSimBlockCacheBytes = 16 << 10;  // a few blocks
constexpr uint64_t kFirstThinkMinMs = 1, kFirstThinkMaxMs = 50;
// Seeds reaction_prng_ apart from the seed's other streams.
constexpr uint64_t kReactionStream = 0x7265616374696f6eULL;  // "reaction"

std::string field(const char* name, uint64_t value) {
  return std::string("\"") + name + "\":" + std::to_string(value);
}
}  // namespace

KvSimulation::KvSimulation(SimOptions options)
    : options_(std::move(options)),
      prng_(options_.seed),
      workload_prng_(prng_.fork()),
      fault_prng_(prng_.fork()),
      reaction_prng_(options_.seed ^ kReactionStream) {
  if (options_.hints_only) {
    const FaultRates& f = options_.faults;
    RINGKV_ASSERT_MSG(f.crash_permille == 0 && f.power_failure_permille == 0 &&
                          f.read_bit_flip_permille == 0 && f.io_error_permille == 0 &&
                          f.disk_full_permille == 0 && f.crash_point_permille == 0 &&
                          f.disk_wipe_permille == 0 && f.rest_bit_flip_permille == 0 &&
                          options_.config.anti_entropy_interval_ms == kAntiEntropyOffMs,
                      "a hints-only run has crash, power or disk faults, or anti-entropy on");
  }
  for (size_t i = 0; i < options_.machine_count(); ++i) {
    setup_.names.push_back("n" + std::to_string(i + 1));
  }
  setup_.initial_count = options_.node_count;
  out_.assign(options_.machine_count(), false);
  for (size_t i = options_.node_count; i < options_.machine_count(); ++i) out_[i] = true;
  zombie_.assign(options_.machine_count(), false);
  for (size_t k = 0; k < options_.key_count; ++k) keys_.push_back("key-" + std::to_string(k));
  setup_.config = options_.config;
  setup_.storage.memtable_max_bytes = options_.config.memtable_max_bytes;
  // Small, so that reads go both through the cache and to the (faulty) simulated disk.
  setup_.storage.block_cache_bytes = kSimBlockCacheBytes;
  // Compactions run detached, as in kvnode (the buggify steps in KvMachine::on_tick start
  // some in place, which the driver then takes over).
  setup_.driver = DriverOptions{options_.sync, options_.sync_batch_interval_ms,
                                kCompactionStepEntries, /*detached_compaction=*/true};
  setup_.injected_bugs = options_.injected_bugs;
  setup_.watched_keys.assign(keys_.begin(),
                             keys_.begin() + std::min(keys_.size(), kMaxWatchedKeys));
  setup_.buggify_permille = options_.buggify_permille;
  for (size_t i = 0; i < options_.machine_count(); ++i) {
    disks_.push_back(std::make_unique<MemoryEnv>(prng_.next_u64()));
    disks_.back()->enable_detached_sync(options_.sync == SyncPolicy::kAlways);
  }
  incarnations_.assign(options_.machine_count(), 0);
  last_seen_.resize(options_.machine_count());
  durable_.resize(options_.machine_count());
  checked_changes_.assign(options_.machine_count(), UINT64_MAX);
  held_configs_.resize(options_.machine_count());
  wiped_.assign(options_.machine_count(), false);
  rebuilding_.assign(options_.machine_count(), false);
  clients_.resize(options_.client_count + 1);  // the last one is the final probe's
  sim_ = std::make_unique<Simulator<KvMachine>>(
      options_.machine_count(), options_.simulator, prng_.fork(), trace_,
      [this](size_t index, uint64_t local_now_ms) { return make_machine(index, local_now_ms); });
  sim_->after_step = [this](size_t index) { after_step(index); };
  Prng clock_prng = prng_.fork();
  for (size_t i = 0; i < options_.machine_count(); ++i) {
    ClockModel& clock = sim_->clock(i);
    const uint64_t offset_span = static_cast<uint64_t>(options_.clock_offset_max_ms);
    const uint64_t drift_span = static_cast<uint64_t>(options_.clock_drift_max_ppm);
    clock.offset_ms = static_cast<int64_t>(clock_prng.range(0, offset_span));
    clock.drift_ppm =
        static_cast<int64_t>(clock_prng.range(0, 2 * drift_span)) - options_.clock_drift_max_ppm;
  }
}

std::unique_ptr<KvMachine> KvSimulation::make_machine(size_t index, uint64_t local_now_ms) {
  MemoryEnv& disk = *disks_[index];
  if (faults_active_) disk.set_faults(base_disk_faults());
  auto machine = KvMachine::open(index, setup_, disk, incarnations_[index]++, prng_.fork(),
                                 local_now_ms);
  if (!machine.ok()) {
    stats_.restart_failures++;
    trace_.record(sim_->now_ms(), "open-failed",
                  field("process", index) + ",\"error\":" +
                      json_quote(machine.status().to_string()));
    if (machine.status().code() == StatusCode::kCorruption && !faults_active_) {
      // With faults off, a store that cannot recover is real damage: a durability bug.
      fail(Violation{"recovery", "", {}, sim_->now_ms(),
                     setup_.names[index] + " cannot reopen its store: " +
                         machine.status().to_string()});
    }
    sim_->events().schedule(sim_->now_ms() + kRestartRetryMs, [this, index] {
      restart_node(index);
    });
    return nullptr;
  }
  // The flipped table left the data directory while the node was down: this open (or an
  // earlier one that failed halfway) set the damaged store aside.
  const std::string& damage = (*machine)->discarded();
  const bool flipped_here = flipped_ && flipped_->node == index;
  if (!damage.empty() && !flipped_here) {
    fail(Violation{"damage", "", {}, sim_->now_ms(),
                   setup_.names[index] + " set its store aside as damaged, but no stored bit "
                                         "was flipped there: " + damage});
  }
  if (flipped_here && (!damage.empty() || !disk.exists(flipped_->path))) {
    trace_.record(sim_->now_ms(), "store-set-aside",
                  field("process", index) + ",\"damage\":" + json_quote(damage));
    flipped_.reset();
    coverage_.add("damaged_store_set_aside");
    note_data_lost(index);
  }
  return std::move(*machine);
}

void KvSimulation::after_step(size_t index) {
  KvMachine* machine = sim_->machine(index);
  if (!machine) return;
  for (Reply& reply : machine->take_replies()) complete_op(reply.request_id, reply.response);
  for (auto& [key, version] : machine->node().take_purges()) {
    history_.purges.push_back(Purge{key, version, setup_.names[index], sim_->now_ms()});
    trace_.record(sim_->now_ms(), "purge",
                  field("process", index) + ",\"key\":" + json_quote(key) +
                      ",\"version\":\"" + version.to_string() + "\"");
  }
  check_drops(index);
  for (const auto& [key, version] : machine->synced_versions()) durable_[index][key] = version;
  if (rebuilding_[index] && !machine->node().rebuilding()) last_rebuilt_ms_ = sim_->now_ms();
  rebuilding_[index] = machine->node().rebuilding();
  if (!rebuilding_[index]) wiped_[index] = false;
  check_replica_monotonic(index, false);
  after_membership_step(index);
  if (machine->codec_errors() > 0) {
    fail(Violation{"codec", "", {}, sim_->now_ms(),
                   setup_.names[index] + " could not parse a message the codec wrote"});
  }
  if (const auto& point = disks_[index]->crash_point_hit()) {
    // The process died at that disk write (a crash point inside a WAL append, a flush, a
    // compaction or a manifest update): the power goes with it.
    coverage_.add("crash_point");
    if (point->find(".sst") != std::string::npos) coverage_.add("crash_point_sstable");
    if (point->find("MANIFEST") != std::string::npos) coverage_.add("crash_point_manifest");
    trace_.record(sim_->now_ms(), "crash-point",
                  field("process", index) + ",\"at\":" + json_quote(*point));
    const uint64_t down_ms = reaction_prng_.range(kDowntimeMinMs, options_.faults.downtime_max_ms);
    sim_->events().schedule(sim_->now_ms(),
                            [this, index, down_ms] { crash_for_a_while(index, down_ms); });
    return;
  }
  if (!machine->store().fatal_error().ok() || !machine->hint_store().fatal_error().ok()) {
    if (!machine->store().damage().ok()) coverage_.add("corruption_detected");
    // A node whose disk failed for good stops and restarts, as the runtime would.
    trace_.record(sim_->now_ms(), "fatal-store-error", field("process", index));
    sim_->events().schedule(sim_->now_ms(), [this, index] {
      crash_node(index);
      restart_node(index);
    });
  }
}

// 4. Monotonic replicas: a replica's version of a key never goes down while it runs, and
// a restart recovers at least what the last successful sync covered; the one exception is
// a tombstone purge (the node's purge floor covers what it held), recorded in the history.
void KvSimulation::check_replica_monotonic(size_t index, bool after_restart) {
  KvMachine* machine = sim_->machine(index);
  const uint64_t changes = machine->store().state_changes();
  if (!after_restart && checked_changes_[index] == changes) return;  // nothing moved
  checked_changes_[index] = changes;
  // Keys with an injected read fault (CRCs turned it into an error) are left out.
  for (const auto& [key, now] : machine->watched_versions()) {
    const Version& floor = after_restart ? durable_[index][key] : last_seen_[index][key];
    if (now < floor && !now.is_zero()) {
      fail(Violation{"monotonic replicas", key, {}, sim_->now_ms(),
                     setup_.names[index] + (after_restart ? " recovered " : " went down to ") +
                         now.to_string() + " below " + floor.to_string()});
      return;
    }
    if (now < floor && !purged_here(index, key, floor)) {
      fail(Violation{"monotonic replicas", key, {}, sim_->now_ms(),
                     setup_.names[index] + (after_restart ? " recovered " : " went down to ") +
                         "nothing below " + floor.to_string() + ", and purged no tombstone"});
      return;
    }
    last_seen_[index][key] = now;
  }
}

void KvSimulation::check_drops(size_t index) {
  KvMachine* machine = sim_->machine(index);
  const RingConfig& now = machine->node().ring_keeper().config();
  const std::optional<RingConfig>& before = held_configs_[index];
  const size_t n = setup_.config.replication_factor;
  for (auto& [key, version] : machine->node().take_drops()) {
    trace_.record(sim_->now_ms(), "drop",
                  field("process", index) + ",\"key\":" + json_quote(key) + ",\"version\":\"" +
                      version.to_string() + "\"");
    // The floor starts again: what the node holds of the key next comes from its replicas.
    if (auto seen = last_seen_[index].find(key);
        seen != last_seen_[index].end() && seen->second <= version) {
      seen->second = Version{};
    }
    if (!before || !before->formed()) continue;  // a joining node: it held no configuration
    const NodeId& self = setup_.names[index];
    if (before->sets(key, n).includes(self)) {
      fail(Violation{"monotonic replicas", key, {}, sim_->now_ms(),
                     self + " dropped its entry at " + version.to_string() +
                         ", but it replicates the key at epoch " +
                         std::to_string(before->epoch())});
      return;
    }
  }
  if (!before || before->epoch() != now.epoch() || before->digest() != now.digest()) {
    held_configs_[index] = now;
  }
}

// True when node `index` purged a tombstone of `key` at or above `version`.
bool KvSimulation::purged_here(size_t index, const Key& key, const Version& version) const {
  const std::string& node = setup_.names[index];
  for (const Purge& purge : history_.purges) {
    if (purge.key == key && purge.node == node && version <= purge.version) return true;
  }
  return false;
}

void KvSimulation::crash_node(size_t index) {
  if (!sim_->up(index)) return;
  if (sim_->machine(index)->driver().sync_running()) coverage_.add("crash_during_sync");
  harvest_coverage(index);
  sim_->crash(index);
  CrashOptions crash_options;
  crash_options.junk_tail_permille = options_.faults.junk_tail_permille;
  const uint64_t junk_before = disks_[index]->junk_tails();
  disks_[index]->crash(reaction_prng_, crash_options);
  coverage_.add("junk_tail", disks_[index]->junk_tails() - junk_before);
  last_seen_[index] = durable_[index];  // the floor for the next life: what was synced
  held_configs_[index].reset();  // the next life starts from its durable configuration
  checked_changes_[index] = UINT64_MAX;
  stats_.crashes++;
  if (zombie_[index]) {
    // Removed while it ran, and now stopped (a crash point armed before the removal):
    // like kvnode restarted on a removed member, it does not come back, and clients no
    // longer send it requests.
    zombie_lost(index);
    zombie_[index] = false;
    trace_.record(sim_->now_ms(), "removed-stopped", field("process", index));
  }
}

// The disk faults every life of a node runs with while faults are active.
FaultOptions KvSimulation::base_disk_faults() const {
  FaultOptions faults;
  faults.read_bit_flip_permille = options_.faults.read_bit_flip_permille;
  faults.io_error_permille = options_.faults.io_error_permille;
  return faults;
}

void KvSimulation::harvest_coverage(size_t index) {
  KvMachine* machine = sim_->machine(index);
  if (!machine) return;
  const NodeMetrics& m = machine->node().metrics();
  coverage_.add("overloaded", m.overloaded);
  coverage_.add("write_superseded", m.writes_superseded);
  coverage_.add("stale_stamp_failed", m.writes_stale_stamp);
  coverage_.add("write_refused_no_space", m.writes_refused_no_space);
  coverage_.add("read_write_back", m.read_write_backs);
  coverage_.add("read_restart", m.read_restarts);
  coverage_.add("read_winner_change", m.read_winner_changes);
  coverage_.add("version_query_hedge", m.version_query_hedges);
  coverage_.add("tombstone_purged", m.tombstones_purged);
  coverage_.add("regained_dropped", m.regained_entries_dropped);
  coverage_.add("hint_budget_full", m.hints_dropped_budget);
  coverage_.add("hint_delivered", m.hints_delivered);
  coverage_.add("compaction", machine->store().stats().compactions);
  coverage_.add("data_rebuilt", m.data_rebuilds);
  coverage_.add("index_loaded_in_steps", m.index_load_steps);
  coverage_.add("refused_rebuilding", m.refused_rebuilding);
  const RingKeeperCounters& ring = machine->node().ring_keeper().counters();
  coverage_.add("join_completed", ring.joins_completed);
  coverage_.add("decommission_completed", ring.decommissions_completed);
  coverage_.add("removal_completed", ring.removals_completed);
  coverage_.add("stream_resumed", ring.stream_resumed);
  coverage_.add("range_switched", ring.reads_switched);
  coverage_.add("epoch_refused", m.epoch_refusals_sent);
  coverage_.add("op_replanned", m.ops_replanned);
}

void KvSimulation::restart_node(size_t index) {
  if (sim_->up(index) || out_[index]) return;  // out: not joined yet, left or removed
  sim_->restart(index);
  if (sim_->up(index)) check_replica_monotonic(index, true);
}

void KvSimulation::continue_client(size_t client, bool first) {
  Client& c = clients_[client];
  const uint64_t now = sim_->now_ms();
  uint64_t at = 0;
  if (replay_) {
    if (client >= replay_ops_.size() || c.next_replayed >= replay_ops_[client].size()) return;
    const ScheduledOp& next = replay_->ops[replay_ops_[client][c.next_replayed]];
    c.think_ms = next.think_ms;
    at = std::max(now + c.think_ms, next.at_ms);
  } else {
    c.think_ms = first ? workload_prng_.range(kFirstThinkMinMs, kFirstThinkMaxMs)
                       : workload_prng_.range(0, kThinkTimeMaxMs);
    at = now + c.think_ms;
  }
  sim_->events().schedule(at, [this, client] { issue_op(client); });
}

// The client's next request: drawn from workload_prng_ (and recorded), or replayed.
void KvSimulation::issue_op(size_t client) {
  if (!workload_active_ || violation_) return;
  if (options_.max_ops > 0 && history_.ops.size() >= options_.max_ops) return;
  Client& c = clients_[client];
  ScheduledOp next;
  if (replay_) {
    next = replay_->ops[replay_ops_[client][c.next_replayed++]];
  } else {
    next.client = static_cast<uint32_t>(client);
    next.think_ms = c.think_ms;
    uint64_t dice = workload_prng_.uniform(100);
    next.kind = dice < 45 ? ClientOp::kPut : dice < 85 ? ClientOp::kGet : ClientOp::kDelete;
    // After healing only the first half of the keys stays in use: the cold half must
    // converge by anti-entropy and hints alone, with no reads or writes to repair it.
    const size_t key_span = faults_active_ ? keys_.size() : (keys_.size() + 1) / 2;
    next.key = static_cast<uint32_t>(workload_prng_.uniform(key_span));
    if (next.kind == ClientOp::kPut && options_.large_value_one_in > 0 &&
        workload_prng_.one_in(options_.large_value_one_in)) {
      next.value_bytes = workload_prng_.range(kLargeValueBytes, options_.config.max_value_bytes);
    }
    // Through a node that is in the cluster (clients know the members), or one that was
    // removed while it was cut off and has not learnt it yet (clients knew it too).
    std::vector<size_t> members = in_nodes();
    for (size_t i = 0; i < zombie_.size(); ++i) {
      if (zombie_[i]) members.push_back(i);
    }
    next.coordinator = static_cast<uint32_t>(members[workload_prng_.uniform(members.size())]);
    // One request in four picks its own quorum (?w= / ?r=), anywhere in 1..N.
    if (workload_prng_.one_in(4)) {
      next.quorum = static_cast<uint32_t>(
          workload_prng_.range(1, options_.config.replication_factor));
    }
    // In the safety phase only: healed-cluster requests use the default timeout.
    if (faults_active_ && options_.timeout_one_in > 0 &&
        workload_prng_.one_in(options_.timeout_one_in)) {
      const Config& config = options_.config;
      next.timeout_ms =
          workload_prng_.range(1, std::min(2 * config.default_timeout_ms, config.max_timeout_ms));
    }
  }
  next.at_ms = sim_->now_ms();
  if (recording_) recorded_.ops.push_back(next);
  Op op;
  op.client = client;
  op.kind = next.kind;
  op.key = keys_[next.key];
  if (op.kind == ClientOp::kPut) {
    op.value = "c" + std::to_string(client) + "." + std::to_string(++c.sequence);
    if (next.value_bytes > 0) {
      op.value += ':';
      op.value.resize(static_cast<size_t>(next.value_bytes), static_cast<char>('a' + c.sequence % 26));
      coverage_.add("large_value");
    }
  }
  op.coordinator = next.coordinator;
  ClientRequest request;
  request.op = op.kind;
  request.key = op.key;
  request.value = op.value;
  const Config& config = options_.config;
  op.quorum = op.is_write() ? config.write_quorum : config.read_quorum;
  if (next.quorum > 0) {
    op.quorum = next.quorum;
    (op.is_write() ? request.write_quorum : request.read_quorum) = op.quorum;
  }
  if (next.timeout_ms > 0) {
    request.timeout_ms = next.timeout_ms;
    coverage_.add("request_timeout");
  }
  stats_.ops++;  // the workload's requests (the final probe counts its own)
  submit_op(std::move(op), request);
}

// Records `op` in the history and sends `request` to its coordinator; the client gives
// up after the node's deadline plus slack.
uint64_t KvSimulation::submit_op(Op op, const ClientRequest& request) {
  op.id = history_.ops.size() + 1;
  op.invoke_ms = sim_->now_ms();
  clients_[op.client].pending_op = op.id;
  trace_.record(op.invoke_ms, "invoke",
                field("op", op.id) + ",\"what\":" + json_quote(op.describe()));
  history_.ops.push_back(op);
  const uint64_t request_id = op.id;
  sim_->schedule_step(sim_->now_ms() + kClientLatencyMs, op.coordinator,
                      [request_id, request](KvMachine& machine, uint64_t local_now_ms) {
                        machine.submit(request_id, request, local_now_ms);
                      });
  // The client gives up a little after the node's own deadline (clocks drift).
  const uint64_t timeout =
      std::max(options_.config.default_timeout_ms, request.timeout_ms.value_or(0));
  const uint64_t give_up = timeout + timeout / 4 + kPauseMaxMs / 10 + 200;
  sim_->events().schedule(sim_->now_ms() + give_up, [this, request_id] { expire_op(request_id); });
  return request_id;
}

void KvSimulation::complete_op(uint64_t op_id, const ClientResponse& response) {
  if (op_id == 0 || op_id > history_.ops.size()) return;
  Op& op = history_.at(op_id);
  if (op.result != OpResult::kPending) return;  // the client already gave up
  op.complete_ms = sim_->now_ms();
  op.version = response.version;
  switch (response.outcome) {
    case ClientOutcome::kOk:
      op.result = OpResult::kOk;
      if (!op.is_write()) op.value = response.value;
      break;
    case ClientOutcome::kNotFound: op.result = OpResult::kNotFound; break;
    default:
      op.result = OpResult::kFailed;
      op.error = std::string(client_outcome_name(response.outcome)) + ": " + response.error;
      break;
  }
  if (op.result == OpResult::kOk) (op.is_write() ? stats_.writes_acked : stats_.reads_ok)++;
  check_write_placement(op);
  if (op.result == OpResult::kNotFound) stats_.not_found++;
  if (op.result == OpResult::kFailed) stats_.failed++;
  trace_.record(op.complete_ms, "complete", field("op", op.id) + ",\"what\":" +
                                                json_quote(op.describe()));
  clients_[op.client].pending_op = 0;
  continue_client(op.client, false);
}

void KvSimulation::expire_op(uint64_t op_id) {
  Op& op = history_.at(op_id);
  if (op.result != OpResult::kPending) return;
  op.result = OpResult::kIndeterminate;
  stats_.indeterminate++;
  trace_.record(sim_->now_ms(), "give-up", field("op", op.id));
  clients_[op.client].pending_op = 0;
  continue_client(op.client, false);
}

void KvSimulation::fail(Violation violation) {
  if (!violation_) violation_ = std::move(violation);
}

}  // namespace ringkv::sim
