// The checkers themselves: each catches a hand-made violating history and accepts a
// correct one. (A checker that cannot fail proves nothing.)
#include <gtest/gtest.h>

#include "sim/kv/checkers.h"

namespace ringkv::sim {
namespace {

Op op(uint64_t id, ClientOp kind, uint64_t invoke, uint64_t complete, OpResult result,
      Version version, Value value = {}) {
  Op o;
  o.quorum = 2;  // N = 3 below: every pair of quorums intersects
  o.id = id;
  o.kind = kind;
  o.key = "k";
  o.invoke_ms = invoke;
  o.complete_ms = complete;
  o.result = result;
  o.version = std::move(version);
  o.value = std::move(value);
  return o;
}

TEST(Checkers, CorrectHistoryPasses) {
  History h;
  h.ops.push_back(op(1, ClientOp::kPut, 0, 10, OpResult::kOk, {1, "n1"}, "a"));
  h.ops.push_back(op(2, ClientOp::kGet, 11, 20, OpResult::kOk, {1, "n1"}, "a"));
  h.ops.push_back(op(3, ClientOp::kPut, 21, 30, OpResult::kOk, {2, "n2"}, "b"));
  h.ops.push_back(op(4, ClientOp::kGet, 25, 40, OpResult::kOk, {1, "n1"}, "a"));  // concurrent
  h.ops.push_back(op(5, ClientOp::kDelete, 41, 50, OpResult::kOk, {3, "n1"}));
  h.ops.push_back(op(6, ClientOp::kGet, 51, 60, OpResult::kNotFound, {3, "n1"}));
  EXPECT_FALSE(check_history(h, 3).has_value());
  std::map<Key, ReplicaState> state{{"k", {{"n1", Entry{{3, "n1"}, true, ""}},
                                           {"n2", Entry{{3, "n1"}, true, ""}}}}};
  EXPECT_FALSE(check_durability(h, state, 3, 100).has_value());
  EXPECT_FALSE(check_convergence(state, 100).has_value());
  EXPECT_FALSE(check_liveness(h, 0, 0, false).has_value());
}

TEST(Checkers, StaleReadAfterAcknowledgedWriteIsCaught) {
  History h;
  h.ops.push_back(op(1, ClientOp::kPut, 0, 10, OpResult::kOk, {1, "n1"}, "a"));
  h.ops.push_back(op(2, ClientOp::kPut, 11, 20, OpResult::kOk, {2, "n1"}, "b"));
  h.ops.push_back(op(3, ClientOp::kGet, 21, 30, OpResult::kOk, {1, "n1"}, "a"));
  auto v = check_history(h, 3);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->invariant, "linearizability");
  EXPECT_EQ(v->op_ids, (std::vector<uint64_t>{3, 2}));
}

TEST(Checkers, ReadGoingBackInTimeIsCaught) {
  History h;
  h.ops.push_back(op(1, ClientOp::kPut, 0, 10, OpResult::kIndeterminate, {}, "a"));
  h.ops.push_back(op(2, ClientOp::kGet, 11, 20, OpResult::kOk, {5, "n1"}, "a"));
  h.ops.push_back(op(3, ClientOp::kGet, 21, 30, OpResult::kNotFound, {}));
  auto v = check_history(h, 3);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->invariant, "linearizability");
  EXPECT_EQ(v->op_ids, (std::vector<uint64_t>{3, 2}));
}

TEST(Checkers, WriteStampedBelowACompletedOneIsCaughtOnlyWhenBothAreStrong) {
  History h;
  h.ops.push_back(op(1, ClientOp::kPut, 0, 10, OpResult::kOk, {7, "n1"}, "a"));
  h.ops.push_back(op(2, ClientOp::kPut, 11, 20, OpResult::kOk, {3, "n2"}, "b"));
  auto v = check_history(h, 3);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->invariant, "linearizability");
  h.ops[1].quorum = 1;  // a weak write may be stamped below: it is indeterminate
  EXPECT_FALSE(check_history(h, 3).has_value());
  h.ops[1].quorum = 2;
  h.ops[0].quorum = 1;  // nor is anything ordered after a weak write
  EXPECT_FALSE(check_history(h, 3).has_value());
}

