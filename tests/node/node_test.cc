// Node write/read paths over the in-test cluster harness.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "tests/node/cluster_harness.h"

namespace ringkv::testing {
namespace {

TEST(NodeWrite, SucceedsWithOneReplicaDown) {
  TestCluster cluster(3);
  cluster.crash("n3");
  uint64_t put = cluster.put("n1", "k", "v1");
  cluster.settle();
  auto response = cluster.response(put);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->outcome, ClientOutcome::kOk) << response->error;
  EXPECT_EQ(response->version.node_id, "n1");
  EXPECT_EQ(cluster.stored("n2", "k")->value, "v1");
  EXPECT_FALSE(cluster.stored("n3", "k").has_value());

  uint64_t get = cluster.get("n2", "k");
  cluster.settle();
  ASSERT_TRUE(cluster.response(get).has_value());
  EXPECT_EQ(cluster.response(get)->outcome, ClientOutcome::kOk);
  EXPECT_EQ(cluster.response(get)->value, "v1");
  EXPECT_EQ(cluster.response(get)->version, response->version);
}

TEST(NodeWrite, FailsInItsVersionQueryWithTwoReplicasDownAndStoresNothing) {
  TestCluster cluster(3);
  cluster.crash("n2");
  cluster.crash("n3");
  uint64_t put = cluster.put("n1", "k", "v1");
  cluster.settle();
  EXPECT_FALSE(cluster.response(put).has_value()) << "must wait for the deadline";
  cluster.advance(600);
  auto response = cluster.response(put);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->outcome, ClientOutcome::kQuorumFailed);
  EXPECT_EQ(response->acks, 0u);
  EXPECT_EQ(response->required, 2u);
  EXPECT_NE(response->error.find("version query answered by 1 of the 2"), std::string::npos)
      << response->error;
  EXPECT_TRUE(response->version.is_zero()) << "nothing was stamped";
  EXPECT_FALSE(cluster.stored("n1", "k").has_value()) << "the write took effect nowhere";
  EXPECT_EQ(cluster.node("n1").metrics().hints_stored, 0u);
}

TEST(NodeWrite, FailsAtOnceWith507WhenFullDisksLeaveTooFewReplicas) {
  TestCluster cluster(3);
  cluster.raw_store("n2").set_full(true);
  cluster.raw_store("n3").set_full(true);
  uint64_t put = cluster.put("n1", "k", "v1");
  cluster.settle();
  auto response = cluster.response(put);
  ASSERT_TRUE(response.has_value()) << "refusals end the write before its deadline";
  EXPECT_EQ(response->outcome, ClientOutcome::kInsufficientStorage);
  EXPECT_NE(response->error.find("the disks of n2, n3 are full"), std::string::npos)
      << response->error;
  EXPECT_FALSE(response->version.is_zero()) << "stamped: it may take effect where stored";
  EXPECT_EQ(response->required, 2u);
  EXPECT_EQ(cluster.node("n1").metrics().writes_refused_no_space, 2u);
  EXPECT_GE(cluster.node("n1").metrics().hints_stored, 2u) << "indeterminate, like a 503";
  EXPECT_FALSE(cluster.stored("n2", "k").has_value());

  // One full disk leaves two replicas for W=2: the write succeeds.
  cluster.raw_store("n3").set_full(false);
  uint64_t second = cluster.put("n1", "k", "v2");
  cluster.settle();
  ASSERT_TRUE(cluster.response(second).has_value());
  EXPECT_EQ(cluster.response(second)->outcome, ClientOutcome::kOk)
      << cluster.response(second)->error;

  // ... but not W=3, and the coordinator does not wait for its deadline to say so.
  ClientRequest all{ClientOp::kPut, "k", "v3", 3u, std::nullopt, std::nullopt};
  uint64_t third = cluster.submit("n1", all);
  cluster.settle();
  ASSERT_TRUE(cluster.response(third).has_value());
  EXPECT_EQ(cluster.response(third)->outcome, ClientOutcome::kInsufficientStorage);
  EXPECT_NE(cluster.response(third)->error.find("the disk of n2 is full"), std::string::npos)
      << cluster.response(third)->error;
}

