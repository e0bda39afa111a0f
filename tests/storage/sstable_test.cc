#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <set>

#include "core/storage/block_cache.h"
#include "core/storage/bloom_filter.h"
#include "core/storage/coding.h"
#include "core/storage/memory_env.h"
#include "core/storage/sstable_builder.h"
#include "core/storage/sstable_reader.h"
#include "core/storage/storage_format.h"
#include "tests/storage/storage_test_util.h"

namespace ringkv {
namespace {

using RecordMap = std::map<std::string, StoredRecord>;

std::string key_for(int index) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "key-%08d", index);
  return buffer;
}

RecordMap sample_table(int count) {
  RecordMap records;
  for (int index = 0; index < count; ++index) {
    StoredRecord record{testing::put_entry(index + 1, "value-" + std::to_string(index)), false};
    if (index % 7 == 3) record = {testing::tombstone_entry(index + 1), false};
    if (index % 11 == 5) record = StoredRecord::purge_marker(Version{uint64_t(index), "n2"});
    records[key_for(index)] = record;
  }
  return records;
}

void write_table(MemoryEnv& env, const std::string& path, const RecordMap& records,
                 uint32_t format_version = storage_format::kTableFormatVersion) {
  auto file = env.create_file(path);
  ASSERT_TRUE(file.ok());
  SstableBuilder builder(std::move(*file), storage_format::kDefaultBloomBitsPerKey,
                         format_version);
  for (const auto& [key, record] : records) ASSERT_TRUE(builder.add(key, record).ok());
  ASSERT_TRUE(builder.finish().ok());
}

class SstableTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(env.create_dir("/t").ok()); }
  MemoryEnv env{3};
};

TEST_F(SstableTest, RoundTripFindAndScan) {
  RecordMap records = sample_table(2000);
  write_table(env, "/t/1.sst", records);
  auto table = SstableReader::open(env, "/t/1.sst");
  ASSERT_TRUE(table.ok()) << table.status().to_string();
  EXPECT_GT((*table)->data_block_count(), 5u);
  EXPECT_EQ((*table)->entry_count(), records.size());
  for (const auto& [key, record] : records) {
    auto found = (*table)->find(key);
    ASSERT_TRUE(found.ok());
    ASSERT_EQ(*found, std::optional<StoredRecord>(record)) << key;
  }
  auto missing = (*table)->find("key-zzz");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  auto iterator = (*table)->seek(key_for(1500));
  ASSERT_TRUE(iterator.ok());
  auto expected = records.find(key_for(1500));
  for (; (*iterator)->valid(); ++expected) {
    ASSERT_NE(expected, records.end());
    ASSERT_EQ((*iterator)->key(), expected->first);
    ASSERT_EQ((*iterator)->record(), expected->second);
    ASSERT_TRUE((*iterator)->next().ok());
  }
  EXPECT_EQ(expected, records.end());
  EXPECT_TRUE((*table)->verify().ok());
}

TEST_F(SstableTest, EmptyTableIsValid) {
  write_table(env, "/t/1.sst", {});
  auto table = SstableReader::open(env, "/t/1.sst");
  ASSERT_TRUE(table.ok());
  auto iterator = (*table)->seek("");
  ASSERT_TRUE(iterator.ok());
  EXPECT_FALSE((*iterator)->valid());
  EXPECT_FALSE((*table)->find("a")->has_value());
}

TEST_F(SstableTest, BloomFalsePositiveRateIsLowAtTenBitsPerKey) {
  for (uint32_t format : {1u, 2u}) {
    BloomFilterBuilder builder(10, format);
    constexpr int kKeys = 10000;
    for (int index = 0; index < kKeys; ++index) builder.add_key(key_for(index));
    std::string filter = builder.finish();
    for (int index = 0; index < kKeys; ++index)
      ASSERT_TRUE(bloom_may_contain(filter, key_for(index), format));
    int false_positives = 0;
    constexpr int kProbes = 20000;
    for (int index = 0; index < kProbes; ++index) {
      if (bloom_may_contain(filter, "absent-" + std::to_string(index), format)) ++false_positives;
    }
    double rate = double(false_positives) / kProbes;
    EXPECT_LT(rate, 0.03) << "format " << format << ": " << false_positives;
    EXPECT_GT(false_positives, 0) << "a 10 bit/key filter with no false positive is suspicious";
  }
}

