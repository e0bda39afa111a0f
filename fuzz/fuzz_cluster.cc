// Fuzz target: the whole cluster in the simulator, with libFuzzer choosing the configuration.
// Bytes 0-7 seed SimOptions::draw(); the next bytes override the shape (nodes, N/W/R), the
// fault rates and the workload; runs are short (3 s safety). Oracle: the simulator's checkers.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "fuzz/fuzz_input.h"
#include "sim/kv/kv_simulation.h"
#include "sim/kv/option_fields.h"
#include "sim/kv/sim_options.h"

using ringkv::fuzz::FuzzInput;
using ringkv::sim::KvSimulation;
using ringkv::sim::SimOptions;
using ringkv::sim::SimResult;

namespace {

constexpr uint64_t kSafetyDurationMs = 3000;
constexpr uint64_t kLivenessDurationMs = 2000;

void override_shape(FuzzInput& input, SimOptions& options) {
  ringkv::Config& config = options.config;
  options.node_count = input.range(3, 7);
  const uint64_t max_n = std::min<uint64_t>(options.node_count, 5);
  config.replication_factor = static_cast<uint32_t>(input.range(2, max_n));
  const uint32_t n = config.replication_factor;
  config.write_quorum = static_cast<uint32_t>(input.range(1, n));
  config.read_quorum = static_cast<uint32_t>(input.range(n - config.write_quorum + 1, n));
  config.allow_weak_quorums = true;  // weak defaults too: the checkers know per-op quorums
  options.key_count = input.range(1, 8);
  options.client_count = input.range(1, 6);
}

void override_faults(FuzzInput& input, SimOptions& options) {
  ringkv::sim::FaultRates& faults = options.faults;
  faults.crash_permille = static_cast<uint32_t>(input.range(0, 255) * 2);
  faults.power_failure_permille = static_cast<uint32_t>(input.range(0, 100));
  faults.partition_permille = static_cast<uint32_t>(input.range(0, 255) * 2);
  faults.clog_permille = static_cast<uint32_t>(input.range(0, 200));
  faults.pause_permille = static_cast<uint32_t>(input.range(0, 150));
  faults.read_bit_flip_permille = static_cast<uint32_t>(input.range(0, 5));
  faults.io_error_permille = static_cast<uint32_t>(input.range(0, 3));
  options.simulator.network.loss_permille = static_cast<uint32_t>(input.range(0, 100));
  options.simulator.network.duplicate_permille = static_cast<uint32_t>(input.range(0, 100));
  options.buggify_permille = static_cast<uint32_t>(input.range(0, 50));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput input(data, size);
  SimOptions options = SimOptions::draw(input.u64());
  // Each override applies only when its byte is present: short inputs keep draw()'s values.
  if (input.remaining() >= 5) override_shape(input, options);
  if (input.remaining() >= 11) override_faults(input, options);
  // A hints-only seed converges only without crash, power and disk faults: keep it so.
  if (options.hints_only) options.set_hints_only();
  options.safety_duration_ms = kSafetyDurationMs;
  options.liveness_duration_ms = kLivenessDurationMs;
  options.min_ops = 0;  // short runs: the safety phase is not extended to 5,000 requests
  SimResult result = KvSimulation(options).run();
  if (result.ok()) return 0;
  std::fprintf(stderr, "%s\n%s\nviolation: %s: %s\n%s\n", options.describe().c_str(),
               result.report.c_str(), result.violation->invariant.c_str(),
               result.violation->detail.c_str(),
               ringkv::sim::write_reproduce_file(options, result.trace_hash, "ringkv-fuzz-cluster")
                   .c_str());
  std::abort();
}