TEST(NodeWrite, FailedWriteAfterItsQueryCarriesItsStampAndLeavesHints) {
  // N=3 with one replica answering queries but not writes: W=3 cannot be reached.
  TestCluster cluster(3);
  ClientRequest request{ClientOp::kPut, "k", "v", 3u, std::nullopt, std::nullopt};
  cluster.crash("n3");
  uint64_t put = cluster.submit("n1", request);
  cluster.advance(600);
  auto response = cluster.response(put);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->outcome, ClientOutcome::kQuorumFailed);
  EXPECT_EQ(response->acks, 2u);
  EXPECT_EQ(response->required, 3u);
  EXPECT_EQ(response->version.node_id, "n1") << "the stamp it may still take effect at";
  EXPECT_EQ(cluster.stored("n2", "k")->version, response->version);
  EXPECT_EQ(cluster.node("n1").metrics().hints_stored, 1u);
}

TEST(NodeWrite, PerRequestQuorumOfOneSucceedsAlone) {
  TestCluster cluster(3);
  cluster.crash("n2");
  cluster.crash("n3");
  ClientRequest request{ClientOp::kPut, "k", "v", 1u, std::nullopt, std::nullopt};
  uint64_t put = cluster.submit("n1", request);
  cluster.settle();
  ASSERT_TRUE(cluster.response(put).has_value());
  EXPECT_EQ(cluster.response(put)->outcome, ClientOutcome::kOk);
  EXPECT_EQ(cluster.node("n1").metrics().version_queries, 0u) << "a weak write skips the query";
}

TEST(NodeWrite, ConcurrentWritesThroughDifferentCoordinatorsGetDistinctOrderedVersions) {
  for (uint64_t seed : {1u, 2u, 3u, 4u}) {
    TestCluster cluster(3, TestCluster::default_config(), seed);
    cluster.set_reorder(true);
    uint64_t a = cluster.put("n1", "k", "a");
    uint64_t b = cluster.put("n2", "k", "b");
    uint64_t c = cluster.put("n3", "k", "c");
    cluster.settle();
    std::map<Version, Value> by_version;
    for (auto [id, value] : {std::pair{a, "a"}, {b, "b"}, {c, "c"}}) {
      ASSERT_EQ(cluster.response(id)->outcome, ClientOutcome::kOk) << cluster.response(id)->error;
      EXPECT_TRUE(by_version.emplace(cluster.response(id)->version, value).second)
          << "two writes share version " << cluster.response(id)->version.to_string();
    }
    const auto& [highest, winner] = *by_version.rbegin();
    for (const NodeId& id : cluster.ids()) {
      EXPECT_EQ(cluster.stored(id, "k")->version, highest) << id;
      EXPECT_EQ(cluster.stored(id, "k")->value, winner) << id;
    }
    uint64_t get = cluster.get("n2", "k");
    cluster.settle();
    EXPECT_EQ(cluster.response(get)->value, winner);
    EXPECT_EQ(cluster.response(get)->version, highest);
  }
}

TEST(NodeWrite, DuplicatesAndReorderingChangeNothing) {
  TestCluster cluster(3);
  cluster.set_duplicate_all(true);
  cluster.set_reorder(true);
  uint64_t first = cluster.put("n1", "k", "a");
  cluster.settle();
  uint64_t second = cluster.put("n2", "k", "b");
  cluster.settle();
  ASSERT_EQ(cluster.response(first)->outcome, ClientOutcome::kOk);
  ASSERT_EQ(cluster.response(second)->outcome, ClientOutcome::kOk);
  EXPECT_GT(cluster.response(second)->version, cluster.response(first)->version);
  for (const NodeId& id : cluster.ids()) {
    auto entry = cluster.stored(id, "k");
    ASSERT_TRUE(entry.has_value()) << id;
    EXPECT_EQ(entry->value, "b") << id;
    EXPECT_EQ(entry->version, cluster.response(second)->version) << id;
  }
}