// Tables written before format 2 (whole keys, no restart points, the spread-out bloom
// filter) are read as they are; compaction rewrites them in the current format.
TEST_F(SstableTest, FormatOneTablesStayReadable) {
  RecordMap records = sample_table(1500);
  write_table(env, "/t/1.sst", records, 1);
  auto table = SstableReader::open(env, "/t/1.sst");
  ASSERT_TRUE(table.ok()) << table.status().to_string();
  EXPECT_EQ((*table)->format_version(), 1u);
  for (const auto& [key, record] : records) {
    auto found = (*table)->find(key);
    ASSERT_TRUE(found.ok());
    ASSERT_EQ(*found, std::optional<StoredRecord>(record)) << key;
  }
  auto iterator = (*table)->seek(key_for(700));
  ASSERT_TRUE(iterator.ok());
  auto expected = records.find(key_for(700));
  for (; (*iterator)->valid(); ++expected) {
    ASSERT_EQ((*iterator)->key(), expected->first);
    ASSERT_TRUE((*iterator)->next().ok());
  }
  EXPECT_EQ(expected, records.end());
  EXPECT_TRUE((*table)->verify().ok());
}

// Format 2 shares key prefixes: same records, fewer bytes.
TEST_F(SstableTest, FormatTwoIsSmallerThanFormatOne) {
  RecordMap records = sample_table(1500);
  write_table(env, "/t/1.sst", records, 1);
  write_table(env, "/t/2.sst", records, 2);
  EXPECT_LT(env.contents("/t/2.sst")->size(), env.contents("/t/1.sst")->size());
}

TEST_F(SstableTest, BlockCacheServesRepeatedReadsAndStaysWithinItsCapacity) {
  RecordMap records = sample_table(2000);
  write_table(env, "/t/1.sst", records);
  BlockCache cache(3 * 4096 + 1024);  // about three blocks
  auto table = SstableReader::open(env, "/t/1.sst", TableReadOptions{&cache, 1});
  ASSERT_TRUE(table.ok());
  // A get reads the key's filter page, then its index chunk, then its block; the metadata
  // is kept at once, a data block on its second read.
  ASSERT_TRUE((*table)->find(key_for(10))->has_value());
  EXPECT_EQ(cache.misses(), 3u);
  EXPECT_GT(cache.metadata_bytes(), 0u);
  EXPECT_EQ(cache.not_admitted(), 1u);
  ASSERT_TRUE((*table)->find(key_for(11))->has_value());  // the same page, chunk and block
  EXPECT_EQ(cache.hits(), 2u);
  EXPECT_EQ(cache.misses(), 4u);  // the block again, now kept
  ASSERT_TRUE((*table)->find(key_for(12))->has_value());
  EXPECT_EQ(cache.hits(), 5u);
  for (const auto& [key, record] : records) {
    auto found = (*table)->find(key);
    ASSERT_TRUE(found.ok());
    ASSERT_EQ(*found, std::optional<StoredRecord>(record)) << key;
    ASSERT_LE(cache.bytes(), cache.capacity_bytes());
  }
  EXPECT_GT(cache.bytes(), 0u);
  // A scan does not fill the cache (it would push out what point reads use).
  const uint64_t misses = cache.misses();
  const uint64_t held = cache.bytes();
  auto iterator = (*table)->seek("");
  ASSERT_TRUE(iterator.ok());
  while ((*iterator)->valid()) ASSERT_TRUE((*iterator)->next().ok());
  EXPECT_GT(cache.misses(), misses);
  EXPECT_EQ(cache.bytes(), held);
  cache.erase_table(1);
  EXPECT_EQ(cache.bytes(), 0u);
}

