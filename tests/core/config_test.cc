#include "core/config.h"

#include <gtest/gtest.h>

#include <functional>

namespace ringkv {
namespace {

TEST(Config, DefaultsAreValid) {
  Config config;
  EXPECT_TRUE(config.validate().ok()) << config.validate().to_string();
  EXPECT_EQ(config.replication_factor, 3u);
  EXPECT_EQ(config.write_quorum, 2u);
  EXPECT_EQ(config.read_quorum, 2u);
  EXPECT_EQ(config.gossip_interval_ms, 2000u);
}

struct BadCase {
  const char* field;
  std::function<void(Config&)> mutate;
};

TEST(Config, EachBadValueNamesItsField) {
  const std::vector<BadCase> cases = {
      {"replication_factor", [](Config& c) { c.replication_factor = 0; }},
      {"replication_factor", [](Config& c) { c.replication_factor = 17; }},
      {"write_quorum", [](Config& c) { c.write_quorum = 0; }},
      {"write_quorum", [](Config& c) { c.write_quorum = 4; }},
      {"read_quorum", [](Config& c) { c.read_quorum = 0; }},
      {"read_quorum", [](Config& c) { c.read_quorum = 4; }},
      {"2W > N", [](Config& c) { c.write_quorum = 1; c.read_quorum = 2; }},
      {"2R >= N", [](Config& c) { c.write_quorum = 3; c.read_quorum = 1; }},
      {"vnodes_per_node", [](Config& c) { c.vnodes_per_node = 0; }},
      {"max_key_bytes", [](Config& c) { c.max_key_bytes = 0; }},
      {"max_value_bytes", [](Config& c) { c.max_value_bytes = 0; }},
      {"max_inflight_requests", [](Config& c) { c.max_inflight_requests = 0; }},
      {"default_timeout_ms", [](Config& c) { c.default_timeout_ms = 0; }},
      {"max_timeout_ms", [](Config& c) { c.max_timeout_ms = 10; }},
      {"gossip_interval_ms", [](Config& c) { c.gossip_interval_ms = 0; }},
      {"gossip_fanout", [](Config& c) { c.gossip_fanout = 0; }},
      {"suspect_after_ms", [](Config& c) { c.suspect_after_ms = 1000; }},
      {"dead_after_ms", [](Config& c) { c.dead_after_ms = 6000; }},
      {"max_cluster_nodes", [](Config& c) { c.max_cluster_nodes = 2; }},
      {"hint_replay_batch", [](Config& c) { c.hint_replay_batch = 0; }},
      {"anti_entropy_interval_ms", [](Config& c) { c.anti_entropy_interval_ms = 0; }},
      {"memtable_max_bytes", [](Config& c) { c.memtable_max_bytes = 100; }},
  };
  for (const auto& bad : cases) {
    Config config;
    bad.mutate(config);
    Status s = config.validate();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad.field;
    EXPECT_NE(s.message().find(bad.field), std::string::npos)
        << "message '" << s.message() << "' should name " << bad.field;
  }
}

TEST(Config, WeakQuorumsOnlyWhenAllowed) {
  Config config;
  config.write_quorum = 1;
  config.read_quorum = 1;
  EXPECT_FALSE(config.validate().ok());
  config.allow_weak_quorums = true;
  EXPECT_TRUE(config.validate().ok());
}

// Strong = linearizable: 2W > N and 2R >= N. W + R > N alone is not enough (W=3, R=1 reads
// one replica, which may hold a write still in progress that a later read does not see).
TEST(Config, StrongDefaultsAreMajorityWritesAndHalfReads) {
  struct Case {
    uint32_t n, w, r;
    bool strong;
  };
  for (Case c : {Case{3, 2, 2, true}, Case{3, 3, 1, false}, Case{3, 1, 3, false},
                 Case{3, 2, 1, false}, Case{2, 2, 1, true}, Case{4, 3, 2, true},
                 Case{4, 2, 3, false}, Case{5, 3, 3, true}, Case{1, 1, 1, true}}) {
    Config config;
    config.replication_factor = c.n;
    config.write_quorum = c.w;
    config.read_quorum = c.r;
    EXPECT_EQ(config.validate().ok(), c.strong) << "N=" << c.n << " W=" << c.w << " R=" << c.r;
  }
}

TEST(Config, SingleNodeIsValid) {
  Config config;
  config.replication_factor = 1;
  config.write_quorum = 1;
  config.read_quorum = 1;
  EXPECT_TRUE(config.validate().ok());
}

}  // namespace
}  // namespace ringkv
