// A run's schedule: everything its seed decided about faults and client requests, resolved
// to concrete values (which node crashes, for how long; which key a client writes, through
// which node, after how long a pause). KvSimulation records it (kvsim --schedule-out) and
// replays it instead of drawing (--schedule-from): the replay of an unchanged schedule has
// the run's trace hash. A schedule with faults or requests taken out is still a valid run,
// which is what --shrink removes them from. The format is in docs/simulator.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/node/client.h"
#include "core/status.h"
#include "sim/kv/sim_options.h"

namespace ringkv::sim {

inline constexpr uint64_t kScheduleFileFormat = 1;

enum class FaultKind : uint8_t {
  kCrash,           // node, down_ms
  kPowerFailure,    // every node, down_ms[i] each
  kPartitionHalves, // side: the nodes on one side (the others on the other)
  kIsolate,         // node; heal_ms
  kOneWay,          // node cannot receive (inbound) or send; heal_ms
  kClog,            // node -> to slowed by delay_ms for duration_ms
  kPause,           // node, duration_ms
  kDiskFull,        // node may write `amount` more bytes, for duration_ms
  kCrashPoint,      // node dies at its `amount`-th next disk mutation
  kDiskWipe,        // node, down_ms
  kRestBitFlip,     // node; `amount` picks the table, offset and bit
  kJoin,            // node: a spare starts and joins the cluster through its seeds
  kDecommission,    // node is asked to leave (it streams its ranges out, then stops)
  kRemove,          // node dies for good (or, with duration_ms, is cut off that long);
                    // `to` (a live member) removes it once it marks it down
};
const char* fault_kind_name(FaultKind kind);

struct FaultAction {
  FaultKind kind = FaultKind::kCrash;
  uint32_t node = 0;
  uint32_t to = 0;
  bool inbound = false;
  std::vector<uint32_t> side;
  std::vector<uint64_t> down_ms;  // one per node for a power failure, else one
  uint64_t duration_ms = 0;       // partitions: until the heal
  uint64_t delay_ms = 0;
  uint64_t amount = 0;
  bool operator==(const FaultAction&) const = default;
};

// One wake-up of the fault scheduler: the faults it injected (often none).
struct FaultTick {
  uint64_t at_ms = 0;
  std::vector<FaultAction> actions;
  bool operator==(const FaultTick&) const = default;
};

// One client request as issued: `think_ms` after the client's previous request ended (or
// after the start, for its first), and not before `at_ms`, when the recorded run issued
// it. (With requests taken out, a client is free sooner; its later requests still go out
// when they did, so that the rest of the run keeps its timing.)
struct ScheduledOp {
  uint32_t client = 0;
  uint64_t think_ms = 0;
  uint64_t at_ms = 0;
  ClientOp kind = ClientOp::kGet;
  uint32_t key = 0;          // index: key-<index>
  uint32_t coordinator = 0;  // node index
  uint32_t quorum = 0;       // ?w= / ?r=; 0: the configured quorum
  uint64_t timeout_ms = 0;   // 0: the default timeout
  uint64_t value_bytes = 0;  // a large value of this size; 0: a short one
  bool operator==(const ScheduledOp&) const = default;
};

struct Schedule {
  SimOptions options;
  uint64_t safety_end_ms = 0;  // when the faults stopped
  // Hints-only runs end their safety phase in a partition (kIsolate) from closing_at_ms.
  std::optional<FaultAction> closing;
  uint64_t closing_at_ms = 0;
  std::vector<FaultTick> ticks;
  std::vector<ScheduledOp> ops;  // in the order they were issued

  size_t fault_count() const;
  // Why this schedule cannot run with these options (a node or key out of range), if so.
  std::optional<std::string> problem() const;
};

std::string schedule_to_json(const Schedule& schedule);
Result<Schedule> schedule_from_json(std::string_view text);

}  // namespace ringkv::sim