// Opened with a cache, a table keeps only a summary of its index and filter in memory and
// reads their chunks and pages through the cache: with a cache far smaller than the
// metadata, every key is still found, every seek lands right, nothing else is found, and the
// table holds a small fraction of what it holds without a cache.
TEST_F(SstableTest, MetadataReadThroughASmallCacheAnswersLikeAResidentOne) {
  RecordMap records;
  for (int index = 0; index < 80000; index += 2) {
    records[key_for(index)] = StoredRecord{testing::put_entry(index + 1, "v" + key_for(index)), false};
  }
  write_table(env, "/t/1.sst", records);
  BlockCache cache(3 * 4096);
  auto paged = SstableReader::open(env, "/t/1.sst", TableReadOptions{&cache, 1});
  auto resident = SstableReader::open(env, "/t/1.sst");
  ASSERT_TRUE(paged.ok() && resident.ok());
  ASSERT_GT((*paged)->data_block_count(), 3 * kIndexChunkEntries);  // several chunks
  EXPECT_LT((*paged)->memory_bytes() * 20, (*resident)->memory_bytes());
  for (int index = 0; index < 80001; ++index) {
    const std::string key = key_for(index);
    auto found = (*paged)->find(key);
    ASSERT_TRUE(found.ok()) << found.status().message();
    auto expected = records.find(key);
    ASSERT_EQ(*found, expected == records.end() ? std::nullopt
                                                : std::optional<StoredRecord>(expected->second))
        << key;
    ASSERT_LE(cache.bytes(), cache.capacity_bytes());
    if (index % 97 != 0) continue;
    for (bool fill : {false, true}) {
      auto iterator = (*paged)->seek(key, fill ? CacheUse::kFill : CacheUse::kLookOnly);
      ASSERT_TRUE(iterator.ok());
      auto want = records.lower_bound(key);
      for (int step = 0; step < 70 && want != records.end(); ++step, ++want) {
        ASSERT_TRUE((*iterator)->valid());
        ASSERT_EQ((*iterator)->key(), want->first);
        ASSERT_TRUE((*iterator)->next().ok());
      }
    }
  }
  EXPECT_GT(cache.metadata_bytes(), 0u);
  EXPECT_TRUE((*paged)->verify().ok());
}

// A bit flipped in the index or the filter after the table was opened (so after the checks
// at open) is caught when the chunk or page is read: a get answers corruption or the right
// record, never "absent" for a key the table holds.
TEST_F(SstableTest, MetadataDamagedAfterOpenShowsAsCorruption) {
  RecordMap records;
  for (int index = 0; index < 12000; ++index) {
    records[key_for(index)] = StoredRecord{testing::put_entry(index + 1, "v"), false};
  }
  write_table(env, "/t/1.sst", records);
  const std::string file = *env.contents("/t/1.sst");
  const uint64_t footer = file.size() - storage_format::kTableFooterBytes;
  const uint64_t filter_offset = decode_fixed64(file.data() + footer);
  const uint64_t filter_bits = decode_fixed64(file.data() + footer + 8) - 1;  // without probes
  const uint64_t index_offset = decode_fixed64(file.data() + footer + 16);
  const uint64_t index_size = decode_fixed64(file.data() + footer + 24);
  std::vector<uint64_t> offsets;
  for (uint64_t offset = filter_offset; offset < filter_offset + filter_bits; offset += 1013) {
    offsets.push_back(offset);
  }
  for (uint64_t offset = index_offset; offset < index_offset + index_size; offset += 211) {
    offsets.push_back(offset);
  }
  for (uint64_t offset : offsets) {
    BlockCache cache(1);  // holds nothing: every chunk and page is read again
    auto table = SstableReader::open(env, "/t/1.sst", TableReadOptions{&cache, 1});
    ASSERT_TRUE(table.ok());
    env.flip_stored_bit("/t/1.sst", offset, static_cast<int>(offset % 8));
    int corrupt = 0;
    for (int index = 0; index < 12000; index += 3) {
      auto found = (*table)->find(key_for(index));
      if (!found.ok()) {
        ASSERT_EQ(found.status().code(), StatusCode::kCorruption);
        ++corrupt;
        continue;
      }
      ASSERT_EQ(*found, std::optional<StoredRecord>(records.at(key_for(index)))) << offset;
    }
    EXPECT_GT(corrupt, 0) << "offset " << offset;
    EXPECT_EQ((*table)->check_metadata().code(), StatusCode::kCorruption) << offset;
    env.flip_stored_bit("/t/1.sst", offset, static_cast<int>(offset % 8));  // back
  }
}