TEST(NodeWrite, DuplicateAcksAreNotCountedTwice) {
  // With only one replica reachable, a re-delivered ack must not make W=2.
  TestCluster cluster(3);
  cluster.set_duplicate_all(true);
  cluster.crash("n2");
  cluster.crash("n3");
  uint64_t put = cluster.put("n1", "k", "v");
  cluster.settle();
  EXPECT_FALSE(cluster.response(put).has_value());
}

// Finds a key whose preference list (N=3) on `ring` leaves out `outsider`.
Key key_not_owned_by(const Ring& ring, const NodeId& outsider) {
  for (int i = 0;; ++i) {
    Key key = "key-" + std::to_string(i);
    auto list = ring.preference_list(key, 3);
    if (std::find(list.begin(), list.end(), outsider) == list.end()) return key;
  }
}

Key key_not_owned_by(TestCluster& cluster, const NodeId& outsider) {
  return key_not_owned_by(cluster.node(outsider).ring(), outsider);
}

TEST(NodeWrite, LaterWriteFromLaggingCoordinatorWinsThroughItsVersionQuery) {
  TestCluster cluster(5);
  const Key key = key_not_owned_by(cluster, "n5");
  // The replicas of `key` see 30 writes: their counters run far ahead of n5's.
  uint64_t last = 0;
  for (int i = 0; i < 30; ++i) {
    last = cluster.put("n1", key, "old-" + std::to_string(i));
    cluster.settle();
  }
  ASSERT_EQ(cluster.response(last)->outcome, ClientOutcome::kOk);
  const Version completed = cluster.response(last)->version;
  EXPECT_LT(cluster.node("n5").lamport(), completed.counter);

  uint64_t late = cluster.put("n5", key, "new");
  cluster.settle();
  auto response = cluster.response(late);
  ASSERT_TRUE(response.has_value());
  ASSERT_EQ(response->outcome, ClientOutcome::kOk) << response->error;
  EXPECT_GT(response->version, completed) << "stamped once, above what the query saw";
  EXPECT_EQ(cluster.node("n5").metrics().version_queries, 1u);
  EXPECT_EQ(cluster.node("n5").metrics().writes_superseded, 0u);
  uint64_t get = cluster.get("n1", key);
  cluster.settle();
  EXPECT_EQ(cluster.response(get)->value, "new");
}

// Regression (kvsim seeds 129, 182): a restarted coordinator restarted its Lamport counter
// and stamped a second, different write with a version it had already used; replicas took
// it for a duplicate. The durable counter lease prevents reuse.
TEST(NodeWrite, RestartedCoordinatorNeverReusesAVersion) {
  Config config = TestCluster::default_config();
  config.replication_factor = 1;
  config.write_quorum = 1;
  config.read_quorum = 1;
  TestCluster cluster(1, config);
  uint64_t first = cluster.put("n1", "k", "a");
  cluster.settle();
  ASSERT_EQ(cluster.response(first)->outcome, ClientOutcome::kOk);
  cluster.crash("n1");
  cluster.restart("n1");
  uint64_t second = cluster.put("n1", "k", "b");
  cluster.settle();
  ASSERT_EQ(cluster.response(second)->outcome, ClientOutcome::kOk);
  EXPECT_GT(cluster.response(second)->version, cluster.response(first)->version);
  EXPECT_EQ((*cluster.store("n1").get("k"))->value, "b");
}

