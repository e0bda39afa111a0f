// RingConfig: the stages of a membership change and the replica sets each operation uses
// (docs/membership.md). The properties are the ones the protocol's safety argument rests
// on: one member moves per key, joint quorums meet every majority of both sets, reads
// switch to the new set only at reads_switched, and a change ends where it said it would.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <set>

#include "core/ring_config.h"

namespace ringkv {
namespace {

constexpr size_t kN = 3;
constexpr size_t kMaxMembers = 64;

std::vector<RingMember> members(int count) {
  std::vector<RingMember> out;
  for (int i = 1; i <= count; ++i) {
    out.push_back(RingMember{"n" + std::to_string(i), "127.0.0.1:" + std::to_string(8080 + i),
                             MemberState::kNormal});
  }
  return out;
}

RingConfig formed(int count) {
  auto config = RingConfig::initial(members(count), kDefaultVnodesPerNode, kMaxMembers);
  EXPECT_TRUE(config.ok()) << config.status().to_string();
  return *config;
}

TEST(RingConfig, UnformedAndInitial) {
  RingConfig empty;
  EXPECT_FALSE(empty.formed());
  EXPECT_FALSE(empty.begin_join("n4", "h:1", "n1", kMaxMembers).ok());
  RingConfig config = formed(3);
  EXPECT_EQ(config.epoch(), 1u);
  EXPECT_FALSE(config.changing());
  EXPECT_EQ(config.voters().size(), 3u);
  EXPECT_EQ(config.subject(), nullptr);
  const ReplicaSets sets = config.write_sets("some key", kN);
  EXPECT_FALSE(sets.moving());
  EXPECT_EQ(sets.old_set.size(), 3u);
  EXPECT_EQ(config.describe(), "epoch 1, 3 members");
}

TEST(RingConfig, RefusesWhatBreaksTheRules) {
  auto bad = [](uint64_t epoch, ChangeStage stage, NodeId owner, std::vector<RingMember> m) {
    return RingConfig::make(epoch, stage, std::move(owner), std::move(m), kDefaultVnodesPerNode,
                            kMaxMembers);
  };
  EXPECT_FALSE(bad(1, ChangeStage::kNone, "", {}).ok());                    // no members
  EXPECT_FALSE(bad(RingConfig::kMaxEpoch + 1, ChangeStage::kNone, "", members(3)).ok());
  std::vector<RingMember> twice = members(3);
  twice.push_back(twice[0]);
  EXPECT_FALSE(bad(1, ChangeStage::kNone, "", twice).ok());
  std::vector<RingMember> joining = members(4);
  joining[3].state = MemberState::kJoining;
  EXPECT_FALSE(bad(2, ChangeStage::kNone, "", joining).ok());   // a change without a stage
  EXPECT_FALSE(bad(2, ChangeStage::kJoint, "n9", joining).ok());  // owner not a member
  EXPECT_TRUE(bad(2, ChangeStage::kJoint, "n1", joining).ok());
  std::vector<RingMember> two_moving = joining;
  two_moving[2].state = MemberState::kLeaving;
  EXPECT_FALSE(bad(2, ChangeStage::kJoint, "n1", two_moving).ok());
  std::vector<RingMember> bad_id = members(3);
  bad_id[1].id = "n.2";
  EXPECT_FALSE(bad(1, ChangeStage::kNone, "", bad_id).ok());
  EXPECT_FALSE(RingConfig::make(1, ChangeStage::kNone, "", members(5), kDefaultVnodesPerNode, 4).ok());
}

TEST(RingConfig, JoinGoesThroughEveryStageAndEndsNormal) {
  RingConfig config = formed(3);
  auto joint = config.begin_join("n4", "127.0.0.1:8084", "n1", kMaxMembers);
  ASSERT_TRUE(joint.ok()) << joint.status().to_string();
  EXPECT_EQ(joint->epoch(), 2u);
  EXPECT_EQ(joint->stage(), ChangeStage::kJoint);
  ASSERT_NE(joint->subject(), nullptr);
  EXPECT_EQ(joint->subject()->id, "n4");
  EXPECT_EQ(joint->voters().size(), 4u);
  EXPECT_EQ(joint->describe(), "epoch 2, join of n4 at stage joint (owner n1)");
  // One change at a time.
  auto second = joint->begin_decommission("n2", "n2", kN);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("a membership change is in progress"),
            std::string::npos);
  auto streaming = joint->next_stage();
  ASSERT_TRUE(streaming.ok());
  auto switched = streaming->next_stage();
  ASSERT_TRUE(switched.ok());
  auto done = switched->next_stage();
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->epoch(), 5u);
  EXPECT_FALSE(done->changing());
  EXPECT_EQ(done->find("n4")->state, MemberState::kNormal);
  EXPECT_EQ(done->old_ring().nodes().size(), 4u);
  EXPECT_FALSE(done->next_stage().ok());
  EXPECT_FALSE(done->begin_join("n4", "h:1", "n1", kMaxMembers).ok());  // already a member
}

