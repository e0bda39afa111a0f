// RingKeeper on its own: a few keepers on an in-memory bus with in-memory stores. A round
// ticks every keeper, delivers every message in order, then commits every node (held
// messages go out, on_commit). Covers forming, join, decommission, removal, two changes
// begun at once, a gainer that crashes mid-stream, and stale-epoch refusals.
#include <gtest/gtest.h>

#include <deque>
#include <memory>

#include "core/node/ring_keeper.h"
#include "core/prng.h"

namespace ringkv {
namespace {

constexpr size_t kN = 3;
constexpr uint64_t kRoundMs = 50;
constexpr int kMaxRounds = 4000;

std::string address_of(const NodeId& id) { return id + ":80"; }

struct Envelope {
  NodeId from, to;
  MessageBody body;
};

class Bus;

// One node: its store, what it persisted, and its keeper.
class TestNode final : public RingKeeperHost, public Outbox {
 public:
  TestNode(Bus& bus, NodeId id, std::vector<NodeId> seeds) : bus_(bus), id_(std::move(id)) {
    for (const NodeId& seed : seeds) seeds_.emplace_back(seed, address_of(seed));
    restart(0);
  }

  void restart(uint64_t now_ms) {
    held_.clear();
    RingKeeperOptions options;
    options.self = id_;
    options.address = address_of(id_);
    options.seeds = seeds_;
    options.replication_factor = kN;
    options.stream_batch_bytes = 64;  // a few entries per batch: streams take many steps
    keeper_ = std::make_unique<RingKeeper>(options, *this, *this, persisted_ring_, cursors_, now_ms);
  }

  RingKeeper& keeper() { return *keeper_; }
  const NodeId& id() const { return id_; }
  std::map<Key, Entry>& store() { return store_; }

  // RingKeeperHost
  Status prepare_ring(const RingConfig&, const RingConfig&) override {
    return Status::ok_status();
  }
  Status persist_ring(const RingDescription& ring) override {
    persisted_ring_ = ring;
    return Status::ok_status();
  }
  Status persist_cursor(const NodeId& source, const StreamCursor& cursor) override {
    cursors_[source] = cursor;
    return Status::ok_status();
  }
  Status scan_entries(const Key& cursor, bool from_start,
                      const std::function<bool(const Key&, const Entry&)>& visit) override {
    for (auto it = from_start ? store_.begin() : store_.upper_bound(cursor); it != store_.end();
         ++it) {
      if (!visit(it->first, it->second)) break;
    }
    return Status::ok_status();
  }
  uint64_t stored_key_count() const override { return store_.size(); }
  Status apply_streamed(const Key& key, const Entry& entry) override {
    auto [it, inserted] = store_.try_emplace(key, entry);
    if (!inserted && it->second.version < entry.version) it->second = entry;
    return Status::ok_status();
  }
  void ring_changed(const RingConfig&, const RingConfig&) override { ring_changes_++; }

  // Outbox
  uint64_t new_op() override { return next_op_++; }
  void send(const NodeId& to, MessageBody body) override;
  void hold(const NodeId& to, MessageBody body) override {
    held_.push_back(Envelope{id_, to, std::move(body)});
  }
  void commit();

  int ring_changes_ = 0;

 private:
  Bus& bus_;
  NodeId id_;
  std::vector<std::pair<NodeId, std::string>> seeds_;
  std::map<Key, Entry> store_;
  std::optional<RingDescription> persisted_ring_;
  std::map<NodeId, StreamCursor> cursors_;
  std::unique_ptr<RingKeeper> keeper_;
  std::vector<Envelope> held_;
  uint64_t next_op_ = 1;
};

class Bus {
 public:
  Bus() = default;
  Bus(const Bus&) = delete;  // its nodes hold a reference to it
  Bus& operator=(const Bus&) = delete;

  TestNode& add(const NodeId& id, std::vector<NodeId> seeds) {
    nodes_[id] = std::make_unique<TestNode>(*this, id, std::move(seeds));
    return *nodes_[id];
  }
  TestNode& node(const NodeId& id) { return *nodes_.at(id); }
  void post(Envelope envelope) { queue_.push_back(std::move(envelope)); }
  void set_down(const NodeId& id, bool down) {
    if (down) {
      down_.insert(id);
    } else {
      down_.erase(id);
    }
  }
  uint64_t now_ms() const { return now_ms_; }
  // Drops each message with probability `permille`/1000 (a seeded draw): lost
  // acknowledgements, configurations, stream requests and batches.
  void drop(uint32_t permille, uint64_t seed) {
    drop_permille_ = permille;
    drop_prng_ = Prng(seed);
  }