// The cache hands out checked blocks: a block damaged on the disk after it was cached is
// still served from memory intact, and the damage shows as soon as it is read again.
TEST_F(SstableTest, CachedBlocksAreCheckedOnceAndDamageShowsOnTheNextRead) {
  RecordMap records = sample_table(300);
  write_table(env, "/t/1.sst", records);
  BlockCache cache(1 << 20);
  auto table = SstableReader::open(env, "/t/1.sst", TableReadOptions{&cache, 1});
  ASSERT_TRUE(table.ok());
  ASSERT_TRUE((*table)->find(key_for(0))->has_value());
  ASSERT_TRUE((*table)->find(key_for(0))->has_value());  // kept on its second read
  env.flip_stored_bit("/t/1.sst", 10, 2);  // inside the first data block
  EXPECT_TRUE((*table)->find(key_for(0)).ok());
  cache.erase_table(1);
  EXPECT_EQ((*table)->find(key_for(0)).status().code(), StatusCode::kCorruption);
}

// A flipped bit anywhere (data, filter, index, footer) must yield corruption on open or on
// the read that covers it; never a wrong record.
TEST_F(SstableTest, EveryDamagedByteIsDetected) {
  RecordMap records = sample_table(300);
  write_table(env, "/t/1.sst", records);
  uint64_t size = env.contents("/t/1.sst")->size();
  for (uint64_t offset = 0; offset < size; offset += 7) {
    env.flip_stored_bit("/t/1.sst", offset, static_cast<int>(offset % 8));
    auto table = SstableReader::open(env, "/t/1.sst");
    if (table.ok()) {
      Status verified = (*table)->verify();
      ASSERT_EQ(verified.code(), StatusCode::kCorruption) << "offset " << offset;
      for (int index = static_cast<int>(offset % 5); index < 300; index += 5) {
        const std::string key = key_for(index);
        const StoredRecord& record = records.at(key);
        auto found = (*table)->find(key);
        ASSERT_TRUE(!found.ok() || *found == std::optional<StoredRecord>(record))
            << "offset " << offset << " key " << key;
        if (found.ok()) continue;
        ASSERT_EQ(found.status().code(), StatusCode::kCorruption);
      }
    } else {
      ASSERT_EQ(table.status().code(), StatusCode::kCorruption) << "offset " << offset;
    }
    env.flip_stored_bit("/t/1.sst", offset, static_cast<int>(offset % 8));
  }
}

TEST_F(SstableTest, TransientReadFlipIsRetriedAway) {
  write_table(env, "/t/1.sst", sample_table(500));
  auto table = SstableReader::open(env, "/t/1.sst");
  ASSERT_TRUE(table.ok());
  env.set_faults(FaultOptions{.read_bit_flip_permille = 100});
  int corruptions = 0;
  for (int index = 0; index < 500; ++index) {
    auto found = (*table)->find(key_for(index));
    if (!found.ok()) {
      ASSERT_EQ(found.status().code(), StatusCode::kCorruption);
      ++corruptions;
    }
  }
  EXPECT_LT(corruptions, 30);  // ~1% expected (two flips in a row); never a wrong value
}

