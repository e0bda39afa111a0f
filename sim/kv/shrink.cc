#include "sim/kv/shrink.h"

#include <algorithm>
#include <chrono>

#include "sim/kv/option_fields.h"

namespace ringkv::sim {
namespace {

// The options a configuration step turns off one at a time.
constexpr const char* kZeroable[] = {
    "crash_permille",      "power_failure_permille", "partition_permille",
    "clog_permille",       "pause_permille",         "read_bit_flip_permille",
    "io_error_permille",   "disk_full_permille",     "crash_point_permille",
    "junk_tail_permille",  "disk_wipe_permille",     "rest_bit_flip_permille",
    "loss_permille",       "duplicate_permille",     "spike_permille",
    "clock_offset_max_ms", "clock_drift_max_ppm",    "buggify_permille",
    "timeout_one_in",      "large_value_one_in",     "membership_permille"};

// How long after a violation a shortened safety phase ends.
constexpr uint64_t kSafetyEndAfterViolationMs = 1000;

class Shrinker {
 public:
  Shrinker(const ShrinkLimits& limits, const std::function<void(const std::string&)>& progress)
      : limits_(limits), progress_(progress), start_(std::chrono::steady_clock::now()) {}

  bool out_of_budget() const {
    return steps_ >= limits_.max_steps ||
           std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count() >
               limits_.max_seconds;
  }

  ShrinkOutcome shrink(const SimOptions& options, const std::optional<Schedule>& schedule) {
    RecordedRun first = run_recorded(options, schedule ? &*schedule : nullptr);
    outcome_.first = first.result;
    outcome_.first_schedule = first.schedule;
    if (first.result.ok()) return std::move(outcome_);
    outcome_.failed = true;
    outcome_.invariant = first.result.violation->invariant;
    options_ = options;
    current_ = std::move(first);
    if (!schedule) shrink_configuration();
    shrink_schedule();
    outcome_.last = current_.result;
    outcome_.last_schedule = current_.schedule;
    outcome_.steps = steps_;
    outcome_.budget_reached = out_of_budget();
    return std::move(outcome_);
  }

 private:
  // Runs a candidate; keeps it when the same invariant still fails.
  bool attempt(const std::string& what, const SimOptions& options,
               const std::optional<Schedule>& schedule) {
    if (out_of_budget()) return false;
    steps_++;
    RecordedRun run = run_recorded(options, schedule ? &*schedule : nullptr);
    const bool kept = !run.result.ok() && run.result.violation->invariant == outcome_.invariant;
    if (kept) {
      options_ = options;
      current_ = std::move(run);
    }
    progress_("shrink: step " + std::to_string(steps_) + ": " + what + (kept ? " kept" : " dropped") +
              " (faults " + std::to_string(current_.schedule.fault_count()) + ", ops " +
              std::to_string(current_.schedule.ops.size()) + ")");
    return kept;
  }

  bool attempt_options(const std::string& what, const std::function<bool(SimOptions&)>& change) {
    SimOptions candidate = options_;
    if (!change(candidate) || candidate.problem()) return false;
    return attempt(what, candidate, std::nullopt);
  }

  // Fault kinds off, fewer requests, clients, keys and nodes: each change regenerates the
  // run from the seed, so big cuts come cheap before the schedule is cut event by event.
  void shrink_configuration() {
    for (bool changed = true; changed && !out_of_budget();) {
      changed = false;
      for (const char* name : kZeroable) {
        changed |= attempt_options(std::string(name) + "=0", [&](SimOptions& o) {
          return option_value(o, name) != "0" && set_option(o, name, "0").ok();
        });
      }
      for (bool halved = true; halved;) {
        const uint64_t ops = options_.max_ops > 0 ? options_.max_ops : current_.result.stats.ops;
        if (ops <= 8) break;
        halved = attempt_options("max_ops=" + std::to_string(ops / 2), [&](SimOptions& o) {
          o.max_ops = ops / 2;
          o.min_ops = std::min(o.min_ops, o.max_ops);
          return true;
        });
        changed |= halved;
      }
      while (options_.client_count > 1 &&
             attempt_options("clients=" + std::to_string(options_.client_count - 1),
                             [](SimOptions& o) { return --o.client_count, true; })) {
        changed = true;
      }
      while (options_.key_count > 1 &&
             attempt_options("keys=" + std::to_string(std::max<size_t>(1, options_.key_count / 2)),
                             [](SimOptions& o) {
                               return o.key_count = std::max<size_t>(1, o.key_count / 2), true;
                             })) {
        changed = true;
      }
      while (options_.node_count > 3 &&
             attempt_options("nodes=" + std::to_string(options_.node_count - 1),
                             [](SimOptions& o) { return o.set_node_count(o.node_count - 1), true; })) {
        changed = true;
      }
    }
  }

