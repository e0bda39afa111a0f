// Lost data (docs/lost-data.md): a node restarted on a wiped disk answers no read and no
// version query until it has pulled every peer's data, stamps nothing until it has heard
// from every peer, and keeps that state across restarts.
#include <gtest/gtest.h>

#include "tests/node/cluster_harness.h"

namespace ringkv::testing {
namespace {

ClientRequest weak_put(const Key& key, const Value& value) {
  ClientRequest request;
  request.op = ClientOp::kPut;
  request.key = key;
  request.value = value;
  request.write_quorum = 1;
  return request;
}

// n1 and n2 acknowledge v1 while n3 is cut off; n2 loses its disk and n1 goes down. A
// strong read through n3 asks n2 (blank) and n3 (missed the write): if n2 answered
// "nothing", the read would return not_found for an acknowledged write.
TEST(LostData, WipedReplicaAnswersNoReadUntilRebuiltThenHoldsEveryAcknowledgedWrite) {
  for (bool serve_while_rebuilding : {false, true}) {
    SCOPED_TRACE(serve_while_rebuilding ? "injected bug serve-while-rebuilding" : "correct");
    TestCluster cluster(3);
    cluster.isolate("n3");
    const uint64_t put = cluster.put("n1", "k", "v1");
    cluster.settle();
    ASSERT_EQ(cluster.response(put)->outcome, ClientOutcome::kOk);
    cluster.heal();
    cluster.wipe("n2");
    if (serve_while_rebuilding) {
      cluster.node("n2").set_injected_bugs(
          static_cast<uint32_t>(InjectedBug::kServeWhileRebuilding));
    }
    cluster.crash("n1");
    ASSERT_TRUE(cluster.node("n2").rebuilding());
    const uint64_t read = cluster.get("n3", "k");
    cluster.advance(1000);
    ASSERT_TRUE(cluster.response(read).has_value());
    if (serve_while_rebuilding) {
      // Proves the scenario can fail: the acknowledged write is not seen.
      EXPECT_EQ(cluster.response(read)->outcome, ClientOutcome::kNotFound);
      continue;
    }
    EXPECT_EQ(cluster.response(read)->outcome, ClientOutcome::kQuorumFailed);
    EXPECT_GT(cluster.node("n2").metrics().refused_rebuilding, 0u);
    // n1 is not back: n2 has pulled n3 only, and says so.
    EXPECT_TRUE(cluster.node("n2").rebuilding());
    EXPECT_NE(cluster.node("n2").rebuild_progress().find("waiting for n1"), std::string::npos)
        << cluster.node("n2").rebuild_progress();
    cluster.restart("n1");
    cluster.advance(2000);
    EXPECT_FALSE(cluster.node("n2").rebuilding()) << cluster.node("n2").rebuild_progress();
    EXPECT_EQ(cluster.node("n2").metrics().data_rebuilds, 1u);
    ASSERT_TRUE(cluster.stored("n2", "k").has_value());
    EXPECT_EQ(cluster.stored("n2", "k")->value, "v1");
    const uint64_t again = cluster.get("n3", "k");
    cluster.advance(200);
    ASSERT_TRUE(cluster.response(again).has_value());
    EXPECT_EQ(cluster.response(again)->outcome, ClientOutcome::kOk);
    EXPECT_EQ(cluster.response(again)->value, "v1");
  }
}

TEST(LostData, NoWriteIsStampedBeforeTheClockIsBackAboveTheLostLife) {
  TestCluster cluster(3);
  Version before;
  for (int i = 0; i < 20; ++i) {
    const uint64_t put = cluster.submit("n1", weak_put("k" + std::to_string(i), "v"));
    cluster.settle();
    ASSERT_EQ(cluster.response(put)->outcome, ClientOutcome::kOk);
    before = cluster.response(put)->version;
  }
  cluster.wipe("n1");
  cluster.isolate("n1");
  const uint64_t refused = cluster.submit("n1", weak_put("k0", "after"));
  cluster.settle();
  ASSERT_EQ(cluster.response(refused)->outcome, ClientOutcome::kQuorumFailed);
  EXPECT_NE(cluster.response(refused)->error.find("lost its data"), std::string::npos);
  cluster.heal();
  cluster.advance(1000);
  const uint64_t put = cluster.submit("n1", weak_put("k0", "after"));
  cluster.settle();
  ASSERT_EQ(cluster.response(put)->outcome, ClientOutcome::kOk);
  EXPECT_GT(cluster.response(put)->version.counter, before.counter);
  EXPECT_EQ(cluster.stored("n2", "k0")->value, "after");
}

TEST(LostData, RebuildingSurvivesARestartAndEndsOnlyOnce) {
  TestCluster cluster(3);
  cluster.put("n1", "k", "v1");
  cluster.settle();
  cluster.crash("n3");
  cluster.wipe("n2");
  cluster.advance(1000);
  ASSERT_TRUE(cluster.node("n2").rebuilding());
  cluster.crash("n2");
  cluster.restart("n2");  // an ordinary restart: the store is not blank any more
  EXPECT_TRUE(cluster.node("n2").rebuilding());
  cluster.restart("n3");
  cluster.advance(2000);
  EXPECT_FALSE(cluster.node("n2").rebuilding());
  EXPECT_EQ(cluster.stored("n2", "k")->value, "v1");
  cluster.crash("n2");
  cluster.restart("n2");
  EXPECT_FALSE(cluster.node("n2").rebuilding());
  EXPECT_EQ(cluster.node("n2").metrics().data_rebuilds, 0u);  // a new life, nothing to do
}

TEST(LostData, ABlankClusterServesAfterOneExchange) {
  TestCluster cluster(3);
  for (const NodeId& id : cluster.ids()) cluster.wipe(id);  // a first boot looks the same
  for (const NodeId& id : cluster.ids()) ASSERT_TRUE(cluster.node(id).rebuilding());
  cluster.advance(1000);
  for (const NodeId& id : cluster.ids()) {
    EXPECT_FALSE(cluster.node(id).rebuilding()) << id << ": "
                                                << cluster.node(id).rebuild_progress();
  }
  const uint64_t put = cluster.put("n2", "k", "v");
  cluster.settle();
  const uint64_t read = cluster.get("n3", "k");
  cluster.settle();
  EXPECT_EQ(cluster.response(put)->outcome, ClientOutcome::kOk);
  EXPECT_EQ(cluster.response(read)->value, "v");
}

TEST(LostData, ALoneNodeHasNothingToPull) {
  TestCluster cluster(1);
  cluster.wipe("n1");
  EXPECT_FALSE(cluster.node("n1").rebuilding());
}

}  // namespace
}  // namespace ringkv::testing
