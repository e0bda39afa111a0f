// The simulator kit drives any machine with core's shape, not just ringkv's Node: a tiny
// "max register" machine (each process gossips the largest number it has seen) runs in
// the same Simulator, with crashes and partitions, and converges deterministically.
#include <gtest/gtest.h>

#include <utility>

#include "sim/kit/simulator.h"

namespace ringkv::sim {
namespace {

class MaxRegister {
 public:
  MaxRegister(size_t self, size_t count, uint64_t start) : self_(self), count_(count) {
    value_ = start;
  }
  void on_packet(size_t, const std::string& bytes, uint64_t) {
    uint64_t seen = std::stoull(bytes);
    if (seen > value_) {
      value_ = seen;
      dirty_ = true;
    }
  }
  void on_tick(uint64_t now_ms) {
    next_tick_ms_ = now_ms + 100;
    for (size_t to = 0; to < count_; ++to) {
      if (to != self_) out_.push_back(Packet{to, std::to_string(value_)});
    }
  }
  // A new maximum is "synced" after a disk delay (the kit's finish_sync).
  uint64_t drive(uint64_t) {
    sync_started_ = dirty_ && !syncing_;
    syncing_ = syncing_ || sync_started_;
    return next_tick_ms_;
  }
  bool take_sync_started() { return std::exchange(sync_started_, false); }
  void finish_sync(uint64_t) {
    if (!syncing_) stray_finishes_++;
    syncing_ = false;
    dirty_ = false;
    syncs_++;
  }
  std::vector<Packet> take_packets() {
    std::vector<Packet> out;
    out.swap(out_);
    return out;
  }
  uint64_t value() const { return value_; }
  uint64_t syncs() const { return syncs_; }
  uint64_t stray_finishes() const { return stray_finishes_; }
  void set(uint64_t value) {
    value_ = value;
    dirty_ = true;
  }

 private:
  size_t self_, count_;
  uint64_t value_ = 0;
  uint64_t next_tick_ms_ = 0;
  bool dirty_ = false;
  bool syncing_ = false;
  bool sync_started_ = false;
  uint64_t syncs_ = 0;
  uint64_t stray_finishes_ = 0;  // finish_sync() without a sync this life started
  std::vector<Packet> out_;
};

static_assert(SimulatedMachine<MaxRegister>);

struct Outcome {
  uint64_t hash;
  std::vector<uint64_t> values;
  uint64_t syncs = 0;
};

Outcome run(uint64_t seed) {
  Trace trace;
  SimulatorOptions options;
  options.network.loss_permille = 100;
  options.network.duplicate_permille = 100;
  const size_t count = 5;
  Simulator<MaxRegister> sim(count, options, Prng(seed), trace,
                             [&](size_t index, uint64_t) {
                               return std::make_unique<MaxRegister>(index, count, index * 10);
                             });
  sim.start();
  sim.network().isolate(4);
  sim.run_until(1000);
  sim.crash(2);
  sim.run_until(2000);
  sim.restart(2);
  sim.network().heal();
  sim.run_until(5000);
  Outcome outcome{trace.hash(), {}};
  for (size_t i = 0; i < count; ++i) {
    outcome.values.push_back(sim.machine(i)->value());
    outcome.syncs += sim.machine(i)->syncs();
  }
  return outcome;
}

TEST(SimulatorKit, DrivesAnotherMachineToConvergence) {
  Outcome outcome = run(7);
  for (uint64_t value : outcome.values) EXPECT_EQ(value, 40u);
  EXPECT_GT(outcome.syncs, 0u) << "the kit finished the syncs drive() started";
}

TEST(SimulatorKit, SameSeedSameTraceDifferentSeedDifferentTrace) {
  EXPECT_EQ(run(7).hash, run(7).hash);
  EXPECT_NE(run(7).hash, run(8).hash);
}

// A step deferred while a process is paused belongs to that life: a crash and restart in
// the pause must void it (kvsim seed 256 once finished the old life's sync on the new one).
TEST(SimulatorKit, StepsDeferredByAPauseDieWithTheirLife) {
  Trace trace;
  SimulatorOptions options;
  options.disk_latency_min_ms = 5;
  options.disk_latency_max_ms = 5;
  Simulator<MaxRegister> sim(1, options, Prng(3), trace, [](size_t index, uint64_t) {
    return std::make_unique<MaxRegister>(index, 1, 0);
  });
  sim.start();
  sim.run_until(10);
  sim.step(0, [](MaxRegister& machine, uint64_t) { machine.set(3); });  // starts a sync
  sim.pause(0, 100);
  sim.step(0, [](MaxRegister& machine, uint64_t) { machine.set(7); });  // deferred
  sim.schedule_step(20, 0, [](MaxRegister& machine, uint64_t) { machine.set(9); });
  sim.run_until(50);
  sim.crash(0);
  sim.restart(0);
  sim.step(0, [](MaxRegister& machine, uint64_t) { machine.set(5); });  // this life's
  sim.run_until(500);
  EXPECT_EQ(sim.machine(0)->stray_finishes(), 0u);
  EXPECT_EQ(sim.machine(0)->value(), 5u) << "steps of the old life ran on the new one";
}

TEST(ClockModel, MonotonicAndInvertible) {
  for (int64_t drift : {-500000, -43000, 0, 1000, 50000, 500000}) {
    ClockModel clock{123, drift};
    uint64_t previous = 0;
    for (uint64_t v = 0; v < 5000; v += 7) {
      uint64_t local = clock.local_ms(v);
      ASSERT_GE(local, previous);
      previous = local;
      uint64_t target = local + 50;
      uint64_t when = clock.virtual_ms_for(target, v);
      ASSERT_GE(clock.local_ms(when), target);
      ASSERT_TRUE(when == v || clock.local_ms(when - 1) < target);
    }
  }
}

}  // namespace
}  // namespace ringkv::sim
