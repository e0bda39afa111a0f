#include "core/storage/lsm_store.h"

#include <gtest/gtest.h>

#include <map>

#include "core/ring_order_store.h"
#include "core/storage/file_names.h"
#include "tests/storage/storage_test_util.h"

namespace ringkv {
namespace {

using testing::get_or_die;
using testing::kStoreDir;
using testing::open_or_die;
using testing::put_entry;
using testing::small_options;
using testing::tombstone_entry;

std::map<std::string, Entry> scan_all(LsmStore& store, std::string_view start = "") {
  std::map<std::string, Entry> seen;
  std::string previous;
  Status status = store.scan(start, [&](std::string_view key, const Entry& entry) {
    EXPECT_TRUE(seen.empty() || key > previous) << "scan out of order";
    previous = key;
    seen.emplace(std::string(key), entry);
    return true;
  });
  EXPECT_TRUE(status.ok()) << status.to_string();
  return seen;
}

void drain_compaction(LsmStore& store) {
  for (int steps = 0; store.compaction_pending(); ++steps) {
    ASSERT_LT(steps, 100000);
    ASSERT_TRUE(store.compact_step(64).ok());
  }
}

TEST(LsmStore, ApplyGetAndLastWriterWins) {
  MemoryEnv env;
  auto store = open_or_die(env, small_options());
  auto applied = store->apply("k", put_entry(5, "five"));
  ASSERT_TRUE(applied.ok());
  EXPECT_TRUE(applied->applied);
  auto older = store->apply("k", put_entry(4, "four"));
  ASSERT_TRUE(older.ok());
  EXPECT_FALSE(older->applied);
  EXPECT_EQ(older->current, (Version{5, "n1"}));
  auto duplicate = store->apply("k", put_entry(5, "five"));
  EXPECT_FALSE(duplicate->applied);
  EXPECT_EQ(get_or_die(*store, "k"), put_entry(5, "five"));
  EXPECT_FALSE(get_or_die(*store, "absent"));
  ASSERT_TRUE(store->apply("k", tombstone_entry(6)).ok());
  EXPECT_EQ(get_or_die(*store, "k"), tombstone_entry(6));
}

// A data store of the layout before ring order, partly in tables, converts for good: after
// reopening and a full compaction no key is left under its old name, and every entry is
// found through the ring-ordered view.
TEST(LsmStore, ConversionToRingOrderSurvivesReopenAndCompaction) {
  MemoryEnv env;
  std::map<std::string, Entry> old;
  {
    auto store = open_or_die(env, small_options(2048));
    for (int i = 0; i < 400; ++i) {
      const std::string key = "key-" + std::to_string(i);
      old[key] = i % 9 == 0 ? tombstone_entry(i + 1) : put_entry(i + 1, "value-" + key);
      ASSERT_TRUE(store->apply(key, old[key]).ok());
    }
    Result<uint64_t> moved = convert_to_ring_order(*store, 64);
    ASSERT_TRUE(moved.ok()) << moved.status().message();
    EXPECT_EQ(*moved, old.size());
  }
  for (int life = 0; life < 2; ++life) {
    auto store = open_or_die(env, small_options(2048));
    if (life == 1) {
      store->request_full_compaction();
      ASSERT_TRUE(store->flush().ok());
      drain_compaction(*store);
    }
    Result<uint64_t> again = convert_to_ring_order(*store);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, 0u);
    RingOrderedStore view(*store);
    for (const auto& [key, entry] : old) {
      EXPECT_EQ(get_or_die(view, key), entry) << key;
      EXPECT_FALSE(get_or_die(*store, key)) << key;
    }
  }
}

TEST(LsmStore, OlderVersionNeverOverwritesAFlushedNewerOne) {
  MemoryEnv env;
  auto store = open_or_die(env, small_options());
  ASSERT_TRUE(store->apply("k", put_entry(9, "new")).ok());
  ASSERT_TRUE(store->flush().ok());
  auto stale = store->apply("k", put_entry(3, "old"));
  ASSERT_TRUE(stale.ok());
  EXPECT_FALSE(stale->applied);
  EXPECT_EQ(stale->current, (Version{9, "n1"}));
  EXPECT_EQ(get_or_die(*store, "k")->value, "new");
}

TEST(LsmStore, ManyWritesFlushAndReadBackThroughTables) {
  MemoryEnv env;
  auto store = open_or_die(env, small_options(2048));
  for (int i = 0; i < 2000; ++i) {
    ASSERT_TRUE(
        store->apply("key" + std::to_string(i % 500), put_entry(i + 1, std::to_string(i))).ok());
  }
  EXPECT_GT(store->stats().flushes, 5u);
  for (int i = 1500; i < 2000; ++i) {
    EXPECT_EQ(get_or_die(*store, "key" + std::to_string(i % 500))->value, std::to_string(i));
  }
  auto all = scan_all(*store);
  EXPECT_EQ(all.size(), 500u);
  auto from = scan_all(*store, "key4");
  EXPECT_EQ(from.begin()->first, "key4");
}

TEST(LsmStore, ScanStopsWhenTheVisitorSaysSo) {
  MemoryEnv env;
  auto store = open_or_die(env, small_options());
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(store->apply("k" + std::to_string(i), put_entry(1, "v")).ok());
  int visited = 0;
  ASSERT_TRUE(store->scan("", [&](std::string_view, const Entry&) { return ++visited < 3; }).ok());
  EXPECT_EQ(visited, 3);
}

TEST(LsmStore, ReopenRecoversSyncedWritesFromTheWal) {
  MemoryEnv env;
  {
    auto store = open_or_die(env, small_options(1 << 20));
    ASSERT_TRUE(store->apply("a", put_entry(1, "x")).ok());
    ASSERT_TRUE(store->apply("b", tombstone_entry(2)).ok());
    ASSERT_TRUE(store->sync().ok());
    EXPECT_EQ(store->stats().wal_syncs, 1u);
  }
  auto store = open_or_die(env, small_options(1 << 20));
  EXPECT_EQ(get_or_die(*store, "a"), put_entry(1, "x"));
  EXPECT_EQ(get_or_die(*store, "b"), tombstone_entry(2));
  EXPECT_EQ(store->recovery_report().wal_records_replayed, 2u);
}

TEST(LsmStore, PurgeDropsALiveEntryOnlyAtItsExactVersionAndItStaysGoneAcrossRestarts) {
  MemoryEnv env;
  {
    auto store = open_or_die(env, small_options());
    ASSERT_TRUE(store->apply("k", put_entry(1, "old")).ok());
    ASSERT_TRUE(store->flush().ok());
    ASSERT_TRUE(store->apply("k", put_entry(2, "new")).ok());
    ASSERT_TRUE(store->purge("k", Version{1, "n1"}).ok());  // written over since: stays
    EXPECT_EQ(get_or_die(*store, "k"), put_entry(2, "new"));
    ASSERT_TRUE(store->purge("k", Version{2, "n1"}).ok());
    EXPECT_FALSE(get_or_die(*store, "k"));
    EXPECT_TRUE(scan_all(*store).empty()) << "the value in the older table stays hidden";
    ASSERT_TRUE(store->sync().ok());
  }
  auto store = open_or_die(env, small_options());
  EXPECT_FALSE(get_or_die(*store, "k")) << "the purge is replayed from the WAL";
  ASSERT_TRUE(store->apply("k", put_entry(1, "again")).ok());
  EXPECT_EQ(get_or_die(*store, "k"), put_entry(1, "again"))
      << "a purged key takes any version afterwards (the node guards floors itself)";
}

TEST(LsmStore, PurgeRemovesOnlyTheExactTombstoneAndOlderVersionsStayHidden) {
  MemoryEnv env;
  auto store = open_or_die(env, small_options());
  ASSERT_TRUE(store->apply("k", put_entry(1, "old")).ok());
  ASSERT_TRUE(store->flush().ok());
  ASSERT_TRUE(store->apply("k", tombstone_entry(2)).ok());
  ASSERT_TRUE(store->purge("k", Version{3, "n1"}).ok());
  EXPECT_EQ(get_or_die(*store, "k"), tombstone_entry(2));
  ASSERT_TRUE(store->purge("k", Version{2, "n1"}).ok());
  EXPECT_FALSE(get_or_die(*store, "k"));
  ASSERT_TRUE(store->flush().ok());
  EXPECT_FALSE(get_or_die(*store, "k")) << "the old value must not resurface";
  EXPECT_TRUE(scan_all(*store).empty());
  store->request_full_compaction();
  drain_compaction(*store);
  EXPECT_FALSE(get_or_die(*store, "k"));
  EXPECT_EQ(store->stats().table_count, 0u);
}

TEST(LsmStore, CompactionKeepsTheNewestRecordAndShrinksTables) {
  MemoryEnv env;
  auto options = small_options(1024);
  auto store = open_or_die(env, options);
  std::map<std::string, Entry> model;
  for (int i = 0; i < 3000; ++i) {
    std::string key = "key" + std::to_string(i % 97);
    Entry entry = i % 13 == 0 ? tombstone_entry(i + 1) : put_entry(i + 1, "v" + std::to_string(i));
    ASSERT_TRUE(store->apply(key, entry).ok());
    model[key] = entry;
    if (i % 50 == 0) {
      ASSERT_TRUE(store->compact_step(100).ok());
    }
  }
  drain_compaction(*store);
  EXPECT_GT(store->stats().compactions, 0u);
  EXPECT_LE(store->stats().table_count, options.compaction.max_tables);
  EXPECT_EQ(scan_all(*store), model);
  store->request_full_compaction();
  drain_compaction(*store);
  EXPECT_EQ(store->stats().table_count, 1u);
  EXPECT_EQ(scan_all(*store), model) << "tombstones stay without a purge rule";
}

TEST(LsmStore, FullCompactionDropsTombstonesOnlyWhenTheRuleAllows) {
  MemoryEnv env;
  auto options = small_options();
  options.tombstone_purgeable = [](std::string_view key, const Entry&) { return key < "m"; };
  auto store = open_or_die(env, options);
  ASSERT_TRUE(store->apply("a", put_entry(1, "x")).ok());
  ASSERT_TRUE(store->apply("z", put_entry(1, "x")).ok());
  ASSERT_TRUE(store->flush().ok());
  ASSERT_TRUE(store->apply("a", tombstone_entry(2)).ok());
  ASSERT_TRUE(store->apply("z", tombstone_entry(2)).ok());
  ASSERT_TRUE(store->flush().ok());
  store->request_full_compaction();
  drain_compaction(*store);
  EXPECT_FALSE(get_or_die(*store, "a"));
  EXPECT_EQ(get_or_die(*store, "z"), tombstone_entry(2));
  EXPECT_EQ(store->stats().tombstones_dropped, 1u);
}

TEST(LsmStore, OrphanFilesAreRemovedAtOpen) {
  MemoryEnv env;
  { auto store = open_or_die(env, small_options()); }
  auto stray = env.create_file(kStoreDir + "/" + table_file_name(999));
  ASSERT_TRUE((*stray)->append("junk").ok());
  ASSERT_TRUE(env.create_file(kStoreDir + "/MANIFEST.tmp").ok());
  auto store = open_or_die(env, small_options());
  EXPECT_EQ(store->recovery_report().orphan_files_removed, 2u);
  EXPECT_FALSE(env.exists(kStoreDir + "/" + table_file_name(999)));
}

TEST(LsmStore, MissingManifestWithDataFilesRefusesToOpen) {
  MemoryEnv env;
  {
    auto store = open_or_die(env, small_options());
    ASSERT_TRUE(store->apply("a", put_entry(1, "x")).ok());
    ASSERT_TRUE(store->flush().ok());
  }
  ASSERT_TRUE(env.remove(kStoreDir + "/MANIFEST").ok());
  auto options = small_options();
  options.repair = true;
  auto refused = LsmStore::open(env, kStoreDir, options);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kCorruption);
  EXPECT_TRUE(env.exists(kStoreDir + "/" + table_file_name(2))) << "no data file deleted";
}

