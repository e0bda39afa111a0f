#include "core/storage/memory_env.h"

#include <gtest/gtest.h>

namespace ringkv {
namespace {

class MemoryEnvTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(env.create_dir("/d").ok()); }

  void write(const std::string& path, const std::string& data, bool sync) {
    auto file = env.create_file(path);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->append(data).ok());
    if (sync) {
      ASSERT_TRUE((*file)->sync().ok());
    }
  }

  MemoryEnv env{7};
  Prng prng{42};
};

TEST_F(MemoryEnvTest, SyncedBytesAndSyncedDirectorySurviveCrash) {
  write("/d/a", "hello", true);
  ASSERT_TRUE(env.sync_dir("/d").ok());
  env.crash(prng);
  EXPECT_EQ(env.contents("/d/a"), "hello");
}

TEST_F(MemoryEnvTest, UnsyncedTailIsDroppedOrTornToAPrefix) {
  auto file = env.create_file("/d/a");
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->append("synced").ok());
  ASSERT_TRUE((*file)->sync().ok());
  ASSERT_TRUE((*file)->append("-unsynced-tail").ok());
  ASSERT_TRUE(env.sync_dir("/d").ok());
  bool saw_torn = false;
  for (int round = 0; round < 50 && !saw_torn; ++round) {
    MemoryEnv copy_env(1);
    ASSERT_TRUE(copy_env.create_dir("/d").ok());
    auto copy = copy_env.create_file("/d/a");
    ASSERT_TRUE((*copy)->append("synced").ok());
    ASSERT_TRUE((*copy)->sync().ok());
    ASSERT_TRUE((*copy)->append("-unsynced-tail").ok());
    ASSERT_TRUE(copy_env.sync_dir("/d").ok());
    copy_env.crash(prng);
    std::string after = *copy_env.contents("/d/a");
    ASSERT_TRUE(std::string("synced-unsynced-tail").starts_with(after)) << after;
    ASSERT_GE(after.size(), 6u);
    saw_torn = after.size() > 6 && after.size() < 20;
  }
  EXPECT_TRUE(saw_torn) << "50 crashes never tore the tail in the middle";
  env.crash(prng, CrashOptions{.tear_unsynced_tail = false});
  EXPECT_EQ(env.contents("/d/a"), "synced");
}

TEST_F(MemoryEnvTest, UnsyncedDirectoryOperationsAreUndoneWhenTheDirectoryIsLost) {
  write("/d/old", "x", true);
  ASSERT_TRUE(env.sync_dir("/d").ok());
  write("/d/new", "y", true);
  ASSERT_TRUE(env.rename("/d/old", "/d/renamed").ok());
  env.crash(prng, CrashOptions{.unsynced_directory_survival_permille = 0});
  EXPECT_TRUE(env.exists("/d/old"));
  EXPECT_FALSE(env.exists("/d/renamed"));
  EXPECT_FALSE(env.exists("/d/new"));
}

TEST_F(MemoryEnvTest, UnsyncedDirectoryOperationsMaySurvive) {
  write("/d/new", "y", true);
  env.crash(prng, CrashOptions{.unsynced_directory_survival_permille = 1000});
  EXPECT_EQ(env.contents("/d/new"), "y");
}

TEST_F(MemoryEnvTest, RemovedButUnsyncedFileComesBack) {
  write("/d/a", "data", true);
  ASSERT_TRUE(env.sync_dir("/d").ok());
  ASSERT_TRUE(env.remove("/d/a").ok());
  EXPECT_FALSE(env.exists("/d/a"));
  env.crash(prng, CrashOptions{.unsynced_directory_survival_permille = 0});
  EXPECT_EQ(env.contents("/d/a"), "data");
}

TEST_F(MemoryEnvTest, HandlesFromBeforeACrashFail) {
  auto file = env.create_file("/d/a");
  ASSERT_TRUE(file.ok());
  env.crash(prng);
  EXPECT_EQ((*file)->append("x").code(), StatusCode::kIoError);
}

TEST_F(MemoryEnvTest, SpaceBudgetGivesNoSpaceAfterAPartialWrite) {
  env.set_faults(FaultOptions{.space_budget_bytes = 4});
  auto file = env.create_file("/d/a");
  ASSERT_TRUE(file.ok());
  EXPECT_EQ((*file)->append("abcdef").code(), StatusCode::kNoSpace);
  EXPECT_EQ(env.contents("/d/a"), "abcd");
}

TEST_F(MemoryEnvTest, ReadBitFlipsChangeReadsNotStoredBytes) {
  write("/d/a", std::string(64, 'a'), true);
  env.set_faults(FaultOptions{.read_bit_flip_permille = 1000});
  auto file = env.open_for_read("/d/a");
  ASSERT_TRUE(file.ok());
  std::string read;
  ASSERT_TRUE((*file)->read_at(0, 64, &read).ok());
  EXPECT_NE(read, std::string(64, 'a'));
  EXPECT_EQ(env.contents("/d/a"), std::string(64, 'a'));
}

TEST_F(MemoryEnvTest, FailMutationsAfterStopsEveryLaterMutation) {
  env.set_faults(FaultOptions{.fail_mutations_after = 1});
  EXPECT_TRUE(env.create_file("/d/a").ok());
  EXPECT_FALSE(env.create_file("/d/b").ok());
  EXPECT_FALSE(env.remove("/d/a").ok());
}

TEST_F(MemoryEnvTest, ListIsSortedAndScopedToTheDirectory) {
  ASSERT_TRUE(env.create_dir("/d/sub").ok());
  write("/d/b", "", false);
  write("/d/a", "", false);
  write("/d/sub/c", "", false);
  auto names = env.list("/d");
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"a", "b"}));
}

}  // namespace
}  // namespace ringkv