  void round() {
    now_ms_ += kRoundMs;
    for (auto& [id, node] : nodes_) {
      if (!down_.count(id)) node->keeper().tick(now_ms_);
    }
    // Every message a node sends carries its epoch (gossip at least every few rounds):
    // a node that missed a configuration learns there is a newer one and asks for it.
    if (++rounds_ % 4 == 0) {
      for (auto& [id, node] : nodes_) {
        for (auto& [other_id, other] : nodes_) {
          if (id == other_id || down_.count(id) || down_.count(other_id)) continue;
          node->keeper().observe_epoch(other_id, other->keeper().config().epoch());
        }
      }
    }
    // Deliver until quiet (bounded: every message is an answer to a bounded few).
    for (int step = 0; step < 100'000 && !queue_.empty(); ++step) {
      Envelope envelope = std::move(queue_.front());
      queue_.pop_front();
      if (down_.count(envelope.to) || down_.count(envelope.from) || !nodes_.count(envelope.to)) {
        continue;
      }
      if (drop_permille_ > 0 && drop_prng_.chance(drop_permille_)) continue;
      deliver(envelope);
      if (queue_.empty()) {
        for (auto& [id, node] : nodes_) {
          if (!down_.count(id)) node->commit();
        }
      }
    }
  }

  // Rounds until `done` holds (bounded); false if it never did.
  bool run_until(const std::function<bool()>& done) {
    for (int i = 0; i < kMaxRounds; ++i) {
      if (done()) return true;
      round();
    }
    return done();
  }

 private:
  void deliver(const Envelope& envelope) {
    RingKeeper& keeper = node(envelope.to).keeper();
    std::visit(
        [&](const auto& body) {
          using T = std::decay_t<decltype(body)>;
          if constexpr (std::is_same_v<T, RingState> || std::is_same_v<T, RingAck> ||
                        std::is_same_v<T, StreamRequest> || std::is_same_v<T, StreamBatch> ||
                        std::is_same_v<T, ChangeRequest>) {
            keeper.handle(envelope.from, body, now_ms_);
          }
        },
        envelope.body);
  }