TEST(LsmStore, MidLogCorruptionRefusesToOpenUnlessRepairing) {
  MemoryEnv env;
  std::string wal_path;
  {
    auto store = open_or_die(env, small_options(1 << 20));
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(store->apply("k" + std::to_string(i), put_entry(1, "value")).ok());
    }
    ASSERT_TRUE(store->sync().ok());
  }
  auto names = env.list(kStoreDir);
  for (const auto& name : *names) {
    if (parse_store_file_name(name).kind == StoreFileKind::kWal &&
        env.contents(kStoreDir + "/" + name)->size() > 100) {
      wal_path = kStoreDir + "/" + name;
    }
  }
  ASSERT_FALSE(wal_path.empty());
  env.flip_stored_bit(wal_path, 200, 3);
  auto refused = LsmStore::open(env, kStoreDir, small_options(1 << 20));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kCorruption);
  EXPECT_NE(refused.status().message().find("repair"), std::string::npos);
  auto options = small_options(1 << 20);
  options.repair = true;
  auto repaired = open_or_die(env, options);
  const auto& report = repaired->recovery_report();
  EXPECT_GT(report.corrupt_bytes_dropped, 0u);
  EXPECT_FALSE(report.events.empty());
  EXPECT_EQ(get_or_die(*repaired, "k0"), put_entry(1, "value"));
  EXPECT_FALSE(get_or_die(*repaired, "k19"));
  // Repaired for good: a plain open now succeeds.
  repaired.reset();
  EXPECT_TRUE(LsmStore::open(env, kStoreDir, small_options(1 << 20)).ok());
}