// The coordinator side of a superseded write, message by message: n1 stamps above its
// query answers, one replica already holds a newer version and says so, and its ack still
// counts toward W (the write is ordered just before the newer one).
TEST(NodeWrite, SupersededAckCountsTowardTheQuorum) {
  MemoryStore store;
  Node node(NodeIdentity{"n1", "n1:0", 0}, TestCluster::default_config(),
            {Peer{"n2", "n2:0"}, Peer{"n3", "n3:0"}}, store, Prng(1), 0);
  form_alone(node, {"n2", "n3"}, 0);
  node.on_client_request(7, ClientRequest{ClientOp::kPut, "k", "v"}, 0);
  std::map<NodeId, uint64_t> query_op;
  for (const Envelope& envelope : node.take_messages()) {
    if (auto* query = std::get_if<VersionQuery>(&envelope.message.body)) {
      query_op[envelope.to] = query->op;
    }
  }
  ASSERT_EQ(query_op.size(), 1u) << "n1 answers itself; one peer more makes ceil(3/2)";
  const auto [queried, op] = *query_op.begin();
  node.on_message(Message{queried, 3, VersionQueryReply{op, true, Version{5, "n3"}}, 1}, 1);
  uint64_t write_op = 0;
  Version stamped;
  for (const Envelope& envelope : node.take_messages()) {
    if (auto* write = std::get_if<ReplicaWrite>(&envelope.message.body)) {
      write_op = write->op;
      stamped = write->entry.version;
    }
  }
  ASSERT_NE(write_op, 0u) << "two query answers (n1's own and a peer's) are enough to stamp";
  EXPECT_EQ(stamped, (Version{6, "n1"})) << "observed 5.n3, then ticked once";
  node.on_message(Message{"n2", 9, ReplicaWriteAck{write_op, true, Version{9, "n3"}, true}, 1}, 2);
  EXPECT_TRUE(node.take_replies().empty()) << "one ack of the two needed";
  node.on_message(Message{"n3", 9, ReplicaWriteAck{write_op, true, stamped, false}, 1}, 3);
  auto replies = node.take_replies();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].response.outcome, ClientOutcome::kOk);
  EXPECT_EQ(replies[0].response.version, stamped) << "never re-stamped";
  EXPECT_EQ(node.metrics().writes_superseded, 1u);
}

TEST(NodeWrite, VersionQueryAsksTheOtherReplicasAfterTheHedgeDelay) {
  for (uint64_t hedge_ms : {0u, 5u}) {
    Config config = TestCluster::default_config();
    config.version_query_hedge_ms = hedge_ms;
    MemoryStore store;
    Node node(NodeIdentity{"n1", "n1:0", 0}, config, {Peer{"n2", "n2:0"}, Peer{"n3", "n3:0"}},
              store, Prng(1), 100);
    form_alone(node, {"n2", "n3"}, 100);
    node.on_tick(100);  // the first gossip round
    node.take_messages();
    node.on_client_request(7, ClientRequest{ClientOp::kPut, "k", "v"}, 100);
    auto queried = [&node]() {
      std::set<NodeId> to;
      for (const Envelope& envelope : node.take_messages()) {
        if (std::holds_alternative<VersionQuery>(envelope.message.body)) to.insert(envelope.to);
      }
      return to;
    };
    if (hedge_ms == 0) {
      EXPECT_EQ(queried().size(), 2u) << "without a hedge every replica is asked at once";
      continue;
    }
    EXPECT_EQ(queried().size(), 1u);
    EXPECT_EQ(node.next_tick_ms(), 100 + hedge_ms);
    node.on_tick(100 + hedge_ms - 1);
    EXPECT_TRUE(queried().empty());
    node.on_tick(100 + hedge_ms);
    EXPECT_EQ(queried().size(), 1u) << "the other peer, after the hedge delay";
    EXPECT_EQ(node.metrics().version_query_hedges, 1u);
  }
}

TEST(NodeWrite, VersionQueriesAreAnsweredWithoutASync) {
  MemoryStore store;
  ASSERT_TRUE(RingOrderedStore(store).apply("k", Entry{Version{9, "n3"}, false, "held"}).ok());
  Node node(NodeIdentity{"n2", "n2:0", 0}, TestCluster::default_config(),
            {Peer{"n1", "n1:0"}, Peer{"n3", "n3:0"}}, store, Prng(1), 0);
  form_alone(node, {"n1", "n3"}, 0);
  node.on_message(Message{"n1", 4, VersionQuery{11, "k"}, 1}, 0);
  node.on_message(Message{"n1", 4, VersionQuery{12, "never-written"}, 1}, 0);
  auto out = node.take_messages();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(std::get<VersionQueryReply>(out[0].message.body),
            (VersionQueryReply{11, true, Version{9, "n3"}}));
  EXPECT_EQ(std::get<VersionQueryReply>(out[1].message.body), (VersionQueryReply{12, true, {}}));
  EXPECT_GE(out[0].message.lamport, 4u);
}

