// Schedules: a recorded run replays with its trace hash, through its file too; a schedule
// with events taken out still runs; bad files get errors that name the place; shrinking
// keeps the invariant and makes the schedule smaller.
#include "sim/kv/schedule.h"

#include <gtest/gtest.h>

#include "sim/kv/kv_simulation.h"
#include "sim/kv/shrink.h"

namespace ringkv::sim {
namespace {

constexpr uint64_t kOpsPerRun = 400;  // enough for faults of every kind, quick under ASan

SimOptions capped(uint64_t seed) {
  SimOptions options = SimOptions::draw(seed);
  options.max_ops = kOpsPerRun;
  options.min_ops = std::min(options.min_ops, options.max_ops);
  return options;
}

TEST(Schedules, ARecordedRunReplaysFromItsFileWithTheSameTraceHash) {
  size_t faults = 0;
  bool closing = false;
  for (uint64_t seed : {1u, 2u, 3u, 4u, 8u}) {  // 8: hints-only, ends in a partition
    const RecordedRun original = run_recorded(capped(seed));
    faults += original.schedule.fault_count();
    closing |= original.schedule.closing.has_value();
    EXPECT_EQ(original.schedule.ops.size(), original.result.stats.ops) << "seed " << seed;
    auto loaded = schedule_from_json(schedule_to_json(original.schedule));
    ASSERT_TRUE(loaded.ok()) << "seed " << seed << ": " << loaded.status().to_string();
    EXPECT_EQ(loaded->ticks, original.schedule.ticks);
    EXPECT_EQ(loaded->ops, original.schedule.ops);
    EXPECT_EQ(loaded->closing, original.schedule.closing);
    EXPECT_EQ(loaded->closing_at_ms, original.schedule.closing_at_ms);
    const RecordedRun replayed = run_recorded(loaded->options, &*loaded);
    EXPECT_EQ(replayed.result.trace_hash, original.result.trace_hash) << "seed " << seed;
    EXPECT_EQ(replayed.result.ok(), original.result.ok());
    // The replay records what it did: the same schedule again.
    EXPECT_EQ(replayed.schedule.ticks, original.schedule.ticks) << "seed " << seed;
    EXPECT_EQ(replayed.schedule.ops, original.schedule.ops) << "seed " << seed;
  }
  EXPECT_GT(faults, 0u) << "the seeds injected no fault: the test proves nothing";
  EXPECT_TRUE(closing) << "no seed ended in a closing partition";
}

TEST(Schedules, EventsTakenOutLeaveARunnableSchedule) {
  const RecordedRun original = run_recorded(capped(3));
  ASSERT_GT(original.schedule.fault_count(), 0u);
  Schedule quiet = original.schedule;
  for (FaultTick& tick : quiet.ticks) tick.actions.clear();
  quiet.ops.resize(quiet.ops.size() / 2);
  const RecordedRun replayed = run_recorded(quiet.options, &quiet);
  EXPECT_TRUE(replayed.result.ok()) << replayed.result.report;
  EXPECT_EQ(replayed.schedule.fault_count(), 0u);
  EXPECT_EQ(replayed.result.stats.ops, quiet.ops.size());
  EXPECT_EQ(replayed.result.stats.crashes, 0u);
  EXPECT_NE(replayed.result.trace_hash, original.result.trace_hash);
}

TEST(Schedules, BadFilesAreRefusedWithTheirPlaceNamed) {
  Schedule schedule;
  schedule.options = SimOptions::draw(1);
  schedule.ticks.push_back(FaultTick{100, {FaultAction{.kind = FaultKind::kCrash, .node = 0,
                                                       .down_ms = {300}}}});
  schedule.ops.push_back(ScheduledOp{.client = 0, .think_ms = 3, .kind = ClientOp::kPut});
  const std::string good = schedule_to_json(schedule);
  ASSERT_TRUE(schedule_from_json(good).ok());
  auto error = [](const std::string& text) {
    auto loaded = schedule_from_json(text);
    return loaded.ok() ? std::string("ok") : loaded.status().message();
  };
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string text = good;
    const size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return at == std::string::npos ? text : text.replace(at, from.size(), to);
  };
  EXPECT_NE(error("[]").find("one JSON object"), std::string::npos);
  EXPECT_NE(error(replaced("\"format\":1,\n\"safety", "\"format\":2,\n\"safety")).find("format must be 1"),
            std::string::npos);
  EXPECT_NE(error(replaced("\"fault\":\"crash\"", "\"fault\":\"meteor\"")).find("tick 1: unknown fault 'meteor'"),
            std::string::npos);
  EXPECT_NE(error(replaced("\"node\":0,\"down_ms\"", "\"node\":99,\"down_ms\"")).find("beyond"),
            std::string::npos);
  EXPECT_NE(error(replaced("\"op\":\"put\"", "\"op\":\"cas\"")).find("request 1: unknown op 'cas'"),
            std::string::npos);
  EXPECT_NE(error(replaced("\"think_ms\":3", "\"think_ms\":-3")).find("request 1: \"think_ms\""),
            std::string::npos);
  EXPECT_NE(error(replaced("\"key\":0", "\"key\":4096")).find("beyond the options' keys"),
            std::string::npos);
}

TEST(Shrink, APassingRunHasNothingToShrink) {
  const ShrinkOutcome outcome = shrink_run(capped(1), std::nullopt, ShrinkLimits{}, [](const std::string&) {});
  EXPECT_FALSE(outcome.failed);
  EXPECT_TRUE(outcome.first.ok());
  EXPECT_EQ(outcome.steps, 0);
}

}  // namespace
}  // namespace ringkv::sim
