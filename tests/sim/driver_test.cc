// NodeDriver, the shared driver of kvnode and the simulator: a compaction that keeps
// failing (a full disk) is retried with a backoff, not restarted every millisecond; detached
// compactions go to the host one per store at a time.
#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "core/driver/node_driver.h"
#include "core/storage/memory_env.h"

namespace ringkv {
namespace {

class NullHost : public DriverHost {
 public:
  void send(Envelope) override {}
  void reply(Reply) override {}
  void flush() override {}
  void start_sync(std::function<Status()>) override {}
};

// Two stores with tiny memtables, the data store with a compaction pending, and a node on
// them.
class NodeDriverCompaction : public ::testing::Test {
 protected:
  void SetUp() override {
    LsmOptions options;
    options.memtable_max_bytes = 512;
    auto opened_data = LsmStore::open(env, "data", options);
    auto opened_hints = LsmStore::open(env, "hints", options);
    ASSERT_TRUE(opened_data.ok() && opened_hints.ok());
    data = std::move(*opened_data);
    hints = std::move(*opened_hints);
    for (uint64_t i = 0; i < 400 && !data->compaction_pending(); ++i) {
      ASSERT_TRUE(data->apply("key-" + std::to_string(i),
                              Entry{Version{i + 1, "n1"}, false, std::string(40, 'v')})
                      .ok());
    }
    ASSERT_TRUE(data->compaction_pending());
    node = std::make_unique<Node>(NodeIdentity{"n1", "n1:1"}, Config(), std::vector<Peer>{},
                                  *data, Prng(1), 0);
  }

  MemoryEnv env;
  std::unique_ptr<LsmStore> data, hints;
  std::unique_ptr<Node> node;
};

TEST_F(NodeDriverCompaction, FailedCompactionStepsBackOff) {
  NullHost host;
  NodeDriver driver(*node, *data, *hints, host,
                    DriverOptions{SyncPolicy::kBatch, 5, /*compaction_step_entries=*/1});
  FaultOptions failing;
  failing.fail_mutations_after = 0;  // every file creation fails: no compaction can start
  env.set_faults(failing);
  const uint64_t backoff = NodeDriver::kMinCompactionBackoffMs;
  driver.drive(1000);
  EXPECT_EQ(driver.compaction_failures(), 1u);
  driver.drive(1001);  // too early: no new attempt
  driver.drive(1000 + backoff - 1);
  EXPECT_EQ(driver.compaction_failures(), 1u);
  driver.drive(1000 + backoff);
  EXPECT_EQ(driver.compaction_failures(), 2u);  // and now it waits twice as long
  driver.drive(1000 + 3 * backoff - 1);
  EXPECT_EQ(driver.compaction_failures(), 2u);
  driver.drive(1000 + 3 * backoff);
  EXPECT_EQ(driver.compaction_failures(), 3u);
  env.set_faults(FaultOptions());  // space again: the compaction finishes
  uint64_t now = 1000 + 7 * backoff;
  for (int steps = 0; steps < 10000 && data->compaction_pending(); ++steps) {
    now = std::max(now + 1, driver.drive(now));
  }
  EXPECT_FALSE(data->compaction_pending());
  EXPECT_EQ(driver.compaction_failures(), 3u);
  EXPECT_GE(data->stats().compactions, 1u);
}

// A host that keeps the detached compaction jobs it is handed, to run them when the test
// says.
class JobHost final : public NullHost {
 public:
  void start_compaction(size_t store, std::function<Status()> run) override {
    jobs.emplace_back(store, std::move(run));
  }
  std::vector<std::pair<size_t, std::function<Status()>>> jobs;
};

// With detached_compaction the driver hands the host one whole job per store and starts no
// other while it runs; compaction_finished() installs it; a failed job backs off like a
// failed step.
TEST_F(NodeDriverCompaction, DetachedCompactionsRunOneAtATimeAndFailedOnesBackOff) {
  JobHost host;
  NodeDriver driver(*node, *data, *hints, host,
                    DriverOptions{SyncPolicy::kBatch, 5, 64, /*detached_compaction=*/true});
  driver.drive(1000);
  ASSERT_EQ(host.jobs.size(), 1u);
  EXPECT_EQ(host.jobs[0].first, 0u);  // the data store
  EXPECT_TRUE(data->compaction_running_detached());
  driver.drive(1001);
  EXPECT_EQ(host.jobs.size(), 1u) << "one job per store at a time";
  // The job fails (a full disk): the compaction is abandoned and retried after a backoff.
  env.set_faults(FaultOptions{.space_budget_bytes = env.total_bytes()});
  driver.compaction_finished(0, host.jobs[0].second(), 1002);
  env.set_faults(FaultOptions());
  EXPECT_EQ(driver.compaction_failures(), 1u);
  EXPECT_FALSE(data->compaction_running_detached());
  driver.drive(1002 + NodeDriver::kMinCompactionBackoffMs - 1);
  EXPECT_EQ(host.jobs.size(), 1u);
  driver.drive(1002 + NodeDriver::kMinCompactionBackoffMs);
  ASSERT_EQ(host.jobs.size(), 2u);
  const uint64_t compactions_before = data->stats().compactions;
  driver.compaction_finished(0, host.jobs[1].second(), 1100);
  EXPECT_EQ(data->stats().compactions, compactions_before + 1);
  EXPECT_EQ(driver.compaction_failures(), 1u);
}

}  // namespace
}  // namespace ringkv
