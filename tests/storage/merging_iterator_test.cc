// MergingIterator against a model: sources given newest first merge into one ascending
// stream with one record per key, taken from the newest source holding it. The sources are
// drawn with long runs from one source and keys shared between sources, so that both the
// one-comparison step (the top source stays below the runner-up) and the duplicate-skipping
// step are taken, and a failing source surfaces its error.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/prng.h"
#include "core/storage/merging_iterator.h"

namespace ringkv {
namespace {

// A source over sorted keys; its record's counter names the source, so that the test can
// tell which source a merged record came from.
class VectorIterator final : public RecordIterator {
 public:
  VectorIterator(std::vector<std::string> keys, uint64_t source, size_t fail_at = SIZE_MAX)
      : keys_(std::move(keys)), source_(source), fail_at_(fail_at) {
    settle();
  }
  bool valid() const override { return position_ < keys_.size(); }
  std::string_view key() const override { return keys_[position_]; }
  const RecordView& view() const override { return view_; }
  Status next() override {
    if (++position_ == fail_at_) {
      position_ = keys_.size();
      return Status::io_error("injected source failure");
    }
    settle();
    return Status();
  }

 private:
  void settle() {
    if (!valid()) return;
    view_ = RecordView{keys_[position_], 1, source_, "n1", keys_[position_]};
  }
  std::vector<std::string> keys_;
  uint64_t source_;
  size_t fail_at_;
  size_t position_ = 0;
  RecordView view_;
};

struct Drawn {
  std::vector<std::vector<std::string>> sources;  // newest first, each sorted and unique
  std::map<std::string, uint64_t> expected;       // key -> newest source holding it
};

// Keys from a small alphabet, handed out in runs so that one source often holds many keys
// in a row; `shared_permille` of the keys also go to an older source.
Drawn draw_sources(Prng& prng, size_t source_count, size_t key_count, uint32_t shared_permille) {
  Drawn drawn;
  std::vector<std::set<std::string>> sets(source_count);
  size_t owner = 0;
  for (size_t i = 0; i < key_count; ++i) {
    if (prng.one_in(8)) owner = static_cast<size_t>(prng.uniform(source_count));
    char key[16];
    std::snprintf(key, sizeof key, "k%06llu", static_cast<unsigned long long>(prng.uniform(4000)));
    sets[owner].insert(key);
    if (prng.chance(shared_permille)) sets[prng.uniform(source_count)].insert(key);
  }
  for (size_t source = 0; source < source_count; ++source) {
    drawn.sources.emplace_back(sets[source].begin(), sets[source].end());
    for (const std::string& key : sets[source]) drawn.expected.emplace(key, source);  // newest kept
  }
  return drawn;
}

std::map<std::string, uint64_t> merge_all(const Drawn& drawn, Status* status) {
  std::vector<std::unique_ptr<RecordIterator>> sources;
  for (size_t source = 0; source < drawn.sources.size(); ++source) {
    sources.push_back(std::make_unique<VectorIterator>(drawn.sources[source], source));
  }
  MergingIterator merged(std::move(sources));
  std::map<std::string, uint64_t> seen;
  std::string last;
  while (merged.valid()) {
    std::string key(merged.key());
    EXPECT_TRUE(seen.empty() || last < key) << "not ascending at " << key;
    EXPECT_EQ(merged.view().value, key);
    seen[key] = merged.view().counter;
    last = key;
    *status = merged.next();
    if (!status->ok()) break;
  }
  return seen;
}

TEST(MergingIterator, MatchesTheModelOverManyDrawnSourceSets) {
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    Prng prng(seed);
    const size_t source_count = 1 + static_cast<size_t>(prng.uniform(12));
    const uint32_t shared_permille = static_cast<uint32_t>(prng.uniform(600));
    Drawn drawn = draw_sources(prng, source_count, 1 + prng.uniform(3000), shared_permille);
    Status status;
    EXPECT_EQ(merge_all(drawn, &status), drawn.expected) << "seed " << seed;
    EXPECT_TRUE(status.ok());
  }
}

RC_GTEST_PROP(MergingIteratorProperty, NewestSourceWinsEveryKey,
              (std::vector<std::vector<uint8_t>> raw)) {
  Drawn drawn;
  for (size_t source = 0; source < raw.size(); ++source) {
    std::set<std::string> keys;
    for (uint8_t byte : raw[source]) keys.insert(std::string(1 + byte % 3, char('a' + byte % 7)));
    drawn.sources.emplace_back(keys.begin(), keys.end());
    for (const std::string& key : keys) drawn.expected.emplace(key, source);
  }
  Status status;
  RC_ASSERT(merge_all(drawn, &status) == drawn.expected);
}

TEST(MergingIterator, AFailingSourceEndsTheMergeWithItsError) {
  std::vector<std::unique_ptr<RecordIterator>> sources;
  sources.push_back(std::make_unique<VectorIterator>(
      std::vector<std::string>{"a", "b", "c", "d"}, 0, /*fail_at=*/2));
  sources.push_back(std::make_unique<VectorIterator>(std::vector<std::string>{"x", "y"}, 1));
  MergingIterator merged(std::move(sources));
  ASSERT_TRUE(merged.valid());
  ASSERT_TRUE(merged.next().ok());
  EXPECT_EQ(merged.key(), "b");
  EXPECT_EQ(merged.next().code(), StatusCode::kIoError);
  EXPECT_FALSE(merged.valid());
}

}  // namespace
}  // namespace ringkv