TEST(Checkers, WeakReadsAreNotOrderedByRealTime) {
  History h;
  h.ops.push_back(op(1, ClientOp::kPut, 0, 10, OpResult::kOk, {1, "n1"}, "a"));
  h.ops.push_back(op(2, ClientOp::kPut, 11, 20, OpResult::kOk, {2, "n1"}, "b"));
  h.ops.push_back(op(3, ClientOp::kGet, 21, 30, OpResult::kOk, {1, "n1"}, "a"));
  h.ops[2].quorum = 1;  // r=1 of N=3: eventual
  EXPECT_FALSE(check_history(h, 3).has_value());
}

// kvsim seed 977: a weak write called after a strong write completed is stamped below it
// (no query phase); it may lose, but a strong read must not return it as if it had won.
TEST(Checkers, StrongReadOfAWeakWriteStampedBelowACompletedOneIsCaught) {
  History h;
  h.ops.push_back(op(1, ClientOp::kPut, 0, 10, OpResult::kOk, {9, "n4"}, "a"));
  h.ops.push_back(op(2, ClientOp::kPut, 20, 30, OpResult::kOk, {9, "n3"}, "b"));
  h.ops[1].quorum = 1;
  EXPECT_FALSE(check_history(h, 3).has_value()) << "unobserved, it simply lost";
  h.ops.push_back(op(3, ClientOp::kGet, 5, 40, OpResult::kOk, {9, "n3"}, "b"));
  auto v = check_history(h, 3);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->invariant, "linearizability");
  EXPECT_EQ(v->op_ids, (std::vector<uint64_t>{2, 1}));
  h.ops[2].quorum = 1;  // a weak read of it promises nothing
  EXPECT_FALSE(check_history(h, 3).has_value());
}

TEST(Checkers, ValueSeenAtTwoVersionsIsCaught) {
  // The re-stamping bug: an acknowledged write at one version, a read of its value at
  // another (even a weak read: a value has one version whatever the quorum).
  History h;
  h.ops.push_back(op(1, ClientOp::kPut, 0, 10, OpResult::kOk, {4, "n1"}, "a"));
  h.ops.push_back(op(2, ClientOp::kGet, 0, 20, OpResult::kOk, {2, "n1"}, "a"));
  h.ops[1].quorum = 1;
  auto v = check_history(h, 3);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->invariant, "linearizability");
  EXPECT_NE(v->detail.find("seen at two versions"), std::string::npos) << v->detail;
}

TEST(Checkers, VersionHoldingTwoContentsIsCaught) {
  History h;
  h.ops.push_back(op(1, ClientOp::kPut, 0, 10, OpResult::kFailed, {4, "n1"}, "a"));
  h.ops.push_back(op(2, ClientOp::kDelete, 0, 10, OpResult::kFailed, {6, "n2"}));
  h.ops.push_back(op(3, ClientOp::kGet, 0, 20, OpResult::kNotFound, {4, "n1"}));
  auto v = check_history(h, 3);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->invariant, "linearizability");
  EXPECT_NE(v->detail.find("holds different content"), std::string::npos) << v->detail;
}

TEST(Checkers, InventedValueIsCaught) {
  History h;
  h.ops.push_back(op(1, ClientOp::kGet, 0, 10, OpResult::kOk, {1, "n1"}, "ghost"));
  auto v = check_history(h, 3);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->invariant, "no invention");
}

TEST(Checkers, LostAcknowledgedWriteIsCaught) {
  History h;
  h.ops.push_back(op(1, ClientOp::kPut, 0, 10, OpResult::kOk, {4, "n1"}, "a"));
  h.ops.push_back(op(2, ClientOp::kPut, 0, 10, OpResult::kFailed, {2, "n2"}, "b"));
  std::map<Key, ReplicaState> state{{"k", {{"n1", Entry{{2, "n2"}, false, "b"}},
                                           {"n2", Entry{{2, "n2"}, false, "b"}}}}};
  auto v = check_durability(h, state, 3, 100);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->invariant, "durability");
  EXPECT_EQ(v->op_ids, (std::vector<uint64_t>{1}));
}