TEST(LsmStore, TornTailIsTruncatedAndReported) {
  MemoryEnv env;
  {
    auto store = open_or_die(env, small_options(1 << 20));
    ASSERT_TRUE(store->apply("synced", put_entry(1, "yes")).ok());
    ASSERT_TRUE(store->sync().ok());
    ASSERT_TRUE(store->apply("unsynced", put_entry(2, std::string(500, 'u'))).ok());
    ASSERT_TRUE(store->write_out_wal().ok());  // in the file, not synced
  }
  std::string wal_path;
  auto names = env.list(kStoreDir);
  ASSERT_TRUE(names.ok());
  for (const auto& name : *names) {
    if (parse_store_file_name(name).kind == StoreFileKind::kWal) wal_path = kStoreDir + "/" + name;
  }
  auto file = env.open_for_append(wal_path);
  ASSERT_TRUE(file.ok());
  uint64_t full_size = (*file)->size_bytes();
  ASSERT_TRUE((*file)->truncate(full_size - 100).ok());  // a crash mid-append
  auto store = open_or_die(env, small_options(1 << 20));
  EXPECT_EQ(get_or_die(*store, "synced"), put_entry(1, "yes"));
  EXPECT_FALSE(get_or_die(*store, "unsynced"));
  const auto& report = store->recovery_report();
  EXPECT_GT(report.torn_bytes_truncated, 0u);
  ASSERT_FALSE(report.events.empty());
  EXPECT_NE(report.events.back().find("short frame"), std::string::npos) << report.events.back();
  EXPECT_LT(env.contents(wal_path)->size(), full_size - 100);
}

