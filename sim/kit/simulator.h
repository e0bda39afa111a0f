// Simulator<M>: drives any state machine with core's input/output shape (the concept
// SimulatedMachine) over virtual time, a simulated network and per-process clocks. It
// knows nothing about keys and values: packets are opaque bytes, and the workload and
// checkers plug in through step() and the after_step hook.
//
// Per process it (1) delivers packets and ticks at the right local time, (2) after every
// step calls drive() (the host's loop iteration: what to send, sync and answer), and when
// drive() started a sync, calls finish_sync() after a random disk latency (a crash in that
// window loses the sync and whatever it covered), (3) routes the packets the machine
// emits, arms the tick at the time drive() asked for, and (4) crashes, restarts and
// pauses processes.
#pragma once

#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/hash.h"
#include "core/prng.h"
#include "sim/kit/event_queue.h"
#include "sim/kit/network.h"
#include "sim/kit/trace.h"

namespace ringkv::sim {

struct Packet {
  size_t to = 0;
  std::string bytes;
  std::string what;  // optional: what the packet carries, for detailed traces (not hashed)
};

template <typename M>
concept SimulatedMachine = requires(M m, size_t from, const std::string& bytes, uint64_t now) {
  m.on_packet(from, bytes, now);
  m.on_tick(now);
  // After every step; returns the local time of the next tick it wants.
  { m.drive(now) } -> std::convertible_to<uint64_t>;
  // True once after drive() started a sync; the kit then calls finish_sync() later.
  { m.take_sync_started() } -> std::convertible_to<bool>;
  m.finish_sync(now);
  { m.take_packets() } -> std::same_as<std::vector<Packet>>;
};

struct SimulatorOptions {
  NetworkOptions network;
  uint64_t disk_latency_min_ms = 0;
  uint64_t disk_latency_max_ms = 4;
};

template <SimulatedMachine M>
class Simulator {
 public:
  using Factory = std::function<std::unique_ptr<M>(size_t index, uint64_t local_now_ms)>;
  using Step = std::function<void(M& machine, uint64_t local_now_ms)>;

  Simulator(size_t count, SimulatorOptions options, Prng prng, Trace& trace, Factory factory)
      : options_(options),
        prng_(std::move(prng)),
        network_(count, options.network, prng_.fork()),
        trace_(trace),
        factory_(std::move(factory)),
        processes_(count) {}

  // Starts the first `count` processes (the others start later, through restart()).
  void start(size_t count = SIZE_MAX) {
    for (size_t i = 0; i < std::min(count, processes_.size()); ++i) restart(i);
  }

  EventQueue& events() { return events_; }
  uint64_t now_ms() const { return events_.now_ms(); }
  size_t size() const { return processes_.size(); }
  SimulatedNetwork& network() { return network_; }
  ClockModel& clock(size_t i) { return processes_[i].clock; }
  uint64_t local_now_ms(size_t i) const { return processes_[i].clock.local_ms(now_ms()); }
  bool up(size_t i) const { return processes_[i].machine != nullptr; }
  bool paused(size_t i) const { return processes_[i].paused_until_ms > now_ms(); }
  M* machine(size_t i) { return processes_[i].machine.get(); }
  const M* machine(size_t i) const { return processes_[i].machine.get(); }

  // Called after every step of process i (the workload drains its client replies here).
  std::function<void(size_t)> after_step;

  // Runs `step` on process i now; deferred while it is paused (and dropped if the process
  // crashes meanwhile), skipped while it is down.
  void step(size_t i, Step step) {
    Process& p = processes_[i];
    if (!p.machine) return;
    if (p.paused_until_ms > now_ms()) {
      // Deferred within this life: a crash meanwhile voids it like any pending event.
      const uint64_t generation = p.generation;
      events_.schedule(p.paused_until_ms,
                       [this, i, generation, step = std::move(step)]() mutable {
                         if (processes_[i].generation != generation) return;
                         this->step(i, std::move(step));
                       });
      return;
    }
    step(*p.machine, local_now_ms(i));
    settle(i);
  }

  // Schedules a step at virtual time `time_ms`.
  void schedule_step(uint64_t time_ms, size_t i, Step step) {
    events_.schedule(time_ms, [this, i, step = std::move(step)]() mutable {
      this->step(i, std::move(step));
    });
  }

  void crash(size_t i) {
    Process& p = processes_[i];
    if (!p.machine) return;
    p.machine.reset();
    p.generation++;  // pending ticks, syncs and deferred steps of the old life are void
    p.tick_at_ms = UINT64_MAX;
    p.paused_until_ms = 0;  // a pause stops a process; a restart starts a new one
    trace_.record(now_ms(), "crash", "\"process\":" + std::to_string(i));
  }

