// Nodes changing the cluster while it serves (docs/membership.md): a join streams the
// ranges the new node gains, a decommission streams the leaving node's ranges out, a
// removal re-replicates a dead node's ranges; writes go on throughout and every
// acknowledged one stays readable at quorum. The per-message protocol is in
// ring_keeper_test.cc; this is the same keeper inside Node, with the data path.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>

#include "tests/node/cluster_harness.h"

namespace ringkv::testing {
namespace {

constexpr int kKeys = 300;

std::string key_name(int i) { return "key-" + std::to_string(i); }

// Writes every key through rotating coordinators; returns what was acknowledged.
std::map<Key, Value> write_all(TestCluster& cluster, const std::vector<NodeId>& coordinators,
                               const std::string& tag) {
  std::map<Key, uint64_t> requests;
  for (int i = 0; i < kKeys; ++i) {
    const NodeId& via = coordinators[static_cast<size_t>(i) % coordinators.size()];
    requests[key_name(i)] = cluster.put(via, key_name(i), tag + std::to_string(i));
  }
  cluster.settle();
  std::map<Key, Value> acknowledged;
  for (const auto& [key, request] : requests) {
    auto response = cluster.response(request);
    if (response && response->outcome == ClientOutcome::kOk) {
      acknowledged[key] = tag + key.substr(4);
    }
  }
  return acknowledged;
}

// Every acknowledged value is what a quorum read through `via` returns.
void expect_readable(TestCluster& cluster, const NodeId& via,
                     const std::map<Key, Value>& acknowledged) {
  std::map<Key, uint64_t> reads;
  for (const auto& [key, value] : acknowledged) reads[key] = cluster.get(via, key);
  cluster.settle();
  size_t wrong = 0;
  for (const auto& [key, value] : acknowledged) {
    auto response = cluster.response(reads.at(key));
    if (!response || response->outcome != ClientOutcome::kOk || response->value != value) {
      if (++wrong <= 5) {
        ADD_FAILURE() << key << " through " << via << ": expected " << value << ", got "
                      << (response ? client_outcome_name(response->outcome) : "no answer")
                      << " " << (response ? response->value : "");
      }
    }
  }
  EXPECT_EQ(wrong, 0u);
}

// Every member of a key's replica set (in the configuration of `id`) stores it.
size_t keys_missing_on_replicas(TestCluster& cluster, const NodeId& id,
                                const std::map<Key, Value>& acknowledged) {
  const RingConfig& config = cluster.node(id).ring_config();
  size_t missing = 0;
  for (const auto& [key, value] : acknowledged) {
    for (const NodeId& replica : config.read_set(key, 3)) {
      std::optional<Entry> held = cluster.stored(replica, key);
      if (!held || held->value != value) missing++;
    }
  }
  return missing;
}

bool everyone_at(TestCluster& cluster, const std::vector<NodeId>& ids, uint64_t epoch) {
  for (const NodeId& id : ids) {
    if (!cluster.is_up(id) || cluster.node(id).ring_config().epoch() < epoch) return false;
  }
  return true;
}

// A node outside the ring serves no client: a read through it fails, saying why.
void expect_refuses_clients(TestCluster& cluster, const NodeId& id, const std::string& why) {
  EXPECT_FALSE(cluster.node(id).serving());
  const uint64_t refused = cluster.get(id, "key-1");
  cluster.settle();
  EXPECT_EQ(cluster.response(refused)->outcome, ClientOutcome::kQuorumFailed);
  EXPECT_NE(cluster.response(refused)->error.find(why), std::string::npos)
      << cluster.response(refused)->error;
}

TEST(MembershipChange, AFormedClusterIsEpochOneWithEveryNodeNormal) {
  TestCluster cluster(3);
  for (const NodeId& id : cluster.ids()) {
    const RingConfig& config = cluster.node(id).ring_config();
    EXPECT_EQ(config.epoch(), 1u);
    EXPECT_FALSE(config.changing());
    EXPECT_EQ(config.members().size(), 3u);
    EXPECT_TRUE(cluster.node(id).serving());
  }
}

TEST(MembershipChange, AJoiningNodeStreamsWhatItGainsThenServesIt) {
  TestCluster cluster(3);
  const std::map<Key, Value> before = write_all(cluster, {"n1", "n2", "n3"}, "a");
  ASSERT_EQ(before.size(), static_cast<size_t>(kKeys));
  cluster.add_node("n4", {"n2"});
  // Writes race with the join's stages (the first settle runs them all).
  const std::map<Key, Value> during = write_all(cluster, {"n1", "n2", "n3"}, "b");
  ASSERT_TRUE(cluster.advance_until(
      [&] {
        return cluster.node("n4").ring_keeper().self_state() == MemberState::kNormal &&
               !cluster.node("n1").ring_config().changing();
      },
      5000))
      << cluster.node("n1").ring_config().describe();
  const uint64_t epoch = cluster.node("n1").ring_config().epoch();
  EXPECT_EQ(epoch, 5u) << "formed at 1, then joint, streaming, reads switched, done";
  ASSERT_TRUE(cluster.advance_until([&] { return everyone_at(cluster, cluster.ids(), epoch); },
                                    2000));
  std::map<Key, Value> latest = before;
  for (const auto& [key, value] : during) latest[key] = value;
  size_t gained = 0;
  const RingConfig& config = cluster.node("n4").ring_config();
  for (const auto& [key, value] : latest) {
    const std::vector<NodeId> set = config.read_set(key, 3);
    if (std::find(set.begin(), set.end(), "n4") != set.end()) gained++;
  }
  EXPECT_GT(gained, static_cast<size_t>(kKeys) / 8) << "n4 owns a share of the keys";
  const RingKeeperCounters& counters = cluster.node("n4").ring_keeper().counters();
  EXPECT_GT(counters.stream_batches_received, 0u);
  EXPECT_EQ(cluster.node("n4").ring_keeper().progress().sources_done, 3u);
  ASSERT_EQ(during.size(), static_cast<size_t>(kKeys)) << "no write failed during the join";
  EXPECT_EQ(keys_missing_on_replicas(cluster, "n1", latest), 0u);
  expect_readable(cluster, "n4", latest);
  expect_readable(cluster, "n1", latest);
  EXPECT_FALSE(cluster.node("n4").rebuilding()) << "a joining node streams, it does not rebuild";
}

TEST(MembershipChange, ADecommissionedNodeStreamsItsRangesOutAndLeaves) {
  TestCluster cluster(4);
  const std::map<Key, Value> written = write_all(cluster, {"n1", "n2", "n3", "n4"}, "a");
  ASSERT_EQ(written.size(), static_cast<size_t>(kKeys));
  Result<RingConfig> begun = cluster.node("n3").begin_change(ChangeKind::kDecommission, "n3",
                                                             cluster.now_ms());
  ASSERT_TRUE(begun.ok()) << begun.status().to_string();
  // One change at a time: a second one is refused with the first one named.
  Result<RingConfig> second = cluster.node("n3").begin_change(ChangeKind::kRemove, "n4",
                                                              cluster.now_ms());
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().to_string().find("in progress"), std::string::npos)
      << second.status().to_string();
  const std::map<Key, Value> during = write_all(cluster, {"n1", "n2", "n4"}, "b");
  ASSERT_TRUE(cluster.advance_until([&] { return cluster.node("n3").ring_keeper().left(); }, 5000))
      << cluster.node("n3").ring_config().describe();
  expect_refuses_clients(cluster, "n3", "left the cluster");
  ASSERT_TRUE(cluster.advance_until(
      [&] {
        return !cluster.node("n1").ring_config().changing() &&
               !cluster.node("n2").ring_config().changing() &&
               !cluster.node("n4").ring_config().changing();
      },
      2000));
  EXPECT_EQ(cluster.node("n1").ring_config().find("n3")->state, MemberState::kLeft);
  std::map<Key, Value> latest = written;
  for (const auto& [key, value] : during) latest[key] = value;
  cluster.crash("n3");  // its process exits: nothing may depend on it any more
  EXPECT_EQ(keys_missing_on_replicas(cluster, "n1", latest), 0u);
  expect_readable(cluster, "n2", latest);
}

// A node keeps the entries of a range it stops replicating. When a later change makes it a
// replica of them again, whatever happened to those keys meanwhile is at their replicas; here
// the keys were deleted and their tombstones purged. The node drops its old entries before
// it takes that configuration, or the deleted values would answer reads again.
TEST(MembershipChange, ANodeThatRegainsARangeDropsWhatItHeldThereBefore) {
  TestCluster cluster(3);
  const std::vector<NodeId> first{"n1", "n2", "n3"};
  const std::map<Key, Value> written = write_all(cluster, first, "a");
  ASSERT_EQ(written.size(), static_cast<size_t>(kKeys));
  cluster.add_node("n4", {"n2"});
  ASSERT_TRUE(cluster.advance_until(
      [&] {
        return cluster.node("n4").ring_keeper().self_state() == MemberState::kNormal &&
               everyone_at(cluster, cluster.ids(), 5);
      },
      5000));
  // With four nodes each key has three replicas: one of n1..n3 lost it to n4.
  std::map<Key, NodeId> lost;
  for (const auto& [key, value] : written) {
    const std::vector<NodeId> set = cluster.node("n1").ring_config().read_set(key, 3);
    for (const NodeId& id : first) {
      if (std::find(set.begin(), set.end(), id) == set.end()) lost[key] = id;
    }
  }
  ASSERT_GT(lost.size(), static_cast<size_t>(kKeys) / 8);
  std::map<Key, uint64_t> deletes;
  for (const auto& [key, loser] : lost) {
    ASSERT_TRUE(cluster.stored(loser, key)) << loser << " keeps " << key << " (the space stays)";
    deletes[key] = cluster.del("n4", key);
  }
  cluster.settle();
  for (const auto& [key, request] : deletes) {
    ASSERT_EQ(cluster.response(request)->outcome, ClientOutcome::kOk) << key;
    // Every replica holds the tombstone: anti-entropy would purge it after the grace.
    for (const NodeId& id : cluster.node("n1").ring_config().read_set(key, 3)) {
      std::optional<Entry> held = cluster.stored(id, key);
      ASSERT_TRUE(held && held->tombstone) << id << " " << key;
      ASSERT_TRUE(cluster.store(id).purge(key, held->version).ok());
    }
  }
  // n4 leaves: every key goes back to n1..n3, each to the node that lost it.
  ASSERT_TRUE(
      cluster.node("n4").begin_change(ChangeKind::kDecommission, "n4", cluster.now_ms()).ok());
  ASSERT_TRUE(cluster.advance_until([&] { return cluster.node("n4").ring_keeper().left(); }, 5000));
  ASSERT_TRUE(cluster.advance_until(
      [&] { return everyone_at(cluster, first, 9); }, 2000));
  uint64_t dropped = 0;
  for (const NodeId& id : first) {
    dropped += cluster.node(id).metrics().regained_entries_dropped;
  }
  EXPECT_EQ(dropped, lost.size());
  std::map<Key, uint64_t> reads;
  for (const auto& [key, loser] : lost) {
    EXPECT_FALSE(cluster.stored(loser, key)) << loser << " still holds " << key;
    reads[key] = cluster.get("n1", key);
  }
  cluster.settle();
  size_t resurrected = 0;
  for (const auto& [key, request] : reads) {
    if (cluster.response(request)->outcome != ClientOutcome::kNotFound) resurrected++;
  }
  EXPECT_EQ(resurrected, 0u) << "deleted keys answer again";
}

// Throttled, a join streams over many steps; halfway its byte total is an estimate from
// the share of their keys the sources have scanned, exact once every source is done.
TEST(MembershipChange, StreamProgressEstimatesItsTotalAndEndsExact) {
  Config config = TestCluster::default_config();
  config.stream_batch_bytes = 256;
  config.stream_max_bytes_per_s = 20'000;
  TestCluster cluster(3, config);
  write_all(cluster, {"n1", "n2", "n3"}, "a");
  cluster.add_node("n4", {"n2"});
  ASSERT_TRUE(cluster.advance_until(
      [&] {
        const StreamProgress p = cluster.node("n4").ring_keeper().progress();
        return p.sources_done < p.sources_total && p.entries_received >= 10;
      },
      5000));
  const StreamProgress halfway = cluster.node("n4").ring_keeper().progress();
  EXPECT_GT(halfway.bytes_total, halfway.bytes_received);
  ASSERT_TRUE(cluster.advance_until(
      [&] { return cluster.node("n4").ring_keeper().self_state() == MemberState::kNormal; },
      30000));
  // The last stages reset nothing: the counts stay those of the streaming stage.
  const StreamProgress finished = cluster.node("n4").ring_keeper().progress();
  EXPECT_EQ(finished.bytes_total, finished.bytes_received);
  EXPECT_GE(finished.bytes_total, halfway.bytes_received);
  EXPECT_LE(halfway.bytes_total, 4 * finished.bytes_total) << "a rough estimate, not a wild one";
}

// Scaled down and up again (a StatefulSet's pod ids are fixed): the id that left joins
// again on a fresh disk, and its writes stamp above its earlier life's.
TEST(MembershipChange, AnIdThatLeftJoinsAgainOnAFreshDisk) {
  TestCluster cluster(3);
  cluster.add_node("n4", {"n1"});
  ASSERT_TRUE(cluster.advance_until(
      [&] { return cluster.node("n4").ring_keeper().self_state() == MemberState::kNormal; },
      5000));
  const uint64_t first = cluster.submit("n4", ClientRequest{ClientOp::kPut, "k", "first", 1});
  cluster.settle();
  ASSERT_EQ(cluster.response(first)->outcome, ClientOutcome::kOk);
  ASSERT_TRUE(cluster.node("n4").begin_change(ChangeKind::kDecommission, "n4", cluster.now_ms())
                  .ok());
  ASSERT_TRUE(cluster.advance_until([&] { return cluster.node("n4").ring_keeper().left(); }, 5000));
  cluster.wipe("n4");  // a new volume under the same id
  ASSERT_TRUE(cluster.advance_until(
      [&] {
        return cluster.node("n4").ring_keeper().self_state() == MemberState::kNormal &&
               !cluster.node("n1").ring_config().changing();
      },
      5000))
      << cluster.node("n4").ring_config().describe();
  const uint64_t second = cluster.submit("n4", ClientRequest{ClientOp::kPut, "k", "second", 1});
  cluster.settle();
  ASSERT_EQ(cluster.response(second)->outcome, ClientOutcome::kOk);
  EXPECT_GT(cluster.response(second)->version, cluster.response(first)->version);
  expect_readable(cluster, "n2", {{"k", "second"}});
}

TEST(MembershipChange, ARemovedDeadNodesRangesAreCopiedFromTheSurvivors) {
  TestCluster cluster(4);
  const std::map<Key, Value> written = write_all(cluster, {"n1", "n2", "n3", "n4"}, "a");
  cluster.crash("n4");
  // Until the cluster marks it down, n4 may be running: a removal is refused.
  Result<RingConfig> early =
      cluster.node("n1").begin_change(ChangeKind::kRemove, "n4", cluster.now_ms());
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.status().code(), StatusCode::kConflict) << early.status().to_string();
  EXPECT_NE(early.status().message().find("decommission a running node"), std::string::npos);
  ASSERT_TRUE(cluster.advance_until(
      [&] { return cluster.node("n1").membership().status_of("n4") == MemberStatus::kDown; },
      30000));
  Result<RingConfig> begun =
      cluster.node("n1").begin_change(ChangeKind::kRemove, "n4", cluster.now_ms());
  ASSERT_TRUE(begun.ok()) << begun.status().to_string();
  ASSERT_TRUE(cluster.advance_until(
      [&] {
        for (const NodeId& id : {"n1", "n2", "n3"}) {
          if (cluster.node(id).ring_config().changing() ||
              cluster.node(id).ring_config().find("n4")) {
            return false;
          }
        }
        return true;
      },
      5000))
      << cluster.node("n1").ring_config().describe();
  EXPECT_EQ(cluster.node("n1").ring_keeper().counters().removals_completed, 1u);
  EXPECT_EQ(keys_missing_on_replicas(cluster, "n1", written), 0u);
  expect_readable(cluster, "n3", written);
}