TEST(NodeRead, ReadRepairLeavesAnsweringReplicasEqual) {
  TestCluster cluster(3);
  uint64_t first = cluster.put("n1", "k", "v1");
  cluster.settle();
  ASSERT_EQ(cluster.response(first)->outcome, ClientOutcome::kOk);
  cluster.isolate("n3");  // n3 misses v2
  uint64_t second = cluster.put("n1", "k", "v2");
  cluster.settle();
  ASSERT_EQ(cluster.response(second)->outcome, ClientOutcome::kOk);
  EXPECT_EQ(cluster.stored("n3", "k")->value, "v1");
  cluster.heal();
  cluster.isolate("n2");  // the read must be answered by n1 (v2) and n3 (v1)
  uint64_t get = cluster.get("n1", "k");
  cluster.settle();
  auto response = cluster.response(get);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->outcome, ClientOutcome::kOk);
  EXPECT_EQ(response->value, "v2");
  EXPECT_EQ(cluster.stored("n3", "k"), cluster.stored("n1", "k"));
  EXPECT_GE(cluster.node("n1").metrics().read_write_backs, 1u);
}

TEST(NodeRead, StrongReadWritesBackUntilAMajorityHoldsTheValue) {
  TestCluster cluster(3);
  cluster.isolate("n3");  // n1 and n2 hold v1, n3 nothing
  uint64_t put = cluster.put("n1", "k", "v1");
  cluster.settle();
  ASSERT_EQ(cluster.response(put)->outcome, ClientOutcome::kOk);
  cluster.heal();
  cluster.cut("n3", "n1");  // n3 hears only itself (nothing) and n2 (v1)
  uint64_t get = cluster.get("n3", "k");
  cluster.settle();
  auto response = cluster.response(get);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->outcome, ClientOutcome::kOk) << response->error;
  EXPECT_EQ(response->value, "v1");
  EXPECT_GE(cluster.node("n3").metrics().read_write_backs, 1u);
  EXPECT_EQ(cluster.stored("n3", "k")->version, cluster.response(put)->version)
      << "written back to a second replica before the answer";
}

// The coordinator side of a strong read whose write-back meets a newer version (kvsim seed
// 977): it must not count that replica as a holder of its older winner; it reads again and
// returns the newer value.
TEST(NodeRead, WriteBackMeetingANewerVersionReadsAgain) {
  MemoryStore store;
  Node node(NodeIdentity{"n1", "n1:0", 0}, TestCluster::default_config(),
            {Peer{"n2", "n2:0"}, Peer{"n3", "n3:0"}, Peer{"n4", "n4:0"}}, store, Prng(1), 0);
  form_alone(node, {"n2", "n3", "n4"}, 0);
  const Key key = key_not_owned_by(node.ring(), "n1");  // n1 coordinates, does not replicate
  const std::vector<NodeId> replicas = node.ring().preference_list(key, 3);
  auto read_op = [&]() {
    uint64_t op = 0;
    for (const Envelope& envelope : node.take_messages()) {
      if (auto* read = std::get_if<ReplicaRead>(&envelope.message.body)) op = read->op;
    }
    return op;
  };
  node.on_client_request(7, ClientRequest{ClientOp::kGet, key}, 0);
  const uint64_t first = read_op();
  ASSERT_NE(first, 0u);
  const Entry older{Version{5, "n3"}, false, "older"};
  const Entry newer{Version{5, "n4"}, false, "newer"};
  node.on_message(Message{replicas[0], 5, ReplicaReadReply{first, true, older}, 1}, 1);
  node.on_message(Message{replicas[1], 5, ReplicaReadReply{first, true, std::nullopt}, 1}, 1);
  node.take_messages();  // write-backs of "older" to replicas 1 and 2
  // Replica 1 got the newer version meanwhile: it holds something newer, not "older".
  node.on_message(Message{replicas[1], 5, ReplicaWriteAck{first, true, newer.version, true}, 1}, 2);
  EXPECT_TRUE(node.take_replies().empty()) << "a newer version exists: not an answer yet";
  const uint64_t second = read_op();
  ASSERT_NE(second, 0u) << "read again";
  EXPECT_NE(second, first);
  EXPECT_EQ(node.metrics().read_restarts, 1u);
  // A late ack of the first round is ignored.
  node.on_message(Message{replicas[2], 5, ReplicaWriteAck{first, true, older.version, false}, 1}, 3);
  EXPECT_TRUE(node.take_replies().empty());
  node.on_message(Message{replicas[0], 5, ReplicaReadReply{second, true, newer}, 1}, 3);
  node.on_message(Message{replicas[1], 5, ReplicaReadReply{second, true, newer}, 1}, 3);
  auto replies = node.take_replies();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].response.value, "newer");
  EXPECT_EQ(replies[0].response.version, newer.version);
}

