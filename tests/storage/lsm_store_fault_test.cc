// Disk full, injected I/O errors and read bit flips surface as Status (no_space, io_error,
// corruption on a damaged read), never as wrong data; the store keeps every synced write.
#include <gtest/gtest.h>

#include <map>

#include "tests/storage/storage_test_util.h"

namespace ringkv {
namespace {

using testing::get_or_die;
using testing::kStoreDir;
using testing::open_or_die;
using testing::put_entry;

TEST(LsmStoreFaults, DiskFullIsNoSpaceAndTheStoreRecoversWhenSpaceReturns) {
  MemoryEnv env;
  auto store = open_or_die(env, testing::small_options(2048));
  env.set_faults(FaultOptions{.space_budget_bytes = env.total_bytes() + 20000});
  std::map<std::string, Entry> applied;
  int no_space = 0;
  for (int i = 0; i < 800; ++i) {
    std::string key = "k" + std::to_string(i);
    auto result = store->apply(key, put_entry(i + 1, std::string(60, 'v')));
    if (result.ok()) {
      applied[key] = put_entry(i + 1, std::string(60, 'v'));
      continue;
    }
    ASSERT_EQ(result.status().code(), StatusCode::kNoSpace) << result.status().to_string();
    ++no_space;
  }
  EXPECT_GT(no_space, 0);
  EXPECT_GT(applied.size(), 50u);
  for (const auto& [key, entry] : applied) EXPECT_EQ(get_or_die(*store, key), entry);
  // Records still in the WAL's buffer when the disk filled cannot reach the file: the sync
  // says so, and the store stays usable (a later sync retries).
  Status synced = store->sync();
  EXPECT_TRUE(synced.ok() || synced.code() == StatusCode::kNoSpace) << synced.to_string();
  EXPECT_TRUE(store->fatal_error().ok()) << store->fatal_error().to_string();
  env.set_faults(FaultOptions{});
  ASSERT_TRUE(store->apply("after", put_entry(1, "space is back")).ok());
  ASSERT_TRUE(store->sync().ok());
  store.reset();
  auto reopened = open_or_die(env, testing::small_options(2048));
  for (const auto& [key, entry] : applied) EXPECT_EQ(get_or_die(*reopened, key), entry);
  EXPECT_EQ(get_or_die(*reopened, "after")->value, "space is back");
}

TEST(LsmStoreFaults, InjectedIoErrorsAreNeverCorruptionAndSyncedWritesSurvive) {
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    MemoryEnv env(seed);
    auto store = open_or_die(env, testing::small_options(1024));
    env.set_faults(FaultOptions{.io_error_permille = 20});
    std::map<std::string, Entry> synced, pending;
    Prng prng(seed);
    for (int i = 0; i < 600; ++i) {
      std::string key = "k" + std::to_string(prng.uniform(50));
      Entry entry = put_entry(i + 1, "v" + std::to_string(i));
      auto result = store->apply(key, entry);
      if (!result.ok()) {
        ASSERT_NE(result.status().code(), StatusCode::kCorruption) << result.status().to_string();
      } else if (result->applied) {
        pending[key] = entry;
      }
      if (i % 10 == 9) {
        Status status = store->sync();
        ASSERT_NE(status.code(), StatusCode::kCorruption);
        if (status.ok()) {
          for (auto& [k, e] : pending) synced[k] = e;
          pending.clear();
        }
      }
      if (i % 25 == 0) {
        Status step = store->compact_step(50);
        ASSERT_NE(step.code(), StatusCode::kCorruption) << step.to_string();
      }
    }
    store.reset();
    Prng crash_prng(seed);
    env.crash(crash_prng);
    auto reopened = open_or_die(env, testing::small_options(1024));
    ASSERT_TRUE(reopened);
    for (const auto& [key, entry] : synced) {
      auto got = get_or_die(*reopened, key);
      ASSERT_TRUE(got.has_value()) << key;
      EXPECT_GE(got->version, entry.version) << key;
    }
  }
}

TEST(LsmStoreFaults, ReadBitFlipsGiveCorrectValuesOrCorruptionNeverGarbage) {
  MemoryEnv env(9);
  auto store = open_or_die(env, testing::small_options(2048));
  std::map<std::string, Entry> model;
  for (int i = 0; i < 1500; ++i) {
    std::string key = "k" + std::to_string(i % 300);
    model[key] = put_entry(i + 1, "value-" + std::to_string(i));
    ASSERT_TRUE(store->apply(key, model[key]).ok());
  }
  ASSERT_TRUE(store->sync().ok());
  env.set_faults(FaultOptions{.read_bit_flip_permille = 200});
  int corruptions = 0;
  for (const auto& [key, entry] : model) {
    auto got = store->get(key);
    if (!got.ok()) {
      ASSERT_EQ(got.status().code(), StatusCode::kCorruption);
      ++corruptions;
      continue;
    }
    ASSERT_EQ(*got, std::optional<Entry>(entry)) << key;
  }
  EXPECT_LT(corruptions, 60);
  // Opening under read flips may fail (a table's metadata read twice, damaged twice), but
  // it must never mistake a flipped WAL read for a torn tail and cut synced records off:
  // recovery reads the WAL until two reads agree.
  for (int round = 0; round < 10; ++round) {
    store.reset();
    env.set_faults(FaultOptions{.read_bit_flip_permille = 200});
    auto reopened = LsmStore::open(env, kStoreDir, testing::small_options(2048));
    if (!reopened.ok()) {
      auto code = reopened.status().code();
      ASSERT_TRUE(code == StatusCode::kCorruption || code == StatusCode::kIoError)
          << reopened.status().to_string();
      continue;
    }
    store = std::move(*reopened);
  }
  store.reset();
  env.set_faults(FaultOptions{});
  auto clean = open_or_die(env, testing::small_options(2048));
  for (const auto& [key, entry] : model) ASSERT_EQ(get_or_die(*clean, key), entry) << key;
}

TEST(LsmStoreFaults, FailedSyncMakesTheStoreRefuseWritesUntilReopened) {
  MemoryEnv env;
  auto store = open_or_die(env, testing::small_options());
  ASSERT_TRUE(store->apply("a", put_entry(1, "x")).ok());
  ASSERT_TRUE(store->write_out_wal().ok());  // so that the failure hits the fsync itself
  env.set_faults(FaultOptions{.io_error_permille = 1000});
  EXPECT_EQ(store->sync().code(), StatusCode::kIoError);
  env.set_faults(FaultOptions{});
  EXPECT_FALSE(store->apply("b", put_entry(1, "y")).ok());
  EXPECT_FALSE(store->fatal_error().ok());
  EXPECT_EQ(get_or_die(*store, "a")->value, "x") << "reads still work";
}

// A sync whose write of the WAL's buffered records fails (the write was cut back off the
// file) is not fatal: the records stay buffered, and the next sync makes them durable.
TEST(LsmStoreFaults, FailedWalWriteAtSyncIsRetriedByTheNextSync) {
  MemoryEnv env;
  auto store = open_or_die(env, testing::small_options(1 << 20));
  ASSERT_TRUE(store->apply("a", put_entry(1, "x")).ok());
  env.set_faults(FaultOptions{.io_error_permille = 1000});
  EXPECT_EQ(store->sync().code(), StatusCode::kIoError);
  env.set_faults(FaultOptions{});
  EXPECT_TRUE(store->fatal_error().ok());
  ASSERT_TRUE(store->apply("b", put_entry(1, "y")).ok());
  ASSERT_TRUE(store->sync().ok());
  store.reset();
  Prng prng(3);
  env.crash(prng);
  auto reopened = open_or_die(env, testing::small_options(1 << 20));
  EXPECT_EQ(get_or_die(*reopened, "a")->value, "x");
  EXPECT_EQ(get_or_die(*reopened, "b")->value, "y");
}

}  // namespace
}  // namespace ringkv