// A crash of the joining node in the middle of streaming: it picks its streams up from
// its durable cursors and the join completes.
TEST(MembershipChange, AJoinSurvivesACrashOfTheJoiningNode) {
  Config config = TestCluster::default_config();
  config.stream_batch_bytes = 64;  // many small batches: the crash lands mid-stream
  TestCluster cluster(3, config);
  const std::map<Key, Value> written = write_all(cluster, {"n1", "n2", "n3"}, "a");
  cluster.add_node("n4", {"n1"});
  // Deliver message rounds one at a time until n4 received some stream batches.
  ASSERT_TRUE(cluster.advance_until(
      [&] { return cluster.node("n4").ring_keeper().counters().stream_batches_received > 0; },
      2000, 1));
  cluster.crash("n4");
  cluster.advance(500);
  cluster.restart("n4");
  ASSERT_TRUE(cluster.advance_until(
      [&] { return cluster.node("n4").ring_keeper().self_state() == MemberState::kNormal; }, 5000))
      << cluster.node("n4").ring_config().describe();
  EXPECT_GT(cluster.node("n4").ring_keeper().counters().stream_resumed, 0u);
  ASSERT_TRUE(cluster.advance_until(
      [&] { return !cluster.node("n1").ring_config().changing(); }, 2000));
  EXPECT_EQ(keys_missing_on_replicas(cluster, "n1", written), 0u);
  expect_readable(cluster, "n4", written);
}

