// The kvbench command line: `kvbench [options]`. Parsing is pure (no environment, no
// I/O), so tests can drive it. Every bad value is an invalid_argument whose message
// names the flag ("--connections needs a number in 1..4096, got 'x'").
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/host_port.h"

namespace ringkv::tools {

// What the requests look like (tools/kvbench/request_builder.h).
enum class BenchTarget : uint8_t { kRingkv, kEtcd, kFixed };
enum class BenchWorkload : uint8_t { kPut, kGet, kMixed };

inline constexpr uint32_t kMaxBenchConnections = 4096;
// ringkv pauses reading a connection while 64 responses are open (runtime.md).
inline constexpr uint32_t kMaxBenchPipelineDepth = 64;
inline constexpr uint64_t kMaxBenchKeys = 1'000'000'000;
inline constexpr uint32_t kMaxBenchValueBytes = 1024 * 1024;
inline constexpr uint32_t kMaxBenchDurationSeconds = 24 * 3600;
inline constexpr uint32_t kMaxBenchTimeoutMs = 600'000;
inline constexpr uint64_t kMaxBenchRequests = 1'000'000'000'000;

struct KvbenchOptions {
  std::vector<HostPort> hosts;  // connection i goes to hosts[i % hosts.size()]
  BenchTarget target = BenchTarget::kRingkv;
  BenchWorkload workload = BenchWorkload::kPut;
  double read_fraction = 0.5;  // share of GETs in --workload mixed
  uint32_t connections = 32;
  uint32_t pipeline_depth = 1;  // requests in flight per connection
  uint64_t keys = 10000;
  uint32_t value_bytes = 100;
  uint32_t duration_s = 10;
  uint32_t warmup_s = 2;
  std::optional<uint64_t> max_requests;  // ends the measured window early
  bool preload = false;
  uint64_t seed = 1;
  uint32_t timeout_ms = 2000;
  bool json = false;
  bool help = false;
};

// `arguments` excludes the program name.
Result<KvbenchOptions> parse_kvbench_options(std::span<const std::string_view> arguments);

std::string_view bench_target_name(BenchTarget target);
std::string_view bench_workload_name(BenchWorkload workload);

// The --help text.
std::string_view kvbench_usage();

}  // namespace ringkv::tools
