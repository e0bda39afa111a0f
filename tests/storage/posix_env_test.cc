#include "runtime/posix_env.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <thread>

#include "core/storage/lsm_store.h"
#include "core/storage/memory_env.h"
#include "tests/storage/storage_test_util.h"

namespace ringkv {
namespace {

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/ringkv-storage-test-XXXXXX";
    char* made = ::mkdtemp(pattern);
    EXPECT_NE(made, nullptr);
    path_ = made ? made : "";
  }
  ~TempDir() {
    PosixEnv env;
    remove_tree(env, path_);
  }
  const std::string& path() const { return path_; }

 private:
  static void remove_tree(PosixEnv& env, const std::string& dir) {
    auto names = env.list(dir);
    if (names.ok()) {
      for (const auto& name : *names) {
        std::string child = dir + "/" + name;
        if (!env.remove(child).ok()) remove_tree(env, child);
      }
    }
    ::rmdir(dir.c_str());
  }
  std::string path_;
};

TEST(PosixEnv, FilesDirectoriesAndErrors) {
  TempDir temp;
  PosixEnv env;
  std::string path = temp.path() + "/a";
  auto file = env.create_file(path);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->append("hello ").ok());
  ASSERT_TRUE((*file)->append("world").ok());
  ASSERT_TRUE((*file)->sync().ok());
  EXPECT_EQ((*file)->size_bytes(), 11u);
  ASSERT_TRUE((*file)->truncate(5).ok());
  ASSERT_TRUE((*file)->append("!").ok());
  auto contents = read_whole_file(env, path);
  ASSERT_TRUE(contents.ok());
  EXPECT_EQ(*contents, "hello!");
  auto reader = env.open_for_read(path);
  std::string part;
  ASSERT_TRUE((*reader)->read_at(4, 100, &part).ok());
  EXPECT_EQ(part, "o!");
  ASSERT_TRUE(env.rename(path, temp.path() + "/b").ok());
  ASSERT_TRUE(env.sync_dir(temp.path()).ok());
  auto names = env.list(temp.path());
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, std::vector<std::string>{"b"});
  auto append = env.open_for_append(temp.path() + "/b");
  ASSERT_TRUE(append.ok());
  EXPECT_EQ((*append)->size_bytes(), 6u);
  EXPECT_EQ(env.open_for_read(temp.path() + "/missing").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(env.remove(temp.path() + "/b").ok());
  EXPECT_FALSE(env.remove(temp.path() + "/b").ok());
  ASSERT_TRUE(env.create_dir(temp.path() + "/sub").ok());
  ASSERT_TRUE(env.create_dir(temp.path() + "/sub").ok()) << "existing directory is fine";
}

TEST(PosixEnv, LsmStoreRoundTripOnRealFiles) {
  TempDir temp;
  PosixEnv env;
  std::string dir = temp.path() + "/store";
  {
    auto store = LsmStore::open(env, dir, testing::small_options(1024));
    ASSERT_TRUE(store.ok()) << store.status().to_string();
    for (int i = 0; i < 300; ++i) {
      ASSERT_TRUE((*store)->apply("k" + std::to_string(i), testing::put_entry(i + 1, "v")).ok());
    }
    ASSERT_TRUE((*store)->sync().ok());
    (*store)->request_full_compaction();
    while ((*store)->compaction_pending()) ASSERT_TRUE((*store)->compact_step(100).ok());
  }
  auto store = LsmStore::open(env, dir, testing::small_options(1024));
  ASSERT_TRUE(store.ok()) << store.status().to_string();
  for (int i = 0; i < 300; ++i) {
    auto got = (*store)->get("k" + std::to_string(i));
    ASSERT_TRUE(got.ok() && got->has_value());
    EXPECT_EQ((*got)->version.counter, uint64_t(i + 1));
  }
}

TEST(PosixEnv, DetachedSyncRunsOnAnotherThreadWhileAppliesGoOn) {
  TempDir temp;
  PosixEnv env;
  std::string dir = temp.path() + "/store";
  {
    auto store = LsmStore::open(env, dir, testing::small_options(4096));
    ASSERT_TRUE(store.ok()) << store.status().to_string();
    LsmStore& lsm = **store;
    Result<LsmStore::SyncJob> none = lsm.begin_sync();
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none->run) << "nothing unsynced: nothing to run";
    const uint64_t syncs_before = lsm.stats().wal_syncs;
    for (int round = 0; round < 20; ++round) {
      ASSERT_TRUE(lsm.apply("k" + std::to_string(round), testing::put_entry(round + 1, "v")).ok());
      Result<LsmStore::SyncJob> job = lsm.begin_sync();
      ASSERT_TRUE(job.ok()) << job.status().to_string();
      ASSERT_TRUE(job->run) << "a POSIX file syncs detached";
      Status result;
      std::thread syncer([&] { result = job->run(); });
      // Applies go on meanwhile, and every few rounds a flush replaces the WAL segment
      // the job is syncing (its descriptor is a dup: still valid).
      ASSERT_TRUE(lsm.apply("during" + std::to_string(round), testing::put_entry(1, "x")).ok());
      if (round % 5 == 4) {
        ASSERT_TRUE(lsm.flush().ok());
      }
      syncer.join();
      ASSERT_TRUE(lsm.finish_sync(*job, result).ok()) << result.to_string();
    }
    EXPECT_EQ(lsm.stats().wal_syncs, syncs_before + 20);
    ASSERT_TRUE(lsm.sync().ok());
  }
  auto store = LsmStore::open(env, dir, testing::small_options(4096));
  ASSERT_TRUE(store.ok()) << store.status().to_string();
  for (int round = 0; round < 20; ++round) {
    auto got = (*store)->get("k" + std::to_string(round));
    ASSERT_TRUE(got.ok() && got->has_value()) << round;
  }
}

