// BlockCache against a list-based LRU model: the slab, the intrusive LRU order and the
// open-addressing index with backward-shift deletion must keep exactly the model's items.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <list>
#include <string>
#include <memory>
#include <tuple>
#include <vector>

#include "core/prng.h"
#include "core/storage/block_cache.h"

namespace ringkv {
namespace {

struct ModelItem {
  uint64_t table;
  uint64_t offset;
  int value;
  size_t charge;
};

// (kind: 0-4 insert, 5-8 lookup, 9 erase a table; table; offset; charge). Few tables and
// offsets: many probe collisions and replacements.
using Op = std::tuple<uint8_t, uint8_t, uint8_t, uint8_t>;

TEST(BlockCacheTest, EvictsLeastRecentlyUsedFirst) {
  BlockCache cache(300);
  cache.insert(1, 0, std::make_shared<int>(10), 100, BlockCache::Kind::kMetadata);
  cache.insert(1, 4096, std::make_shared<int>(11), 100, BlockCache::Kind::kMetadata);
  cache.insert(2, 0, std::make_shared<int>(20), 100, BlockCache::Kind::kMetadata);
  EXPECT_EQ(*cache.lookup<int>(1, 0), 10);  // now the newest
  cache.insert(3, 0, std::make_shared<int>(30), 100, BlockCache::Kind::kMetadata);  // evicts (1, 4096)
  EXPECT_EQ(cache.lookup<int>(1, 4096), nullptr);
  EXPECT_EQ(cache.metadata_bytes(), cache.bytes());
  EXPECT_EQ(*cache.peek<int>(2, 0), 20);
  EXPECT_EQ(cache.bytes(), 300u);
  cache.insert(4, 0, std::make_shared<int>(40), 301, BlockCache::Kind::kMetadata);  // too large
  EXPECT_EQ(cache.lookup<int>(4, 0), nullptr);
  cache.erase_table(2);
  EXPECT_EQ(cache.lookup<int>(2, 0), nullptr);
  EXPECT_EQ(cache.bytes(), 200u);
}

#define MODEL_CHECK(condition) \
  if (!(condition)) return "mismatch: " #condition

// Runs `ops` on a cache and on the model: empty, or the first mismatch.
std::string run_against_model(const std::vector<Op>& ops) {
  constexpr size_t kCapacity = 400;
  BlockCache cache(kCapacity);
  std::list<ModelItem> model;  // front: newest
  size_t model_bytes = 0;
  uint64_t hits = 0, misses = 0;
  int next_value = 0;
  auto find = [&](uint64_t table, uint64_t offset) {
    return std::find_if(model.begin(), model.end(), [&](const ModelItem& item) {
      return item.table == table && item.offset == offset;
    });
  };
  for (const auto& [op_kind, op_table, op_offset, op_charge] : ops) {
    const uint64_t table = op_table % 8, offset = uint64_t(op_offset % 32) * 4096;
    const int kind = op_kind % 10;
    if (kind < 5) {
      const size_t charge = op_charge % 50 == 0 ? kCapacity + 1 : op_charge % 12 + 1;
      const int value = ++next_value;
      if (auto it = find(table, offset); it != model.end()) {
        model_bytes -= it->charge;
        model.erase(it);
      }
      if (charge <= kCapacity) {
        while (model_bytes + charge > kCapacity) {
          model_bytes -= model.back().charge;
          model.pop_back();
        }
        model.push_front(ModelItem{table, offset, value, charge});
        model_bytes += charge;
      }
      cache.insert(table, offset, std::make_shared<int>(value), charge, BlockCache::Kind::kMetadata);
    } else if (kind < 9) {
      auto got = cache.lookup<int>(table, offset);
      auto it = find(table, offset);
      if (it == model.end()) {
        ++misses;
        MODEL_CHECK(got == nullptr);
      } else {
        ++hits;
        MODEL_CHECK(got != nullptr);
        MODEL_CHECK(*got == it->value);
        model.splice(model.begin(), model, it);
      }
    } else {
      cache.erase_table(table);
      for (auto it = model.begin(); it != model.end();) {
        if (it->table == table) {
          model_bytes -= it->charge;
          it = model.erase(it);
        } else {
          ++it;
        }
      }
    }
    MODEL_CHECK(cache.bytes() == model_bytes);
  }
  MODEL_CHECK(cache.hits() == hits);
  MODEL_CHECK(cache.misses() == misses);
  for (const ModelItem& item : model) {  // peek does not reorder the model's view
    const int* got = cache.peek<int>(item.table, item.offset);
    MODEL_CHECK(got != nullptr);
    MODEL_CHECK(*got == item.value);
  }
  return "";
}

// A data block is kept on its second read while the doorkeeper remembers the first;
// metadata at once.
TEST(BlockCacheTest, DataBlocksAreKeptOnTheirSecondRead) {
  BlockCache cache(1 << 20);
  cache.insert(1, 0, std::make_shared<int>(1), 100, BlockCache::Kind::kData);
  EXPECT_EQ(cache.lookup<int>(1, 0), nullptr);
  EXPECT_EQ(cache.not_admitted(), 1u);
  cache.insert(1, 0, std::make_shared<int>(2), 100, BlockCache::Kind::kData);
  ASSERT_NE(cache.lookup<int>(1, 0), nullptr);
  EXPECT_EQ(*cache.lookup<int>(1, 0), 2);
  cache.insert(1, 0, std::make_shared<int>(3), 100, BlockCache::Kind::kData);  // a replacement
  EXPECT_EQ(*cache.lookup<int>(1, 0), 3);
  cache.insert(2, 0, std::make_shared<int>(4), 100, BlockCache::Kind::kMetadata);
  EXPECT_EQ(*cache.lookup<int>(2, 0), 4);
  // Blocks read once each, far more than the doorkeeper holds, are not kept, and push out
  // nothing.
  for (uint64_t offset = 4096; offset < 4096 * 100000; offset += 4096) {
    cache.insert(3, offset, std::make_shared<int>(5), 100, BlockCache::Kind::kData);
  }
  EXPECT_EQ(cache.bytes(), 200u);
  EXPECT_EQ(cache.not_admitted(), 1u + 99999u);
}

RC_GTEST_PROP(BlockCacheProperty, AgreesWithAListModel, (std::vector<Op> ops)) {
  RC_ASSERT(run_against_model(ops) == "");
}

// Long runs fill the index to its load limit, so probe runs wrap around its end and
// deletions shift entries across it (short RapidCheck cases rarely get there).
TEST(BlockCacheTest, LongRunsAgreeWithAListModel) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    Prng prng(seed);
    std::vector<Op> ops;
    for (int i = 0; i < 20000; ++i) {
      ops.emplace_back(prng.uniform(256), prng.uniform(256), prng.uniform(256), prng.uniform(256));
    }
    EXPECT_EQ(run_against_model(ops), "") << "seed " << seed;
  }
}

}  // namespace
}  // namespace ringkv
