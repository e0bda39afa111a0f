// Membership changes on real processes (docs/membership.md): a three-node cluster grows to
// four (a node started with --peers joins and streams its ranges) and shrinks back to
// three (POST /admin/decommission: the node streams its ranges out and exits 0), while
// clients keep writing and reading. Every acknowledged write must stay readable at quorum
// and the history must pass both linearizability checkers.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "history_recorder.h"
#include "linearizable.h"
#include "local_cluster.h"

namespace ringkv::integration {
namespace {

using sim::OpResult;

constexpr size_t kPreloadedKeys = 2000;

uint64_t steady_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

TEST(MembershipTest, GrowsToFourAndShrinksBackToThreeUnderLoad) {
  LocalCluster cluster(4, {"--stream-batch-bytes", "8192"});
  // n1 forms a cluster of one; n2 and n3, started with the nodes before them as --peers,
  // join it one at a time: the first joins already stream.
  for (size_t i = 0; i < 3; ++i) ASSERT_TRUE(cluster.start(i, false)) << cluster.log(i);
  ASSERT_TRUE(cluster.wait_ring({0, 1, 2})) << cluster.log(0);

  auto loader = cluster.client(0);
  for (size_t k = 0; k < kPreloadedKeys; ++k) {
    auto put = loader->request("PUT", "/kv/preload-" + std::to_string(k), "v" + std::to_string(k));
    ASSERT_TRUE(put.ok() && put->status == 204) << "preload " << k;
  }

  RecordedWorkload workload;
  workload.seed = 17;
  workload.ops_per_client = 100000;   // stopped below, once both changes are done
  workload.max_duration_ms = 120000;  // the bound if they never are
  HistoryRecorder recorder(cluster, workload);  // through n1..n3
  std::thread clients([&] { recorder.run(); });
  for (int i = 0; i < 1000 && !recorder.running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  // Grow: n4 starts with n1..n3 as --peers and joins.
  const uint64_t join_started = steady_ms();
  ASSERT_TRUE(cluster.start(3, false)) << cluster.log(3);
  EXPECT_TRUE(cluster.wait_ring({0, 1, 2, 3}, 60000)) << cluster.log(3);
  const uint64_t join_ms = steady_ms() - join_started;
  EXPECT_GT(cluster.metric_value(3, "ringkv_stream_batches_received_total"), 0);

  // Shrink: n4 is asked to leave; it streams its ranges out, and its process exits 0.
  const uint64_t leave_started = steady_ms();
  auto asked = cluster.client(3)->request("POST", "/admin/decommission");
  ASSERT_TRUE(asked.ok());
  EXPECT_EQ(asked->status, 202) << asked->body;
  EXPECT_NE(asked->body.find("\"accepted\":true"), std::string::npos) << asked->body;
  // A second change while this one runs is refused.
  auto second = cluster.client(0)->request("POST", "/admin/removenode?id=n2");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->status, 409) << second->body;
  EXPECT_TRUE(cluster.wait_ring({0, 1, 2}, 60000)) << cluster.log(0);
  const std::optional<int> code = cluster.wait_exit(3);
  EXPECT_EQ(code, std::optional<int>(0)) << cluster.log(3);
  const uint64_t leave_ms = steady_ms() - leave_started;
  EXPECT_NE(cluster.log(3).find("left the cluster"), std::string::npos) << cluster.log(3);

  recorder.stop();
  clients.join();
  std::printf("join took %llu ms, decommission %llu ms, with %zu preloaded keys\n",
              static_cast<unsigned long long>(join_ms), static_cast<unsigned long long>(leave_ms),
              kPreloadedKeys);

  // Every preloaded key is readable at quorum through every remaining node.
  for (size_t node = 0; node < 3; ++node) {
    auto reader = cluster.client(node);
    size_t wrong = 0;
    for (size_t k = 0; k < kPreloadedKeys; ++k) {
      auto got = reader->request("GET", "/kv/preload-" + std::to_string(k));
      if (!got.ok() || got->status != 200 || got->body != "v" + std::to_string(k)) wrong++;
    }
    EXPECT_EQ(wrong, 0u) << "through n" << node + 1;
  }
  EXPECT_EQ(recorder.final_reads(3), 0u);
  const sim::History history = recorder.history();
  EXPECT_GT(recorder.count(OpResult::kOk), 100u);
  std::printf("%zu ops: %zu ok, %zu not found, %zu failed, %zu indeterminate\n",
              history.ops.size(), recorder.count(OpResult::kOk),
              recorder.count(OpResult::kNotFound), recorder.count(OpResult::kFailed),
              recorder.count(OpResult::kIndeterminate));
  expect_linearizable(history);
}

}  // namespace
}  // namespace ringkv::integration