// A scan reads blocks ahead (growing reads of several blocks). Whatever the faults on the
// way from the disk, a scan yields the table's records in order or stops with corruption
// or an I/O error; a flip inside the readahead costs a re-read of that block alone, so
// most scans still finish.
TEST_F(SstableTest, ScansReadAheadAndReReadAFlippedBlockAlone) {
  RecordMap records = sample_table(20000);
  write_table(env, "/t/1.sst", records);
  auto table = SstableReader::open(env, "/t/1.sst");
  ASSERT_TRUE(table.ok());
  ASSERT_GT((*table)->data_block_count(), 64u);  // more than one index chunk
  for (const std::string& start : {std::string(), key_for(777), key_for(19999)}) {
    auto iterator = (*table)->seek(start);
    ASSERT_TRUE(iterator.ok());
    auto expected = records.lower_bound(start);
    for (; (*iterator)->valid(); ++expected) {
      ASSERT_NE(expected, records.end());
      ASSERT_EQ((*iterator)->key(), expected->first);
      ASSERT_EQ((*iterator)->record(), expected->second);
      ASSERT_TRUE((*iterator)->next().ok());
    }
    EXPECT_EQ(expected, records.end()) << "from " << start;
  }
  env.set_faults(FaultOptions{.read_bit_flip_permille = 200});
  int finished = 0;
  for (int round = 0; round < 40; ++round) {
    auto iterator = (*table)->seek("");
    if (!iterator.ok()) continue;
    auto expected = records.begin();
    Status status;
    for (; (*iterator)->valid() && status.ok(); ++expected) {
      ASSERT_NE(expected, records.end());
      ASSERT_EQ((*iterator)->key(), expected->first);
      ASSERT_EQ((*iterator)->record(), expected->second);
      status = (*iterator)->next();
    }
    if (!status.ok()) {
      ASSERT_EQ(status.code(), StatusCode::kCorruption) << status.to_string();
      continue;
    }
    EXPECT_EQ(expected, records.end());
    ++finished;
  }
  EXPECT_GT(finished, 20) << finished;
}

TEST_F(SstableTest, TruncatedFileIsCorruption) {
  write_table(env, "/t/1.sst", sample_table(100));
  std::string bytes = *env.contents("/t/1.sst");
  for (size_t cut : {size_t{0}, size_t{10}, bytes.size() / 2, bytes.size() - 1}) {
    auto file = env.create_file("/t/2.sst");
    ASSERT_TRUE((*file)->append(bytes.substr(0, cut)).ok());
    auto table = SstableReader::open(env, "/t/2.sst");
    ASSERT_FALSE(table.ok());
    EXPECT_EQ(table.status().code(), StatusCode::kCorruption);
  }
}

// Overwriting any byte range with arbitrary bytes never crashes the reader and never yields
// a record that was not written.
RC_GTEST_PROP(SstableProperty, ArbitraryDamageIsNeverServed, (std::string garbage)) {
  MemoryEnv env;
  RC_ASSERT(env.create_dir("/t").ok());
  RecordMap records = sample_table(200);
  auto file = env.create_file("/t/1.sst");
  SstableBuilder builder(std::move(*file), 10);
  for (const auto& [key, record] : records) RC_ASSERT(builder.add(key, record).ok());
  RC_ASSERT(builder.finish().ok());
  std::string bytes = *env.contents("/t/1.sst");
  size_t offset = *rc::gen::inRange<size_t>(0, bytes.size());
  std::string damaged = bytes.substr(0, offset) + garbage;
  if (offset + garbage.size() < bytes.size()) damaged += bytes.substr(offset + garbage.size());
  RC_PRE(damaged != bytes);
  auto rewrite = env.create_file("/t/1.sst");
  RC_ASSERT((*rewrite)->append(damaged).ok());
  auto table = SstableReader::open(env, "/t/1.sst");
  if (!table.ok()) return;
  for (const auto& [key, record] : records) {
    auto found = (*table)->find(key);
    bool served_correctly = !found.ok() || *found == std::optional<StoredRecord>(record);
    RC_ASSERT(served_correctly);
  }
  auto iterator = (*table)->seek("");
  if (!iterator.ok()) return;
  while ((*iterator)->valid()) {
    auto expected = records.find(std::string((*iterator)->key()));
    RC_ASSERT(expected != records.end());
    RC_ASSERT(expected->second == (*iterator)->record());
    if (!(*iterator)->next().ok()) break;
  }
}