  // ddmin over one list of the schedule: `size` counts its events, `without(s, from, to)`
  // removes events [from, to). Chunks halve down to one event; a kept removal is retried
  // at the same place.
  bool remove_chunks(const char* what, const std::function<size_t(const Schedule&)>& size,
                     const std::function<void(Schedule&, size_t, size_t)>& without) {
    bool changed = false;
    for (size_t chunk = (size(current_.schedule) + 1) / 2; chunk >= 1 && !out_of_budget();
         chunk /= 2) {
      for (size_t from = 0; from < size(current_.schedule) && !out_of_budget();) {
        const size_t to = std::min(from + chunk, size(current_.schedule));
        Schedule candidate = current_.schedule;
        without(candidate, from, to);
        const std::string label = std::string("without ") + what + " " + std::to_string(from + 1) +
                                  (to - from > 1 ? ".." + std::to_string(to) : "");
        if (attempt(label, options_, candidate)) {
          changed = true;
        } else {
          from = to;
        }
      }
      if (chunk == 1) break;
    }
    return changed;
  }

  // Requests issued after the last one the violation names, and faults after it was
  // found, often play no part: two cheap cuts before the event-by-event ones.
  bool cut_after_violation() {
    const Violation& v = *current_.result.violation;
    bool changed = false;
    if (!v.op_ids.empty()) {
      const uint64_t last = *std::max_element(v.op_ids.begin(), v.op_ids.end());
      if (last < current_.schedule.ops.size()) {
        Schedule candidate = current_.schedule;
        candidate.ops.resize(last);
        changed |= attempt("without requests after " + std::to_string(last), options_, candidate);
      }
    }
    if (!v.key.empty()) {
      Schedule candidate = current_.schedule;
      std::erase_if(candidate.ops, [&](const ScheduledOp& op) {
        return "key-" + std::to_string(op.key) != v.key;
      });
      if (candidate.ops.size() < current_.schedule.ops.size()) {
        changed |= attempt("without requests on other keys", options_, candidate);
      }
    }
    // The faults end (and the liveness phase begins) soon after the violation: every
    // later step runs a shorter simulation.
    const uint64_t end = v.time_ms + kSafetyEndAfterViolationMs;
    if (end < current_.schedule.safety_end_ms) {
      SimOptions shorter = options_;
      shorter.safety_duration_ms = std::min(shorter.safety_duration_ms, end);
      Schedule candidate = current_.schedule;
      candidate.safety_end_ms = end;
      if (!shorter.problem()) {
        changed |= attempt("faults end at " + std::to_string(end) + " ms", shorter, candidate);
      }
    }
    Schedule candidate = current_.schedule;
    for (FaultTick& tick : candidate.ticks) {
      if (tick.at_ms > v.time_ms) tick.actions.clear();
    }
    if (candidate.fault_count() < current_.schedule.fault_count()) {
      changed |= attempt("without faults after " + std::to_string(v.time_ms) + " ms", options_,
                         candidate);
    }
    return changed;
  }

  // Every request of one client, one client at a time.
  bool remove_clients() {
    bool changed = false;
    for (uint32_t client = 0; client < options_.client_count && !out_of_budget(); ++client) {
      Schedule candidate = current_.schedule;
      std::erase_if(candidate.ops, [&](const ScheduledOp& op) { return op.client == client; });
      if (candidate.ops.size() == current_.schedule.ops.size() || candidate.ops.empty()) continue;
      changed |= attempt("without client " + std::to_string(client), options_, candidate);
    }
    return changed;
  }

  void shrink_schedule() {
    auto fault_count = [](const Schedule& s) { return s.fault_count(); };
    auto without_faults = [](Schedule& s, size_t from, size_t to) {
      size_t index = 0;
      for (FaultTick& tick : s.ticks) {
        std::erase_if(tick.actions, [&](const FaultAction&) {
          const size_t at = index++;
          return at >= from && at < to;
        });
      }
    };
    auto op_count = [](const Schedule& s) { return s.ops.size(); };
    auto without_ops = [](Schedule& s, size_t from, size_t to) {
      s.ops.erase(s.ops.begin() + static_cast<ptrdiff_t>(from),
                  s.ops.begin() + static_cast<ptrdiff_t>(to));
    };
    for (bool changed = true; changed && !out_of_budget();) {
      changed = cut_after_violation();
      changed |= remove_chunks("faults", fault_count, without_faults);
      changed |= remove_clients();
      changed |= remove_chunks("requests", op_count, without_ops);
    }
    // The scheduler's empty wake-ups only keep the replay equal to the recorded run.
    Schedule quiet = current_.schedule;
    std::erase_if(quiet.ticks, [](const FaultTick& tick) { return tick.actions.empty(); });
    if (quiet.ticks.size() < current_.schedule.ticks.size()) {
      attempt("without empty fault ticks", options_, quiet);
    }
  }

  ShrinkLimits limits_;
  std::function<void(const std::string&)> progress_;
  std::chrono::steady_clock::time_point start_;
  int steps_ = 0;
  SimOptions options_;
  RecordedRun current_;
  ShrinkOutcome outcome_;
};

}  // namespace

ShrinkOutcome shrink_run(const SimOptions& options, const std::optional<Schedule>& schedule,
                         const ShrinkLimits& limits,
                         const std::function<void(const std::string&)>& progress) {
  return Shrinker(limits, progress).shrink(options, schedule);
}

}  // namespace ringkv::sim