// A lost disk may take a weak write (its only copy) with it, never a strong one.
TEST(Checkers, OnlyWeakWritesAcknowledgedBeforeADiskWipeMayBeLost) {
  History h;
  h.ops.push_back(op(1, ClientOp::kPut, 0, 10, OpResult::kOk, {4, "n1"}, "a"));
  h.ops.back().quorum = 1;
  h.wipes.push_back(Wipe{"n1", 20});
  std::map<Key, ReplicaState> state{{"k", {{"n1", Entry{{2, "n2"}, false, "b"}},
                                           {"n2", Entry{{2, "n2"}, false, "b"}}}}};
  h.ops.push_back(op(2, ClientOp::kPut, 0, 10, OpResult::kFailed, {2, "n2"}, "b"));
  EXPECT_FALSE(check_durability(h, state, 3, 100).has_value());
  h.ops.front().quorum = 2;
  auto v = check_durability(h, state, 3, 100);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->op_ids, (std::vector<uint64_t>{1}));
  h.ops.front().quorum = 1;
  h.ops.front().complete_ms = 30;  // acknowledged after the wipe: it must survive
  EXPECT_TRUE(check_durability(h, state, 3, 100).has_value());
}

TEST(Checkers, DivergentReplicasAreCaught) {
  std::map<Key, ReplicaState> state{{"k", {{"n1", Entry{{2, "n2"}, false, "b"}},
                                           {"n2", std::nullopt}}}};
  auto v = check_convergence(state, 100);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->invariant, "convergence");
}

TEST(Checkers, FailedRequestInASettledClusterIsCaught) {
  History h;
  h.ops.push_back(op(1, ClientOp::kPut, 45, 60, OpResult::kFailed, {}, "a"));  // settling
  h.ops.push_back(op(2, ClientOp::kPut, 70, 90, OpResult::kFailed, {}, "b"));
  h.ops[1].error = "quorum_failed: write quorum not reached before the deadline";
  auto v = check_liveness(h, 40, 50, false);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->op_ids, (std::vector<uint64_t>{2}));
  h.ops[1].error = "overloaded: too many requests in flight";
  EXPECT_TRUE(check_liveness(h, 40, 50, false).has_value());
  EXPECT_FALSE(check_liveness(h, 40, 50, true).has_value()) << "the run set a tiny limit";
}

// A strong read that ran out of time in its write-back because writes to its key kept
// arriving is contention, not a dead cluster; without an overlapping write, or when most
// reads of the key fail that way, it is a liveness violation.
TEST(Checkers, ContendedStrongReadsAreCountedNotFailedUnlessTheyStarve) {
  const std::string chased = "quorum_failed: only 1 of the 2 replicas needed confirmed the value";
  History h;
  h.ops.push_back(op(1, ClientOp::kGet, 60, 90, OpResult::kFailed, {}));
  h.ops[0].error = chased;
  h.ops.push_back(op(2, ClientOp::kGet, 95, 99, OpResult::kOk, {1, "n1"}, "a"));
  h.ops.push_back(op(3, ClientOp::kGet, 96, 99, OpResult::kOk, {1, "n1"}, "a"));
  auto v = check_liveness(h, 40, 50, false);
  ASSERT_TRUE(v.has_value()) << "no write overlapped the failed read";
  EXPECT_EQ(v->op_ids, (std::vector<uint64_t>{1}));

  h.ops.push_back(op(4, ClientOp::kPut, 70, 80, OpResult::kOk, {1, "n1"}, "a"));
  uint64_t contended = 0;
  EXPECT_FALSE(check_liveness(h, 40, 50, false, &contended).has_value());
  EXPECT_EQ(contended, 1u);

  h.ops[1].result = OpResult::kFailed;  // two of three reads chased out of time
  h.ops[1].error = chased;
  h.ops[1].invoke_ms = 75;
  v = check_liveness(h, 40, 50, false);
  ASSERT_TRUE(v.has_value());
  EXPECT_NE(v->detail.find("2 of 3 reads"), std::string::npos) << v->detail;
}

TEST(Checkers, UnansweredRequestAfterHealingIsCaught) {
  History h;
  h.ops.push_back(op(1, ClientOp::kGet, 5, 0, OpResult::kIndeterminate, {}));
  h.ops.push_back(op(2, ClientOp::kGet, 50, 0, OpResult::kIndeterminate, {}));
  auto v = check_liveness(h, 40, 40, false);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->op_ids, (std::vector<uint64_t>{2}));
}

}  // namespace
}  // namespace ringkv::sim
