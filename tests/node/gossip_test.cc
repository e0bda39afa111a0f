// Gossip membership: the CRDT laws of the row merge and failure detection over time.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "core/node/membership.h"
#include "tests/node/cluster_harness.h"

namespace ringkv::testing {
namespace {

rc::Gen<MemberRow> gen_row(const NodeId& id) {
  return rc::gen::apply(
      [id](uint64_t incarnation, uint64_t heartbeat, int status, int port) {
        return MemberRow{id, "h:" + std::to_string(port), incarnation, heartbeat,
                         static_cast<MemberStatus>(status)};
      },
      rc::gen::inRange<uint64_t>(0, 3), rc::gen::inRange<uint64_t>(0, 4),
      rc::gen::inRange(0, 3), rc::gen::inRange(0, 2));
}

RC_GTEST_PROP(MergeRows, Commutative, ()) {
  MemberRow a = *gen_row("n1");
  MemberRow b = *gen_row("n1");
  RC_ASSERT(merge_rows(a, b) == merge_rows(b, a));
}

RC_GTEST_PROP(MergeRows, Associative, ()) {
  MemberRow a = *gen_row("n1");
  MemberRow b = *gen_row("n1");
  MemberRow c = *gen_row("n1");
  RC_ASSERT(merge_rows(merge_rows(a, b), c) == merge_rows(a, merge_rows(b, c)));
}

RC_GTEST_PROP(MergeRows, IdempotentAndMonotonic, ()) {
  MemberRow a = *gen_row("n1");
  MemberRow b = *gen_row("n1");
  RC_ASSERT(merge_rows(a, a) == a);
  const MemberRow& m = merge_rows(a, b);
  RC_ASSERT(std::tie(m.incarnation, m.heartbeat) >= std::tie(a.incarnation, a.heartbeat));
  RC_ASSERT(std::tie(m.incarnation, m.heartbeat) >= std::tie(b.incarnation, b.heartbeat));
}

// Tables that received the same rows in any order and any grouping end up equal.
RC_GTEST_PROP(MembershipProperty, MergeOrderDoesNotMatter, ()) {
  std::vector<MemberRow> rows;
  const int count = *rc::gen::inRange(1, 12);
  for (int i = 0; i < count; ++i) {
    rows.push_back(*gen_row("n" + std::to_string(*rc::gen::inRange(2, 5))));
  }
  // A random permutation, drawn as swaps.
  std::vector<MemberRow> shuffled = rows;
  for (size_t i = shuffled.size(); i > 1; --i) {
    std::swap(shuffled[i - 1], shuffled[*rc::gen::inRange<size_t>(0, i)]);
  }
  Membership::Timing timing{400, 800};
  Membership a(MemberRow{"n1", "h:1", 0, 0, MemberStatus::kAlive}, timing, 16, 0);
  Membership b(MemberRow{"n1", "h:1", 0, 0, MemberStatus::kAlive}, timing, 16, 0);
  a.merge(rows, 0);
  for (const MemberRow& row : shuffled) b.merge({row}, 0);
  b.merge(shuffled, 0);  // idempotent
  auto strip = [](std::vector<MemberRow> table) {
    for (auto& row : table) row.status = MemberStatus::kAlive;  // status is judged locally
    return table;
  };
  RC_ASSERT(strip(a.rows()) == strip(b.rows()));
}

TEST(Membership, MergeRespectsMaxNodes) {
  Membership table(MemberRow{"n1", "h:1", 0, 0, MemberStatus::kAlive}, {400, 800}, 2, 0);
  table.merge({MemberRow{"n2", "h:2", 0, 1}, MemberRow{"n3", "h:3", 0, 1}}, 0);
  EXPECT_EQ(table.size(), 2u);
}

TEST(Gossip, ClusterConvergesToOneView) {
  TestCluster cluster(5);
  cluster.advance(1000);
  std::vector<NodeId> expected = cluster.ids();
  for (const NodeId& id : cluster.ids()) {
    EXPECT_EQ(cluster.node(id).membership().node_ids(), expected) << id;
    for (const MemberRow& row : cluster.node(id).membership().rows()) {
      EXPECT_EQ(row.status, MemberStatus::kAlive) << id << " sees " << row.node_id;
      EXPECT_GT(row.heartbeat, 0u) << id << " never heard from " << row.node_id;
    }
  }
}

TEST(Gossip, SilentNodeBecomesSuspectThenDownThenAliveAgain) {
  TestCluster cluster(3);
  cluster.advance(500);
  ASSERT_EQ(cluster.node("n1").membership().status_of("n3"), MemberStatus::kAlive);
  const uint64_t incarnation_before = [&] {
    for (const auto& row : cluster.node("n1").membership().rows())
      if (row.node_id == "n3") return row.incarnation;
    return uint64_t{99};
  }();
  cluster.crash("n3");
  cluster.advance(500);  // suspect_after_ms = 400
  EXPECT_EQ(cluster.node("n1").membership().status_of("n3"), MemberStatus::kSuspect);
  cluster.advance(400);  // dead_after_ms = 800
  EXPECT_EQ(cluster.node("n1").membership().status_of("n3"), MemberStatus::kDown);
  EXPECT_EQ(cluster.node("n2").membership().status_of("n3"), MemberStatus::kDown);
  // Down nodes stay in the ring: quorums remain strict.
  EXPECT_EQ(cluster.node("n1").ring().nodes().size(), 3u);

  cluster.restart("n3");
  cluster.advance(500);
  EXPECT_EQ(cluster.node("n1").membership().status_of("n3"), MemberStatus::kAlive);
  for (const auto& row : cluster.node("n1").membership().rows()) {
    if (row.node_id == "n3") {
      EXPECT_GT(row.incarnation, incarnation_before);
    }
  }
}

TEST(Gossip, PartitionedNodeIsSeenDownOnlyAcrossThePartition) {
  TestCluster cluster(3);
  cluster.advance(300);
  cluster.isolate("n1");
  cluster.advance(1000);
  EXPECT_EQ(cluster.node("n2").membership().status_of("n1"), MemberStatus::kDown);
  EXPECT_EQ(cluster.node("n2").membership().status_of("n3"), MemberStatus::kAlive);
  EXPECT_EQ(cluster.node("n1").membership().status_of("n2"), MemberStatus::kDown);
  cluster.heal();
  cluster.advance(500);
  for (const NodeId& id : cluster.ids()) {
    for (const NodeId& other : cluster.ids()) {
      EXPECT_EQ(cluster.node(id).membership().status_of(other), MemberStatus::kAlive)
          << id << " about " << other;
    }
  }
}

}  // namespace
}  // namespace ringkv::testing
