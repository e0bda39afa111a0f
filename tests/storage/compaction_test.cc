#include "core/storage/compaction.h"

#include <gtest/gtest.h>

namespace ringkv {
namespace {

CompactionPolicy policy() {
  CompactionPolicy policy;
  policy.min_merge_tables = 4;
  policy.max_merge_tables = 6;
  policy.max_tables = 10;
  policy.tier_base_bytes = 1000;
  return policy;
}

TEST(PickCompaction, NothingBelowTheThreshold) {
  EXPECT_FALSE(pick_compaction({}, policy()));
  EXPECT_FALSE(pick_compaction({500, 600, 700}, policy()));
}

TEST(PickCompaction, FourSimilarAdjacentTablesMerge) {
  auto pick = pick_compaction({50000, 500, 600, 700, 800}, policy());
  ASSERT_TRUE(pick);
  EXPECT_EQ(pick->first_index, 1u);
  EXPECT_EQ(pick->count, 4u);
}

TEST(PickCompaction, DissimilarSizesDoNotMerge) {
  EXPECT_FALSE(pick_compaction({500, 50000, 600, 70000, 800}, policy()));
}

TEST(PickCompaction, WidestMergeIsCapped) {
  auto pick = pick_compaction(std::vector<uint64_t>(9, 100), policy());
  ASSERT_TRUE(pick);
  EXPECT_EQ(pick->count, 6u);
}

TEST(PickCompaction, TooManyTablesForceTheSmallestWindow) {
  std::vector<uint64_t> sizes;
  for (int i = 0; i < 11; ++i) sizes.push_back(i % 2 == 0 ? 100 : 100000);
  sizes[6] = 10;
  auto pick = pick_compaction(sizes, policy());
  ASSERT_TRUE(pick);
  EXPECT_EQ(pick->count, 6u);
  EXPECT_LE(pick->first_index + pick->count, sizes.size());
}

}  // namespace
}  // namespace ringkv