// A detached compaction merges on another thread while the store's thread applies, reads,
// scans (through the same tables and the block cache) and flushes; its output is installed
// back on the store's thread, and the result reopens with every key. A job cancelled by a
// closing store stops and leaves only an orphan file, removed at the next open.
TEST(PosixEnv, DetachedCompactionRunsOnAnotherThreadWhileTheStoreGoesOn) {
  TempDir temp;
  PosixEnv env;
  std::string dir = temp.path() + "/store";
  LsmOptions options = testing::small_options(4096);
  options.block_cache_bytes = 16 << 10;
  int written = 0;
  {
    auto opened = LsmStore::open(env, dir, options);
    ASSERT_TRUE(opened.ok()) << opened.status().to_string();
    LsmStore& lsm = **opened;
    int compactions = 0;
    for (int round = 0; round < 400 && compactions < 6; ++round) {
      for (int i = 0; i < 40; ++i, ++written) {
        ASSERT_TRUE(lsm.apply("k" + std::to_string(written * 7919 % 100003),
                              testing::put_entry(written + 1, std::string(40, 'v'))).ok());
      }
      if (!lsm.compaction_pending()) continue;
      auto job = lsm.begin_compaction();
      ASSERT_TRUE(job.ok()) << job.status().to_string();
      if (!job->run) continue;
      Status result;
      std::thread merger([&] { result = job->run(); });
      for (int i = 0; i < 200; ++i, ++written) {
        ASSERT_TRUE(lsm.apply("k" + std::to_string(written * 7919 % 100003),
                              testing::put_entry(written + 1, std::string(40, 'w'))).ok());
        auto got = lsm.get("k" + std::to_string(i * 7919 % 100003));
        ASSERT_TRUE(got.ok() && got->has_value()) << i;
      }
      int scanned = 0;
      ASSERT_TRUE(lsm.scan("", [&](std::string_view, const Entry&) { return ++scanned < 500; }).ok());
      ASSERT_TRUE(lsm.flush().ok());
      merger.join();
      ASSERT_TRUE(lsm.finish_compaction(result).ok()) << result.to_string();
      ++compactions;
    }
    EXPECT_EQ(compactions, 6);
    EXPECT_GE(lsm.stats().compactions, 6u);
    ASSERT_TRUE(lsm.sync().ok());
    // A job the closing store cancels stops without installing anything.
    while (lsm.compaction_pending() && !lsm.compaction_running_detached()) {
      for (int i = 0; i < 200; ++i, ++written) {
        ASSERT_TRUE(lsm.apply("k" + std::to_string(written * 7919 % 100003),
                              testing::put_entry(written + 1, "z")).ok());
      }
      auto job = lsm.begin_compaction();
      ASSERT_TRUE(job.ok());
      if (!job->run) continue;
      lsm.cancel_detached_compaction();
      EXPECT_EQ(job->run().code(), StatusCode::kUnavailable);
    }
    ASSERT_TRUE(lsm.sync().ok());
  }
  auto reopened = LsmStore::open(env, dir, options);
  ASSERT_TRUE(reopened.ok()) << reopened.status().to_string();
  for (int i = 0; i < written; ++i) {
    auto got = (*reopened)->get("k" + std::to_string(i * 7919 % 100003));
    ASSERT_TRUE(got.ok() && got->has_value()) << i;
  }
}

TEST(PosixEnv, FailedDetachedSyncMakesTheStoreRefuseWrites) {
  TempDir temp;
  PosixEnv env;
  auto store = LsmStore::open(env, temp.path() + "/store", testing::small_options(4096));
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->apply("k", testing::put_entry(1, "v")).ok());
  Result<LsmStore::SyncJob> job = (*store)->begin_sync();
  ASSERT_TRUE(job.ok() && job->run);
  Status failed = Status::io_error("fdatasync: injected");
  EXPECT_FALSE((*store)->finish_sync(*job, failed).ok());
  EXPECT_FALSE((*store)->apply("k2", testing::put_entry(2, "v")).ok());
  EXPECT_FALSE((*store)->sync().ok());
}

TEST(MemoryEnvSync, WithoutDetachedSyncBeginSyncSyncsInPlace) {
  MemoryEnv env;
  auto store = testing::open_or_die(env, testing::small_options());
  ASSERT_TRUE(store->apply("k", testing::put_entry(1, "v")).ok());
  const uint64_t syncs_before = store->stats().wal_syncs;
  Result<LsmStore::SyncJob> job = store->begin_sync();
  ASSERT_TRUE(job.ok());
  EXPECT_FALSE(job->run);
  EXPECT_EQ(store->stats().wal_syncs, syncs_before + 1);
}

}  // namespace
}  // namespace ringkv
