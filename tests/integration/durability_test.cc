// kill -9 right after acknowledged writes loses nothing (WAL synced before every ack).
#include <gtest/gtest.h>
#include <signal.h>

#include "local_cluster.h"

namespace ringkv::integration {
namespace {

inline constexpr int kAcknowledgedWrites = 64;

TEST(DurabilityTest, KillNineAfterAcknowledgedWritesLosesNothing) {
  LocalCluster cluster(
      1, {"--n", "1", "--w", "1", "--r", "1", "--sync", "always", "--memtable-bytes", "4096"});
  ASSERT_TRUE(cluster.start(0)) << cluster.log(0);
  auto client = cluster.client(0);
  for (int i = 0; i < kAcknowledgedWrites; ++i) {
    std::string value = "value-" + std::to_string(i) + std::string(100, 'x');
    auto put = client->request("PUT", "/kv/key-" + std::to_string(i), value);
    ASSERT_TRUE(put.ok()) << put.status().to_string();
    ASSERT_EQ(put->status, 204);
  }
  auto deleted = client->request("DELETE", "/kv/key-0");
  ASSERT_TRUE(deleted.ok());
  ASSERT_EQ(deleted->status, 204);
  EXPECT_EQ(cluster.stop(0, SIGKILL), std::optional<int>(128 + SIGKILL));

  ASSERT_TRUE(cluster.start(0)) << cluster.log(0);
  auto reader = cluster.client(0);
  auto first = reader->request("GET", "/kv/key-0");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->status, 404);
  for (int i = 1; i < kAcknowledgedWrites; ++i) {
    auto get = reader->request("GET", "/kv/key-" + std::to_string(i));
    ASSERT_TRUE(get.ok());
    EXPECT_EQ(get->status, 200) << "key-" << i;
    EXPECT_EQ(get->body, "value-" + std::to_string(i) + std::string(100, 'x'));
  }
}

TEST(DurabilityTest, SigtermExitsZeroAndKeepsData) {
  LocalCluster cluster(1, {"--n", "1", "--w", "1", "--r", "1", "--sync", "batch"});
  ASSERT_TRUE(cluster.start(0));
  auto put = cluster.client(0)->request("PUT", "/kv/batched", "kept");
  ASSERT_TRUE(put.ok());
  ASSERT_EQ(put->status, 204);
  EXPECT_EQ(cluster.stop(0, SIGTERM), std::optional<int>(0)) << cluster.log(0);
  ASSERT_TRUE(cluster.start(0));
  auto get = cluster.client(0)->request("GET", "/kv/batched");
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->body, "kept");
}

}  // namespace
}  // namespace ringkv::integration
