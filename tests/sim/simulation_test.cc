// Whole-cluster simulations: a seed sweep passes, runs are deterministic, and every
// injected bug is caught by a bounded number of seeds (the simulator can fail).
#include <gtest/gtest.h>

#include "core/node/injected_bugs.h"
#include "sim/kv/kv_simulation.h"

namespace ringkv::sim {
namespace {

#ifdef RINGKV_SANITIZED_BUILD
// Under ASan+UBSan a seed costs ~10x: a short sweep here; the release build runs
// kvsim.sweep_300 and hunts every injected bug over 200 seeds (kvsim.catches.*).
constexpr uint64_t kSweepSeeds = 8;
#else
constexpr uint64_t kSweepSeeds = 24;  // seeds 1..24 in every ctest run
#endif
constexpr uint64_t kBugHuntMaxSeeds = 40;  // each injected bug must fail within these

SimResult run_seed(uint64_t seed, uint32_t bugs = 0) {
  SimOptions options = SimOptions::draw(seed);
  options.injected_bugs = bugs;
  return KvSimulation(options).run();
}

TEST(Simulation, SeedSweepPasses) {
  for (uint64_t seed = 1; seed <= kSweepSeeds; ++seed) {
    SimResult result = run_seed(seed);
    EXPECT_TRUE(result.ok()) << "seed " << seed << ":\n"
                             << SimOptions::draw(seed).describe() << "\n"
                             << result.report;
    EXPECT_GT(result.stats.writes_acked, 0u) << "seed " << seed << " acknowledged nothing";
  }
}

// Regression cases live in tests/sim/regressions/ as option files (ctest kvsim.regression.*).

TEST(Simulation, SameSeedGivesSameTraceHash) {
  for (uint64_t seed : {3u, 11u}) {
    SimResult first = run_seed(seed);
    SimResult second = run_seed(seed);
    EXPECT_EQ(first.trace_hash, second.trace_hash) << "seed " << seed;
    EXPECT_EQ(first.stats.events, second.stats.events);
  }
  EXPECT_NE(run_seed(3).trace_hash, run_seed(4).trace_hash);
}

class InjectedBugIsCaught : public ::testing::TestWithParam<InjectedBugInfo> {};

TEST_P(InjectedBugIsCaught, WithinBoundedSeeds) {
  const InjectedBugInfo& info = GetParam();
  for (uint64_t seed = 1; seed <= kBugHuntMaxSeeds; ++seed) {
    SimResult result = run_seed(seed, static_cast<uint32_t>(info.bug));
    if (!result.ok()) {
      SUCCEED() << info.name << " caught by seed " << seed << ": "
                << result.violation->invariant;
      return;
    }
  }
  FAIL() << "injected bug '" << info.name << "' survived seeds 1.." << kBugHuntMaxSeeds;
}

// Bugs that need more than kBugHuntMaxSeeds seeds are hunted by the kvsim command line in
// the release build instead (kvsim.catches.* in CMakeLists.txt: seeds 1..200, two jobs):
// count-duplicate-acks matters only when a coordinator acknowledges with one replica's
// duplicated ack and a later quorum misses that replica (seed 119 in 1..200);
// resurrect-after-purge needs a seed that purges a tombstone while a replica missed the
// delete (seed 128); serve-while-rebuilding needs a wipe whose node answers reads between
// getting its ring back and rebuilding (seed 43).
// The sanitizer build also leaves drop-hints (found only in hints-only seeds, ~30 seeds in)
// to the release build's hunt.
std::vector<InjectedBugInfo> quick_bugs() {
  std::vector<InjectedBugInfo> bugs;
  for (const InjectedBugInfo& info : injected_bug_catalog()) {
    if (info.bug == InjectedBug::kCountDuplicateAcks) continue;
    if (info.bug == InjectedBug::kResurrectAfterPurge) continue;
    // A wiped node now serves nothing until it has its ring configuration back from its
    // peers, which shortens the window this bug needs: seed 43 in 1..200 catches it.
    if (info.bug == InjectedBug::kServeWhileRebuilding) continue;
    // Needs a tombstone purged while a node is out of the key's set and a change that puts
    // it back: kvsim.catches.keep-regained-entries.* replays the seeds that found it.
    if (info.bug == InjectedBug::kKeepRegainedEntries) continue;
#ifdef RINGKV_SANITIZED_BUILD
    if (info.bug == InjectedBug::kDropHints) continue;
#endif
    bugs.push_back(info);
  }
  return bugs;
}

INSTANTIATE_TEST_SUITE_P(Catalog, InjectedBugIsCaught, ::testing::ValuesIn(quick_bugs()),
                         [](const auto& info) {
                           std::string name(info.param.name);
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace ringkv::sim