  void restart(size_t i) {
    Process& p = processes_[i];
    if (p.machine) return;
    p.generation++;
    p.machine = factory_(i, local_now_ms(i));
    if (!p.machine) {  // the factory could not bring it up (e.g. recovery failed)
      trace_.record(now_ms(), "restart-failed", "\"process\":" + std::to_string(i));
      return;
    }
    trace_.record(now_ms(), "restart", "\"process\":" + std::to_string(i));
    settle(i);
  }

  void pause(size_t i, uint64_t duration_ms) {
    processes_[i].paused_until_ms = now_ms() + duration_ms;
    trace_.record(now_ms(), "pause", "\"process\":" + std::to_string(i) +
                                         ",\"ms\":" + std::to_string(duration_ms));
  }

  void resume(size_t i) { processes_[i].paused_until_ms = 0; }

  // Runs events until virtual time `limit_ms` (inclusive), then moves the clock there.
  void run_until(uint64_t limit_ms) {
    while (events_.run_next(limit_ms)) {
    }
    events_.advance_to(limit_ms);
  }

 private:
  struct Process {
    std::unique_ptr<M> machine;
    ClockModel clock;
    uint64_t generation = 0;
    uint64_t tick_at_ms = UINT64_MAX;  // virtual time of the armed tick
    uint64_t paused_until_ms = 0;
  };

  // After a step: drive the machine, route packets, schedule the sync it started, arm the
  // tick, run the hook.
  void settle(size_t i) {
    Process& p = processes_[i];
    if (!p.machine) return;
    const uint64_t wake_local_ms = p.machine->drive(local_now_ms(i));
    for (Packet& packet : p.machine->take_packets()) send(i, std::move(packet));
    if (p.machine->take_sync_started()) {
      uint64_t at = now_ms() + prng_.range(options_.disk_latency_min_ms,
                                           options_.disk_latency_max_ms);
      uint64_t generation = p.generation;
      events_.schedule(at, [this, i, generation] { run_sync(i, generation); });
    }
    arm_tick(i, wake_local_ms);
    if (after_step) after_step(i);
  }

  // The disk time of a sync passed: unless the process crashed meanwhile, it finishes.
  void run_sync(size_t i, uint64_t generation) {
    Process& p = processes_[i];
    if (!p.machine || p.generation != generation) return;
    trace_.record(now_ms(), "sync", "\"process\":" + std::to_string(i));
    step(i, [](M& machine, uint64_t local_now_ms) { machine.finish_sync(local_now_ms); });
  }

  void arm_tick(size_t i, uint64_t local) {
    Process& p = processes_[i];
    uint64_t at = p.clock.virtual_ms_for(local, now_ms());
    if (at >= p.tick_at_ms && p.tick_at_ms >= now_ms()) return;  // an earlier tick is armed
    p.tick_at_ms = at;
    uint64_t generation = p.generation;
    events_.schedule(at, [this, i, generation, at] {
      Process& q = processes_[i];
      if (!q.machine || q.generation != generation || q.tick_at_ms != at) return;
      q.tick_at_ms = UINT64_MAX;
      trace_.record(now_ms(), "tick", "\"process\":" + std::to_string(i));
      step(i, [](M& machine, uint64_t local_now_ms) { machine.on_tick(local_now_ms); });
    });
  }

  void send(size_t from, Packet packet) {
    auto times = network_.route(from, packet.to, now_ms());
    std::string fields = "\"from\":" + std::to_string(from) + ",\"to\":" +
                         std::to_string(packet.to) + ",\"bytes\":" +
                         std::to_string(packet.bytes.size()) + ",\"hash\":" +
                         std::to_string(hash64(packet.bytes)) + ",\"copies\":" +
                         std::to_string(times.size());
    std::string detail;
    if (trace_.wants_detail()) {
      detail = "\"at\":[";
      for (size_t i = 0; i < times.size(); ++i) detail += (i ? "," : "") + std::to_string(times[i]);
      detail += "]";
      if (!packet.what.empty()) detail += ",\"what\":" + json_quote(packet.what);
    }
    trace_.record(now_ms(), "send", fields, detail);
    for (uint64_t at : times) {
      const size_t to = packet.to;
      events_.schedule(at, [this, from, to, bytes = packet.bytes] {
        if (!up(to)) return;
        step(to, [from, bytes](M& machine, uint64_t local_now_ms) {
          machine.on_packet(from, bytes, local_now_ms);
        });
      });
    }
  }

  SimulatorOptions options_;
  Prng prng_;
  EventQueue events_;
  SimulatedNetwork network_;
  Trace& trace_;
  Factory factory_;
  std::vector<Process> processes_;
};

}  // namespace ringkv::sim