  std::map<NodeId, std::unique_ptr<TestNode>> nodes_;
  std::deque<Envelope> queue_;
  std::set<NodeId> down_;
  uint64_t now_ms_ = 0;
  uint32_t drop_permille_ = 0;
  Prng drop_prng_{0};
  uint64_t rounds_ = 0;
};

void TestNode::send(const NodeId& to, MessageBody body) {
  bus_.post(Envelope{id_, to, std::move(body)});
}

void TestNode::commit() {
  for (Envelope& envelope : held_) bus_.post(std::move(envelope));
  held_.clear();
  keeper_->on_commit();
}

// `count` nodes that list each other form one configuration: epoch 1, all normal.
void form_cluster(Bus& bus, int count) {
  std::vector<NodeId> ids;
  for (int i = 1; i <= count; ++i) ids.push_back("n" + std::to_string(i));
  for (const NodeId& id : ids) {
    std::vector<NodeId> seeds;
    for (const NodeId& other : ids) {
      if (other != id) seeds.push_back(other);
    }
    bus.add(id, seeds);
  }
  EXPECT_TRUE(bus.run_until([&] {
    for (const NodeId& id : ids) {
      if (!bus.node(id).keeper().formed()) return false;
    }
    return true;
  }));
}

// Writes `count` keys to every replica of each (the placement of `config`).
void load_keys(Bus& bus, const RingConfig& config, int count) {
  for (int i = 0; i < count; ++i) {
    const Key key = "key-" + std::to_string(i);
    for (const NodeId& id : config.sets(key, kN).old_set) {
      bus.node(id).store()[key] = Entry{Version{static_cast<uint64_t>(i + 1), "n1"}, false,
                                        "value-" + std::to_string(i)};
    }
  }
}

// Every key is on every member of its replica set in `config` (which has no change).
void expect_every_key_placed(Bus& bus, const RingConfig& config, int count) {
  ASSERT_FALSE(config.changing());
  for (int i = 0; i < count; ++i) {
    const Key key = "key-" + std::to_string(i);
    for (const NodeId& id : config.sets(key, kN).new_set) {
      auto& store = bus.node(id).store();
      auto found = store.find(key);
      ASSERT_NE(found, store.end()) << key << " missing on " << id;
      EXPECT_EQ(found->second.value, "value-" + std::to_string(i));
    }
  }
}

std::string describe_all(Bus& bus, const std::vector<NodeId>& ids) {
  std::string text;
  for (const NodeId& id : ids) {
    const RingKeeper& keeper = bus.node(id).keeper();
    const StreamProgress progress = keeper.progress();
    text += id + ": " + keeper.config().describe() + " sources " +
            std::to_string(progress.sources_done) + "/" + std::to_string(progress.sources_total) +
            " entries " + std::to_string(progress.entries_received) + "\n";
  }
  return text;
}

bool settled(Bus& bus, const std::vector<NodeId>& ids, uint64_t epoch) {
  for (const NodeId& id : ids) {
    const RingConfig& config = bus.node(id).keeper().config();
    if (config.epoch() != epoch || config.changing()) return false;
  }
  return true;
}

TEST(RingKeeper, SeedsFormOneConfiguration) {
  Bus bus;
  form_cluster(bus, 3);
  const RingConfig& first = bus.node("n1").keeper().config();
  EXPECT_EQ(first.epoch(), 1u);
  EXPECT_EQ(first.members().size(), 3u);
  for (const char* id : {"n2", "n3"}) EXPECT_EQ(bus.node(id).keeper().config(), first);
}

TEST(RingKeeper, ANodeWhoseSeedsWouldFormAnotherClusterWaitsAndThenJoins) {
  Bus bus;
  bus.add("n4", {"n1"});  // up first: n1 answers "not formed" with members n1, n2, n3
  bus.add("n1", {"n2", "n3"});
  for (int i = 0; i < 20; ++i) bus.round();
  EXPECT_FALSE(bus.node("n4").keeper().formed());  // never a cluster of {n1, n4}
  bus.add("n2", {"n1", "n3"});
  bus.add("n3", {"n1", "n2"});
  ASSERT_TRUE(bus.run_until([&] { return settled(bus, {"n1", "n2", "n3", "n4"}, 5); }));
  EXPECT_EQ(bus.node("n4").keeper().self_state(), MemberState::kNormal);
}

TEST(RingKeeper, JoinStreamsTheGainedKeysAndEndsNormal) {
  Bus bus;
  form_cluster(bus, 3);
  load_keys(bus, bus.node("n1").keeper().config(), 200);
  bus.add("n4", {"n2"});
  ASSERT_TRUE(bus.run_until([&] { return settled(bus, {"n1", "n2", "n3", "n4"}, 5); }))
      << describe_all(bus, {"n1", "n2", "n3", "n4"});
  const StreamProgress finished = bus.node("n4").keeper().progress();
  EXPECT_EQ(finished.bytes_total, finished.bytes_received) << "exact once every source is done";
  const RingConfig& done = bus.node("n4").keeper().config();
  EXPECT_EQ(done.members().size(), 4u);
  EXPECT_EQ(bus.node("n2").keeper().counters().joins_completed, 1u);  // n2 owned it
  EXPECT_GT(bus.node("n4").keeper().progress().entries_received, 0u);
  EXPECT_EQ(bus.node("n4").keeper().progress().sources_done, 3u);
  expect_every_key_placed(bus, done, 200);
}

TEST(RingKeeper, DecommissionHandsTheKeysOverAndEndsLeft) {
  Bus bus;
  form_cluster(bus, 4);
  load_keys(bus, bus.node("n1").keeper().config(), 200);
  ASSERT_TRUE(bus.node("n3").keeper().begin(ChangeKind::kDecommission, "n3", bus.now_ms()).ok());
  // One change at a time: a second one is refused while it runs.
  auto second = bus.node("n3").keeper().begin(ChangeKind::kRemove, "n1", bus.now_ms());
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("in progress"), std::string::npos);
  ASSERT_TRUE(bus.run_until([&] { return bus.node("n3").keeper().left(); }));
  ASSERT_TRUE(bus.run_until([&] { return settled(bus, {"n1", "n2", "n4"}, 5); }));
  const RingConfig& done = bus.node("n1").keeper().config();
  EXPECT_EQ(done.voters().size(), 3u);
  // The leaving node does not run its own change: the lowest-id other member does (the
  // final configuration must come from a member that stays).
  EXPECT_EQ(bus.node("n1").keeper().counters().decommissions_completed, 1u);
  EXPECT_EQ(bus.node("n3").keeper().counters().decommissions_completed, 0u);
  expect_every_key_placed(bus, done, 200);
  // Three members stay: decommissioning one more is refused.
  auto fewer = bus.node("n1").keeper().begin(ChangeKind::kDecommission, "n1", bus.now_ms());
  EXPECT_FALSE(fewer.ok());
}

TEST(RingKeeper, RemovalOfADeadMemberReReplicatesFromTheSurvivors) {
  Bus bus;
  form_cluster(bus, 4);
  load_keys(bus, bus.node("n1").keeper().config(), 200);
  bus.set_down("n4", true);
  ASSERT_TRUE(bus.node("n1").keeper().begin(ChangeKind::kRemove, "n4", bus.now_ms()).ok());
  ASSERT_TRUE(bus.run_until([&] { return settled(bus, {"n1", "n2", "n3"}, 5); }));
  const RingConfig& done = bus.node("n2").keeper().config();
  EXPECT_EQ(done.find("n4"), nullptr);
  expect_every_key_placed(bus, done, 200);
}

TEST(RingKeeper, TwoChangesBegunAtOnceEndInOneConfiguration) {
  Bus bus;
  form_cluster(bus, 5);
  ASSERT_TRUE(bus.node("n1").keeper().begin(ChangeKind::kRemove, "n5", bus.now_ms()).ok());
  ASSERT_TRUE(bus.node("n2").keeper().begin(ChangeKind::kDecommission, "n2", bus.now_ms()).ok());
  // Exactly one of them wins epoch 2; it completes; everyone ends on one configuration.
  ASSERT_TRUE(bus.run_until([&] {
    const RingConfig& config = bus.node("n3").keeper().config();
    return config.epoch() == 5 && !config.changing();
  }));
  ASSERT_TRUE(bus.run_until([&] { return settled(bus, {"n1", "n3", "n4"}, 5); }));
  const RingConfig& done = bus.node("n3").keeper().config();
  const bool removed = done.find("n5") == nullptr;
  const bool left = done.find("n2") && done.find("n2")->state == MemberState::kLeft;
  EXPECT_NE(removed, left) << done.describe();
  for (const char* id : {"n1", "n4"}) EXPECT_EQ(bus.node(id).keeper().config(), done);
}

TEST(RingKeeper, AGainerThatCrashesMidStreamResumesFromItsCursor) {
  Bus bus;
  form_cluster(bus, 3);
  load_keys(bus, bus.node("n1").keeper().config(), 400);
  bus.add("n4", {"n1"});
  ASSERT_TRUE(bus.run_until([&] {
    const RingKeeper& keeper = bus.node("n4").keeper();
    return keeper.config().stage() == ChangeStage::kStreaming &&
           keeper.progress().entries_received > 20;
  })) << bus.node("n4").keeper().config().describe() << " received "
      << bus.node("n4").keeper().progress().entries_received;
  bus.set_down("n4", true);
  for (int i = 0; i < 5; ++i) bus.round();
  bus.node("n4").restart(bus.now_ms());  // from what it persisted: the ring and its cursors
  bus.set_down("n4", false);
  EXPECT_GT(bus.node("n4").keeper().counters().stream_resumed, 0u);
  ASSERT_TRUE(bus.run_until([&] { return settled(bus, {"n1", "n2", "n3", "n4"}, 5); }));
  expect_every_key_placed(bus, bus.node("n4").keeper().config(), 400);
}

// A lossy network: one message in five is lost (acknowledgements, configurations, stream
// requests and batches); resends and re-asks still carry a join and a decommission through.
class RingKeeperLossy : public ::testing::TestWithParam<uint64_t> {};

TEST_P(RingKeeperLossy, ChangesCompleteWhenMessagesAreLost) {
  Bus bus;
  form_cluster(bus, 3);
  load_keys(bus, bus.node("n1").keeper().config(), 300);
  bus.drop(200, GetParam());
  bus.add("n4", {"n3"});
  ASSERT_TRUE(bus.run_until([&] {
    return settled(bus, {"n1", "n2", "n3", "n4"}, 5) &&
           bus.node("n4").keeper().self_state() == MemberState::kNormal;
  })) << describe_all(bus, {"n1", "n2", "n3", "n4"});
  expect_every_key_placed(bus, bus.node("n4").keeper().config(), 300);
  ASSERT_TRUE(bus.node("n2").keeper().begin(ChangeKind::kDecommission, "n2", bus.now_ms()).ok());
  ASSERT_TRUE(bus.run_until([&] { return settled(bus, {"n1", "n3", "n4"}, 9); }))
      << describe_all(bus, {"n1", "n2", "n3", "n4"});
  expect_every_key_placed(bus, bus.node("n1").keeper().config(), 300);
}

INSTANTIATE_TEST_SUITE_P(Seeds, RingKeeperLossy, ::testing::Values(1, 2, 3, 4, 5));

TEST(RingKeeper, RequestsFromAnOlderEpochAreRefusedWithTheConfiguration) {
  Bus bus;
  form_cluster(bus, 4);
  RingKeeper& keeper = bus.node("n1").keeper();
  ASSERT_TRUE(keeper.begin(ChangeKind::kRemove, "n4", bus.now_ms()).ok());
  EXPECT_EQ(keeper.config().epoch(), 2u);
  EXPECT_FALSE(keeper.admits("n2", 1));
  EXPECT_TRUE(keeper.admits("n2", 2));
  EXPECT_TRUE(keeper.admits("n2", 3));  // a newer sender is served (and asked for its ring)
  EXPECT_EQ(keeper.counters().requests_refused_stale_epoch, 1u);
}

}  // namespace
}  // namespace ringkv
