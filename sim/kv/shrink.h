// Shrinking a failing run (kvsim --shrink): delta debugging that keeps a change only when
// the run still fails with the same invariant. First the configuration (fault kinds off,
// fewer requests, clients, keys and nodes), then the recorded schedule itself: chunks of
// fault actions, then of client requests, halving the chunk size down to single events
// (Zeller's ddmin, complement-only), repeated while anything goes. Every step is one
// deterministic run; the whole is bounded in steps and in wall time.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "sim/kv/kv_simulation.h"
#include "sim/kv/schedule.h"
#include "sim/kv/sim_options.h"

namespace ringkv::sim {

struct ShrinkLimits {
  int max_steps = 1000;
  double max_seconds = 600;
};

struct ShrinkOutcome {
  bool failed = false;         // false: the run passes, nothing was shrunk
  std::string invariant;       // the one every kept step still violates
  SimResult first, last;       // the original run and the smallest failing one
  Schedule first_schedule, last_schedule;  // last_schedule replays to `last`
  int steps = 0;
  bool budget_reached = false;
};

// Shrinks the run of `options` (or the replay of `schedule`, whose configuration then stays
// as it is). `progress` gets one line per step.
ShrinkOutcome shrink_run(const SimOptions& options, const std::optional<Schedule>& schedule,
                         const ShrinkLimits& limits,
                         const std::function<void(const std::string&)>& progress);

}  // namespace ringkv::sim