TEST(LsmStore, StatsCountTablesAndBytes) {
  MemoryEnv env;
  auto store = open_or_die(env, small_options());
  ASSERT_TRUE(store->apply("a", put_entry(1, "x")).ok());
  ASSERT_TRUE(store->flush().ok());
  auto stats = store->stats();
  EXPECT_EQ(stats.table_count, 1u);
  EXPECT_GT(stats.table_bytes, 0u);
  EXPECT_EQ(stats.flushes, 1u);
  EXPECT_EQ(stats.memtable_bytes, 0u);
}

}  // namespace
}  // namespace ringkv

namespace ringkv {
namespace {

// A stored bit flipped in the newest table's data block: the key's read fails (it never
// falls through to the older version below), the store turns fatal and records the damage,
// and the next open sets every file aside and starts blank (docs/lost-data.md).
TEST(LsmStoreDamage, DamagedBlockIsNeverReadAroundAndTheStoreIsSetAsideAtTheNextOpen) {
  MemoryEnv env;
  {
    auto store = open_or_die(env, testing::small_options());
    ASSERT_TRUE(store->apply("k", testing::put_entry(1, "old")).ok());
    ASSERT_TRUE(store->flush().ok());
    ASSERT_TRUE(store->apply("k", testing::put_entry(2, "new")).ok());
    ASSERT_TRUE(store->flush().ok());
    auto extents = store->table_data_extents();
    ASSERT_EQ(extents.size(), 2u);
    const auto& [newest, data_end] = extents.back();
    ASSERT_GT(data_end, 0u);
    env.flip_stored_bit(newest, data_end / 2, 5);
    auto read = store->get("k");
    ASSERT_FALSE(read.ok()) << "served " << (*read ? (*read)->value : "nothing");
    EXPECT_EQ(read.status().code(), StatusCode::kCorruption);
    EXPECT_FALSE(store->damage().ok());
    EXPECT_FALSE(store->fatal_error().ok());
    EXPECT_FALSE(store->apply("x", testing::put_entry(3, "v")).ok());
    EXPECT_TRUE(env.exists(testing::kStoreDir + "/DAMAGED"));
  }
  std::string discarded;
  auto reopened = LsmStore::open_or_discard_damaged(env, testing::kStoreDir,
                                                    testing::small_options(), &discarded);
  ASSERT_TRUE(reopened.ok()) << reopened.status().to_string();
  EXPECT_NE(discarded.find("fails its checksum on every read"), std::string::npos) << discarded;
  EXPECT_FALSE(testing::get_or_die(**reopened, "k").has_value());
  EXPECT_TRUE(env.exists(testing::kStoreDir + ".damaged/DAMAGED"));
  EXPECT_FALSE(env.exists(testing::kStoreDir + "/DAMAGED"));
  // A clean store opens as it is.
  reopened->reset();
  auto again = LsmStore::open_or_discard_damaged(env, testing::kStoreDir,
                                                 testing::small_options(), &discarded);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(discarded.empty());
}

// Damage that recovery itself meets (a record in the middle of the WAL fails its
// checksum, on every open): the store is set aside like a damaged block's and opens blank
// (the node then rebuilds from its replicas), instead of refusing to start.
TEST(LsmStoreDamage, CorruptionMetByRecoverySetsTheStoreAside) {
  MemoryEnv env;
  {
    auto store = open_or_die(env, testing::small_options(1 << 20));
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(store->apply("k" + std::to_string(i), testing::put_entry(1, "value")).ok());
    }
    ASSERT_TRUE(store->sync().ok());
  }
  std::string wal_path;
  const auto names = env.list(testing::kStoreDir);
  ASSERT_TRUE(names.ok());
  for (const auto& name : *names) {
    if (parse_store_file_name(name).kind == StoreFileKind::kWal &&
        env.contents(testing::kStoreDir + "/" + name)->size() > 100) {
      wal_path = testing::kStoreDir + "/" + name;
    }
  }
  ASSERT_FALSE(wal_path.empty());
  env.flip_stored_bit(wal_path, 200, 3);
  ASSERT_EQ(LsmStore::open(env, testing::kStoreDir, testing::small_options(1 << 20)).status().code(),
            StatusCode::kCorruption);
  std::string discarded;
  auto reopened = LsmStore::open_or_discard_damaged(env, testing::kStoreDir,
                                                    testing::small_options(1 << 20), &discarded);
  ASSERT_TRUE(reopened.ok()) << reopened.status().to_string();
  EXPECT_NE(discarded.find("recovery failed on every open"), std::string::npos) << discarded;
  EXPECT_FALSE(testing::get_or_die(**reopened, "k0").has_value()) << "blank after the set-aside";
  EXPECT_TRUE(env.exists(testing::kStoreDir + ".damaged/DAMAGED"));
  EXPECT_TRUE(env.exists(testing::kStoreDir + ".damaged/" +
                         wal_path.substr(testing::kStoreDir.size() + 1)))
      << "the damaged WAL is kept for inspection";
}

// Bit flips on the way from the disk (the stored bytes intact) are errors, never damage.
TEST(LsmStoreDamage, TransientReadFlipsAreNotDamage) {
  MemoryEnv env(7);
  LsmOptions options = testing::small_options();
  options.block_cache_bytes = 0;  // every get reads its block from the disk
  auto store = open_or_die(env, options);
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(store->apply("k" + std::to_string(i), testing::put_entry(1, "value")).ok());
  }
  ASSERT_TRUE(store->flush().ok());
  FaultOptions faults;
  faults.read_bit_flip_permille = 100;
  env.set_faults(faults);
  int errors = 0;
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 200; ++i) {
      auto read = store->get("k" + std::to_string(i));
      if (!read.ok()) ++errors;
      ASSERT_TRUE(store->damage().ok()) << store->damage().to_string();
    }
  }
  EXPECT_GT(errors, 0);  // the flips did reach reads
}

}  // namespace
}  // namespace ringkv
