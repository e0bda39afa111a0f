// SimOptions: everything one simulation run depends on. Swarm testing: draw() derives a
// whole configuration from the seed (cluster shape, quorums, fault rates, storage and
// timing), so a sweep covers many shapes of cluster. describe() prints every drawn value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/driver/node_driver.h"
#include "sim/kit/simulator.h"

namespace ringkv::sim {

struct FaultRates {
  uint64_t fault_interval_min_ms = 300;  // time between fault decisions
  uint64_t fault_interval_max_ms = 2000;
  uint32_t crash_permille = 200;          // per decision: crash one node
  uint32_t power_failure_permille = 30;   // per decision: crash every node at once
  uint32_t partition_permille = 200;      // per decision: cut the network
  uint32_t clog_permille = 100;           // per decision: slow one link down
  uint32_t pause_permille = 80;           // per decision: freeze one node
  uint64_t downtime_max_ms = 4000;        // crashed nodes restart within this
  uint64_t partition_max_ms = 5000;       // partitions heal within this
  uint32_t read_bit_flip_permille = 0;    // per disk read (CRCs must catch it)
  uint32_t io_error_permille = 0;         // per disk operation
  uint32_t disk_full_permille = 0;        // per decision: one node's disk fills up a while
  uint32_t crash_point_permille = 0;      // per decision: one node dies at a disk write soon
  uint32_t junk_tail_permille = 0;        // per torn file at a crash: junk after the prefix
  uint32_t disk_wipe_permille = 0;        // per decision: one node's disk is lost (blank)
  uint32_t rest_bit_flip_permille = 0;    // per decision: a stored table bit flips for good
  // Per decision: a membership change (a spare node joins, a member is decommissioned, or
  // a member dies for good and is removed). Skipped while one is in progress.
  uint32_t membership_permille = 0;
};

// Client requests per seed the default configuration aims for (the safety phase runs on
// until they were issued, within max_safety_duration_ms).
inline constexpr uint64_t kDefaultMinOps = 5000;
// The longest safety phase of the default configuration (10 simulated minutes): only
// seeds whose faults leave clients mostly waiting for timeouts get near it.
inline constexpr uint64_t kMaxSafetyDurationMs = 600'000;
// Values at least this large count as `large_value` in the coverage.
inline constexpr uint64_t kLargeValueBytes = 64 * 1024;
// Keys whose replica versions are checked after every step (monotonic replicas, synced
// versions): the first ones, so that seeds with thousands of keys stay fast.
inline constexpr size_t kMaxWatchedKeys = 16;
// An anti-entropy interval longer than any simulation: anti-entropy is off.
inline constexpr uint64_t kAntiEntropyOffMs = 1'000'000'000;

// Which linearizability checkers run (both by default; kvsim --checkers).
enum SimChecker : uint32_t {
  kWhiteBoxChecker = 1u << 0,  // versions: one version per value, real-time order
  kBlackBoxChecker = 1u << 1,  // values only: Wing-Gong/Lowe search per key, bounded
};
inline constexpr uint32_t kAllCheckers = kWhiteBoxChecker | kBlackBoxChecker;
// Search steps per key before the black box reports "unknown" instead of a verdict.
inline constexpr uint64_t kBlackBoxMaxStepsPerKey = 2'000'000;

struct SimOptions {
  uint64_t seed = 0;
  size_t node_count = 3;   // the nodes that form the cluster at the start
  size_t spare_nodes = 0;  // more that may join it later (membership_permille)
  Config config;
  size_t key_count = 4;
  size_t client_count = 3;
  SimulatorOptions simulator;
  FaultRates faults;
  int64_t clock_offset_max_ms = 0;
  int64_t clock_drift_max_ppm = 0;
  uint64_t safety_duration_ms = 30000;
  uint64_t liveness_duration_ms = 10000;    // workload keeps running after healing
  uint64_t convergence_bound_ms = 60000;    // replicas must agree within this after that
  uint32_t injected_bugs = 0;
  uint32_t buggify_permille = 0;  // 0: off; else the chance each buggify site fires
  uint64_t max_ops = 0;           // 0: no cap; else clients stop after this many requests
  // The safety phase lasts safety_duration_ms, and longer (up to max_safety_duration_ms)
  // until clients have issued min_ops requests.
  uint64_t min_ops = 0;
  uint64_t max_safety_duration_ms = 0;
  // Anti-entropy off, and no crash, power or disk faults: replicas must converge through
  // hinted handoff (and read repair) alone. Without crashes every write that a replica
  // missed gets a hint at its deadline, so convergence proves the hints work.
  bool hints_only = false;
  uint32_t checkers = kAllCheckers;
  // The node driver's sync policy (kvnode --sync): always (detached syncs that take disk
  // time and can be cut by a crash) or batch (in place, at most every interval).
  SyncPolicy sync = SyncPolicy::kAlways;
  uint64_t sync_batch_interval_ms = 5;
  // Reach: limits and sizes that a default run would never hit.
  uint32_t timeout_one_in = 0;        // 0: never; else one request in this many sends ?timeout_ms
  uint32_t large_value_one_in = 0;    // 0: never; else one PUT in this many is 64 KiB..max
  // Small max_inflight_requests or max_hint_bytes_per_target are drawn into `config`;
  // then clients may be refused (overloaded) in a healed cluster too, which the liveness
  // check excuses (the limit is the expected answer).
  bool tight_inflight_limit = false;

  // Draws every option from `seed` (the default sweep configuration).
  static SimOptions draw(uint64_t seed);
  // Every machine of the run: the initial nodes, then the spares.
  size_t machine_count() const { return node_count + spare_nodes; }
  // Overrides for the command line. set_node_count keeps N, W and R valid (N <= nodes).
  void set_node_count(size_t nodes);
  void set_hints_only();
  // Keeps only the named fault kinds ("crash", "power", "partition", "clog", "pause",
  // "loss", "duplicate", "disk", "clock"); false (and no change) for an unknown name.
  bool keep_only_faults(const std::vector<std::string>& kinds);
  static const std::vector<std::string>& fault_kinds();
  std::string describe() const;
  // Why these options cannot run (a bound broken, a hints-only run with crashes, an
  // invalid node Config), or nullopt. kvsim checks options from files and --set with it.
  std::optional<std::string> problem() const;
};

}  // namespace ringkv::sim
