// RapidCheck bridge: RapidCheck draws the cluster configuration (instead of the seed's
// swarm draw), runs a short whole simulation (a few hundred requests, so that many cases
// run), and asserts that no invariant is violated. A failure is shrunk to a smaller
// configuration (fewer nodes, keys, clients, faults). ctest runs it from a fixed seed.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdio>

#include "sim/kv/kv_simulation.h"
#include "sim/kv/option_fields.h"

namespace ringkv::sim {
namespace {

SimOptions drawn_by_rapidcheck() {
  SimOptions o = SimOptions::draw(*rc::gen::inRange<uint64_t>(0, 1u << 30));
  o.set_node_count(*rc::gen::inRange<size_t>(3, 8));
  const uint32_t n = *rc::gen::inRange<uint32_t>(1, std::min<uint32_t>(5, o.node_count) + 1);
  o.config.replication_factor = n;
  o.config.write_quorum = *rc::gen::inRange<uint32_t>(1, n + 1);
  o.config.read_quorum = *rc::gen::inRange<uint32_t>(n - o.config.write_quorum + 1, n + 1);
  o.config.allow_weak_quorums = true;  // weak defaults too: the checkers know per-op quorums
  o.key_count = *rc::gen::inRange<size_t>(1, 6);
  o.client_count = *rc::gen::inRange<size_t>(1, 5);
  o.faults.crash_permille = *rc::gen::inRange<uint32_t>(0, 400);
  o.faults.partition_permille = *rc::gen::inRange<uint32_t>(0, 400);
  o.faults.power_failure_permille = *rc::gen::inRange<uint32_t>(0, 100);
  o.simulator.network.loss_permille = *rc::gen::inRange<uint32_t>(0, 100);
  o.simulator.network.duplicate_permille = *rc::gen::inRange<uint32_t>(0, 200);
  o.safety_duration_ms = *rc::gen::inRange<uint64_t>(1000, 5000);  // short: many cases
  o.liveness_duration_ms = 2000;
  o.min_ops = 0;  // the safety phase lasts safety_duration_ms, however few requests it saw
  o.max_ops = *rc::gen::inRange<uint64_t>(100, 600);
  // The draw's hints-only promise (no crash, power or disk faults, anti-entropy off) holds
  // after the overrides above too.
  if (o.hints_only) o.set_hints_only();
  return o;
}

RC_GTEST_PROP(SimulationProperty, NoInvariantIsViolated, ()) {
  SimOptions options = drawn_by_rapidcheck();
  SimResult result = KvSimulation(options).run();
  if (!result.ok()) {
    RC_LOG() << options.describe() << "\n"
             << result.report
             << write_reproduce_file(options, result.trace_hash, "ringkv-property") << "\n";
  }
  RC_ASSERT(result.ok());
}

}  // namespace
}  // namespace ringkv::sim