// Under write contention a strong read's write-back meets a newer version; the ack carries
// the newer entry, which becomes the winner at once (no second read round), written back
// in turn, and answered once a majority holds exactly it.
TEST(NodeRead, WriteBackAckWithTheNewerEntryMakesItTheWinner) {
  MemoryStore store;
  Node node(NodeIdentity{"n1", "n1:0", 0}, TestCluster::default_config(),
            {Peer{"n2", "n2:0"}, Peer{"n3", "n3:0"}, Peer{"n4", "n4:0"}}, store, Prng(1), 0);
  form_alone(node, {"n2", "n3", "n4"}, 0);
  const Key key = key_not_owned_by(node.ring(), "n1");  // n1 coordinates, does not replicate
  const std::vector<NodeId> replicas = node.ring().preference_list(key, 3);
  node.on_client_request(7, ClientRequest{ClientOp::kGet, key}, 0);
  uint64_t op = 0;
  for (const Envelope& envelope : node.take_messages()) {
    if (auto* read = std::get_if<ReplicaRead>(&envelope.message.body)) op = read->op;
  }
  const Entry older{Version{5, "n3"}, false, "older"};
  const Entry newer{Version{5, "n4"}, false, "newer"};
  node.on_message(Message{replicas[0], 5, ReplicaReadReply{op, true, older}, 1}, 1);
  node.on_message(Message{replicas[1], 5, ReplicaReadReply{op, true, std::nullopt}, 1}, 1);
  node.take_messages();
  node.on_message(
      Message{replicas[1], 5, ReplicaWriteAck{op, true, newer.version, true, newer}, 1}, 2);
  EXPECT_TRUE(node.take_replies().empty()) << "only one replica holds the newer winner";
  int reads = 0, newer_write_backs = 0;
  for (const Envelope& envelope : node.take_messages()) {
    if (std::holds_alternative<ReplicaRead>(envelope.message.body)) reads++;
    if (auto* write = std::get_if<ReplicaWrite>(&envelope.message.body)) {
      if (write->entry == newer && write->op == op) newer_write_backs++;
    }
  }
  EXPECT_EQ(reads, 0) << "no second read round";
  EXPECT_EQ(newer_write_backs, 2) << "the newer winner goes to the two others";
  node.on_message(Message{replicas[0], 5, ReplicaWriteAck{op, true, newer.version, false}, 1}, 3);
  auto replies = node.take_replies();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].response.value, "newer");
  EXPECT_EQ(node.metrics().read_winner_changes, 1u);
  EXPECT_EQ(node.metrics().read_restarts, 0u);
}

TEST(NodeRead, WeakReadViaALoneLiveReplicaAnswersAtOnce) {
  TestCluster cluster(3);
  uint64_t put = cluster.put("n1", "k", "v");
  cluster.settle();
  ASSERT_EQ(cluster.response(put)->outcome, ClientOutcome::kOk);
  cluster.crash("n1");
  cluster.crash("n3");
  ClientRequest weak{ClientOp::kGet, "k", "", std::nullopt, 1u, std::nullopt};
  uint64_t get = cluster.submit("n2", weak);
  cluster.settle();  // no time passes: no deadline involved
  auto response = cluster.response(get);
  ASSERT_TRUE(response.has_value()) << "r=1 must not wait for replicas it did not ask for";
  EXPECT_EQ(response->outcome, ClientOutcome::kOk);
  EXPECT_EQ(response->value, "v");
  uint64_t strong = cluster.get("n2", "k");
  cluster.advance(600);
  ASSERT_TRUE(cluster.response(strong).has_value());
  EXPECT_EQ(cluster.response(strong)->outcome, ClientOutcome::kQuorumFailed);
}