TEST(RingConfig, DecommissionEndsLeftAndRemovalDropsTheMember) {
  RingConfig config = formed(4);
  auto leaving = config.begin_decommission("n2", "n2", kN);
  ASSERT_TRUE(leaving.ok()) << leaving.status().to_string();
  RingConfig at = *leaving;
  while (at.changing()) at = *at.next_stage();
  EXPECT_EQ(at.find("n2")->state, MemberState::kLeft);
  EXPECT_EQ(at.old_ring().nodes().size(), 3u);
  EXPECT_EQ(at.voters().size(), 3u);
  // The left member is forgotten at the next change; n2 may even join again.
  auto rejoin = at.begin_join("n2", "127.0.0.1:9002", "n1", kMaxMembers);
  ASSERT_TRUE(rejoin.ok()) << rejoin.status().to_string();
  EXPECT_EQ(rejoin->find("n2")->state, MemberState::kJoining);

  auto removal = formed(4).begin_remove("n3", "n1", kN);
  ASSERT_TRUE(removal.ok());
  EXPECT_EQ(removal->voters().size(), 3u);  // a removed member acknowledges nothing
  at = *removal;
  while (at.changing()) at = *at.next_stage();
  EXPECT_EQ(at.find("n3"), nullptr);
  EXPECT_FALSE(formed(4).begin_remove("n1", "n1", kN).ok());  // not itself
}

TEST(RingConfig, NeverShrinksBelowTheReplicationFactor) {
  auto refused = formed(3).begin_decommission("n1", "n1", kN);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("fewer than the replication factor 3"),
            std::string::npos)
      << refused.status().message();
  EXPECT_FALSE(formed(3).begin_remove("n2", "n1", kN).ok());
  EXPECT_FALSE(formed(4).begin_decommission("n9", "n1", kN).ok());  // unknown
}

TEST(RingConfig, RecordRoundTripsAndRefusesDamage) {
  RingConfig config = *formed(3).begin_join("n4", "[::1]:8084", "n2", kMaxMembers);
  const std::string record = encode_ring_record(config.description());
  EXPECT_EQ(record,
            "ringkv-ring 1\n2 joint n2 100\nn1 127.0.0.1:8081 normal\nn2 127.0.0.1:8082 normal\n"
            "n3 127.0.0.1:8083 normal\nn4 [::1]:8084 joining\n");
  Result<RingDescription> decoded = decode_ring_record(record);
  ASSERT_TRUE(decoded.ok()) << decoded.status().to_string();
  EXPECT_EQ(*decoded, config.description());
  EXPECT_EQ(decode_ring_record(encode_ring_record(RingConfig().description()))->epoch, 0u);
  for (std::string damaged :
       {std::string("ringkv-ring 2\n1 none - 100\n"), std::string("ringkv-ring 1\n1 none - 100"),
        std::string("ringkv-ring 1\n1 flying - 100\n"),
        std::string("ringkv-ring 1\n99999999999999999999999 none - 100\n"),
        std::string("ringkv-ring 1\n1 none - 100\nn1 h:1 sleeping\n"),
        std::string("ringkv-ring 1\n1 none - 100\nn1 h:1\n")}) {
    EXPECT_FALSE(decode_ring_record(damaged).ok()) << damaged;
  }
}