// Seeking lands on the first key >= the target in both formats, whatever the keys share
// and wherever the restart points fall; through a cache that holds about one block too.
RC_GTEST_PROP(SstableProperty, SeekFindsTheFirstKeyNotBelowTheTarget,
              (std::set<std::string> keys, std::vector<std::string> targets)) {
  const auto format = *rc::gen::inRange<uint32_t>(1, 3);
  MemoryEnv env;
  RC_ASSERT(env.create_dir("/t").ok());
  RecordMap records;
  uint64_t counter = 1;
  for (const std::string& key : keys) {
    records["p/" + key] = StoredRecord{testing::put_entry(counter++, key + key), false};
  }
  auto file = env.create_file("/t/1.sst");
  SstableBuilder builder(std::move(*file), 10, format);
  for (const auto& [key, record] : records) RC_ASSERT(builder.add(key, record).ok());
  RC_ASSERT(builder.finish().ok());
  BlockCache cache(5000);
  auto table = SstableReader::open(env, "/t/1.sst", TableReadOptions{&cache, 1});
  RC_ASSERT(table.ok());
  for (std::string target : targets) {
    target = "p/" + target;
    auto iterator = (*table)->seek(target, CacheUse::kFill);
    RC_ASSERT(iterator.ok());
    auto expected = records.lower_bound(target);
    for (int steps = 0; steps < 3 && expected != records.end(); ++steps, ++expected) {
      RC_ASSERT((*iterator)->valid());
      RC_ASSERT((*iterator)->key() == expected->first);
      RC_ASSERT((*iterator)->record() == expected->second);
      RC_ASSERT((*iterator)->next().ok());
    }
    if (expected == records.end()) RC_ASSERT(!(*iterator)->valid());
    auto found = (*table)->find(target);
    RC_ASSERT(found.ok());
    RC_ASSERT(found->has_value() == (records.count(target) > 0));
  }
  RC_ASSERT((*table)->verify().ok());
}

RC_GTEST_PROP(SstableProperty, RoundTripsArbitraryKeysAndValues,
              (std::map<std::string, std::string> items)) {
  MemoryEnv env;
  RC_ASSERT(env.create_dir("/t").ok());
  RecordMap records;
  uint64_t counter = 1;
  for (const auto& [key, value] : items) {
    records[key] = StoredRecord{testing::put_entry(counter++, value), false};
  }
  auto file = env.create_file("/t/1.sst");
  SstableBuilder builder(std::move(*file), 10);
  for (const auto& [key, record] : records) RC_ASSERT(builder.add(key, record).ok());
  RC_ASSERT(builder.finish().ok());
  auto table = SstableReader::open(env, "/t/1.sst");
  RC_ASSERT(table.ok());
  for (const auto& [key, record] : records) {
    auto found = (*table)->find(key);
    RC_ASSERT(found.ok());
    RC_ASSERT(*found == std::optional<StoredRecord>(record));
  }
  RC_ASSERT((*table)->verify().ok());
}

}  // namespace
}  // namespace ringkv