TEST(NodeRead, DeleteReadsAsNotFound) {
  TestCluster cluster(3);
  cluster.put("n1", "k", "v");
  cluster.settle();
  uint64_t del = cluster.del("n2", "k");
  cluster.settle();
  ASSERT_EQ(cluster.response(del)->outcome, ClientOutcome::kOk);
  uint64_t get = cluster.get("n3", "k");
  cluster.settle();
  EXPECT_EQ(cluster.response(get)->outcome, ClientOutcome::kNotFound);
  EXPECT_EQ(cluster.response(get)->version, cluster.response(del)->version);
  EXPECT_TRUE(cluster.stored("n1", "k")->tombstone);
  uint64_t missing = cluster.get("n1", "never-written");
  cluster.settle();
  EXPECT_EQ(cluster.response(missing)->outcome, ClientOutcome::kNotFound);
}

TEST(NodeRead, FailsWhenQuorumUnreachable) {
  TestCluster cluster(3);
  cluster.isolate("n1");
  uint64_t get = cluster.get("n1", "k");
  cluster.advance(600);
  auto response = cluster.response(get);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->outcome, ClientOutcome::kQuorumFailed);
  EXPECT_EQ(response->acks, 1u);
  EXPECT_EQ(response->required, 2u);
}

TEST(NodeClient, BadRequestsNameTheProblem) {
  TestCluster cluster(3);
  struct Case {
    ClientRequest request;
    const char* expect;
  };
  std::vector<Case> cases = {
      {ClientRequest{ClientOp::kPut, "", "v"}, "key must not be empty"},
      {ClientRequest{ClientOp::kPut, std::string(1025, 'k'), "v"}, "max_key_bytes"},
      {ClientRequest{ClientOp::kPut, "k", std::string((1 << 20) + 1, 'v')}, "max_value_bytes"},
      {ClientRequest{ClientOp::kPut, "k", "v", 4u}, "w must be"},
      {ClientRequest{ClientOp::kGet, "k", "", std::nullopt, 0u}, "r must be"},
      {ClientRequest{ClientOp::kGet, "k", "", std::nullopt, std::nullopt, 0u}, "timeout_ms"},
  };
  for (const Case& c : cases) {
    uint64_t id = cluster.submit("n1", c.request);
    auto response = cluster.response(id);
    ASSERT_TRUE(response.has_value()) << c.expect;
    EXPECT_EQ(response->outcome, ClientOutcome::kBadRequest);
    EXPECT_NE(response->error.find(c.expect), std::string::npos) << response->error;
  }
}

TEST(NodeClient, OverloadIsRefusedWithItsLimitNamed) {
  Config config = TestCluster::default_config();
  config.max_inflight_requests = 2;
  TestCluster cluster(3, config);
  cluster.isolate("n1");
  cluster.put("n1", "a", "1");
  cluster.put("n1", "b", "1");
  uint64_t third = cluster.put("n1", "c", "1");
  ASSERT_TRUE(cluster.response(third).has_value());
  EXPECT_EQ(cluster.response(third)->outcome, ClientOutcome::kOverloaded);
  EXPECT_NE(cluster.response(third)->error.find("max_inflight_requests"), std::string::npos);
}

TEST(NodeCommit, ReplicaAnswersWaitForCommit) {
  MemoryStore store;
  Config config = TestCluster::default_config();
  Node node(NodeIdentity{"n2", "n2:0", 0}, config, {Peer{"n1", "n1:0"}, Peer{"n3", "n3:0"}},
            store, Prng(1), 0);
  form_alone(node, {"n1", "n3"}, 0);
  Message write{"n1", 5, ReplicaWrite{77, "k", Entry{Version{5, "n1"}, false, "v"}, true}, 1};
  node.on_message(write, 0);
  EXPECT_TRUE(node.take_messages().empty()) << "an ack left before the sync";
  EXPECT_TRUE(node.has_uncommitted());
  ASSERT_TRUE(node.commit(0).ok());
  auto out = node.take_messages();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].to, "n1");
  auto* ack = std::get_if<ReplicaWriteAck>(&out[0].message.body);
  ASSERT_NE(ack, nullptr);
  EXPECT_EQ(ack->op, 77u);
  EXPECT_TRUE(ack->accepted);
  EXPECT_GE(node.lamport(), 5u);
}

