// Memtable: the arena, the hash index and the lazily sorted key order against a std::map.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "core/hash.h"
#include "core/storage/memtable.h"
#include "core/storage/merging_iterator.h"

namespace ringkv {
namespace {

StoredRecord put_record(uint64_t counter, std::string value) {
  return StoredRecord{Entry{Version{counter, "n1"}, false, std::move(value)}, false};
}

std::optional<StoredRecord> find(const Memtable& memtable, const std::string& key) {
  RecordView view;
  if (!memtable.find(key, hash64(key), view)) return std::nullopt;
  EXPECT_EQ(view.key, key);
  StoredRecord record;
  materialize_record(view, record);
  return record;
}

std::vector<std::pair<std::string, StoredRecord>> scan_all(const Memtable& memtable,
                                                           std::string_view start) {
  std::vector<std::pair<std::string, StoredRecord>> out;
  for (auto it = memtable_iterator(memtable, start); it->valid();) {
    out.emplace_back(std::string(it->key()), it->record());
    EXPECT_TRUE(it->next().ok());
  }
  return out;
}

TEST(MemtableTest, FindsReplacesAndOrders) {
  Memtable memtable;
  EXPECT_TRUE(memtable.empty());
  EXPECT_FALSE(find(memtable, "a").has_value());
  memtable.put("b", hash64("b"), put_record(1, "one"));
  memtable.put("a", hash64("a"), StoredRecord::purge_marker(Version{4, "n2"}));
  memtable.put("c", hash64("c"), put_record(2, "two"));
  memtable.put("b", hash64("b"), put_record(3, "three"));  // replaces
  EXPECT_EQ(memtable.record_count(), 3u);
  EXPECT_EQ(find(memtable, "b"), put_record(3, "three"));
  EXPECT_EQ(find(memtable, "a"), StoredRecord::purge_marker(Version{4, "n2"}));
  auto all = scan_all(memtable, "");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].first, "a");
  EXPECT_EQ(all[1].first, "b");
  EXPECT_EQ(all[1].second, put_record(3, "three"));
  EXPECT_EQ(all[2].first, "c");
  EXPECT_EQ(scan_all(memtable, "bb").size(), 1u);
  EXPECT_EQ(scan_all(memtable, "d").size(), 0u);
  memtable.clear();
  EXPECT_TRUE(memtable.empty());
  EXPECT_EQ(memtable.approximate_bytes(), 0u);
  EXPECT_FALSE(find(memtable, "b").has_value());
}

TEST(MemtableTest, ReplacedBytesStayCountedUntilCleared) {
  Memtable memtable;
  memtable.put("k", hash64("k"), put_record(1, std::string(1000, 'x')));
  const size_t once = memtable.approximate_bytes();
  memtable.put("k", hash64("k"), put_record(2, std::string(1000, 'y')));
  EXPECT_GT(memtable.approximate_bytes(), once + 1000);  // what the arena holds
  EXPECT_EQ(memtable.record_count(), 1u);
}

TEST(MemtableTest, LargeRecordsAndManyKeysGrowTheArenaAndIndex) {
  Memtable memtable;
  const std::string big(1 << 20, 'z');  // a block of its own
  memtable.put("big", hash64("big"), put_record(1, big));
  for (int i = 0; i < 5000; ++i) {  // the index grows several times
    const std::string key = "key-" + std::to_string(i);
    memtable.put(key, hash64(key), put_record(uint64_t(i) + 2, std::to_string(i)));
  }
  EXPECT_EQ(find(memtable, "big")->entry.value, big);
  for (int i = 0; i < 5000; i += 97) {
    EXPECT_EQ(find(memtable, "key-" + std::to_string(i))->entry.value, std::to_string(i));
  }
  EXPECT_EQ(scan_all(memtable, "").size(), 5001u);
}

TEST(MemtableTest, SameHashDifferentKeysStayApart) {
  Memtable memtable;  // a forced collision: both keys given the same hash
  memtable.put("x", 7, put_record(1, "x"));
  memtable.put("y", 7, put_record(2, "y"));
  RecordView view;
  ASSERT_TRUE(memtable.find("y", 7, view));
  EXPECT_EQ(view.value, "y");
  ASSERT_TRUE(memtable.find("x", 7, view));
  EXPECT_EQ(view.value, "x");
  EXPECT_FALSE(memtable.find("z", 7, view));
}

// Puts interleaved with scans (each scan sorts only what came since the last) agree with a
// map at every step.
RC_GTEST_PROP(MemtableProperty, AgreesWithAMap, (std::vector<std::pair<uint8_t, bool>> ops)) {
  Memtable memtable;
  std::map<std::string, StoredRecord> model;
  uint64_t counter = 0;
  for (const auto& [key_number, scan] : ops) {
    const std::string key = "k" + std::to_string(key_number % 40);
    if (scan) {
      const std::string start = "k" + std::to_string(key_number % 7);
      auto got = scan_all(memtable, start);
      std::vector<std::pair<std::string, StoredRecord>> want(model.lower_bound(start), model.end());
      RC_ASSERT(got == want);
    } else {
      StoredRecord record = put_record(++counter, std::string(key_number % 5, 'v'));
      memtable.put(key, hash64(key), record);
      model[key] = record;
    }
    RC_ASSERT(memtable.record_count() == model.size());
  }
  for (const auto& [key, record] : model) RC_ASSERT(find(memtable, key) == record);
}

}  // namespace
}  // namespace ringkv
