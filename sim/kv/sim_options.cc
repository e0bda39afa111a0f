#include "sim/kv/sim_options.h"

#include <algorithm>
#include <sstream>

#include "core/prng.h"

namespace ringkv::sim {

namespace {

void draw_quorums(Prng& prng, SimOptions& o) {
  Config& c = o.config;
  const size_t max_n = std::min<size_t>(o.node_count, 5);
  c.replication_factor = static_cast<uint32_t>(prng.one_in(3) ? prng.range(2, max_n) : 3);
  const uint32_t n = c.replication_factor;
  c.write_quorum = static_cast<uint32_t>(prng.range(1, n));
  // R is the smallest that overlaps W, or a bit more: W + R > N always.
  const uint32_t min_r = n - c.write_quorum + 1;
  c.read_quorum = static_cast<uint32_t>(prng.range(min_r, n));
  // Strong defaults (2W > N, 2R >= N: linearizable) in most seeds; the others run weak
  // defaults (eventual), as a cluster started with --allow-weak-quorums true would.
  const bool strong = 2 * c.write_quorum > n && 2 * c.read_quorum >= n;
  if (!strong && prng.one_in(3)) {
    c.allow_weak_quorums = true;
  } else if (!strong) {
    c.write_quorum = std::max(c.write_quorum, n / 2 + 1);
    c.read_quorum = std::max(c.read_quorum, (n + 1) / 2);
  }
}

void draw_timing(Prng& prng, SimOptions& o) {
  Config& c = o.config;
  c.gossip_interval_ms = prng.range(100, 600);
  c.suspect_after_ms = c.gossip_interval_ms * prng.range(3, 6);
  c.dead_after_ms = c.suspect_after_ms * 2;
  c.default_timeout_ms = prng.range(200, 1500);
  c.max_timeout_ms = 2 * c.default_timeout_ms;  // per-request timeouts go up to this
  c.hint_replay_interval_ms = prng.range(100, 1000);
  c.anti_entropy_interval_ms = prng.range(300, 3000);
  (void)prng.range(2, 5);  // was max_stale_retries: drawn still, so later draws keep values
  // Buggify: tiny memtables make flushes and compactions happen all the time.
  c.memtable_max_bytes = prng.one_in(2) ? prng.range(4096, 8192) : prng.range(16384, 262144);
  c.max_value_bytes = 4096;
}

void draw_faults(Prng& prng, SimOptions& o) {
  NetworkOptions& net = o.simulator.network;
  net.latency_min_ms = prng.range(0, 3);
  net.latency_max_ms = net.latency_min_ms + prng.range(1, 30);
  net.spike_permille = static_cast<uint32_t>(prng.range(0, 30));
  net.latency_spike_ms = prng.range(50, 500);
  net.loss_permille = static_cast<uint32_t>(prng.one_in(3) ? 0 : prng.range(0, 80));
  net.duplicate_permille = static_cast<uint32_t>(prng.one_in(3) ? 0 : prng.range(0, 300));
  o.simulator.disk_latency_min_ms = 0;
  o.simulator.disk_latency_max_ms = prng.range(1, 10);
  FaultRates& f = o.faults;
  f.fault_interval_min_ms = prng.range(100, 1000);
  f.fault_interval_max_ms = f.fault_interval_min_ms + prng.range(100, 3000);
  f.crash_permille = static_cast<uint32_t>(prng.range(0, 400));
  f.power_failure_permille = static_cast<uint32_t>(prng.range(0, 80));
  f.partition_permille = static_cast<uint32_t>(prng.range(0, 400));
  f.clog_permille = static_cast<uint32_t>(prng.range(0, 200));
  f.pause_permille = static_cast<uint32_t>(prng.range(0, 150));
  f.downtime_max_ms = prng.range(200, 6000);
  f.partition_max_ms = prng.range(200, 8000);
  f.read_bit_flip_permille = static_cast<uint32_t>(prng.one_in(4) ? prng.range(1, 5) : 0);
  f.io_error_permille = static_cast<uint32_t>(prng.one_in(5) ? prng.range(1, 3) : 0);
  o.clock_offset_max_ms = static_cast<int64_t>(prng.range(0, 3000));
  o.clock_drift_max_ppm = static_cast<int64_t>(prng.range(0, 50000));  // up to 5%
}

// Limits and sizes: per-request timeouts, tight in-flight and hint limits, 1 MiB values or
// thousands of keys (never both in one seed: a sweep job stays under ~2 GiB).
void draw_reach(Prng& prng, SimOptions& o) {
  Config& c = o.config;
  if (prng.one_in(3)) o.timeout_one_in = static_cast<uint32_t>(prng.range(2, 10));
  if (prng.one_in(8)) {
    o.tight_inflight_limit = true;
    c.max_inflight_requests = static_cast<uint32_t>(prng.range(1, 3));
  }
  if (!o.hints_only && prng.one_in(6)) c.max_hint_bytes_per_target = prng.range(100, 2000);
  const uint64_t shape = prng.uniform(10);
  if (shape == 0) {
    c.max_value_bytes = 1 << 20;
    // ~5..15 values of 64 KiB..1 MiB per seed: enough to reach the limits, few enough
    // that copying them through five replicas does not dominate a sweep.
    o.large_value_one_in = static_cast<uint32_t>(prng.range(150, 450));
  } else if (shape == 1) {
    o.key_count = prng.range(200, 3000);
  }
}

}  // namespace

SimOptions SimOptions::draw(uint64_t seed) {
  Prng prng(seed ^ 0x5eed0f5a4a2dULL);
  SimOptions o;
  o.seed = seed;
  o.node_count = prng.range(3, 7);
  draw_quorums(prng, o);
  draw_timing(prng, o);
  draw_faults(prng, o);
  o.buggify_permille = prng.one_in(2) ? static_cast<uint32_t>(prng.range(5, 50)) : 0;
  o.key_count = prng.range(1, 8);
  o.client_count = prng.range(4, 12);
  o.safety_duration_ms = prng.range(10000, 40000);
  o.liveness_duration_ms = 5000;
  o.convergence_bound_ms = 60000;
  // Drawn last, so the draws above keep their values for every seed.
  o.min_ops = kDefaultMinOps;
  o.max_safety_duration_ms = kMaxSafetyDurationMs;
  if (prng.one_in(4)) o.set_hints_only();
  o.config.version_query_hedge_ms = prng.one_in(3) ? 0 : prng.range(1, 40);
  if (prng.one_in(4)) {
    o.sync = SyncPolicy::kBatch;
    o.sync_batch_interval_ms = prng.range(1, 20);
  }
  draw_reach(prng, o);
  // Tombstone purge within the run: a short grace period, hints that expire before it.
  // Long partitions in some of them: a coordinator cut off from a replica for longer than
  // the grace keeps its hints while the others purge (the resurrection a hint can cause).
  if (!o.hints_only && prng.one_in(3)) {
    Config& c = o.config;
    c.tombstone_grace_ms = prng.range(c.max_timeout_ms + 1500, 10000);
    c.max_hint_age_ms = prng.range(200, (c.tombstone_grace_ms - c.max_timeout_ms) * 9 / 10);
    if (prng.one_in(2)) o.faults.partition_max_ms = prng.range(8000, 20000);
  }
  // Storage faults beyond bit flips and I/O errors (drawn last of all): full disks, deaths
  // in the middle of a WAL append, flush, compaction or manifest update, junk tails.
  if (!o.hints_only && prng.one_in(3)) {
    o.faults.disk_full_permille = static_cast<uint32_t>(prng.range(20, 150));
    o.faults.crash_point_permille = static_cast<uint32_t>(prng.range(20, 200));
    o.faults.junk_tail_permille = static_cast<uint32_t>(prng.range(100, 1000));
    o.faults.disk_wipe_permille = static_cast<uint32_t>(prng.range(10, 60));
    o.faults.rest_bit_flip_permille = static_cast<uint32_t>(prng.range(10, 80));
  }
  // Membership changes (drawn after everything else): spare nodes join, members are
  // decommissioned or die for good and are removed, under every other fault.
  if (!o.hints_only && prng.one_in(2)) {
    o.spare_nodes = prng.range(0, 2);
    o.faults.membership_permille = static_cast<uint32_t>(prng.range(50, 250));
  }
  return o;
}

std::optional<std::string> SimOptions::problem() const {
  if (node_count < 1 || node_count > 16) return "nodes must be in 1..16";
  if (spare_nodes > 4 || machine_count() > 16) {
    return "spare_nodes must be in 0..4, and nodes + spare_nodes at most 16";
  }
  if (key_count < 1 || key_count > 100000) return "keys must be in 1..100000";
  if (client_count < 1 || client_count > 1000) return "clients must be in 1..1000";
  if (config.replication_factor > node_count) return "replication_factor must be <= nodes";
  if (Status valid = config.validate(); !valid.ok()) return valid.message();
  const NetworkOptions& net = simulator.network;
  if (faults.fault_interval_min_ms > faults.fault_interval_max_ms ||
      net.latency_min_ms > net.latency_max_ms ||
      simulator.disk_latency_min_ms > simulator.disk_latency_max_ms) {
    return "every *_min_ms must be <= its *_max_ms";
  }
  if (faults.fault_interval_min_ms == 0) return "fault_interval_min_ms must be > 0";
  if (clock_offset_max_ms < 0 || clock_drift_max_ppm < 0 || clock_drift_max_ppm > 500000) {
    return "clock_offset_max_ms must be >= 0, clock_drift_max_ppm in 0..500000";
  }
  if (sync == SyncPolicy::kBatch && sync_batch_interval_ms == 0) {
    return "sync_batch_interval_ms must be > 0 with sync=batch";
  }
  if (hints_only &&
      (faults.crash_permille || faults.power_failure_permille || faults.read_bit_flip_permille ||
       faults.io_error_permille || faults.disk_full_permille || faults.crash_point_permille ||
       faults.disk_wipe_permille || faults.rest_bit_flip_permille ||
       faults.membership_permille || config.anti_entropy_interval_ms != kAntiEntropyOffMs)) {
    return "a hints-only run has no crash, power, disk or membership faults and anti-entropy off";
  }
  return std::nullopt;
}

void SimOptions::set_hints_only() {
  hints_only = true;
  config.anti_entropy_interval_ms = kAntiEntropyOffMs;
  faults.crash_permille = 0;
  faults.power_failure_permille = 0;
  faults.read_bit_flip_permille = 0;
  faults.io_error_permille = 0;
  faults.disk_full_permille = 0;
  faults.crash_point_permille = 0;
  faults.junk_tail_permille = 0;
  faults.disk_wipe_permille = 0;
  faults.rest_bit_flip_permille = 0;
  faults.membership_permille = 0;
}

void SimOptions::set_node_count(size_t nodes) {
  node_count = nodes;
  Config& c = config;
  c.replication_factor = std::min<uint32_t>(c.replication_factor, static_cast<uint32_t>(nodes));
  c.write_quorum = std::min(c.write_quorum, c.replication_factor);
  c.read_quorum = std::max(std::min(c.read_quorum, c.replication_factor),
                           c.replication_factor - c.write_quorum + 1);
  if (!c.allow_weak_quorums) {
    c.write_quorum = std::max(c.write_quorum, c.replication_factor / 2 + 1);
    c.read_quorum = std::max(c.read_quorum, (c.replication_factor + 1) / 2);
  }
}

const std::vector<std::string>& SimOptions::fault_kinds() {
  static const std::vector<std::string> kinds = {"crash", "power", "partition", "clog", "pause",
                                                 "loss", "duplicate", "disk", "clock",
                                                 "membership"};
  return kinds;
}

bool SimOptions::keep_only_faults(const std::vector<std::string>& kinds) {
  for (const auto& kind : kinds) {
    if (std::find(fault_kinds().begin(), fault_kinds().end(), kind) == fault_kinds().end()) {
      return false;
    }
  }
  auto off = [&](const char* kind) {
    return std::find(kinds.begin(), kinds.end(), kind) == kinds.end();
  };
  if (off("crash")) faults.crash_permille = 0;
  if (off("power")) faults.power_failure_permille = 0;
  if (off("partition")) faults.partition_permille = 0;
  if (off("clog")) faults.clog_permille = 0;
  if (off("pause")) faults.pause_permille = 0;
  if (off("loss")) simulator.network.loss_permille = 0;
  if (off("duplicate")) simulator.network.duplicate_permille = 0;
  if (off("disk")) {
    faults.read_bit_flip_permille = faults.io_error_permille = 0;
    faults.disk_full_permille = faults.crash_point_permille = faults.junk_tail_permille = 0;
    faults.disk_wipe_permille = faults.rest_bit_flip_permille = 0;
  }
  if (off("clock")) clock_offset_max_ms = clock_drift_max_ppm = 0;
  if (off("membership")) faults.membership_permille = 0;
  return true;
}

std::string SimOptions::describe() const {
  const Config& c = config;
  const NetworkOptions& net = simulator.network;
  std::ostringstream out;
  out << "seed=" << seed << " nodes=" << node_count << " N=" << c.replication_factor
      << " W=" << c.write_quorum << " R=" << c.read_quorum
      << (c.allow_weak_quorums ? " (weak defaults allowed)" : "") << " keys=" << key_count
      << " clients=" << client_count << "\n  timing: gossip_interval_ms=" << c.gossip_interval_ms
      << " suspect_after_ms=" << c.suspect_after_ms << " dead_after_ms=" << c.dead_after_ms
      << " timeout_ms=" << c.default_timeout_ms
      << " version_query_hedge_ms=" << c.version_query_hedge_ms << " hint_replay_interval_ms="
      << c.hint_replay_interval_ms << " anti_entropy_interval_ms=" << c.anti_entropy_interval_ms
      << " memtable_max_bytes=" << c.memtable_max_bytes
      << "\n  network: latency_ms=" << net.latency_min_ms << ".." << net.latency_max_ms
      << " spike=" << net.spike_permille << "‰+" << net.latency_spike_ms
      << "ms loss=" << net.loss_permille << "‰ duplicate=" << net.duplicate_permille
      << "‰ disk_latency_ms=" << simulator.disk_latency_min_ms << ".."
      << simulator.disk_latency_max_ms << "\n  faults: every " << faults.fault_interval_min_ms
      << ".." << faults.fault_interval_max_ms << "ms crash=" << faults.crash_permille
      << "‰ power_failure=" << faults.power_failure_permille
      << "‰ partition=" << faults.partition_permille << "‰ clog=" << faults.clog_permille
      << "‰ pause=" << faults.pause_permille << "‰ downtime_max_ms=" << faults.downtime_max_ms
      << " partition_max_ms=" << faults.partition_max_ms
      << " read_bit_flip=" << faults.read_bit_flip_permille
      << "‰ io_error=" << faults.io_error_permille << "‰ disk_full=" << faults.disk_full_permille
      << "‰ crash_point=" << faults.crash_point_permille << "‰ junk_tail="
      << faults.junk_tail_permille << "‰ disk_wipe=" << faults.disk_wipe_permille
      << "‰ rest_bit_flip=" << faults.rest_bit_flip_permille
      << "‰\n  membership: spare_nodes=" << spare_nodes
      << " membership=" << faults.membership_permille << "‰\n  clocks: offset_max_ms="
      << clock_offset_max_ms << " drift_max_ppm=" << clock_drift_max_ppm
      << "\n  reach: timeout_one_in=" << timeout_one_in
      << " large_value_one_in=" << large_value_one_in << " max_value_bytes=" << c.max_value_bytes
      << " max_inflight_requests=" << c.max_inflight_requests
      << " max_hint_bytes_per_target=" << c.max_hint_bytes_per_target
      << "\n  purge: tombstone_grace_ms=" << c.tombstone_grace_ms
      << " max_hint_age_ms=" << c.max_hint_age_ms
      << "\n  buggify=" << buggify_permille << "‰ max_ops=" << max_ops << " min_ops=" << min_ops
      << " repair=" << (hints_only ? "hints-only (anti-entropy off, no crash/power/disk)"
                                    : "hints+anti-entropy")
      << " sync=" << sync_policy_name(sync)
      << (sync == SyncPolicy::kBatch ? "/" + std::to_string(sync_batch_interval_ms) + "ms"
                                     : std::string())
      << "\n  phases: safety_ms=" << safety_duration_ms << " (up to "
      << max_safety_duration_ms << " until min_ops) liveness_ms=" << liveness_duration_ms
      << " convergence_bound_ms=" << convergence_bound_ms;
  return out.str();
}

}  // namespace ringkv::sim