TEST(NodeCommit, OlderWriteIsSupersededNeverRefused) {
  MemoryStore store;
  ASSERT_TRUE(RingOrderedStore(store).apply("k", Entry{Version{9, "n3"}, false, "newer"}).ok());
  Node node(NodeIdentity{"n2", "n2:0", 0}, TestCluster::default_config(),
            {Peer{"n1", "n1:0"}, Peer{"n3", "n3:0"}}, store, Prng(1), 0);
  form_alone(node, {"n1", "n3"}, 0);
  node.on_message(Message{"n1", 4, ReplicaWrite{1, "k", Entry{Version{4, "n1"}, false, "x"}, true}, 1}, 0);
  node.on_message(Message{"n1", 4, ReplicaWrite{2, "k", Entry{Version{4, "n1"}, false, "x"}, false}, 1}, 0);
  node.on_message(Message{"n1", 9, ReplicaWrite{3, "k", Entry{Version{9, "n3"}, false, "newer"}, false}, 1}, 0);
  ASSERT_TRUE(node.commit(0).ok());
  auto out = node.take_messages();
  ASSERT_EQ(out.size(), 3u);
  for (size_t i = 0; i < 2; ++i) {
    auto ack = std::get<ReplicaWriteAck>(out[i].message.body);
    EXPECT_TRUE(ack.accepted);
    EXPECT_TRUE(ack.superseded);
    EXPECT_EQ(ack.current, (Version{9, "n3"}));
  }
  auto duplicate = std::get<ReplicaWriteAck>(out[2].message.body);
  EXPECT_TRUE(duplicate.accepted);
  EXPECT_FALSE(duplicate.superseded) << "it holds exactly this version";
  EXPECT_EQ((*RingOrderedStore(store).get("k"))->value, "newer");
}

TEST(NodeCommit, SealedAnswersWaitForTheirSyncAndLaterOnesForTheNextBatch) {
  MemoryStore store;
  Node node(NodeIdentity{"n2", "n2:0", 0}, TestCluster::default_config(),
            {Peer{"n1", "n1:0"}, Peer{"n3", "n3:0"}}, store, Prng(1), 0);
  form_alone(node, {"n1", "n3"}, 0);
  node.on_message(Message{"n1", 4, ReplicaWrite{1, "a", Entry{Version{4, "n1"}, false, "x"}, true}, 1}, 0);
  Result<uint64_t> first = node.seal_commit(0);
  ASSERT_TRUE(first.ok());
  ASSERT_NE(*first, 0u);
  EXPECT_FALSE(node.has_uncommitted()) << "the held answer moved into the sealed batch";
  // Applied after the seal: belongs to the next batch.
  node.on_message(Message{"n1", 5, ReplicaWrite{2, "b", Entry{Version{5, "n1"}, false, "y"}, true}, 1}, 0);
  EXPECT_TRUE(node.take_messages().empty()) << "nothing leaves before its sync";
  Result<uint64_t> second = node.seal_commit(0);
  ASSERT_TRUE(second.ok());
  ASSERT_NE(*second, *first);

  node.finish_commit(*first, Status(), 1);
  auto out = node.take_messages();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<ReplicaWriteAck>(out[0].message.body).op, 1u);

  node.finish_commit(*second, Status::io_error("disk gone"), 2);
  EXPECT_TRUE(node.take_messages().empty()) << "a failed sync drops its answers";
  EXPECT_EQ(node.metrics().answers_dropped_sync_failed, 1u);
  EXPECT_EQ(node.metrics().commits, 2u);
  Result<uint64_t> nothing = node.seal_commit(3);
  ASSERT_TRUE(nothing.ok());
  EXPECT_EQ(*nothing, 0u);
}

}  // namespace
}  // namespace ringkv::testing
