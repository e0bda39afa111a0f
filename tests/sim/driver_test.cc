// NodeDriver, the shared driver of kvnode and the simulator: a compaction that keeps
// failing (a full disk) is retried with a backoff, not restarted every millisecond.
#include <gtest/gtest.h>

#include "core/driver/node_driver.h"
#include "core/storage/memory_env.h"

namespace ringkv {
namespace {

class NullHost final : public DriverHost {
 public:
  void send(Envelope) override {}
  void reply(Reply) override {}
  void flush() override {}
  void start_sync(std::function<Status()>) override {}
};

TEST(NodeDriver, FailedCompactionStepsBackOff) {
  MemoryEnv env;
  LsmOptions options;
  options.memtable_max_bytes = 512;
  auto data = LsmStore::open(env, "data", options);
  auto hints = LsmStore::open(env, "hints", options);
  ASSERT_TRUE(data.ok() && hints.ok());
  for (uint64_t i = 0; i < 400 && !(*data)->compaction_pending(); ++i) {
    ASSERT_TRUE((*data)->apply("key-" + std::to_string(i),
                               Entry{Version{i + 1, "n1"}, false, std::string(40, 'v')})
                    .ok());
  }
  ASSERT_TRUE((*data)->compaction_pending());
  Config config;
  Node node(NodeIdentity{"n1", "n1:1"}, config, {}, **data, Prng(1), 0);
  NullHost host;
  NodeDriver driver(node, **data, **hints, host,
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
  for (int steps = 0; steps < 10000 && (*data)->compaction_pending(); ++steps) {
    now = std::max(now + 1, driver.drive(now));
  }
  EXPECT_FALSE((*data)->compaction_pending());
  EXPECT_EQ(driver.compaction_failures(), 3u);
  EXPECT_GE((*data)->stats().compactions, 1u);
}

}  // namespace
}  // namespace ringkv