// A change to random cluster, then every stage against random keys.
RC_GTEST_PROP(RingConfigProperty, EveryStageKeepsTheSafetyArgument, ()) {
  const int count = *rc::gen::inRange(3, 9);
  RingConfig config = formed(count);
  const int kind = *rc::gen::inRange(0, 3);
  const std::string target = "n" + std::to_string(*rc::gen::inRange(1, count + 1));
  Result<RingConfig> change =
      kind == 0   ? config.begin_join("n" + std::to_string(count + 1), "h:1", "n1", kMaxMembers)
      : kind == 1 ? config.begin_decommission(target, target, kN)
                  : config.begin_remove(target, target == "n1" ? "n2" : "n1", kN);
  if (count == 3 && kind != 0) {
    RC_ASSERT(!change.ok());  // would leave fewer members than N
    return;
  }
  RC_ASSERT(change.ok());
  RingConfig at = *change;
  uint64_t epoch = config.epoch();
  while (true) {
    RC_ASSERT(at.epoch() == ++epoch);
    for (int k = 0; k < 40; ++k) {
      const std::string key = *rc::gen::arbitrary<std::string>();
      const ReplicaSets sets = at.sets(key, kN);
      RC_ASSERT(sets.old_set.size() == kN);
      RC_ASSERT(sets.new_set.size() == kN);
      // One member moves: the sets share N-1 members or are equal.
      size_t shared = 0;
      for (const NodeId& id : sets.new_set) {
        shared += std::count(sets.old_set.begin(), sets.old_set.end(), id);
      }
      RC_ASSERT(shared >= kN - 1);
      const ReplicaSets writes = at.write_sets(key, kN);
      if (at.changing()) {
        RC_ASSERT(writes.old_set == sets.old_set);
        RC_ASSERT(writes.new_set == sets.new_set);
        RC_ASSERT(at.read_set(key, kN) == (at.stage() == ChangeStage::kReadsSwitched
                                               ? sets.new_set
                                               : sets.old_set));
      } else {
        RC_ASSERT(!writes.moving());
      }
      // Any ack set meeting the joint quorum meets every majority of both sets.
      std::vector<NodeId> candidates = writes.members();
      std::set<NodeId> acked;
      for (const NodeId& id : candidates) {
        if (*rc::gen::arbitrary<bool>()) acked.insert(id);
      }
      if (writes.quorum_met(acked, kN / 2 + 1)) {
        for (const auto* set : {&writes.old_set, &writes.new_set}) {
          for (size_t skip = 0; skip < set->size(); ++skip) {  // the majorities of 3
            bool meets = false;
            for (size_t i = 0; i < set->size(); ++i) {
              if (i != skip && acked.count((*set)[i])) meets = true;
            }
            RC_ASSERT(meets);
          }
        }
      }
    }
    if (!at.changing()) break;
    RC_ASSERT(!at.begin_join("x9", "h:1", at.owner(), kMaxMembers).ok());  // one at a time
    Result<RingConfig> next = at.next_stage();
    RC_ASSERT(next.ok());
    RC_ASSERT(next->digest() != at.digest());
    at = *next;
  }
  // The change ended where it said it would.
  RC_ASSERT(at.old_ring().nodes() == at.new_ring().nodes());
  RC_ASSERT(at.new_ring().nodes() == change->new_ring().nodes());
}

}  // namespace
}  // namespace ringkv
