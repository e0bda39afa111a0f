// A crash at every Env mutation of a flush + compaction + more writes must lose nothing that
// was synced: the run stops at the injected failure (the process dies there), the disk
// crashes (unsynced bytes torn, unsynced directory operations maybe undone), and the store
// must reopen with every synced entry (or a newer applied one) and nothing invented.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "tests/storage/storage_test_util.h"

namespace ringkv {
namespace {

using testing::kStoreDir;
using testing::put_entry;
using testing::tombstone_entry;

struct History {
  std::map<std::string, Entry> synced;
  std::map<std::string, std::set<std::string>> applied_values;  // key -> every value applied
};

LsmOptions crash_options() {
  LsmOptions options = testing::small_options(1500);
  options.compaction.min_merge_tables = 2;
  options.tombstone_purgeable = [](std::string_view, const Entry&) { return false; };
  return options;
}

// Builds the same starting store every time: a few tables plus a synced WAL tail.
void build_base(MemoryEnv& env, History& history) {
  auto store = testing::open_or_die(env, crash_options());
  ASSERT_TRUE(store);
  for (int i = 0; i < 120; ++i) {
    std::string key = "k" + std::to_string(i % 40);
    Entry entry =
        i % 9 == 0 ? tombstone_entry(i + 1) : put_entry(i + 1, "base" + std::to_string(i));
    ASSERT_TRUE(store->apply(key, entry).ok());
    history.synced[key] = entry;
    history.applied_values[key].insert(entry.value + (entry.tombstone ? "#" : ""));
  }
  ASSERT_TRUE(store->sync().ok());
}

// The work interrupted by the crash. Returns at the first failure (the "death").
void interrupted_work(LsmStore& store, History& history) {
  auto apply = [&](const std::string& key, const Entry& entry) {
    auto result = store.apply(key, entry);
    if (result.ok()) history.applied_values[key].insert(entry.value + (entry.tombstone ? "#" : ""));
    return result.ok();
  };
  if (!store.flush().ok()) return;
  store.request_full_compaction();
  while (store.compaction_pending()) {
    if (!store.compact_step(25).ok()) return;
  }
  for (int i = 0; i < 60; ++i) {
    if (!apply("k" + std::to_string(i % 40), put_entry(1000 + i, "late" + std::to_string(i))))
      return;
    if (i % 20 == 19) {
      if (!store.sync().ok()) return;
      for (const auto& [key, values] : history.applied_values) {
        auto got = store.get(key);
        if (got.ok() && *got) history.synced[key] = **got;
      }
    }
  }
}

void check_recovered(LsmStore& store, const History& history, uint64_t crash_point) {
  for (const auto& [key, synced] : history.synced) {
    auto got = store.get(key);
    ASSERT_TRUE(got.ok()) << got.status().to_string();
    ASSERT_TRUE(got->has_value()) << "synced key " << key << " lost at crash point " << crash_point;
    const Entry& entry = **got;
    ASSERT_GE(entry.version, synced.version) << key << " went backwards at " << crash_point;
    std::string tag = entry.value + (entry.tombstone ? "#" : "");
    ASSERT_TRUE(history.applied_values.at(key).contains(tag)) << "invented value for " << key;
  }
}

TEST(LsmStoreCrash, CrashAtEveryMutationOfFlushAndCompactionLosesNothingSynced) {
  uint64_t crash_point = 0;
  for (;; ++crash_point) {
    ASSERT_LT(crash_point, 5000u);
    MemoryEnv env(crash_point);
    History history;
    build_base(env, history);
    auto store = testing::open_or_die(env, crash_options());
    ASSERT_TRUE(store);
    uint64_t before = env.mutation_count();
    env.set_faults(FaultOptions{.fail_mutations_after = crash_point});
    interrupted_work(*store, history);
    bool finished = env.mutation_count() - before < crash_point;
    store.reset();
    Prng prng(crash_point * 7919 + 1);
    env.crash(prng);
    auto reopened = LsmStore::open(env, kStoreDir, crash_options());
    ASSERT_TRUE(reopened.ok()) << "crash point " << crash_point << ": "
                               << reopened.status().to_string();
    check_recovered(**reopened, history, crash_point);
    if (finished) break;
  }
  EXPECT_GT(crash_point, 20u) << "the work should span many mutations";
}

TEST(LsmStoreCrash, RepeatedCrashesDuringRecoveryLoseNothingSynced) {
  MemoryEnv env(3);
  History history;
  build_base(env, history);
  for (uint64_t round = 0; round < 40; ++round) {
    env.set_faults(FaultOptions{.fail_mutations_after = round % 7});
    auto store = LsmStore::open(env, kStoreDir, crash_options());  // may die while opening
    store = Result<std::unique_ptr<LsmStore>>(Status::io_error("dropped"));
    Prng prng(round);
    env.crash(prng);
  }
  auto store = testing::open_or_die(env, crash_options());
  ASSERT_TRUE(store);
  check_recovered(*store, history, 0);
}

}  // namespace
}  // namespace ringkv