// A replica request stamped with an older epoch is refused, and the coordinator moves the
// operation to the new configuration instead of failing it.
TEST(MembershipChange, AStaleEpochRequestIsRefusedAndTheCoordinatorCatchesUp) {
  TestCluster cluster(3);
  const NodeId& stale = "n1";
  cluster.isolate(stale);
  cluster.add_node("n4", {"n2"});
  ASSERT_TRUE(cluster.advance_until(
      [&] { return cluster.node("n2").ring_config().stage() == ChangeStage::kJoint; }, 2000, 1));
  // The joint stage waits for n1's acknowledgement; n1 still has epoch 1.
  EXPECT_EQ(cluster.node(stale).ring_config().epoch(), 1u);
  cluster.heal();
  const uint64_t put = cluster.put(stale, "key-1", "v");
  cluster.settle();
  ASSERT_TRUE(cluster.response(put).has_value());
  EXPECT_EQ(cluster.response(put)->outcome, ClientOutcome::kOk)
      << cluster.response(put)->error;
  EXPECT_GT(cluster.node("n2").metrics().epoch_refusals_sent +
                cluster.node("n3").metrics().epoch_refusals_sent,
            0u);
  EXPECT_GT(cluster.node(stale).ring_config().epoch(), 1u);
}

// A node cut off long enough to be marked down is removed while it still runs (an
// operator's mistake, or a partition that looked like a death). When the partition heals
// it still holds the old ring: no replica may serve its requests at that epoch (they
// would be acknowledged by the old replica sets), and it learns it was removed and stops
// serving clients.
TEST(MembershipChange, ARemovedNodeThatWasOnlyCutOffStopsServingWhenItHearsTheRing) {
  TestCluster cluster(4);
  write_all(cluster, {"n1", "n2", "n3", "n4"}, "a");
  const uint64_t old_epoch = cluster.node("n4").ring_config().epoch();
  cluster.isolate("n4");
  ASSERT_TRUE(cluster.advance_until(
      [&] { return cluster.node("n1").membership().status_of("n4") == MemberStatus::kDown; },
      30000));
  ASSERT_TRUE(cluster.node("n1").begin_change(ChangeKind::kRemove, "n4", cluster.now_ms()).ok());
  ASSERT_TRUE(cluster.advance_until(
      [&] {
        return !cluster.node("n1").ring_config().changing() &&
               !cluster.node("n1").ring_config().find("n4");
      },
      10000))
      << cluster.node("n1").ring_config().describe();
  EXPECT_EQ(cluster.node("n4").ring_config().epoch(), old_epoch) << "n4 heard nothing";
  cluster.heal();
  // A write through the removed node, at the ring it still holds.
  const uint64_t zombie = cluster.submit("n4", ClientRequest{ClientOp::kPut, "key-1", "zombie", 2});
  cluster.settle();
  ASSERT_TRUE(cluster.response(zombie).has_value());
  if (cluster.response(zombie)->outcome == ClientOutcome::kOk) {
    // Acknowledged: then by a quorum of the key's replicas in the new ring.
    const Version version = cluster.response(zombie)->version;
    size_t holders = 0;
    for (const NodeId& id : cluster.node("n1").ring_config().read_set("key-1", 3)) {
      const std::optional<Entry> entry = cluster.stored(id, "key-1");
      if (entry && entry->version >= version) holders++;
    }
    EXPECT_GE(holders, 2u);
  }
  ASSERT_TRUE(cluster.advance_until(
      [&] { return cluster.node("n4").ring_keeper().self_state() == MemberState::kRemoved; },
      5000))
      << cluster.node("n4").ring_config().describe();
  expect_refuses_clients(cluster, "n4", "removed");
  EXPECT_GT(cluster.node("n1").ring_keeper().counters().requests_refused_stale_epoch +
                cluster.node("n2").ring_keeper().counters().requests_refused_stale_epoch +
                cluster.node("n3").ring_keeper().counters().requests_refused_stale_epoch,
            0u);
}

}  // namespace
}  // namespace ringkv::testing
